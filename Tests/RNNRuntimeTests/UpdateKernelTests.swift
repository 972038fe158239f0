import CKernels
import Testing
@testable import RNNRuntime

/// The optimizer kernels (CKernels/optimizer_template.h): every instruction
/// set gives the portable unit's bits, every rule variant, every tail length;
/// the transactional check finds the first non-finite parameter.
@Suite("Optimizer update kernels", .serialized)
struct UpdateKernelTests {
    /// Every variant of every rule, with this step's constants.
    static func rules() -> [(String, rnn_update_rule)] {
        func rule(_ kind: Int32, _ edit: (inout rnn_update_rule) -> Void) -> rnn_update_rule {
            var r = rnn_update_rule()
            r.kind = kind
            r.lr = 0.05; r.weight_decay = 0.01; r.eps = 1e-8; r.alpha = 0.99; r.beta1 = 0.9; r.beta2 = 0.999
            r.adagrad_lr = 0.05 / 1.5; r.adam_step_size = 0.05 / (1 - 0.9 * 0.9); r.adam_root_bc2 = (1 - 0.999 * 0.999).squareRoot()
            edit(&r)
            return r
        }
        let sgd = Int32(RNN_UPDATE_SGD), rms = Int32(RNN_UPDATE_RMSPROP)
        return [
            ("sgd", rule(sgd) { $0.weight_decay = 0 }),
            ("sgd momentum, first step", rule(sgd) { $0.momentum = 0.9; $0.first_step = 1 }),
            ("sgd momentum, dampening", rule(sgd) { $0.momentum = 0.9; $0.dampening = 0.5 }),
            ("sgd nesterov", rule(sgd) { $0.momentum = 0.9; $0.nesterov = 1 }),
            ("adagrad", rule(Int32(RNN_UPDATE_ADAGRAD)) { _ in }),
            ("rmsprop", rule(rms) { _ in }),
            ("rmsprop centered", rule(rms) { $0.centered = 1 }),
            ("rmsprop centered momentum", rule(rms) { $0.centered = 1; $0.momentum = 0.5 }),
            ("adam", rule(Int32(RNN_UPDATE_ADAM)) { _ in }),
        ]
    }

    /// New parameters and the three state buffers, on the instruction set in use.
    static func update<F: RNNScalar>(_ rule: rnn_update_rule, _ inputs: [[F]]) -> (bad: Int?, outputs: [[F]]) {
        let n = inputs[0].count
        let fresh = [F](repeating: -7, count: n + 1)
        var np = fresh, nm = fresh, nv = fresh, na = fresh
        let bad = inputs[0].withUnsafeBufferPointer { p in inputs[1].withUnsafeBufferPointer { g in
            inputs[2].withUnsafeBufferPointer { m in inputs[3].withUnsafeBufferPointer { v in inputs[4].withUnsafeBufferPointer { a in
                np.withUnsafeMutableBufferPointer { NP in nm.withUnsafeMutableBufferPointer { NM in
                    nv.withUnsafeMutableBufferPointer { NV in na.withUnsafeMutableBufferPointer { NA in
                        F.update(rule, UpdateOperands(count: n, parameters: p.baseAddress!, gradients: g.baseAddress!,
                                                      state: (m.baseAddress!, v.baseAddress!, a.baseAddress!), next: NP.baseAddress!,
                                                      nextState: (NM.baseAddress!, NV.baseAddress!, NA.baseAddress!)))
                    } }
                } }
            } } }
        } }
        return (bad, [np, nm, nv, na])
    }

    static func inputs<F: RNNScalar>(_ n: Int, _: F.Type) -> [[F]] {
        var random = RandomSource(seed: UInt64(n))
        // p, g in [−1, 1); m in [0, 1) (Adagrad's sum is never negative); a second moment v in [0.01, 0.02) above a centred mean² (|a| < 0.005).
        return (0..<5).map { k in
            (0..<n).map { _ in
                let u = random.nextUnit()
                return F(k == 2 ? u : k == 3 ? 0.01 + u * 0.01 : k == 4 ? u * 0.01 - 0.005 : u * 2 - 1)
            }
        }
    }

    func compare<F: RNNScalar>(_: F.Type, bits: (F) -> UInt64) {
        for n in [1, 3, 4, 7, 8, 9, 17, 100] {
            let input = Self.inputs(n, F.self)
            for (name, rule) in Self.rules() {
                InstructionSet.select(.portable)
                let reference = Self.update(rule, input)
                #expect(reference.bad == nil, "\(name)")
                #expect(reference.outputs.allSatisfy { $0[n] == -7 }, "\(name) wrote past the end")
                for set in InstructionSet.supported {
                    InstructionSet.select(set)
                    let got = Self.update(rule, input)
                    #expect(got.outputs.map { $0.map(bits) } == reference.outputs.map { $0.map(bits) }, "\(name), n \(n), \(set)")
                }
            }
        }
        InstructionSet.select(.best)
    }

    @Test("every instruction set gives the portable bits, Float64")
    func double() { compare(Double.self) { $0.bitPattern } }

    @Test("every instruction set gives the portable bits, Float32")
    func float() { compare(Float.self) { UInt64($0.bitPattern) } }

    @Test("the update matches the scalar rule (Adam, one element by hand)")
    func adamByHand() {
        let (_, rule) = Self.rules().last!
        let out = Self.update(rule, [[0.5], [0.2], [0.1], [0.004], [0]] as [[Double]]).outputs
        let g = 0.2 + 0.01 * 0.5
        let m = 0.9 * 0.1 + (1 - 0.9) * g, v = 0.999 * 0.004 + (1 - 0.999) * g * g
        #expect(out[1][0] == m && out[2][0] == v)
        #expect(out[0][0] == 0.5 - rule.adam_step_size * m / (v.squareRoot() / rule.adam_root_bc2 + 1e-8))
    }

    @Test("the first non-finite new parameter is reported, on every instruction set", arguments: [0, 5, 8, 16])
    func nonFinite(_ position: Int) {
        var input = Self.inputs(17, Double.self)
        input[1][position] = .infinity
        for set in InstructionSet.supported {
            InstructionSet.select(set)
            #expect(Self.update(Self.rules()[0].1, input).bad == position, "\(set)")
        }
        InstructionSet.select(.best)
    }
}
