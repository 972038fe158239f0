import Testing
@testable import RNNRuntime

/// Encoder–decoder models (`encoder on`): the decoder starts from the
/// encoder's final state. Gradients against finite differences, the pass
/// against the two parts run by hand, batches against single sequences.
struct EncoderDecoderTests {
    static func model(_ cell: CellKind, widths: [Int]? = nil, embedding: Int? = nil, seed: UInt64 = 9) -> RNNModel {
        var configuration = ModelConfiguration(inputSize: 4, hiddenSize: widths?.last ?? 3, outputSize: 4, cell: cell)
        if let widths { configuration.layers = widths.count; configuration.layerWidths = widths }
        configuration.embedding = embedding
        configuration.encoderDecoder = true
        configuration.initializer = .uniform(-0.8, 0.8)
        var random = RandomSource(seed: seed)
        return RNNModel(configuration: configuration, random: &random)
    }

    /// `lines of … paired` for source → answer (+ stop = 3): inputs source then
    /// the answer but its last symbol; targets `_` until the source's last step.
    static func pair(_ source: [Int32], _ answer: [Int32]) -> SequenceExample {
        let full = answer + [3]
        var example = SequenceExample(inputs: .classes(source + full.dropLast(), width: 4),
                                      targets: .classes([Int32](repeating: 0, count: source.count - 1) + full, width: 4))
        example.targetMask = [Bool](repeating: false, count: source.count - 1) + [Bool](repeating: true, count: full.count)
        return example
    }

    @Test("parameters: the encoder's (no readout), then the decoder's reading the previous target")
    func parameters() {
        let c = Self.model(.gru, embedding: 2).configuration
        let names = c.parameterShapes.map(\.name)
        #expect(names.first == "encoder.E" && names.contains("encoder.U_r") && names.contains("decoder.bh_n") && names.last == "decoder.c")
        #expect(!names.contains("encoder.V") && !names.contains("decoder.E"))
        let shapes = Dictionary(uniqueKeysWithValues: c.parameterShapes.map { ($0.name, ($0.rows, $0.cols)) })
        #expect(shapes["encoder.U_z"]! == (2, 3) && shapes["decoder.U_z"]! == (4, 3) && shapes["decoder.V"]! == (3, 4))
        #expect(Double(c.parameterCount) == c.parameterCountEstimate)
    }

    @Test("a pair splits into the source (to the first target) and the answer fed back one step late")
    func parts() {
        let (source, answer) = Self.pair([0, 1, 2], [2, 1]).encoderDecoderParts
        #expect(source.inputSteps == .classes([0, 1, 2], width: 4) && source.targetCount == 0)
        #expect(answer.inputSteps == .classes([-1, 2, 1], width: 4) && answer.targetSteps == .classes([2, 1, 3], width: 4))
        #expect(answer.targetMask == [true, true, true])
    }

    @Test("the loss is the decoder's, run from the encoder's final state", arguments: CellKind.allCases)
    func composition(cell: CellKind) {
        let model = Self.model(cell, widths: [3, 2])
        let example = Self.pair([0, 1, 2, 1], [2, 0])
        let (encoder, decoder) = model.encoderDecoderParts
        let (source, answer) = example.encoderDecoderParts
        let handed = encoder.forward(source, loss: .crossEntropy).finalState
        let expected = decoder.forward(answer, span: 0..<answer.stepCount(.every), from: handed, loss: .crossEntropy).loss
        #expect(model.sequenceLoss(example, loss: .crossEntropy) == expected)
        #expect(expected > 0)
    }

    @Test("BPTT through decoder and encoder agrees with finite differences", arguments: CellKind.allCases, [nil, [3, 2]] as [[Int]?])
    func gradients(cell: CellKind, widths: [Int]?) {
        let model = Self.model(cell, widths: widths)
        let errors = model.gradientCheck(Self.pair([0, 2, 1], [1, 2]), loss: .crossEntropy)
        #expect(errors.allSatisfy { $0 < 1e-6 }, "\(zip(model.parameterNames, errors).map { "\($0) \($1)" })")
    }

    @Test("with an embedding in front of the encoder")
    func embedding() {
        let model = Self.model(.lstm, embedding: 2)
        let errors = model.gradientCheck(Self.pair([1, 0], [0, 0, 1]), loss: .crossEntropy)
        #expect(errors.allSatisfy { $0 < 1e-6 }, "\(zip(model.parameterNames, errors).map { "\($0) \($1)" })")
    }

    @Test("a batch of sources of different lengths: the mean of the sequences run one by one", arguments: CellKind.allCases)
    func batch(cell: CellKind) {
        let model = Self.model(cell)
        let examples = [Self.pair([0, 1, 2, 2, 1], [1]), Self.pair([2], [0, 1, 2]), Self.pair([1, 1], [2, 2])]
        let together = model.batchLossAndGradients(examples, loss: .crossEntropy)
        var mean = model.parameters.map { Matrix(rows: $0.rows, cols: $0.cols) }
        for (b, example) in examples.enumerated() {
            let one = model.lossAndGradients(example, loss: .crossEntropy)
            expectClose(together.losses[b], one.loss, tol: 1e-14, "loss \(b)")
            for p in mean.indices { mean[p].add(one.gradients[p].map { $0 / 3 }) }
        }
        #expect(maxRelativeError(together.gradients, mean) < 1e-12)
    }

    @Test("training learns to reverse, and a frozen parameter stays as it was")
    func training() {
        var model = Self.model(.gru)
        let words: [[Int32]] = [[0, 1], [1, 2], [2, 0], [0, 0], [1, 0], [2, 1]]
        let data = words.map { Self.pair($0, $0.reversed()) }
        var settings = OptimizerSettings(kind: .adam)
        settings.lr = 0.05
        var optimizer = OptimizerState(settings: settings)
        var options = TrainingOptions(epochs: 60, batchSize: 2)
        let frozen = model.parameterIndex(named: "encoder.b_r")!
        options.frozen = [frozen]
        let before = model.parameters[frozen]
        var random = RandomSource(seed: 1)
        let result = model.train(on: data, loss: .crossEntropy, optimizer: &optimizer, options: options, random: &random)
        #expect(result.stop == nil && result.updates == 180)
        #expect(result.epochLosses.last! < 0.05 * result.epochLosses.first!, "\(result.epochLosses)")
        #expect(model.parameters[frozen] == before)
        for word in words {
            let answer = model.decode(source: .classes(word, width: 4), length: 5, until: 3) { logits in
                logits.indices.max { logits[$0] < logits[$1] }!
            }
            #expect(answer == word.reversed().map(Int.init) + [3])
        }
    }
}
