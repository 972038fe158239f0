/// Renders diagnostics like a compiler: `FILE:LINE:COL: error: message`, then the
/// source line and a caret under the offending range (1-based line and column).
public struct DiagnosticRenderer: Sendable {
    public var useColor: Bool

    public init(useColor: Bool = false) { self.useColor = useColor }

    public func render(_ diagnostic: Diagnostic, in source: SourceFile) -> String {
        let location = source.location(of: diagnostic.range.start)
        let severity = diagnostic.severity.rawValue
        var label = useColor ? "\u{1B}[1;31m\(severity):\u{1B}[0m " : "\(severity): "
        if diagnostic.severity == .failure { label = "" }
        var out = "\(source.name):\(location.line):\(location.column): \(label)\(TextDecoding.printable(diagnostic.message.text))\n"
        // Control characters would act on the terminal: show them as U+FFFD.
        let line = String(String.UnicodeScalarView(source.lineText(location.line).unicodeScalars.map { scalar in
            scalar.value < 0x20 && scalar != "\t" || scalar.value == 0x7F ? "\u{FFFD}" : scalar
        }))
        if !line.isEmpty || diagnostic.isAtEndOfInput {
            let endLocation = source.location(of: diagnostic.range.end)
            let visible = line.unicodeScalars.count
            var width = endLocation.line == location.line ? endLocation.column - location.column : visible - location.column + 1
            width = max(1, min(width, max(visible - location.column + 1, 1)))
            let pad = String(line.unicodeScalars.prefix(location.column - 1).map { $0 == "\t" ? "\t" : " " }.map(Character.init))
            out += "  \(line)\n  \(pad)^\(String(repeating: "~", count: width - 1))\n"
        }
        if let hint = diagnostic.message.hint { out += "  note: \(hint)\n" }
        return out
    }
}
