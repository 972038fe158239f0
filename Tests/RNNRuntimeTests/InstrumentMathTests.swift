import Foundation
import Testing
import RNNRuntime

/// The runtime APIs behind the teaching instruments (`flow`, `decompose`,
/// `compare`): spectral norm and radius, every Jacobian ∂s_T/∂s_k in one sweep,
/// the gradient of one loss term, and truncated gradients, each against an
/// independent computation (known eigenvalues, finite differences on the
/// reference forward pass of TestSupport).
@Suite("Instrument math: spectral radius, Jacobian sweeps, loss terms, truncation")
struct InstrumentMathTests {
    // MARK: - Fixtures

    /// A random sequence of `steps` steps (real inputs, one-hot targets for softmax,
    /// values in (0.1, 0.9) otherwise).
    static func example(_ cfg: ModelConfiguration, steps: Int, seed: UInt64) -> SequenceExample {
        var random = RandomSource(seed: seed)
        let inputs = random.matrix(steps, cfg.inputSize, -1, 1)
        let targetRows = cfg.outputs == .last ? 1 : steps
        let targets = cfg.readout == .softmax
            ? random.oneHotRows(targetRows, cfg.outputSize)
            : random.matrix(targetRows, cfg.outputSize, 0.1, 0.9)
        return SequenceExample(inputs: inputs, targets: targets)
    }

    static func lossKind(_ readout: Readout) -> LossKind {
        switch readout {
        case .softmax: return .crossEntropy
        case .sigmoid: return .binaryCrossEntropy
        case .linear, .none: return .squaredError
        }
    }

    /// The largest singular value by power iteration on AᵀA (an algorithm unlike
    /// the runtime's Jacobi eigenvalues), with the Rayleigh quotient at the end.
    static func powerNorm(_ a: Matrix) -> Double {
        let ata = a.transposed.matmul(a)
        var v = Matrix(rows: ata.rows, cols: 1)
        for i in 0..<v.count { v.storage[i] = 1 + 0.1 * Double(i) }
        var previous = -1.0
        for _ in 0..<20_000 {
            let w = ata.matmul(v)
            let n = w.frobeniusNorm
            if n == 0 { return 0 }
            v = w.map { $0 / n }
            if abs(n - previous) <= 1e-16 * n { break }
            previous = n
        }
        let rayleigh = v.transposed.matmul(ata.matmul(v))[0, 0] / v.sumOfSquares
        return max(rayleigh, 0).squareRoot()
    }

    // MARK: - LinearAlgebra.spectralRadius and spectralNorm

    struct RadiusCase: Sendable, CustomTestStringConvertible {
        var name: String
        var matrix: [[Double]]
        var radius: Double
        var testDescription: String { name }
    }

    static let radiusCases: [RadiusCase] = [
        RadiusCase(name: "diagonal", matrix: [[0.5, 0, 0], [0, -0.9, 0], [0, 0, 0.3]], radius: 0.9),
        RadiusCase(name: "diagonal, negative dominant", matrix: [[-2, 0], [0, 1]], radius: 2),
        RadiusCase(name: "rotation-scaling a=0.3 b=0.4", matrix: [[0.3, -0.4], [0.4, 0.3]], radius: 0.5),
        RadiusCase(name: "rotation-scaling a=1.2 b=-0.5", matrix: [[1.2, 0.5], [-0.5, 1.2]], radius: 1.3),
        RadiusCase(name: "rotation-scaling a=0 b=2 (pure rotation ×2)", matrix: [[0, -2], [2, 0]], radius: 2),
        RadiusCase(name: "upper triangular", matrix: [[0.2, 5, 1], [0, -0.7, 3], [0, 0, 0.4]], radius: 0.7),
        RadiusCase(name: "lower triangular, ‖A‖₂ ≫ ρ", matrix: [[0.1, 0], [100, 0.2]], radius: 0.2),
        RadiusCase(name: "similar to diag(3, −1)", matrix: [[7, -4], [8, -5]], radius: 3),
        RadiusCase(name: "Jordan block (defective)", matrix: [[0.5, 1], [0, 0.5]], radius: 0.5),
        RadiusCase(name: "nilpotent", matrix: [[0, 1, 2], [0, 0, 3], [0, 0, 0]], radius: 0),
        RadiusCase(name: "zero", matrix: [[0, 0], [0, 0]], radius: 0),
        RadiusCase(name: "huge entries", matrix: [[1e150, 0], [0, -3e150]], radius: 3e150),
        RadiusCase(name: "tiny entries", matrix: [[1e-150, 2e-150], [0, -3e-150]], radius: 3e-150),
        RadiusCase(name: "1×1", matrix: [[-0.75]], radius: 0.75),
    ]

    @Test("spectralRadius equals the largest |eigenvalue| of matrices with known eigenvalues", arguments: radiusCases)
    func spectralRadiusKnown(_ c: RadiusCase) {
        let rho = LinearAlgebra.spectralRadius(Matrix(c.matrix))
        if c.radius == 0 {
            #expect(rho == 0, "ρ = \(rho)")
        } else {
            #expect(abs(rho - c.radius) <= 1e-10 * c.radius, "ρ = \(rho), expected \(c.radius)")
        }
    }

    @Test("spectralRadius of a block-diagonal matrix with a rotation block and a real block")
    func spectralRadiusBlocks() {
        // Blocks [[a, −b], [b, a]] (|λ| = √(a²+b²)) and a real eigenvalue; whichever is larger wins.
        for (a, b, real) in [(0.6, 0.8, 0.9), (0.6, 0.8, -1.1), (-0.1, 0.7, 0.2)] {
            let m = Matrix([[a, -b, 0], [b, a, 0], [0, 0, real]])
            let expected = max((a * a + b * b).squareRoot(), abs(real))
            let rho = LinearAlgebra.spectralRadius(m)
            #expect(abs(rho - expected) <= 1e-10 * expected, "a=\(a) b=\(b) real=\(real): ρ = \(rho), expected \(expected)")
        }
    }

    @Test("spectralRadius ≤ spectralNorm, equal for normal matrices")
    func radiusBelowNorm() {
        var random = RandomSource(seed: 99)
        for _ in 0..<20 {
            let m = random.matrix(4, 4, -1, 1)
            let rho = LinearAlgebra.spectralRadius(m), norm = LinearAlgebra.spectralNorm(m)
            #expect(rho <= norm * (1 + 1e-12) && rho > 0, "ρ \(rho), ‖A‖₂ \(norm)")
            // ρ(A) = lim ‖A^k‖^(1/k): ‖A^64‖^(1/64) is already within a few percent, from above.
            var p = m
            for _ in 0..<6 { p = p.matmul(p) }
            let gelfand = Foundation.pow(LinearAlgebra.spectralNorm(p), 1.0 / 64)
            #expect(rho <= gelfand * (1 + 1e-9) && rho >= gelfand * 0.9, "ρ \(rho), ‖A⁶⁴‖^(1/64) \(gelfand)")
            // A symmetric matrix is normal: ρ = ‖·‖₂.
            let s = m + m.transposed
            let rs = LinearAlgebra.spectralRadius(s), ns = LinearAlgebra.spectralNorm(s)
            #expect(abs(rs - ns) <= 1e-10 * ns, "symmetric: ρ \(rs), ‖A‖₂ \(ns)")
        }
    }

    @Test("spectralNorm of matrices with known singular values, and against power iteration")
    func spectralNormKnown() {
        expectClose(LinearAlgebra.spectralNorm(Matrix([[3, 0], [0, -5]])), 5, tol: 1e-14, "diag")
        expectClose(LinearAlgebra.spectralNorm(Matrix([[0.3, -0.4], [0.4, 0.3]])), 0.5, tol: 1e-14, "rotation-scaling")
        // u vᵀ has the single singular value ‖u‖‖v‖.
        let u = Matrix([[1], [2], [2]]), v = Matrix([[3, 4]])
        expectClose(LinearAlgebra.spectralNorm(u.matmul(v)), 15, tol: 1e-13, "rank one (3×2)")
        expectClose(LinearAlgebra.spectralNorm(v.transposed.matmul(u.transposed)), 15, tol: 1e-13, "rank one (2×3)")
        expectClose(LinearAlgebra.spectralNorm(Matrix([[0.1, 0], [100, 0.2]])),
                    Self.powerNorm(Matrix([[0.1, 0], [100, 0.2]])), tol: 1e-12, "triangular")
        var random = RandomSource(seed: 5)
        for (r, c) in [(4, 4), (3, 5), (6, 2)] {
            let m = random.matrix(r, c, -1, 1)
            let norm = LinearAlgebra.spectralNorm(m), power = Self.powerNorm(m)
            #expect(abs(norm - power) <= 1e-10 * power, "\(r)×\(c): \(norm) vs \(power)")
        }
    }

    // MARK: - stateJacobians (what `flow` reports)

    static let activations: [Activation] = [.tanh, .sigmoid, .relu, .linear]

    @Test("stateJacobians(from: t)[k] = finite-difference ∂s_t/∂s_k for every k, and the lecture's bound holds",
          arguments: activations)
    func jacobianSweep(_ activation: Activation) {
        let cfg = configuration(n: 3, d: 4, k: 3, activation, .softmax)
        let model = randomModel(cfg, seed: 17, range: (-0.8, 0.8))
        let e = Self.example(cfg, steps: 6, seed: 3)
        let trace = model.forward(e, loss: .crossEntropy)
        let reference = ReferenceRNN(model)
        let W = model.parameter(named: "W")!
        let lambda = Self.powerNorm(W)
        for t in [6, 4] {
            let all = model.stateJacobians(trace, from: t)
            #expect(all.count == t)
            for k in 0..<t {
                let numeric = FiniteDifference.jacobian(
                    of: { x in reference.run(e, span: k..<t, from: x, loss: .crossEntropy).states.last! },
                    at: trace.states.row(k), outputs: 4)
                expectClose(all[k], numeric, tol: 1e-9, "\(activation) ∂s_\(t)/∂s_\(k)")
                expectClose(all[k], model.stateJacobian(trace, from: t, to: k), tol: 1e-14, "sweep vs single, k=\(k)")
                let norm = LinearAlgebra.spectralNorm(all[k])
                let bound = Foundation.pow(activation.maxDerivative * lambda, Double(t - k))
                #expect(norm <= bound * (1 + 1e-12), "\(activation) t=\(t) k=\(k): ‖J‖ \(norm) > bound \(bound)")
            }
        }
    }

    @Test("the bound ‖∂s_T/∂s_k‖₂ ≤ (γ‖W‖₂)^(T−k) over many random models (γ = ¼ sigmoid, 1 tanh)")
    func boundOverRandomModels() {
        for activation in [Activation.tanh, .sigmoid] {
            for seed in UInt64(1)...12 {
                let cfg = configuration(n: 2, d: 3, k: 2, activation, .linear)
                let model = randomModel(cfg, seed: seed, range: (-2, 2))
                let e = Self.example(cfg, steps: 7, seed: seed + 100)
                let trace = model.forward(e, loss: .squaredError)
                let gl = activation.maxDerivative * LinearAlgebra.spectralNorm(model.parameter(named: "W")!)
                for (k, J) in model.stateJacobians(trace, from: 7).enumerated() {
                    let norm = LinearAlgebra.spectralNorm(J)
                    #expect(norm <= Foundation.pow(gl, Double(7 - k)) * (1 + 1e-12), "\(activation) seed \(seed) k \(k)")
                }
            }
        }
        #expect(Activation.tanh.maxDerivative == 1)
        #expect(Activation.sigmoid.maxDerivative == 0.25)
    }

    @Test("stateJacobians of gated cells: ∂[h_T, c_T]/∂[h_k, c_k] (LSTM) and ∂h_T/∂h_k (GRU) by finite differences",
          arguments: [CellKind.lstm, .gru])
    func gatedJacobianSweep(_ cell: CellKind) {
        let cfg = ModelConfiguration(inputSize: 3, hiddenSize: 3, outputSize: 2, readout: .linear, cell: cell)
        let model = randomModel(cfg, seed: 8, range: (-0.9, 0.9))
        let e = Self.example(cfg, steps: 5, seed: 4)
        let trace = model.forward(e, loss: .squaredError)
        let S = cfg.stateWidth
        #expect(S == (cell == .lstm ? 6 : 3))
        let all = model.stateJacobians(trace, from: 5)
        for k in 0..<5 {
            #expect(all[k].rows == S && all[k].cols == S)
            let numeric = FiniteDifference.jacobian(
                of: { x in model.forward(e, span: k..<5, from: Matrix(row: x), loss: .squaredError).finalState.row(0) },
                at: trace.states.row(k), outputs: S)
            expectClose(all[k], numeric, tol: 1e-9, "\(cell) ∂s_5/∂s_\(k)")
        }
    }

    // MARK: - lossTermGradients (what `decompose` without `at` splits into)

    struct TermCase: Sendable, CustomTestStringConvertible {
        var activation: Activation
        var readout: Readout
        var outputs: OutputPlacement = .every
        var bias = true
        var testDescription: String { "\(activation) \(readout) \(outputs)\(bias ? "" : " bias off")" }
    }

    static let termCases: [TermCase] = [
        TermCase(activation: .tanh, readout: .softmax),
        TermCase(activation: .sigmoid, readout: .sigmoid, bias: false),
        TermCase(activation: .relu, readout: .linear),
        TermCase(activation: .linear, readout: .softmax),
        TermCase(activation: .tanh, readout: .linear, outputs: .last),
    ]

    @Test("lossTermGradients(step: t) = finite-difference ∂L_t/∂θ, its value is L_t, and Σ_t of them is ∂L/∂θ",
          arguments: termCases)
    func lossTerms(_ c: TermCase) {
        let cfg = configuration(n: 3, d: 3, k: 2, c.activation, c.readout, outputs: c.outputs, bias: c.bias)
        let model = randomModel(cfg, seed: 23, range: (-0.7, 0.7))
        let loss = Self.lossKind(c.readout)
        let e = Self.example(cfg, steps: 5, seed: 9)
        let reference = ReferenceRNN(model).run(e, loss: loss)
        let full = model.lossAndGradients(e, loss: loss).gradients
        var sum = full.map { Matrix(rows: $0.rows, cols: $0.cols) }
        let steps = c.outputs == .last ? [4] : Array(0..<5)
        for t in steps {
            let term = model.lossTermGradients(e, step: t, loss: loss)
            expectClose(term.loss, reference.losses[t]!, tol: 1e-12, "L_\(t + 1)")
            let numeric = FiniteDifference.gradient(
                of: { p in ReferenceRNN(configuration: cfg, parameters: p).run(e, loss: loss).losses[t]! }, at: model.parameters)
            expectClose(term.gradients, numeric, tol: 1e-8, names: model.parameterNames)
            for i in sum.indices { sum[i].add(term.gradients[i]) }
        }
        expectClose(sum, full, tol: 1e-12, names: model.parameterNames)
    }

    @Test("lossTermGradients at a step without a target is zero (vector to sequence: targets past the inputs)")
    func lossTermWithoutInputs() {
        // Two inputs, four targets: steps 3 and 4 read zero inputs.
        let cfg = configuration(n: 2, d: 3, k: 2, .tanh, .linear)
        let model = randomModel(cfg, seed: 31)
        var random = RandomSource(seed: 2)
        let e = SequenceExample(inputs: random.matrix(2, 2, -1, 1), targets: random.matrix(4, 2, -1, 1))
        let reference = ReferenceRNN(model).run(e, loss: .squaredError)
        var sum = model.parameters.map { Matrix(rows: $0.rows, cols: $0.cols) }
        for t in 0..<4 {
            let term = model.lossTermGradients(e, step: t, loss: .squaredError)
            expectClose(term.loss, reference.losses[t]!, tol: 1e-12, "L_\(t + 1)")
            let numeric = FiniteDifference.gradient(
                of: { p in ReferenceRNN(configuration: cfg, parameters: p).run(e, loss: .squaredError).losses[t]! }, at: model.parameters)
            expectClose(term.gradients, numeric, tol: 1e-8, names: model.parameterNames)
            for i in sum.indices { sum[i].add(term.gradients[i]) }
        }
        expectClose(sum, model.lossAndGradients(e, loss: .squaredError).gradients, tol: 1e-12, names: model.parameterNames)
    }

    // MARK: - batchLossAndGradients under truncation (what `compare` subtracts)

    @Test("chunks(K): the sum over chunks of ∂(chunk loss)/∂θ with the entering state frozen, by finite differences",
          arguments: [2, 3, 7])
    func chunkGradients(_ K: Int) {
        let cfg = configuration(n: 3, d: 3, k: 3, .tanh, .softmax)
        let model = randomModel(cfg, seed: 41, range: (-0.8, 0.8))
        let e = Self.example(cfg, steps: 7, seed: 12)
        let got = model.batchLossAndGradients([e], loss: .crossEntropy, truncation: .chunks(K))
        // The entering states, computed once with the unperturbed weights.
        let states = ReferenceRNN(model).run(e, loss: .crossEntropy).states
        let starts = Array(stride(from: 0, to: 7, by: K))
        let numeric = FiniteDifference.gradient(of: { p in
            let r = ReferenceRNN(configuration: cfg, parameters: p)
            return starts.reduce(0.0) { total, start in
                total + r.run(e, span: start..<min(start + K, 7), from: states[start], loss: .crossEntropy).total
            }
        }, at: model.parameters)
        expectClose(got.gradients, numeric, tol: 1e-8, names: model.parameterNames)
        expectClose(got.losses[0], ReferenceRNN(model).run(e, loss: .crossEntropy).total, tol: 1e-12, "loss")
        // The readout's gradients do not depend on how far back paths go.
        let full = model.lossAndGradients(e, loss: .crossEntropy).gradients
        for name in ["V", "c"] {
            let i = model.parameterIndex(named: name)!
            expectClose(got.gradients[i], full[i], tol: 1e-12, "\(name) (chunks \(K))")
        }
        if K >= 7 { expectClose(got.gradients, full, tol: 1e-12, names: model.parameterNames) }
    }

    @Test("window(K): each L_t through its K most recent steps (s_{t−K} frozen), by finite differences",
          arguments: [1, 2, 4, 7])
    func windowGradients(_ K: Int) {
        let cfg = configuration(n: 3, d: 3, k: 2, .sigmoid, .linear)
        let model = randomModel(cfg, seed: 43, range: (-1.5, 1.5))
        let e = Self.example(cfg, steps: 7, seed: 14)
        let got = model.batchLossAndGradients([e], loss: .squaredError, truncation: .window(K))
        let states = ReferenceRNN(model).run(e, loss: .squaredError).states
        let numeric = FiniteDifference.gradient(of: { p in
            let r = ReferenceRNN(configuration: cfg, parameters: p)
            return (0..<7).reduce(0.0) { total, t in
                let start = max(0, t - K + 1)
                return total + r.run(e, span: start..<(t + 1), from: states[start], loss: .squaredError).losses[t]!
            }
        }, at: model.parameters)
        expectClose(got.gradients, numeric, tol: 1e-8, names: model.parameterNames)
        let full = model.lossAndGradients(e, loss: .squaredError).gradients
        for name in ["V", "c"] {
            let i = model.parameterIndex(named: name)!
            expectClose(got.gradients[i], full[i], tol: 1e-12, "\(name) (window \(K))")
        }
        if K >= 7 { expectClose(got.gradients, full, tol: 1e-12, names: model.parameterNames) }
    }
}
