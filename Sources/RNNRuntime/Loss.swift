/// The readout function and the loss of one step, with its gradient with
/// respect to the logits o_t.
///
/// Canonical pairs use the fused, numerically stable forms:
/// softmax + cross-entropy: L = −Σ y_j (o_j − logΣe^o), ∂L/∂o = ŷ·Σy − y;
/// sigmoid + binary cross-entropy: L = Σ softplus(o_j) − y_j o_j, ∂L/∂o = ŷ − y.
/// Other pairs go through ∂L/∂ŷ and the readout's Jacobian. Terms with a zero
/// target weight are skipped in the logarithmic losses (0 · log 0 = 0).
enum StepLoss {
    /// ŷ = O(o) for one row, in place. For softmax, returns log Σ e^o (the
    /// normaliser the cross-entropy needs, so `evaluate` need not recompute it).
    @discardableResult
    static func applyReadout<F: RNNScalar>(_ readout: Readout, _ o: UnsafeMutablePointer<F>, count k: Int) -> Double {
        switch readout {
        case .softmax:
            var m = -F.infinity
            for j in 0..<k where o[j] > m { m = o[j] }
            var total: F = 0
            for j in 0..<k { o[j] = F.exp(o[j] - m); total += o[j] }
            for j in 0..<k { o[j] /= total }
            return m.double + Math.log(total.double)
        case .sigmoid:
            for j in 0..<k { o[j] = F.sigmoid(o[j]) }
        case .linear, .none:
            break
        }
        return .nan
    }

    /// L_t (accumulated in Float64) and ∂L_t/∂o_t written to `dO`.
    static func evaluate<F: RNNScalar>(
        loss: LossKind, readout: Readout, k: Int,
        logits o: UnsafePointer<F>, prediction p: UnsafePointer<F>,
        target y: UnsafePointer<F>, gradient dO: UnsafeMutablePointer<F>, logSumExp: Double? = nil
    ) -> Double {
        switch (loss, readout) {
        case (.crossEntropy, .softmax):
            let logSum = logSumExp ?? {
                var m = -F.infinity
                for j in 0..<k where o[j] > m { m = o[j] }
                var total = 0.0
                for j in 0..<k { total += Math.exp((o[j] - m).double) }
                return m.double + Math.log(total)
            }()
            var value = 0.0, mass: F = 0
            for j in 0..<k where y[j] != 0 { value -= y[j].double * (o[j].double - logSum); mass += y[j] }
            for j in 0..<k { dO[j] = p[j] * mass - y[j] }
            return value
        case (.binaryCrossEntropy, .sigmoid):
            var value = 0.0
            for j in 0..<k {
                value += Math.softplus(o[j].double) - y[j].double * o[j].double
                dO[j] = p[j] - y[j]
            }
            return value
        default:
            var value = 0.0
            // dO first holds ∂L/∂ŷ.
            for j in 0..<k {
                let pj = p[j].double, yj = y[j].double
                switch loss {
                case .squaredError:
                    let e = pj - yj
                    value += 0.5 * e * e
                    dO[j] = F(e)
                case .crossEntropy:
                    if yj != 0 {
                        value -= yj * Math.log(pj)
                        dO[j] = F(-yj / pj)
                    } else {
                        dO[j] = 0
                    }
                case .binaryCrossEntropy:
                    var g = 0.0
                    if yj != 0 { value -= yj * Math.log(pj); g -= yj / pj }
                    if yj != 1 { value -= (1 - yj) * Math.log(1 - pj); g += (1 - yj) / (1 - pj) }
                    dO[j] = F(g)
                }
            }
            switch readout {
            case .linear, .none:
                break
            case .sigmoid:
                for j in 0..<k { dO[j] *= p[j] * (1 - p[j]) }
            case .softmax:
                var dot: F = 0
                for j in 0..<k { dot += dO[j] * p[j] }
                for j in 0..<k { dO[j] = p[j] * (dO[j] - dot) }
            }
            return value
        }
    }
}
