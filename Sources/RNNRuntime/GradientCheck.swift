extension RNNModel {
    /// The loss Σ L_t of a whole sequence (full forward, no gradients).
    public func loss(_ example: SequenceExample, loss kind: LossKind) -> Double {
        forward(example, loss: kind).loss
    }

    /// Central finite differences against exact BPTT: for each parameter, the
    /// largest relative error |a − n| / max(|a| + |n|, 1e-12) over its elements,
    /// with n from the five-point stencil
    /// (8·(L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))) / 12h, h = 1e-3, whose
    /// truncation error is O(h⁴) and whose rounding error stays near 1e-10, so
    /// correct gradients show errors well below 1e-7 (differences are taken
    /// first, so an exactly-zero gradient gives exactly 0).
    public func gradientCheck(
        _ example: SequenceExample, loss kind: LossKind, step h: Double = 1e-3
    ) -> [Double] {
        // Always in Float64: finite differences in Float32 would measure rounding.
        let model = configuration.precision == .float64 ? self : with(precision: .float64)
        let analytic = model.lossAndGradients(example, loss: kind).gradients
        var probe = model
        var errors: [Double] = []
        for p in parameters.indices {
            var worst = 0.0
            for i in 0..<parameters[p].count {
                let original = parameters[p].storage[i]
                func lossAt(_ offset: Double) -> Double {
                    probe.parameters[p].storage[i] = original + offset
                    return probe.loss(example, loss: kind)
                }
                let near = lossAt(h) - lossAt(-h)
                let far = lossAt(2 * h) - lossAt(-2 * h)
                probe.parameters[p].storage[i] = original
                let numeric = (8 * near - far) / (12 * h)
                let a = analytic[p].storage[i]
                let error = abs(a - numeric) / max(abs(a) + abs(numeric), 1e-12)
                worst = max(worst, error.isNaN ? .infinity : error)
            }
            errors.append(worst)
        }
        return errors
    }
}
