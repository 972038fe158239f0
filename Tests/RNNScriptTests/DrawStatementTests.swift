import Foundation
import Testing
@testable import RNNScript

/// `draw M`, `draw M on S`, `draw M cell` (SPEC §7): the statement end to end —
/// the text picture, JSON nodes and edges, the SVG in the report, the errors.
@Suite("draw")
struct DrawStatementTests {
    static let deep = """
        vocab v = ['d', 'e', 'p', <stop>]
        sequence deep = "deep" over v predicting next
        model net = rnn { input v; hidden 3; output v }
        model memory = lstm { input v; hidden 3; output v }
        model gated = gru { input v; hidden 3; output v }
        """

    @Test("draw net on deep: the unrolled picture with the symbols, U, W, V, within 80 columns")
    func unrolledText() {
        let r = runScript(Self.deep + "\ndraw net on deep")
        #expect(r.status == .ok, "\(r.errors)")
        let cell = r.output.components(separatedBy: "[6] draw net on deep\n")[1]
        #expect(cell.hasPrefix("    unrolled over 4 steps (rnn, input 4, hidden 3, output 4, softmax)\n"))
        for label in ["x1 'd'", "x2 'e'", "x3 'e'", "x4 'p'", "<stop>", "ŷ1", "ŷ4", "s0", "s4", "↑ U", "↑ V", "─W─→"] {
            #expect(cell.contains(label), "missing \(label) in\n\(cell)")
        }
        #expect(cell.split(separator: "\n").allSatisfy { $0.unicodeScalars.count <= 80 })
    }

    @Test("--ascii draws with ASCII only; piped output is otherwise UTF-8")
    func ascii() {
        var output = ""
        let runner = ScriptRunner(host: TestHost(), output: { output += $0 }, errors: { _ in })
        runner.asciiDrawings = true
        #expect(runner.run(SourceFile(name: "a.rnn", text: Self.deep + "\ndraw memory cell\ndraw net on deep")) == .ok)
        let pictures = output.components(separatedBy: "[6] draw memory cell\n")[1]
        let pure = pictures.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(pure, "\(pictures)")
        #expect(pictures.contains("sigma f") && pictures.contains("x1 'd'") && pictures.contains("(.)"))
    }

    @Test("JSON: nodes {id, label} and edges {from, to, label} whose labels are the parameter names")
    func json() {
        let run = InstrumentTests.run(Self.deep + "\ndraw net on deep\ndraw net\ndraw memory cell")
        #expect(run.status == .ok)
        let unrolled = run.result("draw net on deep")
        let nodes = unrolled["nodes"] as? [[String: Any]] ?? []
        let edges = unrolled["edges"] as? [[String: Any]] ?? []
        let labels = edges.compactMap { $0["label"] as? String }
        #expect(labels.filter { $0 == "U" }.count == 4 && labels.filter { $0 == "W" }.count == 4 && labels.filter { $0 == "V" }.count == 4)
        #expect(nodes.contains { $0["id"] as? String == "x1" && $0["label"] as? String == "x1 'd'" })
        #expect(nodes.contains { $0["id"] as? String == "t4" && $0["label"] as? String == "<stop>" })
        let ids = Set(nodes.compactMap { $0["id"] as? String })
        #expect(edges.allSatisfy { ids.contains($0["from"] as? String ?? "") && ids.contains($0["to"] as? String ?? "") })
        let folded = run.result("draw net")
        let foldedEdges = (folded["edges"] as? [[String: Any]] ?? []).map { "\($0["from"]!)→\($0["to"]!) \($0["label"]!)" }
        #expect(foldedEdges == ["x→s U", "s→s W", "s→y V"])
        let cell = run.result("draw memory cell")
        let cellLabels = Set((cell["edges"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String })
        #expect(cellLabels.isSuperset(of: ["U_i", "U_f", "U_g", "U_o", "W_i", "W_f", "W_g", "W_o"]))
        let roles = Set((cell["nodes"] as? [[String: Any]] ?? []).compactMap { $0["role"] as? String })
        #expect(roles.isSuperset(of: ["gate", "operation", "cellState"]))
    }

    @Test("the report draws an SVG per picture, with the symbols escaped, and the text cell keeps only the title")
    func report() {
        let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { _ in })
        let report = HTMLReport(title: "draw")
        runner.report = report
        #expect(runner.run(SourceFile(name: "d.rnn", text: Self.deep + "\ndraw net on deep\ndraw gated cell")) == .ok)
        #expect(report.figureCount == 2)
        let html = report.render()
        #expect(html.contains("&lt;stop&gt;") && html.contains("x1 'd'") && html.contains("1 − z"))
        #expect(!html.contains("┌"), "the box-drawing text belongs to the terminal, not the report")
        #expect(ReportTests.elements(html) != nil)
    }

    @Test("draw on a sequence the model cannot read, on an unknown name, and with a stray word are errors at the spot")
    func errors() {
        let wrongWidth = runScript(Self.deep + "\nsequence other = inputs [[1, 2]] targets [[1]]\ndraw net on other")
        #expect(wrongWidth.status == .scriptError)
        #expect(wrongWidth.errors.contains("test.rnn:7:"), "\(wrongWidth.errors)")
        let unknown = runScript(Self.deep + "\ndraw nett")
        #expect(unknown.status == .scriptError && unknown.errors.contains("did you mean 'net'"), "\(unknown.errors)")
        let stray = runScript(Self.deep + "\ndraw net cells")
        #expect(stray.status == .scriptError && stray.errors.contains("test.rnn:6:10"), "\(stray.errors)")
        let notModel = runScript(Self.deep + "\ndraw deep")
        #expect(notModel.status == .scriptError && notModel.errors.contains("a model"), "\(notModel.errors)")
    }

    @Test("a long sequence draws its first 2 steps, an ellipsis and its last 2")
    func longSequence() {
        let r = runScript(Self.deep + "\nsequence long = \"deepdeepdeep\" over v predicting next\ndraw net on long")
        #expect(r.status == .ok, "\(r.errors)")
        #expect(r.output.contains("unrolled over 12 steps") && r.output.contains("…") && r.output.contains("x12 'p'"))
        #expect(!r.output.contains("x3 'e'"))
    }
}
