import Testing
@testable import RNNRuntime

/// Wide matrices take ‖A‖₂ by the Lanczos method (Jacobi is O(n³) per sweep:
/// `show net` at hidden 1000 took 16 s; power iteration took minutes at 4400).
/// It must agree with Jacobi.
@Suite("Spectral norm of wide matrices")
struct WideSpectralNormTests {
    static func random(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var r = RandomSource(seed: seed)
        return Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in r.uniform(-1, 1) })
    }

    @Test("Lanczos agrees with the Jacobi eigenvalues", arguments: [(40, 40), (60, 30), (30, 70), (120, 120), (200, 3), (1, 50)])
    func agrees(_ shape: (Int, Int)) {
        let a = Self.random(shape.0, shape.1, seed: UInt64(shape.0 * 1000 + shape.1))
        let jacobi = LinearAlgebra.symmetricEigenvalues(a.transposed.matmul(a)).max()!.squareRoot()
        let power = LinearAlgebra.spectralNormByLanczos(a)
        #expect(abs(power - jacobi) <= 1e-12 * jacobi, "Lanczos \(power), Jacobi \(jacobi)")
    }

    @Test("wide matrices: exact cases, huge entries, zero")
    func exact() {
        // diag(3, 1, …, 1) scaled: ‖·‖₂ is the largest entry.
        var d = Matrix(rows: 300, cols: 300)
        for i in 0..<300 { d[i, i] = i == 7 ? 3e300 : 1e300 }
        #expect(abs(LinearAlgebra.spectralNorm(d) / 3e300 - 1) < 1e-12)
        #expect(LinearAlgebra.spectralNorm(Matrix(rows: 300, cols: 300)) == 0)
        let a = Self.random(300, 300, seed: 4)
        #expect(LinearAlgebra.spectralNorm(a) == LinearAlgebra.spectralNorm(a), "deterministic")
        // A rank-one 300 × 400 matrix u vᵀ: ‖·‖₂ = ‖u‖ ‖v‖, found in one step.
        let u = (0..<300).map { Double($0 % 7) - 3 }, v = (0..<400).map { Double($0 % 5) + 1 }
        let outer = Matrix(rows: 300, cols: 400, storage: u.flatMap { ui in v.map { ui * $0 } })
        let expected = (u.reduce(0) { $0 + $1 * $1 } * v.reduce(0) { $0 + $1 * $1 }).squareRoot()
        #expect(abs(LinearAlgebra.spectralNorm(outer) / expected - 1) < 1e-13)
    }
}
