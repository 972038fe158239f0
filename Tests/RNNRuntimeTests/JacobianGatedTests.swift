import Foundation
import Testing
import RNNRuntime

/// ∂s_t/∂s_k for LSTM (s = [h, c], 2d wide), GRU (s = h) and stacked models
/// (s = every layer's state, concatenated), SPEC §1 "Inspection".
@Suite("State Jacobians of gated and stacked cells")
struct JacobianGatedTests {
    /// (cell, layers) pairs, each with a nonzero initial state.
    static let models: [GatedCase] = [(CellKind.lstm, 1), (.gru, 1), (.lstm, 2), (.gru, 2), (.lstm, 3), (.gru, 3), (.rnn, 2), (.rnn, 3)]
        .map { GatedCase(cell: $0, layers: $1, loss: .crossEntropy, outputs: .every, bias: true) }

    static let steps: [(Int, Int)] = [(1, 0), (2, 1), (3, 1), (4, 2), (5, 0), (5, 4)]

    static func fixture(_ c: GatedCase) -> GatedFixture {
        var f = GatedFixture.make(c, seed: 11)
        f.model.initialState = GatedFixture.randomState(f.model.configuration, seed: 5)
        return f
    }

    /// ∂s_t/∂s_k by central differences: perturb the S-wide state entering
    /// `forward(_:span: k..<t, from:loss:)` and read the state after step t.
    /// (Each perturbed forward gives a whole column; `FiniteDifference.jacobian` reruns it per row.)
    static func numericJacobian(_ model: RNNModel, _ example: SequenceExample, _ trace: ForwardTrace, t: Int, k: Int) -> Matrix {
        let x = trace.states.row(k), S = model.configuration.stateWidth, h = 1e-4
        var J = Matrix(rows: S, cols: S)
        for m in 0..<S {
            func state(_ delta: Double) -> [Double] {
                var probe = x
                probe[m] += delta
                return model.forward(example, span: k..<t, from: Matrix(row: probe), loss: .crossEntropy).finalState.row(0)
            }
            // The five-point stencil of `FiniteDifference.derivative`, differences first.
            let p1 = state(h), m1 = state(-h), p2 = state(2 * h), m2 = state(-2 * h)
            for i in 0..<S { J[i, m] = (8 * (p1[i] - m1[i]) - (p2[i] - m2[i])) / (12 * h) }
        }
        return J
    }

    @Test("stateJacobian = finite-difference Jacobian of s_t with respect to s_k", arguments: models)
    func againstFiniteDifferences(_ c: GatedCase) {
        let f = Self.fixture(c)
        let model = f.model, S = model.configuration.stateWidth
        #expect(S == c.layers * (c.cell == .lstm ? 8 : 4))
        let trace = model.forward(f.example, loss: .crossEntropy)
        #expect(trace.states.cols == S)
        for (t, k) in Self.steps {
            let J = model.stateJacobian(trace, from: t, to: k)
            #expect(J.rows == S && J.cols == S)
            let numeric = Self.numericJacobian(model, f.example, trace, t: t, k: k)
            expectClose(J, numeric, tol: 1e-9, "∂s_\(t)/∂s_\(k)")
            #expect(J.frobeniusNorm > 1e-4, "not trivially zero")
        }
    }

    @Test("stateJacobians(from: t), every k in one sweep, = stateJacobian(from: t, to: k)", arguments: models)
    func sweepMatchesSingle(_ c: GatedCase) {
        let f = Self.fixture(c)
        let trace = f.model.forward(f.example, loss: .crossEntropy)
        for t in [1, 3, 5] {
            let all = f.model.stateJacobians(trace, from: t)
            #expect(all.count == t)
            for k in 0..<min(t, all.count) {
                expectClose(all[k], f.model.stateJacobian(trace, from: t, to: k), tol: 1e-14, "∂s_\(t)/∂s_\(k)")
            }
        }
    }

    @Test("the chain rule: ∂s_5/∂s_1 = ∂s_5/∂s_3 · ∂s_3/∂s_1", arguments: models)
    func chainRule(_ c: GatedCase) {
        let f = Self.fixture(c)
        let trace = f.model.forward(f.example, loss: .crossEntropy)
        let whole = f.model.stateJacobian(trace, from: 5, to: 1)
        let product = f.model.stateJacobian(trace, from: 5, to: 3).matmul(f.model.stateJacobian(trace, from: 3, to: 1))
        expectClose(whole, product, tol: 1e-13)
    }

    @Test("one LSTM step: ∂c_t/∂c_{t−1} = diag(f_t) and ∂c_t/∂h_{t−1} from the equations")
    func lstmOneStepBlocks() {
        let f = Self.fixture(Self.models[0])
        let model = f.model, d = 4
        let trace = model.forward(f.example, loss: .crossEntropy)
        let p = { (name: String) in model.parameter(named: name)! }
        let sigmoid = { (a: Double) in 1 / (1 + exp(-a)) }
        for t in 1...5 {
            let x = f.example.inputs.row(t - 1), h = Array(trace.states.row(t - 1)[0..<d]), c = Array(trace.states.row(t - 1)[d..<(2 * d)])
            func pre(_ g: String, _ j: Int) -> Double {
                var v = p("b_" + g)[0, j]
                for i in 0..<3 { v += x[i] * p("U_" + g)[i, j] }
                for i in 0..<d { v += h[i] * p("W_" + g)[i, j] }
                return v
            }
            let J = model.stateJacobian(trace, from: t, to: t - 1)
            for i in 0..<d {
                let ig = sigmoid(pre("i", i)), fg = sigmoid(pre("f", i)), gg = tanh(pre("g", i))
                for m in 0..<d {
                    // c_t = f ⊙ c_{t−1} + i ⊙ g: ∂c_t[i]/∂c_{t−1}[m] = f[i] δ_im.
                    expectClose(J[d + i, d + m], i == m ? fg : 0, tol: 1e-14, "∂c_\(t)[\(i)]/∂c_\(t - 1)[\(m)]")
                    // ∂c_t[i]/∂h_{t−1}[m] = c_{t−1}[i] f′ W_f[m][i] + g i′ W_i[m][i] + i g′ W_g[m][i].
                    let expected = c[i] * fg * (1 - fg) * p("W_f")[m, i] + gg * ig * (1 - ig) * p("W_i")[m, i]
                        + ig * (1 - gg * gg) * p("W_g")[m, i]
                    expectClose(J[d + i, m], expected, tol: 1e-14, "∂c_\(t)[\(i)]/∂h_\(t - 1)[\(m)]")
                }
            }
        }
    }

    @Test("one GRU step: ∂h_t/∂h_{t−1} from the equations (the direct path z plus the gates')")
    func gruOneStep() {
        let f = Self.fixture(Self.models[1])
        let model = f.model, d = 4
        let trace = model.forward(f.example, loss: .crossEntropy)
        let p = { (name: String) in model.parameter(named: name)! }
        let sigmoid = { (a: Double) in 1 / (1 + exp(-a)) }
        for t in 1...5 {
            let x = f.example.inputs.row(t - 1), h = trace.states.row(t - 1)
            func side(_ g: String, _ j: Int, input: Bool) -> Double {
                var v = 0.0
                if input { v = p("b_" + g)[0, j]; for i in 0..<3 { v += x[i] * p("U_" + g)[i, j] } }
                else { for i in 0..<d { v += h[i] * p("W_" + g)[i, j] } }
                return v
            }
            let J = model.stateJacobian(trace, from: t, to: t - 1)
            for i in 0..<d {
                let r = sigmoid(side("r", i, input: true) + side("r", i, input: false))
                let z = sigmoid(side("z", i, input: true) + side("z", i, input: false))
                let hidden = side("n", i, input: false) + p("bh_n")[0, i]
                let n = tanh(side("n", i, input: true) + r * hidden)
                for m in 0..<d {
                    // h_t = (1 − z) n + z h: ∂h_t[i]/∂h[m] = z δ_im + (h[i] − n) z′ W_z[m][i]
                    //   + (1 − z) n′ (r W_n[m][i] + hidden · r′ W_r[m][i])
                    let expected = (i == m ? z : 0) + (h[i] - n) * z * (1 - z) * p("W_z")[m, i]
                        + (1 - z) * (1 - n * n) * (r * p("W_n")[m, i] + hidden * r * (1 - r) * p("W_r")[m, i])
                    expectClose(J[i, m], expected, tol: 1e-14, "∂h_\(t)[\(i)]/∂h_\(t - 1)[\(m)]")
                }
            }
        }
    }

    @Test("stacked, one step: a lower layer does not read the layer above at the previous step (zero block)",
          arguments: models.filter { $0.layers > 1 })
    func stackedBlockStructure(_ c: GatedCase) {
        let f = Self.fixture(c)
        let trace = f.model.forward(f.example, loss: .crossEntropy)
        let w = c.cell == .lstm ? 8 : 4
        let J = f.model.stateJacobian(trace, from: 3, to: 2)
        for lower in 0..<c.layers {
            for upper in (lower + 1)..<c.layers {
                for i in 0..<w {
                    for m in 0..<w { #expect(J[lower * w + i, upper * w + m] == 0, "layer \(lower + 1) row \(i) vs layer \(upper + 1) col \(m)") }
                }
            }
            // A layer's own block and the block from the layer below (same step) are not zero.
            let own = (0..<w).contains { i in (0..<w).contains { J[lower * w + i, lower * w + $0] != 0 } }
            #expect(own)
            if lower > 0 {
                let below = (0..<w).contains { i in (0..<w).contains { J[lower * w + i, (lower - 1) * w + $0] != 0 } }
                #expect(below, "layer \(lower + 1) reads layer \(lower)'s h_t, which depends on its h_{t−1}")
            }
        }
    }
}
