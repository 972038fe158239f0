import Testing
import RNNRuntime

/// `truncate K` (chunks) and `truncate K window`, SPEC §1 "Training".
@Suite("Truncated BPTT")
struct TruncationTests {
    static let T = 7

    static let cases: [GradientCase] = [
        GradientCase(activation: .tanh, readout: .softmax, loss: .crossEntropy, outputs: .every, bias: true),
        GradientCase(activation: .sigmoid, readout: .linear, loss: .squaredError, outputs: .every, bias: false),
        GradientCase(activation: .tanh, readout: .sigmoid, loss: .binaryCrossEntropy, outputs: .last, bias: true),
    ]

    static func fixture(_ c: GradientCase) throws -> GradientFixture { try GradientFixture.make(c, steps: T) }

    /// The model with other parameter values.
    static func with(_ model: RNNModel, _ theta: [Matrix]) -> RNNModel {
        var m = model
        m.parameters = theta
        return m
    }

    @Test("chunks(K): gradient = Σ over chunks of the finite-difference gradient of the chunk loss, entering state held",
          arguments: cases, [1, 2, 3, 4])
    func chunksAgainstFiniteDifferences(_ c: GradientCase, _ K: Int) throws {
        let f = try Self.fixture(c)
        let model = f.model, example = f.example
        let (loss, gradients) = model.lossAndGradients(example, loss: c.loss, truncation: .chunks(K))
        let full = model.lossAndGradients(example, loss: c.loss)
        let reference = ReferenceRNN(model).run(example, loss: c.loss)

        var expected = model.parameters.map { Matrix(rows: $0.rows, cols: $0.cols) }
        var expectedLoss = 0.0
        var state = model.initialState
        var chunkCount = 0
        for start in stride(from: 0, to: Self.T, by: K) {
            let span = start..<min(start + K, Self.T)
            let entering = state  // from the unperturbed run: a constant for this chunk
            expectClose(entering.row(0), reference.states[start], tol: 1e-13, "state entering chunk at \(start)")
            let numeric = FiniteDifference.gradient(
                of: { Self.with(model, $0).forward(example, span: span, from: entering, loss: c.loss).loss },
                at: model.parameters)
            for p in expected.indices { expected[p].add(numeric[p]) }
            let trace = model.forward(example, span: span, from: entering, loss: c.loss)
            #expect(trace.start == start)
            #expect(trace.stepCount == span.count)
            expectedLoss += trace.loss
            state = trace.finalState
            chunkCount += 1
        }
        #expect(chunkCount == (Self.T + K - 1) / K)
        let err = maxRelativeError(gradients, expected)
        #expect(err <= 1e-7, "max relative error \(err)")
        // The loss values are the full forward's: the state is carried, only gradients are cut.
        expectClose(loss, expectedLoss, tol: 1e-12, "chunk loss sum")
        expectClose(loss, full.loss, tol: 1e-12, "loss vs full")
        // And the cut matters: with several chunks the gradient is not full BPTT's.
        if K < Self.T && c.outputs == .every {
            #expect(maxRelativeError(gradients, full.gradients) > 1e-3)
        }
    }

    @Test("window(K): each L_t back-propagates through its K most recent steps (s_{t−K} frozen)",
          arguments: cases, [1, 2, 3, 5, 6])
    func windowAgainstFiniteDifferences(_ c: GradientCase, _ K: Int) throws {
        let f = try Self.fixture(c)
        let model = f.model, example = f.example
        let (loss, gradients) = model.lossAndGradients(example, loss: c.loss, truncation: .window(K))
        let trace = model.forward(example, loss: c.loss)
        let reference = ReferenceRNN(model).run(example, loss: c.loss)
        #expect(trace.states.rows == Self.T + 1)

        var expected = model.parameters.map { Matrix(rows: $0.rows, cols: $0.cols) }
        for (step, _) in reference.losses {
            let t = step + 1  // 1-based: L_t is the loss at s_t
            let first = max(0, t - K)  // s_first is a constant for L_t; steps first+1 … t are differentiated
            let frozen = trace.states.row(first)  // row 0 = entering state, row t = s_t
            expectClose(frozen, reference.states[first], tol: 1e-13, "s_\(first)")
            let Lt = { (theta: [Matrix]) -> Double in
                ReferenceRNN(configuration: model.configuration, parameters: theta)
                    .run(example, span: first..<t, from: frozen, loss: c.loss).losses[step]!
            }
            expectClose(Lt(model.parameters), reference.losses[step]!, tol: 1e-13, "L_\(t) from frozen state")
            let numeric = FiniteDifference.gradient(of: Lt, at: model.parameters)
            for p in expected.indices { expected[p].add(numeric[p]) }
        }
        let err = maxRelativeError(gradients, expected)
        #expect(err <= 1e-7, "max relative error \(err)")
        expectClose(loss, reference.total, tol: 1e-12, "loss")
        if K < Self.T {
            let full = model.lossAndGradients(example, loss: c.loss).gradients
            #expect(maxRelativeError(gradients, full) > 1e-6, "window \(K) should differ from full BPTT")
        }
    }

    @Test("window(K ≥ T), chunks(T) and chunks(K > T) are full BPTT", arguments: cases)
    func degenerateTruncationsAreFullBPTT(_ c: GradientCase) throws {
        let f = try Self.fixture(c)
        let full = f.model.lossAndGradients(f.example, loss: c.loss, truncation: .none)
        for truncation in [Truncation.window(Self.T), .window(Self.T + 5), .chunks(Self.T), .chunks(100)] {
            let (loss, gradients) = f.model.lossAndGradients(f.example, loss: c.loss, truncation: truncation)
            expectClose(loss, full.loss, tol: 1e-13, "\(truncation) loss")
            expectClose(gradients, full.gradients, tol: 1e-13, names: f.model.parameterNames)
        }
    }

    @Test("window(K) and chunks(K) differ from each other for 1 < K < T")
    func windowIsNotChunks() throws {
        let f = try Self.fixture(Self.cases[0])
        let w = f.model.lossAndGradients(f.example, loss: .crossEntropy, truncation: .window(3)).gradients
        let ch = f.model.lossAndGradients(f.example, loss: .crossEntropy, truncation: .chunks(3)).gradients
        #expect(maxRelativeError(w, ch) > 1e-3)
    }

    @Test("window(1): ∂L/∂W = Σ_t s_{t−1}ᵀ ∂L_t/∂a_t with no recurrence through W")
    func windowOneByHand() throws {
        // With K = 1 every L_t sees only a_t = x_t U + s_{t−1} W + b with s_{t−1} constant:
        // ∂L_t/∂a_t = (∂L_t/∂o_t Vᵀ) ⊙ σ′(a_t), and ∂L/∂W = Σ_t s_{t−1}ᵀ ∂L_t/∂a_t.
        let f = try Self.fixture(Self.cases[0])
        let model = f.model
        let g = model.lossAndGradients(f.example, loss: .crossEntropy, truncation: .window(1)).gradients
        let trace = model.forward(f.example, loss: .crossEntropy)
        let reference = ReferenceRNN(model).run(f.example, loss: .crossEntropy)
        let V = model.parameter(named: "V")!
        var dW = Matrix(rows: 4, cols: 4)
        for t in 0..<Self.T {
            let dO = trace.outputGradients.row(t)
            for j in 0..<4 {
                var ds = 0.0
                for m in 0..<3 { ds += dO[m] * V[j, m] }
                let da = ds * ReferenceRNN.sigmaPrime(.tanh, reference.preActivations[t][j])
                for i in 0..<4 { dW[i, j] += reference.states[t][i] * da }
            }
        }
        expectClose(g[model.parameterIndex(named: "W")!], dW, tol: 1e-13, "W")
    }
}
