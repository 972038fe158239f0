/// Where each tensor of a network lives in one flat buffer: per layer the
/// input weights (n_ℓ × G·d, gates side by side), the recurrent weights
/// (d × G·d), the biases (G·d) and the GRU's bh_n (d); then V (d × k) and c.
/// Parameters, gradients and optimizer state all use this layout, so training
/// never repacks: each matrix product reads and writes its slice in place.
struct PackedLayout: Sendable {
    struct Layer: Sendable {
        var inputWidth: Int
        var u: Int, w: Int
        var b: Int?, bhn: Int?
    }
    let cell: CellKind
    let hidden: Int
    let outputs: Int
    var gateCount: Int { cell.gates.count }
    var width: Int { gateCount * hidden }
    var layers: [Layer] = []
    /// V's offset; nil with `readout none`.
    var v: Int?
    var c: Int?
    var count = 0

    init(_ cfg: ModelConfiguration) {
        cell = cfg.cell
        hidden = cfg.hiddenSize
        outputs = cfg.outputSize
        let d = cfg.hiddenSize, width = cfg.cell.gates.count * d
        var offset = 0
        for l in 0..<cfg.layers {
            let n = l == 0 ? cfg.inputSize : d
            var layer = Layer(inputWidth: n, u: offset, w: offset + n * width, b: nil, bhn: nil)
            offset += n * width + d * width
            if cfg.bias { layer.b = offset; offset += width }
            if cfg.bias && cfg.cell.hiddenBiasGate != nil { layer.bhn = offset; offset += d }
            layers.append(layer)
        }
        if cfg.readout.hasParameters {
            v = offset
            offset += d * cfg.outputSize
            if cfg.bias { c = offset; offset += cfg.outputSize }
        }
        count = offset
    }

    /// The flat position of element (r, j) of each parameter, in `parameterShapes` order.
    func positions(_ cfg: ModelConfiguration) -> [[Int]] {
        let d = hidden, ld = width
        return cfg.parameterShapes.map { shape in
            let g = shape.gate
            var out = [Int]()
            out.reserveCapacity(shape.rows * shape.cols)
            switch shape.role {
            case .inputWeight:
                for r in 0..<shape.rows { for j in 0..<d { out.append(layers[shape.layer].u + r * ld + g * d + j) } }
            case .recurrentWeight:
                for r in 0..<shape.rows { for j in 0..<d { out.append(layers[shape.layer].w + r * ld + g * d + j) } }
            case .bias:
                for j in 0..<d { out.append(layers[shape.layer].b! + g * d + j) }
            case .hiddenBias:
                for j in 0..<d { out.append(layers[shape.layer].bhn! + j) }
            case .outputWeight:
                for i in 0..<(shape.rows * shape.cols) { out.append(v! + i) }
            case .outputBias:
                for i in 0..<shape.cols { out.append(c! + i) }
            }
            return out
        }
    }

    /// Per-parameter values (row-major, `parameterShapes` order) packed into one buffer.
    func pack<F: RNNScalar>(_ values: [[Double]], positions: [[Int]]) -> [F] {
        var flat = [F](repeating: 0, count: count)
        for (p, list) in positions.enumerated() { for (i, at) in list.enumerated() { flat[at] = F(values[p][i]) } }
        return flat
    }

    /// A packed buffer back to per-parameter values.
    func unpack<F: RNNScalar>(_ flat: [F], positions: [[Int]]) -> [[Double]] {
        positions.map { list in list.map { flat[$0].double } }
    }
}

/// A whole network in working precision: one flat buffer in `PackedLayout` order.
struct PackedNetwork<F: RNNScalar> {
    let configuration: ModelConfiguration
    let layout: PackedLayout
    let positions: [[Int]]
    var values: [F]

    /// Packs a model's Float64 parameters.
    init(_ model: RNNModel) {
        configuration = model.configuration
        layout = PackedLayout(model.configuration)
        positions = layout.positions(model.configuration)
        values = layout.pack(model.parameters.map(\.storage), positions: positions)
    }

    /// Per-parameter matrices (Float64) from a packed buffer of this layout.
    func matrices(_ flat: [F]) -> [Matrix] {
        zip(configuration.parameterShapes, layout.unpack(flat, positions: positions)).map {
            Matrix(rows: $0.rows, cols: $0.cols, storage: $1)
        }
    }
}
