/// One output of a notebook code cell in nbformat 4's terms: what
/// `--ipynb` writes under a cell, and what a Jupyter kernel would send for it.
public enum NotebookOutput: Equatable, Sendable {
    /// `stream`: text on `stdout` or `stderr`.
    case stream(name: String, text: String)
    /// `display_data`: an SVG figure, with its title as the `text/plain` fallback.
    case svg(String, title: String)
    /// `error`: the diagnostic's id (as `--json` names it), its message, and
    /// its rendered lines as the traceback.
    case error(name: String, value: String, traceback: [String])

    /// The outputs of a cell that ran: its text rendering exactly as the text
    /// output prints it beneath the cell's `[N]` source line (indented, without
    /// the blank line that separates cells), then every SVG figure the HTML
    /// report shows for it (plots, heat maps, drawings). The report's HTML
    /// tables (a forward pass's predictions) are left out: their numbers are
    /// in the text.
    public static func outputs(for result: CellResult, asciiDrawings: Bool = false) -> [NotebookOutput] {
        var outputs: [NotebookOutput] = []
        let text = TextRenderer(asciiDrawings: asciiDrawings).render(result)
        if !text.isEmpty { outputs.append(.stream(name: "stdout", text: text)) }
        for figure in HTMLReport.figures(for: result) where figure.hasPrefix("<svg") {
            outputs.append(.svg(figure, title: svgTitle(figure) ?? "figure"))
        }
        return outputs
    }

    /// A failed cell: `error` with the diagnostic rendered as in a terminal
    /// without colour, one traceback entry per line.
    public static func error(_ diagnostic: Diagnostic, in source: SourceFile) -> NotebookOutput {
        let rendered = DiagnosticRenderer(useColor: false).render(diagnostic, in: source)
        return .error(name: diagnostic.message.id, value: diagnostic.message.text, traceback: lines(rendered))
    }

    /// A failed `expect`: its diagnostic on `stderr`, as the command line
    /// prints it; not an `error`, since the cells after it still run.
    public static func expectationFailure(_ diagnostic: Diagnostic, in source: SourceFile) -> NotebookOutput {
        .stream(name: "stderr", text: DiagnosticRenderer(useColor: false).render(diagnostic, in: source))
    }

    /// The output as nbformat 4 JSON (keys in sorted order; multi-line
    /// strings as arrays of lines, as nbformat writes them).
    public var json: JSON {
        switch self {
        case let .stream(name, text):
            return .object([("name", .string(name)), ("output_type", .string("stream")), ("text", Self.multiline(text))])
        case let .svg(svg, title):
            return .object([
                ("data", .object([("image/svg+xml", Self.multiline(svg)), ("text/plain", Self.multiline(title))])),
                ("metadata", .object([])), ("output_type", .string("display_data")),
            ])
        case let .error(name, value, traceback):
            return .object([("ename", .string(name)), ("evalue", .string(value)), ("output_type", .string("error")),
                            ("traceback", .array(traceback.map(JSON.string)))])
        }
    }

    /// Text as nbformat stores it: the lines, each with its `\n` but the last.
    static func multiline(_ text: String) -> JSON {
        var lines: [JSON] = []
        var current = ""
        for scalar in text.unicodeScalars {
            current.unicodeScalars.append(scalar)
            if scalar == "\n" { lines.append(.string(current)); current = "" }
        }
        if !current.isEmpty { lines.append(.string(current)) }
        return .array(lines)
    }

    /// Text split into lines without their `\n` (a final newline ends the last line).
    public static func lines(_ text: String) -> [String] {
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    /// The `aria-label` every SVG of `SVGChart` and `DrawingSVG` carries on its
    /// root element, unescaped.
    static func svgTitle(_ svg: String) -> String? {
        guard let tagEnd = svg.firstIndex(of: ">"),
              let start = svg[..<tagEnd].firstRange(of: "aria-label=\"")?.upperBound,
              let end = svg[start..<tagEnd].firstIndex(of: "\"") else { return nil }
        return String(svg[start..<end]).replacing("&lt;", with: "<").replacing("&gt;", with: ">")
            .replacing("&quot;", with: "\"").replacing("&amp;", with: "&")
    }
}
