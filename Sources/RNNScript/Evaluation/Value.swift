import RNNRuntime

/// The value of an inspection expression.
public enum Value: Equatable, Sendable {
    case number(Double)
    case matrix(Matrix)
    case string(String)
    /// A declared name that is not a number or matrix (`show net`). Indirect:
    /// a declaration is large, and every value on an evaluation's operand
    /// stack would be as large as it.
    indirect case declaration(String, SymbolValue)

    var kindDescription: String { type.description }

    /// The value's type, exact (a matrix's rows and columns are known).
    public var type: ValueType {
        switch self {
        case .number: return .number
        case let .matrix(m): return .matrix(rows: m.rows, cols: m.cols)
        case .string: return .string
        case let .declaration(_, v): return .declaration(v.kindDescription)
        }
    }
}

/// A model's values and what the last passes left behind for inspection.
public struct ModelSlot: Sendable {
    public var name: String
    public var model: RNNModel
    /// The last `forward`/`backward` pass: the sequence it ran on and its trace.
    public var lastSequence: String?
    public var lastTrace: ForwardTrace?
    /// Gradients of the last `backward` (aligned with the model's parameters).
    public var gradients: [Matrix]?
    /// The epoch losses of the last `train`.
    public var lastLosses: [Double]?
}

/// Optimizer state is kept per optimizer and model: a second `train` with the
/// same pair continues where the first stopped; redeclaring either forgets it.
public struct OptimizerStateKey: Hashable, Sendable {
    public var optimizer: String
    public var model: String
}

/// The state a session accumulates: declarations, models, optimizer states,
/// the generator. Values only; the interpreter changes it.
public struct SessionState: Sendable {
    public var symbols = SymbolTable()
    public var random = RandomSource(seed: 0)
    public var models: [String: ModelSlot] = [:]
    /// Optimizer state per (optimizer, model): a second `train` continues where the first stopped.
    public var optimizerStates: [OptimizerStateKey: OptimizerState] = [:]
    /// The values of `let` bindings.
    public var values: [String: Value] = [:]
    public var expectationsPassed = 0
    public var expectationsFailed = 0

    public init() {}

    /// The sequences a statement runs on: resolved by the checker, or (a
    /// shuffled split's half) as the split drew them.
    func sequences(_ ref: SequenceRef) -> [SequenceData] {
        ref.sequences ?? sequences(ref.name)
    }

    func sequence(_ ref: SequenceRef) -> SequenceData { sequences(ref)[0] }

    func sequence(_ name: String) -> SequenceData {
        guard case let .sequence(data)? = symbols[name] else { preconditionFailure("checked sequence \(name) missing") }
        return data
    }

    /// One sequence, or every sequence of a dataset.
    func sequences(_ name: String) -> [SequenceData] {
        switch symbols[name] {
        case let .sequence(data)?: return [data]
        case let .dataset(dataset)?: return dataset.sequences
        default: preconditionFailure("checked sequence or dataset \(name) missing")
        }
    }


    func slot(_ name: String) -> ModelSlot {
        guard let slot = models[name] else { preconditionFailure("checked model \(name) missing") }
        return slot
    }
}
