extension RNNModel {
    /// The loss Σ L_t of a whole sequence (full forward, no gradients).
    public func loss(_ example: SequenceExample, loss kind: LossKind) -> Double {
        forward(example, loss: kind).loss
    }

    /// Central finite differences against exact BPTT: for each parameter, the
    /// largest relative error |a − n| / max(|a| + |n|, 1e-12) over its elements,
    /// with n = (L(θ + h) − L(θ − h)) / 2h.
    public func gradientCheck(
        _ example: SequenceExample, loss kind: LossKind, step h: Double = 1e-5
    ) -> [Double] {
        let analytic = lossAndGradients(example, loss: kind).gradients
        var probe = self
        var errors: [Double] = []
        for p in parameters.indices {
            var worst = 0.0
            for i in 0..<parameters[p].count {
                let original = parameters[p].storage[i]
                probe.parameters[p].storage[i] = original + h
                let plus = probe.loss(example, loss: kind)
                probe.parameters[p].storage[i] = original - h
                let minus = probe.loss(example, loss: kind)
                probe.parameters[p].storage[i] = original
                let numeric = (plus - minus) / (2 * h)
                let a = analytic[p].storage[i]
                let error = abs(a - numeric) / max(abs(a) + abs(numeric), 1e-12)
                worst = max(worst, error.isNaN ? .infinity : error)
            }
            errors.append(worst)
        }
        return errors
    }
}
