/// Gradient clipping, applied after an update's gradients are complete and
/// before the optimizer step.
public enum Clipping: Equatable, Sendable {
    case none
    /// Every element clamped to [−V, V].
    case value(Double)
    /// PyTorch's `clip_grad_norm_`: with ‖g‖ the global L2 norm over all
    /// gradients, multiply every gradient by N/(‖g‖ + 1e-6) when that is below 1.
    case norm(Double)

    /// What one clipping did.
    public struct Report: Equatable, Sendable {
        public var normBefore: Double
        public var normAfter: Double
        /// Elements changed, per gradient.
        public var clippedCounts: [Int]
    }

    @discardableResult
    public func apply(to gradients: inout [Matrix]) -> Report {
        let before = Self.globalNorm(gradients)
        var counts = [Int](repeating: 0, count: gradients.count)
        switch self {
        case .none:
            break
        case let .value(v):
            for p in gradients.indices {
                gradients[p].storage.withUnsafeMutableBufferPointer { g in
                    for i in 0..<g.count {
                        if g[i] > v { g[i] = v; counts[p] += 1 } else if g[i] < -v { g[i] = -v; counts[p] += 1 }
                    }
                }
            }
        case let .norm(maxNorm):
            let factor = maxNorm / (before + 1e-6)
            if factor < 1 {
                for p in gradients.indices {
                    gradients[p].storage.withUnsafeMutableBufferPointer { g in
                        for i in 0..<g.count { g[i] *= factor }
                    }
                    counts[p] = gradients[p].storage.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
                }
            }
        }
        let after = self == .none ? before : Self.globalNorm(gradients)
        return Report(normBefore: before, normAfter: after, clippedCounts: counts)
    }

    /// √(Σ over every gradient element of g²).
    public static func globalNorm(_ gradients: [Matrix]) -> Double {
        gradients.reduce(0) { $0 + $1.sumOfSquares }.squareRoot()
    }
}
