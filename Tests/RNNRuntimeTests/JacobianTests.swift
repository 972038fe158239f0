import Foundation
import Testing
import RNNRuntime

@Suite("State Jacobians ∂s_t/∂s_k")
struct JacobianTests {
    static let activations: [Activation] = [.tanh, .sigmoid, .relu, .linear]

    static func fixture(_ activation: Activation) throws -> GradientFixture {
        try GradientFixture.make(GradientCase(
            activation: activation, readout: .softmax, loss: .crossEntropy, outputs: .every, bias: true))
    }

    /// ∂s_t/∂s_k by central differences: perturb the state entering `forward` at step k
    /// and read the state after step t (J[i][m] = ∂s_t[i]/∂s_k[m]).
    static func numericJacobian(_ model: RNNModel, _ example: SequenceExample, _ trace: ForwardTrace, t: Int, k: Int) -> Matrix {
        FiniteDifference.jacobian(
            of: { x in model.forward(example, span: k..<t, from: Matrix(row: x), loss: .crossEntropy).finalState.row(0) },
            at: trace.states.row(k), outputs: model.configuration.hiddenSize)
    }

    @Test("stateJacobian = finite-difference Jacobian of s_t with respect to s_k",
          arguments: activations, [(1, 0), (2, 1), (3, 1), (4, 2), (5, 0), (5, 4)])
    func againstFiniteDifferences(_ activation: Activation, _ tk: (Int, Int)) throws {
        let (t, k) = tk
        let f = try Self.fixture(activation)
        let trace = f.model.forward(f.example, loss: .crossEntropy)
        let J = f.model.stateJacobian(trace, from: t, to: k)
        #expect(J.rows == 4 && J.cols == 4)
        let numeric = Self.numericJacobian(f.model, f.example, trace, t: t, k: k)
        expectClose(J, numeric, tol: 1e-10, "∂s_\(t)/∂s_\(k)")
        #expect(J.frobeniusNorm > 1e-6, "not trivially zero")
    }

    @Test("∂s_t/∂s_{t−1} = diag(σ′(a_t)) Wᵀ", arguments: activations)
    func oneStep(_ activation: Activation) throws {
        let f = try Self.fixture(activation)
        let trace = f.model.forward(f.example, loss: .crossEntropy)
        let reference = ReferenceRNN(f.model).run(f.example, loss: .crossEntropy)
        let W = f.model.parameter(named: "W")!
        for t in 1...5 {
            var expected = Matrix(rows: 4, cols: 4)
            for i in 0..<4 {
                let g = ReferenceRNN.sigmaPrime(activation, reference.preActivations[t - 1][i])
                for m in 0..<4 { expected[i, m] = g * W[m, i] }
            }
            expectClose(f.model.stateJacobian(trace, from: t, to: t - 1), expected, tol: 1e-14, "t=\(t)")
        }
    }

    @Test("the chain rule: ∂s_5/∂s_1 = ∂s_5/∂s_3 · ∂s_3/∂s_1")
    func chainRule() throws {
        let f = try Self.fixture(.tanh)
        let trace = f.model.forward(f.example, loss: .crossEntropy)
        let whole = f.model.stateJacobian(trace, from: 5, to: 1)
        let product = f.model.stateJacobian(trace, from: 5, to: 3).matmul(f.model.stateJacobian(trace, from: 3, to: 1))
        expectClose(whole, product, tol: 1e-14)
    }

    @Test("∂s_t/∂s_0 with a nonzero initial state")
    func fromInitialState() throws {
        var f = try Self.fixture(.tanh)
        f.model.initialState = Matrix(row: [0.4, -0.3, 0.2, 0.1])
        let trace = f.model.forward(f.example, loss: .crossEntropy)
        #expect(trace.states.row(0) == [0.4, -0.3, 0.2, 0.1])
        expectClose(f.model.stateJacobian(trace, from: 3, to: 0),
                    Self.numericJacobian(f.model, f.example, trace, t: 3, k: 0), tol: 1e-10)
    }

    @Test("the lecture's bound ‖∂s_t/∂s_k‖₂ ≤ (γλ)^(t−k), λ = ‖W‖₂", arguments: [Activation.tanh, .sigmoid])
    func vanishingBound(_ activation: Activation) throws {
        let f = try Self.fixture(activation)
        let trace = f.model.forward(f.example, loss: .crossEntropy)
        let lambda = LinearAlgebra.spectralNorm(f.model.parameter(named: "W")!)
        let gamma = activation.maxDerivative
        #expect(gamma == (activation == .sigmoid ? 0.25 : 1))
        for k in 0..<5 {
            let norm = LinearAlgebra.spectralNorm(f.model.stateJacobian(trace, from: 5, to: k))
            #expect(norm <= pow(gamma * lambda, Double(5 - k)) * (1 + 1e-12), "k=\(k)")
        }
    }
}

@Suite("Spectral norm")
struct SpectralNormTests {
    @Test("diagonal: the largest |entry|")
    func diagonal() {
        expectClose(LinearAlgebra.spectralNorm(Matrix([[3, 0, 0], [0, -5, 0], [0, 0, 2]])), 5)
        expectClose(LinearAlgebra.spectralNorm(Matrix([[-4]])), 4)
        expectClose(LinearAlgebra.spectralNorm(Matrix([[1, 0], [0, 1]])), 1)
        #expect(LinearAlgebra.spectralNorm(Matrix(rows: 3, cols: 3)) == 0)
        #expect(LinearAlgebra.spectralNorm(Matrix(rows: 0, cols: 0)) == 0)
    }

    @Test("rank one u vᵀ has norm |u|·|v|")
    func rankOne() {
        // u = [1, 2, 2] (|u| = 3), v = [3, 4] (|v| = 5): ‖u vᵀ‖₂ = 15, as 3×2 and as 2×3.
        let u = [1.0, 2, 2], v = [3.0, 4]
        let a = Matrix(u.map { ui in v.map { ui * $0 } })
        expectClose(LinearAlgebra.spectralNorm(a), 15)
        expectClose(LinearAlgebra.spectralNorm(a.transposed), 15)
        // Frobenius equals the spectral norm for rank one.
        expectClose(a.frobeniusNorm, 15)
        // A row or column vector: its Euclidean length.
        expectClose(LinearAlgebra.spectralNorm(Matrix(row: [3, 4, 12])), 13)
        expectClose(LinearAlgebra.spectralNorm(Matrix(row: [3, 4, 12]).transposed), 13)
    }

    @Test("2×2 closed form: σ_max² = (S + √(S² − 4 det²))/2, S = a² + b² + c² + d²")
    func twoByTwo() {
        // [[1, 2], [3, 4]]: S = 30, det = −2, σ² = 15 + √221, σ = 5.4649857042190426505
        expectClose(LinearAlgebra.spectralNorm(Matrix([[1, 2], [3, 4]])), (15 + 221.0.squareRoot()).squareRoot())
        expectClose(LinearAlgebra.spectralNorm(Matrix([[1, 2], [3, 4]])), 5.4649857042190426505)
        // [[2, 1], [0, 2]] (not normal): S = 9, det = 4, σ² = (9 + √17)/2, σ = (1 + √17)/2 = 2.5615528128088302749
        expectClose(LinearAlgebra.spectralNorm(Matrix([[2, 1], [0, 2]])), 2.5615528128088302749)
        // 3·rotation: 3.
        let c = cos(0.7), s = sin(0.7)
        expectClose(LinearAlgebra.spectralNorm(Matrix([[3 * c, -3 * s], [3 * s, 3 * c]])), 3)
    }

    @Test("symmetric eigenvalues of a known matrix")
    func eigenvalues() {
        // [[2, 1, 0], [1, 2, 0], [0, 0, 5]]: eigenvalues 1, 3, 5.
        let e = LinearAlgebra.symmetricEigenvalues(Matrix([[2, 1, 0], [1, 2, 0], [0, 0, 5]])).sorted()
        expectClose(e, [1, 3, 5])
        // [[4, 1], [1, 4]]: 3, 5.
        expectClose(LinearAlgebra.symmetricEigenvalues(Matrix([[4, 1], [1, 4]])).sorted(), [3, 5])
        // A random symmetric S: Σλ = trace S and Σλ² = ‖S‖_F² (both invariant under rotations).
        var random = RandomSource(seed: 11)
        let a = random.matrix(4, 4, -1, 1)
        let sym = a + a.transposed
        let lambdas = LinearAlgebra.symmetricEigenvalues(sym)
        expectClose(lambdas.reduce(0, +), (0..<4).map { sym[$0, $0] }.reduce(0, +), tol: 1e-13)
        expectClose(lambdas.map { $0 * $0 }.reduce(0, +), sym.sumOfSquares, tol: 1e-13)
    }

    /// The largest singular value by power iteration on AᵀA (independent of Jacobi).
    static func powerIteration(_ a: Matrix) -> Double {
        let ata = a.transposed.matmul(a)
        var x = Matrix(rows: ata.rows, cols: 1, repeating: 1)
        var lambda = 0.0
        for _ in 0..<2000 {
            let y = ata.matmul(x)
            lambda = y.frobeniusNorm
            x = y.map { $0 / lambda }
        }
        return lambda.squareRoot()
    }

    @Test("random matrices: ‖A‖_F/√rank ≤ ‖A‖₂ ≤ ‖A‖_F, and power iteration agrees", arguments: [UInt64(1), 2, 3, 4, 5])
    func randomMatrices(_ seed: UInt64) {
        var random = RandomSource(seed: seed)
        for (r, c) in [(4, 4), (3, 5), (6, 2)] {
            let a = random.matrix(r, c, -1, 1)
            let norm = LinearAlgebra.spectralNorm(a)
            #expect(norm <= a.frobeniusNorm * (1 + 1e-14))
            #expect(norm >= a.frobeniusNorm / Double(min(r, c)).squareRoot() * (1 - 1e-14))
            expectClose(norm, Self.powerIteration(a), tol: 1e-9, "\(r)×\(c)")
            // ‖A‖₂ ≥ the norm of any column (A e_j).
            for j in 0..<c {
                let column = (0..<r).map { a[$0, j] }
                #expect(norm >= column.map { $0 * $0 }.reduce(0, +).squareRoot() * (1 - 1e-14))
            }
        }
    }
}
