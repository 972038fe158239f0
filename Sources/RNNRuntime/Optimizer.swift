/// The optimizers, with PyTorch's update rules and default hyper-parameters.
public enum OptimizerKind: String, CaseIterable, Sendable {
    case sgd, adagrad, rmsprop, adam
}

/// Hyper-parameters of an optimizer. Keys are the spec's names; each kind
/// reads only its own (`OptimizerSettings.keys(for:)`).
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

    /// PyTorch's defaults: sgd lr 0.001; adagrad lr 0.01, eps 1e-10; rmsprop lr 0.01,
    /// alpha 0.99, eps 1e-8; adam lr 0.001, betas (0.9, 0.999), eps 1e-8.
    public init(kind: OptimizerKind) {
        self.kind = kind
        switch kind {
        case .sgd: lr = 0.001; eps = 0
        case .adagrad: lr = 0.01; eps = 1e-10
        case .rmsprop: lr = 0.01; eps = 1e-8
        case .adam: lr = 0.001; eps = 1e-8
        }
    }

    /// The keys a script may set for `kind`; flags (`nesterov`, `centered`) take on/off.
    public static func keys(for kind: OptimizerKind) -> [String] {
        switch kind {
        case .sgd: return ["lr", "momentum", "dampening", "nesterov", "weight_decay"]
        case .adagrad: return ["lr", "lr_decay", "eps", "weight_decay"]
        case .rmsprop: return ["lr", "alpha", "eps", "momentum", "centered", "weight_decay"]
        case .adam: return ["lr", "beta1", "beta2", "eps", "weight_decay"]
        }
    }

    public static let flagKeys: Set<String> = ["nesterov", "centered"]

    /// Sets one key; returns false for a key the kind does not have.
    public mutating func set(_ key: String, _ value: Double) -> Bool {
        guard Self.keys(for: kind).contains(key) else { return false }
        switch key {
        case "lr": lr = value
        case "momentum": momentum = value
        case "dampening": dampening = value
        case "nesterov": nesterov = value != 0
        case "weight_decay": weightDecay = value
        case "lr_decay": lrDecay = value
        case "eps": eps = value
        case "alpha": alpha = value
        case "centered": centered = value != 0
        case "beta1": beta1 = value
        case "beta2": beta2 = value
        default: return false
        }
        return true
    }

    /// The value of one key (flags as 1/0).
    public func value(_ key: String) -> Double? {
        switch key {
        case "lr": return lr
        case "momentum": return momentum
        case "dampening": return dampening
        case "nesterov": return nesterov ? 1 : 0
        case "weight_decay": return weightDecay
        case "lr_decay": return lrDecay
        case "eps": return eps
        case "alpha": return alpha
        case "centered": return centered ? 1 : 0
        case "beta1": return beta1
        case "beta2": return beta2
        default: return nil
        }
    }
}

/// An optimizer's running state for one model: a step count and per-parameter buffers.
///
/// It walks a flat list of (value, gradient) pairs; it knows nothing of RNNs.
public struct OptimizerState: Sendable {
    public let settings: OptimizerSettings
    public private(set) var stepCount = 0
    // sgd: momentum buffer; adagrad: sum of squares; rmsprop: square average,
    // momentum buffer, gradient average; adam: first and second moments.
    private var first: [[Double]] = []
    private var second: [[Double]] = []
    private var third: [[Double]] = []

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

    /// One update of every parameter from its gradient.
    public mutating func step(parameters: inout [Matrix], gradients: [Matrix]) {
        precondition(parameters.count == gradients.count)
        if first.isEmpty {
            let zeros = parameters.map { [Double](repeating: 0, count: $0.count) }
            first = zeros; second = zeros; third = zeros
        }
        stepCount += 1
        let s = settings, t = Double(stepCount)
        for p in parameters.indices {
            let g0 = gradients[p].storage
            parameters[p].storage.withUnsafeMutableBufferPointer { w in
                for i in 0..<w.count {
                    var g = g0[i]
                    if s.weightDecay != 0 { g += s.weightDecay * w[i] }
                    switch s.kind {
                    case .sgd:
                        if s.momentum != 0 {
                            let buf = stepCount == 1 ? g : s.momentum * first[p][i] + (1 - s.dampening) * g
                            first[p][i] = buf
                            g = s.nesterov ? g + s.momentum * buf : buf
                        }
                        w[i] -= s.lr * g
                    case .adagrad:
                        let clr = s.lr / (1 + (t - 1) * s.lrDecay)
                        first[p][i] += g * g
                        w[i] -= clr * g / (first[p][i].squareRoot() + s.eps)
                    case .rmsprop:
                        second[p][i] = s.alpha * second[p][i] + (1 - s.alpha) * g * g
                        var avg: Double
                        if s.centered {
                            third[p][i] = s.alpha * third[p][i] + (1 - s.alpha) * g
                            avg = (second[p][i] - third[p][i] * third[p][i]).squareRoot() + s.eps
                        } else {
                            avg = second[p][i].squareRoot() + s.eps
                        }
                        if s.momentum > 0 {
                            first[p][i] = s.momentum * first[p][i] + g / avg
                            w[i] -= s.lr * first[p][i]
                        } else {
                            w[i] -= s.lr * g / avg
                        }
                    case .adam:
                        first[p][i] = s.beta1 * first[p][i] + (1 - s.beta1) * g
                        second[p][i] = s.beta2 * second[p][i] + (1 - s.beta2) * g * g
                        let bc1 = 1 - Math.power(s.beta1, Int(t)), bc2 = 1 - Math.power(s.beta2, Int(t))
                        let denom = second[p][i].squareRoot() / bc2.squareRoot() + s.eps
                        w[i] -= (s.lr / bc1) * first[p][i] / denom
                    }
                }
            }
        }
    }
}
