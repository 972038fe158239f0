import RNNRuntime

/// Notebook-style text: each cell's source after `[N]`, then its result
/// indented beneath it.
public struct TextRenderer {
    static let indent = "    "

    public init() {}

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

    func body(_ result: CellResult) -> [String] {
        switch result {
        case let .seed(n):
            return ["random generator seeded with \(n)"]
        case let .vocabulary(v):
            return ["\(v.name): \(v.count) symbols  " + v.symbols.joined(separator: " ")]
        case let .sequence(data):
            return sequenceLines(data)
        case let .model(name, model):
            let c = model.configuration
            let state = c.cell == .rnn ? "state \(c.activation.rawValue), " : ""
            let sizes = ([c.inputSize] + Array(repeating: c.hiddenSize, count: c.layers) + [c.outputSize]).map(String.init).joined(separator: " → ")
            return ["\(name): \(c.cellDescription) \(sizes), \(state)readout \(c.readout.rawValue), "
                    + "\(c.parameterCount) parameters, init \(describe(c.initializer))"]
        case let .modelSummary(name, model):
            return summaryLines(name, model)
        case let .parameterSet(path, m):
            return ["\(path) (\(m.rows)×\(m.cols)) set"] + matrixLines(m)
        case let .loss(name, kind):
            return ["\(name): \(kind.rawValue)  " + lossFormula(kind)]
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
            return ["FAILED: expected \(report.source) \(report.op.rawValue) \(expected)\(within), but it is \(actual)"]
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
    func shortNumber(_ x: Double) -> String { NumberFormatting.printf("%g", x) }

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

    func lossFormula(_ kind: LossKind) -> String {
        switch kind {
        case .crossEntropy: return "L_t = -Σ_j y_t[j] log ŷ_t[j]"
        case .squaredError: return "L_t = ½ ‖y_t - ŷ_t‖²"
        case .binaryCrossEntropy: return "L_t = -Σ_j (y log ŷ + (1-y) log(1-ŷ))"
        }
    }

    /// Rows of a matrix with aligned columns.
    func matrixLines(_ m: Matrix) -> [String] {
        if m.count == 0 { return ["(empty)"] }
        let cells = NumberFormatting.matrixCells(m)
        let width = cells.map(\.count).max() ?? 0
        return (0..<m.rows).map { r in
            (0..<m.cols).map { c in padLeft(cells[r * m.cols + c], width) }.joined(separator: "  ")
        }
    }

    func vectorText(_ values: [Double]) -> String {
        "[" + values.map { NumberFormatting.fixed($0) }.joined(separator: ", ") + "]"
    }

    func inlineValue(_ value: Value) -> String {
        switch value {
        case let .number(x): return NumberFormatting.general(x)
        case let .string(s): return "\"\(s)\""
        case let .matrix(m):
            if m.count <= 8 { return "[" + (0..<m.rows).map { vectorText(m.row($0)) }.joined(separator: ", ") + "]" }
            return "a \(m.rows)×\(m.cols) matrix"
        case let .declaration(name, v): return "\(v.kindName) \(name)"
        }
    }

    func valueLines(_ label: String, _ value: Value) -> [String] {
        switch value {
        case let .number(x): return ["\(label) = \(NumberFormatting.general(x))"]
        case let .string(s): return ["\(label) = \"\(s)\""]
        case let .matrix(m): return ["\(label)  (\(m.rows)×\(m.cols))"] + matrixLines(m).map { "  " + $0 }
        case let .declaration(_, .vocabulary(v)):
            return body(.vocabulary(v))
        case let .declaration(_, .sequence(data)):
            return sequenceLines(data)
        case let .declaration(name, .loss(kind)):
            return body(.loss(name: name, kind))
        case let .declaration(name, .optimizer(settings)):
            return body(.optimizer(name: name, settings))
        case let .declaration(name, .model):
            return ["model \(name)"]
        }
    }

    func sequenceLines(_ data: SequenceData) -> [String] {
        let steps = max(data.example.inputs.rows, data.example.targets.rows)
        var lines = ["\(data.name): \(data.example.inputs.rows) inputs of width \(data.inputWidth), \(data.example.targets.rows) targets of width \(data.targetWidth)"]
        if let v = data.inputVocabulary, let symbols = data.inputSymbols {
            lines.append("  inputs   " + symbols.map { v.symbols[$0] }.joined(separator: " ") + "   (one-hot over \(v.name))")
        } else if steps <= 12 {
            lines.append("  inputs   " + (0..<data.example.inputs.rows).map { vectorText(data.example.inputs.row($0)) }.joined(separator: " "))
        }
        if let v = data.targetVocabulary, let classes = data.targetClasses {
            lines.append("  targets  " + classes.map { v.symbols[$0] }.joined(separator: " ") + "   (classes of \(v.name))")
        } else if steps <= 12 {
            lines.append("  targets  " + (0..<data.example.targets.rows).map { vectorText(data.example.targets.row($0)) }.joined(separator: " "))
        }
        return lines
    }

    func summaryLines(_ name: String, _ model: RNNModel) -> [String] {
        let c = model.configuration
        var lines = ["model \(name): \(c.cellDescription), n = \(c.inputSize) inputs, d = \(c.hiddenSize) hidden, k = \(c.outputSize) outputs"]
        lines += equationLines(c).map { "  " + $0 }
        lines.append("outputs \(c.outputs.rawValue) \(c.outputs == .every ? "(a target at every step)" : "(one target after the last step)"), "
                     + "bias \(c.bias ? "on" : "off"), init \(describe(c.initializer)) (biases start at 0)"
                     + (c.precision == .float32 ? ", precision float32" : ""))
        lines.append("parameter  shape      count")
        let nameWidth = max(9, (c.parameterShapes.map(\.name.count).max() ?? 0) + 1)
        for shape in c.parameterShapes {
            let dims = "\(shape.rows)×\(shape.cols)"
            lines.append("  " + pad(shape.name, nameWidth) + pad(dims, 11) + padLeft(String(shape.rows * shape.cols), 7) + "   " + symbolicShape(shape))
        }
        lines.append("  " + pad("total", nameWidth + 11) + padLeft(String(c.parameterCount), 7))
        return lines
    }

    /// The model's equations in the lecture's row-vector notation.
    func equationLines(_ c: ModelConfiguration) -> [String] {
        func b(_ name: String) -> String { c.bias ? " + \(name)" : "" }
        var lines: [String]
        switch c.cell {
        case .rnn:
            lines = ["a_t = x_t U + s_{t-1} W" + b("b") + "        (s_0 = the initial state, zeros unless set)",
                     "s_t = \(c.activation.rawValue)(a_t)"]
        case .lstm:
            lines = ["i_t = σ(x_t U_i + h_{t-1} W_i" + b("b_i") + ")      f_t = σ(x_t U_f + h_{t-1} W_f" + b("b_f") + ")",
                     "g_t = tanh(x_t U_g + h_{t-1} W_g" + b("b_g") + ")   o_t = σ(x_t U_o + h_{t-1} W_o" + b("b_o") + ")",
                     "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t           h_t = o_t ⊙ tanh(c_t)      (h_0, c_0 zeros unless set)"]
        case .gru:
            lines = ["r_t = σ(x_t U_r + h_{t-1} W_r" + b("b_r") + ")      z_t = σ(x_t U_z + h_{t-1} W_z" + b("b_z") + ")",
                     "n_t = tanh(x_t U_n" + b("b_n") + " + r_t ⊙ (h_{t-1} W_n" + b("bh_n") + "))",
                     "h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}                (h_0 zeros unless set)"]
        }
        let state = c.cell == .rnn ? "s_t" : "h_t"
        if c.layers > 1 {
            lines.append("layer ℓ = 2…\(c.layers) reads layer ℓ-1's \(state) as its x_t; the readout reads layer \(c.layers)")
        }
        lines.append("ŷ_t = \(c.readout.rawValue)(\(state) V" + b("c") + ")")
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
            let labels = vocabulary.symbols
            let cellWidth = max(9, (labels.map { $0.count }.max() ?? 0) + 4)
            let inputWidth = max(5, (data.inputVocabulary?.symbols.map(\.count).max() ?? 0) + 2)
            var header = padLeft("t", 3) + "  " + pad("x", inputWidth) + pad("target", max(8, cellWidth))
            for label in labels { header += padLeft("ŷ(\(label))", cellWidth + 1) }
            header += padLeft("L_t", 12)
            lines.append(header)
            var lossIndex = 0
            for t in 0..<trace.stepCount {
                let step = trace.start + t
                let input: String
                if let v = data.inputVocabulary, let symbols = data.inputSymbols {
                    input = step < symbols.count ? v.symbols[symbols[step]] : "0"
                } else {
                    input = step < data.example.inputs.rows ? "·" : "0"
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
                row += pad(targetIndex.map { vectorText(data.example.targets.row($0)) } ?? "", 10 * k + 2)
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
        var lines = [padLeft("epoch", 7) + padLeft("loss", 12)]
        for (i, loss) in report.losses.enumerated() where (i + 1) % report.reportEvery == 0 || i == 0 || i == report.losses.count - 1 {
            lines.append(padLeft(String(i + 1), 7) + padLeft(NumberFormatting.general(loss), 12))
        }
        var summary = "\(report.losses.count) epochs, \(report.updates) updates"
        if !settings.isEmpty { summary += " (" + settings.joined(separator: ", ") + ")" }
        if let first = report.losses.first, let last = report.losses.last {
            summary += "; loss \(NumberFormatting.general(first)) → \(NumberFormatting.general(last))"
        }
        lines.append(summary)
        if case let .interrupted(epoch, update)? = report.stop {
            lines.append("interrupted in epoch \(epoch) after update \(update); the parameters so far are kept")
        }
        return lines
    }
}
