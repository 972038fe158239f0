import RNNRuntime

/// The model classes and the data file of an emitted program.
extension Emitter {
    /// The class for a model declaration, written once per distinct
    /// configuration: nn.RNN/LSTM/GRU (or `Elman` for a vanilla state nn.RNN
    /// lacks) under the module names of `ModelPorting.stateDict`, so its
    /// `state_dict()` is the safetensors file rnnscript saves.
    mutating func modelClass(_ model: String, _ c: ModelConfiguration) throws(PyTorchProgram.Failure) -> String {
        if let existing = classes.first(where: { $0.model == model && $0.configuration == c }) { return existing.name }
        let base = "Model_" + model
        let count = classes.filter { $0.model == model }.count
        let name = count == 0 ? base : base + "_\(count + 1)"
        let bias = c.bias ? "True" : "False"
        func recurrent(_ n: Int, _ d: Int, _ layers: Int) -> String {
            switch (c.cell, c.activation) {
            case (.rnn, .tanh), (.rnn, .relu):
                return "nn.RNN(\(n), \(d), num_layers=\(layers), nonlinearity=\"\(c.activation.rawValue)\", bias=\(bias), batch_first=True)"
            case (.rnn, _):
                return "Elman(\(n), \(d), num_layers=\(layers), activation=\"\(c.activation.rawValue)\", bias=\(bias))"
            case (.lstm, _):
                return "nn.LSTM(\(n), \(d), num_layers=\(layers), bias=\(bias), batch_first=True)"
            case (.gru, _):
                return "nn.GRU(\(n), \(d), num_layers=\(layers), bias=\(bias), batch_first=True)"
            }
        }
        var lines = [
            "class \(name)(nn.Module):",
            "    \"\"\"\(WeightsFile.declaration(model, c))\"\"\"",
            "",
            "    def __init__(self):",
            "        super().__init__()",
        ]
        if let width = c.embedding {
            lines.append("        self.embedding = nn.Embedding(\(c.inputSize), \(width))  # E: one row per input symbol")
        }
        if c.layerWidths == nil {
            lines.append("        self.rnn = \(recurrent(c.layerInput(0), c.hiddenSize, c.layers))")
        } else {
            for layer in 0..<c.layers {
                lines.append("        self.rnn\(layer + 1) = \(recurrent(c.layerInput(layer), c.hidden(layer: layer), 1))")
            }
        }
        if c.readout.hasParameters {
            lines.append("        self.readout = nn.Linear(\(c.hiddenSize), \(c.outputSize), bias=\(bias))  # o_t = s_t V + c")
        }
        lines += [
            "",
            "    def forward(self, x, state=None):",
            "        \"\"\"x: (B, T, \(c.inputSize)) as rnnscript feeds it; returns the logits o (B, T, \(c.outputSize)) and the state after the last step.\"\"\"",
        ]
        if c.embedding != nil {
            lines.append("        x = x @ self.embedding.weight  # a one-hot row picks its row of E: nn.Embedding's lookup")
        }
        if c.layerWidths == nil {
            lines.append("        x, state = self.rnn(x, state)")
        } else {
            lines.append("        after = []")
            for layer in 0..<c.layers {
                lines.append("        x, s = self.rnn\(layer + 1)(x, None if state is None else state[\(layer)])")
                lines.append("        after.append(s)")
            }
            lines.append("        state = after")
        }
        lines.append(c.readout.hasParameters ? "        return self.readout(x), state" : "        return x, state  # readout none: ŷ_t is the top state")
        classes.append((name, model, c, lines.joined(separator: "\n")))
        return name
    }

    /// The model's weights as its state_dict (the safetensors layout `save` writes).
    mutating func addWeights(_ model: RNNModel, prefix: String) {
        let encoded = WeightsFile.encodeSafeTensors(model, name: "model")
        // Decode what save would write, to keep one description of the layout.
        guard let contents = try? SafeTensors.decode(encoded) else { return }
        for tensor in contents.tensors {
            tensors.append(SafeTensors.Entry(name: prefix + tensor.name, dtype: .f64, shape: tensor.shape,
                                             values: SafeTensors.values(of: tensor, in: encoded)))
        }
    }

    /// Sequences as padded tensors: x (N, T, n) inputs (zero after a
    /// sequence's last input), y (N, T, k) the target of each step that has
    /// one, mask (N, T) 1 at those steps, steps (N) each sequence's T.
    mutating func addData(_ data: [SequenceExample], _ c: ModelConfiguration, prefix: String) {
        let placement = c.outputs
        let T = data.map { $0.stepCount(placement) }.max() ?? 0
        let n = c.inputSize, k = c.readout.hasParameters ? c.outputSize : c.hiddenSize
        var x = [Double](repeating: 0, count: data.count * T * n)
        var y = [Double](repeating: 0, count: data.count * T * k)
        var mask = [Double](repeating: 0, count: data.count * T)
        for (i, example) in data.enumerated() {
            let inputs = example.inputs, targets = example.targets
            for t in 0..<min(example.inputCount, T) {
                for j in 0..<n { x[(i * T + t) * n + j] = inputs[t, j] }
            }
            for t in 0..<example.stepCount(placement) {
                guard let row = example.targetIndex(atStep: t, placement) else { continue }
                mask[i * T + t] = 1
                for j in 0..<k { y[(i * T + t) * k + j] = targets[row, j] }
            }
        }
        tensors.append(SafeTensors.Entry(name: prefix + "x", dtype: .f64, shape: [data.count, T, n], values: x))
        tensors.append(SafeTensors.Entry(name: prefix + "y", dtype: .f64, shape: [data.count, T, k], values: y))
        tensors.append(SafeTensors.Entry(name: prefix + "mask", dtype: .f64, shape: [data.count, T], values: mask))
        tensors.append(SafeTensors.Entry(name: prefix + "steps", dtype: .f64, shape: [data.count],
                                         values: data.map { Double($0.stepCount(placement)) }))
    }
}
