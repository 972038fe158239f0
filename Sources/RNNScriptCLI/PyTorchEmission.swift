#if canImport(Glibc)
import Glibc
#endif
import RNNScript

/// `rnnscript --emit-pytorch OUT.py FILE.rnn`: runs FILE without printing its
/// cells (its errors still go to stderr), then writes OUT.py and its data file
/// OUT.safetensors (the name with `.py` replaced; appended when it has none).
struct PyTorchEmission {
    let output: String

    /// The data file beside a program: `prog.py` → `prog.safetensors`.
    static func dataPath(_ program: String) -> String {
        (program.hasSuffix(".py") ? String(program.dropLast(3)) : program) + ".safetensors"
    }

    func run(file: String) -> RunStatus {
        let dataPath = Self.dataPath(output)
        guard Driver.outputsWritable([output, dataPath]), let text = Driver.readScript(file) else { return .ioError }
        let host = FileHost(baseDirectory: Driver.directory(of: file), showProgress: false)
        let runner = ScriptRunner(host: host, format: .text, useColor: Terminal.colorAllowed(STDERR_FILENO),
                                  output: { _ in }, errors: Terminal.writeError)
        let dataName = dataPath.split(separator: "/").last.map(String.init) ?? dataPath
        switch runner.emitPyTorch(SourceFile(name: file, text: text), dataFile: dataName) {
        case let .failure(.script(status)):
            return status
        case let .failure(.unsupported(message)):
            Terminal.writeError("rnnscript: error: cannot emit PyTorch for '\(TextDecoding.printable(file))': \(message)\n")
            return .scriptError
        case let .success(program):
            host.baseDirectory = ""
            do {
                try host.writeFile(output, contents: program.python)
                try host.writeBytes(dataPath, program.data)
            } catch {
                let failure = error as? HostError ?? .unwritable(output, reason: "\(error)")
                Terminal.writeError("rnnscript: error: \(Driver.describe(failure, TextDecoding.printable(output)))\n")
                return .ioError
            }
            Terminal.writeError("rnnscript: wrote \(TextDecoding.printable(output)) and \(TextDecoding.printable(dataPath))\n")
            return .ok
        }
    }
}
