import RNNRuntime

/// A named slice of a model's initial state: `s0` of a vanilla RNN, `h0` and
/// `c0` of gated cells, `layer2.h0` in a stacked model.
public struct StateSlot: Equatable, Sendable {
    public var name: String
    /// Where the slice starts in the concatenated state.
    public var offset: Int
    public var width: Int
}

extension ModelConfiguration {
    /// The initial-state slots, in state order.
    public var stateSlots: [StateSlot] {
        var slots: [StateSlot] = []
        for layer in 0..<layers {
            let prefix = layers > 1 ? "layer\(layer + 1)." : ""
            let d = hidden(layer: layer), offset = stateOffset(layer: layer)
            switch cell {
            case .rnn: slots.append(StateSlot(name: prefix + "s0", offset: offset, width: d))
            case .gru: slots.append(StateSlot(name: prefix + "h0", offset: offset, width: d))
            case .lstm:
                slots.append(StateSlot(name: prefix + "h0", offset: offset, width: d))
                slots.append(StateSlot(name: prefix + "c0", offset: offset + d, width: d))
            }
        }
        return slots
    }

    /// Every name `NAME.member` may use: parameters, then state slots.
    public var memberNames: [String] { parameterShapes.map(\.name) + stateSlots.map(\.name) }

    /// The last pass's values, one row per step: `s`, `o`, `y`, and each gate
    /// of a gated cell (`gate_f`, `layer2.gate_f`).
    public var traceMemberNames: [String] {
        var names = ["s", "o", "y", "losses"]
        if cell != .rnn {
            for layer in 0..<layers {
                for gate in cell.gates { names.append((layers > 1 ? "layer\(layer + 1)." : "") + "gate_" + gate) }
            }
        }
        return names
    }

    /// Every width from the input to the output: "1 → 20 → 20 → 1" (no output with
    /// `readout none`; "5 → E 3 → 6 → 5" with an embedding).
    public var sizeChain: String {
        if encoderDecoder { return encoderConfiguration.sizeChain + " ⇒ " + decoderConfiguration.sizeChain }
        return ([String(inputSize)] + (embedding.map { ["E \($0)"] } ?? []) + (0..<layers).map { String(hidden(layer: $0)) }
            + (readout.hasParameters ? [String(outputSize)] : [])).joined(separator: " → ")
    }

    /// "3", or "[20, 20, 1]" when the layers' widths differ.
    public var hiddenDescription: String {
        layerWidths.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? String(hiddenSize)
    }

    /// "vanilla RNN", "LSTM", "GRU", with the layer count when stacked.
    public var cellDescription: String {
        let base: String
        switch cell {
        case .rnn: base = "vanilla RNN"
        case .lstm: base = "LSTM"
        case .gru: base = "GRU"
        }
        let stack = layers > 1 ? "\(layers)-layer \(base)" : base
        return encoderDecoder ? "encoder–decoder " + stack : stack
    }
}

/// The member name of a path after the model: `net.layer2.U_f` → `layer2.U_f`.
func memberName(_ path: [Identifier]) -> String {
    path.dropFirst().map(\.name).joined(separator: ".")
}

/// The lecture's name for a parameter's shape: U is n×d, W d×d, …
func symbolicShape(_ shape: ParameterShape, in configuration: ModelConfiguration) -> String {
    switch shape.role {
    case .inputWeight: return shape.layer > 0 ? "d×d" : configuration.embedding == nil ? "n×d" : "N×d"
    case .recurrentWeight: return "d×d"
    case .bias, .hiddenBias: return "1×d"
    case .outputWeight: return "d×k"
    case .outputBias: return "1×k"
    case .embedding: return "n×N"
    }
}
