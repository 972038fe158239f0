/// The optimizers, with PyTorch's update rules and default hyper-parameters.
public enum OptimizerKind: String, CaseIterable, Sendable {
    case sgd, adagrad, rmsprop, adam
}

/// Hyper-parameters of an optimizer. Keys are the spec's names; each kind
/// reads only its own (`OptimizerCatalogue`).
public struct OptimizerSettings: Equatable, Sendable {
    public var kind: OptimizerKind
    public var lr: Double
    public var momentum = 0.0
    public var dampening = 0.0
    public var nesterov = false
    public var weightDecay = 0.0
    public var lrDecay = 0.0
    public var eps: Double
    public var alpha = 0.99
    public var centered = false
    public var beta1 = 0.9
    public var beta2 = 0.999

    /// PyTorch's defaults (the catalogue's `lr` and `eps` for the kind).
    public init(kind: OptimizerKind) {
        self.kind = kind
        let entry = OptimizerCatalogue.entry(kind)
        lr = entry.lr
        eps = entry.eps
    }

    /// The keys a script may set for `kind`; flags (`nesterov`, `centered`) take on/off.
    public static func keys(for kind: OptimizerKind) -> [String] { OptimizerCatalogue.entry(kind).keys }

    public static var flagKeys: Set<String> {
        Set(OptimizerCatalogue.hyperparameters.filter { $0.allowed == .flag }.map(\.name))
    }

    /// Sets one key; returns false for a key the kind does not have.
    public mutating func set(_ key: String, _ value: Double) -> Bool {
        guard Self.keys(for: kind).contains(key), let h = OptimizerCatalogue.hyperparameter(key) else { return false }
        h.set(&self, value)
        return true
    }

    /// The value of one key (flags as 1/0).
    public func value(_ key: String) -> Double? { OptimizerCatalogue.hyperparameter(key)?.get(self) }
}

/// One hyper-parameter: its name in scripts, the values it allows, and its
/// field of `OptimizerSettings` (flags as 1/0).
public struct Hyperparameter: Sendable {
    public enum Allowed: Sendable, Equatable {
        /// 0 or more.
        case nonNegative
        /// 0 to below 1 (a decay rate).
        case belowOne
        /// on or off.
        case flag
    }
    public let name: String
    public let allowed: Allowed
    let get: @Sendable (OptimizerSettings) -> Double
    let set: @Sendable (inout OptimizerSettings, Double) -> Void

    /// Whether `value` is allowed, and if not the range to name in the message.
    public func check(_ value: Double) -> String? {
        switch allowed {
        case .nonNegative: return value >= 0 ? nil : "0 or more"
        case .belowOne: return value >= 0 && value < 1 ? nil : "0 to below 1"
        case .flag: return value == 0 || value == 1 ? nil : "on or off"
        }
    }
}

/// Every optimizer in one table: its defaults, its keys, its rule in a line
/// (`:help KIND`). The checker, the interpreter, `:help` and completion read
/// it; the update rules themselves are `OptimizerState.step` (the reference)
/// and CKernels/optimizer_template.h (the fast path). A new optimizer is a
/// row here, a case of `OptimizerKind`, and its rule in those two places.
public enum OptimizerCatalogue {
    public struct Entry: Sendable {
        public let kind: OptimizerKind
        public let lr: Double
        public let eps: Double
        public let keys: [String]
        /// Defaults and the update rule, for `:help`.
        public let help: String
    }

    public static let entries: [Entry] = [
        Entry(kind: .sgd, lr: 0.001, eps: 0, keys: ["lr", "momentum", "dampening", "nesterov", "weight_decay"],
              help: "sgd (lr 0.001, momentum 0, dampening 0, nesterov off, weight_decay 0): b = μ b + (1-τ) g; θ -= lr · (nesterov ? g + μ b : b)."),
        Entry(kind: .adagrad, lr: 0.01, eps: 1e-10, keys: ["lr", "lr_decay", "eps", "weight_decay"],
              help: "adagrad (lr 0.01, lr_decay 0, eps 1e-10): s += g²; θ -= lr/(1 + (t-1)·lr_decay) · g / (√s + eps)."),
        Entry(kind: .rmsprop, lr: 0.01, eps: 1e-8, keys: ["lr", "alpha", "eps", "momentum", "centered", "weight_decay"],
              help: "rmsprop (lr 0.01, alpha 0.99, eps 1e-8, momentum 0, centered off): v = α v + (1-α) g²; θ -= lr · g / (√v + eps)."),
        Entry(kind: .adam, lr: 0.001, eps: 1e-8, keys: ["lr", "beta1", "beta2", "eps", "weight_decay"],
              help: "adam (lr 0.001, beta1 0.9, beta2 0.999, eps 1e-8): m, v moments; θ -= lr/(1-β1^t) · m / (√v/√(1-β2^t) + eps)."),
    ]

    public static let hyperparameters: [Hyperparameter] = [
        Hyperparameter(name: "lr", allowed: .nonNegative, get: { $0.lr }, set: { $0.lr = $1 }),
        Hyperparameter(name: "momentum", allowed: .nonNegative, get: { $0.momentum }, set: { $0.momentum = $1 }),
        Hyperparameter(name: "dampening", allowed: .belowOne, get: { $0.dampening }, set: { $0.dampening = $1 }),
        Hyperparameter(name: "nesterov", allowed: .flag, get: { $0.nesterov ? 1 : 0 }, set: { $0.nesterov = $1 != 0 }),
        Hyperparameter(name: "weight_decay", allowed: .nonNegative, get: { $0.weightDecay }, set: { $0.weightDecay = $1 }),
        Hyperparameter(name: "lr_decay", allowed: .nonNegative, get: { $0.lrDecay }, set: { $0.lrDecay = $1 }),
        Hyperparameter(name: "eps", allowed: .nonNegative, get: { $0.eps }, set: { $0.eps = $1 }),
        Hyperparameter(name: "alpha", allowed: .belowOne, get: { $0.alpha }, set: { $0.alpha = $1 }),
        Hyperparameter(name: "centered", allowed: .flag, get: { $0.centered ? 1 : 0 }, set: { $0.centered = $1 != 0 }),
        Hyperparameter(name: "beta1", allowed: .belowOne, get: { $0.beta1 }, set: { $0.beta1 = $1 }),
        Hyperparameter(name: "beta2", allowed: .belowOne, get: { $0.beta2 }, set: { $0.beta2 = $1 }),
    ]

    public static func entry(_ kind: OptimizerKind) -> Entry { entries.first { $0.kind == kind }! }
    public static func hyperparameter(_ name: String) -> Hyperparameter? { hyperparameters.first { $0.name == name } }
}

/// An optimizer's running state for one model: a step count and per-parameter buffers.
///
/// It walks a flat list of (value, gradient) pairs; it knows nothing of RNNs.
public struct OptimizerState: Sendable {
    public let settings: OptimizerSettings
    public internal(set) var stepCount = 0
    // sgd: momentum buffer; adagrad: sum of squares; rmsprop: square average,
    // momentum buffer, gradient average; adam: first and second moments.
    var first: [[Double]] = []
    var second: [[Double]] = []
    var third: [[Double]] = []

    public init(settings: OptimizerSettings) { self.settings = settings }

    /// The per-parameter buffers (empty before the first step).
    var buffers: (first: [[Double]], second: [[Double]], third: [[Double]]) { (first, second, third) }

    /// Takes back state computed elsewhere (by a training run's flat optimizer).
    mutating func restore(stepCount: Int, first: [[Double]], second: [[Double]], third: [[Double]]) {
        self.stepCount = stepCount
        self.first = first
        self.second = second
        self.third = third
    }
}
