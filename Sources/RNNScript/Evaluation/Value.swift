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
    /// A model named whole (`show net`, `let m = net`): it shows the model as it is now.
    case model(ModelRef, ModelConfiguration)

    var kindDescription: String { type.description }

    /// The value's type, exact (a matrix's rows and columns are known).
    public var type: ValueType {
        switch self {
        case .number: return .number
        case let .matrix(m): return .matrix(rows: m.rows, cols: m.cols)
        case .string: return .string
        case let .declaration(_, v): return .declaration(v.kindDescription)
        case let .model(_, configuration): return .declaration(SymbolValue.model(configuration).kindDescription)
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
    /// The parameters `train` leaves unchanged (`freeze`), by index.
    public var frozen: Set<Int> = []
}

/// Optimizer state is kept per optimizer and model (by their slots): a second
/// `train` with the same pair continues where the first stopped; redeclaring
/// either forgets it.
public struct OptimizerStateKey: Hashable, Sendable {
    public var optimizer: Int
    public var model: Int
}

/// The state a session accumulates: declarations, models, optimizer states,
/// the generator. Values only; the interpreter changes it. What a name holds
/// at run time is kept at the name's slot (`SymbolTable.slot(of:)`), which
/// checked cells carry: nothing here is looked up by name while running.
public struct SessionState: Sendable {
    public var symbols = SymbolTable()
    public var random = RandomSource(seed: 0)
    /// The models, at their names' slots.
    private var models = Slots<ModelSlot>()
    /// Optimizer state per (optimizer, model): a second `train` continues where the first stopped.
    public var optimizerStates: [OptimizerStateKey: OptimizerState] = [:]
    /// The values of `let` bindings, at their names' slots.
    private var values = Slots<Value>()
    public var expectationsPassed = 0
    public var expectationsFailed = 0

    public init() {}

    /// A checked model (it was declared when its reference was made).
    subscript(model: ModelRef) -> ModelSlot {
        get { models[model.slot] ?? { preconditionFailure("checked model \(model.name) missing") }() }
        set { models[model.slot] = newValue }
    }

    /// A checked `let` binding's value.
    subscript(binding: BindingRef) -> Value {
        get { values[binding.slot] ?? { preconditionFailure("checked binding \(binding.name) missing") }() }
        set { values[binding.slot] = newValue }
    }

    /// A model by its name, for hosts and tests (the REPL's `:names`).
    public func model(named name: String) -> ModelSlot? {
        symbols.slot(of: name).flatMap { models[$0] }
    }

    /// A `let` binding's value by its name, for hosts (the REPL's `:names`).
    public func value(named name: String) -> Value? {
        guard case .value? = symbols[name], let slot = symbols.slot(of: name) else { return nil }
        return values[slot]
    }

    /// Adds a cell's change to the names; a name declared anew as something
    /// other than a binding lets go of the binding's value.
    mutating func apply(_ change: SessionChange) {
        symbols.apply(change)
        // A model stays at its slot: a binding may still show it (`let m = net`).
        guard case let .declare(name, value) = change, let slot = symbols.slot(of: name) else { return }
        if case .value = value {} else { values[slot] = nil }
    }

    /// The sequences a statement runs on: resolved by the checker, or (a
    /// shuffled split's half) as the split drew them.
    func sequences(_ ref: SequenceRef) -> [SequenceData] {
        if let sequences = ref.sequences { return sequences }
        switch symbols[ref.name] {
        case let .sequence(data)?: return [data]
        case let .dataset(dataset)?: return dataset.sequences
        default: preconditionFailure("checked sequence or dataset \(ref.name) missing")
        }
    }

    func sequence(_ ref: SequenceRef) -> SequenceData { sequences(ref)[0] }
}

/// What declared names hold at run time, each at its name's slot (nil where
/// the slot's name holds something else, or nothing yet).
struct Slots<Element: Sendable>: Sendable {
    private var elements: [Element?] = []

    subscript(slot: Int) -> Element? {
        get { slot < elements.count ? elements[slot] : nil }
        set {
            if slot >= elements.count { elements += repeatElement(nil, count: slot + 1 - elements.count) }
            elements[slot] = newValue
        }
    }
}
