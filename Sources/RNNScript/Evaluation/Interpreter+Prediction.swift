import RNNRuntime

/// `predict M on D` on symbol targets, and the choice of a symbol that
/// `sample` and `predict` share.
extension Interpreter {
    /// The predicted target symbols of one sequence:
    /// - an encoder–decoder reads the source, then answers on its own: each
    ///   chosen symbol is fed back, until `<stop>` (or 10 symbols beyond the
    ///   true answer's length);
    /// - a network whose inputs after its first target are its previous targets
    ///   (teacher forcing, as `lines of … paired` writes) likewise answers on
    ///   its own from the first target on;
    /// - otherwise the most probable symbol at each step with a target.
    func predictedSymbols(_ model: RNNModel, _ data: SequenceData) -> [Int] {
        let example = data.example, stop = data.targetVocabulary?.index(of: "<stop>")
        let answerLength = example.targetCount - (example.firstTargetStep ?? example.targetCount)
        let limit = stop == nil ? answerLength : answerLength + 10
        if model.configuration.encoderDecoder {
            return model.decode(source: example.encoderDecoderParts.source.inputSteps, length: limit, until: stop, choose: Self.mostProbable)
        }
        if let first = Self.teacherForcedStart(data, model.configuration) {
            return freeRunning(model, data, from: first, length: limit, until: stop)
        }
        let trace = model.forward(example, loss: defaultLoss(for: model.configuration.readout))
        return trace.targetSteps.map { Self.mostProbable(trace.outputs.row($0)) }
    }

    /// Each sequence's answer beside the truth (`predict M on D` alone).
    func answers(_ model: ModelRef, _ sequence: SequenceRef) -> AnswerReport {
        let m = state[model].model
        let sequences = state.sequences(sequence)
        var freeRunning = m.configuration.encoderDecoder
        let rows = sequences.map { data -> AnswerReport.Row in
            let example = data.example, first = example.firstTargetStep ?? 0
            let feedsBack = m.configuration.encoderDecoder || Self.teacherForcedStart(data, m.configuration) != nil
            freeRunning = freeRunning || feedsBack
            let truth = (data.targetClasses ?? []).enumerated().filter { example.hasTarget(row: $0.offset) }.map(\.element)
            var reads = "\(example.inputCount) steps"
            if let vocabulary = data.inputVocabulary, let symbols = data.inputSymbols {
                reads = vocabulary.text(feedsBack ? Array(symbols.prefix(first + 1)) : symbols)
            }
            return AnswerReport.Row(name: data.name, reads: reads, predicted: predictedSymbols(m, data), truth: truth)
        }
        return AnswerReport(model: model.name, data: sequence.name, vocabulary: sequences[0].targetVocabulary!, freeRunning: freeRunning, rows: rows)
    }

    /// The most probable symbol; the first on ties.
    static func mostProbable(_ scores: [Double]) -> Int {
        scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }!
    }

    /// The first step with a target when every input after it is the target
    /// before it (symbols over the same vocabulary, outputs every), else nil.
    static func teacherForcedStart(_ data: SequenceData, _ configuration: ModelConfiguration) -> Int? {
        let example = data.example
        guard configuration.outputs == .every, let first = example.firstTargetStep, first > 0,
              let inputs = data.inputSymbols, let targets = data.targetClasses, data.inputVocabulary == data.targetVocabulary,
              inputs.count <= targets.count, inputs.count > first + 1 else { return nil }
        for t in (first + 1)..<inputs.count where inputs[t] != targets[t - 1] || !example.hasTarget(row: t - 1) { return nil }
        return first
    }

    /// Reads the inputs up to step `first`, then feeds each chosen symbol back in.
    private func freeRunning(_ model: RNNModel, _ data: SequenceData, from first: Int, length: Int, until stop: Int?) -> [Int] {
        let width = model.configuration.inputSize, inputs = data.inputSymbols ?? []
        let none = SequenceExample.Steps.classes([], width: width)
        var trace = model.forward(SequenceExample(inputs: .classes(inputs[...first].map(Int32.init), width: width), targets: none),
                                  span: 0..<(first + 1), from: model.initialState, loss: .crossEntropy)
        var answer: [Int] = []
        while answer.count < length {
            let symbol = Self.mostProbable(trace.logits.row(trace.stepCount - 1))
            answer.append(symbol)
            if symbol == stop { break }
            trace = model.forward(SequenceExample(inputs: .classes([Int32(symbol)], width: width), targets: none),
                                  span: 0..<1, from: trace.finalState, loss: .crossEntropy)
        }
        return answer
    }

    /// Greedy (the most probable) without a temperature or at 0, else drawn
    /// from softmax(o/τ) with the script's generator.
    mutating func choose(_ logits: [Double], temperature: Double?) -> Int {
        guard let t = temperature, t > 0 else { return Self.mostProbable(logits) }
        let m = logits.max()!
        let weights = logits.map { Math.exp(($0 - m) / t) }
        var u = state.random.nextUnit() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            if u < w { return i }
            u -= w
        }
        return weights.count - 1
    }
}
