import Foundation
import Testing
import RNNRuntime

/// Forward values and BPTT gradients worked out by hand (row-vector convention of
/// SPEC §1: a_t = x_t U + s_{t−1} W + b, s_t = σ(a_t), o_t = s_t V + c, ŷ_t = O(o_t)).
@Suite("Hand-worked examples")
struct HandWorkedTests {
    /// n = 1, d = 2, k = 2, σ = linear, O = linear, squared error, bias on, T = 2.
    /// Every number is a dyadic rational, so the runtime must reproduce them to rounding.
    static func linearModel() -> (RNNModel, SequenceExample) {
        let cfg = ModelConfiguration(
            inputSize: 1, hiddenSize: 2, outputSize: 2, activation: .linear, readout: .linear,
            outputs: .every, bias: true, initializer: .zeros)
        var random = RandomSource(seed: 1)
        var model = RNNModel(configuration: cfg, random: &random)
        #expect(model.parameterNames == ["U", "W", "b", "V", "c"])
        model.parameters[0] = Matrix([[1, -1]])                 // U
        model.parameters[1] = Matrix([[0.5, 0], [0.25, 0.5]])   // W
        model.parameters[2] = Matrix([[0, 0.5]])                // b
        model.parameters[3] = Matrix([[1, 0], [1, 1]])          // V
        model.parameters[4] = Matrix([[0, 0.25]])               // c
        let example = SequenceExample(inputs: Matrix([[1], [2]]), targets: Matrix([[1, 0], [0, 1]]))
        return (model, example)
    }

    @Test("linear RNN, linear readout, squared error: forward values")
    func linearForward() {
        let (model, example) = Self.linearModel()
        let trace = model.forward(example, loss: .squaredError)
        // t = 1: a_1 = x_1 U + s_0 W + b = [1, −1] + [0, 0] + [0, 0.5] = [1, −0.5];  s_1 = a_1
        //        o_1 = s_1 V + c = [1·1 + (−0.5)·1, 1·0 + (−0.5)·1] + [0, 0.25] = [0.5, −0.25] = ŷ_1
        //        ŷ_1 − y_1 = [−0.5, −0.25];  L_1 = ½(0.25 + 0.0625) = 0.15625
        // t = 2: s_1 W = [1·0.5 + (−0.5)·0.25, 1·0 + (−0.5)·0.5] = [0.375, −0.25]
        //        a_2 = 2·[1, −1] + [0.375, −0.25] + [0, 0.5] = [2.375, −1.75];  s_2 = a_2
        //        o_2 = [2.375 − 1.75, −1.75] + [0, 0.25] = [0.625, −1.5] = ŷ_2
        //        ŷ_2 − y_2 = [0.625, −2.5];  L_2 = ½(0.390625 + 6.25) = 3.3203125
        // L = 3.4765625
        expectClose(trace.states, Matrix([[0, 0], [1, -0.5], [2.375, -1.75]]), "states")
        expectClose(trace.logits, Matrix([[0.5, -0.25], [0.625, -1.5]]), "o")
        expectClose(trace.outputs, Matrix([[0.5, -0.25], [0.625, -1.5]]), "ŷ")
        expectClose(trace.outputGradients, Matrix([[-0.5, -0.25], [0.625, -2.5]]), "∂L/∂o")
        #expect(trace.targetSteps == [0, 1])
        expectClose(trace.stepLosses, [0.15625, 3.3203125], "L_t")
        expectClose(trace.loss, 3.4765625, "L")
        expectClose(trace.finalState.row(0), [2.375, -1.75], "s_T")
    }

    /// The gradients of `linearModel`, worked by hand below.
    static let linearGradients: [Matrix] = [
        Matrix([[1.0625, -5.28125]]),                       // U
        Matrix([[0.625, -1.875], [-0.3125, 0.9375]]),       // W
        Matrix([[0.4375, -3.40625]]),                       // b
        Matrix([[0.984375, -6.1875], [-0.84375, 4.5]]),     // V
        Matrix([[0.125, -2.75]]),                           // c
    ]

    @Test("linear RNN, linear readout, squared error: BPTT gradients")
    func linearGradients() {
        let (model, example) = Self.linearModel()
        // ∂L/∂o_t = ŷ_t − y_t:  dO_1 = [−0.5, −0.25],  dO_2 = [0.625, −2.5]
        // ∂L/∂c = dO_1 + dO_2 = [0.125, −2.75]
        // ∂L/∂V = s_1ᵀ dO_1 + s_2ᵀ dO_2
        //       = [[−0.5, −0.25], [0.25, 0.125]] + [[1.484375, −5.9375], [−1.09375, 4.375]]
        //       = [[0.984375, −6.1875], [−0.84375, 4.5]]
        // dS_2 = dO_2 Vᵀ = [0.625·1 + (−2.5)·0, 0.625·1 + (−2.5)·1] = [0.625, −1.875];  dA_2 = dS_2 (σ′ = 1)
        // dS_1 = dO_1 Vᵀ + dA_2 Wᵀ = [−0.5, −0.75] + [0.625·0.5 + (−1.875)·0, 0.625·0.25 + (−1.875)·0.5]
        //      = [−0.5, −0.75] + [0.3125, −0.78125] = [−0.1875, −1.53125];  dA_1 = dS_1
        // ∂L/∂b = dA_1 + dA_2 = [0.4375, −3.40625]
        // ∂L/∂U = x_1ᵀ dA_1 + x_2ᵀ dA_2 = [−0.1875, −1.53125] + 2·[0.625, −1.875] = [1.0625, −5.28125]
        // ∂L/∂W = s_0ᵀ dA_1 + s_1ᵀ dA_2 = 0 + [1, −0.5]ᵀ [0.625, −1.875] = [[0.625, −1.875], [−0.3125, 0.9375]]
        let (loss, g) = model.lossAndGradients(example, loss: .squaredError)
        expectClose(loss, 3.4765625)
        expectClose(g, Self.linearGradients, names: model.parameterNames)
        let trace = model.forward(example, loss: .squaredError)
        expectClose(model.gradients(of: trace), Self.linearGradients, names: model.parameterNames)
    }

    @Test("linear example: truncations by hand")
    func linearTruncations() {
        let (model, example) = Self.linearModel()
        // window(1): L_2 no longer reaches a_1, so dA_1 = dO_1 Vᵀ = [−0.5, −0.75] (dA_2 unchanged).
        //   ∂L/∂U = [−0.5, −0.75] + 2·[0.625, −1.875] = [0.75, −4.5]
        //   ∂L/∂b = [−0.5 + 0.625, −0.75 − 1.875] = [0.125, −2.625]
        //   ∂L/∂W = s_1ᵀ dA_2 (unchanged: s_1 is a constant either way) = [[0.625, −1.875], [−0.3125, 0.9375]]
        //   V and c are unchanged.
        let w = model.lossAndGradients(example, loss: .squaredError, truncation: .window(1))
        expectClose(w.loss, 3.4765625)
        expectClose(w.gradients[0], Matrix([[0.75, -4.5]]), "U")
        expectClose(w.gradients[1], Self.linearGradients[1], "W")
        expectClose(w.gradients[2], Matrix([[0.125, -2.625]]), "b")
        expectClose(w.gradients[3], Self.linearGradients[3], "V")
        expectClose(w.gradients[4], Self.linearGradients[4], "c")
        // chunks(1) gives the same numbers here: with one step per chunk and every step
        // scored, each chunk's gradient is the window(1) term of its step.
        let ch = model.lossAndGradients(example, loss: .squaredError, truncation: .chunks(1))
        expectClose(ch.loss, 3.4765625)
        expectClose(ch.gradients, w.gradients, names: model.parameterNames)
    }

    /// n = 2, d = 2, k = 2, σ = tanh, O = softmax, cross entropy, bias off, T = 2.
    static func tanhModel() -> (RNNModel, SequenceExample) {
        let cfg = ModelConfiguration(
            inputSize: 2, hiddenSize: 2, outputSize: 2, activation: .tanh, readout: .softmax,
            outputs: .every, bias: false, initializer: .zeros)
        var random = RandomSource(seed: 1)
        var model = RNNModel(configuration: cfg, random: &random)
        #expect(model.parameterNames == ["U", "W", "V"])
        model.parameters[0] = Matrix([[0.5, -0.5], [0.25, 1.0]])    // U
        model.parameters[1] = Matrix([[0.5, -0.25], [0.25, 0.5]])   // W
        model.parameters[2] = Matrix([[1, -1], [0.5, -0.25]])       // V
        // x_1 = [1, 0], x_2 = [0, 1]; targets: class 1, then class 0.
        let example = SequenceExample(inputs: Matrix([[1, 0], [0, 1]]), targets: Matrix([[0, 1], [1, 0]]))
        return (model, example)
    }

    @Test("tanh RNN, softmax, cross entropy: forward values and gradients")
    func tanhSoftmaxCrossEntropy() {
        let (model, example) = Self.tanhModel()
        let trace = model.forward(example, loss: .crossEntropy)
        // Decimal values below were evaluated with 40-digit arithmetic.
        // t = 1: a_1 = x_1 U = [0.5, −0.5];  s_1 = [τ, −τ], τ = tanh(0.5) = 0.46211715726000975850
        //        o_1 = s_1 V = [τ − 0.5τ, −τ + 0.25τ] = [0.5τ, −0.75τ] = [0.23105857863000487925, −0.34658786794500731888]
        //        ŷ_1 = softmax(o_1) = [1/(1 + e^{−1.25τ}), 1/(1 + e^{1.25τ})] = [0.64052567411235341156, 0.35947432588764658844]
        //        L_1 = −log ŷ_1[1] = log(1 + e^{1.25τ}) = 1.0231125205391731450
        let tau = tanh(0.5)
        expectClose(trace.states.row(1), [tau, -tau], "s_1")
        expectClose(trace.states.row(1), [0.46211715726000975850, -0.46211715726000975850], "s_1")
        expectClose(trace.logits.row(0), [0.23105857863000487925, -0.34658786794500731888], "o_1")
        expectClose(trace.outputs.row(0), [0.64052567411235341156, 0.35947432588764658844], "ŷ_1")
        expectClose(trace.stepLosses[0], log(1 + exp(1.25 * tau)), "L_1 closed form")
        expectClose(trace.stepLosses[0], 1.0231125205391731450, "L_1")
        // t = 2: a_2 = x_2 U + s_1 W = [0.25, 1] + [0.5τ − 0.25τ, −0.25τ − 0.5τ] = [0.25 + 0.25τ, 1 − 0.75τ]
        //            = [0.36552928931500243963, 0.65341213205499268112]
        //        s_2 = tanh(a_2) = [0.35007505475364739366, 0.57396251027012074352]
        //        o_2 = s_2 V = [s₁ + 0.5 s₂, −s₁ − 0.25 s₂] = [0.63705630988870776542, −0.49356568232117757954]
        //        ŷ_2 = [0.75595366728711477470, 0.24404633271288522530]
        //        L_2 = −log ŷ_2[0] = 0.27977519133796355726;   L = L_1 + L_2 = 1.3028877118771367023
        expectClose(trace.states.row(2), [tanh(0.25 + 0.25 * tau), tanh(1 - 0.75 * tau)], "s_2 closed form")
        expectClose(trace.states.row(2), [0.35007505475364739366, 0.57396251027012074352], "s_2")
        expectClose(trace.logits.row(1), [0.63705630988870776542, -0.49356568232117757954], "o_2")
        expectClose(trace.outputs.row(1), [0.75595366728711477470, 0.24404633271288522530], "ŷ_2")
        expectClose(trace.stepLosses[1], 0.27977519133796355726, "L_2")
        expectClose(trace.loss, 1.3028877118771367023, "L")

        // Backward: dO_t = ŷ_t − y_t
        //   dO_2 = [−0.24404633271288522530, 0.24404633271288522530]
        //   dS_2 = dO_2 Vᵀ = [dO₁ − dO₂, 0.5 dO₁ − 0.25 dO₂] = [−0.48809266542577045060, −0.18303474953466391897]
        //   dA_2 = dS_2 ⊙ (1 − s_2²) = [−0.42827566758924969439, −0.12273706962769905850]
        //   dO_1 = [0.64052567411235341156, −0.64052567411235341156]
        //   dS_1 = dO_1 Vᵀ + dA_2 Wᵀ = [1.0975977818370067406, 0.31195680387310310583]
        //   dA_1 = dS_1 ⊙ (1 − τ²) = [0.86320328723414452758, 0.24533772118929838102]
        expectClose(trace.outputGradients, Matrix([
            [0.64052567411235341156, -0.64052567411235341156],
            [-0.24404633271288522530, 0.24404633271288522530],
        ]), "∂L/∂o")
        // ∂L/∂U = x_1ᵀ dA_1 + x_2ᵀ dA_2 = [dA_1; dA_2] (x_1, x_2 are the unit rows)
        // ∂L/∂W = s_0ᵀ dA_1 + s_1ᵀ dA_2 = [τ, −τ]ᵀ dA_2
        // ∂L/∂V = s_1ᵀ dO_1 + s_2ᵀ dO_2
        let expected = [
            Matrix([[0.86320328723414452758, 0.24533772118929838102],
                    [-0.42827566758924969439, -0.12273706962769905850]]),
            Matrix([[-0.19791353402997696543, -0.056718905706776173199],
                    [0.19791353402997696543, 0.056718905706776173199]]),
            Matrix([[0.21056337038596203865, -0.21056337038596203865],
                    [-0.43607134941895687307, 0.43607134941895687307]]),
        ]
        let (loss, g) = model.lossAndGradients(example, loss: .crossEntropy)
        expectClose(loss, 1.3028877118771367023)
        expectClose(g, expected, names: model.parameterNames)
        // ∂L/∂W in closed form from the runtime's own dA_2 = ∂L/∂U row 2.
        expectClose(g[1].row(0), [tau * g[0][1, 0], tau * g[0][1, 1]], "W row 0 = τ dA_2")
    }

    /// The lecture's CS7015 example: vocabulary d, e, p, <stop>; inputs "d e e p",
    /// targets "e e p <stop>"; n = 4, d = 3, k = 4, tanh, softmax, cross entropy.
    static func cs7015(_ initializer: Initializer, seed: UInt64 = 4) -> (RNNModel, SequenceExample) {
        let cfg = ModelConfiguration(
            inputSize: 4, hiddenSize: 3, outputSize: 4, activation: .tanh, readout: .softmax,
            outputs: .every, bias: true, initializer: initializer)
        var random = RandomSource(seed: seed)
        let model = RNNModel(configuration: cfg, random: &random)
        // d = 0, e = 1, p = 2, <stop> = 3
        let example = SequenceExample(inputs: oneHot([0, 1, 1, 2], 4), targets: oneHot([1, 1, 2, 3], 4))
        return (model, example)
    }

    @Test("CS7015 example: shapes, uniform prediction gives exactly 4·ln 4, gradients at zero weights")
    func cs7015Uniform() {
        let (model, example) = Self.cs7015(.zeros)
        #expect(model.configuration.parameterShapes.map { "\($0.name) \($0.rows)×\($0.cols)" }
                == ["U 4×3", "W 3×3", "b 1×3", "V 3×4", "c 1×4"])
        #expect(model.parameters.allSatisfy { $0.storage.allSatisfy { $0 == 0 } })
        let trace = model.forward(example, loss: .crossEntropy)
        // All weights zero: o_t = 0, ŷ_t = [¼, ¼, ¼, ¼], L_t = ln 4, L = 4 ln 4.
        for t in 0..<4 { #expect(trace.outputs.row(t) == [0.25, 0.25, 0.25, 0.25]) }
        #expect(trace.stepLosses == [log(4.0), log(4.0), log(4.0), log(4.0)])
        #expect(trace.loss == 4 * log(4.0))
        expectClose(trace.loss, 5.5451774444795624753, tol: 1e-15)
        // Gradients at zero: ∂L/∂c = Σ_t (ŷ_t − y_t) = 4·¼ − (counts of e, e, p, <stop>) = [1, −1, 0, 0];
        // s_t = 0 so ∂L/∂V = 0; V = 0 so ∂L/∂s_t = 0 and U, W, b get nothing.
        let g = model.lossAndGradients(example, loss: .crossEntropy).gradients
        for name in ["U", "W", "b", "V"] {
            #expect(g[model.parameterIndex(named: name)!].storage.allSatisfy { $0 == 0 }, "\(name)")
        }
        expectClose(g[model.parameterIndex(named: "c")!], Matrix([[1, -1, 0, 0]]), "c")
    }

    @Test("CS7015 example: per-step losses are −log ŷ_t[c_t] and sum to the total", arguments: [UInt64(4), 5, 6])
    func cs7015StepLosses(_ seed: UInt64) {
        let (model, example) = Self.cs7015(.uniform(-0.5, 0.5), seed: seed)
        let trace = model.forward(example, loss: .crossEntropy)
        let classes = [1, 1, 2, 3]
        #expect(trace.stepLosses.count == 4)
        for t in 0..<4 {
            expectClose(trace.stepLosses[t], -log(trace.outputs[t, classes[t]]), tol: 1e-13, "L_\(t + 1)")
            expectClose(trace.outputs.row(t).reduce(0, +), 1, tol: 1e-15, "Σ ŷ_\(t + 1)")
        }
        let sum = trace.stepLosses.reduce(0, +)
        expectClose(trace.loss, sum, tol: 1e-15)
        expectClose(model.lossAndGradients(example, loss: .crossEntropy).loss, sum, tol: 1e-15)
        expectClose(model.loss(example, loss: .crossEntropy), sum, tol: 1e-15)
        #expect(abs(trace.loss - 4 * log(4.0)) > 1e-3, "random weights are not at the uniform point")
        let cfg = model.configuration
        let numeric = FiniteDifference.gradient(
            of: { referenceLoss(cfg, $0, example, .crossEntropy) }, at: model.parameters)
        let err = maxRelativeError(model.lossAndGradients(example, loss: .crossEntropy).gradients, numeric)
        #expect(err <= 1e-7, "max relative error \(err)")
    }
}
