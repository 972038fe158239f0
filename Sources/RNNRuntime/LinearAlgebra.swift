/// Norms the inspection tools need, for the small matrices of an RNN.
public enum LinearAlgebra {
    /// The spectral norm ‖A‖₂, the largest singular value: √λ_max(AᵀA), with the
    /// eigenvalues of the symmetric AᵀA found by cyclic Jacobi rotations
    /// (converges to machine precision; at most 100 sweeps).
    ///
    /// Jacobi costs O(n³) per sweep, minutes for n in the thousands, so wider
    /// matrices use power iteration on AᵀA (see `spectralNormByPowerIteration`).
    public static func spectralNorm(_ a: Matrix) -> Double {
        if a.count == 0 { return 0 }
        if min(a.rows, a.cols) > jacobiLimit { return spectralNormByPowerIteration(a) }
        let ata = a.cols <= a.rows ? a.transposed.matmul(a) : a.matmul(a.transposed)
        let eig = symmetricEigenvalues(ata)
        return max(eig.max() ?? 0, 0).squareRoot()
    }

    /// The widest Gram matrix the Jacobi method handles (n = 256: well under a second).
    static let jacobiLimit = 256

    /// ‖A‖₂ by power iteration on AᵀA from a fixed start vector (all ones), so
    /// the result is the same on every run and machine: the Rayleigh quotient
    /// converges like (σ₂/σ₁)^(4k); it stops when an iteration changes it by
    /// less than 1e-15 relative, or after 2,000 iterations (O(n²) each).
    /// Entries are scaled by the largest magnitude first, so nothing overflows.
    static func spectralNormByPowerIteration(_ a: Matrix) -> Double {
        let scale = a.storage.reduce(0.0) { max($0, abs($1)) }
        if scale == 0 || !scale.isFinite { return scale == 0 ? 0 : .infinity }
        let m = a.map { $0 / scale }, mt = m.transposed
        var v = Matrix(rows: m.cols, cols: 1, storage: [Double](repeating: 1 / Double(m.cols).squareRoot(), count: m.cols))
        var estimate = 0.0
        for _ in 0..<2_000 {
            let w = mt.matmul(m.matmul(v))            // AᵀA v
            let norm = w.frobeniusNorm
            if norm == 0 { return 0 }
            let next = norm.squareRoot()              // ‖AᵀA v‖ → σ₁² for a unit v
            v = w.map { $0 / norm }
            if abs(next - estimate) <= 1e-15 * next { estimate = next; break }
            estimate = next
        }
        return estimate * scale
    }

    /// The spectral radius ρ(A) = max |λ| of a square matrix, by Gelfand's
    /// formula ρ = lim ‖A^k‖^(1/k) with k = 2⁴⁰ reached by repeated squaring
    /// (each square is rescaled and its log-scale kept, so nothing overflows).
    /// Unlike power iteration it does not need a real dominant eigenvalue; the
    /// error, a factor C^(1/k) for ‖A^k‖ ≈ C ρ^k, is far below printing precision.
    public static func spectralRadius(_ a: Matrix) -> Double {
        precondition(a.rows == a.cols)
        if a.count == 0 { return 0 }
        var power = a
        var logScale = 0.0  // log of the factor divided out of `power`, per unit of exponent
        var exponent = 1.0
        for _ in 0..<40 {
            let norm = power.frobeniusNorm
            if norm == 0 { return 0 }
            power = power.map { $0 / norm }
            logScale += Math.log(norm) / exponent
            power = power.matmul(power)
            exponent *= 2
        }
        let norm = spectralNorm(power)
        if norm == 0 { return 0 }
        return Math.exp(logScale + Math.log(norm) / exponent)
    }

    /// The eigenvalues of a symmetric matrix (cyclic Jacobi method).
    public static func symmetricEigenvalues(_ s: Matrix) -> [Double] {
        let n = s.rows
        var a = s
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(n, p + 1) { off += a[p, q] * a[p, q] } }
            if off <= 1e-30 * max(a.sumOfSquares, 1e-300) { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) where a[p, q] != 0 {
                    let theta = (a[q, q] - a[p, p]) / (2 * a[p, q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), sn = t * c
                    for k in 0..<n {
                        let akp = a[k, p], akq = a[k, q]
                        a[k, p] = c * akp - sn * akq
                        a[k, q] = sn * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p, k], aqk = a[q, k]
                        a[p, k] = c * apk - sn * aqk
                        a[q, k] = sn * apk + c * aqk
                    }
                }
            }
        }
        return (0..<n).map { a[$0, $0] }
    }
}
