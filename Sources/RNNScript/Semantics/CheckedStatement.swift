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
    /// `members`: the sequences and datasets a list names, for a dataset whose
    /// contents are drawn when the script runs (`mayHold` set); else empty.
    case dataset(DatasetData, members: [SequenceRef])
    /// The halves as the checker declares them (the source's order). When
    /// `shuffled`, the interpreter draws the order from the script's generator
    /// and the drawn halves replace these (their `mayHold` stays).
    case split(source: SequenceRef, first: DatasetData, second: DatasetData, shuffled: Bool)
    case sample(model: ModelRef, vocabulary: Vocabulary, prime: [Int], length: Int, until: Int?, temperature: Double?)
    case model(ModelRef, ModelConfiguration)
    case setParameter(model: ModelRef, parameter: ParameterRef, Matrix)
    case setInitialState(model: ModelRef, slot: StateSlot, Matrix)
    case loss(name: String, LossKind)
    case optimizer(OptimizerRef)
    case forward(model: ModelRef, sequence: SequenceRef, loss: LossKind)
    case backward(model: ModelRef, sequence: SequenceRef, loss: LossKind, truncation: Truncation)
    case show(Expression)
    case gradcheck(model: ModelRef, sequence: SequenceRef, loss: LossKind)
    case jacobian(model: ModelRef, sequence: SequenceRef, t: Int, k: Int)
    case train(model: ModelRef, sequence: SequenceRef, loss: LossKind, optimizer: OptimizerRef, options: TrainingOptions,
               reportEvery: Int?, validation: SequenceRef?)
    case expect(Expression, ComparisonOperator, Expression, tolerance: Double?)
    case save(model: ModelRef, path: String)
    case load(model: ModelRef, path: String)
    case flow(model: ModelRef, sequence: SequenceRef)
    /// `at`: the terms of ∂L_T/∂P for k = 1…T; nil: the split of ∂L/∂P into ∂L_t/∂P.
    case decompose(model: ModelRef, sequence: SequenceRef, loss: LossKind, at: Int?, parameter: String)
    case compare(model: ModelRef, sequence: SequenceRef, loss: LossKind, truncation: Truncation)
    case gates(model: ModelRef, sequence: SequenceRef)
    case trace(model: ModelRef, sequence: SequenceRef, loss: LossKind, export: TraceExport?)
    case plot(Expression)
    /// `plot Y1, Y2 against X`: each Y a vector as long as X (or as the first Y without X).
    case plotCurves([Expression], against: Expression?)
    case freeze(model: ModelRef, parameter: ParameterRef, frozen: Bool)
    /// `predict M on D` on numeric targets: each sequence's last prediction against its truth.
    case forecast(model: ModelRef, sequence: SequenceRef)
    /// `predict M on D` alone, on symbol targets: the answers table.
    case answers(model: ModelRef, sequence: SequenceRef)
    /// `draw`: the picture, made from the model's shape (and the sequence's symbols) when checked.
    case draw(model: ModelRef, NetworkDrawing)
    case binding(BindingRef, Expression)
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
        case .plot, .plotCurves: return "plot"
        case .forecast, .answers: return "predict"
        case .draw: return "draw"
        case let .freeze(_, _, frozen): return frozen ? "freeze" : "unfreeze"
        case .binding: return "let"
        case .expression: return "expression"
        }
    }
}

/// A checked statement with the source it came from, and what it adds to the
/// session's names: the interpreter applies `changes` when the cell succeeds
/// and never declares names itself.
public struct CheckedCell: Equatable, Sendable {
    public var statement: CheckedStatement
    public var range: SourceRange
    public var changes: [SessionChange] = []
}

/// A change a cell makes to the session's names, decided by the checker.
public enum SessionChange: Equatable, Sendable {
    case declare(String, SymbolValue)
    /// Models declared from here on compute in this precision.
    case precision(Precision)
}

extension SymbolTable {
    public mutating func apply(_ change: SessionChange) {
        switch change {
        case let .declare(name, value): declare(name, value)
        case let .precision(value): precision = value
        }
    }
}

/// A sequence or dataset a statement runs on, resolved by the checker.
public struct SequenceRef: Equatable, Sendable {
    public var name: String
    public var isDataset: Bool
    /// The sequences, in order (one for a sequence); nil when they are known
    /// only when the script runs: the halves of a shuffled split (and anything
    /// split from them), whose sequences the split draws from the generator.
    public var sequences: [SequenceData]?
}

/// A declared model: its name (for messages) and its slot (where the session keeps it).
public struct ModelRef: Equatable, Sendable {
    public var name: String
    public var slot: Int
}

/// A model's parameter: its name and its position in the model's parameters.
public struct ParameterRef: Equatable, Sendable {
    public var name: String
    public var index: Int
}

/// A `let` binding: its name and the slot that holds its value.
public struct BindingRef: Equatable, Sendable {
    public var name: String
    public var slot: Int
}

/// An optimizer a `train` uses: its name (optimizer state is kept per
/// optimizer and model) and its settings.
public struct OptimizerRef: Equatable, Sendable {
    public var name: String
    public var slot: Int
    public var settings: OptimizerSettings
}

/// Where `trace … to "FILE"` writes, in which format (by the file's extension).
public struct TraceExport: Equatable, Sendable {
    public enum Format: String, Equatable, Sendable { case markdown, latex }
    public var path: String
    public var format: Format
}
