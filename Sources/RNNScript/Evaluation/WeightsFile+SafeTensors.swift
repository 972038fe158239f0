import RNNRuntime

/// `save M to "F.safetensors"` and `load M from "F.safetensors"`: the model's
/// parameters as the equivalent PyTorch module's `state_dict`
/// (`ModelPorting.stateDict`), F64 for a Float64 model and F32 for a Float32
/// one, with metadata {"format": "pt", "rnnscript": the model's declaration}.
/// The initial state is not in the file (PyTorch passes h0 to `forward`; it is
/// no part of a state_dict), so `load` leaves it as it was.
extension WeightsFile {
    /// Whether a path names a safetensors file (the extension decides the format).
    static func isSafeTensors(_ path: String) -> Bool {
        path.lowercased().hasSuffix(".safetensors")
    }

    static func encodeSafeTensors(_ model: RNNModel, name: String) -> [UInt8] {
        let c = model.configuration
        let shapes = c.parameterShapes
        let dtype: SafeTensors.DType = c.precision == .float32 ? .f32 : .f64
        let entries = ModelPorting.stateDict(c).map { tensor in
            var values = [Double](repeating: 0, count: tensor.shape.reduce(1, *))
            for part in tensor.parts where !part.summed {
                let m = model.parameters[part.parameter], shape = shapes[part.parameter]
                for r in 0..<shape.rows {
                    for k in 0..<shape.cols {
                        // Transposed: element (r, k) of the parameter is (k, r) of its block.
                        let at = part.transposed ? k * shape.rows + r : r * shape.cols + k
                        values[part.offset + at] = m.storage[r * shape.cols + k]
                    }
                }
            }
            return SafeTensors.Entry(name: tensor.name, dtype: dtype, shape: tensor.shape, values: values)
        }
        return SafeTensors.encode(entries, metadata: [("format", "pt"), ("rnnscript", declaration(name, c))])
    }

    /// `model net = lstm { input 4; hidden 3; output 4; … }`: what the file's
    /// weights fit, in the language (without `init`, which they replace).
    static func declaration(_ name: String, _ c: ModelConfiguration) -> String {
        var entries = ["input \(c.inputSize)", "hidden \(c.hiddenDescription)"]
        if c.layerWidths == nil && c.layers > 1 { entries.append("layers \(c.layers)") }
        if let width = c.embedding { entries.append("embedding \(width)") }
        if c.readout.hasParameters { entries.append("output \(c.outputSize)") }
        entries += ["state \(c.activation.rawValue)", "readout \(c.readout.rawValue)", "outputs \(c.outputs.rawValue)",
                    "bias \(c.bias ? "on" : "off")"]
        let precision = c.precision == .float32 ? "precision float32; " : ""
        return "\(precision)model \(name) = \(c.cell.rawValue) { " + entries.joined(separator: "; ") + " }"
    }

    /// The parameters for `model` from a safetensors file: every tensor of the
    /// model's state_dict must be there with its shape and no other (checked
    /// for all before any value is converted); F64, F32, F16 and BF16 are read,
    /// and a bias PyTorch keeps twice is summed.
    static func decodeSafeTensors(_ bytes: [UInt8], for model: RNNModel) throws -> [Matrix] {
        let contents: SafeTensors.Contents
        do { contents = try SafeTensors.decode(bytes) } catch { throw DecodeError.malformed(error.message) }
        let c = model.configuration
        let expected = ModelPorting.stateDict(c)
        // Names are unique (the reader checked); a dictionary keeps a header of a million names cheap.
        let byName = Dictionary(contents.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func dims(_ shape: [Int]) -> String { shape.isEmpty ? "a scalar" : shape.map(String.init).joined(separator: "×") }
        for tensor in expected {
            guard let found = byName[tensor.name] else {
                throw DecodeError.mismatch("tensor \(tensor.name) (\(dims(tensor.shape))) is missing")
            }
            guard found.shape == tensor.shape else {
                throw DecodeError.mismatch("tensor \(tensor.name) is \(dims(found.shape)) in the file, \(dims(tensor.shape)) in the model")
            }
        }
        let names = Set(expected.map(\.name))
        if let extra = contents.tensors.first(where: { !names.contains($0.name) }) {
            throw DecodeError.mismatch("tensor \(SafeTensors.quoted(extra.name)) is not one of this model's (\(expected.map(\.name).joined(separator: ", ")))")
        }
        let shapes = c.parameterShapes
        var storage = shapes.map { [Double](repeating: 0, count: $0.rows * $0.cols) }
        let values = expected.map { SafeTensors.values(of: byName[$0.name]!, in: bytes) }
        // Each parameter's own part first, then the biases PyTorch adds to it.
        for summed in [false, true] {
            for (tensor, values) in zip(expected, values) {
                for part in tensor.parts where part.summed == summed {
                    let shape = shapes[part.parameter]
                    for r in 0..<shape.rows {
                        for k in 0..<shape.cols {
                            let x = values[part.offset + (part.transposed ? k * shape.rows + r : r * shape.cols + k)]
                            if !summed {
                                storage[part.parameter][r * shape.cols + k] = x
                            } else if x != 0 {
                                // Adding a zero would turn a −0 bias into +0: a round trip stays exact.
                                storage[part.parameter][r * shape.cols + k] += x
                            }
                        }
                    }
                }
            }
        }
        return zip(shapes, storage).map { Matrix(rows: $0.rows, cols: $0.cols, storage: $1) }
    }
}
