import RNNRuntime

/// A leaf of an expression with its names resolved by the checker: what the
/// interpreter reads, by slot or by value. Names are kept only for messages.
public enum ResolvedOperand: Equatable, Sendable {
    /// A matrix written in the script or a series' values: known when checked.
    case matrix(Matrix)
    /// A symbol (`'e'`, `<stop>`) as text.
    case string(String)
    /// A sequence's `inputs` or `targets` (one-hot steps become a matrix only when evaluated).
    case sequenceMember(SequenceData, inputs: Bool)
    /// A `let` binding's value.
    case binding(BindingRef)
    /// A model named whole (`show net`).
    case model(ModelRef)
    /// Any other declaration named whole (`show deep`, a vocabulary given to `onehot`).
    indirect case declaration(String, SymbolValue)
    /// `net.W`: a parameter's current value.
    case parameter(ModelRef, ParameterRef)
    /// `net.s0`: an initial state.
    case initialState(ModelRef, StateSlot)
    /// `net.losses`: the epoch losses of the model's last `train`.
    case losses(ModelRef)
    /// `net.s`, `net.o`, `net.y`, `net.gate_f`, …: a value of the model's last forward pass.
    case traceMember(ModelRef, String)
    /// `grad net.W`: the gradient of the model's last `backward`.
    case gradient(ModelRef, ParameterRef)
    case loss(ModelRef, SequenceRef, LossKind)
    case gradcheck(ModelRef, SequenceRef, LossKind)
    case jacobian(ModelRef, SequenceRef, from: Int, to: Int)
    case predict(ModelRef, SequenceRef)
}
