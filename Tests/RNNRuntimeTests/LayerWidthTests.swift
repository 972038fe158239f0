import Testing
@testable import RNNRuntime

/// Stacks whose layers have their own widths (`hidden [3, 5, 2]`): exact BPTT
/// and state Jacobians, checked against central finite differences.
struct LayerWidthTests {
    static func model(_ cell: CellKind, readout: Readout, seed: UInt64 = 4) -> RNNModel {
        var configuration = ModelConfiguration(inputSize: 2, hiddenSize: 2, outputSize: readout == .none ? 2 : 3)
        configuration.cell = cell
        configuration.layers = 3
        configuration.layerWidths = [3, 5, 2]
        configuration.readout = readout
        configuration.initializer = .uniform(-0.7, 0.7)
        var random = RandomSource(seed: seed)
        return RNNModel(configuration: configuration, random: &random)
    }

    static let inputs = Matrix(rows: 4, cols: 2, storage: [0.5, -0.1, 0.2, 0.9, -0.7, 0.3, 0.1, 0.1])

    @Test("shapes: U_ℓ is d_{ℓ−1}×d_ℓ, W_ℓ d_ℓ×d_ℓ, V d_top×k; the state is every layer's, concatenated", arguments: CellKind.allCases)
    func shapes(cell: CellKind) {
        let c = Self.model(cell, readout: .linear).configuration
        let shapes = Dictionary(uniqueKeysWithValues: c.parameterShapes.map { ($0.name, ($0.rows, $0.cols)) })
        let gate = cell == .rnn ? "" : "_" + cell.gates[0]
        #expect(shapes["layer1.U" + gate]! == (2, 3) && shapes["layer2.U" + gate]! == (3, 5) && shapes["layer3.U" + gate]! == (5, 2))
        #expect(shapes["layer2.W" + gate]! == (5, 5) && shapes["V"]! == (2, 3))
        let per = cell == .lstm ? 2 : 1
        #expect(c.stateWidth == per * (3 + 5 + 2) && c.stateOffset(layer: 2) == per * 8)
        #expect(Double(c.parameterCount) == c.parameterCountEstimate)
    }

    @Test("BPTT agrees with central finite differences", arguments: CellKind.allCases, [Readout.linear, .none])
    func gradients(cell: CellKind, readout: Readout) {
        let model = Self.model(cell, readout: readout)
        let k = model.configuration.outputSize
        let example = SequenceExample(inputs: Self.inputs, targets: Matrix(rows: 4, cols: k, storage: (0..<(4 * k)).map { Double($0 % 5) * 0.2 - 0.4 }))
        let errors = model.gradientCheck(example, loss: .squaredError)
        #expect(errors.allSatisfy { $0 < 1e-6 }, "\(zip(model.parameterNames, errors).map { "\($0) \($1)" })")
    }

    @Test("∂s_t/∂s_k over the concatenated state agrees with finite differences", arguments: CellKind.allCases)
    func jacobians(cell: CellKind) {
        let model = Self.model(cell, readout: .linear)
        let example = SequenceExample(inputs: Self.inputs, targets: Matrix(rows: 4, cols: 3))
        let trace = model.forward(example, loss: .squaredError)
        for (t, k) in [(4, 1), (3, 2), (2, 0)] {
            let J = model.stateJacobian(trace, from: t, to: k)
            let numeric = JacobianGatedTests.numericJacobian(model, example, trace, t: t, k: k)
            #expect(J.rows == model.configuration.stateWidth)
            let worst = zip(J.storage, numeric.storage).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-8, "∂s_\(t)/∂s_\(k): \(worst)")
        }
    }
}
