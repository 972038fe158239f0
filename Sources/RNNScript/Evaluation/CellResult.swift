import RNNRuntime

/// What a cell produced: data for the renderers, never text.
public enum CellResult: Sendable {
    case seed(UInt64)
    case precision(Precision)
    case vocabulary(Vocabulary)
    case sequence(SequenceData)
    case series(SeriesData)
    case dataset(DatasetData)
    case split(first: DatasetData, second: DatasetData)
    case sample(SampleReport)
    /// `forward` over a dataset: each sequence's loss and their mean.
    case datasetForward(model: String, dataset: String, losses: [Double], names: [String])
    case model(name: String, RNNModel)
    case modelSummary(name: String, RNNModel)
    case parameterSet(path: String, Matrix)
    case loss(name: String, LossKind)
    case optimizer(name: String, OptimizerSettings)
    case forward(ForwardReport)
    case backward(BackwardReport)
    case value(label: String, Value)
    case gradcheck(GradcheckReport)
    case jacobian(JacobianReport)
    case train(TrainReport)
    case expectation(ExpectationReport)
    case saved(model: String, path: String)
    case loaded(model: String, path: String)
}

public struct ForwardReport: Sendable {
    public var model: String
    public var sequence: SequenceData
    public var configuration: ModelConfiguration
    public var loss: LossKind
    public var trace: ForwardTrace
}

public struct BackwardReport: Sendable {
    public var model: String
    public var sequence: String
    public var loss: Double
    public var truncation: Truncation
    public var names: [String]
    public var gradients: [Matrix]
}

public struct GradcheckReport: Sendable {
    public var model: String
    public var names: [String]
    public var errors: [Double]
    /// The tolerance the verdict uses.
    public static let tolerance = 1e-6
}

public struct JacobianReport: Sendable {
    public var model: String
    public var t: Int
    public var k: Int
    public var matrix: Matrix
    public var spectralNorm: Double
    public var frobeniusNorm: Double
}

public struct SampleReport: Sendable {
    public var model: String
    public var vocabulary: Vocabulary
    public var prime: [Int]
    public var generated: [Int]
    public var temperature: Double?
}

public struct TrainReport: Sendable {
    public var model: String
    public var epochs: Int
    public var losses: [Double]
    /// The held-out loss after each epoch (empty without `validate on`).
    public var validationLosses: [Double] = []
    public var updates: Int
    public var reportEvery: Int
    public var options: TrainingOptions
    public var stop: TrainingStop?
    /// Set when training hit a non-finite value: the cell shows the epochs it
    /// completed, then this error, and the run fails.
    public var failure: Diagnostic?
}

public struct ExpectationReport: Sendable {
    public var source: String
    public var actual: Value
    public var op: ComparisonOperator
    public var expected: Value
    public var tolerance: Double?
    public var passed: Bool
}
