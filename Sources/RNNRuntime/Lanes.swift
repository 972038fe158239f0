/// Eight-lane blocks over contiguous buffers, for the long elementwise loops
/// LLVM will not vectorise on its own (several buffers it cannot prove
/// distinct, square roots, divisions). Each lane does exactly the scalar
/// arithmetic, so results are bit-for-bit those of a plain loop.
///
/// The last, partial block is padded with zeros on load and stored lane by
/// lane, so callers need no separate tail loop.
typealias Lanes<F: RNNScalar> = SIMD8<F>

extension UnsafePointer where Pointee: RNNScalar {
    /// Elements i ..< min(i + 8, count), zero-padded.
    @inline(__always) func lanes(_ i: Int, _ count: Int) -> Lanes<Pointee> {
        if i + 8 <= count { return UnsafeRawPointer(self + i).loadUnaligned(as: Lanes<Pointee>.self) }
        var v = Lanes<Pointee>()
        for l in 0..<(count - i) { v[l] = self[i + l] }
        return v
    }
}

extension UnsafeMutablePointer where Pointee: RNNScalar {
    @inline(__always) func lanes(_ i: Int, _ count: Int) -> Lanes<Pointee> {
        UnsafePointer(self).lanes(i, count)
    }

    /// Stores the lanes that fall before `count`.
    @inline(__always) func setLanes(_ v: Lanes<Pointee>, _ i: Int, _ count: Int) {
        if i + 8 <= count {
            UnsafeMutableRawPointer(self + i).storeBytes(of: v, as: Lanes<Pointee>.self)
            return
        }
        for l in 0..<(count - i) { self[i + l] = v[l] }
    }
}

/// The first position of `values` holding NaN or ±∞, or nil. x − x is 0 for
/// every finite x and NaN otherwise; summed lane-wise, any NaN survives.
func firstNonFiniteIndex<F: RNNScalar>(_ values: UnsafeBufferPointer<F>) -> Int? {
    guard let base = values.baseAddress else { return nil }
    let count = values.count
    var acc = Lanes<F>()
    for i in stride(from: 0, to: count, by: 8) {
        let v = base.lanes(i, count)
        acc += v - v
    }
    for l in 0..<8 where acc[l] != 0 || acc[l].isNaN {
        return values.firstIndex { !$0.isFinite }
    }
    return nil
}

func firstNonFiniteIndex<F: RNNScalar>(_ values: [F]) -> Int? {
    values.withUnsafeBufferPointer { firstNonFiniteIndex($0) }
}
