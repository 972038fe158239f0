import RNNRuntime

/// How a model's parameters map to PyTorch's and Keras's, and how many there
/// are, for `show net`: the classic porting bugs are a missing transpose and a
/// wrong gate order, so both are spelled out.
enum ModelPorting {
    /// "4·d·(n + d + 1) = 4·3·(4 + 3 + 1) = 96" per layer, then the readout.
    static func countFormulas(_ c: ModelConfiguration) -> [String] {
        let g = c.cell.gates.count, k = c.outputSize
        let factor = g == 1 ? "" : "\(g)·"
        var lines: [String] = []
        if let width = c.embedding { lines.append("embedding: n·N = \(c.inputSize)·\(width) = \(c.inputSize * width)") }
        for layer in 0..<c.layers {
            let n = c.layerInput(layer), d = c.hidden(layer: layer)
            let nName = layer == 0 ? (c.embedding == nil ? "n" : "N") : "d"
            let perGate = c.bias ? "\(nName) + d + 1" : "\(nName) + d"
            var value = g * d * (n + d + (c.bias ? 1 : 0))
            var formula = "\(factor)d·(\(perGate)) = \(factor)\(d)·(\(n) + \(d)\(c.bias ? " + 1" : ""))"
            if c.cell == .gru && c.bias { formula += " + d (bh_n)"; value += d }
            lines.append((c.layers > 1 ? "layer \(layer + 1)" : "recurrent") + ": \(formula) = \(value)")
        }
        if c.readout.hasParameters {
            let d = c.hiddenSize
            lines.append("readout: k·(d\(c.bias ? " + 1" : "")) = \(k)·(\(d)\(c.bias ? " + 1" : "")) = \(k * (d + (c.bias ? 1 : 0)))")
        }
        return lines
    }

    /// The PyTorch module that computes this model, or nil when there is none:
    /// nn.RNN's `nonlinearity` is 'tanh' (the default) or 'relu' only, so a
    /// sigmoid or linear state needs a custom cell.
    static func pytorchModule(_ c: ModelConfiguration) -> String? {
        switch (c.cell, c.activation) {
        case (.rnn, .tanh): return "nn.RNN"
        case (.rnn, .relu): return "nn.RNN(nonlinearity='relu')"
        case (.rnn, .sigmoid), (.rnn, .linear): return nil
        case (.lstm, _): return "nn.LSTM"
        case (.gru, _): return "nn.GRU"
        }
    }

    /// The heading of `show`'s PyTorch table: the module, or why there is none.
    static func pytorchHeading(_ c: ModelConfiguration) -> String {
        guard let module = pytorchModule(c) else {
            return "PyTorch: no nn.RNN equivalent (its nonlinearity is tanh or relu; a \(c.activation.rawValue) state needs a custom cell), with nn.RNN's tensors:"
        }
        let gateOrder = c.cell == .lstm ? " (gates i, f, g, o)" : c.cell == .gru ? " (gates r, z, n)" : ""
        if c.layerWidths != nil {
            // nn.RNN's stacked layers share one hidden size.
            return "PyTorch: one \(module) per layer, rnn1 … rnn\(c.layers) (the layers of one \(module) share a width)\(gateOrder):"
        }
        return "PyTorch \(module)\(gateOrder):"
    }

    /// `show`'s PyTorch table, written from `stateDict(c)`: each tensor with
    /// what it holds ("[U_i U_f U_g U_o]ᵀ", "[0 0 bh_n]"), as nn.RNN/LSTM/GRU
    /// names it (the module's `rnn.` prefix left out), the embedding as
    /// `Embedding(n, N).weight` and the readout as `Linear.weight`.
    static func pytorch(_ c: ModelConfiguration) -> [(String, String)] {
        let shapes = c.parameterShapes
        return stateDict(c).map { tensor in
            var name = tensor.name
            if name.hasPrefix("rnn.") { name.removeFirst(4) }
            if name.hasPrefix("readout.") { name = "Linear." + name.dropFirst(8) }
            if name == "embedding.weight" { name = "Embedding(\(c.inputSize), \(c.embedding ?? 0)).weight" }
            if tensor.shape.count == 2 && !name.hasPrefix("Embedding") { name += " (\(tensor.shape[0])×\(tensor.shape[1]))" }
            let parts = tensor.parts.map { $0.summed ? "0" : shapes[$0.parameter].name }
            let transposed = tensor.parts.contains(where: \.transposed) ? "ᵀ" : ""
            let value = parts.allSatisfy { $0 == "0" } ? "0" : parts.count == 1 ? parts[0] + transposed : "[" + parts.joined(separator: " ") + "]" + transposed
            return (name, value)
        }
    }

    /// Keras: kernel (n × G·d) and recurrent_kernel (d × G·d) are not
    /// transposed, but the gate order differs: LSTM i, f, c, o (c is our g);
    /// GRU z, r, h (h is our n), with reset_after=True's bias of shape (2, 3d).
    static func keras(_ c: ModelConfiguration) -> [(String, String)] {
        var rows: [(String, String)] = []
        let order: [String]
        switch c.cell {
        case .rnn: order = [""]
        case .lstm: order = ["_i", "_f", "_g", "_o"]
        case .gru: order = ["_z", "_r", "_n"]
        }
        let layerName = c.cell == .rnn ? "SimpleRNN" : c.cell == .lstm ? "LSTM" : "GRU"
        if c.embedding != nil { rows.append(("Embedding embeddings", "E")) }
        for layer in 0..<c.layers {
            let p = c.layers > 1 ? "layer\(layer + 1)." : ""
            func stack(_ name: String) -> String {
                order.count == 1 ? "\(p)\(name)" : "[" + order.map { "\(p)\(name)\($0)" }.joined(separator: " ") + "]"
            }
            let title = c.layers > 1 ? "\(layerName) #\(layer + 1)" : layerName
            rows.append(("\(title) kernel", stack("U")))
            rows.append(("\(title) recurrent_kernel", stack("W")))
            if c.bias {
                if c.cell == .gru {
                    rows.append(("\(title) bias (2×\(3 * c.hidden(layer: layer)))", "[" + stack("b") + "; [0 0 \(p)bh_n]]"))
                } else {
                    rows.append(("\(title) bias", stack("b")))
                }
            }
        }
        if c.readout.hasParameters {
            rows.append(("Dense kernel", "V"))
            if c.bias { rows.append(("Dense bias", "c")) }
        }
        return rows
    }

    /// The equivalent Keras model's layers as `model.summary()` lists them:
    /// (layer, output shape, parameter count). Every recurrent layer returns
    /// sequences except, with `outputs last`, the top one; the readout is a
    /// Dense(k) (TimeDistributed over the steps with `outputs every`). Keras's
    /// GRU (reset_after=True) keeps two biases per gate, 2·d more than ours.
    static func kerasLayers(_ c: ModelConfiguration) -> [(layer: String, shape: String, count: Int)] {
        let kind = c.cell == .rnn ? "SimpleRNN" : c.cell == .lstm ? "LSTM" : "GRU"
        let g = c.cell.gates.count, bias = c.bias ? 1 : 0
        var rows: [(layer: String, shape: String, count: Int)] = []
        if let width = c.embedding {
            rows.append(("Embedding(\(c.inputSize), \(width))", "(None, None, \(width))", c.inputSize * width))
        }
        for layer in 0..<c.layers {
            let n = c.layerInput(layer), d = c.hidden(layer: layer)
            var count = g * d * (n + d + bias)
            if c.cell == .gru && c.bias { count += 3 * d }
            // return_sequences=False only for the top layer of a model with `outputs last`.
            let lastStepOnly = layer == c.layers - 1 && c.outputs == .last
            rows.append(("\(kind)(\(d))", lastStepOnly ? "(None, \(d))" : "(None, None, \(d))", count))
        }
        if c.readout.hasParameters {
            let dense = "Dense(\(c.outputSize))"
            rows.append((c.outputs == .every ? "TimeDistributed(\(dense))" : dense,
                         c.outputs == .every ? "(None, None, \(c.outputSize))" : "(None, \(c.outputSize))", c.outputSize * (c.hiddenSize + bias)))
        }
        return rows
    }

    /// ‖W‖₂ of every recurrent matrix.
    static func spectralNorms(_ model: RNNModel) -> [(String, Double)] {
        zip(model.configuration.parameterShapes, model.parameters).compactMap { shape, value in
            if case .recurrentWeight = shape.role { return (shape.name, LinearAlgebra.spectralNorm(value)) }
            return nil
        }
    }
}
