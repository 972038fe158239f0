import Foundation
import Testing
import RNNRuntime

// MARK: - Comparisons

/// The relative error SPEC §1 uses for gradient checks: |a − n| / max(|a| + |n|, 1e-12).
func relativeError(_ a: Double, _ n: Double) -> Double {
    let e = abs(a - n) / max(abs(a) + abs(n), 1e-12)
    return e.isNaN ? .infinity : e
}

/// The largest `relativeError` over every element of two aligned lists of matrices.
func maxRelativeError(_ a: [Matrix], _ b: [Matrix]) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    for (x, y) in zip(a, b) {
        precondition(x.rows == y.rows && x.cols == y.cols)
        for i in 0..<x.count { worst = max(worst, relativeError(x.storage[i], y.storage[i])) }
    }
    return worst
}

/// |a − b| ≤ tol · max(1, |b|): absolute near zero, relative for large values.
func isClose(_ a: Double, _ b: Double, tol: Double = 1e-12) -> Bool {
    abs(a - b) <= tol * max(1, abs(b))
}

func expectClose(
    _ actual: Double, _ expected: Double, tol: Double = 1e-12, _ what: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        isClose(actual, expected, tol: tol),
        "\(what) actual \(actual) expected \(expected) (diff \(actual - expected), tol \(tol))",
        sourceLocation: sourceLocation)
}

func expectClose(
    _ actual: [Double], _ expected: [Double], tol: Double = 1e-12, _ what: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(what) length", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        expectClose(a, e, tol: tol, "\(what)[\(i)]", sourceLocation: sourceLocation)
    }
}

func expectClose(
    _ actual: Matrix, _ expected: Matrix, tol: Double = 1e-12, _ what: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        actual.rows == expected.rows && actual.cols == expected.cols,
        "\(what) shape \(actual.rows)×\(actual.cols) vs \(expected.rows)×\(expected.cols)",
        sourceLocation: sourceLocation)
    guard actual.rows == expected.rows && actual.cols == expected.cols else { return }
    for r in 0..<actual.rows {
        for c in 0..<actual.cols {
            expectClose(actual[r, c], expected[r, c], tol: tol, "\(what)[\(r),\(c)]", sourceLocation: sourceLocation)
        }
    }
}

func expectClose(
    _ actual: [Matrix], _ expected: [Matrix], tol: Double = 1e-12, names: [String]? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "parameter count", sourceLocation: sourceLocation)
    for i in 0..<min(actual.count, expected.count) {
        expectClose(actual[i], expected[i], tol: tol, names?[i] ?? "#\(i)", sourceLocation: sourceLocation)
    }
}

// MARK: - Finite differences (independent of RNNModel.gradientCheck)

enum FiniteDifference {
    /// Central difference of f at x in direction of a unit step h.
    ///
    /// `order: 2` is (f(x+h) − f(x−h)) / 2h; `order: 4` is the five-point central
    /// stencil (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h (Richardson-extrapolated
    /// central differences), whose O(h⁴) truncation error lets h be large enough that
    /// rounding stays near 1e-13 — what a 1e-7 relative tolerance on small gradient
    /// elements needs. (Measured over the 144-case grid: h = 1e-3 gives a worst
    /// relative error of ~1e-8, ten times inside the bound.)
    static func derivative(order: Int = 4, h: Double, _ f: (Double) -> Double) -> Double {
        switch order {
        case 2: return (f(h) - f(-h)) / (2 * h)
        default:
            // Differences first, so a loss that does not depend on the parameter gives
            // exactly 0 (a structurally zero gradient must not turn into rounding noise,
            // which the relative error would blow up to O(1)).
            let near = f(h) - f(-h), far = f(2 * h) - f(-2 * h)
            return (8 * near - far) / (12 * h)
        }
    }

    /// ∂f/∂θ for every element of every matrix of θ.
    static func gradient(
        of f: ([Matrix]) -> Double, at theta: [Matrix], h: Double = 1e-3, order: Int = 4
    ) -> [Matrix] {
        var probe = theta
        var result = theta.map { Matrix(rows: $0.rows, cols: $0.cols) }
        for p in theta.indices {
            for i in 0..<theta[p].count {
                let original = theta[p].storage[i]
                result[p].storage[i] = derivative(order: order, h: h) { delta in
                    probe[p].storage[i] = original + delta
                    return f(probe)
                }
                probe[p].storage[i] = original
            }
        }
        return result
    }

    /// The Jacobian J[i][m] = ∂f_i/∂x_m.
    static func jacobian(
        of f: ([Double]) -> [Double], at x: [Double], outputs: Int, h: Double = 1e-4, order: Int = 4
    ) -> Matrix {
        var J = Matrix(rows: outputs, cols: x.count)
        for m in x.indices {
            var probe = x
            for i in 0..<outputs {
                J[i, m] = derivative(order: order, h: h) { delta in
                    probe[m] = x[m] + delta
                    return f(probe)[i]
                }
            }
        }
        return J
    }
}

// MARK: - An independent reference implementation of SPEC §1 (vanilla RNN)

/// A deliberately naive re-implementation of the forward pass and the losses of
/// SPEC §1 (nested arrays, no BLAS, unfused losses), used to check the runtime
/// without trusting its own forward pass.
struct ReferenceRNN {
    struct Run {
        /// a_t for each step of the span.
        var preActivations: [[Double]] = []
        /// The entering state first, then s_t for each step.
        var states: [[Double]] = []
        var logits: [[Double]] = []
        var predictions: [[Double]] = []
        /// L_t keyed by the absolute 0-based step.
        var losses: [Int: Double] = [:]
        /// Σ_t L_t in step order (a Dictionary's iteration order varies between
        /// instances, and a varying summation order would add rounding noise).
        var total: Double { losses.keys.sorted().reduce(0) { $0 + losses[$1]! } }
    }

    let configuration: ModelConfiguration
    let U: [[Double]], W: [[Double]], V: [[Double]]
    let b: [Double]?, c: [Double]?

    init(configuration: ModelConfiguration, parameters: [Matrix]) {
        self.configuration = configuration
        var byName: [String: Matrix] = [:]
        for (shape, value) in zip(configuration.parameterShapes, parameters) { byName[shape.name] = value }
        U = byName["U"]!.nestedRows
        W = byName["W"]!.nestedRows
        V = byName["V"]!.nestedRows
        b = byName["b"].map { $0.row(0) }
        c = byName["c"].map { $0.row(0) }
    }

    init(_ model: RNNModel) { self.init(configuration: model.configuration, parameters: model.parameters) }

    static func sigma(_ kind: Activation, _ a: Double) -> Double {
        switch kind {
        case .tanh: return Foundation.tanh(a)
        case .sigmoid: return 1 / (1 + Foundation.exp(-a))
        case .relu: return max(a, 0)
        case .linear: return a
        }
    }

    /// σ′(a) from the pre-activation (not from the output, unlike the runtime).
    static func sigmaPrime(_ kind: Activation, _ a: Double) -> Double {
        switch kind {
        case .tanh: let t = Foundation.tanh(a); return 1 - t * t
        case .sigmoid: let s = 1 / (1 + Foundation.exp(-a)); return s * (1 - s)
        case .relu: return a > 0 ? 1 : 0
        case .linear: return 1
        }
    }

    static func readout(_ kind: Readout, _ o: [Double]) -> [Double] {
        switch kind {
        case .softmax:
            let e = o.map { Foundation.exp($0) }
            let z = e.reduce(0, +)
            return e.map { $0 / z }
        case .sigmoid: return o.map { 1 / (1 + Foundation.exp(-$0)) }
        case .linear, .none: return o
        }
    }

    static func loss(_ kind: LossKind, prediction p: [Double], target y: [Double]) -> Double {
        var total = 0.0
        for j in p.indices {
            switch kind {
            case .crossEntropy:
                if y[j] != 0 { total -= y[j] * Foundation.log(p[j]) }  // 0·log 0 = 0
            case .squaredError:
                total += 0.5 * (y[j] - p[j]) * (y[j] - p[j])
            case .binaryCrossEntropy:
                total -= y[j] * Foundation.log(p[j]) + (1 - y[j]) * Foundation.log(1 - p[j])
            }
        }
        return total
    }

    static func stepCount(_ e: SequenceExample, _ placement: OutputPlacement) -> Int {
        placement == .every ? max(e.inputs.rows, e.targets.rows) : e.inputs.rows
    }

    /// The target row of absolute step t, if any.
    static func target(_ e: SequenceExample, step t: Int, _ placement: OutputPlacement) -> [Double]? {
        switch placement {
        case .every: return t < e.targets.rows ? e.targets.row(t) : nil
        case .last: return t == e.inputs.rows - 1 ? e.targets.row(0) : nil
        }
    }

    func run(_ e: SequenceExample, span: Range<Int>, from entering: [Double], loss: LossKind) -> Run {
        let n = configuration.inputSize, d = configuration.hiddenSize, k = configuration.outputSize
        var run = Run()
        run.states = [entering]
        for t in span {
            let x = t < e.inputs.rows ? e.inputs.row(t) : [Double](repeating: 0, count: n)
            let prev = run.states.last!
            var a = [Double](repeating: 0, count: d)
            for j in 0..<d {
                var v = b?[j] ?? 0
                for i in 0..<n { v += x[i] * U[i][j] }
                for i in 0..<d { v += prev[i] * W[i][j] }
                a[j] = v
            }
            let s = a.map { Self.sigma(configuration.activation, $0) }
            var o = [Double](repeating: 0, count: k)
            for j in 0..<k {
                var v = c?[j] ?? 0
                for i in 0..<d { v += s[i] * V[i][j] }
                o[j] = v
            }
            let p = Self.readout(configuration.readout, o)
            run.preActivations.append(a)
            run.states.append(s)
            run.logits.append(o)
            run.predictions.append(p)
            if let y = Self.target(e, step: t, configuration.outputs) {
                run.losses[t] = Self.loss(loss, prediction: p, target: y)
            }
        }
        return run
    }

    func run(_ e: SequenceExample, loss: LossKind, from entering: [Double]? = nil) -> Run {
        let start = entering ?? [Double](repeating: 0, count: configuration.hiddenSize)
        return run(e, span: 0..<Self.stepCount(e, configuration.outputs), from: start, loss: loss)
    }
}

/// The loss of `example` under `parameters`, by the reference implementation.
func referenceLoss(
    _ configuration: ModelConfiguration, _ parameters: [Matrix], _ example: SequenceExample,
    _ loss: LossKind
) -> Double {
    ReferenceRNN(configuration: configuration, parameters: parameters).run(example, loss: loss).total
}

// MARK: - Fixtures

extension RandomSource {
    mutating func matrix(_ rows: Int, _ cols: Int, _ a: Double, _ b: Double) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.count { m.storage[i] = uniform(a, b) }
        return m
    }

    mutating func oneHotRows(_ rows: Int, _ k: Int) -> Matrix {
        var m = Matrix(rows: rows, cols: k)
        for r in 0..<rows { m[r, index(below: k)] = 1 }
        return m
    }
}

/// A model whose every parameter (biases too) is drawn from U(a, b).
func randomModel(
    _ configuration: ModelConfiguration, seed: UInt64, range: (Double, Double) = (-0.5, 0.5)
) -> RNNModel {
    var cfg = configuration
    cfg.initializer = .uniform(range.0, range.1)
    var random = RandomSource(seed: seed)
    var model = RNNModel(configuration: cfg, random: &random)
    for (i, shape) in cfg.parameterShapes.enumerated() where shape.role.isBias {
        model.parameters[i] = random.matrix(shape.rows, shape.cols, range.0, range.1)
    }
    return model
}

func configuration(
    n: Int = 3, d: Int = 4, k: Int = 3, _ activation: Activation = .tanh, _ readout: Readout = .softmax,
    outputs: OutputPlacement = .every, bias: Bool = true
) -> ModelConfiguration {
    ModelConfiguration(
        inputSize: n, hiddenSize: d, outputSize: k, activation: activation, readout: readout,
        outputs: outputs, bias: bias, initializer: .uniform(-0.5, 0.5))
}

/// One-hot rows for the given class indices.
func oneHot(_ classes: [Int], _ k: Int) -> Matrix {
    var m = Matrix(rows: classes.count, cols: k)
    for (r, c) in classes.enumerated() { m[r, c] = 1 }
    return m
}

func flatten(_ ms: [Matrix]) -> [Double] { ms.flatMap(\.storage) }
