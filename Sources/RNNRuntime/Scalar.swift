import CBLAS
import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// The two precisions the engine computes in. Parameters are stored as Float64
/// in `RNNModel`; a Float32 model packs them into Float buffers for each pass.
public enum Precision: String, Sendable, CaseIterable {
    case float64, float32
}

/// What the engine needs of a floating-point type: BLAS products and the
/// elementwise functions, each mapped to the native single or double routine.
protocol RNNScalar: BinaryFloatingPoint, SIMDScalar, Sendable {
    init(_ value: Double)
    var double: Double { get }
    static func gemm(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
        beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    /// y = alpha·op(A)·x + beta·y (BLAS gemv, row-major A of rows×cols).
    static func gemv(
        _ transA: Bool, rows: Int, cols: Int, alpha: Self, _ a: UnsafePointer<Self>, lda: Int,
        _ x: UnsafePointer<Self>, beta: Self, _ y: UnsafeMutablePointer<Self>)
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    /// 1 / (1 + e⁻ˣ)
    static func sigmoid(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    /// Whether the recurrent step products of an m-row batch against a k × n
    /// matrix run on panels packed once per pass (Float32 on AVX-512) rather
    /// than through BLAS, which repacks the matrix at every step.
    static func usesPanels(m: Int, n: Int, k: Int) -> Bool
    /// Packs op(B), k × n (B row-major with leading dimension ldb, or Bᵀ of
    /// B stored n × k), into `panelCount(k:n:)` elements. Only when `usesPanels`.
    static func packPanels(k: Int, n: Int, _ b: UnsafePointer<Self>, ldb: Int, transposed: Bool, into panels: UnsafeMutablePointer<Self>)
    /// C = A·op(B) + beta·C (beta 0 or 1) with op(B) packed by `packPanels`.
    static func panelProduct(m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int, panels: UnsafePointer<Self>,
                             beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    /// The LSTM forward gate work of one step for `rows` sequences in
    /// AVX-512 registers (CKernels/gates.h, bit-identical to the Swift
    /// passes); false, doing nothing, where that is not available.
    static func lstmForwardVectorized(rows: Int, d: Int, gates: UnsafeMutablePointer<Self>, cPrev: UnsafePointer<Self>,
                                      cNext: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>,
                                      hNext: UnsafeMutablePointer<Self>) -> Bool
}

extension RNNScalar {
    static func panelCount(k: Int, n: Int) -> Int { rnn_panels_size(k, n) }
}

extension RNNScalar {
    /// log(1 + eˣ) without overflow.
    @inline(__always) static func softplus(_ x: Self) -> Self {
        x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
    }

    /// `C = alpha·op(A)·op(B) + beta·C`, guarding the degenerate sizes BLAS rejects.
    @inline(__always)
    static func product(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self = 1, _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
        beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        // One row (batch 1): a matrix-vector product; gemm would repack B on every call.
        if m == 1 && !transA {
            // c (1×n) = a (1×k) · op(B) (k×n) is op(B)ᵀ · aᵀ: gemv with B (stored k×n, or n×k when transB).
            if transB { gemv(false, rows: n, cols: k, alpha: alpha, b, lda: max(ldb, 1), a, beta: beta, c) }
            else { gemv(true, rows: k, cols: n, alpha: alpha, b, lda: max(ldb, 1), a, beta: beta, c) }
            return
        }
        gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a, lda: max(lda, 1), b, ldb: max(ldb, 1),
             beta: beta, c, ldc: max(ldc, 1))
    }
}

extension Double: RNNScalar {
    var double: Double { self }
    @inline(__always)
    static func gemm(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
        beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inline(__always)
    static func gemv(
        _ transA: Bool, rows: Int, cols: Int, alpha: Double, _ a: UnsafePointer<Double>, lda: Int,
        _ x: UnsafePointer<Double>, beta: Double, _ y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, Int32(rows), Int32(cols), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
    @inline(__always) static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    @inline(__always) static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + Glibc.exp(-x)) }
        let e = Glibc.exp(x)
        return e / (1 + e)
    }
    @inline(__always) static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    /// Float64 keeps BLAS for every product, so its results are unchanged.
    static func usesPanels(m: Int, n: Int, k: Int) -> Bool { false }
    static func packPanels(k: Int, n: Int, _ b: UnsafePointer<Double>, ldb: Int, transposed: Bool,
                           into panels: UnsafeMutablePointer<Double>) {
        preconditionFailure("Float64 step products use BLAS")
    }
    static func panelProduct(m: Int, n: Int, k: Int, _ a: UnsafePointer<Double>, lda: Int, panels: UnsafePointer<Double>,
                             beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        preconditionFailure("Float64 step products use BLAS")
    }
    static func lstmForwardVectorized(rows: Int, d: Int, gates: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                                      cNext: UnsafeMutablePointer<Double>, tanhC: UnsafeMutablePointer<Double>,
                                      hNext: UnsafeMutablePointer<Double>) -> Bool { false }
}

extension Float: RNNScalar {
    var double: Double { Double(self) }
    @inline(__always)
    static func gemm(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inline(__always)
    static func gemv(
        _ transA: Bool, rows: Int, cols: Int, alpha: Float, _ a: UnsafePointer<Float>, lda: Int,
        _ x: UnsafePointer<Float>, beta: Float, _ y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, Int32(rows), Int32(cols), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
    // exp, tanh and the logistic are the branch-free FastFloat forms, so gate loops vectorise.
    @inline(__always) static func exp(_ x: Float) -> Float { FastFloat.exp(x) }
    @inline(__always) static func log(_ x: Float) -> Float { Glibc.logf(x) }
    @inline(__always) static func tanh(_ x: Float) -> Float { FastFloat.tanh(x) }
    @inline(__always) static func sigmoid(_ x: Float) -> Float { FastFloat.sigmoid(x) }
    @inline(__always) static func log1p(_ x: Float) -> Float { Glibc.log1pf(x) }
    static func usesPanels(m: Int, n: Int, k: Int) -> Bool { VectorKernels.panelsSuit(m: m, n: n, k: k) }
    static func packPanels(k: Int, n: Int, _ b: UnsafePointer<Float>, ldb: Int, transposed: Bool,
                           into panels: UnsafeMutablePointer<Float>) {
        rnn_pack_panels(k, n, b, ldb, transposed ? 1 : 0, panels)
    }
    @inline(__always)
    static func panelProduct(m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, panels: UnsafePointer<Float>,
                             beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(beta == 0 || beta == 1)
        rnn_panel_sgemm(m, n, k, a, lda, panels, beta, c, ldc)
    }
    static func lstmForwardVectorized(rows: Int, d: Int, gates: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>,
                                      cNext: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                                      hNext: UnsafeMutablePointer<Float>) -> Bool {
        guard VectorKernels.available else { return false }
        rnn_lstm_forward_f32(rows, d, gates, cPrev, cNext, tanhC, hNext)
        return true
    }
}

/// The AVX-512 kernels of CKernels: whether the CPU and OS have AVX-512, and
/// when the panel product (small_gemm.h) beats OpenBLAS: measured here, about
/// 1.5–2× at 8–32 rows against matrices of 128 × 128 and more; with fewer
/// rows, or small matrices (little to repack), BLAS wins.
enum VectorKernels {
    /// Whether this CPU and OS run AVX-512 (checked once).
    static let available = rnn_small_sgemm_available() != 0

    @inline(__always) static func panelsSuit(m: Int, n: Int, k: Int) -> Bool {
        available && m >= 8 && m <= 32 && n * k >= 128 * 128
    }

}
