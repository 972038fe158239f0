import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import RNNScript

/// The HTML notebook of `--report`: byte-identical to the checked-in
/// examples/bptt.html (re-recorded with RECORD_GOLDEN=1), identical across
/// runs, well-formed for a strict XML parser, one SVG per plot.
@Suite("The HTML report")
struct ReportTests {
    static func report(_ path: String) -> (html: String, figures: Int, status: RunStatus) {
        let url = packageRoot.appendingPathComponent(path)
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        let runner = ScriptRunner(host: TestHost(base: url.deletingLastPathComponent()), output: { _ in }, errors: { _ in })
        let report = HTMLReport(title: path)
        runner.report = report
        let status = runner.run(SourceFile(name: path, text: text))
        return (report.render(), report.figureCount, status)
    }

    /// Counts elements with a strict (non-HTML) XML parser; nil if it rejects the page.
    final class Counter: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            counts[name, default: 0] += 1
        }
    }

    static func elements(_ html: String) -> [String: Int]? {
        let parser = XMLParser(data: Data(html.utf8))
        let counter = Counter()
        parser.delegate = counter
        return parser.parse() ? counter.counts : nil
    }

    @Test("bptt.rnn's report matches examples/bptt.html and is identical across runs")
    func golden() throws {
        let first = Self.report("examples/bptt.rnn"), second = Self.report("examples/bptt.rnn")
        #expect(first.status == .ok)
        #expect(first.html == second.html)
        let goldenURL = packageRoot.appendingPathComponent("examples/bptt.html")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] != nil {
            try first.html.write(to: goldenURL, atomically: true, encoding: .utf8)
        } else {
            #expect(first.html == (try String(contentsOf: goldenURL, encoding: .utf8)), "RECORD_GOLDEN=1 swift test re-records")
        }
    }

    @Test("every example's report is well-formed XML with one SVG per plot", arguments: exampleScripts())
    func wellFormed(_ path: String) throws {
        let (html, figures, _) = Self.report(path)
        let counts = try #require(Self.elements(html), "a strict XML parser rejected the report of \(path)")
        #expect(counts["svg", default: 0] == figures)
        #expect(counts["section", default: 0] > 0)
        #expect(!html.contains("<script"), "no JavaScript")
        #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org", with: "").contains("http://"), "no network")
    }

    @Test("train, flow, jacobian, gates, plot and backward each add their figures")
    func figures() throws {
        let script = """
            seed 1
            vocab chars = ['d', 'e', 'p', <stop>]
            sequence deep = "deep" over chars predicting next
            model net = rnn { input 4; hidden 3; output 4 }
            model gated = lstm { input 4; hidden 2; output 4 }
            loss xent = cross_entropy
            optimizer opt = sgd { lr 0.1 }
            train net on deep with xent, opt for 5 epochs
            flow net on deep
            jacobian net on deep from 4 to 1
            gates gated on deep
            plot net.losses
            plot net.W
            backward net on deep with xent
            """
        let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { _ in })
        let report = HTMLReport(title: "figures")
        runner.report = report
        #expect(runner.run(SourceFile(name: "f.rnn", text: script)) == .ok)
        // train 1 + flow 1 + jacobian 1 + gates 4 + plot 2 + backward 5
        #expect(report.figureCount == 14)
        let html = report.render()
        #expect(html.contains("Training loss of net"))
        #expect(html.contains("Gradient flow of net"))
        #expect(html.contains("spectral norm (log scale)"))
        #expect(html.contains("Gate f of gated over time"))
        #expect(Self.elements(html) != nil)
    }
}
