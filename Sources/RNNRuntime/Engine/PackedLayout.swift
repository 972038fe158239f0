/// Where each tensor of a network lives in one flat buffer: per layer the
/// input weights (n_ℓ × G·d_ℓ, gates side by side), the recurrent weights
/// (d_ℓ × G·d_ℓ), the biases (G·d_ℓ) and the GRU's bh_n (d_ℓ); then V (d × k)
/// and c, d the top layer's width.
/// Parameters, gradients and optimizer state all use this layout, so training
/// never repacks: each matrix product reads and writes its slice in place.
struct PackedLayout: Sendable {
    struct Layer: Sendable {
        var inputWidth: Int
        /// d_ℓ, and G·d_ℓ: one row of the layer's gates.
        var hidden: Int, width: Int
        var u: Int, w: Int
        var b: Int?, bhn: Int?
    }
    let cell: CellKind
    let outputs: Int
    var gateCount: Int { cell.gates.count }
    var layers: [Layer] = []
    /// E's offset (first of all), with an embedding.
    var e: Int?
    /// V's offset; nil with `readout none`.
    var v: Int?
    var c: Int?
    var count = 0

    init(_ cfg: ModelConfiguration) {
        cell = cfg.cell
        outputs = cfg.outputSize
        var offset = 0
        if let width = cfg.embedding {
            e = offset
            offset += cfg.inputSize * width
        }
        for l in 0..<cfg.layers {
            let n = cfg.layerInput(l), d = cfg.hidden(layer: l), width = cfg.cell.gates.count * d
            var layer = Layer(inputWidth: n, hidden: d, width: width, u: offset, w: offset + n * width, b: nil, bhn: nil)
            offset += n * width + d * width
            if cfg.bias { layer.b = offset; offset += width }
            if cfg.bias && cfg.cell.hiddenBiasGate != nil { layer.bhn = offset; offset += d }
            layers.append(layer)
        }
        if cfg.readout.hasParameters {
            v = offset
            offset += cfg.hiddenSize * cfg.outputSize
            if cfg.bias { c = offset; offset += cfg.outputSize }
        }
        count = offset
    }

    /// The flat position of element (r, j) of each parameter, in `parameterShapes` order.
    func positions(_ cfg: ModelConfiguration) -> [[Int]] {
        cfg.parameterShapes.map { shape in
            let g = shape.gate
            let (d, ld) = shape.layer < layers.count ? (layers[shape.layer].hidden, layers[shape.layer].width) : (0, 0)
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
            case .embedding:
                for i in 0..<(shape.rows * shape.cols) { out.append(e! + i) }
            }
            return out
        }
    }
}

/// The parameters a training run updates, in one flat buffer: a network's
/// (`PackedLayout` order), or an encoder's then a decoder's.
struct PackedParameters<F: RNNScalar> {
    /// The parameters in the model's `parameterShapes` order.
    let shapes: [ParameterShape]
    /// The flat position of each element of each parameter.
    let positions: [[Int]]
    var values: [F]

    var count: Int { values.count }

    /// Per-parameter matrices (Float64) from a flat buffer of this layout.
    func matrices(_ flat: [F]) -> [Matrix] {
        zip(shapes, positions).map { shape, list in Matrix(rows: shape.rows, cols: shape.cols, storage: list.map { flat[$0].double }) }
    }

    /// Per-parameter values (row-major, `shapes` order) packed into one buffer.
    func pack(_ values: [[Double]]) -> [F] {
        var flat = [F](repeating: 0, count: count)
        for (p, list) in positions.enumerated() { for (i, at) in list.enumerated() { flat[at] = F(values[p][i]) } }
        return flat
    }

    /// A flat buffer back to per-parameter values.
    func unpack(_ flat: [F]) -> [[Double]] { positions.map { list in list.map { flat[$0].double } } }

    /// Two networks' parameters one after the other (an encoder's, then a decoder's).
    init(_ first: PackedNetwork<F>, then second: PackedNetwork<F>, shapes: [ParameterShape]) {
        let offset = first.values.count
        self.shapes = shapes
        positions = first.positions + second.positions.map { $0.map { $0 + offset } }
        values = first.values + second.values
    }

    init(shapes: [ParameterShape], positions: [[Int]], values: [F]) {
        self.shapes = shapes
        self.positions = positions
        self.values = values
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
        precondition(!model.configuration.encoderDecoder, "an encoder–decoder runs as its two parts (encoderDecoderParts)")
        configuration = model.configuration
        layout = PackedLayout(model.configuration)
        positions = layout.positions(model.configuration)
        values = PackedParameters<F>(shapes: model.configuration.parameterShapes, positions: positions,
                                     values: [F](repeating: 0, count: layout.count)).pack(model.parameters.map(\.storage))
    }

    /// The parameters as a training run packs them.
    var packed: PackedParameters<F> { PackedParameters(shapes: configuration.parameterShapes, positions: positions, values: values) }

    /// Per-parameter matrices (Float64) from a packed buffer of this layout.
    func matrices(_ flat: [F]) -> [Matrix] { packed.matrices(flat) }
}
