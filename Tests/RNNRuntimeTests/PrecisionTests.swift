import Foundation
import Testing
import RNNRuntime

/// `precision float32`: passes compute in Float, parameters stay Float64 (SPEC §1
/// "Numbers are Float64 unless the script asks for precision float32").
@Suite("Float32 precision")
struct PrecisionTests {
    static let cases: [GatedCase] = CellKind.allCases.flatMap { cell in
        [GatedCase(cell: cell, layers: 1, loss: .crossEntropy, outputs: .every, bias: true),
         GatedCase(cell: cell, layers: 2, loss: .squaredError, outputs: .every, bias: false),
         GatedCase(cell: cell, layers: 3, loss: .binaryCrossEntropy, outputs: .last, bias: true)]
    }

    /// max |a − b| ≤ tol · max |b| for each parameter: relative to the parameter's scale,
    /// since Float32 rounding is absolute at that scale (a tiny element has no relative accuracy).
    static func expectScaledClose(
        _ a: [Matrix], _ b: [Matrix], tol: Double, names: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (p, (x, y)) in zip(a, b).enumerated() {
            let scale = y.storage.map(abs).max() ?? 0
            let diff = zip(x.storage, y.storage).map { abs($0 - $1) }.max() ?? 0
            #expect(diff <= tol * max(scale, 1e-300), "\(names[p]): max |Δ| \(diff) at scale \(scale)", sourceLocation: sourceLocation)
        }
    }

    /// Every value a Float pass hands out is a Float widened to Double.
    static func isFloat(_ v: Double) -> Bool { Double(Float(v)) == v }

    @Test("losses and gradients within 1e-4 (relative) of Float64, and really computed in Float32",
          arguments: cases, [Truncation.none, .chunks(2), .window(2)])
    func closeToFloat64(_ c: GatedCase, _ truncation: Truncation) {
        let f = GatedFixture.make(c)
        let m64 = f.model
        let m32 = m64.with(precision: .float32)
        #expect(m32.configuration.precision == .float32 && m64.configuration.precision == .float64)
        #expect(m32.parameters == m64.parameters && m32.initialState == m64.initialState)

        let r64 = m64.lossAndGradients(f.example, loss: c.loss, truncation: truncation)
        let r32 = m32.lossAndGradients(f.example, loss: c.loss, truncation: truncation)
        #expect(abs(r32.loss - r64.loss) <= 1e-4 * abs(r64.loss), "loss \(r32.loss) vs \(r64.loss)")
        Self.expectScaledClose(r32.gradients, r64.gradients, tol: 1e-4, names: m64.parameterNames)
        // Not silently Float64: the gradients differ from Float64's and are Floats (one span's;
        // chunks(K) adds its chunks' gradients up in Float64).
        #expect(r32.gradients != r64.gradients)
        if case .chunks = truncation {} else {
            #expect(r32.gradients.allSatisfy { $0.storage.allSatisfy(Self.isFloat) })
        }
        #expect(!r64.gradients.allSatisfy { $0.storage.allSatisfy(Self.isFloat) })

        // The forward trace too.
        let t64 = m64.forward(f.example, loss: c.loss), t32 = m32.forward(f.example, loss: c.loss)
        #expect(t32.states.storage.allSatisfy(Self.isFloat))
        #expect(t32.states != t64.states)
        #expect(zip(t32.states.storage, t64.states.storage).allSatisfy { abs($0 - $1) <= 1e-5 })
        #expect(zip(t32.outputs.storage, t64.outputs.storage).allSatisfy { abs($0 - $1) <= 1e-5 })
        Self.expectScaledClose(m32.gradients(of: t32), m64.gradients(of: t64), tol: 1e-4, names: m64.parameterNames)
    }

    @Test("batches in Float32 agree with Float64", arguments: CellKind.allCases)
    func batchesInFloat32(_ cell: CellKind) {
        let m64 = BatchTests.model(cell, layers: 2)
        let m32 = m64.with(precision: .float32)
        let batch = BatchTests.data([3, 5, 2, 4])
        let r64 = m64.batchLossAndGradients(batch, loss: .crossEntropy, truncation: .chunks(3))
        let r32 = m32.batchLossAndGradients(batch, loss: .crossEntropy, truncation: .chunks(3))
        for (a, b) in zip(r32.losses, r64.losses) { #expect(abs(a - b) <= 1e-4 * abs(b)) }
        Self.expectScaledClose(r32.gradients, r64.gradients, tol: 1e-4, names: m64.parameterNames)
        #expect(r32.gradients != r64.gradients)
    }

    @Test("state Jacobians in Float32 agree with Float64", arguments: JacobianGatedTests.models)
    func jacobiansInFloat32(_ c: GatedCase) {
        let f = JacobianGatedTests.fixture(c)
        let m32 = f.model.with(precision: .float32)
        let t64 = f.model.forward(f.example, loss: .crossEntropy), t32 = m32.forward(f.example, loss: .crossEntropy)
        for (t, k) in [(1, 0), (5, 2)] {
            let j64 = f.model.stateJacobian(t64, from: t, to: k), j32 = m32.stateJacobian(t32, from: t, to: k)
            let scale = j64.storage.map(abs).max()!
            #expect(zip(j32.storage, j64.storage).allSatisfy { abs($0 - $1) <= 1e-4 * scale }, "∂s_\(t)/∂s_\(k)")
            #expect(j32.storage.allSatisfy(Self.isFloat))
        }
    }

    @Test("gradientCheck on a Float32 model computes in Float64: errors ≤ 1e-6", arguments: cases.filter { $0.layers < 3 })
    func gradientCheckOnFloat32(_ c: GatedCase) {
        let f = GatedFixture.make(c)
        let m32 = f.model.with(precision: .float32)
        let errors = m32.gradientCheck(f.example, loss: c.loss)
        #expect(errors.count == m32.parameters.count)
        for (name, e) in zip(m32.parameterNames, errors) { #expect(e <= 1e-6, "\(name): \(e)") }
        // And it reports exactly what it reports on the Float64 model.
        if c.layers == 1 { #expect(errors == f.model.gradientCheck(f.example, loss: c.loss)) }
    }

    @Test("training in Float32 stays close to Float64 and keeps Float64 parameters", arguments: CellKind.allCases)
    func trainingInFloat32(_ cell: CellKind) {
        let data = BatchTests.data([3, 5, 2, 4])
        let start = BatchTests.model(cell)
        var m64 = start, m32 = start.with(precision: .float32)
        var o64 = BatchTests.optimizer(.sgd, lr: 0.1), o32 = BatchTests.optimizer(.sgd, lr: 0.1)
        var r64 = RandomSource(seed: 1), r32 = RandomSource(seed: 1)
        let options = TrainingOptions(epochs: 3, truncation: .chunks(2), batchSize: 2)
        let a = m64.train(on: data, loss: .crossEntropy, optimizer: &o64, options: options, random: &r64)
        let b = m32.train(on: data, loss: .crossEntropy, optimizer: &o32, options: options, random: &r32)
        #expect(a.updates == b.updates)
        for (x, y) in zip(b.epochLosses, a.epochLosses) { #expect(abs(x - y) <= 1e-4 * abs(y)) }
        Self.expectScaledClose(m32.parameters, m64.parameters, tol: 1e-5, names: start.parameterNames)
        #expect(m32.parameters != m64.parameters)
        #expect(m32.configuration.precision == .float32)
    }
}
