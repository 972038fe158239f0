import Foundation
import Testing
import RNNRuntime
@testable import RNNScript

/// Issue 11's renderer findings: NaN and ±∞ are ordinary data for every
/// renderer (text, JSON, SVG, Markdown/LaTeX), ranges that overflow a Double
/// are drawn, and no loop whose step is computed can stall. Each reproducer
/// runs through the in-process driver, in text, in `--json` and with a report.
@Suite("Renderers: non-finite values are ordinary data", .timeLimit(.minutes(1)))
struct RendererRobustnessTests {
    /// A model `m` on a sequence `s`, and a one-unit linear model `big` whose
    /// gradient has a norm beyond the largest Double (each element is ~1e300).
    static let header = """
        vocab ab = ['a', 'b', 'c']
        sequence s = "abca" over ab predicting next
        model m = rnn { input 3; hidden 3; output 3 }
        sequence w = inputs [1, 1] targets [0, 0]
        model big = rnn { input 1; hidden 1; output 1; state linear; readout linear }
        set big.U = [[1e150]]
        set big.V = [[1]]
        set big.W = [[0]]
        loss mse = squared_error
        optimizer opt = sgd { lr 0.1 }

        """

    /// The text of the last cell (the header's cells come first).
    static func lastCell(_ output: String) -> String {
        String(output.components(separatedBy: "\n[").last ?? "")
    }

    /// Runs `body` after the header with a report; the page and the last cell's text.
    static func withReport(_ body: String) -> (text: String, html: String, status: RunStatus) {
        var output = "", errors = ""
        let runner = ScriptRunner(host: TestHost(), output: { output += $0 }, errors: { errors += $0 })
        let report = HTMLReport(title: "robustness")
        runner.report = report
        let status = runner.run(SourceFile(name: "robustness.rnn", text: header + body))
        return (output + errors, report.render(), status)
    }

    /// The SVG figures of a page.
    static func svgs(_ html: String) -> [String] {
        html.components(separatedBy: "<svg").dropFirst().map { "<svg" + ($0.components(separatedBy: "</svg>").first ?? "") + "</svg>" }
    }

    /// No attribute of an SVG holds a nan or an inf (coordinates, sizes, points).
    static func coordinatesAreNumbers(_ svg: String) -> Bool {
        !svg.contains(#/="[^"]*(nan|inf)/#)
    }

    // MARK: - Text

    @Test("plot log([[0, 1], [1, 1]]): a -inf cell is marked, the shades span the finite values")
    func heatmapWithMinusInfinity() {
        let r = runScript(Self.header + "plot log([[0, 1], [1, 1]])")
        #expect(r.status == .ok, "\(r.errors)")
        #expect(r.output.contains("""
            [11] plot log([[0, 1], [1, 1]])
                log([[0, 1], [1, 1]]) (2×2), shade from 0.0000 ░ to 0.0000 █; not finite: 1 -inf (↓)
                  ↓▓
                  ▓▓

            """), "\(r.output)")
    }

    @Test("plot sqrt([[-1, 1], [2, 3]]): a nan cell is marked, the others shaded from 1 to √3")
    func heatmapWithNaN() {
        let r = runScript(Self.header + "plot sqrt([[-1, 1], [2, 3]])")
        #expect(r.status == .ok, "\(r.errors)")
        #expect(r.output.contains("""
                sqrt([[-1, 1], [2, 3]]) (2×2), shade from 1.0000 ░ to 1.7321 █; not finite: 1 nan (×)
                  ×░
                  ▓█

            """))
    }

    @Test("plot [[1e308, -1e308]]: a range wider than the largest Double")
    func lineWithOverflowingRange() {
        let r = runScript(Self.header + "plot [[1e308, -1e308]]")
        #expect(r.status == .ok, "\(r.errors)")
        #expect(r.output.contains("""
                [[1e308, -1e308]]: 2 values from -1.0000e+308 to 1.0000e+308
                █▁

            """))
        // A long series is averaged in buckets without overflowing, and a
        // bucket with a non-finite value shows its mark.
        #expect(Sparkline.line(Array(repeating: 1e308, count: 120) + Array(repeating: -1e308, count: 120)) == String(repeating: "█", count: 30) + String(repeating: "▁", count: 30))
        #expect(Sparkline.line([1, 2, .nan, .infinity, -.infinity, 3]) == "▁▅×↑↓█")
        #expect(Sparkline.line([.nan, .nan]) == "××")
    }

    @Test("flow with ‖W‖ overflowing: the infinite norm is printed and marked in the log-scale sparkline")
    func flowWithInfiniteNorm() {
        let r = runScript(Self.header + """
            set m.W = [[0.6, -1e308, 0], [-0.3, 0.6, 0.3], [0, -0.3, 0.6]]
            flow m on s
            """)
        #expect(r.status == .ok, "\(r.errors)")
        let flow = Self.lastCell(r.output)
        #expect(flow.contains("        0     3             inf           inf  exploding"), "\(flow)")
        #expect(flow.contains("norms by lag: █▁↑  (log scale, 1e-1 to 1e0)"), "\(flow)")
        #expect(Sparkline.logLine([0.5, .nan, 0]) == "█×▁  (log scale, 1e-300 to 1e0)")
        #expect(Sparkline.logLine([.infinity, .nan]) == "↑×")
    }

    @Test("train …, log when ‖g‖ overflows to inf: printed as inf, and norm clipping counts as a change")
    func trainLogWithInfiniteNorm() {
        let r = runScript(Self.header + "train big on w with mse, opt for 3 epochs, clip norm 1, log")
        #expect(r.status == .ok, "\(r.errors)")
        let train = Self.lastCell(r.output)
        #expect(train.contains("           1      1          inf       0.0000  -"), "\(train)")
        #expect(train.contains("clipping changed the gradient in 3 of 3 updates"), "\(train)")
        #expect(train.contains("‖g‖ before clipping: ↑↑↑\n"), "\(train)")
    }

    @Test("NaN prints as nan, never -nan; huge numbers print every digit")
    func textNumbers() {
        let r = runScript("show sqrt(-1)\nshow -1e308 * 10\nsequence big = inputs [1e70] targets [1]")
        #expect(r.status == .ok, "\(r.errors)")
        #expect(r.output.contains("    sqrt(-1) = nan\n"))
        #expect(r.output.contains("    -1e308 * 10 = -inf\n"))
        #expect(!r.output.contains("-nan"))
        // The Double nearest to 1e70, exactly (a fixed-size buffer once cut it).
        #expect(r.output.contains("inputs   [10000000000000000725314363815292351261583744096465219555182101554790400.0000]"), "\(r.output)")
    }

    // MARK: - JSON

    @Test("--json writes null for nan, inf and -inf in every result")
    func jsonNull() throws {
        let r = runScript(Self.header + """
            plot log([[0, 1], [1, 1]])
            plot sqrt([[-1, 1], [2, 3]])
            show -1e308 * 10
            train big on w with mse, opt for 1 epochs, clip norm 1, log
            """, format: .json)
        #expect(r.status == .ok, "\(r.errors)")
        let lines = r.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 15)  // 14 cells and the summary
        #expect(lines[10].contains("\"data\":[[null,0],[0,0]]"), "\(lines[10])")
        #expect(lines[11].contains("\"data\":[[null,1],[1.4142135623730951,1.7320508075688772]]"), "\(lines[11])")
        #expect(lines[12].hasSuffix("\"result\":null}"), "\(lines[12])")
        #expect(lines[13].contains("\"norm_before\":null,\"norm_after\":0"), "\(lines[13])")
        for line in lines {
            #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any], "\(line)")
            #expect(!line.contains("nan") && !line.contains("inf\""), "\(line)")
        }
    }

    // MARK: - SVG

    @Test("plot [[1e17, 1e17 + 16]] with a report: the axis ticks stop where adding the step changes nothing")
    func ticksBelowTheSpacingOfDoubles() throws {
        let r = Self.withReport("plot [[100000000000000000, 100000000000000016]]")
        #expect(r.status == .ok, "\(r.text)")
        let svg = try #require(Self.svgs(r.html).last)
        #expect(svg.contains("<polyline"))
        #expect(Self.coordinatesAreNumbers(svg), "\(svg)")
        #expect(SVGChart.ticks(1e17, 1e17 + 16) == [1e17])
        let wide = SVGChart.ticks(-1e308, 1e308)
        #expect(wide.count == 5 && wide.first == -1e308 && wide[2] == 0 && wide.last == 1e308, "\(wide)")
        #expect(SVGChart.ticks(0, 1) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        #expect(SVGChart.ticks(.nan, 1).isEmpty && SVGChart.ticks(0, .infinity).isEmpty)
    }

    @Test("a loss curve that stays at 1e300 (its gradient norm overflowed) has finite coordinates")
    func constantHugeLossCurve() throws {
        let r = Self.withReport("train big on w with mse, opt for 3 epochs, clip norm 1, log")
        #expect(r.status == .ok, "\(r.text)")
        let svg = try #require(Self.svgs(r.html).last)
        #expect(svg.contains("Training loss of big"))
        #expect(svg.contains("<polyline"))
        #expect(Self.coordinatesAreNumbers(svg), "\(svg)")
    }

    @Test("line charts: a non-finite point is a gap, counted; the scale spans the finite values")
    func lineGaps() {
        let svg = SVGChart.line([.init(label: "loss", values: [1, 2, .infinity, 3, 4, .nan, 5])], title: "t", xLabel: "x", yLabel: "y")
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2, "two runs, 1 2 and 3 4")
        #expect(svg.components(separatedBy: "<circle").count - 1 == 5, "a dot per drawn point")
        #expect(svg.contains(">not drawn: 1 nan, 1 inf</text>"))
        #expect(Self.coordinatesAreNumbers(svg), "\(svg)")
        let wide = SVGChart.line([.init(label: "v", values: [-1e308, 1e308])], title: "t", xLabel: "x", yLabel: "y")
        #expect(wide.contains("points=\"72.0,248.0 616.0,36.0\""), "\(wide)")
        #expect(Self.coordinatesAreNumbers(wide), "\(wide)")
        let none = SVGChart.line([.init(label: "v", values: [.nan, .infinity])], title: "t", xLabel: "x", yLabel: "y")
        #expect(!none.contains("<polyline") && none.contains("not drawn: 1 nan, 1 inf"))
        #expect(Self.coordinatesAreNumbers(none))
    }

    @Test("heat maps: a non-finite cell is grey, struck through and titled; colours span the finite values")
    func heatmapCells() throws {
        let r = Self.withReport("plot log([[0, 1], [1, 1]]) - [[0, 0], [0, 2]]")
        #expect(r.status == .ok, "\(r.text)")
        #expect(ReportTests.elements(r.html) != nil, "a strict XML parser reads the page")
        let svg = try #require(Self.svgs(r.html).last)
        #expect(svg.contains("<g><title>[0, 0] = -inf</title><rect x=\"72.0\" y=\"36.0\" width=\"36.0\" height=\"36.0\" fill=\"#bdbdbd\"/>"), "\(svg)")
        #expect(svg.contains(">not finite: 1 -inf</text>"))
        // The finite values 0 and -2 set a diverging scale: 0 is white, -2 the deepest blue.
        #expect(svg.contains("y=\"36.0\" width=\"36.0\" height=\"36.0\" fill=\"#ffffff\"/>"))
        #expect(svg.contains("y=\"72.0\" width=\"36.0\" height=\"36.0\" fill=\"#2166ac\"/>"))
        #expect(Self.coordinatesAreNumbers(svg), "\(svg)")

        let nothing = SVGChart.heatmap(Matrix(rows: 1, cols: 2, storage: [.nan, .infinity]), title: "t", xLabel: "x", yLabel: "y")
        #expect(nothing.components(separatedBy: "fill=\"#bdbdbd\"").count - 1 == 3, "two cells and the key")
        #expect(nothing.contains(">not finite: 1 nan, 1 inf</text>"))
        #expect(Self.coordinatesAreNumbers(nothing))
        let wide = SVGChart.heatmap(Matrix(rows: 1, cols: 2, storage: [-1e308, 1e308]), title: "t", xLabel: "x", yLabel: "y")
        #expect(wide.contains("fill=\"#2166ac\"") && wide.contains("fill=\"#b2182b\""))
        #expect(Self.coordinatesAreNumbers(wide))
    }

    @Test("bars: a non-finite term has its name in place of a bar")
    func barsWithNonFiniteValues() {
        let svg = SVGChart.bars(["k=1", "k=2", "k=3"], [1, .infinity, .nan], title: "t", xLabel: "x", yLabel: "y")
        #expect(svg.components(separatedBy: "<rect").count - 1 == 3, "the background, the axes and one bar")
        #expect(svg.contains(">inf</text>") && svg.contains(">nan</text>"))
        #expect(Self.coordinatesAreNumbers(svg), "\(svg)")
    }

    @Test("the prediction table of a forward pass with nan probabilities")
    func predictionTableWithNaN() {
        // s_2 = 1e308 + 1e308 · 1e308 = inf, and o_2 = inf · [1, 0, 1] has a nan.
        let r = Self.withReport("""
            model lm = rnn { input 3; hidden 1; output 3; state linear }
            set lm.U = [[1e308], [1e308], [1e308]]
            set lm.W = [[1e308]]
            set lm.V = [[1, 0, 1]]
            forward lm on s
            """)
        #expect(r.status == .ok, "\(r.text)")
        #expect(ReportTests.elements(r.html) != nil, "a strict XML parser reads the page")
        #expect(r.html.contains("<td style=\"background-color: rgb(255, 255, 255)\">nan</td>"), "\(r.html)")
    }

    // MARK: - Markdown and LaTeX

    @Test("trace … to .md and .tex writes non-finite numbers as math")
    func traceExport() throws {
        let script = Self.header + """
            set big.W = [[1e300]]
            trace big on w with mse to "t.md"
            trace big on w with mse to "t.tex"
            """
        let host = TestHost()
        let r = runScript(script, host: host)
        #expect(r.status == .ok, "\(r.errors)")
        let markdown = try #require(host.written["t.md"]), latex = try #require(host.written["t.tex"])
        for text in [markdown, latex] {
            #expect(text.contains("\\infty"), "\(text)")
            let bare = text.replacingOccurrences(of: "\\infty", with: "").replacingOccurrences(of: "\\mathrm{nan}", with: "")
            #expect(!bare.contains("inf") && !bare.contains("nan"), "\(text)")
        }
        #expect(TraceExporter.number(.nan) == "\\mathrm{nan}")
        #expect(TraceExporter.number(-.infinity) == "-\\infty")
        #expect(TraceExporter.number(0.5) == "0.5000")
    }

    // MARK: - show net

    @Test("show net names nn.RNN's nonlinearity, and says when nn.RNN has none", arguments: [
        ("tanh", "PyTorch nn.RNN:"),
        ("relu", "PyTorch nn.RNN(nonlinearity='relu'):"),
        ("sigmoid", "PyTorch: no nn.RNN equivalent (its nonlinearity is tanh or relu; a sigmoid state needs a custom cell), with nn.RNN's tensors:"),
        ("linear", "PyTorch: no nn.RNN equivalent (its nonlinearity is tanh or relu; a linear state needs a custom cell), with nn.RNN's tensors:"),
    ])
    func pytorchModule(_ state: String, _ heading: String) throws {
        let script = "model net = rnn { input 2; hidden 3; output 2; state \(state) }\nshow net"
        let r = runScript(script)
        #expect(r.status == .ok, "\(r.errors)")
        #expect(r.output.contains("\n    " + heading + "\n"), "\(r.output)")
        #expect(r.output.contains("      weight_hh_l0 (3×3)"))
        let json = runScript(script, format: .json)
        let last = try #require(json.output.split(separator: "\n").dropLast().last)  // the last cell, before the summary
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        let module = (object["result"] as? [String: Any])?["pytorch_module"]
        switch state {
        case "tanh": #expect(module as? String == "nn.RNN")
        case "relu": #expect(module as? String == "nn.RNN(nonlinearity='relu')")
        default: #expect(module is NSNull)
        }
    }
}
