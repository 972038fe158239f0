import RNNRuntime

/// Everything a `train` starts from, recorded just before it runs: the model
/// with its weights, the sequences, the settings and the script's generator.
/// `--emit-pytorch` replays each one in PyTorch from exactly these values.
public struct TrainingCapture: Sendable {
    public var model: String
    /// The model as training finds it (weights, initial state, configuration).
    public var modelState: RNNModel
    public var data: [SequenceExample]
    public var validation: [SequenceExample]
    public var loss: LossKind
    public var optimizer: String
    public var settings: OptimizerSettings
    /// Updates this optimizer already made to this model (0: a fresh state).
    public var optimizerSteps: Int
    /// The options, with the model's frozen parameters filled in.
    public var options: TrainingOptions
    public var reportEvery: Int
    /// The script generator's state words when training starts (it shuffles).
    public var generator: [UInt64]
    /// The `train` statement in the source.
    public var range: SourceRange
}
