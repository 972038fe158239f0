import Testing
@testable import RNNRuntime

/// `embedding N`: a trainable E (vocabulary × N) in front of the first layer.
struct EmbeddingTests {
    static func model(_ cell: CellKind, layers: Int, embedding: Int = 3) -> RNNModel {
        var configuration = ModelConfiguration(inputSize: 5, hiddenSize: 4, outputSize: 5)
        configuration.cell = cell
        configuration.layers = layers
        configuration.embedding = embedding
        configuration.initializer = .uniform(-0.6, 0.6)
        var random = RandomSource(seed: 12)
        return RNNModel(configuration: configuration, random: &random)
    }

    static let classes = SequenceExample(inputs: .classes([0, 3, 1, 4, 3], width: 5), targets: .classes([3, 1, 4, 3, 2], width: 5))

    @Test("E is vocabulary × N and comes first; layer 1's U is N × d", arguments: CellKind.allCases)
    func shapes(cell: CellKind) {
        let c = Self.model(cell, layers: 1).configuration
        #expect(c.parameterShapes[0].name == "E" && c.parameterShapes[0].rows == 5 && c.parameterShapes[0].cols == 3)
        #expect(c.parameterShapes[1].rows == 3)
        #expect(Double(c.parameterCount) == c.parameterCountEstimate)
    }

    @Test("BPTT through the lookup agrees with central finite differences, one-hot and dense inputs",
          arguments: CellKind.allCases, [1, 2])
    func gradients(cell: CellKind, layers: Int) {
        let model = Self.model(cell, layers: layers)
        let dense = SequenceExample(inputs: Self.classes.inputs.map { $0 * 0.7 + 0.1 }, targets: Self.classes.targets)
        for example in [Self.classes, dense] {
            let errors = model.gradientCheck(example, loss: .crossEntropy)
            #expect(errors.allSatisfy { $0 < 1e-6 }, "\(zip(model.parameterNames, errors).map { "\($0) \($1)" })")
        }
    }

    @Test("a one-hot x_t reads row c_t of E: the same outputs as feeding E's rows as dense inputs to the model without E")
    func lookupIsTheRow() {
        let model = Self.model(.rnn, layers: 1)
        var plain = model.configuration
        plain.embedding = nil
        plain.inputSize = 3
        let without = RNNModel(configuration: plain, parameters: Array(model.parameters.dropFirst()), initialState: model.initialState)
        let E = model.parameters[0]
        let embedded = Matrix(rows: 5, cols: 3, storage: [0, 3, 1, 4, 3].flatMap { E.row($0) })
        let a = model.forward(Self.classes, loss: .crossEntropy)
        let b = without.forward(SequenceExample(inputs: embedded, targets: Self.classes.targets), loss: .crossEntropy)
        #expect(a.outputs == b.outputs && a.loss == b.loss)
    }
}
