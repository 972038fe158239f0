/// The state nonlinearity σ of a vanilla RNN: `s_t = σ(a_t)`.
public enum Activation: String, CaseIterable, Sendable {
    case tanh, sigmoid, relu, linear

    @inline(__always) public func apply(_ a: Double) -> Double {
        switch self {
        case .tanh: return Math.tanh(a)
        case .sigmoid: return Activation.logistic(a)
        case .relu: return a > 0 ? a : 0
        case .linear: return a
        }
    }

    /// σ′(a) written in terms of the output s = σ(a), so the backward pass needs
    /// only the stored states: tanh′ = 1 − s², sigmoid′ = s(1 − s), relu′ = [s > 0].
    @inline(__always) public func derivative(fromOutput s: Double) -> Double {
        switch self {
        case .tanh: return 1 - s * s
        case .sigmoid: return s * (1 - s)
        case .relu: return s > 0 ? 1 : 0
        case .linear: return 1
        }
    }

    @inline(__always) func apply<F: RNNScalar>(_ a: F) -> F {
        switch self {
        case .tanh: return F.tanh(a)
        case .sigmoid: return F.sigmoid(a)
        case .relu: return a > 0 ? a : 0
        case .linear: return a
        }
    }

    /// s = σ(a) over `count` elements, the switch hoisted out of the loop so it vectorises.
    @inline(__always) func apply<F: RNNScalar>(_ a: UnsafePointer<F>, into s: UnsafeMutablePointer<F>, count: Int) {
        switch self {
        case .tanh: F.tanh(a, into: s, count: count)
        case .sigmoid: F.sigmoid(a, into: s, count: count)
        case .relu: for i in 0..<count { s[i] = a[i] > 0 ? a[i] : 0 }
        case .linear: for i in 0..<count { s[i] = a[i] }
        }
    }

    /// δa = δs ⊙ σ′(a), σ′ from the outputs s, over `count` elements.
    @inline(__always) func backward<F: RNNScalar>(_ ds: UnsafePointer<F>, outputs s: UnsafePointer<F>,
                                                into da: UnsafeMutablePointer<F>, count: Int) {
        switch self {
        case .tanh: for i in 0..<count { da[i] = ds[i] * (1 - s[i] * s[i]) }
        case .sigmoid: for i in 0..<count { da[i] = ds[i] * (s[i] * (1 - s[i])) }
        case .relu: for i in 0..<count { da[i] = ds[i] * (s[i] > 0 ? 1 : 0) }
        case .linear: for i in 0..<count { da[i] = ds[i] }
        }
    }

    @inline(__always) func derivative<F: RNNScalar>(fromOutput s: F) -> F {
        switch self {
        case .tanh: return 1 - s * s
        case .sigmoid: return s * (1 - s)
        case .relu: return s > 0 ? 1 : 0
        case .linear: return 1
        }
    }

    /// γ = max σ′ (the lecture's bound on ‖diag(σ′)‖): ¼ for sigmoid, 1 otherwise.
    public var maxDerivative: Double { self == .sigmoid ? 0.25 : 1 }

    /// 1 / (1 + e⁻ˣ): the runtime's own logistic (the one the engine uses).
    @inline(__always) static func logistic(_ x: Double) -> Double { Math.sigmoid(x) }
}

/// The output function O of the readout: `ŷ_t = O(o_t)`.
public enum Readout: String, CaseIterable, Sendable {
    case softmax, sigmoid, linear
    /// No V and c: ŷ_t is the top layer's state (Keras's SimpleRNN alone).
    case none

    /// Whether the model has the readout's parameters V and c.
    public var hasParameters: Bool { self != .none }

    /// ŷ = O(o) as the lecture writes it.
    public var formula: String {
        switch self {
        case .softmax: return "ŷ_t[j] = e^{o_t[j]} / Σ_i e^{o_t[i]}"
        case .sigmoid: return "ŷ_t[j] = σ(o_t[j])"
        case .linear: return "ŷ_t = o_t"
        case .none: return "ŷ_t = s_t (the top layer's state)"
        }
    }

    /// The loss the readout pairs with (`forward M on S` without a loss).
    public var naturalLoss: LossKind {
        switch self {
        case .softmax: return .crossEntropy
        case .sigmoid: return .binaryCrossEntropy
        case .linear, .none: return .squaredError
        }
    }
}

/// The per-step loss L_t; the loss of a sequence is Σ_t L_t over steps with a target.
/// A new loss is a case here with its formula and help, and its rule in
/// `StepLoss.evaluate` (Loss.swift); the checker, `:help`, completion and the
/// text output read the rest from here.
public enum LossKind: String, CaseIterable, Sendable {
    case crossEntropy = "cross_entropy"
    case squaredError = "squared_error"
    case binaryCrossEntropy = "binary_cross_entropy"

    /// L_t as the lecture writes it.
    public var formula: String {
        switch self {
        case .crossEntropy: return "L_t = -Σ_j y_t[j] log ŷ_t[j]"
        case .squaredError: return "L_t = ½ ‖y_t - ŷ_t‖²"
        case .binaryCrossEntropy: return "L_t = -Σ_j (y log ŷ + (1-y) log(1-ŷ))"
        }
    }

    /// The `:help` text: the formula, and the gradient with the loss's natural readout.
    public var help: String {
        switch self {
        case .crossEntropy: return "cross_entropy: \(formula) (= -log ŷ_t[c] for class c); with softmax, ∂L/∂o = ŷ - y."
        case .squaredError: return "squared_error: \(formula)."
        case .binaryCrossEntropy: return "binary_cross_entropy: \(formula); with sigmoid, ∂L/∂o = ŷ - y."
        }
    }
}
