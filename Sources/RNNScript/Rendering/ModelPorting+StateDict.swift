import RNNRuntime

/// The equivalent PyTorch module's `state_dict`: the one description of where
/// each of a model's parameters goes in PyTorch, used by `show`'s table and
/// by safetensors `save`/`load`.
///
/// nn.RNN/LSTM/GRU keep, per layer ℓ, `weight_ih_lℓ` (G·d × n): the input
/// weights of the gates in PyTorch's order (i, f, g, o; r, z, n), each
/// transposed, stacked by rows; `weight_hh_lℓ` (G·d × d) likewise; and two
/// biases of G·d, `bias_ih_lℓ` and `bias_hh_lℓ`, which PyTorch adds, except
/// that a GRU's n gate keeps its hidden bias inside the reset product
/// (n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))). rnnscript has one bias per
/// gate: it is bias_ih's part, and bias_hh's part is zero when written and
/// added to it when read; a GRU's bh_n is bias_hh's n part. The readout is an
/// nn.Linear(d, k) (`readout.weight` = Vᵀ, k × d; `readout.bias` = c), the
/// embedding an nn.Embedding(n, N) (`embedding.weight` = E, n × N). With one
/// width per layer there is no single nn.RNN: layer ℓ is module `rnnℓ`, its
/// layer 0.
extension ModelPorting {
    /// A parameter's place in a tensor.
    struct StateDictPart: Equatable, Sendable {
        /// The index into `parameterShapes`.
        var parameter: Int
        /// Where it starts in the tensor's row-major elements.
        var offset: Int
        /// Written transposed (rows × cols of the parameter become cols × rows).
        var transposed: Bool
        /// A second bias PyTorch adds to this parameter: zeros when written, added when read.
        var summed: Bool
    }

    /// A tensor of the state_dict and the parameters it holds, which cover its
    /// elements exactly once.
    struct StateDictTensor: Equatable, Sendable {
        var name: String
        var shape: [Int]
        var parts: [StateDictPart]
    }

    /// The recurrent module of layer `layer` (0-based) and its layer index in it.
    static func pytorchLayer(_ c: ModelConfiguration, _ layer: Int) -> (module: String, index: Int) {
        c.layerWidths == nil ? ("rnn", layer) : ("rnn\(layer + 1)", 0)
    }

    /// The tensors in state_dict order: embedding, per layer weight_ih,
    /// weight_hh, bias_ih, bias_hh, then the readout's weight and bias.
    /// An encoder–decoder is two modules: `encoder.*` (no readout) and `decoder.*`.
    static func stateDict(_ c: ModelConfiguration) -> [StateDictTensor] {
        if c.encoderDecoder {
            let encoder = c.encoderConfiguration, offset = encoder.parameterShapes.count
            func prefixed(_ tensors: [StateDictTensor], _ prefix: String, _ shift: Int) -> [StateDictTensor] {
                tensors.map { tensor in
                    var t = tensor
                    t.name = prefix + t.name
                    t.parts = t.parts.map { var part = $0; part.parameter += shift; return part }
                    return t
                }
            }
            return prefixed(stateDict(encoder), "encoder.", 0) + prefixed(stateDict(c.decoderConfiguration), "decoder.", offset)
        }
        var tensors: [StateDictTensor] = []
        var index: [String: Int] = [:]
        func add(_ name: String, _ shape: [Int]) {
            index[name] = tensors.count
            tensors.append(StateDictTensor(name: name, shape: shape, parts: []))
        }
        func name(_ layer: Int, _ kind: String) -> String {
            let (module, l) = pytorchLayer(c, layer)
            return "\(module).\(kind)_l\(l)"
        }
        if let width = c.embedding { add("embedding.weight", [c.inputSize, width]) }
        let G = c.cell.gates.count
        for layer in 0..<c.layers {
            let d = c.hidden(layer: layer), n = c.layerInput(layer)
            add(name(layer, "weight_ih"), [G * d, n])
            add(name(layer, "weight_hh"), [G * d, d])
            if c.bias {
                add(name(layer, "bias_ih"), [G * d])
                add(name(layer, "bias_hh"), [G * d])
            }
        }
        if c.readout.hasParameters {
            add("readout.weight", [c.outputSize, c.hiddenSize])
            if c.bias { add("readout.bias", [c.outputSize]) }
        }
        func place(_ tensor: String, _ part: StateDictPart) { tensors[index[tensor]!].parts.append(part) }
        for (i, shape) in c.parameterShapes.enumerated() {
            let d = c.hidden(layer: min(shape.layer, c.layers - 1)), g = shape.gate
            switch shape.role {
            case .embedding:
                place("embedding.weight", StateDictPart(parameter: i, offset: 0, transposed: false, summed: false))
            case .inputWeight:
                place(name(shape.layer, "weight_ih"), StateDictPart(parameter: i, offset: g * d * shape.rows, transposed: true, summed: false))
            case .recurrentWeight:
                place(name(shape.layer, "weight_hh"), StateDictPart(parameter: i, offset: g * d * d, transposed: true, summed: false))
            case .bias:
                place(name(shape.layer, "bias_ih"), StateDictPart(parameter: i, offset: g * d, transposed: false, summed: false))
                if c.cell.hiddenBiasGate != g {
                    place(name(shape.layer, "bias_hh"), StateDictPart(parameter: i, offset: g * d, transposed: false, summed: true))
                }
            case .hiddenBias:
                place(name(shape.layer, "bias_hh"), StateDictPart(parameter: i, offset: g * d, transposed: false, summed: false))
            case .outputWeight:
                place("readout.weight", StateDictPart(parameter: i, offset: 0, transposed: true, summed: false))
            case .outputBias:
                place("readout.bias", StateDictPart(parameter: i, offset: 0, transposed: false, summed: false))
            }
        }
        for t in tensors.indices { tensors[t].parts.sort { $0.offset < $1.offset } }
        return tensors
    }
}
