extension RNNModel {
    /// The loss Σ L_t of a whole sequence (a forward pass in bounded spans, no gradients).
    public func loss(_ example: SequenceExample, loss kind: LossKind) -> Double {
        sequenceLoss(example, loss: kind)
    }

    /// Central finite differences against exact BPTT: for each parameter, the
    /// largest relative error |a − n| / max(|a| + |n|, 1e-12) over its elements,
    /// with n from the five-point stencil
    /// (8·(L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))) / 12h.
    ///
    /// No single h suits every cell: the stencil's truncation error grows like h⁴
    /// times the loss's fifth derivative (large in gated cells), its rounding
    /// error like 1e-16·L/h (which swamps the tiny gradient elements of gated
    /// cells). Each element is therefore measured at h = 1e-2, 2e-3 and 4e-4 and
    /// the best agreement counts; a wrong gradient disagrees at every step.
    /// Differences are taken first, so an exactly-zero gradient gives exactly 0.
    public func gradientCheck(
        _ example: SequenceExample, loss kind: LossKind, steps: [Double] = [1e-2, 2e-3, 4e-4]
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
                let a = analytic[p].storage[i]
                var best = Double.infinity
                for h in steps {
                    let near = lossAt(h) - lossAt(-h)
                    let far = lossAt(2 * h) - lossAt(-2 * h)
                    let numeric = (8 * near - far) / (12 * h)
                    let error = abs(a - numeric) / max(abs(a) + abs(numeric), 1e-12)
                    best = min(best, error.isNaN ? .infinity : error)
                    if best < 1e-10 { break }
                }
                probe.parameters[p].storage[i] = original
                worst = max(worst, best)
            }
            errors.append(worst)
        }
        return errors
    }

    /// The same at one step h (for studying the stencil).
    public func gradientCheck(_ example: SequenceExample, loss kind: LossKind, step h: Double) -> [Double] {
        gradientCheck(example, loss: kind, steps: [h])
    }
}
