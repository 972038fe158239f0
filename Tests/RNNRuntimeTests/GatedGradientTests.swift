import Foundation
import Testing
@testable import RNNRuntime

// MARK: - An independent reference implementation of SPEC §1 (every cell, stacked layers)

/// A separate forward pass for RNN, LSTM and GRU cells and stacked layers (plain
/// loops, one gate at a time, no BLAS, no packing; parameters looked up by their
/// documented names rather than by `parameterShapes`' roles), used to check the
/// runtime without trusting its own forward pass.
///
/// LSTM (PyTorch, row convention):  i = σ(x U_i + h W_i + b_i), f, o likewise,
/// g = tanh(x U_g + h W_g + b_g), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
/// GRU:  r = σ(x U_r + h W_r + b_r), z likewise, n = tanh(x U_n + b_n + r ⊙ (h W_n + bh_n)),
/// h' = (1 − z) ⊙ n + z ⊙ h.
/// Layer ℓ > 1 reads layer ℓ−1's h at the same step; the readout reads the top h.
/// The state s_t is every layer's state concatenated ([h, c] per LSTM layer).
struct ReferenceNetwork {
    struct Run {
        /// The entering state first, then s_t for each step (S wide).
        var states: [[Double]] = []
        var logits: [[Double]] = []
        var predictions: [[Double]] = []
        /// L_t keyed by the absolute 0-based step.
        var losses: [Int: Double] = [:]
        var total: Double { losses.keys.sorted().reduce(0) { $0 + losses[$1]! } }
    }

    /// Where one gate's parameters sit in `theta` (each matrix row-major: U_g[i][j]
    /// is theta[U + i·d + j]); bh_n is `hiddenBias`, −1 where absent.
    struct Gate { var U = 0, W = 0, b = -1 }
    struct Layer { var inputWidth = 0, gates: [Gate] = [], hiddenBias = -1 }

    let configuration: ModelConfiguration
    /// Every parameter value, flat in the order of `parameterShapes`; the offsets below index it.
    var theta: [Double]
    let layers: [Layer]
    let V: Int
    let c: Int
    /// `layers` flat for the inner loop: per layer its input width, bh_n's offset, then
    /// (U, W, b) offsets per gate.
    let offsets: [Int]

    init(configuration cfg: ModelConfiguration, parameters: [Matrix]) {
        configuration = cfg
        var offset: [String: Int] = [:], flat: [Double] = []
        for (shape, value) in zip(cfg.parameterShapes, parameters) {
            precondition(value.rows == shape.rows && value.cols == shape.cols)
            offset[shape.name] = flat.count
            flat += value.storage
        }
        theta = flat
        let suffixes: [String] = switch cfg.cell {
        case .rnn: [""]
        case .lstm: ["_i", "_f", "_g", "_o"]
        case .gru: ["_r", "_z", "_n"]
        }
        layers = (0..<cfg.layers).map { l in
            let prefix = cfg.layers > 1 ? "layer\(l + 1)." : ""
            return Layer(
                inputWidth: l == 0 ? cfg.inputSize : cfg.hiddenSize,
                gates: suffixes.map { g in
                    Gate(U: offset[prefix + "U" + g]!, W: offset[prefix + "W" + g]!, b: offset[prefix + "b" + g] ?? -1)
                },
                hiddenBias: offset[prefix + "bh_n"] ?? -1)
        }
        V = offset["V"]!
        c = offset["c"] ?? -1
        offsets = layers.flatMap { layer in [layer.inputWidth, layer.hiddenBias] + layer.gates.flatMap { [$0.U, $0.W, $0.b] } }
    }

    init(_ model: RNNModel) { self.init(configuration: model.configuration, parameters: model.parameters) }

    static func sigmoid(_ a: Double) -> Double { 1 / (1 + Foundation.exp(-a)) }

    var layerStateWidth: Int { configuration.cell == .lstm ? 2 * configuration.hiddenSize : configuration.hiddenSize }

    /// out[j] (+)= Σ_i a[i] · M[i·d + j] for j < d: the row vector a (length `rows`) times M.
    /// While loops: unoptimised (debug) builds run a Range's iterator through generic calls.
    @inline(__always)
    static func rowTimes(_ a: UnsafePointer<Double>, _ M: UnsafePointer<Double>, rows: Int, d: Int,
                         into out: UnsafeMutablePointer<Double>, accumulate: Bool) {
        var j = 0
        while j < d {
            var v = accumulate ? out[j] : 0, i = 0
            while i < rows { v += a[i] * M[i * d + j]; i += 1 }
            out[j] = v
            j += 1
        }
    }

    /// Runs steps `span` from `entering` (S wide); `record` is told s_t, o_t and ŷ_t after each
    /// step. Returns L_t for each step of the span, NaN where the step has no target.
    ///
    /// The loops are `while` loops over raw buffers because unoptimised (debug) builds run
    /// Range iterators and array accessors through generic calls, and finite differences
    /// run this thousands of times per test.
    func forward(
        _ e: SequenceExample, span: Range<Int>, from entering: [Double], loss: LossKind,
        record: ((Int, [Double], [Double], [Double]) -> Void)? = nil
    ) -> [Double] {
        let cfg = configuration, n = cfg.inputSize, d = cfg.hiddenSize, k = cfg.outputSize
        let w = layerStateWidth, L = cfg.layers, cell = cfg.cell, activation = cfg.activation
        let G = layers[0].gates.count
        precondition(entering.count == L * w)
        // Scratch: the state (layer ℓ: h at ℓ·w ..< ℓ·w + d, an LSTM's c right after it), the
        // layer's input x, each gate's input side x U_g + b_g and hidden side h W_g, the logits.
        let state = UnsafeMutablePointer<Double>.allocate(capacity: L * w)
        let x = UnsafeMutablePointer<Double>.allocate(capacity: max(n, d))
        let xs = UnsafeMutablePointer<Double>.allocate(capacity: G * d)
        let hs = UnsafeMutablePointer<Double>.allocate(capacity: G * d)
        let o = UnsafeMutablePointer<Double>.allocate(capacity: k)
        defer { state.deallocate(); x.deallocate(); xs.deallocate(); hs.deallocate(); o.deallocate() }
        entering.withUnsafeBufferPointer { s in state.update(from: s.baseAddress!, count: L * w) }
        var losses = [Double](repeating: .nan, count: span.count)
        let stride = 2 + 3 * G
        theta.withUnsafeBufferPointer { buffer in
            offsets.withUnsafeBufferPointer { O in
                let P = buffer.baseAddress!
                var t = span.lowerBound
                while t < span.upperBound {
                    if t < e.inputs.rows {
                        e.inputs.storage.withUnsafeBufferPointer { X in x.update(from: X.baseAddress! + t * n, count: n) }
                    } else {
                        x.update(repeating: 0, count: n)
                    }
                    var l = 0
                    while l < L {
                        let h = state + l * w, layer = O.baseAddress! + l * stride
                        let inputWidth = layer[0], hiddenBias = layer[1]
                        var g = 0
                        while g < G {
                            let U = layer[2 + 3 * g], W = layer[3 + 3 * g], b = layer[4 + 3 * g], a = xs + g * d
                            if b >= 0 { a.update(from: P + b, count: d) }
                            Self.rowTimes(x, P + U, rows: inputWidth, d: d, into: a, accumulate: b >= 0)
                            Self.rowTimes(h, P + W, rows: d, d: d, into: hs + g * d, accumulate: false)
                            g += 1
                        }
                        var j = 0
                        while j < d {
                            switch cell {
                            case .rnn:
                                // s = σ(x U + s W + b)
                                x[j] = ReferenceRNN.sigma(activation, xs[j] + hs[j])
                            case .lstm:
                                // i, f, o = sigmoid(x U + h W + b), g = tanh(…);  c' = f ⊙ c + i ⊙ g;  h' = o ⊙ tanh(c')
                                let i = Self.sigmoid(xs[j] + hs[j]), f = Self.sigmoid(xs[d + j] + hs[d + j])
                                let g = Foundation.tanh(xs[2 * d + j] + hs[2 * d + j])
                                let og = Self.sigmoid(xs[3 * d + j] + hs[3 * d + j])
                                h[d + j] = f * h[d + j] + i * g
                                x[j] = og * Foundation.tanh(h[d + j])
                            case .gru:
                                // r, z = sigmoid(x U + h W + b);  n = tanh(x U_n + b_n + r ⊙ (h W_n + bh_n));  h' = (1 − z) ⊙ n + z ⊙ h
                                let r = Self.sigmoid(xs[j] + hs[j]), z = Self.sigmoid(xs[d + j] + hs[d + j])
                                let hidden = hs[2 * d + j] + (hiddenBias >= 0 ? P[hiddenBias + j] : 0)
                                let nv = Foundation.tanh(xs[2 * d + j] + r * hidden)
                                x[j] = (1 - z) * nv + z * h[j]
                            }
                            j += 1
                        }
                        // x now holds the new h: the state, and the next layer's input.
                        h.update(from: x, count: d)
                        l += 1
                    }
                    // o = h_top V + c
                    if c >= 0 { o.update(from: P + c, count: k) }
                    Self.rowTimes(state + (L - 1) * w, P + V, rows: d, d: k, into: o, accumulate: c >= 0)
                    let logits = Array(UnsafeBufferPointer(start: o, count: k))
                    let p = ReferenceRNN.readout(cfg.readout, logits)
                    record?(t, Array(UnsafeBufferPointer(start: state, count: L * w)), logits, p)
                    if let y = ReferenceRNN.target(e, step: t, cfg.outputs) {
                        losses[t - span.lowerBound] = ReferenceRNN.loss(loss, prediction: p, target: y)
                    }
                    t += 1
                }
            }
        }
        return losses
    }

    /// Σ_t L_t over the span, in step order.
    func loss(_ e: SequenceExample, span: Range<Int>, from entering: [Double], loss: LossKind) -> Double {
        var total = 0.0
        for value in forward(e, span: span, from: entering, loss: loss) where !value.isNaN { total += value }
        return total
    }

    func run(_ e: SequenceExample, span: Range<Int>, from entering: [Double], loss: LossKind) -> Run {
        var run = Run()
        run.states = [entering]
        let losses = forward(e, span: span, from: entering, loss: loss, record: { _, s, o, p in
            run.states.append(s)
            run.logits.append(o)
            run.predictions.append(p)
        })
        for (i, value) in losses.enumerated() where !value.isNaN { run.losses[span.lowerBound + i] = value }
        return run
    }

    func zeroState() -> [Double] { [Double](repeating: 0, count: configuration.layers * layerStateWidth) }

    func run(_ e: SequenceExample, loss: LossKind, from entering: [Double]? = nil) -> Run {
        run(e, span: 0..<ReferenceRNN.stepCount(e, configuration.outputs), from: entering ?? zeroState(), loss: loss)
    }

    func loss(_ e: SequenceExample, loss kind: LossKind, from entering: [Double]? = nil) -> Double {
        loss(e, span: 0..<ReferenceRNN.stepCount(e, configuration.outputs), from: entering ?? zeroState(), loss: kind)
    }
}

// MARK: - Fixtures

/// One point of the grid cell × layers × loss (with its natural readout) × outputs × bias.
struct GatedCase: Sendable, CustomTestStringConvertible {
    let cell: CellKind
    let layers: Int
    let loss: LossKind
    let outputs: OutputPlacement
    let bias: Bool
    /// σ of a vanilla RNN (unused by LSTM and GRU).
    var activation: Activation = .tanh

    /// cross entropy ↔ softmax, squared error ↔ linear, binary cross entropy ↔ sigmoid.
    var readout: Readout {
        switch loss {
        case .crossEntropy: return .softmax
        case .squaredError: return .linear
        case .binaryCrossEntropy: return .sigmoid
        }
    }

    var testDescription: String {
        "\(cell.rawValue)\(cell == .rnn ? "(\(activation.rawValue))" : "") ×\(layers)/\(readout.rawValue)/\(loss.rawValue)/outputs \(outputs.rawValue)/bias \(bias ? "on" : "off")"
    }

    var configuration: ModelConfiguration {
        ModelConfiguration(
            inputSize: 3, hiddenSize: 4, outputSize: 3, activation: activation, readout: readout,
            outputs: outputs, bias: bias, initializer: .uniform(-0.5, 0.5), cell: cell, layers: layers)
    }

    static func grid(_ cell: CellKind, layers: [Int], activation: Activation = .tanh) -> [GatedCase] {
        layers.flatMap { l in
            LossKind.allCases.flatMap { loss in
                [OutputPlacement.every, .last].flatMap { o in
                    [true, false].map { GatedCase(cell: cell, layers: l, loss: loss, outputs: o, bias: $0, activation: activation) }
                }
            }
        }
    }

    /// Six of the twelve (loss, outputs, bias) combinations, covering every pair of values
    /// of any two of the three (a pairwise design), for the costlier three-layer models.
    static func pairwise(_ cell: CellKind, layers: Int, activation: Activation = .tanh) -> [GatedCase] {
        [(LossKind.crossEntropy, OutputPlacement.every, true), (.crossEntropy, .last, false),
         (.squaredError, .every, false), (.squaredError, .last, true),
         (.binaryCrossEntropy, .every, true), (.binaryCrossEntropy, .last, false)]
            .map { GatedCase(cell: cell, layers: layers, loss: $0, outputs: $1, bias: $2, activation: activation) }
    }

    /// LSTM and GRU: every combination with 1 and 2 layers, the pairwise six with 3 (2 × 30 = 60 cases).
    static let gated: [GatedCase] = [CellKind.lstm, .gru].flatMap { grid($0, layers: [1, 2]) + pairwise($0, layers: 3) }

    /// Stacked vanilla RNNs: tanh, every combination with 2 and 3 layers; sigmoid, the pairwise six (36 cases).
    static let stackedRNN: [GatedCase] = grid(.rnn, layers: [2, 3], activation: .tanh)
        + pairwise(.rnn, layers: 2, activation: .sigmoid) + pairwise(.rnn, layers: 3, activation: .sigmoid)

    /// Two configurations per (cell, layers) for the truncation tests: softmax/cross entropy,
    /// outputs every, bias on; sigmoid/binary cross entropy, outputs last, bias off.
    static let truncation: [GatedCase] = [(CellKind.lstm, 1), (.lstm, 2), (.lstm, 3), (.gru, 1), (.gru, 2), (.gru, 3), (.rnn, 2), (.rnn, 3)]
        .flatMap { cell, layers in
            [GatedCase(cell: cell, layers: layers, loss: .crossEntropy, outputs: .every, bias: true),
             GatedCase(cell: cell, layers: layers, loss: .binaryCrossEntropy, outputs: .last, bias: false,
                       activation: .sigmoid)]
        }
}

/// A model and a sequence for one `GatedCase`: every parameter (biases included)
/// from U(−1, 1), inputs from U(−1, 1), targets in the loss's domain. Seeds are
/// tried in order until every element of the gradient (under `truncation`) is at
/// least 1e-6 in magnitude: a relative error of 1e-7 on a smaller element would be
/// below what finite differences of a Float64 loss can resolve (deep LSTMs with
/// small weights have gradient elements of 1e-8).
struct GatedFixture {
    var model: RNNModel
    var example: SequenceExample

    static let T = 5

    static func make(
        _ c: GatedCase, steps: Int = T, inputSteps: Int? = nil, seed: UInt64 = 1, truncation: Truncation = .none
    ) -> GatedFixture {
        let cfg = c.configuration
        var fallback: GatedFixture?
        for attempt in UInt64(0)..<40 {
            let model = randomModel(cfg, seed: (seed &+ attempt) &* 31 &+ UInt64(c.layers), range: (-1, 1))
            var random = RandomSource(seed: (seed &+ attempt) &* 7919 &+ 5)
            let inputs = random.matrix(inputSteps ?? steps, cfg.inputSize, -1, 1)
            let rows = c.outputs == .every ? steps : 1
            let targets: Matrix = switch c.loss {
            case .crossEntropy: random.oneHotRows(rows, cfg.outputSize)
            case .squaredError: random.matrix(rows, cfg.outputSize, -1, 1)
            case .binaryCrossEntropy: random.matrix(rows, cfg.outputSize, 0.1, 0.9)
            }
            let fixture = GatedFixture(model: model, example: SequenceExample(inputs: inputs, targets: targets))
            fallback = fallback ?? fixture
            let g = model.lossAndGradients(fixture.example, loss: c.loss, truncation: truncation).gradients
            if g.allSatisfy({ $0.storage.allSatisfy { abs($0) >= 1e-6 } }) { return fixture }
        }
        Issue.record("\(c.testDescription): no seed gives gradient elements of at least 1e-6")
        return fallback!
    }

    /// A state of width S (every layer's state, [h, c] per LSTM layer) drawn from U(−0.5, 0.5).
    static func randomState(_ cfg: ModelConfiguration, seed: UInt64) -> Matrix {
        var random = RandomSource(seed: seed)
        return random.matrix(1, cfg.stateWidth, -0.5, 0.5)
    }
}

extension FiniteDifference {
    /// ∂f/∂θ for every parameter element of a reference network, by the eighth-order
    /// central stencil f′ ≈ [⅘ Δ₁ − ⅕ Δ₂ + 4⁄105 Δ₃ − 1⁄280 Δ₄] / h, Δ_m = f(θ + mh) − f(θ − mh).
    /// With h = 1e-2 its truncation error (O(h⁸)) is negligible and its rounding error is
    /// about 1e-14, a hundred times below the five-point stencil's at h = 1e-3, which the
    /// small gradient elements of stacked gated cells need. Returned aligned with `parameters`.
    static func gradient8(of f: (ReferenceNetwork) -> Double, at net: ReferenceNetwork, h: Double = 1e-2) -> [Matrix] {
        var probe = net
        var flat = [Double](repeating: 0, count: net.theta.count)
        for i in net.theta.indices {
            let original = net.theta[i]
            func delta(_ m: Double) -> Double {
                probe.theta[i] = original + m * h
                let plus = f(probe)
                probe.theta[i] = original - m * h
                return plus - f(probe)
            }
            let d1 = delta(1), d2 = delta(2), d3 = delta(3), d4 = delta(4)
            flat[i] = (0.8 * d1 - 0.2 * d2 + 4.0 / 105 * d3 - 1.0 / 280 * d4) / h
            probe.theta[i] = original
        }
        var result: [Matrix] = [], offset = 0
        for shape in net.configuration.parameterShapes {
            let count = shape.rows * shape.cols
            result.append(Matrix(rows: shape.rows, cols: shape.cols, storage: Array(flat[offset..<(offset + count)])))
            offset += count
        }
        return result
    }
}

// MARK: - Tests

@Suite("Gated and stacked BPTT gradients against finite differences")
struct GatedGradientTests {
    static let tolerance = 1e-7

    /// The checks every full-BPTT case makes.
    static func checkFullBPTT(_ c: GatedCase, _ f: GatedFixture, sourceLocation: SourceLocation = #_sourceLocation) {
        let model = f.model, example = f.example, cfg = model.configuration
        let reference = ReferenceNetwork(model)
        let s0 = model.initialState.row(0)
        let run = reference.run(example, loss: c.loss, from: s0)
        let (loss, analytic) = model.lossAndGradients(example, loss: c.loss)

        // The runtime's forward agrees with the reference, state by state.
        let trace = model.forward(example, loss: c.loss)
        #expect(trace.states.cols == cfg.stateWidth, sourceLocation: sourceLocation)
        #expect(trace.states.rows == run.states.count, sourceLocation: sourceLocation)
        for t in 0..<min(trace.states.rows, run.states.count) {
            expectClose(trace.states.row(t), run.states[t], tol: 1e-12, "s_\(t)", sourceLocation: sourceLocation)
        }
        expectClose(loss, run.total, tol: 1e-12, "loss", sourceLocation: sourceLocation)
        expectClose(trace.loss, run.total, tol: 1e-12, "trace loss", sourceLocation: sourceLocation)
        #expect(run.losses.count == (c.outputs == .every ? example.targets.rows : 1), sourceLocation: sourceLocation)

        // `gradients(of:)` on the forward trace is the same computation.
        expectClose(model.gradients(of: trace), analytic, tol: 1e-14, names: model.parameterNames, sourceLocation: sourceLocation)

        let numeric = FiniteDifference.gradient8(of: { $0.loss(example, loss: c.loss, from: s0) }, at: reference)
        for p in analytic.indices {
            let err = maxRelativeError([analytic[p]], [numeric[p]])
            #expect(err <= tolerance, "\(model.parameterNames[p]): max relative error \(err)", sourceLocation: sourceLocation)
        }
        #expect(Clipping.globalNorm(analytic) > 1e-3, "not trivially zero", sourceLocation: sourceLocation)
    }

    @Test("parameter names: U_i W_i b_i … for LSTM, U_r … bh_n for GRU, layerL. prefixes when stacked")
    func parameterNames() {
        func names(_ cell: CellKind, layers: Int, bias: Bool = true) -> [String] {
            ModelConfiguration(inputSize: 3, hiddenSize: 4, outputSize: 2, bias: bias, cell: cell, layers: layers)
                .parameterShapes.map(\.name)
        }
        #expect(names(.lstm, layers: 1) == ["U_i", "W_i", "b_i", "U_f", "W_f", "b_f", "U_g", "W_g", "b_g", "U_o", "W_o", "b_o", "V", "c"])
        #expect(names(.lstm, layers: 1, bias: false) == ["U_i", "W_i", "U_f", "W_f", "U_g", "W_g", "U_o", "W_o", "V"])
        #expect(names(.gru, layers: 1) == ["U_r", "W_r", "b_r", "U_z", "W_z", "b_z", "U_n", "W_n", "b_n", "bh_n", "V", "c"])
        #expect(names(.gru, layers: 1, bias: false) == ["U_r", "W_r", "U_z", "W_z", "U_n", "W_n", "V"])
        #expect(names(.rnn, layers: 2) == ["layer1.U", "layer1.W", "layer1.b", "layer2.U", "layer2.W", "layer2.b", "V", "c"])
        let gru2 = names(.gru, layers: 2)
        #expect(gru2.count == 2 * 10 + 2)
        #expect(Array(gru2[10..<20]) == ["U_r", "W_r", "b_r", "U_z", "W_z", "b_z", "U_n", "W_n", "b_n", "bh_n"].map { "layer2." + $0 })
        // Shapes: layer 1 reads n-wide inputs, layer 2 reads d-wide states.
        let cfg = ModelConfiguration(inputSize: 3, hiddenSize: 4, outputSize: 2, cell: .lstm, layers: 2)
        let shapes = Dictionary(uniqueKeysWithValues: cfg.parameterShapes.map { ($0.name, ($0.rows, $0.cols)) })
        #expect(shapes["layer1.U_f"]! == (3, 4) && shapes["layer2.U_f"]! == (4, 4) && shapes["layer2.W_o"]! == (4, 4))
        #expect(shapes["layer2.b_g"]! == (1, 4) && shapes["V"]! == (4, 2) && shapes["c"]! == (1, 2))
        #expect(cfg.stateWidth == 16)
        #expect(ModelConfiguration(inputSize: 3, hiddenSize: 4, outputSize: 2, cell: .gru, layers: 3).stateWidth == 12)
    }

    @Test("LSTM and GRU, 1–3 layers, every loss, outputs every/last, bias on/off: BPTT = finite differences of an independent forward",
          arguments: GatedCase.gated)
    func gatedMatchesFiniteDifferences(_ c: GatedCase) {
        Self.checkFullBPTT(c, GatedFixture.make(c))
    }

    @Test("stacked vanilla RNN, 2 and 3 layers: BPTT = central finite differences", arguments: GatedCase.stackedRNN)
    func stackedRNNMatchesFiniteDifferences(_ c: GatedCase) {
        Self.checkFullBPTT(c, GatedFixture.make(c))
    }

    @Test("a nonzero initial state (every layer's [h, c]) is used and is a constant",
          arguments: GatedCase.truncation.filter { $0.bias })
    func nonzeroInitialState(_ c: GatedCase) {
        var f = GatedFixture.make(c, seed: 3)
        f.model.initialState = GatedFixture.randomState(f.model.configuration, seed: 77)
        Self.checkFullBPTT(c, f)
        // And it matters.
        var zero = f.model
        zero.initialState = Matrix(rows: 1, cols: f.model.configuration.stateWidth)
        #expect(abs(zero.loss(f.example, loss: c.loss) - f.model.loss(f.example, loss: c.loss)) > 1e-6)
    }

    @Test("vector to sequence (inputs shorter than targets) for gated and stacked cells",
          arguments: GatedCase.truncation.filter { $0.outputs == .every })
    func vectorToSequence(_ c: GatedCase) {
        let f = GatedFixture.make(c, inputSteps: 2)
        let trace = f.model.forward(f.example, loss: c.loss)
        #expect(trace.stepCount == GatedFixture.T)
        for t in 2..<GatedFixture.T { #expect(trace.inputs.row(t) == [0, 0, 0]) }
        Self.checkFullBPTT(c, f)
    }

    /// (case, K) pairs: K = 1, 2, 3 up to two layers, K = 2 for three (T = 5).
    static let chunkArguments: [(GatedCase, Int)] = GatedCase.truncation.flatMap { c in
        (c.layers < 3 ? [1, 2, 3] : [2]).map { (c, $0) }
    }

    /// (case, K) pairs: K = 1, 2, 4 up to two layers, K = 3 for three (T = 5).
    static let windowArguments: [(GatedCase, Int)] = GatedCase.truncation.flatMap { c in
        (c.layers < 3 ? [1, 2, 4] : [3]).map { (c, $0) }
    }

    @Test("chunks(K): gradient = Σ over chunks of the finite-difference gradient of the chunk loss, every layer's entering state held",
          arguments: chunkArguments)
    func chunksAgainstFiniteDifferences(_ c: GatedCase, _ K: Int) {
        let f = GatedFixture.make(c, truncation: .chunks(K))
        let model = f.model, example = f.example, T = GatedFixture.T
        let (loss, gradients) = model.lossAndGradients(example, loss: c.loss, truncation: .chunks(K))
        let full = model.lossAndGradients(example, loss: c.loss)
        let reference = ReferenceNetwork(model).run(example, loss: c.loss)

        // The chunks and the (S-wide) states entering them, from the unperturbed run.
        let chunks = stride(from: 0, to: T, by: K).map { $0..<min($0 + K, T) }
        #expect(chunks.count == (T + K - 1) / K)
        for span in chunks where span.lowerBound > 0 {
            let entering = model.forward(example, span: 0..<span.lowerBound, from: model.initialState, loss: c.loss)
            expectClose(entering.finalState.row(0), reference.states[span.lowerBound], tol: 1e-13, "s entering \(span)")
        }
        // Σ_chunks L_chunk(θ; s_entering frozen), one function of θ.
        let frozen = chunks.map { reference.states[$0.lowerBound] }
        let truncatedLoss = { (net: ReferenceNetwork) -> Double in
            zip(chunks, frozen).reduce(0) { $0 + net.loss(example, span: $1.0, from: $1.1, loss: c.loss) }
        }
        let net = ReferenceNetwork(model)
        expectClose(truncatedLoss(net), reference.total, tol: 1e-12, "chunked loss at θ")
        let numeric = FiniteDifference.gradient8(of: truncatedLoss, at: net)
        let err = maxRelativeError(gradients, numeric)
        #expect(err <= Self.tolerance, "max relative error \(err)")
        expectClose(loss, reference.total, tol: 1e-12, "loss")
        expectClose(loss, full.loss, tol: 1e-12, "loss vs full")
        // The cut matters when an earlier chunk's state reaches a later chunk's loss.
        if K < T {
            #expect(maxRelativeError(gradients, full.gradients) > 1e-4, "chunks(\(K)) should differ from full BPTT")
        }
    }

    @Test("window(K): each L_t back-propagates through its K most recent steps (every layer's s_{t−K} frozen)",
          arguments: windowArguments)
    func windowAgainstFiniteDifferences(_ c: GatedCase, _ K: Int) {
        let f = GatedFixture.make(c, truncation: .window(K))
        let model = f.model, example = f.example, T = GatedFixture.T
        let (loss, gradients) = model.lossAndGradients(example, loss: c.loss, truncation: .window(K))
        let reference = ReferenceNetwork(model).run(example, loss: c.loss)
        let trace = model.forward(example, loss: c.loss)

        // Σ_t L_t(θ; s_{t−K} frozen): L_t (1-based t = step + 1) runs steps max(0, t−K) ..< t
        // from the unperturbed state s_{max(0, t−K)}, every layer's state included.
        let terms: [(step: Int, first: Int, frozen: [Double])] = reference.losses.keys.sorted().map { step in
            let first = max(0, step + 1 - K)
            expectClose(trace.states.row(first), reference.states[first], tol: 1e-13, "s_\(first)")
            return (step, first, trace.states.row(first))
        }
        let windowedLoss = { (net: ReferenceNetwork) -> Double in
            terms.reduce(0) { total, term in
                // L_t alone: the last step of the span term.first ..< t.
                total + net.forward(example, span: term.first..<(term.step + 1), from: term.frozen, loss: c.loss).last!
            }
        }
        let net = ReferenceNetwork(model)
        expectClose(windowedLoss(net), reference.total, tol: 1e-12, "windowed loss at θ")
        let numeric = FiniteDifference.gradient8(of: windowedLoss, at: net)
        let err = maxRelativeError(gradients, numeric)
        #expect(err <= Self.tolerance, "max relative error \(err)")
        expectClose(loss, reference.total, tol: 1e-12, "loss")
        if K < T {
            let full = model.lossAndGradients(example, loss: c.loss).gradients
            #expect(maxRelativeError(gradients, full) > 1e-6, "window(\(K)) should differ from full BPTT")
        }
    }

    @Test("window(K ≥ T), chunks(T) and chunks(K > T) are full BPTT", arguments: GatedCase.truncation)
    func degenerateTruncationsAreFullBPTT(_ c: GatedCase) {
        let f = GatedFixture.make(c)
        let T = GatedFixture.T
        let full = f.model.lossAndGradients(f.example, loss: c.loss)
        for truncation in [Truncation.window(T), .window(T + 3), .chunks(T), .chunks(50)] {
            let (loss, gradients) = f.model.lossAndGradients(f.example, loss: c.loss, truncation: truncation)
            expectClose(loss, full.loss, tol: 1e-13, "\(truncation) loss")
            expectClose(gradients, full.gradients, tol: 1e-13, names: f.model.parameterNames)
        }
    }
}
