import Foundation
import Testing
@testable import RNNRuntime
@testable import RNNScript

/// safetensors `save`/`load` (SPEC §10, issue 16): the writer's exact bytes,
/// the PyTorch state_dict's names, shapes, transposes and gate orders, exact
/// round trips, summed biases, and hostile files rejected with a message
/// naming what is wrong and the model left as it was.
@Suite("safetensors")
struct SafeTensorsTests {
    /// A session that ran `script` (which must succeed).
    static func session(_ script: String, host: TestHost = TestHost()) -> ScriptRunner {
        var errors = ""
        let runner = ScriptRunner(host: host, output: { _ in }, errors: { errors += $0 })
        let status = runner.run(SourceFile(name: "st.rnn", text: script))
        #expect(status == .ok, "\(errors)")
        return runner
    }

    /// Runs one more entry in a session: its status.
    static func run(_ runner: ScriptRunner, _ text: String) -> RunStatus? {
        guard case let .completed(status) = runner.runEntry(SourceFile(name: "<test>", text: text)) else { return nil }
        return status
    }

    static func model(_ runner: ScriptRunner, _ name: String) -> RNNModel {
        runner.state.model(named: name)!.model
    }

    /// Every parameter filled with distinct values of full precision (and one −0),
    /// so that a lost bit, a transpose or a swapped gate shows.
    static func filled(_ model: RNNModel) -> RNNModel {
        var model = model
        var i = 0
        for p in model.parameters.indices {
            var m = model.parameters[p]
            for e in m.storage.indices {
                i += 1
                m.storage[e] = Double(i) / 7.0 * (i % 2 == 0 ? 1 : -1)
            }
            model.parameters[p] = m
        }
        if let last = model.parameters.indices.last { model.parameters[last].storage[0] = -0.0 }
        return model
    }

    static let declarations: [String] = [
        "rnn { input 4; hidden 3; output 4 }",
        "rnn { input 2; hidden 3; output 2; state relu; readout linear; bias off }",
        "lstm { input 4; hidden 3; output 4 }",
        "gru { input 4; hidden 3; output 2; readout sigmoid }",
        "lstm { input 3; hidden 2; output 3; layers 3 }",
        "gru { input 3; hidden 2; output 3; layers 2; bias off }",
        "rnn { input 1; hidden [3, 2]; readout none; outputs last }",
        "lstm { input 2; hidden [3, 2]; output 2 }",
        "gru { input 3; hidden 4; readout none }",
        "rnn { input v; embedding 2; hidden 3; output v }",
        "lstm { input v; embedding 3; hidden 2; output v; layers 2 }",
    ]

    @Test("save → load is exact, bit for bit, for every cell, stack, width and head", arguments: declarations)
    func roundTrip(_ declaration: String) throws {
        let runner = Self.session("vocab v = ['a', 'b', 'c']\nmodel m = \(declaration)\n")
        let original = Self.filled(Self.model(runner, "m"))
        let bytes = WeightsFile.encodeSafeTensors(original, name: "m")
        let decoded = try WeightsFile.decodeSafeTensors(bytes, for: Self.model(runner, "m"))
        #expect(decoded.count == original.parameters.count)
        for (a, b) in zip(original.parameters, decoded) {
            #expect(a.rows == b.rows && a.cols == b.cols)
            #expect(a.storage.map(\.bitPattern) == b.storage.map(\.bitPattern))
        }
        // The file covers the state_dict, nothing else, each tensor in F64.
        let contents = try SafeTensors.decode(bytes)
        let expected = ModelPorting.stateDict(original.configuration)
        #expect(contents.tensors.map(\.name) == expected.map(\.name))
        #expect(contents.tensors.map(\.shape) == expected.map(\.shape))
        #expect(contents.tensors.allSatisfy { $0.dtype == .f64 })
        #expect(contents.metadata.map(\.key) == ["format", "rnnscript"])
        #expect(contents.metadata.first?.value == "pt")
    }

    @Test("through the language: save to F.safetensors, load into another model, same outputs")
    func roundTripInScript() {
        let host = TestHost()
        let runner = Self.session("""
            vocab v = ['a', 'b', 'c', <stop>]
            sequence s = "abc" over v predicting next
            model a = lstm { input v; hidden 3; output v; layers 2; init uniform(-0.5, 0.5) }
            model b = lstm { input v; hidden 3; output v; layers 2; init zeros }
            loss xent = cross_entropy
            optimizer opt = adam { lr 0.05 }
            train a on s with xent, opt for 3 epochs
            save a to "a.safetensors"
            load b from "a.safetensors"
            """, host: host)
        #expect(host.bytes["a.safetensors"] != nil && host.written["a.safetensors"] == nil)
        let a = Self.model(runner, "a"), b = Self.model(runner, "b")
        #expect(a.parameters == b.parameters)
        #expect(a.parameters.contains { $0.storage.contains { $0 != 0 } })
        // The JSON format stays for every other name.
        #expect(Self.run(runner, "save a to \"a.json\"") == .ok)
        #expect(host.written["a.json"]?.contains("rnnscript-weights") == true)
    }

    @Test("the exact bytes of a tiny model: length, header JSON, padding, little-endian F64 data")
    func exactBytes() throws {
        let runner = Self.session("model m = rnn { input 1; hidden 1; output 1; readout linear }\n")
        var model = Self.model(runner, "m")
        // U, W, b, V, c
        model.parameters = [[0.5], [-2], [0.25], [1], [-1]].map { Matrix(rows: 1, cols: 1, storage: $0) }
        let bytes = WeightsFile.encodeSafeTensors(model, name: "m")
        let header = #"{"rnn.weight_ih_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]},"#
            + #""rnn.weight_hh_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[8,16]},"#
            + #""rnn.bias_ih_l0":{"dtype":"F64","shape":[1],"data_offsets":[16,24]},"#
            + #""rnn.bias_hh_l0":{"dtype":"F64","shape":[1],"data_offsets":[24,32]},"#
            + #""readout.weight":{"dtype":"F64","shape":[1,1],"data_offsets":[32,40]},"#
            + #""readout.bias":{"dtype":"F64","shape":[1],"data_offsets":[40,48]},"#
            + #""__metadata__":{"format":"pt","rnnscript":"model m = rnn { input 1; hidden 1; output 1; "#
            + #"state tanh; readout linear; outputs every; bias on }"}}"#
        let padded = header + String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        #expect(padded.utf8.count % 8 == 0)
        let n = padded.utf8.count
        #expect(Array(bytes[0..<8]) == [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0, 0, 0, 0, 0])
        #expect(String(decoding: bytes[8..<(8 + n)], as: UTF8.self) == padded)
        // 0.5 = 0x3FE0…, −2 = 0xC000…, 0.25 = 0x3FD0…, 0, 1 = 0x3FF0…, −1 = 0xBFF0…, low byte first.
        let data: [[UInt8]] = [[0, 0, 0, 0, 0, 0, 0xE0, 0x3F], [0, 0, 0, 0, 0, 0, 0x00, 0xC0], [0, 0, 0, 0, 0, 0, 0xD0, 0x3F],
                               [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0xF0, 0x3F], [0, 0, 0, 0, 0, 0, 0xF0, 0xBF]]
        #expect(Array(bytes[(8 + n)...]) == data.flatMap { $0 })
    }

    @Test("a float32 model is written as F32: 0.5 is 00 00 00 3F")
    func float32Bytes() throws {
        let runner = Self.session("precision float32\nmodel m = rnn { input 1; hidden 1; readout none; bias off }\n")
        var model = Self.model(runner, "m")
        model.parameters = [[0.5], [0.1]].map { Matrix(rows: 1, cols: 1, storage: $0) }
        let bytes = WeightsFile.encodeSafeTensors(model, name: "m")
        let contents = try SafeTensors.decode(bytes)
        #expect(contents.tensors.map(\.dtype) == [.f32, .f32])
        #expect(contents.metadata.last?.value == "precision float32; model m = rnn { input 1; hidden 1; state tanh; readout none; outputs every; bias off }")
        #expect(Array(bytes[contents.tensors[0].bytes]) == [0, 0, 0, 0x3F])
        // 0.1 rounds to the Float nearest it, 0x3DCCCCCD.
        #expect(Array(bytes[contents.tensors[1].bytes]) == [0xCD, 0xCC, 0xCC, 0x3D])
        // Read back, F32 widens exactly; a float64 model accepts it too.
        let back = try WeightsFile.decodeSafeTensors(bytes, for: model)
        #expect(back.map { $0.storage[0] } == [0.5, Double(Float(0.1))])
        let wide = Self.model(Self.session("model w = rnn { input 1; hidden 1; readout none; bias off }\n"), "w")
        #expect(try WeightsFile.decodeSafeTensors(bytes, for: wide).map { $0.storage[0] } == [0.5, Double(Float(0.1))])
    }

    @Test("PyTorch's names, shapes and layout: LSTM hidden 3 input 2 has weight_ih_l0 12×2 = [U_i U_f U_g U_o]ᵀ")
    func lstmLayout() throws {
        let runner = Self.session("model m = lstm { input 2; hidden 3; output 5 }\n")
        let model = Self.filled(Self.model(runner, "m"))
        let contents = try SafeTensors.decode(WeightsFile.encodeSafeTensors(model, name: "m"))
        let bytes = WeightsFile.encodeSafeTensors(model, name: "m")
        #expect(contents.tensors.map(\.name) == ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                                                 "readout.weight", "readout.bias"])
        #expect(contents.tensors.map(\.shape) == [[12, 2], [12, 3], [12], [12], [5, 3], [5]])
        func tensor(_ name: String) -> [Double] { SafeTensors.values(of: contents[name]!, in: bytes) }
        func parameter(_ name: String) -> Matrix { model.parameters[model.parameterNames.firstIndex(of: name)!] }
        let ih = tensor("rnn.weight_ih_l0"), hh = tensor("rnn.weight_hh_l0"), bias = tensor("rnn.bias_ih_l0")
        for (g, gate) in ["i", "f", "g", "o"].enumerated() {
            let U = parameter("U_" + gate), W = parameter("W_" + gate), b = parameter("b_" + gate)
            for j in 0..<3 {
                // Row g·3 + j of weight_ih is column j of U_g.
                for i in 0..<2 { #expect(ih[(g * 3 + j) * 2 + i] == U[i, j]) }
                for i in 0..<3 { #expect(hh[(g * 3 + j) * 3 + i] == W[i, j]) }
                #expect(bias[g * 3 + j] == b[0, j])
            }
        }
        #expect(tensor("rnn.bias_hh_l0") == [Double](repeating: 0, count: 12))
        let V = parameter("V"), readout = tensor("readout.weight")
        for k in 0..<5 { for j in 0..<3 { #expect(readout[k * 3 + j] == V[j, k]) } }
        #expect(tensor("readout.bias") == parameter("c").storage.map { $0 })
    }

    @Test("names for stacks, per-layer widths and embeddings, as show's PyTorch table has them")
    func names() throws {
        func names(_ declaration: String) -> [String] {
            let runner = Self.session("vocab v = ['a', 'b']\nmodel m = \(declaration)\n")
            return ModelPorting.stateDict(Self.model(runner, "m").configuration).map { "\($0.name) \($0.shape)" }
        }
        #expect(names("gru { input 2; hidden 3; layers 2; readout none }") == [
            "rnn.weight_ih_l0 [9, 2]", "rnn.weight_hh_l0 [9, 3]", "rnn.bias_ih_l0 [9]", "rnn.bias_hh_l0 [9]",
            "rnn.weight_ih_l1 [9, 3]", "rnn.weight_hh_l1 [9, 3]", "rnn.bias_ih_l1 [9]", "rnn.bias_hh_l1 [9]"])
        #expect(names("rnn { input 1; hidden [3, 2]; output 1; bias off }") == [
            "rnn1.weight_ih_l0 [3, 1]", "rnn1.weight_hh_l0 [3, 3]", "rnn2.weight_ih_l0 [2, 3]", "rnn2.weight_hh_l0 [2, 2]",
            "readout.weight [1, 2]"])
        #expect(names("rnn { input v; embedding 4; hidden 3; output v }") == [
            "embedding.weight [2, 4]", "rnn.weight_ih_l0 [3, 4]", "rnn.weight_hh_l0 [3, 3]", "rnn.bias_ih_l0 [3]",
            "rnn.bias_hh_l0 [3]", "readout.weight [2, 3]", "readout.bias [2]"])
    }

    @Test("every state_dict tensor is covered by its parts exactly once", arguments: declarations)
    func coverage(_ declaration: String) {
        let c = Self.model(Self.session("vocab v = ['a', 'b', 'c']\nmodel m = \(declaration)\n"), "m").configuration
        let shapes = c.parameterShapes
        for tensor in ModelPorting.stateDict(c) {
            var covered = [Int](repeating: 0, count: tensor.shape.reduce(1, *))
            for part in tensor.parts {
                for e in 0..<(shapes[part.parameter].rows * shapes[part.parameter].cols) { covered[part.offset + e] += 1 }
            }
            #expect(covered.allSatisfy { $0 == 1 }, "\(tensor.name)")
        }
        // Every parameter has exactly one part of its own.
        let own = ModelPorting.stateDict(c).flatMap(\.parts).filter { !$0.summed }.map(\.parameter).sorted()
        #expect(own == Array(shapes.indices))
    }

    @Test("a file as PyTorch writes it: two biases summed, a GRU's n-gate hidden bias kept as bh_n, any key order")
    func pytorchBiases() throws {
        let host = TestHost()
        // rnn { input 1; hidden 2 }: bias_ih [1, 2] + bias_hh [10, 20] = b [11, 22].
        host.bytes["r.safetensors"] = SafeTensors.encode([
            .init(name: "readout.bias", dtype: .f32, shape: [1], values: [0.5]),
            .init(name: "rnn.bias_hh_l0", dtype: .f64, shape: [2], values: [10, 20]),
            .init(name: "rnn.bias_ih_l0", dtype: .f64, shape: [2], values: [1, 2]),
            .init(name: "rnn.weight_ih_l0", dtype: .f64, shape: [2, 1], values: [3, 4]),
            .init(name: "rnn.weight_hh_l0", dtype: .f32, shape: [2, 2], values: [5, 6, 7, 8]),
            .init(name: "readout.weight", dtype: .f64, shape: [1, 2], values: [9, -9]),
        ], metadata: [])
        // gru { input 1; hidden 1; readout none }: b_r = 1 + 4, b_z = 2 + 5, b_n = 3, bh_n = 6.
        host.bytes["g.safetensors"] = SafeTensors.encode([
            .init(name: "rnn.weight_ih_l0", dtype: .f64, shape: [3, 1], values: [0.1, 0.2, 0.3]),
            .init(name: "rnn.weight_hh_l0", dtype: .f64, shape: [3, 1], values: [0.4, 0.5, 0.6]),
            .init(name: "rnn.bias_ih_l0", dtype: .f64, shape: [3], values: [1, 2, 3]),
            .init(name: "rnn.bias_hh_l0", dtype: .f64, shape: [3], values: [4, 5, 6]),
        ], metadata: [("format", "pt")])
        let runner = Self.session("""
            model r = rnn { input 1; hidden 2; output 1; readout linear }
            model g = gru { input 1; hidden 1; readout none }
            load r from "r.safetensors"
            load g from "g.safetensors"
            """, host: host)
        let r = Self.model(runner, "r"), g = Self.model(runner, "g")
        #expect(r.parameterNames == ["U", "W", "b", "V", "c"])
        #expect(r.parameters.map(\.storage) == [[3, 4], [5, 7, 6, 8], [11, 22], [9, -9], [0.5]])
        #expect(g.parameterNames == ["U_r", "W_r", "b_r", "U_z", "W_z", "b_z", "U_n", "W_n", "b_n", "bh_n"])
        #expect(g.parameters.map { $0.storage[0] } == [0.1, 0.4, 5, 0.2, 0.5, 7, 0.3, 0.6, 3, 6])
    }

    // MARK: Hostile files

    /// A file from a header's text and data bytes, with the length field given or right.
    static func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        let n = length ?? UInt64(h.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> ($0 * 8)) } + h + data
    }

    static func entry(_ name: String, _ dtype: String = "F64", _ shape: String = "[1]", _ begin: Int = 0, _ end: Int = 8) -> String {
        "\"\(name)\": {\"dtype\": \"\(dtype)\", \"shape\": \(shape), \"data_offsets\": [\(begin), \(end)]}"
    }

    struct Hostile: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var message: String
        var testDescription: String { name }
    }

    static let eight = [UInt8](repeating: 0, count: 8)
    static let hostile: [Hostile] = [
        Hostile(name: "empty", bytes: [], message: "the file has 0 bytes, fewer than the 8 of the header's length"),
        Hostile(name: "short", bytes: [1, 0, 0], message: "the file has 3 bytes"),
        Hostile(name: "length 2^63", bytes: file("{}", length: 1 << 63), message: "the header's length 9223372036854775808 is over the limit of 100000000 bytes"),
        Hostile(name: "length 2^64 - 1", bytes: file("{}", length: .max), message: "the header's length 18446744073709551615 is over the limit"),
        Hostile(name: "length over the cap", bytes: file("{}", length: 100_000_001), message: "the header's length 100000001 is over the limit"),
        Hostile(name: "length past the end", bytes: file("{}", length: 50), message: "the header's length 50 runs past the end of the file (2 bytes follow it)"),
        Hostile(name: "invalid JSON", bytes: file("{\"a\": "), message: "the header is not valid JSON: line 1, column 7"),
        Hostile(name: "not UTF-8", bytes: [2, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFE], message: "the header is not valid UTF-8"),
        Hostile(name: "not an object", bytes: file("[1, 2]"), message: "the header is not a JSON object"),
        Hostile(name: "wrong dtype", bytes: file("{" + entry("x", "I64") + "}", data: eight),
                message: "tensor \"x\" has dtype \"I64\"; only F64, F32, F16 and BF16 are read"),
        Hostile(name: "no dtype", bytes: file("{\"x\": {\"shape\": [1], \"data_offsets\": [0, 8]}}", data: eight), message: "tensor \"x\" has no \"dtype\" string"),
        Hostile(name: "offsets past the end", bytes: file("{" + entry("x", "F64", "[2]", 0, 16) + "}", data: eight),
                message: "tensor \"x\" has data_offsets [0, 16] past the end of the data (8 bytes)"),
        Hostile(name: "offsets 2^60", bytes: file("{" + entry("x", "F64", "[1]", 0, 1 << 60) + "}", data: eight),
                message: "tensor \"x\" has data_offsets [0, 1.152921504606847e+18] past the end of the data (8 bytes)"),
        Hostile(name: "begin after end", bytes: file("{" + entry("x", "F64", "[1]", 8, 0) + "}", data: eight),
                message: "tensor \"x\" has data_offsets [8, 0] with begin after end"),
        Hostile(name: "negative offset", bytes: file("{" + entry("x", "F64", "[1]", -8, 0) + "}", data: eight),
                message: "tensor \"x\" has data_offsets that are not whole numbers ≥ 0"),
        Hostile(name: "byte count ≠ shape", bytes: file("{" + entry("x", "F64", "[2]", 0, 8) + "}", data: eight),
                message: "tensor \"x\" has shape [2] of F64 but 8 bytes of data"),
        Hostile(name: "shape overflow", bytes: file("{" + entry("x", "F64", "[4294967296, 4294967296, 4294967296]", 0, 8) + "}", data: eight),
                message: "tensor \"x\" has shape [4294967296, 4294967296, 4294967296] of F64 but 8 bytes of data"),
        Hostile(name: "shape 1e300", bytes: file("{" + entry("x", "F64", "[1e300]", 0, 8) + "}", data: eight),
                message: "tensor \"x\" has shape [1e+300] of F64 but 8 bytes of data"),
        Hostile(name: "shape 2.5", bytes: file("{" + entry("x", "F64", "[2.5]", 0, 8) + "}", data: eight),
                message: "tensor \"x\" has a shape entry 2.5 that is not a whole number ≥ 0"),
        Hostile(name: "duplicate names", bytes: file("{" + entry("x") + ", " + entry("x", "F64", "[1]", 8, 16) + "}", data: eight + eight),
                message: "tensor \"x\" appears twice"),
        Hostile(name: "overlapping", bytes: file("{" + entry("x", "F64", "[2]", 0, 16) + ", " + entry("y", "F64", "[1]", 8, 16) + "}", data: eight + eight),
                message: "tensor \"y\" overlaps tensor \"x\""),
        Hostile(name: "a gap", bytes: file("{" + entry("x", "F64", "[1]", 8, 16) + "}", data: eight + eight),
                message: "8 bytes at the start of the data belong to no tensor"),
        Hostile(name: "trailing bytes", bytes: file("{" + entry("x") + "}", data: eight + [1, 2]),
                message: "the last 2 bytes of the file belong to no tensor"),
        Hostile(name: "truncated data", bytes: Array(file("{" + entry("x", "F64", "[2]", 0, 16) + "}", data: eight + eight).dropLast(3)),
                message: "tensor \"x\" has data_offsets [0, 16] past the end of the data (13 bytes)"),
        Hostile(name: "metadata not strings", bytes: file("{\"__metadata__\": {\"a\": 1}}"), message: "\"__metadata__\" entry \"a\" is not a string"),
    ]

    @Test("the reader rejects a hostile file with a precise message", arguments: hostile)
    func reader(_ hostile: Hostile) {
        #expect(throws: SafeTensors.FormatError.self) { try SafeTensors.decode(hostile.bytes) }
        do {
            _ = try SafeTensors.decode(hostile.bytes)
        } catch {
            #expect(error.message.contains(hostile.message), "\(error.message)")
        }
    }

    @Test("load of a hostile file is exit 74 with the message, and the model is unchanged", arguments: hostile)
    func loadHostile(_ hostile: Hostile) {
        let host = TestHost()
        host.bytes["w.safetensors"] = hostile.bytes
        let declaration = "model m = rnn { input 1; hidden 1; readout none; init uniform(-1, 1) }\n"
        let session = Self.session(declaration, host: host)
        let before = Self.model(session, "m").parameters
        #expect(Self.run(session, "load m from \"w.safetensors\"") == .ioError)
        #expect(Self.model(session, "m").parameters == before)
        let result = runScript(declaration + "load m from \"w.safetensors\"\n", host: host)
        #expect(result.status == .ioError && RunStatus.ioError.rawValue == 74)
        #expect(result.errors.contains("error: 'w.safetensors' is not a valid safetensors file: " + hostile.message), "\(result.errors)")
    }

    @Test("a missing, extra or misshaped tensor is named, exit 74, nothing changed")
    func mismatches() throws {
        let declaration = "lstm { input 2; hidden 3; output 2; init uniform(-1, 1) }"
        let runner = Self.session("model m = \(declaration)\n")
        let good = WeightsFile.encodeSafeTensors(Self.filled(Self.model(runner, "m")), name: "m")
        let contents = try SafeTensors.decode(good)
        func rebuilt(_ change: (inout [SafeTensors.Entry]) -> Void) -> [UInt8] {
            var entries = contents.tensors.map { SafeTensors.Entry(name: $0.name, dtype: .f64, shape: $0.shape, values: SafeTensors.values(of: $0, in: good)) }
            change(&entries)
            return SafeTensors.encode(entries, metadata: [])
        }
        let cases: [(String, [UInt8], String)] = [
            ("missing", rebuilt { $0.removeAll { $0.name == "rnn.bias_hh_l0" } }, "weights in 'w.safetensors' do not fit: tensor rnn.bias_hh_l0 (12) is missing"),
            ("extra", rebuilt { $0.append(.init(name: "rnn.weight_ih_l1", dtype: .f64, shape: [1], values: [0])) },
             "tensor \"rnn.weight_ih_l1\" is not one of this model's (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0, readout.weight, readout.bias)"),
            ("transposed", rebuilt { $0[0].shape = [2, 12] }, "tensor rnn.weight_ih_l0 is 2×12 in the file, 12×2 in the model"),
            ("flat", rebuilt { $0[4].shape = [6] }, "tensor readout.weight is 6 in the file, 2×3 in the model"),
        ]
        for (name, bytes, message) in cases {
            let host = TestHost()
            host.bytes["w.safetensors"] = bytes
            let session = Self.session("model m = \(declaration)\n", host: host)
            let before = Self.model(session, "m").parameters
            #expect(Self.run(session, "load m from \"w.safetensors\"") == .ioError, "\(name)")
            #expect(Self.model(session, "m").parameters == before, "\(name)")
            let result = runScript("model m = \(declaration)\nload m from \"w.safetensors\"\n", host: host)
            #expect(result.status == .ioError)
            #expect(result.errors.contains(message), "\(name): \(result.errors)")
        }
    }

    @Test("F16 and BF16 are read exactly")
    func halfPrecision() throws {
        #expect(SafeTensors.halfToDouble(0x3C00) == 1)
        #expect(SafeTensors.halfToDouble(0xC000) == -2)
        #expect(SafeTensors.halfToDouble(0x7BFF) == 65504)
        #expect(SafeTensors.halfToDouble(0x0001) == 0x1p-24)
        #expect(SafeTensors.halfToDouble(0x3555) == 0x1.554p-2)
        #expect(SafeTensors.halfToDouble(0xFC00) == -.infinity)
        #expect(SafeTensors.halfToDouble(0x7E00).isNaN)
        // One F16 [1.0, -2.0] and one BF16 [0.5] (0x3F00).
        let bytes = Self.file("{" + Self.entry("h", "F16", "[2]", 0, 4) + ", " + Self.entry("b", "BF16", "[1]", 4, 6) + "}",
                              data: [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x3F])
        let contents = try SafeTensors.decode(bytes)
        #expect(SafeTensors.values(of: contents["h"]!, in: bytes) == [1, -2])
        #expect(SafeTensors.values(of: contents["b"]!, in: bytes) == [0.5])
    }

    @Test("the binary: save writes a .safetensors file, load reads it, a hostile one exits 74")
    func binary() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscript-st-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            model a = gru { input 2; hidden 3; output 2; init uniform(-1, 1) }
            model b = gru { input 2; hidden 3; output 2; init zeros }
            save a to "w.safetensors"
            load b from "w.safetensors"
            expect a.W_n == b.W_n within 0
            expect a.bh_n == b.bh_n within 0
            """
        try Data(script.utf8).write(to: folder.appendingPathComponent("ok.rnn"))
        let ok = try runProgram(binaryURL.path, ["ok.rnn"], directory: folder)
        #expect(ok.status == 0, "\(ok.stderr)")
        let written = try Data(contentsOf: folder.appendingPathComponent("w.safetensors"))
        #expect(try SafeTensors.decode(Array(written)).tensors.count == 6)
        try Data(Self.file("{}", length: 1 << 63)).write(to: folder.appendingPathComponent("bad.safetensors"))
        try Data("model a = rnn { input 1; hidden 1; output 1 }\nload a from \"bad.safetensors\"\n".utf8).write(to: folder.appendingPathComponent("bad.rnn"))
        let bad = try runProgram(binaryURL.path, ["bad.rnn"], directory: folder)
        #expect(bad.status == 74)
        #expect(bad.stderr.contains("bad.rnn:2:1: error: 'bad.safetensors' is not a valid safetensors file: the header's length 9223372036854775808 is over the limit"), "\(bad.stderr)")
    }
}
