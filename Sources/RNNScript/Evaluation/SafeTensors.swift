/// The safetensors format (the weights format PyTorch, Hugging Face and JAX
/// users exchange), read and written from its description:
///
///     [8 bytes]  N, the header's length, an unsigned little-endian integer
///     [N bytes]  a UTF-8 JSON object (padded with spaces):
///                {"NAME": {"dtype": "F64", "shape": [12, 2], "data_offsets": [BEGIN, END]}, …,
///                 "__metadata__": {"KEY": "VALUE", …}}
///     [rest]     the data: every tensor's elements, row-major and little-endian,
///                at [BEGIN, END) counted from the first byte after the header
///
/// The reader trusts nothing in a file: the header's length is checked against
/// the file and a cap before anything is parsed; every tensor's offsets are
/// whole numbers inside the data, its byte count equals its element count
/// times its dtype's size (counted with overflow checks), and the tensors
/// together cover the data exactly once, without gaps or overlaps; names are
/// unique. It allocates nothing in proportion to what a header claims:
/// values are converted only on request (`values(of:in:)`), from the bytes
/// already read.
enum SafeTensors {
    enum DType: String, Sendable, CaseIterable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"

        /// Bytes per element.
        var size: Int {
            switch self {
            case .f64: return 8
            case .f32: return 4
            case .f16, .bf16: return 2
            }
        }
    }

    /// One tensor of a file: where its bytes are, not its values.
    struct Tensor: Equatable, Sendable {
        var name: String
        var dtype: DType
        var shape: [Int]
        /// The tensor's bytes, as indices into the whole file.
        var bytes: Range<Int>

        /// The number of elements (1 for a scalar, shape []).
        var count: Int { shape.reduce(1, *) }
    }

    /// What a file holds: the tensors in the header's order and the metadata.
    struct Contents: Sendable {
        var tensors: [Tensor]
        var metadata: [(key: String, value: String)]

        subscript(name: String) -> Tensor? { tensors.first { $0.name == name } }
    }

    /// Why a file is not a valid safetensors file (lowercase, no final period).
    struct FormatError: Error, Equatable, Sendable {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// The largest header read, in bytes (the reference implementation's cap too).
    static let headerLimit = 100_000_000
    /// The largest rank of a tensor read.
    static let rankLimit = 8

    // MARK: Writing

    /// A tensor to write: F64 or F32 only (values are rounded to Float for F32).
    struct Entry {
        var name: String
        var dtype: DType
        var shape: [Int]
        /// Row-major, `shape`'s product of them.
        var values: [Double]
    }

    /// The file's bytes: the tensors' data in the order given, one after the
    /// other; the header lists them in the same order, then the metadata, and is
    /// padded with spaces to a multiple of 8 bytes so that the data is aligned.
    static func encode(_ entries: [Entry], metadata: [(key: String, value: String)]) -> [UInt8] {
        var pairs: [(String, JSON)] = []
        var offset = 0
        for entry in entries {
            precondition(entry.dtype == .f64 || entry.dtype == .f32, "safetensors: only F64 and F32 are written")
            precondition(entry.values.count == entry.shape.reduce(1, *), "safetensors: \(entry.name) has the wrong element count")
            let end = offset + entry.values.count * entry.dtype.size
            pairs.append((entry.name, .object([
                ("dtype", .string(entry.dtype.rawValue)),
                ("shape", .array(entry.shape.map { .number(Double($0)) })),
                ("data_offsets", .array([.number(Double(offset)), .number(Double(end))])),
            ])))
            offset = end
        }
        if !metadata.isEmpty {
            pairs.append(("__metadata__", .object(metadata.map { ($0.key, .string($0.value)) })))
        }
        var header = Array(JSON.object(pairs).serialized.utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        appendLittleEndian(UInt64(header.count), to: &bytes)
        bytes += header
        for entry in entries {
            switch entry.dtype {
            case .f64: for x in entry.values { appendLittleEndian(x.bitPattern, to: &bytes) }
            default: for x in entry.values { appendLittleEndian(Float(x).bitPattern, to: &bytes) }
            }
        }
        return bytes
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        for i in 0..<(T.bitWidth / 8) { bytes.append(UInt8(truncatingIfNeeded: value >> (i * 8))) }
    }

    // MARK: Reading

    /// The tensors and metadata of a file, every bound checked (see the type's comment).
    static func decode(_ bytes: [UInt8]) throws(FormatError) -> Contents {
        guard bytes.count >= 8 else {
            throw FormatError("the file has \(bytes.count) byte\(bytes.count == 1 ? "" : "s"), fewer than the 8 of the header's length")
        }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (i * 8) }
        guard length <= UInt64(headerLimit) else {
            throw FormatError("the header's length \(length) is over the limit of \(headerLimit) bytes")
        }
        let headerEnd = 8 + Int(length)
        guard headerEnd <= bytes.count else {
            throw FormatError("the header's length \(length) runs past the end of the file (\(bytes.count - 8) bytes follow it)")
        }
        guard let text = String(validating: bytes[8..<headerEnd], as: UTF8.self) else {
            throw FormatError("the header is not valid UTF-8")
        }
        let json: JSON
        do { json = try JSON.parse(text) } catch { throw FormatError("the header is not valid JSON: \(error.description)") }
        guard case let .object(pairs) = json else { throw FormatError("the header is not a JSON object") }

        var tensors: [Tensor] = []
        var metadata: [(key: String, value: String)] = []
        var seen = Set<String>()
        var sawMetadata = false
        let dataSize = bytes.count - headerEnd
        for (name, value) in pairs {
            if name == "__metadata__" {
                guard !sawMetadata else { throw FormatError("\"__metadata__\" appears twice") }
                sawMetadata = true
                metadata = try decodeMetadata(value)
                continue
            }
            guard seen.insert(name).inserted else { throw FormatError("tensor \(quoted(name)) appears twice") }
            let tensor = try decodeTensor(name, value, dataSize: dataSize)
            tensors.append(Tensor(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape,
                                  bytes: (headerEnd + tensor.bytes.lowerBound)..<(headerEnd + tensor.bytes.upperBound)))
        }
        try checkCoverage(tensors, from: headerEnd, to: bytes.count)
        return Contents(tensors: tensors, metadata: metadata)
    }

    private static func decodeMetadata(_ value: JSON) throws(FormatError) -> [(key: String, value: String)] {
        guard case let .object(entries) = value else { throw FormatError("\"__metadata__\" is not an object of strings") }
        var metadata: [(key: String, value: String)] = []
        for (key, item) in entries {
            guard case let .string(text) = item else { throw FormatError("\"__metadata__\" entry \(quoted(key)) is not a string") }
            metadata.append((key, text))
        }
        return metadata
    }

    /// One header entry, with offsets relative to the data (checked against `dataSize`).
    private static func decodeTensor(_ name: String, _ value: JSON, dataSize: Int) throws(FormatError) -> Tensor {
        let what = "tensor \(quoted(name))"
        guard case .object = value else { throw FormatError("\(what) is not an object with dtype, shape and data_offsets") }
        guard case let .string(dtypeName)? = value["dtype"] else { throw FormatError("\(what) has no \"dtype\" string") }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw FormatError("\(what) has dtype \(quoted(dtypeName)); only F64, F32, F16 and BF16 are read")
        }
        guard let shapeNumbers = value["shape"]?.numberArray else {
            throw FormatError("\(what) has no \"shape\" array of whole numbers")
        }
        guard shapeNumbers.count <= rankLimit else { throw FormatError("\(what) has \(shapeNumbers.count) dimensions, more than \(rankLimit)") }
        var shape: [Int] = []
        var count = 1, overflow = false
        for x in shapeNumbers {
            guard let n = wholeNumber(x) else { throw FormatError("\(what) has a shape entry \(shown(x)) that is not a whole number ≥ 0") }
            shape.append(n)
            if !overflow { (count, overflow) = count.multipliedReportingOverflow(by: n) }
        }
        guard let offsets = value["data_offsets"]?.numberArray, offsets.count == 2 else {
            throw FormatError("\(what) has no \"data_offsets\" [begin, end]")
        }
        guard let begin = wholeNumber(offsets[0]), let end = wholeNumber(offsets[1]) else {
            throw FormatError("\(what) has data_offsets that are not whole numbers ≥ 0")
        }
        let offsetsShown = "[\(shown(offsets[0])), \(shown(offsets[1]))]"
        guard begin <= end else { throw FormatError("\(what) has data_offsets \(offsetsShown) with begin after end") }
        guard end <= dataSize else {
            throw FormatError("\(what) has data_offsets \(offsetsShown) past the end of the data (\(dataSize) bytes)")
        }
        let (byteCount, tooMany) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, !tooMany, byteCount == end - begin else {
            let shapeShown = "[" + shapeNumbers.map(shown).joined(separator: ", ") + "]"
            throw FormatError("\(what) has shape \(shapeShown) of \(dtype.rawValue) but \(end - begin) bytes of data")
        }
        return Tensor(name: name, dtype: dtype, shape: shape, bytes: begin..<end)
    }

    /// The tensors must cover the data exactly: sorted by offset, each begins
    /// where the previous one ended, and the last ends at the end of the file.
    private static func checkCoverage(_ tensors: [Tensor], from start: Int, to end: Int) throws(FormatError) {
        var position = start, previous: String?
        for tensor in tensors.sorted(by: { ($0.bytes.lowerBound, $0.bytes.upperBound) < ($1.bytes.lowerBound, $1.bytes.upperBound) }) {
            if tensor.bytes.lowerBound < position {
                throw FormatError("tensor \(quoted(tensor.name)) overlaps tensor \(quoted(previous ?? ""))")
            }
            if tensor.bytes.lowerBound > position {
                let after = previous.map { "after tensor \(quoted($0))" } ?? "at the start of the data"
                throw FormatError("\(tensor.bytes.lowerBound - position) bytes \(after) belong to no tensor")
            }
            position = tensor.bytes.upperBound
            previous = tensor.name
        }
        if position < end {
            throw FormatError("the last \(end - position) bytes of the file belong to no tensor")
        }
    }

    /// x as an Int when it is a whole number ≥ 0; numbers past 2⁶² (far past
    /// any file read) become 2⁶², so that sizes and offsets compare without
    /// trapping and products still overflow where they should.
    private static func wholeNumber(_ x: Double) -> Int? {
        guard x >= 0, x == x.rounded() else { return nil }
        return x < 0x1p62 ? Int(x) : 1 << 62
    }

    /// A number of the header as it was written (whole numbers up to 10¹⁵ in full).
    private static func shown(_ x: Double) -> String { JSON.number(x).serialized }

    /// A name as the header writes it (a hostile name cannot break the message's line).
    static func quoted(_ name: String) -> String {
        var out = ""
        JSON.writeString(name.count > 80 ? String(name.prefix(80)) + "…" : name, into: &out)
        return out
    }

    /// A tensor's elements as Doubles (exact for every dtype read).
    static func values(of tensor: Tensor, in bytes: [UInt8]) -> [Double] {
        var values: [Double] = []
        values.reserveCapacity(tensor.count)
        var i = tensor.bytes.lowerBound
        func word(_ size: Int) -> UInt64 {
            var w: UInt64 = 0
            for k in 0..<size { w |= UInt64(bytes[i + k]) << (k * 8) }
            i += size
            return w
        }
        while i < tensor.bytes.upperBound {
            switch tensor.dtype {
            case .f64: values.append(Double(bitPattern: word(8)))
            case .f32: values.append(Double(Float(bitPattern: UInt32(word(4)))))
            case .bf16: values.append(Double(Float(bitPattern: UInt32(word(2)) << 16)))
            case .f16: values.append(halfToDouble(UInt16(word(2))))
            }
        }
        return values
    }

    /// IEEE 754 binary16 → Double, exactly: 1 sign bit, 5 exponent bits (bias
    /// 15), 10 fraction bits; exponent 0 is subnormal (fraction · 2⁻²⁴), 31 is
    /// infinity or NaN.
    static func halfToDouble(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F), fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
