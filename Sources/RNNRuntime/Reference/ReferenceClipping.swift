/// The reference clipping rules over per-parameter matrices, in Float64:
/// the definition. Training clips its flat gradient buffer with
/// `Clipping.apply(toFlat:)` in the model's precision; ClippingTests and
/// OptimisationExactnessTests hold that one to this. Nothing in the product calls it.
extension Clipping {
    /// What one clipping did.
    struct Report: Equatable, Sendable {
        var normBefore: Double
        var normAfter: Double
        /// Elements changed, per gradient.
        var clippedCounts: [Int]
    }

    @discardableResult
    func apply(to gradients: inout [Matrix]) -> Report {
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
    static func globalNorm(_ gradients: [Matrix]) -> Double {
        gradients.reduce(0) { $0 + $1.sumOfSquares }.squareRoot()
    }
}
