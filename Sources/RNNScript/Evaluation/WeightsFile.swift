import RNNRuntime

/// The JSON weights format of `save`/`load` (documented in the README):
///
///     {"format": "rnnscript-weights", "version": 1,
///      "model": {"cell": "rnn", "input": 4, "hidden": 3, "output": 4, "state": "tanh",
///                "readout": "softmax", "layers": 1, "outputs": "every", "bias": true},
///      "parameters": {"U": {"shape": [4, 3], "data": [[…], …]}, …},
///      "s0": {"shape": [1, 3], "data": [[0, 0, 0]]}}
///
/// `s0` is the whole initial state (every layer's, [h, c] for an LSTM).
enum WeightsFile {
    static func encode(_ model: RNNModel) -> String {
        let c = model.configuration
        let header: JSON = .object([
            ("cell", .string(c.cell.rawValue)), ("input", .number(Double(c.inputSize))),
            ("hidden", .hidden(of: c)), ("output", .number(Double(c.outputSize))),
            ("state", .string(c.activation.rawValue)), ("readout", .string(c.readout.rawValue)),
            ("layers", .number(Double(c.layers))), ("outputs", .string(c.outputs.rawValue)), ("bias", .bool(c.bias)),
        ])
        let parameters = JSON.object(zip(model.parameterNames, model.parameters).map { ($0, matrixJSON($1)) })
        return JSON.object([
            ("format", .string("rnnscript-weights")), ("version", .number(1)),
            ("model", header), ("parameters", parameters), ("s0", matrixJSON(model.initialState)),
        ]).pretty
    }

    static func matrixJSON(_ m: Matrix) -> JSON {
        .object([
            ("shape", .array([.number(Double(m.rows)), .number(Double(m.cols))])),
            ("data", .matrix(rows: m.rows, cols: m.cols, m.storage)),
        ])
    }

    enum DecodeError: Error { case malformed(String), mismatch(String) }

    /// Parameters (and s0) for `model` from a weights file; the file's model
    /// description must match the model's configuration.
    static func decode(_ text: String, for model: RNNModel) throws -> (parameters: [Matrix], initialState: Matrix?) {
        let json: JSON
        do { json = try JSON.parse(text) } catch { throw DecodeError.malformed("malformed JSON at \(error.description)") }
        guard case .string("rnnscript-weights")? = json["format"] else {
            throw DecodeError.malformed("missing \"format\": \"rnnscript-weights\"")
        }
        guard case .number(1)? = json["version"] else { throw DecodeError.malformed("unsupported or missing \"version\" (expected 1)") }
        let c = model.configuration
        if case let .object(header)? = json["model"] {
            let expected: [(String, JSON)] = [
                ("cell", .string(c.cell.rawValue)), ("input", .number(Double(c.inputSize))),
                ("hidden", .hidden(of: c)), ("output", .number(Double(c.outputSize))),
                ("state", .string(c.activation.rawValue)), ("readout", .string(c.readout.rawValue)),
                ("layers", .number(Double(c.layers))), ("outputs", .string(c.outputs.rawValue)), ("bias", .bool(c.bias)),
            ]
            for (key, value) in expected {
                if let found = header.first(where: { $0.0 == key })?.1, found != value {
                    throw DecodeError.mismatch("the file's model has \(key) \(found.serialized), this model has \(value.serialized)")
                }
            }
        } else {
            throw DecodeError.malformed("missing \"model\" object")
        }
        guard case .object? = json["parameters"] else { throw DecodeError.malformed("missing \"parameters\" object") }
        var parameters: [Matrix] = []
        for (name, current) in zip(model.parameterNames, model.parameters) {
            guard let entry = json["parameters"]?[name] else { throw DecodeError.mismatch("parameter \(name) is missing") }
            parameters.append(try matrix(entry, name, rows: current.rows, cols: current.cols))
        }
        var state: Matrix?
        if let entry = json["s0"] {
            state = try matrix(entry, "s0", rows: 1, cols: c.stateWidth)
        }
        return (parameters, state)
    }

    /// A matrix of the expected shape. The shape is checked as numbers before
    /// any conversion to Int or any allocation, so a shape like [1e300, 0] or
    /// [-1, 5] is an error, not a trap, and nothing is allocated for a matrix
    /// of the wrong size.
    private static func matrix(_ json: JSON, _ name: String, rows: Int, cols: Int) throws -> Matrix {
        guard let shape = json["shape"]?.numberArray, shape.count == 2,
              case let (r, k) = (shape[0], shape[1]),
              r >= 0, k >= 0, r == r.rounded(), k == k.rounded() else {
            throw DecodeError.malformed("\(name) needs \"shape\": [rows, cols] with two whole numbers")
        }
        guard r == Double(rows) && k == Double(cols) else {
            let shown = { (x: Double) in x <= 1e15 ? String(Int64(x)) : "\(x)" }
            let what = name == "s0" ? "s0" : "parameter \(name)"
            throw DecodeError.mismatch("\(what) is \(shown(r))×\(shown(k)) in the file, \(rows)×\(cols) in the model")
        }
        guard case let .array(data)? = json["data"], data.count == rows else {
            throw DecodeError.malformed("\(name) needs \"data\" with \(rows) rows")
        }
        var storage: [Double] = []
        storage.reserveCapacity(rows * cols)
        for (i, row) in data.enumerated() {
            guard let values = row.numberArray else {
                if case let .array(items) = row, items.count == cols {
                    throw DecodeError.malformed("\(name) has a value that is not a number")
                }
                throw DecodeError.malformed("row \(i + 1) of \(name) needs \(cols) numbers")
            }
            guard values.count == cols else { throw DecodeError.malformed("row \(i + 1) of \(name) needs \(cols) numbers") }
            storage.append(contentsOf: values)
        }
        return Matrix(rows: rows, cols: cols, storage: storage)
    }
}
