import RNNRuntime

/// `show M`: the model's equations, parameter table, counts, the Keras-style
/// layer table and the PyTorch and Keras mappings.
extension TextRenderer {
    func summaryLines(_ name: String, _ model: RNNModel, frozen: Set<Int> = []) -> [String] {
        let c = model.configuration
        if c.encoderDecoder { return encoderDecoderSummaryLines(name, model, frozen: frozen) }
        var lines = ["model \(name): \(c.cellDescription), n = \(c.inputSize) inputs, d = \(c.hiddenDescription) hidden, k = \(c.outputSize) outputs"]
        lines += equationLines(c).map { "  " + $0 }
        lines.append("outputs \(c.outputs.rawValue) \(c.outputs == .every ? "(a target at every step)" : "(one target after the last step)"), "
                     + "bias \(c.bias ? "on" : "off"), init \(describe(c.initializer)) (biases start at 0)"
                     + (c.precision == .float32 ? ", precision float32" : ""))
        let nameWidth = max(9, (c.parameterShapes.map(\.name.count).max() ?? 0) + 1)
        lines.append(pad("parameter", nameWidth + 2) + pad("shape", 11) + padLeft("count", 7))
        for (index, shape) in c.parameterShapes.enumerated() {
            let dims = "\(shape.rows)×\(shape.cols)"
            lines.append("  " + pad(shape.name, nameWidth) + pad(dims, 11) + padLeft(String(shape.rows * shape.cols), 7) + "   " + symbolicShape(shape, in: c)
                         + (frozen.contains(index) ? "   frozen" : ""))
        }
        lines.append("  " + pad("total", nameWidth + 11) + padLeft(String(c.parameterCount), 7))
        lines.append("counts: " + ModelPorting.countFormulas(c).joined(separator: "; "))
        let layers = ModelPorting.kerasLayers(c)
        let layerWidth = max(7, (layers.map(\.layer.count).max() ?? 0) + 2)
        lines.append("as Keras's model.summary() lists the equivalent model"
                     + (c.cell == .gru && c.bias ? " (its GRU keeps two biases per gate: 2·d more per layer than here)" : "") + ":")
        lines.append("  " + pad("layer", layerWidth) + pad("output shape", 20) + padLeft("params", 8))
        for row in layers { lines.append("  " + pad(row.layer, layerWidth) + pad(row.shape, 20) + padLeft(String(row.count), 8)) }
        lines.append("  " + pad("total", layerWidth + 20) + padLeft(String(layers.reduce(0) { $0 + $1.count }), 8))
        lines.append("spectral norms: " + ModelPorting.spectralNorms(model).map { "‖\($0.0)‖₂ = \(NumberFormatting.general($0.1))" }.joined(separator: ", "))
        lines.append(ModelPorting.pytorchHeading(c))
        let torch = ModelPorting.pytorch(c)
        let torchWidth = (torch.map(\.0.count).max() ?? 0) + 2
        lines += torch.map { "  " + pad($0.0, torchWidth) + "= " + $0.1 }
        let kerasOrder = c.cell == .lstm ? " (gates i, f, c, o: c is g here)" : c.cell == .gru ? " (gates z, r, h: h is n here; reset_after=True)" : ""
        lines.append("Keras\(kerasOrder):")
        let keras = ModelPorting.keras(c)
        let kerasWidth = (keras.map(\.0.count).max() ?? 0) + 2
        lines += keras.map { "  " + pad($0.0, kerasWidth) + "= " + $0.1 }
        return lines
    }

    /// An encoder–decoder: how the two stacks meet, then each as a model of its
    /// own (its parameters are `name.encoder.P` and `name.decoder.P`).
    private func encoderDecoderSummaryLines(_ name: String, _ model: RNNModel, frozen: Set<Int>) -> [String] {
        let c = model.configuration, parts = model.encoderDecoderParts
        let state = c.cell == .rnn ? "s" : "h", split = parts.encoder.parameters.count
        var lines = ["model \(name): \(c.cellDescription), n = \(c.inputSize) inputs, d = \(c.hiddenDescription) hidden, k = \(c.outputSize) outputs, "
                     + "\(c.parameterCount) parameters",
                     "  the encoder reads the source x_1…x_m (a sequence's steps up to its first target) and has no readout;",
                     "  the decoder starts from the encoder's final state (\(state)_0 = its \(state)_m), reads the previous target y_{t-1}",
                     "  (nothing at its first step; its own previous choice in predict and sample) and emits ŷ_t for the targets"]
        for (part, model, offset) in [("encoder", parts.encoder, 0), ("decoder", parts.decoder, split)] {
            let own = Set(frozen.filter { $0 >= offset && $0 < offset + model.parameters.count }.map { $0 - offset })
            lines.append("\(part) (\(name).\(part).P):")
            var partLines = summaryLines("\(name).\(part)", model, frozen: own)
            if part == "decoder" {
                // Its entering state is the encoder's final one, not an initial state of its own.
                partLines = partLines.map { line in
                    guard let open = line.lastIndex(of: "("), line.hasSuffix("zeros unless set)") else { return line }
                    return String(line[..<open]) + "(\(state)_0 = the encoder's final state)"
                }
            }
            lines += partLines.map { "  " + $0 }
        }
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
        if let width = c.embedding {
            lines.insert("e_t = x_t E   (row c_t of E, \(c.inputSize)×\(width)); the first layer reads e_t as its x_t", at: 0)
        }
        if c.layers > 1 {
            let reads = c.layers == 2 ? "layer 2 reads layer 1's \(state) as its x_t" : "layer ℓ = 2…\(c.layers) reads layer ℓ-1's \(state) as its x_t"
            lines.append(reads + (c.readout.hasParameters ? "; the readout reads layer \(c.layers)" : ""))
        }
        if !c.readout.hasParameters {
            lines.append("ŷ_t = \(state)" + (c.layers > 1 ? " of layer \(c.layers)" : "") + " (readout none: no V, c)")
        } else if c.cell == .rnn {
            // The lecture's o_t (for gated cells o_t is the output gate, so the readout is written whole).
            lines.append("o_t = s_t V" + b("c"))
            lines.append("ŷ_t = \(c.readout.rawValue)(o_t)")
        } else {
            lines.append("ŷ_t = \(c.readout.rawValue)(\(state) V" + b("c") + ")")
        }
        return lines
    }
}
