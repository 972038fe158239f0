import RNNRuntime

/// A vocabulary: an ordered list of symbols, each one a class and a one-hot position.
public struct Vocabulary: Equatable, Sendable {
    public var name: String
    /// Display text of each symbol: `d`, `<stop>`, `word`.
    public var symbols: [String]
    public var kinds: [SymbolLiteral.Kind]

    public var count: Int { symbols.count }
    public var hasStop: Bool { symbols.contains("<stop>") }
    /// Words make a text split on white space; otherwise a text is read character by character.
    public var isWordLevel: Bool { kinds.contains(.word) }

    public func index(of symbol: String) -> Int? { indexBySymbol[symbol] }

    private var indexBySymbol: [String: Int]

    public init(name: String, symbols: [String], kinds: [SymbolLiteral.Kind]) {
        self.name = name
        self.symbols = symbols
        self.kinds = kinds
        var index: [String: Int] = [:]
        for (i, s) in symbols.enumerated() where index[s] == nil { index[s] = i }
        self.indexBySymbol = index
    }

    /// How a symbol prints in tables: white space made visible (␣, \n, \t).
    public func display(_ i: Int) -> String {
        switch symbols[i] {
        case " ": return "␣"
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\r": return "\\r"
        default: return symbols[i]
        }
    }

    /// Symbols joined as text: characters run together, words with spaces.
    public func text(_ indices: [Int]) -> String {
        indices.map { symbols[$0] }.joined(separator: isWordLevel ? " " : "")
    }

    /// How a symbol is written in a script: `'d'`, `"word"`, `<stop>`.
    public func quoted(_ i: Int) -> String {
        switch kinds[i] {
        case .character: return "'\(symbols[i])'"
        case .word: return "\"\(symbols[i])\""
        case .token: return symbols[i]
        }
    }
}

/// A sequence with everything needed to run it and to label its steps.
public struct SequenceData: Equatable, Sendable {
    public var name: String
    public var example: SequenceExample
    /// Set when the inputs are one-hot symbols of a vocabulary.
    public var inputVocabulary: Vocabulary?
    public var inputSymbols: [Int]?
    /// Set when the targets are classes of a vocabulary.
    public var targetVocabulary: Vocabulary?
    public var targetClasses: [Int]?
    /// Set when the steps are values of a normalized series (windows, `series … predicting next`):
    /// how to map them back to the series' own units.
    public var normalization: SeriesData.Normalization? = nil

    public var inputWidth: Int { example.inputSteps.width }
    public var targetWidth: Int { example.targetSteps.width }

    /// "is one-hot over 4 symbols" / "has inputs of width 3": for shape messages.
    public var inputDescription: String {
        if let v = inputVocabulary { return "is one-hot over \(v.count) symbols" }
        return "has inputs of width \(inputWidth)"
    }

    public var targetDescription: String {
        if let v = targetVocabulary { return "has targets one-hot over \(v.count) symbols" }
        return "has targets of width \(targetWidth)"
    }
}

/// A numeric series: one value per step (T×1).
public struct SeriesData: Equatable, Sendable {
    public var name: String
    public var values: Matrix
    /// Set when the values were standardised: value = (raw − mean) / std.
    public var normalization: Normalization?

    public struct Normalization: Equatable, Sendable {
        public var mean: Double
        public var std: Double
    }

    public init(name: String, values: Matrix, normalization: Normalization? = nil) {
        self.name = name
        self.values = values
        self.normalization = normalization
    }
}

/// Several sequences, trained over together.
public struct DatasetData: Equatable, Sendable {
    public var name: String
    public var sequences: [SequenceData]
    /// `lines of`: the file's lines that gave no sequence, blank ones and
    /// (predicting next, without `<stop>`) ones of a single symbol.
    public var blankLines = 0
    public var oneSymbolLines = 0
    /// For checking only: the sequences this dataset may hold when the script
    /// runs, where that is not known before (a half of a `split … shuffled`,
    /// and datasets made from one); nil when it is exactly `sequences`.
    public var mayHold: [SequenceData]? = nil

    /// What every check of the members' shapes must cover.
    var candidates: [SequenceData] { mayHold ?? sequences }
}

/// Everything a name can stand for.
public enum SymbolValue: Equatable, Sendable {
    case vocabulary(Vocabulary)
    case sequence(SequenceData)
    case series(SeriesData)
    case dataset(DatasetData)
    case model(ModelConfiguration)
    case loss(LossKind)
    case optimizer(OptimizerSettings)
    /// A `let` binding, with its value's type; the value lives in the session state.
    case value(ValueType)

    /// "a vocabulary", "a model", …
    public var kindDescription: String {
        switch self {
        case .vocabulary: return "a vocabulary"
        case .sequence: return "a sequence"
        case .series: return "a series"
        case .dataset: return "a dataset"
        case .model: return "a model"
        case .loss: return "a loss"
        case .optimizer: return "an optimizer"
        case .value: return "a value"
        }
    }

    public var kindName: String {
        switch self {
        case .vocabulary: return "vocab"
        case .sequence: return "sequence"
        case .series: return "series"
        case .dataset: return "dataset"
        case .model: return "model"
        case .loss: return "loss"
        case .optimizer: return "optimizer"
        case .value: return "let"
        }
    }
}

/// The declared names, in declaration order (a redeclaration replaces the old value).
/// A name's position in that order is its slot: where the session keeps what
/// the name holds at run time (a model's parameters, a `let` binding's value),
/// so checked cells refer to slots and the interpreter looks up no names.
public struct SymbolTable: Equatable, Sendable {
    public private(set) var values: [String: SymbolValue] = [:]
    public private(set) var order: [String] = []
    private var positions: [String: Int] = [:]
    /// The precision of models declared from here on (`precision float32`).
    public var precision: Precision = .float64

    public init() {}

    public subscript(name: String) -> SymbolValue? { values[name] }

    public mutating func declare(_ name: String, _ value: SymbolValue) {
        if values[name] == nil {
            positions[name] = order.count
            order.append(name)
        }
        values[name] = value
    }

    /// The slot of a declared name (it keeps it when redeclared).
    public func slot(of name: String) -> Int? { positions[name] }

    public var names: [String] { order }
}

/// The natural loss of a readout, used by `forward M on S` when no loss is named.
public func defaultLoss(for readout: Readout) -> LossKind { readout.naturalLoss }
