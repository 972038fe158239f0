/// Loss of one step and its gradient with respect to the logits o_t.
///
/// Canonical pairs use the fused, numerically stable forms:
/// softmax + cross-entropy: L = −Σ y_j (o_j − logΣe^o), ∂L/∂o = ŷ·Σy − y;
/// sigmoid + binary cross-entropy: L = Σ softplus(o_j) − y_j o_j, ∂L/∂o = ŷ − y.
/// Other pairs go through ∂L/∂ŷ and the readout's Jacobian. Terms with a zero
/// target weight are skipped in the logarithmic losses (0 · log 0 = 0).
enum StepLoss {
    static func evaluate(
        loss: LossKind, readout: Readout, k: Int,
        logits o: UnsafePointer<Double>, prediction p: UnsafePointer<Double>,
        target y: UnsafePointer<Double>, gradient dO: UnsafeMutablePointer<Double>
    ) -> Double {
        switch (loss, readout) {
        case (.crossEntropy, .softmax):
            var m = -Double.infinity
            for j in 0..<k where o[j] > m { m = o[j] }
            var total = 0.0
            for j in 0..<k { total += Math.exp(o[j] - m) }
            let logSum = m + Math.log(total)
            var value = 0.0, mass = 0.0
            for j in 0..<k where y[j] != 0 { value -= y[j] * (o[j] - logSum); mass += y[j] }
            for j in 0..<k { dO[j] = p[j] * mass - y[j] }
            return value
        case (.binaryCrossEntropy, .sigmoid):
            var value = 0.0
            for j in 0..<k {
                value += Math.softplus(o[j]) - y[j] * o[j]
                dO[j] = p[j] - y[j]
            }
            return value
        default:
            var value = 0.0
            // dO first holds ∂L/∂ŷ.
            for j in 0..<k {
                switch loss {
                case .squaredError:
                    let e = p[j] - y[j]
                    value += 0.5 * e * e
                    dO[j] = e
                case .crossEntropy:
                    if y[j] != 0 {
                        value -= y[j] * Math.log(p[j])
                        dO[j] = -y[j] / p[j]
                    } else {
                        dO[j] = 0
                    }
                case .binaryCrossEntropy:
                    var g = 0.0
                    if y[j] != 0 { value -= y[j] * Math.log(p[j]); g -= y[j] / p[j] }
                    if y[j] != 1 { value -= (1 - y[j]) * Math.log(1 - p[j]); g += (1 - y[j]) / (1 - p[j]) }
                    dO[j] = g
                }
            }
            switch readout {
            case .linear:
                break
            case .sigmoid:
                for j in 0..<k { dO[j] *= p[j] * (1 - p[j]) }
            case .softmax:
                var dot = 0.0
                for j in 0..<k { dot += dO[j] * p[j] }
                for j in 0..<k { dO[j] = p[j] * (dO[j] - dot) }
            }
            return value
        }
    }
}
