import CKernels

/// The two precisions the engine computes in. Parameters are stored as Float64
/// in `RNNModel`; a Float32 model packs them into Float buffers for each pass.
public enum Precision: String, Sendable, CaseIterable {
    case float64, float32
}

/// What the engine needs of a floating-point type: the product kernel and the
/// elementwise functions, each the runtime's own (CKernels), so that every
/// machine computes the same bits.
protocol RNNScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable {
    init(_ value: Double)
    var double: Double { get }
    /// C = op(A)·op(B) + beta·C, beta 0 or 1 (rnn_kernels.h, one fixed order per element).
    static func gemm(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
        beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Elements of op(B) (k × n) packed into column panels (rnn_kernels.h).
    static func panelsSize(k: Int, n: Int) -> Int
    /// Packs op(B): B stored k × n, or n × k when `transposed`.
    static func pack(transposed: Bool, k: Int, n: Int, _ b: UnsafePointer<Self>, ldb: Int, into panels: UnsafeMutablePointer<Self>)
    /// C = A·op(B) + beta·C with op(B) packed by `pack` (the same bits as `gemm`).
    static func packedProduct(m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int, panels: UnsafePointer<Self>,
                              beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    /// 1 / (1 + e⁻ˣ)
    static func sigmoid(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    /// y[i] = tanh(x[i]) / σ(x[i]) for i < count, in the instruction set's vectors
    /// (the same bits as the scalar forms; x and y may be the same buffer).
    static func tanh(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count: Int)
    static func sigmoid(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count: Int)
    /// Whether training cuts a batch of `TrainingPass.splitThreshold` or more in
    /// two halves on two threads: Float32 does; Float64 keeps the results of
    /// one workspace (its goldens predate the split), bit for bit.
    static var splitsLargeBatches: Bool { get }
    /// One optimizer update over flat buffers (rnn_kernels.h, `rnn_update_*`):
    /// nil, or the first position whose new parameter is not finite.
    static func update(_ rule: rnn_update_rule, _ o: UpdateOperands<Self>) -> Int?
}

/// The buffers of one optimizer update (`rnn_update_*`): `count` parameters and
/// their gradients, the three state buffers, and where the new ones go.
struct UpdateOperands<F: RNNScalar> {
    var count: Int
    var parameters: UnsafePointer<F>, gradients: UnsafePointer<F>
    var state: (UnsafePointer<F>, UnsafePointer<F>, UnsafePointer<F>)
    var next: UnsafeMutablePointer<F>
    var nextState: (UnsafeMutablePointer<F>, UnsafeMutablePointer<F>, UnsafeMutablePointer<F>)
}

extension RNNScalar {
    /// log(1 + eˣ) without overflow.
    @inline(__always) static func softplus(_ x: Self) -> Self {
        x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
    }

    /// `C = op(A)·op(B) + beta·C`.
    @inline(__always)
    static func product(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
        beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        precondition(beta == 0 || beta == 1)
        gemm(transA, transB, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
    }
}

extension Double: RNNScalar {
    var double: Double { self }
    static var splitsLargeBatches: Bool { false }
    @inline(__always)
    static func gemm(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
        beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        rnn_gemm_f64(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, beta == 0 ? 0 : 1, c, ldc)
    }
    static func panelsSize(k: Int, n: Int) -> Int { rnn_panels_size_f64(k, n) }
    static func pack(transposed: Bool, k: Int, n: Int, _ b: UnsafePointer<Double>, ldb: Int, into panels: UnsafeMutablePointer<Double>) {
        rnn_pack_f64(transposed ? 1 : 0, k, n, b, ldb, panels)
    }
    @inline(__always)
    static func packedProduct(m: Int, n: Int, k: Int, _ a: UnsafePointer<Double>, lda: Int, panels: UnsafePointer<Double>,
                              beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        rnn_gemm_packed_f64(0, m, n, k, a, lda, panels, beta == 0 ? 0 : 1, c, ldc)
    }
    @inline(__always) static func exp(_ x: Double) -> Double { rnn_exp(x) }
    @inline(__always) static func log(_ x: Double) -> Double { rnn_log(x) }
    @inline(__always) static func tanh(_ x: Double) -> Double { rnn_tanh(x) }
    @inline(__always) static func sigmoid(_ x: Double) -> Double { rnn_sigmoid(x) }
    @inline(__always) static func log1p(_ x: Double) -> Double { rnn_log1p(x) }
    static func tanh(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        rnn_tanh_array(count, x, y)
    }
    static func sigmoid(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        rnn_sigmoid_array(count, x, y)
    }
    static func update(_ rule: rnn_update_rule, _ o: UpdateOperands<Double>) -> Int? {
        var rule = rule
        let bad = rnn_update_f64(&rule, o.count, o.parameters, o.gradients, o.state.0, o.state.1, o.state.2,
                                 o.next, o.nextState.0, o.nextState.1, o.nextState.2)
        return bad < 0 ? nil : bad
    }
}

extension Float: RNNScalar {
    var double: Double { Double(self) }
    static var splitsLargeBatches: Bool { true }
    @inline(__always)
    static func gemm(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        rnn_gemm_f32(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, beta == 0 ? 0 : 1, c, ldc)
    }
    static func panelsSize(k: Int, n: Int) -> Int { rnn_panels_size_f32(k, n) }
    static func pack(transposed: Bool, k: Int, n: Int, _ b: UnsafePointer<Float>, ldb: Int, into panels: UnsafeMutablePointer<Float>) {
        rnn_pack_f32(transposed ? 1 : 0, k, n, b, ldb, panels)
    }
    @inline(__always)
    static func packedProduct(m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, panels: UnsafePointer<Float>,
                              beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        rnn_gemm_packed_f32(0, m, n, k, a, lda, panels, beta == 0 ? 0 : 1, c, ldc)
    }
    // exp, tanh and the logistic are the branch-free FastFloat forms, so gate loops vectorise.
    @inline(__always) static func exp(_ x: Float) -> Float { FastFloat.exp(x) }
    /// The double-precision logarithm rounded to Float (within half an ulp but for rare double roundings).
    @inline(__always) static func log(_ x: Float) -> Float { Float(rnn_log(Double(x))) }
    @inline(__always) static func tanh(_ x: Float) -> Float { FastFloat.tanh(x) }
    @inline(__always) static func sigmoid(_ x: Float) -> Float { FastFloat.sigmoid(x) }
    @inline(__always) static func log1p(_ x: Float) -> Float { Float(rnn_log1p(Double(x))) }
    static func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        rnn_tanh_array_f32(count, x, y)
    }
    static func sigmoid(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        rnn_sigmoid_array_f32(count, x, y)
    }
    static func update(_ rule: rnn_update_rule, _ o: UpdateOperands<Float>) -> Int? {
        var rule = rule
        let bad = rnn_update_f32(&rule, o.count, o.parameters, o.gradients, o.state.0, o.state.1, o.state.2,
                                 o.next, o.nextState.0, o.nextState.1, o.nextState.2)
        return bad < 0 ? nil : bad
    }
}
