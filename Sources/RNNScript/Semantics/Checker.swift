import RNNRuntime

/// Resolves names, builds declaration values and checks shapes, statement by
/// statement, against a symbol table that grows with each declaration.
/// Every error is recorded; a statement with an error yields no checked cell.
public struct Checker {
    public private(set) var symbols: SymbolTable
    public private(set) var diagnostics: [Diagnostic] = []
    /// What the statement being checked adds to the session's names (`CheckedCell.changes`).
    public private(set) var changes: [SessionChange] = []
    /// Reads a data file named by the script (through the host); nil reads nothing.
    var readFile: ((String) throws -> String)?

    /// Largest n, d or k a model may have.
    public static let maxDimension = 65_536
    /// Largest number of parameters a model may have (keeps memory bounded).
    public static let maxParameters = 20_000_000
    /// Most elements an expression's value may have (160 MB of Float64): as
    /// many as the largest model has parameters, so any parameter can be shown
    /// and computed with. Checked before anything is allocated.
    public static let maxResultElements = maxParameters

    public init(symbols: SymbolTable, readFile: ((String) throws -> String)? = nil) {
        self.symbols = symbols
        self.readFile = readFile
    }

    /// Checks statements in order; returns the checked cells of those without errors.
    public mutating func check(_ statements: [Statement]) -> [CheckedCell] {
        statements.compactMap { statement in
            do {
                let checked = try check(statement)
                return CheckedCell(statement: checked, range: statement.range, changes: changes)
            } catch let diagnostic as Diagnostic {
                diagnostics.append(diagnostic)
                return nil
            } catch {
                preconditionFailure("checker threw a non-diagnostic error")
            }
        }
    }

    /// Checks one statement and, for a declaration, records its name.
    public mutating func check(_ statement: Statement) throws -> CheckedStatement {
        changes = []
        switch statement.kind {
        case let .seed(n):
            guard n.value >= 0, n.value <= Double(UInt64(1) << 53) else {
                throw Diagnostic(.valueOutOfRange("seed", value: n.text, allowed: "0 to 2^53"), at: n.range)
            }
            return .seed(UInt64(n.value))
        case let .vocabulary(name, items):
            let vocabulary = try checkVocabulary(name, items)
            declare(name.name, .vocabulary(vocabulary))
            return .vocabulary(vocabulary)
        case let .precision(id):
            guard let precision = Precision(rawValue: id.name) else {
                throw unknownChoice("precision", id, Precision.allCases.map(\.rawValue))
            }
            symbols.precision = precision
            changes.append(.precision(precision))
            return .precision(precision)
        case let .derivedVocabulary(name, derived):
            let vocabulary = try buildDerivedVocabulary(name, derived)
            declare(name.name, .vocabulary(vocabulary))
            return .vocabulary(vocabulary)
        case let .series(name, source, normalized):
            var series = try buildSeries(name, source)
            if normalized {
                let v = series.values.storage, count = Double(v.count)
                let mean = v.reduce(0, +) / count
                let std = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count).squareRoot()
                guard std > 0 else {
                    throw Diagnostic(.invalidDeclaration("series \(name.name) is constant and cannot be normalized"), at: name.range)
                }
                series.values = series.values.map { ($0 - mean) / std }
                series.normalization = .init(mean: mean, std: std)
            }
            declare(name.name, .series(series))
            return .series(series)
        case let .textSequence(name, text, vocabularyName, target):
            let vocabulary = try lookupVocabulary(vocabularyName)
            let data = try buildTextSequence(name.name, text, vocabulary, target)
            declare(name.name, .sequence(data))
            return .sequence(data)
        case let .seriesSequence(name, seriesName):
            let series = try lookupSeries(seriesName)
            guard series.values.rows >= 2 else {
                throw Diagnostic(.emptyValue("sequence \(name.name) (series \(series.name) needs at least 2 values)"), at: seriesName.range)
            }
            let values = series.values
            let inputs = Matrix(rows: values.rows - 1, cols: 1, storage: Array(values.storage.dropLast()))
            let targets = Matrix(rows: values.rows - 1, cols: 1, storage: Array(values.storage.dropFirst()))
            var data = SequenceData(name: name.name, example: SequenceExample(inputs: inputs, targets: targets))
            data.normalization = series.normalization
            declare(name.name, .sequence(data))
            return .sequence(data)
        case let .literalSequence(name, inputs, targets, vocabularyName):
            let data = try buildLiteralSequence(name.name, inputs: inputs, targets: targets, vocabulary: vocabularyName)
            declare(name.name, .sequence(data))
            return .sequence(data)
        case let .dataset(name, source):
            let dataset = try buildDataset(name, source)
            declare(name.name, .dataset(dataset))
            var members: [SequenceRef] = []
            if dataset.mayHold != nil, case let .list(names) = source { members = try names.map { try resolve($0) } }
            return .dataset(dataset, members: members)
        case let .split(sourceName, first, second, fraction, shuffled):
            let source = try lookupDataset(sourceName)
            guard fraction.value > 0 && fraction.value < 1 else {
                throw Diagnostic(.valueOutOfRange("split fraction", value: fraction.text, allowed: "between 0 and 1"), at: fraction.range)
            }
            let count = Int((Double(source.sequences.count) * fraction.value).rounded())
            guard count >= 1 && count < source.sequences.count else {
                throw Diagnostic(.invalidDeclaration("splitting \(source.sequences.count) sequences at \(fraction.text) leaves a part empty"), at: fraction.range)
            }
            // Shuffled, either half may hold any of the source's sequences when the script runs
            // (the order comes from the generator then): checks of the halves cover them all.
            let mayHold = source.mayHold ?? (shuffled ? source.sequences : nil)
            var a = DatasetData(name: first.name, sequences: Array(source.sequences[..<count]))
            var b = DatasetData(name: second.name, sequences: Array(source.sequences[count...]))
            a.mayHold = mayHold
            b.mayHold = mayHold
            declare(first.name, .dataset(a))
            declare(second.name, .dataset(b))
            return .split(source: try resolve(sourceName), first: a, second: b, shuffled: shuffled)
        case let .sample(modelName, vocabularyName, prime, options):
            return try checkSample(modelName, vocabularyName, prime, options)
        case let .model(name, cell, entries, blockRange):
            let configuration = try checkModel(name, cell: cell, entries: entries, blockRange: blockRange)
            declare(name.name, .model(configuration))
            return .model(ModelRef(name: name.name, slot: symbols.slot(of: name.name)!), configuration)
        case let .set(path, value):
            return try checkSet(path, value)
        case let .loss(name, kind):
            guard let loss = LossKind(rawValue: kind.name) else {
                throw unknownChoice("loss", kind, LossKind.allCases.map(\.rawValue))
            }
            declare(name.name, .loss(loss))
            return .loss(name: name.name, loss)
        case let .optimizer(name, kind, entries):
            let settings = try checkOptimizer(kind, entries)
            declare(name.name, .optimizer(settings))
            return .optimizer(OptimizerRef(name: name.name, slot: symbols.slot(of: name.name)!, settings: settings))
        case let .forward(model, sequence, loss):
            let (configuration, _) = try checkFit(model, sequence, unrolled: "forward")
            let lossKind = try loss.map { try lookupLoss($0) } ?? defaultLoss(for: configuration.readout)
            return .forward(model: try modelRef(model), sequence: try resolve(sequence), loss: lossKind)
        case let .backward(model, sequence, loss, truncation):
            _ = try checkFit(model, sequence, unrolled: truncation == nil ? nil : "truncation")
            let lossKind = try lookupLoss(loss)
            return .backward(model: try modelRef(model), sequence: try resolve(sequence), loss: lossKind,
                             truncation: try checkTruncation(truncation))
        case let .show(expression):
            return .show(try checkExpression(expression).expression)
        case let .expression(expression):
            // `predict M on D` alone, on numeric targets: the forecast table.
            if case let .predict(model, sequence) = expression.kind, try checkFit(model, sequence).1.allSatisfy({ $0.targetVocabulary == nil }) {
                _ = try checkFit(model, sequence, unrolled: "a forecast")
                return .forecast(model: try modelRef(model), sequence: try resolve(sequence))
            }
            let checked = try checkExpression(expression).expression
            if case let .predict(model, sequence) = expression.kind { return .answers(model: try modelRef(model), sequence: try resolve(sequence)) }
            return .expression(checked)
        case let .flow(model, sequence):
            _ = try lookupSequence(sequence)
            _ = try checkFit(model, sequence, unrolled: "flow")
            return .flow(model: try modelRef(model), sequence: try resolve(sequence))
        case let .decompose(model, sequence, loss, at, parameter):
            let data = try lookupSequence(sequence)
            let (configuration, _) = try checkFit(model, sequence)
            try requireLectureNetwork(configuration, model, "decompose")
            let choices = configuration.parameterShapes.map(\.name)  // W, U, V and, with biases, b and c
            guard choices.contains(parameter.name) else {
                throw Diagnostic(.unknownChoice(category: "parameter for decompose", parameter.name,
                                                suggestion: closestMatch(to: parameter.name, in: choices), choices: choices), at: parameter.range)
            }
            let lossKind = try lookupLoss(loss)
            let steps = data.example.stepCount(configuration.outputs)
            if let at {
                let t = Int(at.value)
                guard t >= 1 && t <= steps, data.example.targetIndex(atStep: t - 1, configuration.outputs) != nil else {
                    let allowed = configuration.outputs == .last ? "\(steps), the step with a target" : "1 to \(min(steps, data.example.targetCount)), steps with a target"
                    throw Diagnostic(.stepOutOfRange("step", value: t, allowed: allowed), at: at.range)
                }
            }
            return .decompose(model: try modelRef(model), sequence: try resolve(sequence), loss: lossKind, at: at.map { Int($0.value) }, parameter: parameter.name)
        case let .compare(model, sequence, loss, truncation):
            _ = try checkFit(model, sequence, unrolled: "compare")
            return .compare(model: try modelRef(model), sequence: try resolve(sequence), loss: try lookupLoss(loss), truncation: try checkTruncation(truncation))
        case let .gates(model, sequence):
            _ = try lookupSequence(sequence)
            let (configuration, _) = try checkFit(model, sequence, unrolled: "gates")
            guard configuration.cell != .rnn else {
                throw Diagnostic(.invalidDeclaration("model \(model.name) is a vanilla RNN: it has no gates (show \(model.name).s shows its states)"), at: model.range)
            }
            return .gates(model: try modelRef(model), sequence: try resolve(sequence))
        case let .trace(model, sequence, loss, path):
            _ = try lookupSequence(sequence)
            let (configuration, _) = try checkFit(model, sequence)
            try requireLectureNetwork(configuration, model, "trace")
            var export: TraceExport?
            if let path {
                if path.value.hasSuffix(".md") { export = TraceExport(path: path.value, format: .markdown) }
                else if path.value.hasSuffix(".tex") { export = TraceExport(path: path.value, format: .latex) }
                else { throw Diagnostic(.invalidDeclaration("trace writes Markdown (.md) or LaTeX (.tex); '\(path.value)' is neither"), at: path.range) }
            }
            return .trace(model: try modelRef(model), sequence: try resolve(sequence), loss: try lookupLoss(loss), export: export)
        case let .plot(curves, nil) where curves.count == 1:
            let checked = try checkExpression(curves[0])
            try checkPlot(checked.type, curves[0].range)
            return .plot(checked.expression)
        case let .plot(curves, against):
            return try checkCurves(curves, against)
        case let .freeze(path, frozen):
            let configuration = try lookupModel(path[0])
            let member = memberName(path)
            guard let index = configuration.parameterShapes.firstIndex(where: { $0.name == member }) else {
                let names = configuration.parameterShapes.map(\.name)
                throw Diagnostic(.unknownParameter(model: path[0].name, member, suggestion: closestMatch(to: member, in: names)),
                                 at: path[1].range.union(path[path.count - 1].range))
            }
            return .freeze(model: try modelRef(path[0]), parameter: ParameterRef(name: member, index: index), frozen: frozen)
        case let .draw(model, view):
            let configuration = try lookupModel(model)
            try requireOneNetwork(configuration, model, "draw")
            switch view {
            case .folded:
                return .draw(model: try modelRef(model), .folded(configuration))
            case .cell:
                return .draw(model: try modelRef(model), .cell(configuration.cell, activation: configuration.activation))
            case let .unrolled(sequence):
                let data = try lookupSequence(sequence)
                _ = try checkFit(model, sequence)
                let (inputs, targets) = NetworkDrawing.stepLabels(data, configuration.outputs)
                return .draw(model: try modelRef(model), .unrolled(configuration, inputs: inputs, targets: targets))
            }
        case let .binding(name, expression):
            let checked = try checkExpression(expression)
            declare(name.name, .value(checked.type))
            return .binding(BindingRef(name: name.name, slot: symbols.slot(of: name.name)!), checked.expression)
        case let .gradcheck(model, sequence, loss):
            _ = try lookupSequence(sequence)
            _ = try checkFit(model, sequence)
            return .gradcheck(model: try modelRef(model), sequence: try resolve(sequence), loss: try lookupLoss(loss))
        case let .jacobian(model, sequence, from, to):
            let (t, k) = try checkJacobianSteps(model, sequence, from, to)
            return .jacobian(model: try modelRef(model), sequence: try resolve(sequence), t: t, k: k)
        case let .train(model, sequence, loss, optimizer, epochs, options):
            _ = try checkFit(model, sequence)
            let lossKind = try lookupLoss(loss)
            let settings = try lookupOptimizer(optimizer)
            var training = TrainingOptions(epochs: Int(epochs.value))
            var reportEvery: Int?
            var validation: SequenceRef?
            var seenTruncation = false, seenClip = false
            for option in options {
                switch option {
                case let .truncate(clause):
                    if seenTruncation { throw Diagnostic(.duplicateEntry("truncate", block: "train options"), at: clause.range) }
                    seenTruncation = true
                    try requireOneNetwork(try lookupModel(model), model, "truncation")
                    training.truncation = try checkTruncation(clause)
                case let .clipValue(v, range), let .clipNorm(v, range):
                    if seenClip { throw Diagnostic(.duplicateEntry("clip", block: "train options"), at: range) }
                    seenClip = true
                    guard v.value > 0 else {
                        throw Diagnostic(.valueOutOfRange("clip threshold", value: v.text, allowed: "greater than 0"), at: v.range)
                    }
                    if case .clipValue = option { training.clipping = .value(v.value) } else { training.clipping = .norm(v.value) }
                case let .reportEvery(n, _):
                    guard n.value >= 1 else {
                        throw Diagnostic(.valueOutOfRange("report interval", value: n.text, allowed: "1 or more"), at: n.range)
                    }
                    reportEvery = Int(n.value)
                case let .batch(n, _):
                    guard n.value >= 1 && n.value <= 65_536 else {
                        throw Diagnostic(.valueOutOfRange("batch size", value: n.text, allowed: "1 to 65536"), at: n.range)
                    }
                    training.batchSize = Int(n.value)
                case .shuffle:
                    training.shuffle = true
                case .log:
                    training.logUpdates = true
                case let .validate(name, _):
                    _ = try checkFit(model, name)
                    validation = try resolve(name)
                }
            }
            return .train(model: try modelRef(model), sequence: try resolve(sequence), loss: lossKind, optimizer: OptimizerRef(name: optimizer.name, slot: symbols.slot(of: optimizer.name)!, settings: settings),
                          options: training, reportEvery: reportEvery, validation: validation)
        case let .expect(left, op, right, tolerance):
            let (checkedLeft, checkedRight) = (try checkExpression(left), try checkExpression(right))
            try checkComparison(checkedLeft.type, op, checkedRight.type, statement.range)
            if let tolerance, tolerance.value < 0 {
                throw Diagnostic(.valueOutOfRange("tolerance", value: tolerance.text, allowed: "0 or more"), at: tolerance.range)
            }
            return .expect(checkedLeft.expression, op, checkedRight.expression, tolerance: tolerance?.value)
        case let .save(model, path):
            _ = try lookupModel(model)
            return .save(model: try modelRef(model), path: path.value)
        case let .load(model, path):
            _ = try lookupModel(model)
            return .load(model: try modelRef(model), path: path.value)
        }
    }

    /// The steps t > k ≥ 0 of ∂s_t/∂s_k on one sequence (a statement's or an expression's).
    func checkJacobianSteps(_ model: Identifier, _ sequence: Identifier, _ from: NumberLiteral, _ to: NumberLiteral) throws -> (Int, Int) {
        _ = try lookupSequence(sequence)
        let (configuration, sequences) = try checkFit(model, sequence, unrolled: "jacobian")
        let steps = sequences[0].example.stepCount(configuration.outputs)
        let t = Int(from.value), k = Int(to.value)
        guard t >= 1 && t <= steps else {
            throw Diagnostic(.stepOutOfRange("step", value: t, allowed: "1 to \(steps) for sequence \(sequence.name)"), at: from.range)
        }
        guard k >= 0 && k < t else {
            throw Diagnostic(.stepOutOfRange("step", value: k, allowed: "0 to \(t - 1): ∂s_t/∂s_k needs k < t"), at: to.range)
        }
        return (t, k)
    }

    /// Declares a name for the statements that follow, and records it for the interpreter.
    mutating func declare(_ name: String, _ value: SymbolValue) {
        symbols.declare(name, value)
        changes.append(.declare(name, value))
    }

    // MARK: - Lookup

    /// A sequence or dataset for a statement to run on, with its sequences when
    /// they are known before the script runs.
    func resolve(_ name: Identifier) throws -> SequenceRef {
        let sequences = try lookupSequences(name)
        guard case let .dataset(dataset)? = symbols[name.name] else {
            return SequenceRef(name: name.name, isDataset: false, sequences: sequences)
        }
        return SequenceRef(name: name.name, isDataset: true, sequences: dataset.mayHold == nil ? sequences : nil)
    }

    func lookup(_ name: Identifier) throws -> SymbolValue {
        if let value = symbols[name.name] { return value }
        throw Diagnostic(.undefinedName(name.name, suggestion: closestMatch(to: name.name, in: symbols.names)), at: name.range)
    }

    private func wrongKind(_ name: Identifier, _ value: SymbolValue, _ expected: String) -> Diagnostic {
        Diagnostic(.wrongKind(name.name, actual: value.kindDescription, expected: expected), at: name.range)
    }

    /// A declared model's name and slot.
    func modelRef(_ name: Identifier) throws -> ModelRef {
        _ = try lookupModel(name)
        return ModelRef(name: name.name, slot: symbols.slot(of: name.name)!)
    }

    func lookupModel(_ name: Identifier) throws -> ModelConfiguration {
        let value = try lookup(name)
        guard case let .model(configuration) = value else { throw wrongKind(name, value, "a model") }
        return configuration
    }

    func lookupSequence(_ name: Identifier) throws -> SequenceData {
        let value = try lookup(name)
        guard case let .sequence(data) = value else { throw wrongKind(name, value, "a sequence") }
        return data
    }

    func lookupSeries(_ name: Identifier) throws -> SeriesData {
        let value = try lookup(name)
        guard case let .series(series) = value else { throw wrongKind(name, value, "a series") }
        return series
    }

    func lookupDataset(_ name: Identifier) throws -> DatasetData {
        let value = try lookup(name)
        guard case let .dataset(dataset) = value else { throw wrongKind(name, value, "a dataset") }
        return dataset
    }

    /// The sequences a name stands for: one sequence, or every sequence of a dataset.
    func lookupSequences(_ name: Identifier) throws -> [SequenceData] {
        let value = try lookup(name)
        switch value {
        case let .sequence(data): return [data]
        case let .dataset(dataset): return dataset.sequences
        default: throw wrongKind(name, value, "a sequence or a dataset")
        }
    }

    /// Every sequence a name may stand for when the script runs (a shuffled split's half: any of its source's).
    func lookupCandidates(_ name: Identifier) throws -> [SequenceData] {
        if case let .dataset(dataset)? = symbols[name.name] { return dataset.candidates }
        return try lookupSequences(name)
    }

    func lookupVocabulary(_ name: Identifier) throws -> Vocabulary {
        let value = try lookup(name)
        guard case let .vocabulary(vocabulary) = value else { throw wrongKind(name, value, "a vocabulary") }
        return vocabulary
    }

    func lookupLoss(_ name: Identifier) throws -> LossKind {
        let value = try lookup(name)
        guard case let .loss(kind) = value else { throw wrongKind(name, value, "a loss") }
        return kind
    }

    func lookupOptimizer(_ name: Identifier) throws -> OptimizerSettings {
        let value = try lookup(name)
        guard case let .optimizer(settings) = value else { throw wrongKind(name, value, "an optimizer") }
        return settings
    }

    func unknownChoice(_ category: String, _ name: Identifier, _ choices: [String]) -> Diagnostic {
        Diagnostic(.unknownChoice(category: category, name.name, suggestion: closestMatch(to: name.name, in: choices), choices: choices),
                   at: name.range)
    }

    // MARK: - Fit of a model and a sequence

    /// The model and the sequences named (one, or a dataset's), after checking
    /// that each sequence's widths and targets fit the model (naming both
    /// shapes and where each came from).
    /// With `unrolled` (the statement), the model must be one network, not an encoder–decoder.
    func checkFit(_ modelName: Identifier, _ sequenceName: Identifier, unrolled: String? = nil) throws -> (ModelConfiguration, [SequenceData]) {
        let configuration = try lookupModel(modelName)
        if let unrolled { try requireOneNetwork(configuration, modelName, unrolled) }
        let sequences = try lookupSequences(sequenceName), candidates = try lookupCandidates(sequenceName)
        let range = modelName.range.union(sequenceName.range)
        guard !sequences.isEmpty else { throw Diagnostic(.emptyValue("dataset \(sequenceName.name)"), at: sequenceName.range) }
        for data in candidates {
            let shown = candidates.count == 1 ? sequenceName.name : "\(sequenceName.name) (\(data.name))"
            if configuration.inputSize != data.inputWidth {
                throw Diagnostic(.inputWidthMismatch(model: modelName.name, width: configuration.inputSize,
                                                     sequence: shown, description: data.inputDescription), at: range)
            }
            if configuration.outputSize != data.targetWidth {
                throw Diagnostic(.outputWidthMismatch(model: modelName.name, width: configuration.outputSize,
                                                      sequence: shown, description: data.targetDescription), at: range)
            }
            let inputs = data.example.inputCount, targets = data.example.targetCount
            switch configuration.outputs {
            case .every where inputs > targets:
                throw Diagnostic(.placementMismatch(model: modelName.name, sequence: shown,
                    detail: "'outputs every' needs a target (or a _ for none) at every step, the sequence has \(inputs) inputs and \(targets) targets"), at: range)
            case .last where targets != 1 || data.example.realTargetCount != 1:
                throw Diagnostic(.placementMismatch(model: modelName.name, sequence: shown,
                    detail: "'outputs last' needs one target after the last step, the sequence has \(targets)"), at: range)
            case .last where inputs == 0:
                throw Diagnostic(.placementMismatch(model: modelName.name, sequence: shown,
                    detail: "'outputs last' needs at least one input"), at: range)
            default:
                break
            }
        }
        return (configuration, sequences)
    }

    /// The lecture's network: a one-layer vanilla RNN.
    func requireLectureNetwork(_ configuration: ModelConfiguration, _ model: Identifier, _ statement: String) throws {
        try requireOneNetwork(configuration, model, statement)
        guard configuration.cell == .rnn && configuration.layers == 1 else {
            throw Diagnostic(.invalidDeclaration("\(statement) shows the lecture's quantities of a one-layer vanilla RNN; model \(model.name) is a \(configuration.cellDescription)"), at: model.range)
        }
        guard configuration.embedding == nil else {
            throw Diagnostic(.invalidDeclaration("\(statement) shows the lecture's quantities of a network that reads x_t directly; model \(model.name) has an embedding"), at: model.range)
        }
        guard configuration.readout.hasParameters else {
            throw Diagnostic(.invalidDeclaration("\(statement) shows the lecture's quantities of a network with a readout V, c; model \(model.name) has 'readout none'"), at: model.range)
        }
    }

    func checkTruncation(_ clause: TruncationClause?) throws -> Truncation {
        guard let clause else { return .none }
        guard clause.steps.value >= 1 else {
            throw Diagnostic(.valueOutOfRange("truncation length", value: clause.steps.text, allowed: "1 or more"), at: clause.steps.range)
        }
        let k = Int(clause.steps.value)
        return clause.isWindow ? .window(k) : .chunks(k)
    }
}
