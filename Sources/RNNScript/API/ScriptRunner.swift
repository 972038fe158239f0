import RNNRuntime

/// Exit statuses (sysexits where one fits).
public enum RunStatus: Int32, Sendable {
    case ok = 0
    /// An `expect` failed; everything else ran.
    case expectationFailed = 1
    case usage = 64
    /// Syntax or checking errors (EX_DATAERR).
    case scriptError = 65
    /// Evaluation failed (EX_SOFTWARE).
    case runtimeError = 70
    /// A file could not be read or written (EX_IOERR).
    case ioError = 74

    init(_ phase: DiagnosticPhase) {
        switch phase {
        case .script: self = .scriptError
        case .runtime: self = .runtimeError
        case .io: self = .ioError
        }
    }
}

public enum OutputFormat: Sendable { case text, json }

/// The driver: parse → check → run, stopping after a phase that reported
/// errors. Output goes to injected sinks; the session state persists across
/// calls, so the REPL feeds it one entry at a time.
public final class ScriptRunner {
    public private(set) var interpreter: Interpreter
    public let format: OutputFormat
    private let host: ScriptHost
    private let output: (String) -> Void
    private let errors: (String) -> Void
    private let renderer: DiagnosticRenderer
    /// Cells run so far (numbers continue across REPL entries).
    public private(set) var cellCount = 0
    /// Draw networks with ASCII only (the CLI's `--ascii`, or a terminal whose locale is not UTF-8).
    public var asciiDrawings = false
    /// When set, every cell is also added to this HTML notebook.
    public var report: HTMLReport?
    /// When set, the next script run (`run`) is also recorded in this Jupyter notebook.
    public var notebook: JupyterNotebook?
    /// When set, told every output of a cell as a notebook shows it (its text,
    /// its figures, its errors), and every diagnostic that stops a REPL entry
    /// (`runEntry`) as an error: the Jupyter kernel's outputs.
    public var outputObserver: ((NotebookOutput) -> Void)?
    /// The source of every entry and file that ran without an error, in order:
    /// `:save` writes it out as a script that rebuilds the session.
    public private(set) var transcript: [String] = []
    /// The checked cells of the last script `run` started.
    public private(set) var lastCells: [CheckedCell] = []

    public init(host: ScriptHost, format: OutputFormat = .text, useColor: Bool = false,
                output: @escaping (String) -> Void, errors: @escaping (String) -> Void) {
        self.interpreter = Interpreter(host: host)
        self.host = host
        self.format = format
        self.output = output
        self.errors = errors
        self.renderer = DiagnosticRenderer(useColor: useColor)
    }

    public var state: SessionState { interpreter.state }

    /// Told what every `train` starts from, before it runs (`--emit-pytorch`).
    public var onTrain: ((TrainingCapture) -> Void)? {
        get { interpreter.onTrain }
        set { interpreter.onTrain = newValue }
    }

    /// Forgets every declaration and value (`:reset`).
    public func reset() {
        interpreter.state = SessionState()
        cellCount = 0
        transcript = []
    }

    /// The first two phases: parse, then check against the session's names.
    /// Reports every error found and stops after the phase that found them.
    private func parseAndCheck(_ source: SourceFile) -> Result<[CheckedCell], PhaseFailure> {
        let (statements, syntaxErrors) = Parser.parse(source)
        if !syntaxErrors.isEmpty {
            report(syntaxErrors, source)
            return .failure(PhaseFailure(status: .scriptError, diagnostics: syntaxErrors))
        }
        var checker = Checker(symbols: interpreter.state.symbols, readFile: host.readFile)
        let cells = checker.check(statements)
        if !checker.diagnostics.isEmpty {
            report(checker.diagnostics, source)
            return .failure(PhaseFailure(status: Self.status(of: checker.diagnostics), diagnostics: checker.diagnostics))
        }
        return .success(cells)
    }

    private struct PhaseFailure: Error {
        var status: RunStatus
        var diagnostics: [Diagnostic]
    }

    /// Parses and checks a script without running it (`--check`).
    public func check(_ source: SourceFile) -> RunStatus {
        switch parseAndCheck(source) {
        case .success: return .ok
        case let .failure(failure): return failure.status
        }
    }

    /// Runs a whole script: any syntax or checking error stops it before the
    /// first cell runs; a runtime error stops it at that cell.
    public func run(_ source: SourceFile) -> RunStatus {
        let cells: [CheckedCell]
        switch parseAndCheck(source) {
        case let .success(checked): cells = checked; lastCells = checked
        case let .failure(failure):
            notebook?.startFailed(source, diagnostics: Array(Self.inSourceOrder(failure.diagnostics).prefix(Self.errorLimit)))
            return failure.status
        }
        notebook?.start(source, cells: cells.map(\.range))
        let before = (interpreter.state.expectationsPassed, interpreter.state.expectationsFailed)
        var lines = LineCounter(source)
        var stopped: RunStatus?
        for cell in cells {
            if let failure = execute(cell, source, &lines) { stopped = failure; break }
        }
        let passed = interpreter.state.expectationsPassed - before.0
        let failed = interpreter.state.expectationsFailed - before.1
        if format == .json { output(JSONRenderer().renderSummary(passed: passed, failed: failed)) }
        if let stopped { return stopped }
        transcript.append(source.text)
        if passed + failed > 0 && format == .text {
            output("expectations: \(passed) passed, \(failed) failed\n")
        }
        return failed > 0 ? .expectationFailed : .ok
    }

    /// What happened to one REPL entry.
    public enum EntryOutcome: Equatable, Sendable {
        /// The entry is unfinished (an open `{` or `[`): read another line.
        case needsMoreInput
        case completed(RunStatus)
    }

    /// Runs one REPL entry: each statement is checked and run in turn, so the
    /// statements before an error keep their effect.
    public func runEntry(_ source: SourceFile) -> EntryOutcome {
        let (statements, syntaxErrors) = Parser.parse(source)
        if !syntaxErrors.isEmpty {
            if syntaxErrors.allSatisfy(\.isAtEndOfInput) { return .needsMoreInput }
            report(syntaxErrors.filter { !$0.isAtEndOfInput }, source)
            observe(syntaxErrors.filter { !$0.isAtEndOfInput }, source)
            return .completed(.scriptError)
        }
        var failed = false
        var lines = LineCounter(source)
        for statement in statements {
            var checker = Checker(symbols: interpreter.state.symbols, readFile: host.readFile)
            let cells = checker.check([statement])
            if !checker.diagnostics.isEmpty {
                report(checker.diagnostics, source)
                observe(checker.diagnostics, source)
                return .completed(Self.status(of: checker.diagnostics))
            }
            if let failure = execute(cells[0], source, &lines) { return .completed(failure) }
            if case .expectation(let r)? = lastResult, !r.passed { failed = true }
            transcript.append(source.slice(statement.range))
        }
        return .completed(failed ? .expectationFailed : .ok)
    }

    private var lastResult: CellResult?

    /// `:type EXPR`: the kind and shape of an expression's value, or nil after
    /// reporting why it has none.
    public func typeDescription(of source: SourceFile) -> String? {
        let (statements, syntaxErrors) = Parser.parse(source)
        if !syntaxErrors.isEmpty { report(syntaxErrors, source); return nil }
        guard statements.count == 1, case .expression = statements[0].kind else {
            errors("\(source.name): error: :type takes one expression\n")
            return nil
        }
        var checker = Checker(symbols: interpreter.state.symbols, readFile: host.readFile)
        do {
            guard case let .expression(checked) = try checker.check(statements[0]) else { return nil }
            return Self.describe(try interpreter.evaluate(checked))
        } catch let diagnostic as Diagnostic {
            report([diagnostic], source)
            return nil
        } catch {
            return nil
        }
    }

    /// "matrix 3×3", "number", "model: LSTM 4 → 3 → 4, 112 parameters", …
    public static func describe(_ value: Value) -> String {
        switch value {
        case .number: return "number"
        case let .matrix(m): return "matrix \(m.rows)×\(m.cols)"
        case .string: return "string"
        case let .declaration(_, symbol): return describe(symbol)
        case let .model(_, configuration): return describe(.model(configuration))
        }
    }

    public static func describe(_ symbol: SymbolValue) -> String {
        switch symbol {
        case let .vocabulary(v): return "vocab: \(v.count) symbols"
        case let .sequence(s):
            return "sequence: \(s.example.inputCount) inputs of width \(s.inputWidth), \(s.example.targetCount) targets of width \(s.targetWidth)"
        case let .series(s): return "series: \(s.values.rows) values"
        case let .dataset(d): return "dataset: \(d.sequences.count) sequences"
        case let .model(c):
            let sizes = c.sizeChain
            return "model: \(c.cellDescription) \(sizes), \(c.parameterCount) parameters"
        case let .loss(kind): return "loss: \(kind.rawValue)"
        case let .optimizer(settings): return "optimizer: \(settings.kind.rawValue)"
        case .value: return "value"
        }
    }

    /// Runs and prints one cell; returns an exit status if it failed.
    private func execute(_ cell: CheckedCell, _ source: SourceFile, _ lines: inout LineCounter) -> RunStatus? {
        cellCount += 1
        let text = source.slice(cell.range)
        let line = lines.line(of: cell.range.start)
        do {
            let result = try interpreter.execute(cell, in: source)
            lastResult = result
            let unmet: Diagnostic? = if case let .expectation(expectation) = result, !expectation.passed {
                Diagnostic(.expectationFailed(TextRenderer().expectationFailure(expectation)), at: cell.range, severity: .failure)
            } else { nil }
            let trainingFailure: Diagnostic? = if case let .train(training) = result { training.failure } else { nil }
            // FILE:LINE:COL first, as diagnostics are, so editors and graders can jump to it.
            if let unmet { report([unmet], source) }
            switch format {
            case .text:
                output(TextRenderer().renderSource(cell: cellCount, source: text) + TextRenderer(asciiDrawings: asciiDrawings).render(result) + "\n")
            case .json:
                output(JSONRenderer().render(cell: cellCount, line: line, source: text, kind: cell.statement.kindName, result: result))
            }
            report?.add(cell: cellCount, source: text, text: TextRenderer().plain(result), result: result)
            if notebook != nil || outputObserver != nil {
                let diagnostics = (unmet.map { [NotebookOutput.expectationFailure($0, in: source)] } ?? [])
                    + (trainingFailure.map { [NotebookOutput.error($0, in: source)] } ?? [])
                let outputs = NotebookOutput.outputs(for: result, asciiDrawings: notebook?.asciiDrawings ?? asciiDrawings) + diagnostics
                notebook?.record(cell.range, number: cellCount, outputs: outputs)
                outputs.forEach { outputObserver?($0) }
            }
            if let failure = trainingFailure {
                report?.addError(cell: cellCount, source: text, message: renderer.render(failure, in: source))
                report([failure], source)
                return RunStatus(failure.message.phase)
            }
            return nil
        } catch let diagnostic as Diagnostic {
            lastResult = nil
            report?.addError(cell: cellCount, source: text, message: renderer.render(diagnostic, in: source))
            notebook?.record(cell.range, number: cellCount, outputs: [NotebookOutput.error(diagnostic, in: source)])
            outputObserver?(NotebookOutput.error(diagnostic, in: source))
            switch format {
            case .text:
                output(TextRenderer().renderSource(cell: cellCount, source: text) + "\n")
            case .json:
                output(JSONRenderer().renderError(cell: cellCount, line: line, source: text, kind: cell.statement.kindName,
                                                  diagnostic: diagnostic, location: source.location(of: diagnostic.range.start)))
            }
            report([diagnostic], source)
            return RunStatus(diagnostic.message.phase)
        } catch {
            preconditionFailure("interpreter threw a non-diagnostic error: \(error)")
        }
    }

    /// The exit status for checking errors: an unreadable data file (read while
    /// checking) is an I/O error, anything else a script error.
    static func status(of diagnostics: [Diagnostic]) -> RunStatus {
        diagnostics.contains { $0.message.phase == .io } ? .ioError : .scriptError
    }

    /// Diagnostics sorted by where they start (stable).
    static func inSourceOrder(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated().sorted { ($0.element.range.start, $0.offset) < ($1.element.range.start, $1.offset) }.map(\.element)
    }

    /// At most this many diagnostics are printed for one run.
    public static let errorLimit = 20

    /// Tells the output observer (if any) of diagnostics, as `report` prints them.
    private func observe(_ diagnostics: [Diagnostic], _ source: SourceFile) {
        guard let outputObserver else { return }
        for diagnostic in Self.inSourceOrder(diagnostics).prefix(Self.errorLimit) {
            outputObserver(NotebookOutput.error(diagnostic, in: source))
        }
    }

    /// Prints diagnostics in source order, at most `errorLimit` of them.
    func report(_ diagnostics: [Diagnostic], _ source: SourceFile) {
        let sorted = Self.inSourceOrder(diagnostics)
        for diagnostic in sorted.prefix(Self.errorLimit) { errors(renderer.render(diagnostic, in: source)) }
        if sorted.count > Self.errorLimit {
            errors("\(source.name): note: \(sorted.count - Self.errorLimit) more errors not shown\n")
        }
    }
}

/// The lines of cells met in source order, counted as they come: asking
/// `SourceFile.location` (which walks the line to find the column) for each of
/// 100,000 `;`-separated cells on one line took quadratic time.
struct LineCounter {
    private let source: SourceFile
    private var offset = 0
    private var line: Int

    init(_ source: SourceFile) {
        self.source = source
        self.line = source.firstLine
    }

    /// The 1-based line (as reported) of a byte offset; linear in the distance
    /// from the previous offset asked for.
    mutating func line(of target: Int) -> Int {
        if target < offset { (offset, line) = (0, source.firstLine) }
        let end = min(target, source.bytes.count)
        var (at, count) = (offset, line)
        source.bytes.withUnsafeBufferPointer { bytes in
            while at < end {
                if bytes[at] == UInt8(ascii: "\n") { count += 1 }
                at += 1
            }
        }
        (offset, line) = (at, count)
        return line
    }
}
