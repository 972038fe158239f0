/// Gradient clipping, applied after an update's gradients are complete and
/// before the optimizer step.
public enum Clipping: Equatable, Sendable {
    case none
    /// Every element clamped to [−V, V].
    case value(Double)
    /// PyTorch's `clip_grad_norm_`: with ‖g‖ the global L2 norm over all
    /// gradients, multiply every gradient by N/(‖g‖ + 1e-6) when that is below 1.
    case norm(Double)

    /// What clipping a flat gradient did: norms, and (with `recordPositions`,
    /// for the update log) the positions it changed.
    struct FlatReport {
        var normBefore: Double
        var normAfter: Double
        var clipped: [Int]
    }

    /// The same rules over one flat gradient buffer (a training run's).
    /// Norms are computed only when needed: for norm clipping, or for the log
    /// (`recordPositions`); otherwise they are reported as NaN.
    func apply<F: RNNScalar>(toFlat g: inout [F], recordPositions: Bool = false) -> FlatReport {
        func norm() -> Double {
            var sum = 0.0
            g.withUnsafeBufferPointer { p in for v in p { sum += v.double * v.double } }
            return sum.squareRoot()
        }
        let needNorms = recordPositions || { if case .norm = self { return true } else { return false } }()
        let before = needNorms ? norm() : .nan
        var clipped: [Int] = []
        switch self {
        case .none:
            return FlatReport(normBefore: before, normAfter: before, clipped: [])
        case let .value(limit):
            let v = F(limit)
            g.withUnsafeMutableBufferPointer { p in
                if !recordPositions {
                    // A branch-free clamp (NaN stays NaN), which vectorises.
                    for i in 0..<p.count { let x = p[i]; p[i] = x > v ? v : (x < -v ? -v : x) }
                    return
                }
                for i in 0..<p.count {
                    if p[i] > v {
                        p[i] = v
                        if recordPositions { clipped.append(i) }
                    } else if p[i] < -v {
                        p[i] = -v
                        if recordPositions { clipped.append(i) }
                    }
                }
            }
        case let .norm(maxNorm):
            let factor = maxNorm / (before + 1e-6)
            if factor < 1 {
                let f = F(factor)
                g.withUnsafeMutableBufferPointer { p in
                    for i in 0..<p.count {
                        p[i] *= f
                        if recordPositions && p[i] != 0 { clipped.append(i) }
                    }
                }
            }
        }
        return FlatReport(normBefore: before, normAfter: needNorms ? norm() : .nan, clipped: clipped)
    }
}
