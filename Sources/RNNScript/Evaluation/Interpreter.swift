#if canImport(Glibc)
import Glibc
#endif
import RNNRuntime

/// Executes checked cells against a session's state. Changes to the state
/// happen only when a cell succeeds (or, for training, up to the last finite
/// update), so an error never leaves a half-done change behind.
public struct Interpreter {
    public var state: SessionState
    let host: ScriptHost
    /// Told what every `train` starts from, before it runs (`--emit-pytorch`).
    public var onTrain: ((TrainingCapture) -> Void)?

    public init(state: SessionState = SessionState(), host: ScriptHost) {
        self.state = state
        self.host = host
    }

    /// Runs one cell. `source` gives the text of sub-expressions for labels.
    /// When it succeeds, the names the checker found it declares are added to
    /// the session (`CheckedCell.changes`); the interpreter declares nothing
    /// itself, except that contents known only at run time (the halves of a
    /// shuffled split, a dataset built from them) replace the checker's.
    public mutating func execute(_ cell: CheckedCell, in source: SourceFile) throws -> CellResult {
        let result = try perform(cell, in: source)
        for change in cell.changes { state.apply(change) }
        switch result {
        case let .split(first, second):
            state.symbols.declare(first.name, .dataset(first))
            state.symbols.declare(second.name, .dataset(second))
        case let .dataset(dataset) where dataset.mayHold != nil:
            state.symbols.declare(dataset.name, .dataset(dataset))
        default:
            break
        }
        return result
    }

    private mutating func perform(_ cell: CheckedCell, in source: SourceFile) throws -> CellResult {
        switch cell.statement {
        case let .seed(n):
            state.random = RandomSource(seed: n)
            return .seed(n)
        case let .precision(precision):
            return .precision(precision)
        case let .vocabulary(v):
            return .vocabulary(v)
        case let .series(series):
            return .series(series)
        case let .dataset(dataset, members):
            var dataset = dataset
            if dataset.mayHold != nil { dataset.sequences = members.flatMap { state.sequences($0) } }
            return .dataset(dataset)
        case let .split(source, first, second, shuffled):
            var order = state.sequences(source)
            if shuffled {
                // Fisher–Yates from the script's generator: the same seed, the same split.
                for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, state.random.index(below: i + 1)) }
            }
            var a = first, b = second
            a.sequences = Array(order[..<first.sequences.count])
            b.sequences = Array(order[first.sequences.count...])
            return .split(first: a, second: b)
        case let .sample(model, vocabulary, prime, length, until, temperature):
            let generated = sample(state[model].model, prime: prime, length: length, until: until, temperature: temperature)
            return .sample(SampleReport(model: model.name, vocabulary: vocabulary, prime: prime, generated: generated, temperature: temperature))
        case let .sequence(data):
            return .sequence(data)
        case let .model(name, configuration):
            let model = RNNModel(configuration: configuration, random: &state.random)
            state[name] = ModelSlot(name: name.name, model: model)
            state.optimizerStates = state.optimizerStates.filter { $0.key.model != name.slot }
            return .model(name: name.name, model)
        case let .setParameter(model, parameter, value):
            var slot = state[model]
            slot.model.parameters[parameter.index] = value
            slot.gradients = nil
            slot.lastTrace = nil
            state[model] = slot
            return .parameterSet(path: "\(model.name).\(parameter.name)", value)
        case let .setInitialState(model, slot, value):
            for j in 0..<slot.width { state[model].model.initialState.storage[slot.offset + j] = value.storage[j] }
            state[model].lastTrace = nil
            state[model].gradients = nil
            return .parameterSet(path: "\(model.name).\(slot.name)", value)
        case let .loss(name, kind):
            return .loss(name: name, kind)
        case let .optimizer(optimizer):
            state.optimizerStates = state.optimizerStates.filter { $0.key.optimizer != optimizer.slot }
            return .optimizer(name: optimizer.name, optimizer.settings)
        case let .forward(model, sequence, loss) where sequence.isDataset:
            let sequences = state.sequences(sequence)
            let m = state[model].model
            return .datasetForward(model: model.name, dataset: sequence.name, losses: sequences.map { m.forward($0.example, loss: loss).loss },
                                   names: sequences.map(\.name))
        case let .forward(model, sequence, loss):
            let data = state.sequence(sequence)
            let slot = state[model]
            let trace = slot.model.forward(data.example, loss: loss)
            state[model].lastTrace = trace
            state[model].lastSequence = sequence.name
            return .forward(ForwardReport(model: model.name, sequence: data, configuration: slot.model.configuration, loss: loss, trace: trace))
        case let .backward(model, sequence, loss, truncation):
            let sequences = state.sequences(sequence)
            let slot = state[model]
            let (losses, gradients) = slot.model.batchLossAndGradients(sequences.map(\.example), loss: loss, truncation: truncation)
            let value = losses.reduce(0, +) / Double(losses.count)
            state[model].gradients = gradients
            if sequences.count == 1 {
                state[model].lastTrace = slot.model.forward(sequences[0].example, loss: loss)
                state[model].lastSequence = sequence.name
            }
            return .backward(BackwardReport(model: model.name, sequence: sequence.name, loss: value, truncation: truncation,
                                            names: slot.model.parameterNames, gradients: gradients))
        case let .flow(model, sequence):
            let m = state[model].model
            try checkJacobianWork("flow \(model.name) on \(sequence.name)", m, steps: steps(m, sequence), cell.range)
            return flow(model, sequence)
        case let .decompose(model, sequence, loss, at, parameter):
            let m = state[model].model
            let statement = "decompose \(model.name) on \(sequence.name)"
            if let at {
                try checkJacobianWork(statement, m, steps: at, cell.range)
            } else {
                // One forward and backward pass per loss term, each over the steps up to its own.
                let T = Double(steps(m, sequence)), P = Double(m.configuration.parameterCount)
                try checkWork(statement, work: 1.5 * T * T * P,
                              detail: "a forward and backward pass for each of \(Int(T)) loss terms, \(Int(P)) parameters per step",
                              cell.range)
            }
            return decompose(model, sequence, loss, at, parameter)
        case let .compare(model, sequence, loss, truncation):
            return compare(model, sequence, loss, truncation)
        case let .gates(model, sequence):
            return gates(model, sequence)
        case let .trace(model, sequence, loss, export):
            let m = state[model].model, T = steps(m, sequence), P = m.configuration.parameterCount
            try checkWork("trace \(model.name) on \(sequence.name)", work: 4 * Double(T) * Double(P),
                          detail: "forward, backward and the per-step gradient terms over \(T) steps, \(P) parameters", cell.range)
            return try trace(model, sequence, loss, export, cell.range)
        case let .plot(expression):
            return try plot(expression, label: source.slice(expression.range))
        case let .plotCurves(curves, against):
            return try plotCurves(curves, against, source)
        case let .forecast(model, sequence):
            return .forecast(forecast(model, sequence))
        case let .answers(model, sequence):
            return .answers(answers(model, sequence))
        case let .freeze(model, parameter, frozen):
            if frozen { state[model].frozen.insert(parameter.index) } else { state[model].frozen.remove(parameter.index) }
            let names = state[model].model.parameterNames
            return .frozen(model: model.name, parameter: parameter.name, frozen: frozen, all: state[model].frozen.sorted().map { names[$0] })
        case let .draw(model, drawing):
            return .drawing(model: model.name, drawing)
        case let .binding(name, expression):
            let value = try evaluate(expression)
            state[name] = value
            return .value(label: name.name, value)
        case let .show(expression), let .expression(expression):
            let value = try evaluate(expression)
            if case let .model(model, _) = value {
                return .modelSummary(name: model.name, state[model].model, frozen: state[model].frozen)
            }
            return .value(label: source.slice(expression.range), value)
        case let .gradcheck(model, sequence, loss):
            let slot = state[model]
            let T = steps(slot.model, sequence), P = slot.model.configuration.parameterCount
            try checkWork("gradcheck \(model.name) on \(sequence.name)", work: 4 * Double(T) * Double(P) * Double(P),
                          detail: "at least 4 passes over \(T) steps for each of \(P) parameters", cell.range)
            let errors = slot.model.gradientCheck(state.sequence(sequence).example, loss: loss)
            return .gradcheck(GradcheckReport(model: model.name, names: slot.model.parameterNames, errors: errors))
        case let .jacobian(model, sequence, t, k):
            let matrix = try stateJacobian(model, sequence, from: t, to: k, cell.range)
            return .jacobian(JacobianReport(model: model.name, t: t, k: k, matrix: matrix,
                                            spectralNorm: LinearAlgebra.spectralNorm(matrix), frobeniusNorm: matrix.frobeniusNorm))
        case let .train(model, sequence, loss, optimizer, options, reportEvery, validation):
            return try train(model, sequence, loss, optimizer, options, reportEvery, validation, cell.range)
        case let .expect(left, op, right, tolerance):
            return try expect(left, op, right, tolerance, cell.range, source)
        case let .save(model, path):
            do {
                if WeightsFile.isSafeTensors(path) {
                    try host.writeBytes(path, WeightsFile.encodeSafeTensors(state[model].model, name: model.name))
                } else {
                    try host.writeFile(path, contents: WeightsFile.encode(state[model].model))
                }
            } catch let error as HostError {
                throw fileDiagnostic(error, cell.range)
            }
            return .saved(model: model.name, path: path)
        case let .load(model, path):
            let safeTensors = WeightsFile.isSafeTensors(path)
            var slot = state[model]
            do {
                if safeTensors {
                    let bytes: [UInt8]
                    do { bytes = try host.readBytes(path, kind: .weights) } catch let error as HostError { throw fileDiagnostic(error, cell.range) }
                    slot.model.parameters = try WeightsFile.decodeSafeTensors(bytes, for: slot.model)
                } else {
                    let text: String
                    do { text = try host.readFile(path, kind: .weights) } catch let error as HostError { throw fileDiagnostic(error, cell.range) }
                    let (parameters, initialState) = try WeightsFile.decode(text, for: slot.model)
                    slot.model.parameters = parameters
                    if let initialState { slot.model.initialState = initialState }
                }
            } catch let WeightsFile.DecodeError.malformed(reason) {
                throw Diagnostic(safeTensors ? .malformedSafeTensors(path, reason: reason) : .malformedWeights(path, reason: reason), at: cell.range)
            } catch let WeightsFile.DecodeError.mismatch(reason) {
                throw Diagnostic(.weightsMismatch(path, detail: reason), at: cell.range)
            }
            slot.gradients = nil
            slot.lastTrace = nil
            state[model] = slot
            return .loaded(model: model.name, path: path)
        }
    }

    /// Feeds the prime through the model, then each chosen symbol back in
    /// (`choose`). An encoder–decoder reads the prime as its source and answers.
    mutating func sample(_ model: RNNModel, prime: [Int], length: Int, until: Int?, temperature: Double?) -> [Int] {
        let n = model.configuration.inputSize
        if model.configuration.encoderDecoder {
            return model.decode(source: .classes(prime.map(Int32.init), width: n), length: length, until: until) {
                choose($0, temperature: temperature)
            }
        }
        var state = model.initialState
        var generated: [Int] = []
        func step(_ symbol: Int) -> [Double] {
            let example = SequenceExample(inputs: .classes([Int32(symbol)], width: n), targets: .classes([], width: n))
            let trace = model.forward(example, span: 0..<1, from: state, loss: .crossEntropy)
            state = trace.finalState
            return trace.logits.row(0)
        }
        var logits: [Double] = []
        for symbol in prime { logits = step(symbol) }
        while generated.count < length {
            let next = choose(logits, temperature: temperature)
            generated.append(next)
            if next == until { break }
            logits = step(next)
        }
        return generated
    }

    func fileDiagnostic(_ error: HostError, _ range: SourceRange) -> Diagnostic {
        switch error {
        case let .notFound(path): return Diagnostic(.fileNotFound(path), at: range)
        case let .unreadable(path, reason): return Diagnostic(.fileUnreadable(path, reason: reason), at: range)
        case let .unwritable(path, reason): return Diagnostic(.fileUnwritable(path, reason: reason), at: range)
        }
    }

    private mutating func train(
        _ model: ModelRef, _ sequence: SequenceRef, _ loss: LossKind, _ optimizer: OptimizerRef,
        _ options: TrainingOptions, _ reportEvery: Int?, _ validation: SequenceRef?, _ range: SourceRange
    ) throws -> CellResult {
        let data = state.sequences(sequence).map(\.example)
        let held = validation.map { state.sequences($0).map(\.example) } ?? []
        let key = OptimizerStateKey(optimizer: optimizer.slot, model: model.slot)
        var optimizerState = state.optimizerStates[key] ?? OptimizerState(settings: optimizer.settings)
        var slot = state[model]
        var options = options
        options.frozen = slot.frozen
        let host = self.host
        var random = state.random
        onTrain?(TrainingCapture(model: model.name, modelState: slot.model, data: data, validation: held, loss: loss,
                                 optimizer: optimizer.name, settings: optimizer.settings, optimizerSteps: optimizerState.stepCount,
                                 options: options, reportEvery: reportEvery ?? max(1, options.epochs / 10),
                                 generator: random.stateWords, range: range))
        let started = host.clock()
        let result = slot.model.train(
            on: data, loss: loss, optimizer: &optimizerState, options: options, random: &random, validation: held,
            onEpoch: { epoch, value in host.trainingProgress(epoch: epoch, of: options.epochs, loss: value) },
            shouldStop: { host.shouldInterrupt() })
        host.trainingFinished()
        var timing: (steps: Int, seconds: Double, threads: Int)?
        if let started, let finished = host.clock() {
            let perEpoch = data.reduce(0) { $0 + $1.stepCount(slot.model.configuration.outputs) }
            timing = (perEpoch * result.epochLosses.count, finished - started, result.threads)
            host.trainingTimed(model: model.name, steps: timing!.steps, seconds: timing!.seconds, threads: result.threads)
        }
        state.random = random
        slot.lastLosses = result.epochLosses
        slot.gradients = nil
        slot.lastTrace = nil
        state[model] = slot
        state.optimizerStates[key] = optimizerState
        var failure: Diagnostic?
        if case let .nonFinite(epoch, sequenceIndex, update, what)? = result.stop {
            failure = Diagnostic(.notFinite(Self.nonFiniteMessage(epoch: epoch, sequence: sequenceIndex, update: update, what: what)), at: range)
        }
        let every = reportEvery ?? max(1, options.epochs / 10)
        return .train(TrainReport(model: model.name, epochs: options.epochs, losses: result.epochLosses,
                                  validationLosses: result.validationLosses, updates: result.updates,
                                  reportEvery: every, options: options, stop: result.stop, updateLog: result.updateLog,
                                  parameterNames: slot.model.parameterNames, timing: timing, failure: failure))
    }

    /// "training stopped in epoch 3 (sequence 1, update 12): the loss became NaN
    /// or infinite; it first appeared in the logits o_2 (…); the parameters
    /// after update 11 are kept". The runtime names what turned non-finite,
    /// perhaps followed by "; it first appeared in …": the verb goes after the
    /// subject, before that clause.
    static func nonFiniteMessage(epoch: Int, sequence: Int, update: Int, what: String) -> String {
        var subject = Substring(what), origin: Substring?
        if let split = what.firstRange(of: "; ") {
            subject = what[..<split.lowerBound]
            origin = what[split.upperBound...]
        }
        let kept = update > 1 ? "the parameters after update \(update - 1) are kept" : "the parameters are unchanged"
        return "training stopped in epoch \(epoch) (sequence \(sequence), update \(update)): the \(subject) became NaN or infinite; "
            + (origin.map { "\($0); " } ?? "") + kept
    }

    private mutating func expect(
        _ left: Expression, _ op: ComparisonOperator, _ right: Expression, _ tolerance: Double?,
        _ range: SourceRange, _ source: SourceFile
    ) throws -> CellResult {
        let actual = try evaluate(left)
        let expected = try evaluate(right)
        let passed: Bool
        switch (actual, expected) {
        case let (.number(a), .number(b)):
            passed = op.holds(a, b, tolerance: tolerance)
        case let (.string(a), .string(b)):
            guard op == .equal else { throw Diagnostic(.invalidOperation("strings can only be compared with =="), at: range) }
            passed = a == b
        case let (.matrix(a), .number(b)):
            passed = a.storage.allSatisfy { op.holds($0, b, tolerance: tolerance) }
        case let (.matrix(a), .matrix(b)):
            guard a.rows == b.rows && a.cols == b.cols else {
                throw Diagnostic(.invalidOperation("cannot compare a \(a.rows)×\(a.cols) matrix with a \(b.rows)×\(b.cols) matrix"), at: range)
            }
            passed = zip(a.storage, b.storage).allSatisfy { op.holds($0, $1, tolerance: tolerance) }
        default:
            throw Diagnostic(.invalidOperation("cannot compare \(actual.kindDescription) with \(expected.kindDescription)"), at: range)
        }
        if passed { state.expectationsPassed += 1 } else { state.expectationsFailed += 1 }
        return .expectation(ExpectationReport(source: source.slice(left.range), actual: actual, op: op, expected: expected,
                                              tolerance: tolerance, passed: passed))
    }

}
