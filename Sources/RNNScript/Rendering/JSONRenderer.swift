import RNNRuntime

/// JSON Lines: one object per cell with `cell`, `line`, `source`, `kind` and
/// `result` (or `error`), then a summary line (`kind` "summary", `passed`, `failed`).
public struct JSONRenderer {
    public init() {}

    public func render(cell: Int, line: Int, source: String, kind: String, result: CellResult) -> String {
        JSON.object([
            ("cell", .number(Double(cell))), ("line", .number(Double(line))), ("source", .string(source)),
            ("kind", .string(kind)), ("result", json(result)),
        ]).serialized + "\n"
    }

    /// A line for a cell that failed.
    public func renderError(cell: Int, line: Int, source: String, kind: String, diagnostic: Diagnostic, location: SourceLocation) -> String {
        JSON.object([
            ("cell", .number(Double(cell))), ("line", .number(Double(line))), ("source", .string(source)),
            ("kind", .string(kind)),
            ("error", .object([
                ("id", .string(diagnostic.message.id)), ("message", .string(diagnostic.message.text)),
                ("line", .number(Double(location.line))), ("column", .number(Double(location.column))),
            ])),
        ]).serialized + "\n"
    }

    /// The last line of a run: how many expectations passed and failed, so a
    /// grader need not count the cells.
    public func renderSummary(passed: Int, failed: Int) -> String {
        JSON.object([("kind", .string("summary")), ("passed", .number(Double(passed))), ("failed", .number(Double(failed)))])
            .serialized + "\n"
    }

    func matrix(_ m: Matrix) -> JSON { WeightsFile.matrixJSON(m) }

    private func flowRow(_ row: FlowReport.Row) -> JSON {
        .object([("k", .number(Double(row.k))), ("norm", .number(row.norm)), ("bound", row.bound.map(JSON.number) ?? .null),
                 ("verdict", .string(row.verdict))])
    }

    func json(_ result: CellResult) -> JSON {
        switch result {
        case let .seed(n):
            return .object([("seed", .number(Double(n)))])
        case let .precision(p):
            return .object([("precision", .string(p.rawValue))])
        case let .vocabulary(v):
            return .object([("name", .string(v.name)), ("symbols", .array(v.symbols.map(JSON.string)))])
        case let .series(series):
            return .object([("name", .string(series.name)), ("values", .array(series.values.storage.map(JSON.number)))])
        case let .dataset(dataset):
            return datasetJSON(dataset)
        case let .split(first, second):
            return .object([(first.name, .number(Double(first.sequences.count))), (second.name, .number(Double(second.sequences.count)))])
        case let .sample(report):
            let v = report.vocabulary
            return .object([
                ("prime", .string(v.text(report.prime))), ("text", .string(v.text(report.generated))),
                ("symbols", .array(report.generated.map { .string(v.symbols[$0]) })),
                ("temperature", report.temperature.map(JSON.number) ?? .null),
            ])
        case let .datasetForward(_, _, losses, names):
            return .object([
                ("loss", .number(losses.reduce(0, +) / Double(max(losses.count, 1)))),
                ("losses", .object(zip(names, losses).map { ($0, .number($1)) })),
            ])
        case let .sequence(data):
            return sequenceJSON(data)
        case let .model(name, model):
            return .object([("name", .string(name)), ("parameters", .number(Double(model.configuration.parameterCount)))])
        case let .answers(r):
            let (exact, symbols, total) = r.accuracy
            return .object([
                ("model", .string(r.model)), ("data", .string(r.data)), ("free_running", .bool(r.freeRunning)),
                ("sequences", .array(r.rows.map { row in .object([
                    ("name", .string(row.name)), ("reads", .string(row.reads)),
                    ("predicted", .string(r.vocabulary.text(row.predicted))), ("true", .string(r.vocabulary.text(row.truth))),
                ]) })),
                ("exact", .number(Double(exact))), ("symbols_right", .number(Double(symbols))), ("symbols", .number(Double(total))),
            ])
        case let .forecast(r):
            let (mae, rmse) = r.errors
            return .object([
                ("model", .string(r.model)), ("data", .string(r.data)),
                ("units", r.normalization.map { .object([("mean", .number($0.mean)), ("std", .number($0.std))]) } ?? .null),
                ("sequences", .array(r.rows.map { row in .object([
                    ("name", .string(row.name)), ("inputs", matrix(row.inputs)),
                    ("predicted", .array(row.predicted.map(JSON.number))), ("true", .array(row.truth.map(JSON.number))),
                ]) })),
                ("mae", .number(mae)), ("rmse", .number(rmse)),
            ])
        case let .frozen(model, parameter, frozen, all):
            return .object([("model", .string(model)), ("parameter", .string(parameter)), ("frozen", .bool(frozen)),
                            ("frozen_parameters", .array(all.map(JSON.string)))])
        case let .modelSummary(name, model, frozen):
            let c = model.configuration
            var pairs: [(String, JSON)] = [
                ("name", .string(name)), ("cell", .string(c.cell.rawValue)),
                ("input", .number(Double(c.inputSize))), ("hidden", .hidden(of: c)),
                ("output", .number(Double(c.outputSize))), ("state", .string(c.activation.rawValue)),
                ("readout", .string(c.readout.rawValue)), ("outputs", .string(c.outputs.rawValue)), ("bias", .bool(c.bias)),
                ("parameter_count", .number(Double(c.parameterCount))),
                ("parameters", .object(c.parameterShapes.map { ($0.name, .array([.number(Double($0.rows)), .number(Double($0.cols))])) })),
                ("count_formulas", .array(ModelPorting.countFormulas(c).map(JSON.string))),
                ("spectral_norms", .object(ModelPorting.spectralNorms(model).map { ($0.0, .number($0.1)) })),
                ("pytorch_module", ModelPorting.pytorchModule(c).map(JSON.string) ?? .null),
                ("pytorch", .object(ModelPorting.pytorch(c).map { ($0.0, .string($0.1)) })),
                ("keras", .object(ModelPorting.keras(c).map { ($0.0, .string($0.1)) })),
            ]
            if let width = c.embedding { pairs.append(("embedding", .number(Double(width)))) }
            if !frozen.isEmpty { pairs.append(("frozen", .array(frozen.sorted().map { .string(c.parameterShapes[$0].name) }))) }
            return .object(pairs)
        case let .parameterSet(path, m):
            return .object([("path", .string(path)), ("value", matrix(m))])
        case let .loss(name, kind):
            return .object([("name", .string(name)), ("loss", .string(kind.rawValue))])
        case let .optimizer(name, settings):
            var pairs: [(String, JSON)] = [("name", .string(name)), ("optimizer", .string(settings.kind.rawValue))]
            for key in OptimizerSettings.keys(for: settings.kind) {
                let v = settings.value(key)!
                pairs.append((key, OptimizerSettings.flagKeys.contains(key) ? .bool(v != 0) : .number(v)))
            }
            return .object(pairs)
        case let .forward(report):
            let trace = report.trace
            var states = Matrix(rows: trace.stepCount, cols: trace.states.cols)
            for t in 0..<trace.stepCount { for j in 0..<trace.states.cols { states[t, j] = trace.states[t + 1, j] } }
            return .object([
                ("loss", .number(trace.loss)), ("losses", .array(trace.stepLosses.map(JSON.number))),
                ("outputs", matrix(trace.outputs)), ("states", matrix(states)),
            ])
        case let .backward(report):
            return .object([
                ("loss", .number(report.loss)),
                ("grads", .object(zip(report.names, report.gradients).map { ($0, matrix($1)) })),
            ])
        case let .value(_, value):
            return valueJSON(value)
        case let .gradcheck(report):
            return .object(zip(report.names, report.errors).map { ($0, .number($1)) })
        case let .jacobian(report):
            return .object([
                ("t", .number(Double(report.t))), ("k", .number(Double(report.k))), ("matrix", matrix(report.matrix)),
                ("spectral_norm", .number(report.spectralNorm)), ("frobenius_norm", .number(report.frobeniusNorm)),
            ])
        case let .train(report):
            var pairs: [(String, JSON)] = [
                ("losses", .array(report.losses.map(JSON.number))),
                ("loss", report.losses.last.map(JSON.number) ?? .null),
                ("epochs", .number(Double(report.losses.count))), ("updates", .number(Double(report.updates))),
            ]
            if let timing = report.timing {
                pairs.append(("timing", .object([
                    ("steps", .number(Double(timing.steps))), ("seconds", .number(timing.seconds)),
                    ("chars_per_s", .number(timing.seconds > 0 ? Double(timing.steps) / timing.seconds : 0)),
                    ("threads", .number(Double(timing.threads))),
                ])))
            }
            if !report.updateLog.isEmpty {
                pairs.append(("log", .array(report.updateLog.map { record in .object([
                    ("update", .number(Double(record.update))), ("epoch", .number(Double(record.epoch))),
                    ("norm_before", .number(record.normBefore)), ("norm_after", .number(record.normAfter)),
                    ("clipped", .object(zip(report.parameterNames, record.clipped).map { ($0, .number(Double($1))) })),
                ]) })))
            }
            if !report.validationLosses.isEmpty {
                pairs.append(("validation_losses", .array(report.validationLosses.map(JSON.number))))
            }
            if let failure = report.failure {
                pairs.append(("error", .object([("id", .string(failure.message.id)), ("message", .string(failure.message.text))])))
            }
            if case let .interrupted(epoch, update)? = report.stop {
                pairs.append(("interrupted", .object([("epoch", .number(Double(epoch))), ("update", .number(Double(update)))])))
            }
            return .object(pairs)
        case let .expectation(report):
            var pairs: [(String, JSON)] = [
                ("passed", .bool(report.passed)), ("actual", valueJSON(report.actual)),
                ("op", .string(report.op.rawValue)), ("expected", valueJSON(report.expected)),
            ]
            if let tolerance = report.tolerance { pairs.append(("tolerance", .number(tolerance))) }
            return .object(pairs)
        case let .flow(r):
            return .object([
                ("t", .number(Double(r.t))), ("gamma", r.gamma.map(JSON.number) ?? .null), ("lambda", r.lambda.map(JSON.number) ?? .null),
                ("spectral_radius", r.spectralRadius.map(JSON.number) ?? .null),
                ("rows", .array(r.rows.map(flowRow))),
                ("layers", .array(r.layers.map { layer in .object([
                    ("layer", .number(Double(layer.layer))), ("lambda", .number(layer.lambda)),
                    ("spectral_radius", .number(layer.spectralRadius)), ("rows", .array(layer.rows.map(flowRow))),
                ]) })),
            ])
        case let .decomposition(r):
            let key = r.at == nil ? "t" : "k"
            return .object([
                ("parameter", .string(r.parameter)), ("at", r.at.map { .number(Double($0)) } ?? .null),
                ("terms", .array(r.terms.map { term in
                    var fields: [(String, JSON)] = [(key, .number(Double(term.step))), ("matrix", matrix(term.matrix)), ("norm", .number(term.norm))]
                    if let f = term.factors {
                        fields.append(("factors", .object([("ds", matrix(f.ds)), ("dsigma", matrix(f.dsigma)), ("input", matrix(f.input))])))
                    }
                    return .object(fields)
                })),
                ("sum", matrix(r.sum)), ("grad", matrix(r.grad)),
            ])
        case let .comparison(r):
            return .object([
                ("truncation", .string(TextRenderer().describe(r.truncation))),
                ("parameters", .object(r.rows.map { row in (row.name, .object([
                    ("full", matrix(row.full)), ("truncated", matrix(row.truncated)), ("difference", matrix(row.difference)),
                    ("relative", .number(row.relative)),
                ])) })),
            ])
        case let .gates(r):
            return .object([("gates", .object(r.gates.map { ($0.0, matrix($0.1)) }))])
        case let .trace(r):
            return .object([
                ("forward", .array(r.forward.map { step in .object([
                    ("t", .number(Double(step.t))), ("x", matrix(step.x)), ("a", matrix(step.a)), ("s", matrix(step.s)),
                    ("o", matrix(step.o)), ("y_hat", matrix(step.yhat)), ("y", step.target.map(matrix) ?? .null),
                    ("loss", step.loss.map(JSON.number) ?? .null),
                ]) })),
                ("loss", .number(r.total)),
                ("backward", .array(r.backward.map { step in .object([
                    ("t", .number(Double(step.t))), ("delta_o", matrix(step.deltaO)), ("dL_ds", matrix(step.deltaS)),
                    ("delta", matrix(step.deltaA)), ("dV", matrix(step.dV)), ("dW", matrix(step.dW)), ("dU", matrix(step.dU)),
                ]) })),
                ("grads", .object([("V", matrix(r.gradV)), ("W", matrix(r.gradW)), ("U", matrix(r.gradU))])),
                ("file", r.export.map { .string($0.path) } ?? .null),
            ])
        case let .plot(r):
            switch r.kind {
            case let .line(values): return .object([("label", .string(r.label)), ("kind", .string("line")), ("values", .array(values.map(JSON.number)))])
            case let .heatmap(m): return .object([("label", .string(r.label)), ("kind", .string("heatmap")), ("matrix", matrix(m))])
            case let .curves(curves, x):
                func curve(_ c: PlotReport.Curve) -> JSON { .object([("label", .string(c.label)), ("values", .array(c.values.map(JSON.number)))]) }
                return .object([("label", .string(r.label)), ("kind", .string("curves")), ("x", x.map(curve) ?? .null),
                                ("curves", .array(curves.map(curve)))])
            }
        case let .drawing(model, drawing):
            return .object([
                ("model", .string(model)), ("title", .string(drawing.title)),
                ("nodes", .array(drawing.nodes.map { node in .object([
                    ("id", .string(node.id)), ("label", .string(node.label)), ("role", .string(node.role.rawValue)),
                    ("column", .number(Double(node.column))), ("row", .number(Double(node.row))),
                ]) })),
                ("edges", .array(drawing.edges.map { edge in .object([
                    ("from", .string(edge.from)), ("to", .string(edge.to)), ("label", .string(edge.label)),
                ]) })),
            ])
        case let .saved(model, path), let .loaded(model, path):
            return .object([("model", .string(model)), ("path", .string(path))])
        }
    }

    func datasetJSON(_ dataset: DatasetData) -> JSON {
        var pairs: [(String, JSON)] = [("name", .string(dataset.name)), ("sequences", .number(Double(dataset.sequences.count))),
                                       ("lengths", .array(dataset.sequences.map { .number(Double($0.example.inputCount)) }))]
        // `lines of`: the lines that gave no sequence, when there are any.
        if dataset.blankLines + dataset.oneSymbolLines > 0 {
            pairs.append(("skipped_lines", .object([("blank", .number(Double(dataset.blankLines))),
                                                    ("one_symbol", .number(Double(dataset.oneSymbolLines)))])))
        }
        return .object(pairs)
    }

    /// Sequences up to this many input and target numbers carry their matrices;
    /// longer ones (a text of 100,000 one-hot steps) give shapes and symbols.
    static let sequenceMatrixLimit = 20_000

    func sequenceJSON(_ data: SequenceData) -> JSON {
        let steps = data.example
        let size = steps.inputCount * steps.inputSteps.width + steps.targetCount * steps.targetSteps.width
        var pairs: [(String, JSON)] = [("name", .string(data.name))]
        if size <= Self.sequenceMatrixLimit {
            pairs += [("inputs", matrix(steps.inputs)), ("targets", matrix(steps.targets))]
        } else {
            pairs += [("inputs_shape", .array([.number(Double(steps.inputCount)), .number(Double(steps.inputSteps.width))])),
                      ("targets_shape", .array([.number(Double(steps.targetCount)), .number(Double(steps.targetSteps.width))]))]
        }
        if let v = data.inputVocabulary, let s = data.inputSymbols {
            pairs.append(("input_symbols", .array(s.map { .string(v.symbols[$0]) })))
        }
        if let v = data.targetVocabulary, let s = data.targetClasses {
            pairs.append(("target_symbols", .array(s.enumerated().map { j, c in steps.hasTarget(row: j) ? .string(v.symbols[c]) : .null })))
        }
        if let mask = steps.targetMask {
            // The 1-based steps written `_`: their target rows are placeholders.
            pairs.append(("no_target", .array(mask.enumerated().filter { !$0.element }.map { .number(Double($0.offset + 1)) })))
        }
        return .object(pairs)
    }

    func valueJSON(_ value: Value) -> JSON {
        switch value {
        case let .number(x): return .number(x)
        case let .string(s): return .string(s)
        case let .matrix(m): return matrix(m)
        case let .declaration(name, .vocabulary(v)): return json(.vocabulary(Vocabulary(name: name, symbols: v.symbols, kinds: v.kinds)))
        case let .declaration(_, .sequence(data)): return sequenceJSON(data)
        case let .declaration(_, .series(series)): return json(.series(series))
        case let .declaration(_, .dataset(dataset)): return datasetJSON(dataset)
        case let .declaration(name, .loss(kind)): return json(.loss(name: name, kind))
        case let .declaration(name, .optimizer(settings)): return json(.optimizer(name: name, settings))
        case let .declaration(name, .model): return .object([("model", .string(name))])
        case let .model(model, _): return .object([("model", .string(model.name))])
        case let .declaration(name, .value): return .object([("name", .string(name))])
        }
    }
}

extension JSON {
    /// A model's `hidden`: its width, or one width per layer (`hidden [20, 20, 1]`).
    static func hidden(of c: ModelConfiguration) -> JSON {
        c.layerWidths.map { .array($0.map { .number(Double($0)) }) } ?? .number(Double(c.hiddenSize))
    }
}
