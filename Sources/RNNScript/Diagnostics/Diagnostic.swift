/// A problem found in a script: data, not text. `DiagnosticRenderer` turns it
/// into `FILE:LINE:COL: error: message` with the source line and a caret.
public struct Diagnostic: Error, Equatable, Sendable {
    public enum Severity: String, Sendable {
        case error, warning, note
        /// A failed `expect`: the message says "expectation failed", so the
        /// line carries no severity label (FILE:LINE:COL: expectation failed: …).
        case failure
    }

    public var severity: Severity
    public var message: DiagnosticMessage
    public var range: SourceRange
    /// The parser hit the end of the input: in the REPL this means "read a
    /// continuation line", not "report an error".
    public var isAtEndOfInput: Bool

    public init(_ message: DiagnosticMessage, at range: SourceRange, severity: Severity = .error, atEnd: Bool = false) {
        self.message = message
        self.range = range
        self.severity = severity
        self.isAtEndOfInput = atEnd
    }
}

/// The category of a diagnostic, which decides the exit status.
public enum DiagnosticPhase: Sendable {
    /// Syntax and checking: the script is wrong (exit 65).
    case script
    /// Evaluation failed on valid input (exit 70).
    case runtime
    /// A file could not be read or written (exit 74).
    case io
}
