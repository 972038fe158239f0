#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import ArgumentParser
import RNNScript

/// `rnnscript kernel --connection-file F`: serve Jupyter front ends.
/// `RNNScriptCommand.main` hands it the arguments after `kernel`.
struct KernelCommand: ParsableCommand {
    static let name = "kernel"

    static let configuration = CommandConfiguration(
        commandName: "rnnscript kernel",
        abstract: "Run as a Jupyter kernel (JupyterLab, Notebook, VS Code, nbclient).",
        discussion: """
            Jupyter starts the kernel itself, with the connection file it wrote; \
            `rnnscript kernel install` tells Jupyter how.
            """,
        subcommands: [KernelInstallCommand.self])

    @Option(name: .long, help: ArgumentHelp("The connection file Jupyter wrote (ports and key).", valueName: "file.json"))
    var connectionFile: String?

    func run() throws {
        guard let connectionFile else {
            throw ValidationError("kernel needs --connection-file FILE (Jupyter passes it; see `rnnscript kernel install`)")
        }
        let info: ConnectionInfo
        do {
            info = try ConnectionInfo(json: FileSystem.readText(connectionFile, shownAs: connectionFile, kind: .script))
        } catch let problem as ConnectionInfo.Problem {
            Terminal.writeError("rnnscript: error: connection file '\(TextDecoding.printable(connectionFile))': \(problem.message)\n")
            throw ExitCode(RunStatus.scriptError.rawValue)
        } catch {
            let failure = error as? HostError ?? .unreadable(connectionFile, reason: "\(error)")
            Terminal.writeError("rnnscript: error: \(Driver.describe(failure, TextDecoding.printable(connectionFile)))\n")
            throw ExitCode(RunStatus.ioError.rawValue)
        }
        let kernel: JupyterKernel
        do {
            kernel = try JupyterKernel(connection: info)
        } catch {
            Terminal.writeError("rnnscript: error: \(error.description)\n")
            throw ExitCode(RunStatus.ioError.rawValue)
        }
        let status = kernel.serve()
        // Leave at once: the heartbeat thread never returns, and libzmq's
        // context would wait for it.
        Glibc.exit(status)
    }
}

/// `rnnscript kernel install [--user | --prefix DIR]`: write the kernelspec.
struct KernelInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the Jupyter kernelspec 'rnnscript' for this binary.",
        discussion: """
            With --user (the default) into Jupyter's data folder for this user \
            ($JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter); \
            with --prefix DIR into DIR/share/jupyter (a virtual environment's or a test's).
            """)

    @Flag(name: .long, help: "Install for this user (the default).")
    var user = false

    @Option(name: .long, help: ArgumentHelp("Install under DIR/share/jupyter/kernels.", valueName: "DIR"))
    var prefix: String?

    func validate() throws {
        if user && prefix != nil { throw ValidationError("--user and --prefix exclude each other") }
    }

    func run() throws {
        guard let dataDirectory = prefix.map({ $0 + "/share/jupyter" }) ?? Self.userDataDirectory() else {
            throw ValidationError("no home folder ($HOME is unset): use --prefix DIR")
        }
        let directory = dataDirectory + "/kernels/rnnscript"
        let spec = KernelSpec(executable: Self.executablePath())
        do {
            try FileSystem.makeDirectories(directory)
            try FileSystem.writeAtomically(directory + "/kernel.json", shownAs: directory + "/kernel.json", bytes: Array(spec.json.utf8))
        } catch {
            Terminal.writeError("rnnscript: error: \(Driver.describe(error, TextDecoding.printable(directory)))\n")
            throw ExitCode(RunStatus.ioError.rawValue)
        }
        Terminal.write("installed kernelspec rnnscript in \(TextDecoding.printable(directory))\n")
    }

    static func userDataDirectory() -> String? {
        func variable(_ name: String) -> String? {
            guard let value = getenv(name).map({ String(cString: $0) }), !value.isEmpty else { return nil }
            return value
        }
        if let dir = variable("JUPYTER_DATA_DIR") { return dir }
        if let dir = variable("XDG_DATA_HOME") { return dir + "/jupyter" }
        return variable("HOME").map { $0 + "/.local/share/jupyter" }
    }

    /// This binary's absolute path (/proc/self/exe), so the kernelspec runs this very build.
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The kernelspec's kernel.json: how Jupyter starts the kernel.
struct KernelSpec {
    var executable: String

    var json: String {
        JSON.object([
            ("argv", .array([.string(executable), .string("kernel"), .string("--connection-file"), .string("{connection_file}")])),
            ("display_name", .string("rnnscript")), ("language", .string("rnnscript")),
            ("interrupt_mode", .string("signal")), ("metadata", .object([])),
        ]).pretty
    }
}
