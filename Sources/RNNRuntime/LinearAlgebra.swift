/// Norms the inspection tools need, for the small matrices of an RNN.
public enum LinearAlgebra {
    /// The spectral norm ‖A‖₂, the largest singular value: √λ_max(AᵀA), with the
    /// eigenvalues of the symmetric AᵀA found by cyclic Jacobi rotations
    /// (converges to machine precision; at most 100 sweeps).
    ///
    /// Jacobi costs O(n³) per sweep, minutes for n in the thousands, so wider
    /// matrices use the Lanczos method on AᵀA (see `spectralNormByLanczos`).
    public static func spectralNorm(_ a: Matrix) -> Double {
        if a.count == 0 { return 0 }
        if min(a.rows, a.cols) > jacobiLimit { return spectralNormByLanczos(a) }
        let ata = a.cols <= a.rows ? a.transposed.matmul(a) : a.matmul(a.transposed)
        let eig = symmetricEigenvalues(ata)
        return max(eig.max() ?? 0, 0).squareRoot()
    }

    /// The widest Gram matrix the Jacobi method handles (n = 256: well under a second).
    static let jacobiLimit = 256

    /// ‖A‖₂ as √λ_max(G), G = AᵀA (or AAᵀ, whichever is smaller), by the
    /// Lanczos method with full reorthogonalisation from a fixed start vector
    /// (all ones), so the result is the same on every run and machine. Lanczos
    /// converges like a Chebyshev polynomial of the spectral gap, where power
    /// iteration converges like a power of it: a random 4400 × 4400 matrix
    /// needs a few hundred products instead of thousands (`show m` at the
    /// largest hidden size ran for minutes). λ_max of the tridiagonal matrix is
    /// found by bisection on Sturm counts after each step; the method stops
    /// when it changes by less than 1e-14 relative, when the Krylov space is
    /// exhausted, or after 400 steps. Entries are scaled by the largest
    /// magnitude first, so nothing overflows. Products are row vectors times a
    /// matrix (the runtime's vectorised one-row kernel).
    static func spectralNormByLanczos(_ a: Matrix) -> Double {
        let scale = a.storage.reduce(0.0) { max($0, abs($1)) }
        if scale == 0 || !scale.isFinite { return scale == 0 ? 0 : .infinity }
        // G q = (q Bᵀ) B for the orientation B whose rows are the longer side.
        let b = a.rows >= a.cols ? a.map { $0 / scale } : a.transposed.map { $0 / scale }
        let bt = b.transposed, n = b.cols
        func apply(_ q: [Double]) -> [Double] {
            Matrix(rows: 1, cols: n, storage: q).matmul(bt).matmul(b).storage
        }
        func dot(_ x: [Double], _ y: [Double]) -> Double {
            var sum = 0.0
            for i in 0..<x.count { sum += x[i] * y[i] }
            return sum
        }
        var basis: [[Double]] = []
        var alpha: [Double] = [], beta: [Double] = []
        var q = [Double](repeating: 1 / Double(n).squareRoot(), count: n)
        var estimate = 0.0
        for _ in 0..<min(n, 400) {
            basis.append(q)
            var w = apply(q)
            alpha.append(dot(q, w))
            // Twice against every basis vector: the three-term recurrence alone loses orthogonality.
            for _ in 0..<2 {
                for v in basis {
                    let c = dot(v, w)
                    for i in 0..<n { w[i] -= c * v[i] }
                }
            }
            let next = largestEigenvalue(diagonal: alpha, offDiagonal: beta)
            let norm = dot(w, w).squareRoot()
            let settled = abs(next - estimate) <= 1e-14 * next
            estimate = next
            if settled || norm <= 1e-13 * max(next, 1e-300) { break }
            beta.append(norm)
            q = w.map { $0 / norm }
        }
        return max(estimate, 0).squareRoot() * scale
    }

    /// The largest eigenvalue of the symmetric tridiagonal matrix with this
    /// diagonal and off-diagonal, by bisection on Sturm counts (the number of
    /// eigenvalues below x is the number of negative pivots of T − xI) inside
    /// the Gershgorin interval, to the spacing of doubles.
    static func largestEigenvalue(diagonal a: [Double], offDiagonal b: [Double]) -> Double {
        let m = a.count
        var lo = Double.infinity, hi = -Double.infinity
        for i in 0..<m {
            let radius = (i > 0 ? abs(b[i - 1]) : 0) + (i < m - 1 ? abs(b[i]) : 0)
            lo = min(lo, a[i] - radius)
            hi = max(hi, a[i] + radius)
        }
        func below(_ x: Double) -> Int {
            var count = 0, pivot = 1.0
            for i in 0..<m {
                pivot = a[i] - x - (i > 0 ? b[i - 1] * b[i - 1] / pivot : 0)
                if pivot == 0 { pivot = -1e-300 }
                if pivot < 0 { count += 1 }
            }
            return count
        }
        for _ in 0..<200 {
            let mid = lo + (hi - lo) / 2
            if mid <= lo || mid >= hi { break }
            if below(mid) == m { hi = mid } else { lo = mid }
        }
        return hi
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
