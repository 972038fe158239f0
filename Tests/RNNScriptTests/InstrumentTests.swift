import Foundation
import Testing
import RNNScript

/// The teaching instruments as a user runs them (`flow`, `decompose`, `compare`,
/// `expect`, `gates`, `trace`, `train … log`, `plot`), read back through `--json`
/// and checked against computations written here from SPEC §1: an independent
/// forward pass (vanilla, LSTM and GRU) that can take a separate W or U at every
/// step, finite differences, and power iteration for spectral norms.
@Suite("Instruments: flow, decompose, compare, expect, gates, trace, train log, plot")
struct InstrumentTests {
    // MARK: - Running scripts and reading JSON

    struct Run {
        var cells: [[String: Any]]
        var status: RunStatus
        var output: String
        var errors: String

        /// The cell whose source is exactly `source`.
        func cell(_ source: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [String: Any] {
            guard let found = cells.first(where: { ($0["source"] as? String) == source }) else {
                Issue.record("no cell with source `\(source)`; errors: \(errors)", sourceLocation: sourceLocation)
                return [:]
            }
            return found
        }

        /// The `result` of that cell.
        func result(_ source: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [String: Any] {
            let c = cell(source, sourceLocation: sourceLocation)
            guard let r = c["result"] as? [String: Any] else {
                Issue.record("cell `\(source)` has no result object: \(c)", sourceLocation: sourceLocation)
                return [:]
            }
            return r
        }
    }

    static func run(_ text: String, host: TestHost = TestHost()) -> Run {
        let r = runScript(text, format: .json, host: host)
        var cells: [[String: Any]] = []
        for line in r.output.split(separator: "\n") where !line.isEmpty {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                cells.append(object)
            } else {
                Issue.record("not a JSON line: \(line)")
            }
        }
        return Run(cells: cells, status: r.status, output: r.output, errors: r.errors)
    }

    static func number(_ any: Any?) -> Double? { (any as? NSNumber)?.doubleValue }

    /// A JSON matrix `{"shape": [r, c], "data": [[…]]}` as nested rows.
    static func matrix(_ any: Any?, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [[Double]] {
        guard let object = any as? [String: Any], let data = object["data"] as? [[Any]], let shape = object["shape"] as? [Any] else {
            Issue.record("not a JSON matrix: \(String(describing: any))", sourceLocation: sourceLocation)
            return []
        }
        let rows = data.map { $0.map { number($0) ?? .nan } }
        #expect(shape.count == 2 && number(shape[0]).map(Int.init) == rows.count
                && number(shape[1]).map(Int.init) == (rows.first?.count ?? 0), "shape \(shape)", sourceLocation: sourceLocation)
        return rows
    }

    // MARK: - Numbers

    /// SplitMix64, rounded to 4 decimals so the script's literals are short.
    struct Numbers {
        var state: UInt64
        init(_ seed: UInt64) { state = seed }
        mutating func unit() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) * 0x1p-53
        }
        mutating func value(_ a: Double, _ b: Double) -> Double { ((a + (b - a) * unit()) * 10_000).rounded() / 10_000 }
        mutating func vector(_ n: Int, _ a: Double, _ b: Double) -> [Double] { (0..<n).map { _ in value(a, b) } }
        mutating func matrix(_ r: Int, _ c: Int, _ a: Double, _ b: Double) -> [[Double]] { (0..<r).map { _ in vector(c, a, b) } }
        mutating func oneHot(_ r: Int, _ k: Int) -> [[Double]] {
            (0..<r).map { _ in
                let j = min(k - 1, Int(unit() * Double(k)))
                return (0..<k).map { $0 == j ? 1 : 0 }
            }
        }
    }

    static func literal(_ v: [Double]) -> String { "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }
    static func literal(_ m: [[Double]]) -> String { "[" + m.map(literal).joined(separator: ", ") + "]" }

    static func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

    static func expectClose(_ a: Double?, _ b: Double, tol: Double, _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard let a else { Issue.record("\(what): missing", sourceLocation: sourceLocation); return }
        #expect(close(a, b, tol), "\(what): \(a) vs \(b) (diff \(a - b), tol \(tol))", sourceLocation: sourceLocation)
    }

    static func expectClose(_ a: [[Double]], _ b: [[Double]], tol: Double, _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard a.count == b.count, zip(a, b).allSatisfy({ $0.count == $1.count }) else {
            Issue.record("\(what): shapes differ, \(a) vs \(b)", sourceLocation: sourceLocation)
            return
        }
        for i in a.indices {
            for j in a[i].indices where !close(a[i][j], b[i][j], tol) {
                Issue.record("\(what)[\(i),\(j)]: \(a[i][j]) vs \(b[i][j]) (diff \(a[i][j] - b[i][j]), tol \(tol))", sourceLocation: sourceLocation)
            }
        }
    }

    static func frobenius(_ m: [[Double]]) -> Double { m.joined().reduce(0) { $0 + $1 * $1 }.squareRoot() }
    static func add(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] { zip(a, b).map { zip($0, $1).map(+) } }
    static func subtract(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] { zip(a, b).map { zip($0, $1).map(-) } }
    static func zeros(_ r: Int, _ c: Int) -> [[Double]] { Array(repeating: Array(repeating: 0, count: c), count: r) }
    static func transpose(_ m: [[Double]]) -> [[Double]] { (0..<(m.first?.count ?? 0)).map { j in m.map { $0[j] } } }
    static func product(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        a.map { row in (0..<b[0].count).map { j in row.indices.reduce(0) { $0 + row[$1] * b[$1][j] } } }
    }
    /// x M for a row vector x.
    static func times(_ x: [Double], _ m: [[Double]]) -> [Double] {
        (0..<m[0].count).map { j in x.indices.reduce(0) { $0 + x[$1] * m[$1][j] } }
    }
    static func sigmoid(_ a: Double) -> Double { 1 / (1 + exp(-a)) }

    /// ‖A‖₂ by power iteration on AᵀA (not the runtime's Jacobi eigenvalues).
    static func spectralNorm(_ a: [[Double]]) -> Double {
        let ata = product(transpose(a), a)
        var v = (0..<ata.count).map { 1 + 0.37 * Double($0) }
        var previous = -1.0
        for _ in 0..<50_000 {
            let w = times(v, ata)  // ata is symmetric
            let n = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if n == 0 { return 0 }
            v = w.map { $0 / n }
            if abs(n - previous) <= 1e-15 * n { break }
            previous = n
        }
        let av = times(v, ata)
        return max(zip(v, av).reduce(0) { $0 + $1.0 * $1.1 }, 0).squareRoot()
    }

    /// Five-point central difference (exactly 0 when f does not depend on x).
    static func derivative(h: Double = 1e-3, _ f: (Double) -> Double) -> Double {
        let near = f(h) - f(-h), far = f(2 * h) - f(-2 * h)
        return (8 * near - far) / (12 * h)
    }

    /// J[i][m] = ∂f_i/∂x_m by finite differences.
    static func jacobian(at x: [Double], h: Double = 1e-4, _ f: ([Double]) -> [Double]) -> [[Double]] {
        let outputs = f(x).count
        var J = zeros(outputs, x.count)
        for m in x.indices {
            for i in 0..<outputs {
                J[i][m] = derivative(h: h) { delta in
                    var probe = x
                    probe[m] += delta
                    return f(probe)[i]
                }
            }
        }
        return J
    }

    // MARK: - An independent vanilla RNN (SPEC §1), with a W and a U per step

    struct Vanilla {
        var activation: String, readout: String, loss: String
        var U: [[Double]], W: [[Double]], b: [Double]?, V: [[Double]], c: [Double]?, s0: [Double]
        var n: Int { U.count }
        var d: Int { W.count }
        var k: Int { V[0].count }

        func sigma(_ a: Double) -> Double {
            switch activation {
            case "tanh": return tanh(a)
            case "sigmoid": return InstrumentTests.sigmoid(a)
            case "relu": return max(a, 0)
            default: return a
            }
        }

        var gamma: Double { activation == "sigmoid" ? 0.25 : 1 }

        /// s_t from s_{t−1} and x_t.
        func step(_ x: [Double], _ s: [Double], U: [[Double]], W: [[Double]]) -> [Double] {
            let xu = InstrumentTests.times(x, U), sw = InstrumentTests.times(s, W)
            return (0..<d).map { j in sigma(xu[j] + sw[j] + (b?[j] ?? 0)) }
        }

        func input(_ xs: [[Double]], _ t: Int) -> [Double] { t <= xs.count ? xs[t - 1] : Array(repeating: 0, count: n) }

        /// s_0 … s_T; step t (1-based) uses Ws[t−1] and Us[t−1].
        func states(_ xs: [[Double]], steps T: Int, Ws: [[[Double]]]? = nil, Us: [[[Double]]]? = nil) -> [[Double]] {
            var s = [s0]
            for t in 1...T { s.append(step(input(xs, t), s[t - 1], U: Us?[t - 1] ?? U, W: Ws?[t - 1] ?? W)) }
            return s
        }

        /// L_t from s_t and the target y_t.
        func termLoss(_ s: [Double], _ y: [Double]) -> Double {
            let o = InstrumentTests.times(s, V).enumerated().map { $0.element + (c?[$0.offset] ?? 0) }
            switch (readout, loss) {
            case ("softmax", "cross_entropy"):
                let m = o.max()!
                let z = o.reduce(0) { $0 + exp($1 - m) }
                return -zip(y, o).reduce(0) { $0 + $1.0 * ($1.1 - m - log(z)) }
            case ("sigmoid", "binary_cross_entropy"):
                return -zip(y, o).reduce(0) { $0 + $1.0 * log(InstrumentTests.sigmoid($1.1)) + (1 - $1.0) * log(1 - InstrumentTests.sigmoid($1.1)) }
            default:
                let p: [Double] = readout == "sigmoid" ? o.map(InstrumentTests.sigmoid) : o
                return zip(y, p).reduce(0) { $0 + 0.5 * ($1.0 - $1.1) * ($1.0 - $1.1) }
            }
        }

        func script(_ xs: [[Double]], _ ys: [[Double]], outputs: String = "every") -> String {
            var lines = [
                "model net = rnn { input \(n); hidden \(d); output \(k); state \(activation); readout \(readout); outputs \(outputs); bias \(b == nil ? "off" : "on") }",
                "set net.U = \(literal(U))",
                "set net.W = \(literal(W))",
                "set net.V = \(literal(V))",
                "set net.s0 = \(literal(s0))",
            ]
            if let b { lines.append("set net.b = \(literal(b))") }
            if let c { lines.append("set net.c = \(literal(c))") }
            lines.append("sequence s = inputs \(literal(xs)) targets \(literal(ys))")
            lines.append("loss L = \(loss)")
            return lines.joined(separator: "\n") + "\n"
        }

        static func random(_ numbers: inout Numbers, n: Int, d: Int, k: Int, activation: String, readout: String, loss: String,
                           bias: Bool = true, s0: Bool = false, wScale: Double = 0.9) -> Vanilla {
            Vanilla(activation: activation, readout: readout, loss: loss,
                    U: numbers.matrix(n, d, -1, 1), W: numbers.matrix(d, d, -wScale, wScale),
                    b: bias ? numbers.vector(d, -0.5, 0.5) : nil, V: numbers.matrix(d, k, -1, 1),
                    c: bias ? numbers.vector(k, -0.5, 0.5) : nil,
                    s0: s0 ? numbers.vector(d, -0.6, 0.6) : Array(repeating: 0, count: d))
        }
    }

    static func targets(_ numbers: inout Numbers, _ rows: Int, _ k: Int, loss: String) -> [[Double]] {
        loss == "cross_entropy" ? numbers.oneHot(rows, k) : numbers.matrix(rows, k, loss == "binary_cross_entropy" ? 0.05 : -1, 0.95)
    }

    // MARK: - 1. decompose … at T for W / U

    struct DecomposeCase: Sendable, CustomTestStringConvertible {
        var activation: String
        var readout: String
        var loss: String
        var bias = true
        var s0 = false
        var steps = 5
        var at = 5
        var outputs = "every"
        var inputs: Int? = nil
        var seed: UInt64
        var testDescription: String {
            "\(activation)/\(readout)/\(loss) \(outputs) T=\(steps) at \(at)\(bias ? "" : " bias off")\(s0 ? " s0≠0" : "")"
        }
    }

    static let decomposeCases: [DecomposeCase] = [
        DecomposeCase(activation: "tanh", readout: "softmax", loss: "cross_entropy", seed: 1),
        DecomposeCase(activation: "tanh", readout: "softmax", loss: "cross_entropy", s0: true, at: 3, seed: 2),
        DecomposeCase(activation: "sigmoid", readout: "sigmoid", loss: "binary_cross_entropy", bias: false, s0: true, at: 4, seed: 3),
        DecomposeCase(activation: "relu", readout: "linear", loss: "squared_error", steps: 4, at: 4, seed: 14),
        DecomposeCase(activation: "linear", readout: "softmax", loss: "cross_entropy", s0: true, steps: 6, at: 6, seed: 5),
        DecomposeCase(activation: "tanh", readout: "linear", loss: "squared_error", steps: 4, at: 4, outputs: "last", seed: 6),
        DecomposeCase(activation: "sigmoid", readout: "linear", loss: "squared_error", steps: 5, at: 5, inputs: 2, seed: 7),
        DecomposeCase(activation: "tanh", readout: "softmax", loss: "cross_entropy", s0: true, steps: 3, at: 1, seed: 8),
    ]

    @Test("decompose … at T: the terms sum to ∂L_T/∂P, and term k is ∂L_T/∂P_k with P copied for step k only (finite differences)",
          arguments: decomposeCases)
    func decomposeAt(_ c: DecomposeCase) {
        var numbers = Numbers(c.seed)
        let net = Vanilla.random(&numbers, n: 3, d: 3, k: 3, activation: c.activation, readout: c.readout, loss: c.loss,
                                 bias: c.bias, s0: c.s0)
        let xs = numbers.matrix(c.inputs ?? c.steps, 3, -1, 1)
        let ys = Self.targets(&numbers, c.outputs == "last" ? 1 : c.steps, 3, loss: c.loss)
        let yT = c.outputs == "last" ? ys[0] : ys[c.at - 1]
        let r = Self.run(net.script(xs, ys, outputs: c.outputs) + """
            decompose net on s with L at \(c.at) for W
            decompose net on s with L at \(c.at) for U
            """)
        #expect(r.status == .ok, "\(r.errors)")
        let T = c.at
        /// L_T with W_t and U_t used at step t.
        func lossT(_ Ws: [[[Double]]], _ Us: [[[Double]]]) -> Double {
            net.termLoss(net.states(xs, steps: T, Ws: Ws, Us: Us)[T], yT)
        }
        for parameter in ["W", "U"] {
            let result = r.result("decompose net on s with L at \(T) for \(parameter)")
            #expect(result["parameter"] as? String == parameter)
            #expect(Self.number(result["at"]) == Double(T))
            let terms = result["terms"] as? [[String: Any]] ?? []
            #expect(terms.count == T, "one term per k = 1…T")
            let P = parameter == "W" ? net.W : net.U
            var sum = Self.zeros(P.count, P[0].count)
            for (index, term) in terms.enumerated() {
                let k = index + 1
                #expect(Self.number(term["k"]) == Double(k))
                let m = Self.matrix(term["matrix"])
                guard m.count == P.count else { continue }
                Self.expectClose(Self.number(term["norm"]), Self.frobenius(m), tol: 1e-12, "\(parameter) term \(k) norm")
                sum = Self.add(sum, m)
                // ∂L_T/∂P_k: perturb P only where it multiplies s_{k−1} (or x_k) at step k.
                var numeric = Self.zeros(P.count, P[0].count)
                for i in P.indices {
                    for j in P[i].indices {
                        numeric[i][j] = Self.derivative { delta in
                            var copies = Array(repeating: P, count: T)
                            copies[k - 1][i][j] += delta
                            let same = Array(repeating: parameter == "W" ? net.U : net.W, count: T)
                            return parameter == "W" ? lossT(copies, same) : lossT(same, copies)
                        }
                    }
                }
                Self.expectClose(m, numeric, tol: 1e-8, "\(c) ∂L_\(T)/∂\(parameter) term k=\(k)")
            }
            let grad = Self.matrix(result["grad"])
            Self.expectClose(Self.matrix(result["sum"]), sum, tol: 1e-13, "\(parameter) `sum` = Σ terms")
            #expect(Self.frobenius(grad) > 1e-6, "\(c) \(parameter): a non-trivial fixture")
            if grad.count == sum.count {
                let gap = Self.frobenius(Self.subtract(sum, grad)) / Self.frobenius(grad)
                #expect(gap <= 1e-12, "\(c) \(parameter): ‖Σ terms − grad‖/‖grad‖ = \(gap)")
            }
            // And `grad` is ∂L_T/∂P with P shared by every step.
            var numeric = Self.zeros(P.count, P[0].count)
            for i in P.indices {
                for j in P[i].indices {
                    numeric[i][j] = Self.derivative { delta in
                        var shared = P
                        shared[i][j] += delta
                        let copies = Array(repeating: shared, count: T), same = Array(repeating: parameter == "W" ? net.U : net.W, count: T)
                        return parameter == "W" ? lossT(copies, same) : lossT(same, copies)
                    }
                }
            }
            Self.expectClose(grad, numeric, tol: 1e-8, "\(c) grad ∂L_\(T)/∂\(parameter)")
        }
    }

    // MARK: - 1b. decompose … for W (no `at`): the split ∂L/∂P = Σ_t ∂L_t/∂P

    @Test("decompose without `at`: term t is ∂L_t/∂P (finite differences) and the terms sum to backward's ∂L/∂P",
          arguments: [decomposeCases[0], decomposeCases[2], decomposeCases[3], decomposeCases[6]])
    func decomposeSplit(_ c: DecomposeCase) {
        var numbers = Numbers(c.seed + 100)
        let net = Vanilla.random(&numbers, n: 3, d: 3, k: 3, activation: c.activation, readout: c.readout, loss: c.loss,
                                 bias: c.bias, s0: c.s0)
        let xs = numbers.matrix(c.inputs ?? c.steps, 3, -1, 1)
        let ys = Self.targets(&numbers, c.steps, 3, loss: c.loss)
        let r = Self.run(net.script(xs, ys) + """
            backward net on s with L
            decompose net on s with L for W
            decompose net on s with L for U
            """)
        #expect(r.status == .ok, "\(r.errors)")
        let grads = r.result("backward net on s with L")["grads"] as? [String: Any] ?? [:]
        for parameter in ["W", "U"] {
            let result = r.result("decompose net on s with L for \(parameter)")
            #expect(result["at"] is NSNull)
            let terms = result["terms"] as? [[String: Any]] ?? []
            #expect(terms.count == c.steps, "one term per step with a target")
            let P = parameter == "W" ? net.W : net.U
            var sum = Self.zeros(P.count, P[0].count)
            for (index, term) in terms.enumerated() {
                let t = index + 1
                #expect(Self.number(term["t"]) == Double(t), "split terms are keyed t")
                let m = Self.matrix(term["matrix"])
                guard m.count == P.count else { continue }
                sum = Self.add(sum, m)
                var numeric = Self.zeros(P.count, P[0].count)
                for i in P.indices {
                    for j in P[i].indices {
                        numeric[i][j] = Self.derivative { delta in
                            var p = net
                            if parameter == "W" { p.W[i][j] += delta } else { p.U[i][j] += delta }
                            return p.termLoss(p.states(xs, steps: t)[t], ys[t - 1])
                        }
                    }
                }
                Self.expectClose(m, numeric, tol: 1e-8, "\(c) ∂L_\(t)/∂\(parameter)")
            }
            let full = Self.matrix(grads[parameter])
            Self.expectClose(Self.matrix(result["grad"]), full, tol: 1e-13, "\(parameter) `grad` = backward's")
            if full.count == sum.count {
                let gap = Self.frobenius(Self.subtract(sum, full)) / Self.frobenius(full)
                #expect(gap <= 1e-12, "\(c) \(parameter): ‖Σ_t ∂L_t/∂P − ∂L/∂P‖/‖∂L/∂P‖ = \(gap)")
            }
        }
    }

    @Test("decompose rejects a step without a target, a parameter the model does not have, and gated models")
    func decomposeErrors() {
        var numbers = Numbers(9)
        let net = Vanilla.random(&numbers, n: 2, d: 2, k: 2, activation: "tanh", readout: "softmax", loss: "cross_entropy")
        let base = net.script(numbers.matrix(3, 2, -1, 1), numbers.oneHot(3, 2))
        for bad in ["decompose net on s with L at 4 for W", "decompose net on s with L at 0 for W", "decompose net on s with L at 2 for X"] {
            let r = runScript(base + bad)
            #expect(r.status == .scriptError, "\(bad): \(r.status)")
        }
        let gated = runScript("""
            model g = lstm { input 2; hidden 2; output 2 }
            sequence s = inputs [[1, 0], [0, 1]] targets [[1, 0], [0, 1]]
            loss L = cross_entropy
            decompose g on s with L at 2 for W
            """)
        #expect(gated.status == .scriptError)
    }

    // MARK: - 2. flow (vanilla RNN)

    struct FlowCase: Sendable, CustomTestStringConvertible {
        var name: String
        var activation: String
        var W: [[Double]]? = nil
        var radius: Double? = nil
        var d = 3
        var steps = 6
        var wScale = 0.9
        var s0 = false
        var seed: UInt64
        var testDescription: String { name }
    }

    static let flowCases: [FlowCase] = [
        FlowCase(name: "tanh, random W", activation: "tanh", s0: true, seed: 11),
        FlowCase(name: "tanh, large random W", activation: "tanh", wScale: 2, seed: 12),
        FlowCase(name: "sigmoid, random W", activation: "sigmoid", wScale: 2.5, seed: 13),
        FlowCase(name: "sigmoid, diagonal W", activation: "sigmoid", W: [[1.5, 0, 0], [0, -3, 0], [0, 0, 0.2]], radius: 3, seed: 14),
        FlowCase(name: "tanh, diagonal W", activation: "tanh", W: [[0.5, 0, 0], [0, -0.9, 0], [0, 0, 0.3]], radius: 0.9, seed: 15),
        FlowCase(name: "tanh, rotation-scaling W", activation: "tanh", W: [[0.3, -0.4], [0.4, 0.3]], radius: 0.5, d: 2, seed: 16),
        FlowCase(name: "tanh, rotation-scaling W, ρ > 1", activation: "tanh", W: [[1.2, 0.5], [-0.5, 1.2]], radius: 1.3, d: 2, seed: 17),
        FlowCase(name: "tanh, triangular W (‖W‖₂ ≫ ρ)", activation: "tanh", W: [[0.2, 5, 1], [0, -0.7, 3], [0, 0, 0.4]], radius: 0.7, seed: 18),
        FlowCase(name: "sigmoid, lower triangular W", activation: "sigmoid", W: [[0.1, 0, 0], [2, -0.6, 0], [1, 1, 0.35]], radius: 0.6, seed: 19),
        FlowCase(name: "tanh, one step", activation: "tanh", steps: 1, s0: true, seed: 20),
    ]

    @Test("flow on a vanilla RNN: each norm is ‖finite-difference ∂s_T/∂s_k‖₂; γ, λ = ‖W‖₂, (γλ)^(T−k) and ρ(W) are right; the bound holds",
          arguments: flowCases)
    func flowVanilla(_ c: FlowCase) {
        var numbers = Numbers(c.seed)
        var net = Vanilla.random(&numbers, n: 2, d: c.d, k: 2, activation: c.activation, readout: "softmax", loss: "cross_entropy",
                                 s0: c.s0, wScale: c.wScale)
        if let W = c.W { net.W = W }
        let xs = numbers.matrix(c.steps, 2, -1, 1)
        let r = Self.run(net.script(xs, numbers.oneHot(c.steps, 2)) + "flow net on s\n")
        #expect(r.status == .ok, "\(r.errors)")
        let result = r.result("flow net on s")
        let T = c.steps
        #expect(Self.number(result["t"]) == Double(T))
        let gamma = Self.number(result["gamma"]), lambda = Self.number(result["lambda"])
        #expect(gamma == net.gamma, "γ = max σ′")
        let expectedLambda = Self.spectralNorm(net.W)
        Self.expectClose(lambda, expectedLambda, tol: 1e-10, "λ = ‖W‖₂")
        let rho = Self.number(result["spectral_radius"])
        if let radius = c.radius {
            Self.expectClose(rho, radius, tol: 1e-10, "ρ(W)")
        }
        if let rho { #expect(rho <= expectedLambda * (1 + 1e-10), "ρ ≤ ‖W‖₂") }
        let rows = result["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == T, "one row per k = 0…T−1")
        let states = net.states(xs, steps: T)
        for row in rows {
            guard let k = Self.number(row["k"]).map(Int.init), let norm = Self.number(row["norm"]), let bound = Self.number(row["bound"]) else {
                Issue.record("bad row \(row)")
                continue
            }
            // ∂s_T/∂s_k: perturb s_k and re-run steps k+1 … T.
            let J = Self.jacobian(at: states[k]) { sk in
                var s = sk
                for t in (k + 1)...T { s = net.step(net.input(xs, t), s, U: net.U, W: net.W) }
                return s
            }
            let expected = Self.spectralNorm(J)
            #expect(abs(norm - expected) <= 1e-7 * expected + 1e-12, "\(c) k=\(k): norm \(norm) vs finite differences \(expected)")
            let expectedBound = Foundation.pow(net.gamma * expectedLambda, Double(T - k))
            #expect(abs(bound - expectedBound) <= 1e-10 * expectedBound, "\(c) k=\(k): bound \(bound) vs (γλ)^(T−k) = \(expectedBound)")
            if let gamma, let lambda {
                let exact = Foundation.pow(gamma * lambda, Double(T - k))
                #expect(abs(bound - exact) <= 1e-13 * exact, "bound = (γλ)^(T−k) from the reported γ and λ")
            }
            #expect(norm <= bound, "\(c) k=\(k): ‖∂s_T/∂s_k‖ = \(norm) exceeds the bound \(bound)")
        }
        #expect(Set(rows.compactMap { Self.number($0["k"]).map(Int.init) }) == Set(0..<T))
    }

    // MARK: - 2b. flow (LSTM, GRU)

    struct Gated {
        var cell: String  // lstm | gru
        var n: Int, d: Int, k: Int
        var p: [String: [[Double]]]
        var h0: [Double], c0: [Double]

        var gateNames: [String] { cell == "lstm" ? ["i", "f", "g", "o"] : ["r", "z", "n"] }

        static func random(_ cell: String, _ numbers: inout Numbers, n: Int, d: Int, k: Int) -> Gated {
            var p: [String: [[Double]]] = [:]
            for g in cell == "lstm" ? ["i", "f", "g", "o"] : ["r", "z", "n"] {
                p["U_" + g] = numbers.matrix(n, d, -0.9, 0.9)
                p["W_" + g] = numbers.matrix(d, d, -0.9, 0.9)
                p["b_" + g] = [numbers.vector(d, -0.5, 0.5)]
            }
            if cell == "gru" { p["bh_n"] = [numbers.vector(d, -0.5, 0.5)] }
            p["V"] = numbers.matrix(d, k, -1, 1)
            p["c"] = [numbers.vector(k, -0.5, 0.5)]
            return Gated(cell: cell, n: n, d: d, k: k, p: p, h0: numbers.vector(d, -0.5, 0.5),
                         c0: cell == "lstm" ? numbers.vector(d, -0.5, 0.5) : [])
        }

        func pre(_ g: String, _ x: [Double], _ h: [Double]) -> [Double] {
            let xu = InstrumentTests.times(x, p["U_" + g]!), hw = InstrumentTests.times(h, p["W_" + g]!)
            return (0..<d).map { xu[$0] + hw[$0] + p["b_" + g]![0][$0] }
        }

        /// One step on the state ([h, c] for an LSTM, h for a GRU), with the gate activations.
        func step(_ x: [Double], _ state: [Double]) -> (state: [Double], gates: [String: [Double]]) {
            let h = Array(state[0..<d])
            if cell == "lstm" {
                let c = Array(state[d..<(2 * d)])
                let i = pre("i", x, h).map(InstrumentTests.sigmoid), f = pre("f", x, h).map(InstrumentTests.sigmoid)
                let g = pre("g", x, h).map(tanh), o = pre("o", x, h).map(InstrumentTests.sigmoid)
                let cNew = (0..<d).map { f[$0] * c[$0] + i[$0] * g[$0] }
                let hNew = (0..<d).map { o[$0] * tanh(cNew[$0]) }
                return (hNew + cNew, ["i": i, "f": f, "g": g, "o": o])
            }
            let r = pre("r", x, h).map(InstrumentTests.sigmoid), z = pre("z", x, h).map(InstrumentTests.sigmoid)
            let xn = InstrumentTests.times(x, p["U_n"]!), hn = InstrumentTests.times(h, p["W_n"]!)
            let bn = p["b_n"]![0], bhn = p["bh_n"]![0]
            var nGate = [Double](repeating: 0, count: d), hNew = [Double](repeating: 0, count: d)
            for j in 0..<d {
                let inner: Double = hn[j] + bhn[j]
                let a: Double = xn[j] + bn[j] + r[j] * inner
                nGate[j] = tanh(a)
                hNew[j] = (1 - z[j]) * nGate[j] + z[j] * h[j]
            }
            return (hNew, ["r": r, "z": z, "n": nGate])
        }

        var initial: [Double] { h0 + c0 }

        func script(_ xs: [[Double]], _ ys: [[Double]]) -> String {
            var lines = ["model net = \(cell) { input \(n); hidden \(d); output \(k); readout linear }"]
            for (name, value) in p.sorted(by: { $0.key < $1.key }) {
                lines.append("set net.\(name) = \(name.hasPrefix("b") || name == "c" ? InstrumentTests.literal(value[0]) : InstrumentTests.literal(value))")
            }
            lines.append("set net.h0 = \(InstrumentTests.literal(h0))")
            if cell == "lstm" { lines.append("set net.c0 = \(InstrumentTests.literal(c0))") }
            lines.append("sequence s = inputs \(InstrumentTests.literal(xs)) targets \(InstrumentTests.literal(ys))")
            return lines.joined(separator: "\n") + "\n"
        }
    }

    @Test("flow on LSTM ([h, c] state) and GRU: each norm is ‖finite-difference ∂s_T/∂s_k‖₂; no vanilla bound",
          arguments: ["lstm", "gru"])
    func flowGated(_ cell: String) {
        var numbers = Numbers(cell == "lstm" ? 21 : 22)
        let net = Gated.random(cell, &numbers, n: 2, d: 3, k: 2)
        let T = 5
        let xs = numbers.matrix(T, 2, -1, 1)
        let r = Self.run(net.script(xs, numbers.matrix(T, 2, -1, 1)) + "flow net on s\n")
        #expect(r.status == .ok, "\(r.errors)")
        let result = r.result("flow net on s")
        #expect(result["gamma"] is NSNull && result["lambda"] is NSNull && result["spectral_radius"] is NSNull)
        var states = [net.initial]
        for t in 1...T { states.append(net.step(xs[t - 1], states[t - 1]).state) }
        let rows = result["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == T)
        for row in rows {
            guard let k = Self.number(row["k"]).map(Int.init), let norm = Self.number(row["norm"]) else { Issue.record("bad row \(row)"); continue }
            #expect(row["bound"] is NSNull)
            let J = Self.jacobian(at: states[k]) { sk in
                var s = sk
                for t in (k + 1)...T { s = net.step(xs[t - 1], s).state }
                return s
            }
            #expect(J.count == (cell == "lstm" ? 6 : 3))
            let expected = Self.spectralNorm(J)
            #expect(abs(norm - expected) <= 1e-7 * expected + 1e-12, "\(cell) k=\(k): norm \(norm) vs finite differences \(expected)")
        }
    }

    // MARK: - 3. compare … truncate K (window)

    @Test("compare: difference = full − truncated (each from `backward` with and without truncation), relative = ‖diff‖_F/‖full‖_F, V and c unchanged",
          arguments: ["rnn", "lstm", "gru"])
    func compareTruncations(_ cell: String) {
        var numbers = Numbers(cell == "rnn" ? 31 : cell == "lstm" ? 32 : 33)
        let T = 7
        var script: String
        if cell == "rnn" {
            let net = Vanilla.random(&numbers, n: 3, d: 3, k: 3, activation: "tanh", readout: "softmax", loss: "cross_entropy", s0: true, wScale: 1.2)
            script = net.script(numbers.matrix(T, 3, -1, 1), numbers.oneHot(T, 3))
        } else {
            let net = Gated.random(cell, &numbers, n: 3, d: 3, k: 3)
            script = net.script(numbers.matrix(T, 3, -1, 1), numbers.matrix(T, 3, -1, 1)) + "loss L = squared_error\n"
        }
        let truncations = ["truncate 2", "truncate 3", "truncate 3 window", "truncate 1 window"]
        script += "backward net on s with L\n"
        for tr in truncations { script += "backward net on s with L \(tr)\ncompare net on s with L \(tr)\n" }
        let r = Self.run(script)
        #expect(r.status == .ok, "\(r.errors)")
        let full = r.result("backward net on s with L")["grads"] as? [String: Any] ?? [:]
        #expect(!full.isEmpty)
        for tr in truncations {
            let cut = r.result("backward net on s with L \(tr)")["grads"] as? [String: Any] ?? [:]
            let parameters = r.result("compare net on s with L \(tr)")["parameters"] as? [String: Any] ?? [:]
            #expect(Set(parameters.keys) == Set(full.keys), "\(tr): one entry per parameter")
            var changed = false
            for (name, entry) in parameters {
                let e = entry as? [String: Any] ?? [:]
                let f = Self.matrix(full[name]), t = Self.matrix(cut[name])
                let difference = Self.matrix(e["difference"])
                Self.expectClose(Self.matrix(e["full"]), f, tol: 1e-13, "\(cell) \(tr) \(name) full")
                Self.expectClose(Self.matrix(e["truncated"]), t, tol: 1e-13, "\(cell) \(tr) \(name) truncated")
                Self.expectClose(difference, Self.subtract(f, t), tol: 1e-13, "\(cell) \(tr) \(name) difference")
                let relative = Self.number(e["relative"]) ?? .nan
                let expected = Self.frobenius(Self.subtract(f, t)) / Self.frobenius(f)
                #expect(abs(relative - expected) <= 1e-12 * max(expected, 1e-300) + 1e-15, "\(cell) \(tr) \(name): relative \(relative) vs \(expected)")
                if name == "V" || name == "c" {
                    #expect(relative <= 1e-12, "\(cell) \(tr) \(name): truncation cannot change the readout's gradient, relative \(relative)")
                } else if relative > 1e-6 {
                    changed = true
                }
            }
            #expect(changed, "\(cell) \(tr): truncation changes some recurrent gradient")
        }
    }

    @Test("compare on a dataset: the means over sequences, as backward reports them")
    func compareDataset() {
        var numbers = Numbers(34)
        let net = Vanilla.random(&numbers, n: 2, d: 3, k: 2, activation: "tanh", readout: "linear", loss: "squared_error", wScale: 1.1)
        let script = net.script(numbers.matrix(6, 2, -1, 1), numbers.matrix(6, 2, -1, 1)) + """
            sequence s2 = inputs \(Self.literal(numbers.matrix(4, 2, -1, 1))) targets \(Self.literal(numbers.matrix(4, 2, -1, 1)))
            dataset both = [s, s2]
            backward net on both with L
            backward net on both with L truncate 2
            compare net on both with L truncate 2
            """
        let r = Self.run(script)
        #expect(r.status == .ok, "\(r.errors)")
        let full = r.result("backward net on both with L")["grads"] as? [String: Any] ?? [:]
        let cut = r.result("backward net on both with L truncate 2")["grads"] as? [String: Any] ?? [:]
        let parameters = r.result("compare net on both with L truncate 2")["parameters"] as? [String: Any] ?? [:]
        #expect(parameters.count == 5)
        for (name, entry) in parameters {
            let e = entry as? [String: Any] ?? [:]
            let f = Self.matrix(full[name]), t = Self.matrix(cut[name])
            Self.expectClose(Self.matrix(e["difference"]), Self.subtract(f, t), tol: 1e-13, "\(name) difference")
            Self.expectClose(Self.number(e["relative"]), Self.frobenius(Self.subtract(f, t)) / Self.frobenius(f), tol: 1e-12, "\(name) relative")
        }
    }

    // MARK: - 4. expect

    static let expectScript = """
        model net = rnn { input 2; hidden 2; output 2 }
        set net.W = [[0.25, -1], [2, 0.5]]
        expect net.W[0, 0] == 0.25
        expect net.W[0, 1] > 0
        show net.W[1, 1]
        expect net.W[1, 0] == 2.004 within 0.005
        expect net.W[1, 0] == 2.1 within 0.01
        expect "abc" == "abc"
        expect "abc" == "abd"
        expect net.W < 3
        expect net.W < 2
        expect net.W == [[0.25, -1], [2, 0.5]]
        expect net.W == [[0.25, -1], [2, 0.6]]
        expect net.W[1, 1] * 3 == 1.5
        """

    @Test("expect: failures print both values, the run continues, exit status 1 and a summary line at the end")
    func expectText() {
        let r = runScript(Self.expectScript)
        #expect(r.status == .expectationFailed)
        #expect(RunStatus.expectationFailed.rawValue == 1)
        let lines = r.output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        #expect(lines.last == "expectations: 6 passed, 5 failed", "last line: \(lines.last ?? "")")
        #expect(r.output.components(separatedBy: "expectations:").count == 2, "one summary line")
        let failed = lines.filter { $0.contains("FAILED") }
        #expect(failed.count == 5, "\(failed)")
        // Both values, and the expression, on the failure line.
        #expect(failed.contains { $0.contains("net.W[0, 1]") && $0.contains("> 0") && $0.contains("-1") }, "\(failed)")
        #expect(failed.contains { $0.contains("2.1") && $0.contains("within 0.01") && $0.contains("2") }, "\(failed)")
        #expect(failed.contains { $0.contains("abd") && $0.contains("abc") }, "\(failed)")
        #expect(failed.contains { $0.contains("0.6") && $0.contains("0.5") }, "\(failed)")
        // The cell after the first failure ran.
        #expect(r.output.contains("show net.W[1, 1]"))
        #expect(r.output.contains("expect net.W[1, 1] * 3 == 1.5"))
        // The failing cell's source is shown with it.
        #expect(r.output.contains("expect net.W[0, 1] > 0"))
    }

    @Test("expect in JSON: passed/actual/op/expected/tolerance per cell, with the cell's line, and no summary line")
    func expectJSON() {
        let r = Self.run(Self.expectScript)
        #expect(r.status == .expectationFailed)
        let expectations = r.cells.filter { $0["kind"] as? String == "expect" }
        #expect(expectations.count == 11)
        let passes = expectations.map { ($0["result"] as? [String: Any])?["passed"] as? Bool }
        #expect(passes == [true, false, true, false, true, false, true, false, true, false, true])
        let scriptLines = Self.expectScript.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for cell in r.cells {
            if let source = cell["source"] as? String, let line = Self.number(cell["line"]).map(Int.init) {
                #expect(line >= 1 && line <= scriptLines.count && scriptLines[line - 1] == source, "line \(line) for `\(source)`")
            }
        }
        let second = r.result("expect net.W[0, 1] > 0")
        #expect(Self.number(second["actual"]) == -1 && Self.number(second["expected"]) == 0 && second["op"] as? String == ">")
        let within = r.result("expect net.W[1, 0] == 2.1 within 0.01")
        #expect(Self.number(within["tolerance"]) == 0.01 && Self.number(within["actual"]) == 2)
        let strings = r.result("expect \"abc\" == \"abd\"")
        #expect(strings["actual"] as? String == "abc" && strings["expected"] as? String == "abd")
        Self.expectClose(Self.matrix(r.result("expect net.W == [[0.25, -1], [2, 0.6]]")["actual"]), [[0.25, -1], [2, 0.5]], tol: 0, "matrix actual")
        #expect(!r.output.contains("expectations:"))
    }

    @Test("expect: passing only gives status 0; `==` without within allows 1e-9 relative; within is absolute")
    func expectTolerances() {
        let pass = runScript("""
            expect 1000000 == 1000000.0009
            expect 0.1 + 0.2 == 0.3
            expect 1 == 1.04 within 0.05
            expect 2 <= 2
            expect 3 >= 2.5
            """)
        #expect(pass.status == .ok, "\(pass.output)")
        #expect(pass.output.contains("expectations: 5 passed, 0 failed"))
        let fail = runScript("""
            expect 1000000 == 1000000.01
            expect 1 == 1.06 within 0.05
            expect 1 == 1.000001
            """)
        #expect(fail.status == .expectationFailed)
        #expect(fail.output.contains("expectations: 0 passed, 3 failed"))
    }

    @Test("expect: comparing incompatible kinds is a checking error naming both kinds, and nothing runs", arguments: [
        ("expect net.W == \"abc\"", ["2×2 matrix", "string"]),
        ("expect \"abc\" == 1", ["string", "number"]),
        ("expect \"abc\" < \"abd\"", ["strings can only be compared with =="]),
        ("expect net.W == [[1, 2, 3]]", ["2×2 matrix", "1×3 matrix"]),
        ("expect 1 == net.W", ["number", "2×2 matrix"]),
        ("expect net == 1", ["model", "number"]),
    ])
    func expectIncompatible(_ statement: String, _ mentions: [String]) {
        let r = runScript("""
            model net = rnn { input 2; hidden 2; output 2 }
            expect 1 == 1
            \(statement)
            show net.W
            """)
        #expect(r.status == .scriptError, "\(statement): \(r.status)")
        #expect(r.errors.contains("test.rnn:3:1: error: "), "\(r.errors)")
        for mention in mentions { #expect(r.errors.contains(mention), "`\(statement)`: \(r.errors)") }
        #expect(r.output.isEmpty, "a checking error runs no cell")
    }

    /// The values on a FAILED line: (expected, actual) as printed.
    static func printedValues(_ line: Substring) -> (expected: String, actual: String)? {
        // A matrix failure names the element: "… but element [i, j] is A, not B (…)".
        if let element = line.range(of: ", but element "), let isRange = line[element.upperBound...].range(of: " is "),
           let not = line[isRange.upperBound...].range(of: ", not ") {
            let actual = line[isRange.upperBound..<not.lowerBound]
            let expected = line[not.upperBound...].components(separatedBy: " (")[0]
            return (expected, String(actual))
        }
        guard let but = line.range(of: ", but it is ") else { return nil }
        let head = line[..<but.lowerBound]
        guard let op = head.range(of: " == ", options: .backwards) else { return nil }
        let expected = head[op.upperBound...].components(separatedBy: " within ")[0]
        return (expected, String(line[but.upperBound...]))
    }

    @Test("a failed expectation prints values that can be told apart (not both rounded to 4 decimals, not 'a 3×3 matrix' twice)")
    func expectFailureShowsDistinctValues() {
        let r = runScript("""
            expect 0.1 + 0.2 == 0.3000001
            expect 1234.56789 == 1234.5679 within 1e-6
            expect 2 == 2.00001
            model net = rnn { input 3; hidden 3; output 3; init zeros }
            expect net.W == [[0, 0, 0], [0, 0, 0], [0, 0, 0.5]]
            """)
        #expect(r.status == .expectationFailed)
        let failed = r.output.split(separator: "\n").filter { $0.contains("FAILED") }
        #expect(failed.count == 4)
        for line in failed {
            guard let (expected, actual) = Self.printedValues(line) else { Issue.record("unexpected FAILED line: \(line)"); continue }
            #expect(expected != actual, "the failure report shows the same value twice: \(line)")
        }
    }

    // MARK: - 5. gates

    @Test("gates: zero weights and b_f = 2 give f = σ(2) at every step; one T×d matrix per gate")
    func gatesForgetBias() {
        let T = 4
        let r = Self.run("""
            model net = lstm { input 2; hidden 3; output 2; readout linear; init zeros }
            set net.b_f = [2, 2, 2]
            sequence s = inputs [[1, 0], [0, 1], [0.5, -0.5], [2, 3]] targets [[0, 1], [1, 0], [0, 0], [1, 1]]
            gates net on s
            """)
        #expect(r.status == .ok, "\(r.errors)")
        let gates = r.result("gates net on s")["gates"] as? [String: Any] ?? [:]
        #expect(Set(gates.keys) == ["i", "f", "g", "o"])
        let sigma2 = 1 / (1 + exp(-2.0))
        let expected: [String: Double] = ["i": 0.5, "f": sigma2, "g": 0, "o": 0.5]
        for (name, value) in expected {
            let m = Self.matrix(gates[name])
            #expect(m.count == T && m.allSatisfy { $0.count == 3 }, "\(name): T rows of d")
            for row in m { for x in row { #expect(abs(x - value) <= 1e-12, "gate \(name): \(x) vs \(value)") } }
        }
    }

    @Test("gates equal the gate activations of an independent LSTM / GRU forward pass", arguments: ["lstm", "gru"])
    func gatesAgainstReference(_ cell: String) {
        var numbers = Numbers(cell == "lstm" ? 41 : 42)
        let net = Gated.random(cell, &numbers, n: 2, d: 3, k: 2)
        let T = 5
        let xs = numbers.matrix(T, 2, -1, 1)
        let r = Self.run(net.script(xs, numbers.matrix(T, 2, -1, 1)) + "gates net on s\n")
        #expect(r.status == .ok, "\(r.errors)")
        let gates = r.result("gates net on s")["gates"] as? [String: Any] ?? [:]
        #expect(Set(gates.keys) == Set(net.gateNames))
        var state = net.initial
        var expected: [String: [[Double]]] = [:]
        for t in 1...T {
            let (next, g) = net.step(xs[t - 1], state)
            for (name, values) in g { expected[name, default: []].append(values) }
            state = next
        }
        for name in net.gateNames {
            Self.expectClose(Self.matrix(gates[name]), expected[name] ?? [], tol: 1e-12, "\(cell) gate \(name)")
        }
    }

    @Test("gates on a vanilla RNN is a script error")
    func gatesOnVanilla() {
        let r = runScript("""
            model net = rnn { input 2; hidden 2; output 2 }
            sequence s = inputs [[1, 0]] targets [[0, 1]]
            gates net on s
            """)
        #expect(r.status == .scriptError)
        #expect(r.errors.contains("no gates"), "\(r.errors)")
        #expect(r.output.isEmpty, "nothing ran")
    }

    // MARK: - 6. trace

    @Test("trace to .md and .tex: written through the host with every step; its gradients equal backward's")
    func traceExport() {
        var numbers = Numbers(51)
        let net = Vanilla.random(&numbers, n: 3, d: 3, k: 3, activation: "tanh", readout: "softmax", loss: "cross_entropy", s0: true)
        let T = 5
        let xs = numbers.matrix(T, 3, -1, 1), ys = numbers.oneHot(T, 3)
        let host = TestHost()
        let r = Self.run(net.script(xs, ys) + """
            backward net on s with L
            trace net on s with L to "x.md"
            trace net on s with L to "out/x.tex"
            trace net on s with L
            """, host: host)
        #expect(r.status == .ok, "\(r.errors)")
        let grads = r.result("backward net on s with L")["grads"] as? [String: Any] ?? [:]
        let backwardLoss = Self.number(r.result("backward net on s with L")["loss"]) ?? .nan
        let states = net.states(xs, steps: T)
        for source in ["trace net on s with L to \"x.md\"", "trace net on s with L to \"out/x.tex\"", "trace net on s with L"] {
            let result = r.result(source)
            let traceGrads = result["grads"] as? [String: Any] ?? [:]
            #expect(Set(traceGrads.keys) == ["V", "W", "U"])
            for name in ["V", "W", "U"] {
                Self.expectClose(Self.matrix(traceGrads[name]), Self.matrix(grads[name]), tol: 1e-12, "\(source): ∂L/∂\(name)")
            }
            Self.expectClose(Self.number(result["loss"]), backwardLoss, tol: 1e-12, "\(source): L")
            let forward = result["forward"] as? [[String: Any]] ?? []
            let backward = result["backward"] as? [[String: Any]] ?? []
            #expect(forward.count == T && backward.count == T)
            for (index, step) in forward.enumerated() {
                #expect(Self.number(step["t"]) == Double(index + 1))
                Self.expectClose(Self.matrix(step["s"]), [states[index + 1]], tol: 1e-12, "s_\(index + 1)")
                Self.expectClose(Self.number(step["loss"]), net.termLoss(states[index + 1], ys[index]), tol: 1e-12, "L_\(index + 1)")
            }
        }
        #expect(r.result("trace net on s with L to \"x.md\"")["file"] as? String == "x.md")
        #expect(r.result("trace net on s with L")["file"] is NSNull)
        #expect(Set(host.written.keys) == ["x.md", "out/x.tex"], "\(host.written.keys)")
        let markdown = host.written["x.md"] ?? ""
        let latex = host.written["out/x.tex"] ?? ""
        for t in 1...T {
            #expect(markdown.contains("## Step \(t), forward") && markdown.contains("## Step \(t), backward"), "markdown step \(t)")
            #expect(markdown.contains("s_{\(t)} = ") && markdown.contains("\\delta_{\(t)} = "), "markdown step \(t) equations")
            #expect(latex.contains("\\subsection*{Step \(t), forward}") && latex.contains("\\subsection*{Step \(t), backward}"), "latex step \(t)")
        }
        #expect(!markdown.contains("Step \(T + 1)") && !latex.contains("Step \(T + 1)"))
        #expect(latex.contains("\\begin{align*}") && latex.contains("\\end{align*}"))
        #expect(markdown.contains("## Gradients") && latex.contains("Gradients"))
        let text = runScript(net.script(xs, ys) + "trace net on s with L to \"x.md\"\n")
        #expect(text.output.contains("written to x.md (Markdown)"), "\(text.output.suffix(200))")
    }

    @Test("trace to a file that is neither .md nor .tex is a script error; trace on a gated model too")
    func traceErrors() {
        let host = TestHost()
        let r = runScript("""
            model net = rnn { input 2; hidden 2; output 2 }
            sequence s = inputs [[1, 0]] targets [[0, 1]]
            loss L = cross_entropy
            trace net on s with L to "x.txt"
            """, host: host)
        #expect(r.status == .scriptError)
        #expect(r.errors.contains("x.txt"), "\(r.errors)")
        #expect(host.written.isEmpty)
        let gated = runScript("""
            model net = gru { input 2; hidden 2; output 2 }
            sequence s = inputs [[1, 0]] targets [[0, 1]]
            loss L = cross_entropy
            trace net on s with L
            """)
        #expect(gated.status == .scriptError)
    }

    // MARK: - 7. train … log

    static func globalNorm(_ grads: [String: Any]) -> Double {
        grads.values.reduce(0.0) { total, m in total + Self.matrix(m).joined().reduce(0) { $0 + $1 * $1 } }.squareRoot()
    }

    @Test("train log with clip norm: one record per update; norm_after ≤ N, = norm_before when nothing was clipped")
    func trainLogClipNorm() {
        var numbers = Numbers(61)
        let net = Vanilla.random(&numbers, n: 3, d: 3, k: 3, activation: "tanh", readout: "softmax", loss: "cross_entropy", wScale: 1.5)
        let T = 6
        let r = Self.run(net.script(numbers.matrix(T, 3, -1, 1), numbers.oneHot(T, 3)) + """
            optimizer opt = sgd { lr 0.1 }
            backward net on s with L
            train net on s with L, opt for 1 epochs, clip norm 0.001, log
            backward net on s with L
            train net on s with L, opt for 1 epochs, clip norm 1000, log
            train net on s with L, opt for 4 epochs, truncate 2, clip norm 0.3, log
            train net on s with L, opt for 2 epochs
            """)
        #expect(r.status == .ok, "\(r.errors)")
        let sources = ["train net on s with L, opt for 1 epochs, clip norm 0.001, log",
                       "train net on s with L, opt for 1 epochs, clip norm 1000, log",
                       "train net on s with L, opt for 4 epochs, truncate 2, clip norm 0.3, log"]
        let backwards = r.cells.filter { $0["kind"] as? String == "backward" }.map { ($0["result"] as? [String: Any])?["grads"] as? [String: Any] ?? [:] }
        #expect(backwards.count == 2)
        for (index, (source, limit)) in zip(sources, [0.001, 1000, 0.3]).enumerated() {
            let result = r.result(source)
            let log = result["log"] as? [[String: Any]] ?? []
            let updates = Int(Self.number(result["updates"]) ?? -1)
            #expect(log.count == updates && updates == (index == 2 ? 12 : 1), "\(source): \(log.count) records, \(updates) updates")
            for (i, record) in log.enumerated() {
                #expect(Self.number(record["update"]) == Double(i + 1))
                if index == 2 { #expect(Self.number(record["epoch"]) == Double(i / 3 + 1), "three chunks per epoch") }
                guard let before = Self.number(record["norm_before"]), let after = Self.number(record["norm_after"]) else {
                    Issue.record("record without norms: \(record)"); continue
                }
                let clipped = (record["clipped"] as? [String: Any] ?? [:]).values.compactMap(Self.number)
                #expect(clipped.count == 5)
                #expect(after <= limit * (1 + 1e-9), "\(source) update \(i + 1): ‖g‖ after \(after) > \(limit)")
                if limit / (before + 1e-6) >= 1 {
                    #expect(after == before, "\(source) update \(i + 1): nothing clipped, yet \(after) ≠ \(before)")
                    #expect(clipped.allSatisfy { $0 == 0 })
                } else {
                    let expected = before * limit / (before + 1e-6)
                    #expect(abs(after - expected) <= 1e-12 * expected, "\(source) update \(i + 1): \(after) vs N‖g‖/(‖g‖+1e-6) = \(expected)")
                    #expect(clipped.contains { $0 > 0 })
                }
            }
            // The first update of a full-BPTT run uses backward's gradient at the same weights.
            if index < 2, let first = log.first {
                Self.expectClose(Self.number(first["norm_before"]), Self.globalNorm(backwards[index]), tol: 1e-12, "\(source): ‖g‖ = ‖backward‖")
            }
        }
        #expect(r.result("train net on s with L, opt for 2 epochs")["log"] == nil, "no log unless asked")
    }

    @Test("train log with clip value V: the clipped counts are the elements beyond ±V of backward's gradient at the same weights")
    func trainLogClipValue() throws {
        var numbers = Numbers(71)
        let net = Vanilla.random(&numbers, n: 3, d: 4, k: 3, activation: "tanh", readout: "softmax", loss: "cross_entropy", wScale: 1.2)
        let T = 6
        let base = net.script(numbers.matrix(T, 3, -1, 1), numbers.oneHot(T, 3)) + "optimizer opt = sgd { lr 0.5 }\n"
        // Choose V between two magnitudes of the first gradient, so some elements clip and some do not.
        let probe = Self.run(base + "backward net on s with L\n")
        let magnitudes = (probe.result("backward net on s with L")["grads"] as? [String: Any] ?? [:]).values
            .flatMap { Self.matrix($0).joined().map(abs) }.sorted()
        try #require(magnitudes.count == 12 + 16 + 4 + 12 + 3)
        let cut = magnitudes.count * 3 / 5
        let V = (magnitudes[cut] + magnitudes[cut + 1]) / 2
        var script = base
        for _ in 0..<3 { script += "backward net on s with L\ntrain net on s with L, opt for 1 epochs, clip value \(V), log\n" }
        let r = Self.run(script)
        #expect(r.status == .ok, "\(r.errors)")
        let kinds = r.cells.compactMap { $0["kind"] as? String }
        var gradient: [String: Any] = [:]
        var checked = 0, totalClipped = 0
        for (cell, kind) in zip(r.cells, kinds) {
            let result = cell["result"] as? [String: Any] ?? [:]
            if kind == "backward" { gradient = result["grads"] as? [String: Any] ?? [:] }
            guard kind == "train" else { continue }
            let log = result["log"] as? [[String: Any]] ?? []
            #expect(log.count == 1)
            guard let record = log.first else { continue }
            let clipped = record["clipped"] as? [String: Any] ?? [:]
            #expect(Set(clipped.keys) == Set(gradient.keys))
            var clampedNorm = 0.0
            for (name, g) in gradient {
                let values = Self.matrix(g).joined()
                let beyond = values.filter { abs($0) > V }.count
                #expect(Self.number(clipped[name]) == Double(beyond), "update \(checked + 1) \(name): clipped \(String(describing: clipped[name])), beyond ±V \(beyond)")
                totalClipped += beyond
                clampedNorm += values.reduce(0) { $0 + min(max($1, -V), V) * min(max($1, -V), V) }
            }
            Self.expectClose(Self.number(record["norm_before"]), Self.globalNorm(gradient), tol: 1e-12, "norm before")
            Self.expectClose(Self.number(record["norm_after"]), clampedNorm.squareRoot(), tol: 1e-12, "norm after clamping")
            checked += 1
        }
        #expect(checked == 3)
        #expect(totalClipped >= magnitudes.count - cut - 1, "the first update clips the largest elements")
    }

    @Test("train log with mini-batches: one record per batch update")
    func trainLogBatches() {
        var numbers = Numbers(81)
        let net = Vanilla.random(&numbers, n: 2, d: 3, k: 2, activation: "tanh", readout: "linear", loss: "squared_error")
        var script = net.script(numbers.matrix(4, 2, -1, 1), numbers.matrix(4, 2, -1, 1))
        script += "sequence s2 = inputs \(Self.literal(numbers.matrix(3, 2, -1, 1))) targets \(Self.literal(numbers.matrix(3, 2, -1, 1)))\n"
        script += "sequence s3 = inputs \(Self.literal(numbers.matrix(5, 2, -1, 1))) targets \(Self.literal(numbers.matrix(5, 2, -1, 1)))\n"
        script += """
            dataset all = [s, s2, s3]
            optimizer opt = adam { lr 0.01 }
            train net on all with L, opt for 3 epochs, batch 2, clip value 0.05, log
            """
        let r = Self.run(script)
        #expect(r.status == .ok, "\(r.errors)")
        let result = r.result("train net on all with L, opt for 3 epochs, batch 2, clip value 0.05, log")
        let log = result["log"] as? [[String: Any]] ?? []
        #expect(log.count == 6 && Self.number(result["updates"]) == 6, "two batches per epoch, three epochs: \(log.count)")
        #expect(log.compactMap { Self.number($0["epoch"]) } == [1, 1, 2, 2, 3, 3])
        #expect(log.compactMap { Self.number($0["update"]) } == [1, 2, 3, 4, 5, 6])
        for record in log {
            let before = Self.number(record["norm_before"]) ?? .nan, after = Self.number(record["norm_after"]) ?? .nan
            #expect(after <= before, "clamping never grows the norm")
            let clipped = (record["clipped"] as? [String: Any] ?? [:]).values.compactMap(Self.number)
            #expect(clipped.count == 5 && clipped.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
            #expect(clipped.reduce(0, +) == 0 ? after == before : after < before)
        }
    }

    // MARK: - 8. plot

    @Test("plot: a vector is a line, a matrix a heat map, a number a one-point line")
    func plotKinds() {
        let r = Self.run("""
            model net = rnn { input 2; hidden 3; output 2 }
            set net.W = [[0.1, 0.2, 0.3], [-1, 0, 1], [5, 6, 7]]
            set net.b = [0.5, -0.5, 2]
            let vals = [[1, 4, 9, 16]]
            plot net.W
            plot net.b
            plot net.W[:, 1]
            plot vals
            plot 2.5
            """)
        #expect(r.status == .ok, "\(r.errors)")
        let heat = r.result("plot net.W")
        #expect(heat["kind"] as? String == "heatmap")
        Self.expectClose(Self.matrix(heat["matrix"]), [[0.1, 0.2, 0.3], [-1, 0, 1], [5, 6, 7]], tol: 0, "heat map")
        let lines: [(String, [Double])] = [("plot net.b", [0.5, -0.5, 2]), ("plot net.W[:, 1]", [0.2, 0, 6]),
                                           ("plot vals", [1, 4, 9, 16]), ("plot 2.5", [2.5])]
        for (source, values) in lines {
            let result = r.result(source)
            #expect(result["kind"] as? String == "line", "\(source)")
            #expect((result["values"] as? [Any] ?? []).compactMap(Self.number) == values, "\(source)")
        }
        let text = runScript("""
            model net = rnn { input 2; hidden 3; output 2 }
            set net.W = [[0.1, 0.2, 0.3], [-1, 0, 1], [5, 6, 7]]
            plot net.W
            plot net.W[0]
            """)
        #expect(text.status == .ok)
        #expect(text.output.contains("█") && text.output.contains("░"), "heat map shades")
        #expect(text.output.contains("3 values from"), "line summary")
    }

    @Test("plotting a model (or a string) is a checking error", arguments: ["plot net", "plot \"text\""])
    func plotErrors(_ statement: String) {
        let r = Self.run("""
            model net = rnn { input 2; hidden 3; output 2 }
            \(statement)
            show net.W
            """)
        #expect(r.status == .scriptError, "\(statement): \(r.status)")
        #expect(r.errors.contains("test.rnn:2:6: error: plot needs numbers"), "\(r.errors)")
        #expect(r.cells.isEmpty, "a checking error runs no cell")
    }
}
