import Foundation
import Testing
@testable import RNNRuntime

/// `clip value V` and `clip norm N` (SPEC §1), with numbers worked by hand.
///
/// The gradients are g = ([3, −4], [0, 12]): ‖g‖ = √(9 + 16 + 0 + 144) = √169 = 13.
@Suite("Gradient clipping")
struct ClippingTests {
    static let g = [Matrix([[3, -4]]), Matrix([[0, 12]])]

    @Test("global norm over every gradient element")
    func globalNorm() {
        #expect(Clipping.globalNorm(Self.g) == 13)
        #expect(Clipping.globalNorm([]) == 0)
        #expect(Clipping.globalNorm([Matrix([[1, 1], [1, 1]])]) == 2)
    }

    @Test("none leaves the gradients alone")
    func none() {
        var grads = Self.g
        let report = Clipping.none.apply(to: &grads)
        #expect(grads == Self.g)
        #expect(report.normBefore == 13 && report.normAfter == 13)
        #expect(report.clippedCounts == [0, 0])
    }

    @Test("value 3.5 clamps elementwise to [−3.5, 3.5] and counts the changed elements")
    func value() {
        // [3, −4] → [3, −3.5] (one change); [0, 12] → [0, 3.5] (one change)
        // ‖after‖ = √(9 + 12.25 + 0 + 12.25) = √33.5 = 5.7879184513951127368
        var grads = Self.g
        let report = Clipping.value(3.5).apply(to: &grads)
        #expect(grads == [Matrix([[3, -3.5]]), Matrix([[0, 3.5]])])
        #expect(report.clippedCounts == [1, 1])
        #expect(report.normBefore == 13)
        expectClose(report.normAfter, 5.7879184513951127368)
    }

    @Test("value 3: an element equal to the bound is not changed; −4 and 12 are")
    func valueAtBound() {
        var grads = Self.g
        let report = Clipping.value(3).apply(to: &grads)
        #expect(grads == [Matrix([[3, -3]]), Matrix([[0, 3]])])
        #expect(report.clippedCounts == [1, 1])
        var small = [Matrix([[0.5, -0.25]])]
        let r2 = Clipping.value(1).apply(to: &small)
        #expect(small == [Matrix([[0.5, -0.25]])])
        #expect(r2.clippedCounts == [0])
    }

    @Test("norm 6.5 multiplies by 6.5/(13 + 1e-6)")
    func norm() {
        // factor = 6.5 / 13.000001 = 0.49999996153846449704
        // g' = [1.4999998846153934911, −1.9999998461538579882], [0, 5.9999995384615739645]
        // ‖g'‖ = 13·factor = 6.4999995000000384615
        var grads = Self.g
        let report = Clipping.norm(6.5).apply(to: &grads)
        expectClose(grads[0], Matrix([[1.4999998846153934911, -1.9999998461538579882]]), tol: 1e-15)
        expectClose(grads[1], Matrix([[0, 5.9999995384615739645]]), tol: 1e-15)
        #expect(report.normBefore == 13)
        expectClose(report.normAfter, 6.4999995000000384615, tol: 1e-15)
        #expect(report.normAfter < 6.5)
    }

    @Test("norm above ‖g‖ changes nothing; norm equal to ‖g‖ still scales by 13/(13 + 1e-6) (PyTorch)")
    func normThreshold() {
        var grads = Self.g
        let report = Clipping.norm(20).apply(to: &grads)
        #expect(grads == Self.g)
        #expect(report.normAfter == 13)
        #expect(report.clippedCounts == [0, 0])

        // 13 + 1e-6 > 13, so the factor 13/13.000001 = 0.99999992307692899408 is below 1.
        var atNorm = Self.g
        Clipping.norm(13).apply(to: &atNorm)
        expectClose(atNorm[0], Matrix([[2.9999997692307869822, -3.9999996923077159763]]), tol: 1e-15)
        expectClose(atNorm[1], Matrix([[0, 11.999999076923147929]]), tol: 1e-15)
        // Just above ‖g‖ + 1e-6: no change.
        var above = Self.g
        Clipping.norm(13.000002).apply(to: &above)
        #expect(above == Self.g)
    }

    @Test("one sgd step (lr 0.1) after each clipping")
    func stepAfterClipping() {
        func clippedStep(_ clipping: Clipping) -> [Matrix] {
            var grads = Self.g
            clipping.apply(to: &grads)
            var parameters = [Matrix([[1, 1]]), Matrix([[1, 1]])]
            var optimizer = OptimizerState(settings: { var s = OptimizerSettings(kind: .sgd); s.lr = 0.1; return s }())
            optimizer.step(parameters: &parameters, gradients: grads)
            return parameters
        }
        // value 3.5: w = 1 − 0.1·[3, −3.5], 1 − 0.1·[0, 3.5] = [0.7, 1.35], [1, 0.65]
        expectClose(clippedStep(.value(3.5)), [Matrix([[0.7, 1.35]]), Matrix([[1, 0.65]])])
        // norm 6.5: w = 1 − 0.1·g' = [1 − 0.14999998846, 1 + 0.19999998462], [1, 1 − 0.59999995385]
        //         = [0.85000001153846065089, 1.1999999846153857988], [1, 0.40000004615384260355]
        expectClose(clippedStep(.norm(6.5)), [
            Matrix([[0.85000001153846065089, 1.1999999846153857988]]), Matrix([[1, 0.40000004615384260355]]),
        ], tol: 1e-15)
        // no clipping: [0.7, 1.4], [1, −0.2]
        expectClose(clippedStep(.none), [Matrix([[0.7, 1.4]]), Matrix([[1, -0.2]])])
    }

    /// One epoch of `train` on the hand-worked linear model (HandWorkedTests) with
    /// sgd lr 0.1: the update uses the clipped hand gradients.
    @Test("train clips before the optimizer step: value 1 on the hand-worked model")
    func trainClipsValue() {
        var (model, example) = HandWorkedTests.linearModel()
        var optimizer = OptimizerState(settings: { var s = OptimizerSettings(kind: .sgd); s.lr = 0.1; return s }())
        let result = model.train(
            on: [example], loss: .squaredError, optimizer: &optimizer,
            options: TrainingOptions(epochs: 1, clipping: .value(1)))
        #expect(result.stop == nil && result.updates == 1)
        expectClose(result.epochLosses, [3.4765625])
        // Hand gradients, clamped to [−1, 1], times 0.1, subtracted:
        //   U: [1.0625, −5.28125] → [1, −1]:  [1, −1] − [0.1, −0.1] = [0.9, −0.9]
        //   W: [[0.625, −1.875], [−0.3125, 0.9375]] → [[0.625, −1], [−0.3125, 0.9375]]
        //      [[0.5 − 0.0625, 0 + 0.1], [0.25 + 0.03125, 0.5 − 0.09375]] = [[0.4375, 0.1], [0.28125, 0.40625]]
        //   b: [0.4375, −3.40625] → [0.4375, −1]:  [0 − 0.04375, 0.5 + 0.1] = [−0.04375, 0.6]
        //   V: [[0.984375, −6.1875], [−0.84375, 4.5]] → [[0.984375, −1], [−0.84375, 1]]
        //      [[1 − 0.0984375, 0 + 0.1], [1 + 0.084375, 1 − 0.1]] = [[0.9015625, 0.1], [1.084375, 0.9]]
        //   c: [0.125, −2.75] → [0.125, −1]:  [0 − 0.0125, 0.25 + 0.1] = [−0.0125, 0.35]
        expectClose(model.parameters, [
            Matrix([[0.9, -0.9]]),
            Matrix([[0.4375, 0.1], [0.28125, 0.40625]]),
            Matrix([[-0.04375, 0.6]]),
            Matrix([[0.9015625, 0.1], [1.084375, 0.9]]),
            Matrix([[-0.0125, 0.35]]),
        ], names: model.parameterNames)
    }

    @Test("train clips before the optimizer step: norm 1 on the hand-worked model")
    func trainClipsNorm() {
        var (model, example) = HandWorkedTests.linearModel()
        let p0 = model.parameters
        // ‖g‖² over the hand gradients = 464861/4096 = 113.491455078125, ‖g‖ = √464861/64 = 10.653236835728613
        let hand = HandWorkedTests.linearGradients
        expectClose(Clipping.globalNorm(hand), 464861.0.squareRoot() / 64, tol: 1e-15)
        expectClose(Clipping.globalNorm(hand), 10.653236835728613426, tol: 1e-15)
        let factor = 1 / (10.653236835728613426 + 1e-6)  // = 0.093868175611945904
        var optimizer = OptimizerState(settings: { var s = OptimizerSettings(kind: .sgd); s.lr = 0.1; return s }())
        let result = model.train(
            on: [example], loss: .squaredError, optimizer: &optimizer,
            options: TrainingOptions(epochs: 1, clipping: .norm(1)))
        #expect(result.updates == 1)
        // θ' = θ − 0.1·factor·g, e.g. U[0] = 1 − 0.1·0.093868175611945904·1.0625 = 0.99002650634123074
        expectClose(model.parameters[0][0, 0], 0.99002650634123074, tol: 1e-15)
        for p in p0.indices {
            var expected = p0[p]
            expected.add(hand[p], scaledBy: -0.1 * factor)
            expectClose(model.parameters[p], expected, tol: 1e-15, model.parameterNames[p])
        }
    }

    @Test("training's flat clipping equals the reference on per-parameter matrices, both precisions",
          arguments: [Clipping.none, .value(0.3), .value(5), .norm(0.5), .norm(1e9)])
    func flatEqualsReference(_ clipping: Clipping) {
        var random = RandomSource(seed: 11)
        let matrices = [random.matrix(3, 4, -2, 2), random.matrix(1, 4, -2, 2), random.matrix(4, 2, -2, 2)]
        var reference = matrices
        let report = clipping.apply(to: &reference)
        // Float64: the norms are sums in another order (the packed buffer's, not
        // per matrix), so they and a norm scaling agree to rounding; a value
        // clamp is exact. The same elements change.
        var flat = matrices.flatMap(\.storage)
        let flatReport = clipping.apply(toFlat: &flat, recordPositions: true)
        if case .norm = clipping {
            for (got, want) in zip(flat, reference.flatMap(\.storage)) { #expect(abs(got - want) <= 1e-15 * abs(want)) }
        } else {
            #expect(flat == reference.flatMap(\.storage))
        }
        #expect(abs(flatReport.normBefore - report.normBefore) <= 1e-15 * report.normBefore)
        #expect(abs(flatReport.normAfter - report.normAfter) <= 1e-15 * report.normAfter)
        #expect(flatReport.clipped.count == report.clippedCounts.reduce(0, +))
        // Entries lie in [−2, 2]: value 0.3 and norm 0.5 clip, the others change nothing.
        let clips = clipping == .value(0.3) || clipping == .norm(0.5)
        #expect((report.normAfter < report.normBefore) == clips && (flatReport.clipped.isEmpty != clips))
        // Float32: the reference rounded to Float, within Float's rounding of the factor.
        var single = matrices.flatMap(\.storage).map { Float($0) }
        _ = clipping.apply(toFlat: &single)
        for (got, want) in zip(single, reference.flatMap(\.storage)) {
            #expect(abs(Double(got) - want) <= 2e-7 * max(1, abs(want)))
        }
    }
}
