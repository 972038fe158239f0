import RNNRuntime

extension ScriptRunner {
    /// `--emit-pytorch`: runs `source` (its output goes to the runner's sinks;
    /// the CLI gives it none), recording what each `train` starts from, then
    /// writes the equivalent PyTorch program and its data file
    /// (`PyTorchProgram`). Errors in the script stop it with the script's
    /// status; a train PyTorch cannot do yet is a `PyTorchProgram.Failure`.
    public func emitPyTorch(_ source: SourceFile, dataFile: String) -> Result<PyTorchProgram.Output, PyTorchEmitError> {
        var captures: [TrainingCapture] = []
        onTrain = { captures.append($0) }
        defer { onTrain = nil }
        let status = run(source)
        guard status == .ok || status == .expectationFailed else { return .failure(.script(status)) }
        do {
            return .success(try PyTorchProgram.emit(cells: lastCells, source: source, captures: captures, dataFile: dataFile))
        } catch {
            return .failure(.unsupported(error.message))
        }
    }
}

public enum PyTorchEmitError: Error, Equatable, Sendable {
    /// The script itself failed (its diagnostics were reported).
    case script(RunStatus)
    /// A train PyTorch cannot do yet, in a sentence.
    case unsupported(String)
}
