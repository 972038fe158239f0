import Testing
@testable import RNNRuntime

/// The product kernels against the arithmetic contract written out plainly:
/// every element of C = beta·C + op(A)·op(B) is acc = beta ? c : +0, then
/// acc = fma(a_ip, b_pj, acc) for p = 0, 1, …, k−1. Each instruction set the
/// machine runs must give exactly those bits (not merely close ones), for
/// every remainder of rows and columns of the blocking, strided operands,
/// both transpositions of each operand and both betas; and nothing outside
/// the m × n block of C may change.
@Suite("Product kernels", .serialized)
struct ProductKernelTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 7, 3), (1, 100, 100), (1, 72, 100), (2, 5, 0), (3, 17, 7), (4, 24, 9), (5, 31, 64),
        (7, 13, 1), (8, 33, 5), (13, 100, 130), (25, 72, 100), (32, 256, 48), (6, 49, 11), (9, 257, 3),
    ]

    /// The contract, one element at a time.
    static func reference<F: BinaryFloatingPoint>(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, a: [F], lda: Int, b: [F], ldb: Int, beta: Bool,
        c: inout [F], ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var acc: F = beta ? c[i * ldc + j] : 0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    acc = acc.addingProduct(x, y)
                }
                c[i * ldc + j] = acc
            }
        }
    }

    static func check<F: RNNScalar>(_: F.Type, _ shape: (m: Int, n: Int, k: Int), transA: Bool, transB: Bool) {
        let (m, n, k) = shape
        let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 5, ldc = n + 2
        var random = RandomSource(seed: UInt64(m * 1_000_003 + n * 1_009 + k * 7 + (transA ? 1 : 0) + (transB ? 2 : 0)))
        let a = (0..<((transA ? k : m) * lda)).map { _ in F(random.nextUnit() * 2 - 1) }
        let b = (0..<((transB ? n : k) * ldb)).map { _ in F(random.nextUnit() * 2 - 1) }
        let c0 = (0..<(m * ldc)).map { _ in F(random.nextUnit() * 2 - 1) }
        for beta in [false, true] {
            var expected = c0
            reference(transA, transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &expected, ldc: ldc)
            for set in InstructionSet.supported {
                InstructionSet.select(set)
                var actual = c0
                a.withUnsafeBufferPointer { A in
                    b.withUnsafeBufferPointer { B in
                        actual.withUnsafeMutableBufferPointer { C in
                            F.product(transA, transB, m: m, n: n, k: k, A.baseAddress!, lda: lda, B.baseAddress!, ldb: ldb,
                                      beta: beta ? 1 : 0, C.baseAddress!, ldc: ldc)
                        }
                    }
                }
                let same = zip(actual, expected).allSatisfy { ($0 == $1 && $0.sign == $1.sign) || ($0.isNaN && $1.isNaN) }
                #expect(same, "\(F.self) \(set) \(m)×\(n)×\(k) transA \(transA) transB \(transB) beta \(beta)")
            }
            InstructionSet.select(.best)
        }
    }

    @Test("Float64: every instruction set computes the contract's bits", arguments: shapes)
    func double(_ shape: (m: Int, n: Int, k: Int)) {
        for transA in [false, true] { for transB in [false, true] { Self.check(Double.self, shape, transA: transA, transB: transB) } }
    }

    @Test("Float32: every instruction set computes the contract's bits", arguments: shapes)
    func single(_ shape: (m: Int, n: Int, k: Int)) {
        for transA in [false, true] { for transB in [false, true] { Self.check(Float.self, shape, transA: transA, transB: transB) } }
    }

    @Test("a sum whose order matters: the kernels add in increasing p, never in lanes or halves")
    func order() {
        // 1 + 2⁻⁵³ + 2⁻⁵³ is 1 when added left to right, 1 + 2⁻⁵² when the small terms are paired first.
        let k = 3
        let a: [Double] = [1, 1, 1]
        let b: [Double] = [1, 0x1p-53, 0x1p-53]
        for set in InstructionSet.supported {
            InstructionSet.select(set)
            var c: [Double] = [0]
            Double.product(false, false, m: 1, n: 1, k: k, a, lda: k, b, ldb: 1, beta: 0, &c, ldc: 1)
            #expect(c[0] == 1, "\(set)")
        }
        InstructionSet.select(.best)
    }

    @Test("the machine's sets: portable always, the best one selectable, missing ones refused")
    func sets() {
        #expect(InstructionSet.portable.isSupported)
        #expect(InstructionSet.supported.contains(.best))
        #expect(InstructionSet.select(.best) && InstructionSet.current == .best)
        for set in InstructionSet.allCases where !set.isSupported {
            #expect(!InstructionSet.select(set))
            #expect(InstructionSet.current == .best)
        }
    }

    @Test("the elementary functions give the same bits on every instruction set")
    func elementaryAcrossSets() {
        var random = RandomSource(seed: 99)
        let xs: [Double] = (0..<200_000).map { i in
            let magnitude = Math.exp(random.nextUnit() * 16 - 10)
            return i % 2 == 0 ? magnitude : -magnitude
        } + ElementaryFunctionTests.specials
        func all() -> [[UInt64]] {
            [xs.map { Math.exp($0).bitPattern }, xs.map { Math.log(abs($0)).bitPattern },
             xs.map { Math.log1p($0).bitPattern }, xs.map { Math.tanh($0).bitPattern },
             xs.map { Math.sigmoid($0).bitPattern }]
        }
        InstructionSet.select(.portable)
        let portable = all()
        for set in InstructionSet.supported {
            InstructionSet.select(set)
            #expect(all() == portable, "\(set)")
        }
        InstructionSet.select(.best)
    }
}
