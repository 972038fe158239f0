/// The kind of recurrent cell, and what the rest of the runtime needs to know
/// about each: its gates, its state, its parameters. The math of each cell
/// lives in its own file under `Engine/` (`VanillaCell`, `LSTMCell`,
/// `GRUCell`); `makeEngineCell` below is the one place that maps a kind to it.
public enum CellKind: String, Sendable, CaseIterable {
    case rnn, lstm, gru

    /// The gates of the cell, in the order of their parameters (PyTorch's order).
    public var gates: [String] {
        switch self {
        case .rnn: return [""]
        case .lstm: return ["i", "f", "g", "o"]
        case .gru: return ["r", "z", "n"]
        }
    }

    /// Whether a layer's state holds a cell state c beside h (an LSTM's [h, c]).
    public var hasCellState: Bool { self == .lstm }

    /// The gate whose recurrent product has a bias of its own (the GRU's bh_n,
    /// inside the reset product r ⊙ (h·W_n + bh_n)); nil for the others.
    public var hiddenBiasGate: Int? { self == .gru ? 2 : nil }

    /// The width of one layer's state: [h, c] for an LSTM, h (or s) otherwise.
    public func stateWidth(hidden d: Int) -> Int { hasCellState ? 2 * d : d }

    /// The engine's implementation of this cell for one layer, behind the
    /// type-erased `EngineCell` the workspace drives.
    func makeEngineCell<F: RNNScalar>(_ shape: CellShape, arena: Arena<F>) -> EngineCell<F> {
        switch self {
        case .rnn: return EngineCell(VanillaCell<F>(shape, arena: arena))
        case .lstm: return EngineCell(LSTMCell<F>(shape, arena: arena))
        case .gru: return EngineCell(GRUCell<F>(shape, arena: arena))
        }
    }
}
