/// ASCII text written into memory the caller sized.
struct ASCII {
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var count = 0

    mutating func append(_ byte: UInt8) {
        precondition(count < capacity)
        base[count] = byte
        count += 1
    }

    /// `times` copies of a byte (none when times ≤ 0).
    mutating func append(_ byte: UInt8, times: Int) {
        guard times > 0 else { return }
        precondition(count + times <= capacity)
        base.advanced(by: count).update(repeating: byte, count: times)
        count += times
    }

    /// source[start..<end] (nothing when end ≤ start).
    mutating func append(_ source: UnsafePointer<UInt8>?, _ start: Int, _ end: Int) {
        guard end > start, let source else { return }
        precondition(count + end - start <= capacity)
        base.advanced(by: count).update(from: source + start, count: end - start)
        count += end - start
    }

    /// `e`, the sign and at least two digits, as C prints an exponent.
    mutating func appendExponent(_ exponent: Int) {
        append(UInt8(ascii: "e"))
        append(exponent < 0 ? ExactDecimal.minus : UInt8(ascii: "+"))
        let magnitude = abs(exponent)
        if magnitude >= 100 { append(UInt8(ascii: "0") + UInt8(magnitude / 100)) }
        append(UInt8(ascii: "0") + UInt8(magnitude / 10 % 10))
        append(UInt8(ascii: "0") + UInt8(magnitude % 10))
    }
}
