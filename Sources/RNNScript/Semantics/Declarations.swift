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

    public func index(of symbol: String) -> Int? { symbols.firstIndex(of: symbol) }

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

    public var inputWidth: Int { example.inputs.cols }
    public var targetWidth: Int { example.targets.cols }

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

/// Everything a name can stand for.
public enum SymbolValue: Equatable, Sendable {
    case vocabulary(Vocabulary)
    case sequence(SequenceData)
    case model(ModelConfiguration)
    case loss(LossKind)
    case optimizer(OptimizerSettings)

    /// "a vocabulary", "a model", …
    public var kindDescription: String {
        switch self {
        case .vocabulary: return "a vocabulary"
        case .sequence: return "a sequence"
        case .model: return "a model"
        case .loss: return "a loss"
        case .optimizer: return "an optimizer"
        }
    }

    public var kindName: String {
        switch self {
        case .vocabulary: return "vocab"
        case .sequence: return "sequence"
        case .model: return "model"
        case .loss: return "loss"
        case .optimizer: return "optimizer"
        }
    }
}

/// The declared names, in declaration order (a redeclaration replaces the old value).
public struct SymbolTable: Equatable, Sendable {
    public private(set) var values: [String: SymbolValue] = [:]
    public private(set) var order: [String] = []
    /// The precision of models declared from here on (`precision float32`).
    public var precision: Precision = .float64

    public init() {}

    public subscript(name: String) -> SymbolValue? { values[name] }

    public mutating func declare(_ name: String, _ value: SymbolValue) {
        if values[name] == nil { order.append(name) }
        values[name] = value
    }

    public var names: [String] { order }
}

/// The natural loss of a readout, used by `forward M on S` when no loss is named.
public func defaultLoss(for readout: Readout) -> LossKind {
    switch readout {
    case .softmax: return .crossEntropy
    case .sigmoid: return .binaryCrossEntropy
    case .linear: return .squaredError
    }
}
