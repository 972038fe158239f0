import RNNRuntime

/// A statement whose names are resolved and whose shapes fit: the only input
/// the interpreter accepts. Names refer to entries that exist with the right
/// kind at this point of the script.
public enum CheckedStatement: Equatable, Sendable {
    case seed(UInt64)
    case precision(Precision)
    case vocabulary(Vocabulary)
    case sequence(SequenceData)
    case series(SeriesData)
    case dataset(DatasetData)
    /// The interpreter shuffles (from the script's generator) when `shuffled`.
    case split(source: String, first: String, second: String, firstCount: Int, shuffled: Bool)
    case sample(model: String, vocabulary: Vocabulary, prime: [Int], length: Int, until: Int?, temperature: Double?)
    case model(name: String, ModelConfiguration)
    case setParameter(model: String, parameter: String, Matrix)
    case setInitialState(model: String, slot: StateSlot, Matrix)
    case loss(name: String, LossKind)
    case optimizer(name: String, OptimizerSettings)
    case forward(model: String, sequence: String, loss: LossKind)
    case backward(model: String, sequence: String, loss: LossKind, truncation: Truncation)
    case show(Expression)
    case gradcheck(model: String, sequence: String, loss: LossKind)
    case jacobian(model: String, sequence: String, t: Int, k: Int)
    case train(model: String, sequence: String, loss: LossKind, optimizer: String, options: TrainingOptions,
               reportEvery: Int?, validation: String?)
    case expect(Expression, ComparisonOperator, Expression, tolerance: Double?)
    case save(model: String, path: String)
    case load(model: String, path: String)
    case flow(model: String, sequence: String)
    /// `at`: the terms of ∂L_T/∂P for k = 1…T; nil: the split of ∂L/∂P into ∂L_t/∂P.
    case decompose(model: String, sequence: String, loss: LossKind, at: Int?, parameter: String)
    case compare(model: String, sequence: String, loss: LossKind, truncation: Truncation)
    case gates(model: String, sequence: String)
    case trace(model: String, sequence: String, loss: LossKind, export: TraceExport?)
    case plot(Expression)
    case binding(name: String, Expression)
    case expression(Expression)

    /// The cell kind reported in JSON (`forward`, `show`, …).
    public var kindName: String {
        switch self {
        case .seed: return "seed"
        case .precision: return "precision"
        case .vocabulary: return "vocab"
        case .sequence: return "sequence"
        case .series: return "series"
        case .dataset: return "dataset"
        case .split: return "split"
        case .sample: return "sample"
        case .model: return "model"
        case .setParameter, .setInitialState: return "set"
        case .loss: return "loss"
        case .optimizer: return "optimizer"
        case .forward: return "forward"
        case .backward: return "backward"
        case .show: return "show"
        case .gradcheck: return "gradcheck"
        case .jacobian: return "jacobian"
        case .train: return "train"
        case .expect: return "expect"
        case .save: return "save"
        case .load: return "load"
        case .flow: return "flow"
        case .decompose: return "decompose"
        case .compare: return "compare"
        case .gates: return "gates"
        case .trace: return "trace"
        case .plot: return "plot"
        case .binding: return "let"
        case .expression: return "expression"
        }
    }
}

/// A checked statement with the source it came from.
public struct CheckedCell: Equatable, Sendable {
    public var statement: CheckedStatement
    public var range: SourceRange
}

/// Where `trace … to "FILE"` writes, in which format (by the file's extension).
public struct TraceExport: Equatable, Sendable {
    public enum Format: String, Equatable, Sendable { case markdown, latex }
    public var path: String
    public var format: Format
}
