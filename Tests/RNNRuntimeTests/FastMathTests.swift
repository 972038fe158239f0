import Foundation
import Testing
@testable import RNNRuntime

/// The Float32 exp, logistic and tanh the gate loops use (FastFloat) against
/// libm in Float64, and the eight-lane helpers against plain loops.
@Suite("Vectorised kernels")
struct FastMathTests {
    /// Every 1/64 from −100 to 100, plus points near 0 and the branch at 0.55.
    static let sweep: [Float] = (-6400...6400).map { Float($0) / 64 }
        + [1e-30, -1e-30, 1e-8, -1e-8, 1e-3, -1e-3, 0.549_999, 0.55, 0.550_001, -0.55, 0.0, -0.0]

    /// |fast − exact| in units of the Float spacing at the exact value.
    static func ulps(_ fast: Float, _ exact: Double) -> Double {
        let spacing = Double(Float(exact).ulp)
        return abs(Double(fast) - exact) / max(spacing, Double(Float.leastNormalMagnitude.ulp))
    }

    @Test("exp within 2 ulp of libm over the normal range, 0 at the low end, finite at the top")
    func exp() {
        var worst = 0.0
        for x in Self.sweep where x >= -87 && x <= 88 {
            worst = max(worst, Self.ulps(FastFloat.exp(x), Foundation.exp(Double(x))))
        }
        #expect(worst <= 2, "worst \(worst) ulp")
        #expect(FastFloat.exp(0) == 1)
        #expect(FastFloat.exp(-200) < 1e-37 && FastFloat.exp(-200) >= 0)
        #expect(FastFloat.exp(200).isFinite && FastFloat.exp(200) > 1e38)
        #expect(FastFloat.exp(.nan).isNaN)
    }

    @Test("tanh within 3 ulp of libm everywhere, odd, saturating at ±1; NaN stays NaN")
    func tanh() {
        var worst = 0.0
        for x in Self.sweep {
            let fast = FastFloat.tanh(x)
            worst = max(worst, Self.ulps(fast, Foundation.tanh(Double(x))))
            #expect(fast == -FastFloat.tanh(-x))
            #expect(abs(fast) <= 1)
        }
        #expect(worst <= 3, "worst \(worst) ulp")
        #expect(FastFloat.tanh(.infinity) == 1 && FastFloat.tanh(-.infinity) == -1)
        #expect(FastFloat.tanh(.nan).isNaN)
    }

    @Test("logistic within 3 ulp of libm where it is normal, in [0, 1] everywhere")
    func sigmoid() {
        var worst = 0.0
        for x in Self.sweep {
            let fast = FastFloat.sigmoid(x), exact = 1 / (1 + Foundation.exp(-Double(x)))
            #expect(fast >= 0 && fast <= 1)
            if exact > 1e-30 { worst = max(worst, Self.ulps(fast, exact)) }
        }
        #expect(worst <= 3, "worst \(worst) ulp")
        #expect(FastFloat.sigmoid(0) == 0.5)
        #expect(FastFloat.sigmoid(.nan).isNaN)
    }

    @Test("Float's engine functions are the fast ones; Double's are the runtime's own")
    func dispatch() {
        for x in [-3.7, -0.2, 0.0, 0.4, 2.5] {
            #expect(Double.tanh(x) == Math.tanh(x))
            #expect(Double.exp(x) == Math.exp(x))
            #expect(Double.sigmoid(x) == Math.sigmoid(x))
            #expect(Double.log(x + 4) == Math.log(x + 4))
            #expect(Float.tanh(Float(x)) == FastFloat.tanh(Float(x)))
            #expect(Float.sigmoid(Float(x)) == FastFloat.sigmoid(Float(x)))
        }
    }

    @Test("the non-finite scan finds the first NaN or ±∞ in the body, the tail, or none",
          arguments: [0, 1, 7, 8, 9, 23, 64])
    func nonFiniteScan(_ count: Int) {
        let clean = (0..<count).map { Double($0) * 0.5 - 3 }
        #expect(firstNonFiniteIndex(clean) == nil)
        for position in Set([0, count / 2, count - 1]) where position >= 0 && position < count {
            for bad in [Double.nan, .infinity, -.infinity] {
                var values = clean
                values[position] = bad
                if position + 1 < count { values[count - 1] = .nan }
                #expect(firstNonFiniteIndex(values) == position, "\(bad) at \(position) of \(count)")
                #expect(firstNonFiniteIndex(values.map(Float.init)) == position)
            }
        }
    }

    @Test("lanes load zero-padded tails and store only the lanes inside the buffer", arguments: [1, 5, 8, 13])
    func lanes(_ count: Int) {
        var source = (0..<count).map { Float($0 + 1) }
        var target = [Float](repeating: -1, count: count + 3)
        source.withUnsafeMutableBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                for i in stride(from: 0, to: count, by: 8) {
                    let v = UnsafePointer(s.baseAddress!).lanes(i, count)
                    for l in 0..<8 { #expect(v[l] == (i + l < count ? Float(i + l + 1) : 0)) }
                    t.baseAddress!.setLanes(v * 2, i, count)
                }
            }
        }
        #expect(Array(target[..<count]) == source.map { $0 * 2 })
        #expect(Array(target[count...]) == [-1, -1, -1])
    }

    @Test("value clipping without positions clamps exactly like the recording path and keeps NaN")
    func clampPaths() {
        let values: [Double] = [-9, -5, -4.99, 0, 3, 5, 5.01, 12, .nan, -.infinity, .infinity]
        var fast = values, recorded = values
        _ = Clipping.value(5).apply(toFlat: &fast)
        let report = Clipping.value(5).apply(toFlat: &recorded, recordPositions: true)
        #expect(zip(fast, recorded).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(Array(fast[..<8]) == [-5, -5, -4.99, 0, 3, 5, 5, 5])
        #expect(fast[8].isNaN && fast[9] == -5 && fast[10] == 5)
        #expect(report.clipped == [0, 6, 7, 9, 10])
    }
}

/// The C activation arrays (CKernels/gates_template.h) compute FastFloat's
/// formulas operation for operation in each instruction set's vectors:
/// bit-identical to the Swift scalar forms, specials and tails included.
@Suite("Vectorised Float32 activations", .serialized)
struct VectorActivationTests {
    static let specials: [Float] = [0, -0.0, 0.55, -0.55, 0.549_999, -0.549_999, 88, -88, 88.8, -87.5, 100, -100,
                                    .infinity, -.infinity, .nan, -.nan, 1e-30, -1e-30, .leastNonzeroMagnitude,
                                    .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 44, -44, 9, -9]

    static func inputs(_ count: Int, seed: UInt64) -> [Float] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { i in
            i < specials.count ? specials[i] : Float(random.nextUnit() * 24 - 12) * (i % 7 == 0 ? 0.04 : 1)
        }
    }

    @Test("tanh and σ arrays equal FastFloat bit for bit on every instruction set, every lane and tail",
          arguments: [1, 3, 4, 7, 8, 15, 16, 17, 25, 37, 1000])
    func bitIdentical(_ count: Int) {
        let x = Self.inputs(count, seed: UInt64(count))
        let tanhs = x.map { FastFloat.tanh($0).bitPattern }, sigmoids = x.map { FastFloat.sigmoid($0).bitPattern }
        for set in InstructionSet.supported {
            InstructionSet.select(set)
            var y = [Float](repeating: 7, count: count + 1)
            x.withUnsafeBufferPointer { X in y.withUnsafeMutableBufferPointer { Y in
                Float.tanh(X.baseAddress!, into: Y.baseAddress!, count: count)
            } }
            #expect(y[..<count].map(\.bitPattern) == tanhs, "tanh on \(set)")
            #expect(y[count] == 7, "tanh wrote past the end on \(set)")
            var inPlace = x
            inPlace.withUnsafeMutableBufferPointer { Y in Float.sigmoid(Y.baseAddress!, into: Y.baseAddress!, count: count) }
            #expect(inPlace.map(\.bitPattern) == sigmoids, "σ in place on \(set)")
        }
        InstructionSet.select(.best)
    }

    @Test("the Float64 arrays are the scalar functions element by element")
    func doubleArrays() {
        let x: [Double] = [0, -0.0, 0.3, -2.5, 19.1, -19.1, 710, -745, .infinity, -.infinity, .nan, 1e-300]
        var t = x, s = x
        t.withUnsafeMutableBufferPointer { Double.tanh($0.baseAddress!, into: $0.baseAddress!, count: x.count) }
        s.withUnsafeMutableBufferPointer { Double.sigmoid($0.baseAddress!, into: $0.baseAddress!, count: x.count) }
        #expect(t.map(\.bitPattern) == x.map { Double.tanh($0).bitPattern })
        #expect(s.map(\.bitPattern) == x.map { Double.sigmoid($0).bitPattern })
    }
}
