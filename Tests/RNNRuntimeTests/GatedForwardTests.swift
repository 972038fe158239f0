import Foundation
import Testing
import RNNRuntime

/// One LSTM step and one GRU step worked out by hand from PyTorch's equations in
/// the row convention of SPEC §1 (x U + h W + b), n = 2, d = 2, k = 2, from a
/// nonzero initial state. Every matrix is non-symmetric and every gate has its own
/// values, so a transposed weight or two swapped gates change the numbers.
/// Decimals are rounded to 17 significant digits (worked in 40-digit arithmetic).
@Suite("Hand-worked LSTM and GRU steps")
struct GatedForwardTests {
    static func sigmoid(_ a: Double) -> Double { 1 / (1 + exp(-a)) }

    /// A model of the given cell whose parameters are set by name.
    static func model(_ cell: CellKind, readout: Readout, _ values: [String: [[Double]]]) -> RNNModel {
        let cfg = ModelConfiguration(
            inputSize: 2, hiddenSize: 2, outputSize: 2, readout: readout, outputs: .every, bias: true,
            initializer: .zeros, cell: cell)
        var random = RandomSource(seed: 1)
        var model = RNNModel(configuration: cfg, random: &random)
        #expect(Set(model.parameterNames) == Set(values.keys), "every parameter is set by hand")
        for (name, value) in values {
            guard let index = model.parameterIndex(named: name) else {
                Issue.record("no parameter named \(name)")
                continue
            }
            let m = Matrix(value)
            #expect(model.parameters[index].rows == m.rows && model.parameters[index].cols == m.cols, "\(name) shape")
            model.parameters[index] = m
        }
        return model
    }

    // MARK: - LSTM

    /// x_1 = [0.5, −1], h_0 = [0.2, −0.4], c_0 = [0.6, −0.3]; softmax readout, class target 1.
    static func lstm() -> (RNNModel, SequenceExample) {
        var model = Self.model(.lstm, readout: .softmax, [
            "U_i": [[0.1, 0.2], [-0.3, 0.4]], "W_i": [[0.5, -0.1], [0.2, 0.3]], "b_i": [[0.1, -0.1]],
            "U_f": [[-0.2, 0.3], [0.1, -0.5]], "W_f": [[0.4, 0.2], [-0.3, 0.1]], "b_f": [[0.5, 0.25]],
            "U_g": [[0.6, -0.4], [0.2, 0.1]], "W_g": [[-0.5, 0.3], [0.4, -0.2]], "b_g": [[0, 0.2]],
            "U_o": [[0.3, 0.1], [-0.2, -0.6]], "W_o": [[0.1, -0.4], [0.5, 0.2]], "b_o": [[-0.2, 0.3]],
            "V": [[1, -0.5], [0.25, 0.75]], "c": [[0.1, -0.2]],
        ])
        #expect(model.initialState.cols == 4, "LSTM state is [h, c], 2d wide")
        model.initialState = Matrix(row: [0.2, -0.4, 0.6, -0.3])  // [h_0, c_0]
        return (model, SequenceExample(inputs: Matrix([[0.5, -1]]), targets: oneHot([1], 2)))
    }

    @Test("one LSTM step: i, f, g, o, c_1, h_1, o_1, ŷ_1, L_1")
    func lstmStep() {
        let (model, example) = Self.lstm()
        let trace = model.forward(example, loss: .crossEntropy)
        let h0 = [0.2, -0.4], c0 = [0.6, -0.3]

        // i = sigmoid(x U_i + h_0 W_i + b_i)
        //   x U_i   = [0.5·0.1 + (−1)·(−0.3), 0.5·0.2 + (−1)·0.4]   = [0.35, −0.3]
        //   h_0 W_i = [0.2·0.5 + (−0.4)·0.2,  0.2·(−0.1) + (−0.4)·0.3] = [0.02, −0.14]
        //   a_i = [0.35 + 0.02 + 0.1, −0.3 − 0.14 − 0.1] = [0.47, −0.54]
        //   i = [σ(0.47), σ(−0.54)] = [0.61538375639118217, 0.36818758226389835]
        let i = [0.61538375639118217, 0.36818758226389835]
        // f = sigmoid(x U_f + h_0 W_f + b_f)
        //   x U_f   = [0.5·(−0.2) + (−1)·0.1, 0.5·0.3 + (−1)·(−0.5)] = [−0.2, 0.65]
        //   h_0 W_f = [0.2·0.4 + (−0.4)·(−0.3), 0.2·0.2 + (−0.4)·0.1] = [0.2, 0]
        //   a_f = [−0.2 + 0.2 + 0.5, 0.65 + 0 + 0.25] = [0.5, 0.9]
        //   f = [σ(0.5), σ(0.9)] = [0.62245933120185456, 0.71094950262500396]
        let f = [0.62245933120185456, 0.71094950262500396]
        // g = tanh(x U_g + h_0 W_g + b_g)
        //   x U_g   = [0.5·0.6 + (−1)·0.2, 0.5·(−0.4) + (−1)·0.1]      = [0.1, −0.3]
        //   h_0 W_g = [0.2·(−0.5) + (−0.4)·0.4, 0.2·0.3 + (−0.4)·(−0.2)] = [−0.26, 0.14]
        //   a_g = [0.1 − 0.26 + 0, −0.3 + 0.14 + 0.2] = [−0.16, 0.04]
        //   g = [tanh(−0.16), tanh(0.04)] = [−0.15864850429749892, 0.039978680311163571]
        let g = [-0.15864850429749892, 0.039978680311163571]
        // o = sigmoid(x U_o + h_0 W_o + b_o)
        //   x U_o   = [0.5·0.3 + (−1)·(−0.2), 0.5·0.1 + (−1)·(−0.6)] = [0.35, 0.65]
        //   h_0 W_o = [0.2·0.1 + (−0.4)·0.5, 0.2·(−0.4) + (−0.4)·0.2] = [−0.18, −0.16]
        //   a_o = [0.35 − 0.18 − 0.2, 0.65 − 0.16 + 0.3] = [−0.03, 0.79]
        //   o = [σ(−0.03), σ(0.79)] = [0.49250056244937961, 0.68783133058284039]
        let o = [0.49250056244937961, 0.68783133058284039]
        // The worked gate values are the equations' values.
        expectClose(i, [Self.sigmoid(0.47), Self.sigmoid(-0.54)], tol: 1e-15, "i")
        expectClose(f, [Self.sigmoid(0.5), Self.sigmoid(0.9)], tol: 1e-15, "f")
        expectClose(g, [tanh(-0.16), tanh(0.04)], tol: 1e-15, "g")
        expectClose(o, [Self.sigmoid(-0.03), Self.sigmoid(0.79)], tol: 1e-15, "o")
        // The trace reports each gate's activations: row t for step t, row 0 zeros.
        #expect(Set(trace.gates.keys) == ["i", "f", "g", "o"])
        for (name, value) in [("i", i), ("f", f), ("g", g), ("o", o)] {
            guard let m = trace.gates[name] else { continue }
            #expect(m.rows == 2 && m.cols == 2 && m.row(0) == [0, 0], "gate \(name) shape")
            expectClose(m.row(1), value, "gate \(name) in the trace")
        }

        // c_1 = f ⊙ c_0 + i ⊙ g
        //     = [0.62245933·0.6 + 0.61538376·(−0.15864850), 0.71094950·(−0.3) + 0.36818758·0.03997868]
        //     = [0.27584588620067525, −0.19856519714163256]
        // h_1 = o ⊙ tanh(c_1) = [0.49250056·0.26905601, 0.68783133·(−0.19599602)]
        //     = [0.13251023723585926, −0.13481220552489272]
        let c1 = [0.27584588620067525, -0.19856519714163256]
        let h1 = [0.13251023723585926, -0.13481220552489272]
        expectClose(c1, (0..<2).map { f[$0] * c0[$0] + i[$0] * g[$0] }, tol: 1e-15, "c_1 from the gates")
        expectClose(h1, (0..<2).map { o[$0] * tanh(c1[$0]) }, tol: 1e-15, "h_1 from the gates")

        // The trace: states are [h, c] rows, row 0 the initial state.
        #expect(trace.states.rows == 2 && trace.states.cols == 4)
        expectClose(trace.states.row(0), h0 + c0, tol: 0, "s_0 = [h_0, c_0]")
        expectClose(Array(trace.states.row(1)[0..<2]), h1, "h_1")
        expectClose(Array(trace.states.row(1)[2..<4]), c1, "c_1")
        expectClose(trace.finalState.row(0), h1 + c1, "final state")

        // o_1 = h_1 V + c = [0.13251024·1 + (−0.13481221)·0.25, 0.13251024·(−0.5) + (−0.13481221)·0.75] + [0.1, −0.2]
        //     = [0.098807185854636082, −0.16736427276159917] + [0.1, −0.2] = [0.19880718585463608, −0.36736427276159917]
        // ŷ_1 = softmax(o_1) = [0.63787929071154814, 0.36212070928845186]
        // L_1 = −log ŷ_1[1] = 1.0157776716657479;  ∂L/∂o_1 = ŷ_1 − y_1 = [0.63787929, −0.63787929]
        expectClose(trace.logits.row(0), [0.19880718585463608, -0.36736427276159917], "o_1")
        expectClose(trace.outputs.row(0), [0.63787929071154814, 0.36212070928845186], "ŷ_1")
        expectClose(trace.stepLosses, [1.0157776716657479], "L_1")
        expectClose(trace.outputGradients.row(0), [0.63787929071154814, -0.63787929071154814], "∂L/∂o_1")
    }

    @Test("LSTM: the gates are in PyTorch's order i, f, g, o (swapping two changes h_1)")
    func lstmGateOrder() {
        let (model, example) = Self.lstm()
        let h1 = model.forward(example, loss: .crossEntropy).states.row(1)
        for (a, b) in [("i", "f"), ("f", "g"), ("g", "o"), ("i", "o")] {
            var swapped = model
            for p in ["U_", "W_", "b_"] {
                let ia = model.parameterIndex(named: p + a)!, ib = model.parameterIndex(named: p + b)!
                swapped.parameters.swapAt(ia, ib)
            }
            let other = swapped.forward(example, loss: .crossEntropy).states.row(1)
            #expect(zip(h1, other).contains { abs($0 - $1) > 1e-3 }, "swapping \(a) and \(b)")
        }
    }

    // MARK: - GRU

    /// x_1 = [0.5, −1], h_0 = [0.3, −0.6]; sigmoid readout, target [0.25, 0.75].
    static func gru() -> (RNNModel, SequenceExample) {
        var model = Self.model(.gru, readout: .sigmoid, [
            "U_r": [[0.2, -0.1], [0.4, 0.3]], "W_r": [[-0.3, 0.5], [0.1, 0.2]], "b_r": [[0.1, 0.2]],
            "U_z": [[0.5, 0.2], [-0.1, 0.3]], "W_z": [[0.2, -0.4], [0.6, 0.1]], "b_z": [[-0.3, 0.1]],
            "U_n": [[-0.4, 0.6], [0.3, -0.2]], "W_n": [[0.7, 0.1], [-0.2, 0.4]], "b_n": [[0.05, -0.15]],
            "bh_n": [[0.3, -0.25]],
            "V": [[0.5, -1], [1.5, 0.25]], "c": [[-0.1, 0.2]],
        ])
        #expect(model.initialState.cols == 2, "GRU state is h, d wide")
        model.initialState = Matrix(row: [0.3, -0.6])
        return (model, SequenceExample(inputs: Matrix([[0.5, -1]]), targets: Matrix([[0.25, 0.75]])))
    }

    /// h_1 of the worked GRU step.
    static let gruH1 = [0.02603428043132215, -0.18252775286300259]

    @Test("one GRU step: r, z, n, h_1, o_1, ŷ_1, L_1")
    func gruStep() {
        let (model, example) = Self.gru()
        let trace = model.forward(example, loss: .binaryCrossEntropy)
        let h0 = [0.3, -0.6]

        // r = sigmoid(x U_r + h_0 W_r + b_r)
        //   x U_r   = [0.5·0.2 + (−1)·0.4, 0.5·(−0.1) + (−1)·0.3]   = [−0.3, −0.35]
        //   h_0 W_r = [0.3·(−0.3) + (−0.6)·0.1, 0.3·0.5 + (−0.6)·0.2] = [−0.15, 0.03]
        //   a_r = [−0.3 − 0.15 + 0.1, −0.35 + 0.03 + 0.2] = [−0.35, −0.12]
        //   r = [σ(−0.35), σ(−0.12)] = [0.41338242108266994, 0.47003594823542825]
        let r = [0.41338242108266994, 0.47003594823542825]
        // z = sigmoid(x U_z + h_0 W_z + b_z)
        //   x U_z   = [0.5·0.5 + (−1)·(−0.1), 0.5·0.2 + (−1)·0.3]   = [0.35, −0.2]
        //   h_0 W_z = [0.3·0.2 + (−0.6)·0.6, 0.3·(−0.4) + (−0.6)·0.1] = [−0.3, −0.18]
        //   a_z = [0.35 − 0.3 − 0.3, −0.2 − 0.18 + 0.1] = [−0.25, −0.28]
        //   z = [σ(−0.25), σ(−0.28)] = [0.4378234991142019, 0.43045377606077098]
        let z = [0.4378234991142019, 0.43045377606077098]
        // n = tanh(x U_n + b_n + r ⊙ (h_0 W_n + bh_n))
        //   x U_n + b_n     = [0.5·(−0.4) + (−1)·0.3, 0.5·0.6 + (−1)·(−0.2)] + [0.05, −0.15] = [−0.5, 0.5] + [0.05, −0.15] = [−0.45, 0.35]
        //   h_0 W_n + bh_n  = [0.3·0.7 + (−0.6)·(−0.2), 0.3·0.1 + (−0.6)·0.4] + [0.3, −0.25] = [0.33, −0.21] + [0.3, −0.25] = [0.63, −0.46]
        //   a_n = [−0.45 + 0.41338242·0.63, 0.35 + 0.47003595·(−0.46)] = [−0.18956907471791794, 0.13378346381170301]
        //   n = tanh(a_n) = [−0.18733043650348507, 0.13299098403212658]
        let aN = [-0.18956907471791794, 0.13378346381170301]
        let n = [-0.18733043650348507, 0.13299098403212658]
        expectClose(r, [Self.sigmoid(-0.35), Self.sigmoid(-0.12)], tol: 1e-15, "r")
        expectClose(z, [Self.sigmoid(-0.25), Self.sigmoid(-0.28)], tol: 1e-15, "z")
        expectClose(aN, [-0.45 + r[0] * 0.63, 0.35 + r[1] * -0.46], tol: 1e-15, "a_n")
        expectClose(n, aN.map { tanh($0) }, tol: 1e-15, "n")
        // The trace reports each gate's activations: row t for step t, row 0 zeros.
        #expect(Set(trace.gates.keys) == ["r", "z", "n"])
        for (name, value) in [("r", r), ("z", z), ("n", n)] {
            guard let m = trace.gates[name] else { continue }
            #expect(m.rows == 2 && m.cols == 2 && m.row(0) == [0, 0], "gate \(name) shape")
            expectClose(m.row(1), value, "gate \(name) in the trace")
        }

        // h_1 = (1 − z) ⊙ n + z ⊙ h_0
        //     = [0.56217650·(−0.18733044) + 0.43782350·0.3, 0.56954622·0.13299098 + 0.43045378·(−0.6)]
        //     = [0.02603428043132215, −0.18252775286300259]
        let h1 = Self.gruH1
        expectClose(h1, (0..<2).map { (1 - z[$0]) * n[$0] + z[$0] * h0[$0] }, tol: 1e-15, "h_1 from the gates")

        #expect(trace.states.rows == 2 && trace.states.cols == 2)
        expectClose(trace.states.row(0), h0, tol: 0, "h_0")
        expectClose(trace.states.row(1), h1, "h_1")

        // o_1 = h_1 V + c = [−0.36077448907884282, 0.1283337813529272]
        // ŷ_1 = sigmoid(o_1) = [0.41077209691247835, 0.5320394843877345]
        // L_1 = −Σ_j (y log ŷ + (1 − y) log(1 − ŷ)) with y = [0.25, 0.75]: 1.2822568791612201
        // ∂L/∂o_1 = ŷ_1 − y_1 = [0.16077209691247835, −0.2179605156122655]
        expectClose(trace.logits.row(0), [-0.36077448907884282, 0.1283337813529272], "o_1")
        expectClose(trace.outputs.row(0), [0.41077209691247835, 0.5320394843877345], "ŷ_1")
        expectClose(trace.stepLosses, [1.2822568791612201], "L_1")
        expectClose(trace.outputGradients.row(0), [0.16077209691247835, -0.2179605156122655], "∂L/∂o_1")
    }

    @Test("GRU: the other published variants give other h_1, so the step above pins PyTorch's")
    func gruVariantsDiffer() {
        // bh_n outside the reset product, n = tanh(x U_n + b_n + r ⊙ (h W_n) + bh_n):
        //   h_1 = [0.12371102565505738, −0.25753615553338137]
        // reset before the product (Cho et al.), n = tanh(x U_n + b_n + (r ⊙ h) W_n + bh_n):
        //   h_1 = [0.12753252833597251, −0.25850415918457483]
        // z weighting the candidate, h_1 = z ⊙ n + (1 − z) ⊙ h_0:
        //   h_1 = [0.086635283065192782, −0.28448126310487082]
        let (model, example) = Self.gru()
        let h1 = model.forward(example, loss: .binaryCrossEntropy).states.row(1)
        for variant in [[0.12371102565505738, -0.25753615553338137], [0.12753252833597251, -0.25850415918457483],
                        [0.086635283065192782, -0.28448126310487082]] {
            #expect(abs(h1[0] - variant[0]) > 0.05 && abs(Self.gruH1[0] - variant[0]) > 0.05)
        }
        // b_n and bh_n are not interchangeable: moving b_n's value into bh_n changes h_1.
        var moved = model
        let bn = model.parameterIndex(named: "b_n")!, bhn = model.parameterIndex(named: "bh_n")!
        moved.parameters.swapAt(bn, bhn)
        let other = moved.forward(example, loss: .binaryCrossEntropy).states.row(1)
        #expect(abs(other[0] - h1[0]) > 1e-3)
    }

    @Test("stacked and vanilla models: gate activations keyed layerL.g, none for a vanilla RNN")
    func stackedGateKeys() {
        for (cell, names) in [(CellKind.lstm, ["i", "f", "g", "o"]), (.gru, ["r", "z", "n"]), (.rnn, [])] {
            let c = GatedCase(cell: cell, layers: 2, loss: .crossEntropy, outputs: .every, bias: true)
            let f = GatedFixture.make(c)
            let trace = f.model.forward(f.example, loss: .crossEntropy)
            #expect(Set(trace.gates.keys) == Set(names.flatMap { ["layer1." + $0, "layer2." + $0] }), "\(cell)")
            for (_, m) in trace.gates { #expect(m.rows == GatedFixture.T + 1 && m.cols == 4 && m.row(0) == [0, 0, 0, 0]) }
            // The top layer's output gate and cell state give its h: h_t = o ⊙ tanh(c_t).
            if cell == .lstm, let o = trace.gates["layer2.o"] {
                for t in 1...GatedFixture.T {
                    let s = trace.states.row(t)  // [h¹, c¹, h², c²]
                    expectClose(Array(s[8..<12]), (0..<4).map { o[t, $0] * tanh(s[12 + $0]) }, tol: 1e-14, "h²_\(t)")
                }
            }
        }
    }

    @Test("a zero initial state by default: S = 2d for LSTM, d for GRU, L times that when stacked")
    func defaultInitialState() {
        for (cell, layers, width) in [(CellKind.lstm, 1, 4), (.gru, 1, 2), (.lstm, 3, 12), (.gru, 2, 4), (.rnn, 3, 6)] {
            let cfg = ModelConfiguration(inputSize: 2, hiddenSize: 2, outputSize: 2, cell: cell, layers: layers)
            var random = RandomSource(seed: 3)
            let model = RNNModel(configuration: cfg, random: &random)
            #expect(model.initialState == Matrix(rows: 1, cols: width), "\(cell) ×\(layers)")
            #expect(cfg.stateWidth == width)
            // Biases start at zero; weights are drawn.
            for (shape, value) in zip(cfg.parameterShapes, model.parameters) {
                if shape.role.isBias { #expect(value.storage.allSatisfy { $0 == 0 }, "\(shape.name)") }
                else { #expect(value.storage.contains { $0 != 0 }, "\(shape.name)") }
            }
        }
    }
}
