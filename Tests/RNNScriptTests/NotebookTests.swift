import Foundation
import Testing
@testable import RNNScript

/// `--ipynb`: the run as an nbformat 4.5 notebook. Markdown cells from comment
/// blocks, code cells whose `stream` text is exactly the text output beneath
/// each `[N]` line, SVG figures, errors; the same bytes on every run.
@Suite("The Jupyter notebook export")
struct NotebookTests {
    struct Run {
        var notebook: String
        var json: JSON
        /// The text output, one entry per cell that ran.
        var chunks: [String]
        var errors: String
        var status: RunStatus
    }

    static func run(_ text: String, name: String = "test.rnn", host: TestHost = TestHost()) throws -> Run {
        var chunks: [String] = [], errors = ""
        let runner = ScriptRunner(host: host, output: { chunks.append($0) }, errors: { errors += $0 })
        let notebook = JupyterNotebook(languageVersion: "0.1.0")
        runner.notebook = notebook
        let status = runner.run(SourceFile(name: name, text: text))
        let rendered = notebook.render()
        return Run(notebook: rendered, json: try JSON.parse(rendered), chunks: chunks, errors: errors, status: status)
    }

    static func run(example path: String) throws -> Run {
        let url = packageRoot.appendingPathComponent(path)
        return try run(try String(contentsOf: url, encoding: .utf8), name: path, host: TestHost(base: url.deletingLastPathComponent()))
    }

    static func cells(_ notebook: JSON) -> [JSON] {
        guard case let .array(cells)? = notebook["cells"] else { return [] }
        return cells
    }

    /// A multi-line string as nbformat stores it (an array of lines), joined.
    static func joined(_ value: JSON?) -> String? {
        switch value {
        case let .string(s)?: return s
        case let .array(items)?:
            var out = ""
            for item in items { guard case let .string(s) = item else { return nil }; out += s }
            return out
        default: return nil
        }
    }

    static func outputs(_ cell: JSON) -> [JSON] {
        guard case let .array(outputs)? = cell["outputs"] else { return [] }
        return outputs
    }

    static func string(_ value: JSON?) -> String? {
        if case let .string(s)? = value { return s }
        return nil
    }

    /// Every code cell that ran has the text output's chunk for it: the
    /// `[N]` source lines, then exactly its `stdout` stream, then a blank line.
    static func checkStreams(_ run: Run, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let ran = cells(run.json).filter { $0["execution_count"] != .null && $0["cell_type"] == .string("code") }
        // The last chunk may be the count of expectations, after every cell.
        let chunks = run.chunks.last?.hasPrefix("expectations: ") == true ? run.chunks.dropLast() : run.chunks[...]
        #expect(ran.count == chunks.count, sourceLocation: sourceLocation)
        for (cell, chunk) in zip(ran, chunks) {
            guard case let .number(n)? = cell["execution_count"], let source = joined(cell["source"]) else {
                Issue.record("a code cell without a count or source", sourceLocation: sourceLocation)
                continue
            }
            let echoLines = source.split(separator: "\n", omittingEmptySubsequences: false).count
            let body = chunk.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(echoLines).joined(separator: "\n")
            let stdout = outputs(cell).filter { $0["name"] == .string("stdout") }.compactMap { joined($0["text"]) }.joined()
            #expect(chunk.hasPrefix("[\(Int(n))] "), sourceLocation: sourceLocation)
            #expect(body == stdout + "\n", "cell \(Int(n))", sourceLocation: sourceLocation)
        }
    }

    static let small = """
        #!/usr/bin/env rnnscript
        # A tiny notebook
        #
        # with <stop> in it

        seed 1
        vocab ab = ['a', 'b', <stop>]
        sequence s = "ab" over ab predicting next   # a, then b
        model m = rnn {
          # a comment inside a block stays in the code
          input 3; hidden 2; output 3
        }
        # Draw it; expect too much of it.
        draw m
        expect m.W[0, 0] == 5 within 0.001
        show grad m.W
        show m
        """

    @Test("a small script: markdown from comment blocks, code cells, exact text, an SVG, an expectation and an error")
    func smallScript() throws {
        let run = try Self.run(Self.small)
        #expect(run.status == .runtimeError)
        #expect(run.json["nbformat"] == .number(4))
        #expect(run.json["nbformat_minor"] == .number(5))
        let metadata = try #require(run.json["metadata"])
        #expect(metadata["kernelspec"] == .object([("display_name", .string("rnnscript")), ("language", .string("rnnscript")),
                                                   ("name", .string("rnnscript"))]))
        let language = try #require(metadata["language_info"])
        #expect(language["name"] == .string("rnnscript"))
        #expect(language["file_extension"] == .string(".rnn"))
        #expect(language["mimetype"] == .string("text/x-rnnscript"))

        let cells = Self.cells(run.json)
        try #require(cells.map { Self.string($0["cell_type"]) ?? "" }
                == ["markdown", "code", "code", "code", "code", "markdown", "code", "code", "code", "code"])
        #expect(cells.map { Self.string($0["id"]) ?? "" } == (1...10).map { "cell-\($0)" })
        #expect(Self.joined(cells[0]["source"]) == "A tiny notebook\n\nwith \\<stop> in it")
        #expect(Self.joined(cells[5]["source"]) == "Draw it; expect too much of it.")
        #expect(Self.joined(cells[3]["source"]) == "sequence s = \"ab\" over ab predicting next   # a, then b")
        #expect(Self.joined(cells[4]["source"]) == "model m = rnn {\n  # a comment inside a block stays in the code\n  input 3; hidden 2; output 3\n}")
        #expect(cells.compactMap { cell -> Double? in
            if case let .number(n)? = cell["execution_count"] { return n } else { return nil }
        } == [1, 2, 3, 4, 5, 6, 7])
        #expect(cells[9]["execution_count"] == .null && Self.outputs(cells[9]).isEmpty, "show m never ran")

        // Exact text: the seed cell, and every cell against the text output.
        #expect(Self.outputs(cells[1]) == [.object([("name", .string("stdout")), ("output_type", .string("stream")),
                                                    ("text", .array([.string("    random generator seeded with 1\n")]))])])
        Self.checkStreams(run)

        // draw: its text drawing, then the report's SVG with its title as plain text.
        let draw = Self.outputs(cells[6])
        try #require(draw.map { Self.string($0["output_type"]) ?? "" } == ["stream", "display_data"])
        let svg = try #require(Self.joined(draw[1]["data"]?["image/svg+xml"]))
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(Self.joined(draw[1]["data"]?["text/plain"])?.contains("m") == true)
        #expect(draw[1]["metadata"] == .object([]))

        // A failed expect: its result, then the diagnostic on stderr (the cells after it still run).
        let expectation = Self.outputs(cells[7])
        try #require(expectation.map { Self.string($0["name"]) ?? "" } == ["stdout", "stderr"])
        #expect(Self.joined(expectation[1]["text"])?.hasPrefix("test.rnn:15:1: expectation failed") == true)

        // A runtime error: ename the diagnostic's id, the rendered lines as the traceback.
        let error = Self.outputs(cells[8])
        #expect(error.count == 1)
        #expect(error.first?["output_type"] == .string("error"))
        #expect(error.first?["ename"] == .string("no-gradients"))
        guard case let .array(traceback)? = error.first?["traceback"] else { Issue.record("no traceback"); return }
        #expect(traceback.first.flatMap(Self.string)?.hasPrefix("test.rnn:16:") == true)
        #expect(run.errors.hasSuffix(traceback.map { Self.string($0) ?? "" }.joined(separator: "\n") + "\n"), "as on stderr")
        // The same bytes again.
        #expect(try Self.run(Self.small).notebook == run.notebook)
    }

    @Test("--ipynb writes the same notebook as the library, and the text output is unchanged")
    func commandLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscript-notebook-\(getpid()).ipynb").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try runBinary(["--ipynb", path, "examples/bptt.rnn"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try String(contentsOf: packageRoot.appendingPathComponent("examples/bptt.out"), encoding: .utf8)))
        #expect((try String(contentsOfFile: path, encoding: .utf8)) == (try Self.run(example: "examples/bptt.rnn")).notebook)
        #expect(try runBinary(["--ipynb", path]).status == 64, "needs a script")
    }

    @Test("a plot's SVG is the one the HTML report shows")
    func plotFigure() throws {
        let run = try Self.run("let v = [0.5, 1, 0.25, 2]\nplot v\n")
        let cells = Self.cells(run.json)
        try #require(cells.count == 2)
        let plot = Self.outputs(cells[1])
        try #require(plot.map { Self.string($0["output_type"]) ?? "" } == ["stream", "display_data"])
        let report = HTMLReport(title: "t")
        let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { _ in })
        runner.report = report
        _ = runner.run(SourceFile(name: "test.rnn", text: "let v = [0.5, 1, 0.25, 2]\nplot v\n"))
        let svg = try #require(Self.joined(plot[1]["data"]?["image/svg+xml"]))
        #expect(report.render().contains(svg))
    }

    @Test("drawings follow --ascii (the notebook's setting), not the terminal's locale")
    func asciiDrawings() throws {
        func drawing(runner ascii: Bool, notebook notebookASCII: Bool) throws -> String {
            let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { _ in })
            runner.asciiDrawings = ascii
            let notebook = JupyterNotebook(asciiDrawings: notebookASCII)
            runner.notebook = notebook
            _ = runner.run(SourceFile(name: "test.rnn", text: "model m = rnn { input 2; hidden 2; output 2 }\ndraw m\n"))
            let cells = Self.cells(try JSON.parse(notebook.render()))
            try #require(cells.count == 2)
            return try #require(Self.joined(Self.outputs(cells[1]).first?["text"]))
        }
        let unicode = try drawing(runner: true, notebook: false)
        #expect(unicode == (try drawing(runner: false, notebook: false)))
        #expect(unicode.contains("┌"))
        #expect(try drawing(runner: false, notebook: true).unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test("a script that fails to check is one cell with its diagnostics as the error")
    func checkingError() throws {
        let run = try Self.run("# about\nseed 1\nshow nothing\n")
        #expect(run.status == .scriptError)
        let cells = Self.cells(run.json)
        try #require(cells.count == 1)
        #expect(cells.first?["execution_count"] == .null)
        #expect(Self.joined(cells.first?["source"]) == "# about\nseed 1\nshow nothing\n")
        #expect(Self.outputs(cells[0]).first?["output_type"] == .string("error"))
    }

    @Test("the writer writes JSON as nbformat does (sorted keys, one-space indent)")
    func writer() {
        let value = JSON.object([("b", .array([.string("x\n"), .number(1)])), ("a", .object([])), ("c", .array([])),
                                 ("d", .object([("z", .null), ("y", .bool(true))]))])
        #expect(JupyterNotebook.write(value) == """
            {
             "a": {},
             "b": [
              "x\\n",
              1
             ],
             "c": [],
             "d": {
              "y": true,
              "z": null
             }
            }
            """)
    }

    @Test("every example's notebook parses, has nbformat 4's keys, and its streams are its text output", arguments: exampleScripts())
    func example(_ path: String) throws {
        let run = try Self.run(example: path)
        #expect(run.json["nbformat"] == .number(4))
        #expect(run.json["nbformat_minor"] == .number(5))
        #expect(run.json["metadata"]?["kernelspec"]?["name"] == .string("rnnscript"))
        #expect(run.json["metadata"]?["language_info"]?["name"] == .string("rnnscript"))
        let cells = Self.cells(run.json)
        #expect(cells.contains { $0["cell_type"] == .string("code") })
        for cell in cells {
            #expect(cell["id"] != nil && cell["metadata"] != nil && Self.joined(cell["source"]) != nil)
            if cell["cell_type"] == .string("code") {
                #expect(cell["execution_count"] != nil && cell["outputs"] != nil)
            } else {
                #expect(cell["cell_type"] == .string("markdown"))
            }
        }
        Self.checkStreams(run)
    }
}
