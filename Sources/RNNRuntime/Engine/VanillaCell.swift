/// The vanilla (Elman) cell of the lecture:
///
///     a_t = x_t U + b + s_{t−1} W        s_t = σ(a_t)
///     ∂L/∂a_t = ∂L/∂s_t ⊙ σ′(a_t)        (σ′ from s_t: the state is all the backward step needs)
struct VanillaCell<F: RNNScalar>: RecurrentCell {
    typealias Scalar = F
    private let activation: Activation
    private let count: Int

    init(_ shape: CellShape, arena: Arena<F>) {
        activation = shape.configuration.activation
        count = shape.batch * shape.hidden
    }

    func forward(_ step: ForwardStep<F>) {
        step.recurrent(step.hPrev, beta: 1, into: step.gates)
        activation.apply(step.gates, into: step.hNext, count: count)
    }

    func backward(_ step: BackwardStep<F>) {
        activation.backward(step.dh, outputs: step.hNext, into: step.input, count: count)
    }
}
