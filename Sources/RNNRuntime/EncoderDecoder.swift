/// An encoder–decoder (sequence to sequence; seeds 003 and 004's machine
/// translation): two stacks of the same layers. The encoder reads a
/// sequence's source and keeps no readout; the decoder starts from the
/// encoder's final state, reads the previous target (nothing at its first
/// step: teacher forcing in training) and emits the targets:
///
///     h_t = cell_enc(x_t, h_{t−1}), t = 1…m        g_0 = h_m
///     g_j = cell_dec(y_{j−1}, g_{j−1}), y_0 = 0     ŷ_j = O(g_j V + c)
///
/// A sequence's source is its inputs up to and including the step of its
/// first target (what `lines of … paired` and `_` targets write), its answer
/// the targets from there on. Gradients are exact: ∂L/∂g_0 from the
/// decoder's backward walk seeds the encoder's at each source's last step.
extension ModelConfiguration {
    /// The encoder's layers alone: no readout, its output is its state.
    public var encoderConfiguration: ModelConfiguration {
        var c = self
        c.encoderDecoder = false
        c.readout = .none
        c.outputSize = hiddenSize
        c.outputs = .every
        return c
    }

    /// The decoder: the same layers reading the previous target (a row of the
    /// output's width), with the readout; the embedding is the encoder's only.
    public var decoderConfiguration: ModelConfiguration {
        var c = self
        c.encoderDecoder = false
        c.embedding = nil
        c.inputSize = outputSize
        c.outputs = .every
        return c
    }
}

extension SequenceExample.Steps {
    /// Steps `range` only.
    func steps(_ range: Range<Int>) -> Self {
        switch self {
        case let .dense(m):
            return .dense(Matrix(rows: range.count, cols: m.cols, storage: Array(m.storage[(range.lowerBound * m.cols)..<(range.upperBound * m.cols)])))
        case let .classes(c, width):
            return .classes(Array(c[range]), width: width)
        }
    }

    /// The same steps after a step of nothing (a zero row).
    func afterNothing() -> Self {
        switch self {
        case let .dense(m): return .dense(Matrix(rows: m.rows + 1, cols: m.cols, storage: [Double](repeating: 0, count: m.cols) + m.storage))
        case let .classes(c, width): return .classes([-1] + c, width: width)
        }
    }
}

extension SequenceExample {
    /// The first step (0-based) with a target, if any.
    public var firstTargetStep: Int? { (0..<targetCount).first { hasTarget(row: $0) } }

    /// The sequence as an encoder–decoder reads it: the encoder's `source` (the
    /// inputs up to and including the first step with a target; no targets)
    /// and the decoder's `answer` (the targets from that step on, each fed in
    /// at the step after its own).
    public var encoderDecoderParts: (source: SequenceExample, answer: SequenceExample) {
        let first = firstTargetStep ?? targetCount
        let noTargets = SequenceExample.Steps.classes([], width: targetSteps.width)
        let source = SequenceExample(inputs: inputSteps.steps(0..<min(first + 1, inputCount)), targets: noTargets)
        guard first < targetCount else { return (source, SequenceExample(inputs: noTargets, targets: noTargets)) }
        let targets = targetSteps.steps(first..<targetCount)
        var answer = SequenceExample(inputs: targetSteps.steps(first..<(targetCount - 1)).afterNothing(), targets: targets)
        answer.targetMask = targetMask.map { Array($0[first...]) }
        return (source, answer)
    }
}

/// The forward and backward pass of an encoder–decoder over one batch: two
/// workspaces, the encoder's final states handed to the decoder.
final class EncoderDecoderPass<F: RNNScalar>: BatchPass {
    let encoder: Workspace<F>, decoder: Workspace<F>
    let B: Int
    /// The encoder's parameters come first in the packed buffer.
    private let encoderCount: Int
    /// Each sequence's source length in the current batch.
    private var sourceLengths: [Int] = []
    var gradients: [F] = []
    var threadCount: Int { 1 }

    /// The longest source and answer of a data set (at least 1).
    struct Capacities { var source: Int, answer: Int }

    static func capacities(_ data: [SequenceExample]) -> Capacities {
        let parts = data.map(\.encoderDecoderParts)
        return Capacities(source: max(1, parts.map(\.source.inputCount).max() ?? 0),
                          answer: max(1, parts.map { $0.answer.stepCount(.every) }.max() ?? 0))
    }

    init(encoder: PackedNetwork<F>, decoder: PackedNetwork<F>, batch B: Int, capacities: Capacities) {
        self.B = B
        self.encoder = Workspace(network: encoder, batch: B, capacity: capacities.source)
        self.decoder = Workspace(network: decoder, batch: B, capacity: capacities.answer)
        encoderCount = encoder.values.count
    }

    func use(parameters: UnsafePointer<F>) {
        encoder.use(parameters: parameters)
        decoder.use(parameters: parameters + encoderCount)
    }

    /// The whole batch at once (`span` does not apply: no truncation).
    func forward(_ batch: [SequenceExample], span _: Range<Int>, entering: [F], loss: LossKind, scale: F) {
        let parts = batch.map(\.encoderDecoderParts)
        sourceLengths = parts.map(\.source.inputCount)
        encoder.forward(parts.map(\.source), span: 0..<(sourceLengths.max() ?? 0), entering: entering, loss: loss, scale: scale)
        let answerSteps = parts.map { $0.answer.stepCount(.every) }.max() ?? 0
        decoder.forward(parts.map(\.answer), span: 0..<answerSteps, entering: handover(), loss: loss, scale: scale)
    }

    /// Each sequence's encoder state after its own last source step (shorter
    /// sources run on over zero inputs to the batch's longest; those steps are not used).
    private func handover() -> [F] {
        let S = encoder.net.configuration.stateWidth
        var rows = [F](repeating: 0, count: B * S)
        var blocks: [Int: [F]] = [:]
        for b in 0..<B {
            let length = sourceLengths[b]
            let block = blocks[length] ?? encoder.state(block: length)
            blocks[length] = block
            for j in 0..<S { rows[b * S + j] = block[b * S + j] }
        }
        return rows
    }

    var sequenceLosses: [Double] { decoder.sequenceLosses }

    func firstNonFinite() -> String? {
        encoder.firstNonFinite().map { "\($0) of the encoder" } ?? decoder.firstNonFinite().map { "\($0) of the decoder" }
    }

    /// The decoder's walk down to g_0, then the encoder's, seeded with ∂L/∂g_0
    /// at each sequence's last source step.
    func backward(window _: Int?) {
        decoder.backward(window: nil, enteringGradient: true)
        let S = encoder.net.configuration.stateWidth, handed = decoder.enteringGradients
        var seeds: [Int: [F]] = [:]
        for b in 0..<B where sourceLengths[b] > 0 {
            let t = sourceLengths[b] - 1
            var rows = seeds[t] ?? [F](repeating: 0, count: B * S)
            for j in 0..<S { rows[b * S + j] = handed[b * S + j] }
            seeds[t] = rows
        }
        encoder.backward(window: nil, stateSeeds: seeds)
        gradients = encoder.grads + decoder.grads
    }

    /// The decoder's final states.
    func finalState() -> [F] { decoder.finalState() }
}

extension RNNModel {
    /// The encoder and decoder as models of their own, their parameters this
    /// model's (the encoder starts from this model's initial state).
    public var encoderDecoderParts: (encoder: RNNModel, decoder: RNNModel) {
        let encoding = configuration.encoderConfiguration, count = encoding.parameterShapes.count
        let decoding = configuration.decoderConfiguration
        return (RNNModel(configuration: encoding, parameters: Array(parameters[..<count]), initialState: initialState),
                RNNModel(configuration: decoding, parameters: Array(parameters[count...]), initialState: Matrix(rows: 1, cols: decoding.stateWidth)))
    }

    /// The losses of a batch (each sequence's Σ L_t over its answer) and the
    /// mean of their gradients, from one encoder–decoder pass.
    func encoderDecoderLossAndGradients<F: RNNScalar>(_: F.Type, _ batch: [SequenceExample], _ loss: LossKind, gradients: Bool) -> (losses: [Double], gradients: [Matrix]) {
        let parts = encoderDecoderParts
        let encoder = PackedNetwork<F>(parts.encoder), decoder = PackedNetwork<F>(parts.decoder)
        let pass = EncoderDecoderPass<F>(encoder: encoder, decoder: decoder, batch: batch.count, capacities: EncoderDecoderPass<F>.capacities(batch))
        let packed = PackedParameters(encoder, then: decoder, shapes: configuration.parameterShapes)
        packed.values.withUnsafeBufferPointer { values in
            pass.use(parameters: values.baseAddress!)
            pass.forward(batch, span: 0..<1, entering: Workspace<F>.entering(Array(repeating: initialState, count: batch.count)),
                         loss: loss, scale: F(1) / F(Double(batch.count)))
            if gradients { pass.backward(window: nil) }
        }
        return (pass.sequenceLosses, gradients ? packed.matrices(pass.gradients) : [])
    }

    /// An answer to `source`, one symbol at a time: the encoder reads the
    /// source, then the decoder is fed each chosen symbol (nothing first)
    /// until it chooses `stop` or has chosen `length`. `choose` picks a
    /// symbol from the decoder's logits o_j.
    public func decode(source: SequenceExample.Steps, length: Int, until stop: Int?, choose: ([Double]) -> Int) -> [Int] {
        let parts = encoderDecoderParts, k = configuration.outputSize
        let none = SequenceExample.Steps.classes([], width: k)
        var state = parts.encoder.forward(SequenceExample(inputs: source, targets: .classes([], width: parts.encoder.configuration.outputSize)),
                                          loss: .squaredError).finalState
        var previous: Int32 = -1, answer: [Int] = []
        while answer.count < length {
            let step = parts.decoder.forward(SequenceExample(inputs: .classes([previous], width: k), targets: none),
                                             span: 0..<1, from: state, loss: .crossEntropy)
            let symbol = choose(step.logits.row(0))
            answer.append(symbol)
            if symbol == stop { break }
            state = step.finalState
            previous = Int32(symbol)
        }
        return answer
    }
}
