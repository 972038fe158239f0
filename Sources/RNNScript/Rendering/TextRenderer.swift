import RNNRuntime

/// Notebook-style text: each cell's source after `[N]`, then its result
/// indented beneath it.
public struct TextRenderer {
    static let indent = "    "

    /// Draw networks with ASCII only (`--ascii`, or a terminal whose locale is not UTF-8).
    public var asciiDrawings = false

    public init(asciiDrawings: Bool = false) { self.asciiDrawings = asciiDrawings }

    /// The cell's source, each line after the first aligned under the first.
    public func renderSource(cell number: Int, source: String) -> String {
        let prefix = "[\(number)] "
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.enumerated().map { i, line in (i == 0 ? prefix : String(repeating: " ", count: prefix.count)) + line }
            .joined(separator: "\n") + "\n"
    }

    public func render(_ result: CellResult) -> String {
        let lines = body(result).map { line in
            var line = Substring(line)
            while line.last == " " { line = line.dropLast() }
            return String(line)
        }
        return lines.map { $0.isEmpty ? "" : Self.indent + $0 }.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    /// The result without the notebook indentation (for the HTML report,
    /// where a drawing is its SVG and the text only its title).
    func plain(_ result: CellResult) -> String {
        if case let .drawing(_, drawing) = result { return drawing.title }
        return body(result).map { line in
            var line = Substring(line)
            while line.last == " " { line = line.dropLast() }
            return String(line)
        }.joined(separator: "\n")
    }

    func body(_ result: CellResult) -> [String] {
        switch result {
        case let .seed(n):
            return ["random generator seeded with \(n)"]
        case let .precision(p):
            return ["models declared from here on compute in \(p.rawValue)"]
        case let .vocabulary(v):
            let shown = v.count <= 40 ? (0..<v.count).map(v.display).joined(separator: " ")
                : (0..<30).map(v.display).joined(separator: " ") + " … " + v.display(v.count - 1)
            return ["\(v.name): \(v.count) symbols  " + shown]
        case let .series(series):
            let values = series.values.storage
            let scaling = series.normalization.map { ["  normalized: (value - \(NumberFormatting.general($0.mean))) / \(NumberFormatting.general($0.std))"] } ?? []
            let shown = values.count <= 12 ? values.map { NumberFormatting.general($0) }.joined(separator: " ")
                : values.prefix(8).map { NumberFormatting.general($0) }.joined(separator: " ") + " … " + NumberFormatting.general(values.last!)
            let mean = series.normalization == nil ? ", mean \(NumberFormatting.general(values.reduce(0, +) / Double(max(values.count, 1))))" : ""
            return ["\(series.name): \(values.count) values  " + shown,
                    "  min \(NumberFormatting.general(values.min() ?? 0)), max \(NumberFormatting.general(values.max() ?? 0))" + mean] + scaling
        case let .dataset(dataset):
            return datasetLines(dataset)
        case let .split(first, second):
            return ["\(first.name): \(first.sequences.count) sequences, \(second.name): \(second.sequences.count) sequences"]
        case let .sample(report):
            let v = report.vocabulary
            let how = report.temperature.map { $0 > 0 ? "sampled at temperature \(shortNumber($0))" : "greedy" } ?? "greedy"
            return ["\(v.text(report.prime)) → \(v.text(report.generated))", "(\(report.generated.count) symbols, \(how))"]
        case let .datasetForward(model, dataset, losses, names):
            var lines = ["\(model) on \(dataset): \(losses.count) sequences"]
            let width = max(8, (names.map(\.count).max() ?? 0) + 2)
            for (name, loss) in zip(names, losses).prefix(20) {
                lines.append("  " + pad(name, width) + padLeft(NumberFormatting.general(loss), 12))
            }
            if losses.count > 20 { lines.append("  … \(losses.count - 20) more") }
            lines.append("mean loss = \(NumberFormatting.general(losses.reduce(0, +) / Double(max(losses.count, 1))))")
            return lines
        case let .sequence(data):
            return sequenceLines(data)
        case let .model(name, model):
            let c = model.configuration
            let state = c.cell == .rnn ? "state \(c.activation.rawValue), " : ""
            let sizes = c.sizeChain
            return ["\(name): \(c.cellDescription) \(sizes), \(state)readout \(c.readout.rawValue), "
                    + "\(c.parameterCount) parameters, init \(describe(c.initializer))"]
        case let .modelSummary(name, model, frozen):
            return summaryLines(name, model, frozen: frozen)
        case let .forecast(report):
            return forecastLines(report)
        case let .answers(report):
            return answerLines(report)
        case let .frozen(model, parameter, frozen, all):
            let what = frozen ? "frozen: train leaves it unchanged" : "unfrozen: train changes it again"
            return ["\(model).\(parameter) \(what); frozen in \(model): " + (all.isEmpty ? "none" : all.joined(separator: ", "))]
        case let .parameterSet(path, m):
            return ["\(path) (\(m.rows)×\(m.cols)) set"] + matrixLines(m)
        case let .loss(name, kind):
            return ["\(name): \(kind.rawValue)  " + kind.formula]
        case let .optimizer(name, settings):
            let keys = OptimizerSettings.keys(for: settings.kind)
            let values = keys.map { key -> String in
                let v = settings.value(key)!
                return OptimizerSettings.flagKeys.contains(key) ? "\(key) \(v != 0 ? "on" : "off")" : "\(key) \(shortNumber(v))"
            }
            return ["\(name): \(settings.kind.rawValue)  " + values.joined(separator: ", ")]
        case let .forward(report):
            return forwardLines(report)
        case let .backward(report):
            var lines = ["L = \(NumberFormatting.fixed(report.loss)); gradients by \(describe(report.truncation))"]
            for (name, g) in zip(report.names, report.gradients) {
                lines.append("∂L/∂\(name)  (\(g.rows)×\(g.cols))")
                lines += matrixLines(g).map { "  " + $0 }
            }
            return lines
        case let .value(label, value):
            return valueLines(label, value)
        case let .gradcheck(report):
            let nameWidth = max(9, report.names.map(\.count).max() ?? 0)
            var lines = [pad("parameter", nameWidth) + "  max relative error"]
            for (name, error) in zip(report.names, report.errors) {
                let verdict = error <= GradcheckReport.tolerance ? "ok" : "MISMATCH"
                lines.append(pad(name, nameWidth) + "  " + NumberFormatting.scientific(error, 2) + "  " + verdict)
            }
            let worst = report.errors.max() ?? 0
            lines.append(worst <= GradcheckReport.tolerance
                ? "BPTT agrees with central finite differences (max error \(NumberFormatting.scientific(worst, 2)) ≤ 1e-6)"
                : "BPTT disagrees with finite differences (max error \(NumberFormatting.scientific(worst, 2)) > 1e-6)")
            return lines
        case let .jacobian(report):
            return ["∂s_\(report.t)/∂s_\(report.k)  (\(report.matrix.rows)×\(report.matrix.cols)), J[i][m] = ∂s_\(report.t)[i]/∂s_\(report.k)[m]"]
                + matrixLines(report.matrix).map { "  " + $0 }
                + ["spectral norm ‖J‖₂ = \(NumberFormatting.general(report.spectralNorm)), Frobenius norm ‖J‖_F = \(NumberFormatting.general(report.frobeniusNorm))"]
        case let .train(report):
            return trainLines(report)
        case let .expectation(report):
            let actual = inlineValue(report.actual), expected = inlineValue(report.expected)
            let within = report.tolerance.map { " within \(shortNumber($0))" } ?? ""
            if report.passed {
                return ["passed: \(report.source) = \(actual) \(report.op.rawValue) \(expected)\(within)"]
            }
            return ["FAILED: " + expectationFailure(report)]
        case let .flow(report): return flowLines(report)
        case let .decomposition(report): return decompositionLines(report)
        case let .comparison(report): return comparisonLines(report)
        case let .gates(report): return gatesLines(report)
        case let .trace(report): return traceLines(report)
        case let .plot(report): return plotLines(report)
        case let .drawing(_, drawing): return DrawingText.render(drawing, ascii: asciiDrawings).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        case let .saved(model, path):
            return ["saved \(model) to \(path)"]
        case let .loaded(model, path):
            return ["loaded \(model) from \(path)"]
        }
    }

    // MARK: - Pieces

    func pad(_ s: String, _ width: Int) -> String {
        s + String(repeating: " ", count: max(0, width - s.count))
    }

    func padLeft(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }

    /// A short number for settings: `0.1`, `1e-08`, `0.999`.
    func shortNumber(_ x: Double) -> String { NumberFormatting.significant(x) }

    func describe(_ initializer: Initializer) -> String {
        switch initializer {
        case let .uniform(a, b): return "uniform(\(shortNumber(a)), \(shortNumber(b)))"
        case let .normal(mean, std): return "normal(\(shortNumber(mean)), \(shortNumber(std)))"
        case .xavier: return "xavier"
        case .zeros: return "zeros"
        }
    }

    func describe(_ truncation: Truncation) -> String {
        switch truncation {
        case .none: return "full BPTT"
        case let .chunks(k): return "truncated BPTT (chunks of \(k) steps, summed at the same weights)"
        case let .window(k): return "truncated BPTT (each L_t through its last \(k) steps)"
        }
    }

    /// At most this many rows and columns of a matrix are printed as text.
    static let matrixLimit = 10

    /// Rows of a matrix with aligned columns; a large one shows its top-left
    /// corner and says so (JSON output always has every entry).
    func matrixLines(_ m: Matrix) -> [String] {
        if m.count == 0 { return ["(empty)"] }
        // Only the shown cells are formatted; the width is that of the widest cell of all.
        let format = NumberFormatting.matrixFormat(m), width = NumberFormatting.matrixCellWidth(m)
        let rows = min(m.rows, Self.matrixLimit), cols = min(m.cols, Self.matrixLimit)
        var lines = (0..<rows).map { r in
            (0..<cols).map { c in padLeft(format(m[r, c]), width) }.joined(separator: "  ") + (cols < m.cols ? "  …" : "")
        }
        if rows < m.rows || cols < m.cols {
            lines.append("… (rows 0–\(rows - 1) of \(m.rows), columns 0–\(cols - 1) of \(m.cols); --json prints all)")
        }
        return lines
    }

    func vectorText(_ values: [Double]) -> String {
        "[" + values.map { NumberFormatting.fixed($0) }.joined(separator: ", ") + "]"
    }

    func inlineValue(_ value: Value) -> String {
        switch value {
        case let .number(x): return NumberFormatting.general(x)
        case let .string(s): return "\"" + s.replacingNewlines() + "\""
        case let .matrix(m):
            if m.rows == 1 && m.cols <= 12 { return vectorText(m.row(0)) }
            if m.count <= 8 { return "[" + (0..<m.rows).map { vectorText(m.row($0)) }.joined(separator: ", ") + "]" }
            return "a \(m.rows)×\(m.cols) matrix"
        case let .declaration(name, v): return "\(v.kindName) \(name)"
        case let .model(model, _): return "model \(model.name)"
        }
    }

    /// A value written so that two different values never look the same:
    /// numbers in round-trip precision, small matrices in full.
    func exact(_ value: Value) -> String {
        switch value {
        case let .number(x): return NumberFormatting.roundTrip(x)
        case let .matrix(m) where m.count <= 12:
            return "[" + (0..<m.rows).map { r in "[" + m.row(r).map(NumberFormatting.roundTrip).joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
        default: return inlineValue(value)
        }
    }

    /// "expected A op B (within t), but …": the FAILED line, and the message of
    /// the FILE:LINE:COL line a failed expectation also prints.
    public func expectationFailure(_ report: ExpectationReport) -> String {
        let within = report.tolerance.map { " within \(shortNumber($0))" } ?? ""
        return "expected \(report.source) \(report.op.rawValue) \(exact(report.expected))\(within), but \(failureDetail(report))"
    }

    /// What a failed expectation found: the value, or for a matrix the first
    /// element that fails and the largest difference.
    func failureDetail(_ report: ExpectationReport) -> String {
        switch (report.actual, report.expected) {
        case let (.matrix(a), .matrix(b)) where a.rows == b.rows && a.cols == b.cols:
            var largest = 0.0
            var first: (Int, Int)?
            for r in 0..<a.rows {
                for c in 0..<a.cols {
                    let d = abs(a[r, c] - b[r, c])
                    largest = max(largest, d)
                    if first == nil && a[r, c] != b[r, c] { first = (r, c) }  // nan too; equal infinities are equal
                }
            }
            guard let (r, c) = first else { return "it is \(exact(report.actual))" }
            return "element [\(r), \(c)] is \(NumberFormatting.roundTrip(a[r, c])), not \(NumberFormatting.roundTrip(b[r, c])) (largest difference \(NumberFormatting.scientific(largest, 3)))"
        case let (.matrix(a), .number(b)):
            for r in 0..<a.rows {
                for c in 0..<a.cols where !report.op.holds(a[r, c], b, tolerance: report.tolerance) {
                    return "element [\(r), \(c)] is \(NumberFormatting.roundTrip(a[r, c]))"
                }
            }
            return "it is \(exact(report.actual))"
        default:
            return "it is \(exact(report.actual))"
        }
    }


    func valueLines(_ label: String, _ value: Value) -> [String] {
        switch value {
        case let .number(x): return ["\(label) = \(NumberFormatting.general(x))"]
        case let .string(s): return ["\(label) = \"" + s.replacingNewlines() + "\""]
        case let .matrix(m): return ["\(label)  (\(m.rows)×\(m.cols))"] + matrixLines(m).map { "  " + $0 }
        case let .declaration(_, .vocabulary(v)):
            return body(.vocabulary(v))
        case let .declaration(_, .series(series)):
            return body(.series(series))
        case let .declaration(_, .dataset(dataset)):
            return datasetLines(dataset)
        case let .declaration(_, .sequence(data)):
            return sequenceLines(data)
        case let .declaration(name, .loss(kind)):
            return body(.loss(name: name, kind))
        case let .declaration(name, .optimizer(settings)):
            return body(.optimizer(name: name, settings))
        case let .declaration(name, .model):
            return ["model \(name)"]
        case let .model(model, _):
            return ["model \(model.name)"]
        case let .declaration(name, .value):
            return [name]
        }
    }

    func datasetLines(_ dataset: DatasetData) -> [String] {
        let lengths = dataset.sequences.map { $0.example.inputCount }
        var lines = ["\(dataset.name): \(dataset.sequences.count) sequences, \(lengths.min() ?? 0) to \(lengths.max() ?? 0) steps"]
        if dataset.blankLines + dataset.oneSymbolLines > 0 {
            let n = dataset.blankLines + dataset.oneSymbolLines
            lines.append("  skipped \(n) line\(n == 1 ? "" : "s") of the file: \(dataset.blankLines) blank, "
                         + "\(dataset.oneSymbolLines) of one symbol (nothing to predict)")
        }
        for data in dataset.sequences.prefix(3) {
            lines += sequenceLines(data).map { "  " + $0 }
        }
        if dataset.sequences.count > 3 { lines.append("  … \(dataset.sequences.count - 3) more") }
        return lines
    }

    func sequenceLines(_ data: SequenceData) -> [String] {
        let steps = max(data.example.inputCount, data.example.targetCount)
        let blanks = data.example.targetCount - data.example.realTargetCount
        var lines = ["\(data.name): \(data.example.inputCount) inputs of width \(data.inputWidth), \(data.example.realTargetCount) targets of width \(data.targetWidth)"
                     + (blanks > 0 ? " (\(blanks) step\(blanks == 1 ? "" : "s") without, _)" : "")]
        let example = data.example
        /// The symbols, `_` for a target step without a target (`isTarget`).
        func symbols(_ indices: [Int], _ v: Vocabulary, isTarget: Bool = false) -> String {
            let shown = indices.prefix(40).enumerated().map { j, i in isTarget && !example.hasTarget(row: j) ? "_" : v.display(i) }
                .joined(separator: " ")
            return indices.count > 40 ? shown + " … (\(indices.count) in all)" : shown
        }
        if let v = data.inputVocabulary, let indices = data.inputSymbols {
            lines.append("  inputs   " + symbols(indices, v) + "   (one-hot over \(v.name))")
        } else if steps <= 12 {
            let inputs = data.example.inputs
            lines.append("  inputs   " + (0..<inputs.rows).map { vectorText(inputs.row($0)) }.joined(separator: " "))
        }
        if let v = data.targetVocabulary, let classes = data.targetClasses {
            lines.append("  targets  " + symbols(classes, v, isTarget: true) + "   (classes of \(v.name))")
        } else if steps <= 12 {
            let targets = example.targets
            lines.append("  targets  " + (0..<targets.rows).map { example.hasTarget(row: $0) ? vectorText(targets.row($0)) : "_" }.joined(separator: " "))
        }
        return lines
    }

    func forwardLines(_ report: ForwardReport) -> [String] {
        let trace = report.trace
        let data = report.sequence
        let c = report.configuration
        let k = c.outputSize
        var lines = ["T = \(trace.stepCount) steps, loss \(report.loss.rawValue)"]
        if let vocabulary = data.targetVocabulary, vocabulary.count == k {
            // The lecture's table: the predicted distribution, the true class in brackets.
            let labels = (0..<vocabulary.count).map(vocabulary.display)
            let cellWidth = max(9, (labels.map { $0.count }.max() ?? 0) + 4)
            let inputWidth = max(5, (data.inputVocabulary.map { v in (0..<v.count).map { v.display($0).count }.max() ?? 0 } ?? 0) + 2)
            var header = padLeft("t", 3) + "  " + pad("x", inputWidth) + pad("target", max(8, cellWidth))
            for label in labels { header += padLeft("ŷ(\(label))", cellWidth + 1) }
            header += padLeft("L_t", 12)
            lines.append(header)
            var lossIndex = 0
            for t in 0..<trace.stepCount {
                let step = trace.start + t
                let input: String
                if let v = data.inputVocabulary, let symbols = data.inputSymbols {
                    input = step < symbols.count ? v.display(symbols[step]) : "0"
                } else {
                    input = step < data.example.inputCount ? "·" : "0"
                }
                let targetIndex = data.example.targetIndex(atStep: step, c.outputs)
                let targetClass = targetIndex.flatMap { data.targetClasses?[$0] }
                var row = padLeft(String(step + 1), 3) + "  " + pad(input, inputWidth)
                row += pad(targetClass.map { labels[$0] } ?? "", max(8, cellWidth))
                for j in 0..<k {
                    let p = NumberFormatting.fixed(trace.outputs[t, j])
                    row += padLeft(j == targetClass ? "[\(p)]" : "\(p) ", cellWidth + 1)
                }
                if targetIndex != nil {
                    row += padLeft(NumberFormatting.general(trace.stepLosses[lossIndex]), 12)
                    lossIndex += 1
                }
                lines.append(row)
            }
        } else {
            lines.append(padLeft("t", 3) + "  " + pad("ŷ_t", 10 * k + 2) + pad("y_t", 10 * k + 2) + padLeft("L_t", 12))
            var lossIndex = 0
            for t in 0..<trace.stepCount {
                let step = trace.start + t
                let targetIndex = data.example.targetIndex(atStep: step, c.outputs)
                var row = padLeft(String(step + 1), 3) + "  " + pad(vectorText(trace.outputs.row(t)), 10 * k + 2)
                row += pad(targetIndex.map { vectorText(data.example.targetSteps.matrix.row($0)) } ?? "", 10 * k + 2)
                if targetIndex != nil {
                    row += padLeft(NumberFormatting.general(trace.stepLosses[lossIndex]), 12)
                    lossIndex += 1
                }
                lines.append(row)
            }
        }
        let terms = trace.stepLosses.map { NumberFormatting.general($0) }
        if terms.count > 1 && terms.count <= 8 {
            lines.append("L = Σ_t L_t = " + terms.joined(separator: " + ") + " = " + NumberFormatting.general(trace.loss))
        } else {
            lines.append("L = Σ_t L_t = " + NumberFormatting.general(trace.loss))
        }
        return lines
    }

    func trainLines(_ report: TrainReport) -> [String] {
        var settings: [String] = []
        switch report.options.truncation {
        case .none: break
        case let .chunks(k): settings.append("truncate \(k)")
        case let .window(k): settings.append("truncate \(k) window")
        }
        switch report.options.clipping {
        case .none: break
        case let .value(v): settings.append("clip value \(shortNumber(v))")
        case let .norm(n): settings.append("clip norm \(shortNumber(n))")
        }
        if report.options.batchSize > 1 { settings.append("batch \(report.options.batchSize)") }
        if report.options.shuffle { settings.append("shuffled") }
        let validating = !report.validationLosses.isEmpty
        var lines = [padLeft("epoch", 7) + padLeft("loss", 12) + (validating ? padLeft("validation", 13) : "")]
        for (i, loss) in report.losses.enumerated() where (i + 1) % report.reportEvery == 0 || i == 0 || i == report.losses.count - 1 {
            lines.append(padLeft(String(i + 1), 7) + padLeft(NumberFormatting.general(loss), 12)
                         + (validating ? padLeft(NumberFormatting.general(report.validationLosses[i]), 13) : ""))
        }
        var summary = "\(report.losses.count) epochs, \(report.updates) updates"
        if !settings.isEmpty { summary += " (" + settings.joined(separator: ", ") + ")" }
        if let first = report.losses.first, let last = report.losses.last {
            summary += "; loss \(NumberFormatting.general(first)) → \(NumberFormatting.general(last))"
        }
        lines.append(summary)
        lines += updateLogLines(report)
        if case let .interrupted(epoch, update)? = report.stop {
            lines.append("interrupted in epoch \(epoch) after update \(update); the parameters so far are kept")
        }
        return lines
    }
}

extension String {
    /// Line breaks and tabs as escapes, so a value stays on one line.
    func replacingNewlines() -> String {
        var out = ""
        for c in self {
            switch c {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r\n": out += "\\r\\n"
            case "\r": out += "\\r"
            default: out.append(c)
            }
        }
        return out
    }
}
