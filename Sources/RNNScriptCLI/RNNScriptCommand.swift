#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import ArgumentParser
@preconcurrency import CReadline
import RNNRuntime
import RNNScript

/// `rnnscript [FILE] [-i] [--json]`: run a script notebook-style, or explore in the REPL.
public struct RNNScriptCommand: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "rnnscript",
        abstract: "Run .rnn scripts: declare RNNs, run BPTT, train, inspect.",
        discussion: """
            With FILE, runs it cell by cell and prints each cell's result. Without FILE, \
            or with -i, opens the REPL (type :help there).

            Exit status: 0 ok, 1 an expect failed, 64 usage, 65 script error, \
            70 runtime error, 74 file error.

            Jupyter: `rnnscript kernel install` installs the kernelspec; Jupyter then \
            runs `rnnscript kernel --connection-file F` (see `rnnscript kernel --help`).
            """,
        version: version)

    @Argument(help: "The .rnn script to run.")
    public var file: String?

    @Flag(name: .customShort("i"), help: "After running FILE, continue in the REPL with its state.")
    public var interactive = false

    @Flag(name: .long, help: "Print one JSON object per cell (JSON Lines).")
    public var json = false

    @Option(name: .long, help: ArgumentHelp("Also write an HTML notebook with plots to this file.", valueName: "file.html"))
    public var report: String?

    @Option(name: .long, help: ArgumentHelp("Also write the run as a Jupyter notebook (nbformat 4) to this file.", valueName: "file.ipynb"))
    public var ipynb: String?

    @Flag(name: .long, help: "Report the time and characters per second of every train on stderr (and in --json).")
    public var timing = false

    @Flag(name: .long, help: "Only parse and check FILE (names, shapes, data files); run nothing.")
    public var check = false

    @Option(name: .customLong("emit-pytorch"),
            help: ArgumentHelp("Run FILE quietly and write its trains as a PyTorch program to this file, with its data beside it (OUT.py → OUT.safetensors).",
                               valueName: "out.py"))
    public var emitPyTorch: String?

    @Flag(name: .long, help: ArgumentHelp("Draw networks (draw) with ASCII only.",
                                          discussion: "Also the default on a terminal whose locale is not UTF-8; piped output is always UTF-8, so it is the same bytes everywhere."))
    public var ascii = false

    public init() {}

    /// Prepares the standard streams and signals (see `Terminal.prepare`), then runs.
    public static func main() {
        Terminal.prepare()
        // `rnnscript kernel …` is a command of its own: ArgumentParser would
        // read `kernel` as the FILE argument, since this command has one.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == KernelCommand.name {
            KernelCommand.main(Array(arguments.dropFirst()))
        } else {
            main(nil)
        }
    }

    public func run() throws {
        if let message = KernelSelection.applyEnvironment() {
            Terminal.writeError("rnnscript: error: \(message.text)\n")
            throw ExitCode(RunStatus.usage.rawValue)
        }
        if report != nil && file == nil {
            throw ValidationError("--report needs a script to run")
        }
        if ipynb != nil && file == nil {
            throw ValidationError("--ipynb needs a script to run")
        }
        if emitPyTorch != nil && (file == nil || interactive || check || json || report != nil || ipynb != nil) {
            throw ValidationError("--emit-pytorch needs a script and none of -i, --check, --json, --report, --ipynb")
        }
        if let out = emitPyTorch, let file {
            let status = PyTorchEmission(output: out).run(file: file)
            if status != .ok { throw ExitCode(status.rawValue) }
            return
        }
        if check && (file == nil || interactive) {
            throw ValidationError("--check needs a script and no -i")
        }
        let status = Driver(json: json, reportPath: report, notebookPath: ipynb, timing: timing, checkOnly: check, ascii: ascii).run(file: file, interactive: interactive || file == nil)
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}

/// Runs a file and/or the REPL over real streams.
struct Driver {
    let json: Bool
    var reportPath: String? = nil
    var notebookPath: String? = nil
    var timing = false
    var checkOnly = false
    var ascii = false

    func run(file: String?, interactive: Bool) -> RunStatus {
        let host = FileHost(baseDirectory: "", showProgress: Terminal.isTerminal(STDERR_FILENO) && !json)
        host.timing = timing
        let runner = ScriptRunner(
            host: host, format: json ? .json : .text, useColor: Terminal.colorAllowed(STDERR_FILENO),
            output: Terminal.write, errors: Terminal.writeError)
        runner.asciiDrawings = ascii || (Terminal.isTerminal(STDOUT_FILENO) && !Terminal.localeIsUTF8())
        // In a session Ctrl-C stops training (and clears the line at the prompt);
        // a plain script run keeps the default: Ctrl-C ends it.
        if interactive { installInterruptHandler() }
        var status = RunStatus.ok
        if let file {
            // Before any work: a report that cannot be written stops the run now, not after it.
            guard Self.outputsWritable([reportPath, notebookPath].compactMap { $0 }), let text = Self.readScript(file) else { return .ioError }
            host.baseDirectory = Self.directory(of: file)
            if checkOnly { return runner.check(SourceFile(name: file, text: text)) }
            if reportPath != nil { runner.report = HTMLReport(title: file) }
            if notebookPath != nil { runner.notebook = JupyterNotebook(languageVersion: RNNScriptCommand.version, asciiDrawings: ascii) }
            status = runner.run(SourceFile(name: file, text: text))
            host.baseDirectory = ""
            if let reportPath, let report = runner.report {
                guard write(report.render(), to: reportPath, host) else { return .ioError }
                runner.report = nil
            }
            if let notebookPath, let notebook = runner.notebook {
                guard write(notebook.render(), to: notebookPath, host) else { return .ioError }
                runner.notebook = nil
            }
            if !interactive { return status }
        }
        let repl = REPL(runner: runner, host: host, reader: makeLineReader(),
                        write: Terminal.write, writeError: Terminal.writeError)
        if let file { repl.noteEntriesSoFar(resolvedAgainst: Self.directory(of: file)) }
        let replStatus = repl.run()
        return file == nil ? replStatus : (status == .ok ? replStatus : status)
    }

    /// Writes a report or notebook; says why not on stderr and returns false if it cannot.
    func write(_ contents: String, to path: String, _ host: FileHost) -> Bool {
        do {
            try host.writeFile(path, contents: contents)
            return true
        } catch {
            let failure = error as? HostError ?? .unwritable(path, reason: "\(error)")
            Terminal.writeError("rnnscript: error: \(Self.describe(failure, TextDecoding.printable(path)))\n")
            return false
        }
    }

    /// A file error as one line: "no such file 'x'", "cannot read 'x': it is a directory".
    /// Before any work: whether every output file can be written (else why not, on stderr).
    static func outputsWritable(_ paths: [String]) -> Bool {
        for path in paths {
            if let problem = FileSystem.writeProblem(path) {
                Terminal.writeError("rnnscript: error: cannot write '\(TextDecoding.printable(path))': \(problem)\n")
                return false
            }
        }
        return true
    }

    /// The script's text, or nil after saying on stderr why it cannot be read.
    static func readScript(_ file: String) -> String? {
        do {
            return try FileSystem.readText(file, shownAs: file, kind: .script)
        } catch {
            Terminal.writeError("rnnscript: error: \(describe(error, TextDecoding.printable(file)))\n")
            return nil
        }
    }

    static func describe(_ error: HostError, _ shown: String) -> String {
        switch error {
        case .notFound: return "no such file '\(shown)'"
        case let .unreadable(_, reason): return "cannot read '\(shown)': \(reason)"
        case let .unwritable(_, reason): return "cannot write '\(shown)': \(reason)"
        }
    }

    /// The folder part of a path ("" when there is none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    func installInterruptHandler() {
        // A parent may have started us with SIGINT blocked (threads of test
        // runners block signals, and children inherit the mask).
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigprocmask(SIG_UNBLOCK, &mask, nil)
        signal(SIGINT) { _ in
            if ReadlineLineReader.atPrompt != 0 {
                // At the prompt: drop the line and show a fresh prompt.
                rnn_rl_clear_line()
            } else {
                Interrupt.requested = 1
            }
        }
    }
}
