/// The reference update rules: the four torch.optim rules one element at a
/// time in Float64, written to be read beside PyTorch's documentation. This is
/// the definition; training runs the same rules through `FlatOptimizer`
/// (CKernels/optimizer_template.h: vectorised, in the model's precision), and
/// OptimisationExactnessTests and UpdateKernelTests hold that fast path to
/// this one. Nothing in the product calls it.
extension OptimizerState {
    /// One update of every parameter from its gradient.
    mutating func step(parameters: inout [Matrix], gradients: [Matrix]) {
        precondition(parameters.count == gradients.count)
        if first.isEmpty {
            let zeros = parameters.map { [Double](repeating: 0, count: $0.count) }
            first = zeros; second = zeros; third = zeros
        }
        stepCount += 1
        let s = settings, t = Double(stepCount)
        for p in parameters.indices {
            let g0 = gradients[p].storage
            parameters[p].storage.withUnsafeMutableBufferPointer { w in
                for i in 0..<w.count {
                    var g = g0[i]
                    if s.weightDecay != 0 { g += s.weightDecay * w[i] }
                    switch s.kind {
                    case .sgd:
                        if s.momentum != 0 {
                            let buf = stepCount == 1 ? g : s.momentum * first[p][i] + (1 - s.dampening) * g
                            first[p][i] = buf
                            g = s.nesterov ? g + s.momentum * buf : buf
                        }
                        w[i] -= s.lr * g
                    case .adagrad:
                        let clr = s.lr / (1 + (t - 1) * s.lrDecay)
                        first[p][i] += g * g
                        w[i] -= clr * g / (first[p][i].squareRoot() + s.eps)
                    case .rmsprop:
                        second[p][i] = s.alpha * second[p][i] + (1 - s.alpha) * g * g
                        var avg: Double
                        if s.centered {
                            third[p][i] = s.alpha * third[p][i] + (1 - s.alpha) * g
                            avg = (second[p][i] - third[p][i] * third[p][i]).squareRoot() + s.eps
                        } else {
                            avg = second[p][i].squareRoot() + s.eps
                        }
                        if s.momentum > 0 {
                            first[p][i] = s.momentum * first[p][i] + g / avg
                            w[i] -= s.lr * first[p][i]
                        } else {
                            w[i] -= s.lr * g / avg
                        }
                    case .adam:
                        first[p][i] = s.beta1 * first[p][i] + (1 - s.beta1) * g
                        second[p][i] = s.beta2 * second[p][i] + (1 - s.beta2) * g * g
                        let bc1 = 1 - Math.power(s.beta1, Int(t)), bc2 = 1 - Math.power(s.beta2, Int(t))
                        let denom = second[p][i].squareRoot() / bc2.squareRoot() + s.eps
                        w[i] -= (s.lr / bc1) * first[p][i] / denom
                    }
                }
            }
        }
    }
}
