import Foundation
import Testing
@testable import RNNRuntime

/// `OptimizerState.step` against PyTorch's documented update rules, worked by hand.
///
/// Every test starts from w = [1, −2] and applies g₁ = [0.5, −1], then g₂ = [0.25, 0.5].
/// Decimal values were evaluated with 40-digit arithmetic from the formulas shown.
@Suite("Optimizers")
struct OptimizerTests {
    static let w0 = Matrix([[1, -2]])
    static let g1 = Matrix([[0.5, -1]])
    static let g2 = Matrix([[0.25, 0.5]])

    /// The parameter after the first and after the second step.
    static func twoSteps(_ settings: OptimizerSettings) -> (first: [Double], second: [Double], steps: Int) {
        var state = OptimizerState(settings: settings)
        var parameters = [w0]
        state.step(parameters: &parameters, gradients: [g1])
        let first = parameters[0].storage
        state.step(parameters: &parameters, gradients: [g2])
        return (first, parameters[0].storage, state.stepCount)
    }

    static func settings(_ kind: OptimizerKind, _ values: [String: Double] = [:]) -> OptimizerSettings {
        var s = OptimizerSettings(kind: kind)
        for (key, value) in values {
            let accepted = s.set(key, value)
            #expect(accepted, "key \(key)")
        }
        return s
    }

    // MARK: defaults

    @Test("defaults of OptimizerSettings(kind:) are PyTorch's (SPEC §1)")
    func defaults() {
        let sgd = OptimizerSettings(kind: .sgd)
        #expect(sgd.kind == .sgd)
        #expect(sgd.lr == 0.001 && sgd.momentum == 0 && sgd.dampening == 0 && !sgd.nesterov && sgd.weightDecay == 0)
        let adagrad = OptimizerSettings(kind: .adagrad)
        #expect(adagrad.lr == 0.01 && adagrad.lrDecay == 0 && adagrad.eps == 1e-10 && adagrad.weightDecay == 0)
        let rmsprop = OptimizerSettings(kind: .rmsprop)
        #expect(rmsprop.lr == 0.01 && rmsprop.alpha == 0.99 && rmsprop.eps == 1e-8)
        #expect(rmsprop.momentum == 0 && !rmsprop.centered && rmsprop.weightDecay == 0)
        let adam = OptimizerSettings(kind: .adam)
        #expect(adam.lr == 0.001 && adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.eps == 1e-8 && adam.weightDecay == 0)
    }

    @Test("keys per kind, set/value round trip, unknown keys refused")
    func keys() {
        #expect(OptimizerSettings.keys(for: .sgd) == ["lr", "momentum", "dampening", "nesterov", "weight_decay"])
        #expect(Set(OptimizerSettings.keys(for: .adagrad)).isSuperset(of: ["lr", "lr_decay", "eps"]))
        #expect(Set(OptimizerSettings.keys(for: .rmsprop)).isSuperset(of: ["lr", "alpha", "eps", "momentum", "centered"]))
        #expect(Set(OptimizerSettings.keys(for: .adam)).isSuperset(of: ["lr", "beta1", "beta2", "eps"]))
        var s = OptimizerSettings(kind: .sgd)
        var accepted = s.set("momentum", 0.9)
        #expect(accepted && s.momentum == 0.9 && s.value("momentum") == 0.9)
        accepted = s.set("nesterov", 1)
        #expect(accepted && s.nesterov && s.value("nesterov") == 1)
        accepted = s.set("beta1", 0.5)  // not an sgd key
        #expect(!accepted && s.beta1 == 0.9)
        #expect(s.value("no_such_key") == nil)
        var r = OptimizerSettings(kind: .rmsprop)
        accepted = r.set("centered", 1)
        #expect(accepted && r.centered && r.value("centered") == 1)
        accepted = r.set("centered", 0)
        #expect(accepted && !r.centered)
        accepted = r.set("nesterov", 1)
        #expect(!accepted && !r.nesterov)
    }

    @Test("the catalogue: every kind has a row, every key a hyper-parameter whose set and get agree")
    func catalogue() {
        #expect(OptimizerCatalogue.entries.map(\.kind) == OptimizerKind.allCases)
        for entry in OptimizerCatalogue.entries {
            var settings = OptimizerSettings(kind: entry.kind)
            #expect(settings.lr == entry.lr && settings.eps == entry.eps)
            for key in entry.keys {
                let h = OptimizerCatalogue.hyperparameter(key)
                #expect(h != nil, "\(entry.kind) \(key)")
                let value = h?.allowed == .flag ? 1.0 : 0.25
                #expect(settings.set(key, value) && settings.value(key) == value, "\(entry.kind) \(key)")
            }
        }
        #expect(OptimizerSettings.flagKeys == ["nesterov", "centered"])
        #expect(OptimizerCatalogue.hyperparameter("alpha")?.check(1) == "0 to below 1")
        #expect(OptimizerCatalogue.hyperparameter("momentum")?.check(1.5) == nil)
        #expect(OptimizerCatalogue.hyperparameter("lr")?.check(-0.1) == "0 or more")
    }

    // MARK: sgd

    @Test("sgd with the default lr 0.001")
    func sgdDefault() {
        // w₁ = w − 0.001·g₁ = [1 − 0.0005, −2 + 0.001] = [0.9995, −1.999]
        // w₂ = w₁ − 0.001·g₂ = [0.9995 − 0.00025, −1.999 − 0.0005] = [0.99925, −1.9995]
        let r = Self.twoSteps(OptimizerSettings(kind: .sgd))
        expectClose(r.first, [0.9995, -1.999])
        expectClose(r.second, [0.99925, -1.9995])
        #expect(r.steps == 2)
    }

    @Test("sgd plain, lr 0.1")
    func sgdPlain() {
        // w₁ = [1 − 0.05, −2 + 0.1] = [0.95, −1.9];  w₂ = [0.95 − 0.025, −1.9 − 0.05] = [0.925, −1.95]
        let r = Self.twoSteps(Self.settings(.sgd, ["lr": 0.1]))
        expectClose(r.first, [0.95, -1.9])
        expectClose(r.second, [0.925, -1.95])
    }

    @Test("sgd momentum 0.9, lr 0.1")
    func sgdMomentum() {
        // step 1: buf = g₁ = [0.5, −1] (PyTorch's first buffer is the gradient itself); w₁ = [0.95, −1.9]
        // step 2: buf = 0.9·[0.5, −1] + g₂ = [0.45 + 0.25, −0.9 + 0.5] = [0.7, −0.4]
        //         w₂ = [0.95 − 0.07, −1.9 + 0.04] = [0.88, −1.86]
        let r = Self.twoSteps(Self.settings(.sgd, ["lr": 0.1, "momentum": 0.9]))
        expectClose(r.first, [0.95, -1.9])
        expectClose(r.second, [0.88, -1.86])
    }

    @Test("sgd momentum 0.9 with dampening 0.5, lr 0.1")
    func sgdDampening() {
        // step 1: buf = g₁ (no dampening on the first step); w₁ = [0.95, −1.9]
        // step 2: buf = 0.9·[0.5, −1] + (1 − 0.5)·[0.25, 0.5] = [0.45 + 0.125, −0.9 + 0.25] = [0.575, −0.65]
        //         w₂ = [0.95 − 0.0575, −1.9 + 0.065] = [0.8925, −1.835]
        let r = Self.twoSteps(Self.settings(.sgd, ["lr": 0.1, "momentum": 0.9, "dampening": 0.5]))
        expectClose(r.first, [0.95, -1.9])
        expectClose(r.second, [0.8925, -1.835])
    }

    @Test("sgd nesterov, momentum 0.9, lr 0.1")
    func sgdNesterov() {
        // step 1: buf = g₁; g = g₁ + 0.9·buf = 1.9·[0.5, −1] = [0.95, −1.9]; w₁ = [1 − 0.095, −2 + 0.19] = [0.905, −1.81]
        // step 2: buf = 0.9·g₁ + g₂ = [0.7, −0.4]; g = g₂ + 0.9·buf = [0.25 + 0.63, 0.5 − 0.36] = [0.88, 0.14]
        //         w₂ = [0.905 − 0.088, −1.81 − 0.014] = [0.817, −1.824]
        let r = Self.twoSteps(Self.settings(.sgd, ["lr": 0.1, "momentum": 0.9, "nesterov": 1]))
        expectClose(r.first, [0.905, -1.81])
        expectClose(r.second, [0.817, -1.824])
    }

    @Test("sgd weight_decay 0.1, lr 0.1")
    func sgdWeightDecay() {
        // step 1: g = g₁ + 0.1·w = [0.5 + 0.1, −1 − 0.2] = [0.6, −1.2]; w₁ = [1 − 0.06, −2 + 0.12] = [0.94, −1.88]
        // step 2: g = g₂ + 0.1·w₁ = [0.25 + 0.094, 0.5 − 0.188] = [0.344, 0.312]
        //         w₂ = [0.94 − 0.0344, −1.88 − 0.0312] = [0.9056, −1.9112]
        let r = Self.twoSteps(Self.settings(.sgd, ["lr": 0.1, "weight_decay": 0.1]))
        expectClose(r.first, [0.94, -1.88])
        expectClose(r.second, [0.9056, -1.9112])
    }

    @Test("sgd momentum keeps a separate buffer per parameter")
    func sgdBuffersPerParameter() {
        // A as above (momentum 0.9, lr 0.1): [0.95, −1.9] then [0.88, −1.86].
        // B = [0.5] with gradients 2 then −1: buf = 2, B₁ = 0.5 − 0.2 = 0.3;
        //   buf = 0.9·2 − 1 = 0.8, B₂ = 0.3 − 0.08 = 0.22.
        var state = OptimizerState(settings: Self.settings(.sgd, ["lr": 0.1, "momentum": 0.9]))
        var parameters = [Self.w0, Matrix([[0.5]])]
        state.step(parameters: &parameters, gradients: [Self.g1, Matrix([[2]])])
        expectClose(parameters[0].storage, [0.95, -1.9])
        expectClose(parameters[1].storage, [0.3])
        state.step(parameters: &parameters, gradients: [Self.g2, Matrix([[-1]])])
        expectClose(parameters[0].storage, [0.88, -1.86])
        expectClose(parameters[1].storage, [0.22])
    }

    // MARK: adagrad

    @Test("adagrad, lr 0.1, lr_decay 0.5")
    func adagradDecay() {
        // step 1: clr = 0.1 / (1 + 0·0.5) = 0.1; G = g₁² = [0.25, 1]
        //   w₁ = [1 − 0.1·0.5/(0.5 + 1e-10), −2 + 0.1·1/(1 + 1e-10)] = [0.90000000002, −1.90000000001]
        // step 2: clr = 0.1 / (1 + 1·0.5) = 1/15; G = [0.25 + 0.0625, 1 + 0.25] = [0.3125, 1.25]
        //   w₂ = w₁ − (1/15)·[0.25/(√0.3125 + 1e-10), 0.5/(√1.25 + 1e-10)]
        //      = [0.90000000002 − 0.0298142396..., −1.90000000001 − 0.0298142396...]
        //      = [0.87018576032533613738, −1.9298142397073305293]
        let r = Self.twoSteps(Self.settings(.adagrad, ["lr": 0.1, "lr_decay": 0.5]))
        expectClose(r.first, [0.90000000002, -1.90000000001], tol: 1e-14)
        expectClose(r.second, [0.87018576032533613738, -1.9298142397073305293], tol: 1e-14)
    }

    @Test("adagrad defaults (lr 0.01, eps 1e-10)")
    func adagradDefaults() {
        // step 1: w₁ = [1 − 0.01·0.5/(0.5 + 1e-10), −2 + 0.01/(1 + 1e-10)] = [0.990000000002, −1.990000000001]
        // step 2: G = [0.3125, 1.25]; w₂ = w₁ − 0.01·[0.25/√0.3125, 0.5/√1.25]
        //        = [0.98552786404780042061, −1.9944721359555995794]
        let r = Self.twoSteps(OptimizerSettings(kind: .adagrad))
        expectClose(r.first, [0.990000000002, -1.990000000001], tol: 1e-14)
        expectClose(r.second, [0.98552786404780042061, -1.9944721359555995794], tol: 1e-14)
    }

    // MARK: rmsprop

    @Test("rmsprop defaults (lr 0.01, alpha 0.99, eps 1e-8)")
    func rmspropPlain() {
        // step 1: v = 0.01·g₁² = [0.0025, 0.01]; √v = [0.05, 0.1]
        //   w₁ = [1 − 0.01·0.5/(0.05 + 1e-8), −2 + 0.01·1/(0.1 + 1e-8)] = [0.900000019999996, −1.900000009999999]
        // step 2: v = 0.99·[0.0025, 0.01] + 0.01·[0.0625, 0.25] = [0.0031, 0.0124]
        //   w₂ = w₁ − 0.01·[0.25/(√0.0031 + 1e-8), 0.5/(√0.0124 + 1e-8)]
        //      = [0.85509870255781695543, −1.9449013314744350228]
        let r = Self.twoSteps(OptimizerSettings(kind: .rmsprop))
        expectClose(r.first, [0.900000019999996, -1.900000009999999], tol: 1e-14)
        expectClose(r.second, [0.85509870255781695543, -1.9449013314744350228], tol: 1e-14)
    }

    @Test("rmsprop centered")
    func rmspropCentered() {
        // step 1: v = [0.0025, 0.01]; ḡ = 0.01·g₁ = [0.005, −0.01]; v − ḡ² = [0.002475, 0.0099]
        //   w₁ = [1 − 0.01·0.5/(√0.002475 + 1e-8), −2 + 0.01/(√0.0099 + 1e-8)]
        //      = [0.89949623867609493371, −1.8994962285750878783]
        // step 2: v = [0.0031, 0.0124]; ḡ = 0.99·[0.005, −0.01] + 0.01·[0.25, 0.5] = [0.00745, −0.0049]
        //   v − ḡ² = [0.0031 − 0.0000555025, 0.0124 − 0.00002401] = [0.0030444975, 0.01237599]
        //   w₂ = w₁ − 0.01·[0.25/(√0.0030444975 + 1e-8), 0.5/(√0.01237599 + 1e-8)]
        //      = [0.85418748468421070115, −1.944441084274121765]
        let r = Self.twoSteps(Self.settings(.rmsprop, ["centered": 1]))
        expectClose(r.first, [0.89949623867609493371, -1.8994962285750878783], tol: 1e-14)
        expectClose(r.second, [0.85418748468421070115, -1.944441084274121765], tol: 1e-14)
    }

    @Test("rmsprop momentum 0.9")
    func rmspropMomentum() {
        // step 1: buf = g₁/(√v + eps) = [0.5/0.05000001, −1/0.10000001]; w₁ = w − 0.01·buf (as plain)
        //   = [0.900000019999996, −1.900000009999999]
        // step 2: buf = 0.9·buf + g₂/(√[0.0031, 0.0124] + 1e-8) = [8.99999820 + 4.49012974, −8.99999910 + 4.49012974]
        //   w₂ = w₁ − 0.01·buf = [0.76509872055781335543, −1.8549013404744341228]
        let r = Self.twoSteps(Self.settings(.rmsprop, ["momentum": 0.9]))
        expectClose(r.first, [0.900000019999996, -1.900000009999999], tol: 1e-14)
        expectClose(r.second, [0.76509872055781335543, -1.8549013404744341228], tol: 1e-14)
    }

    // MARK: adam

    @Test("adam defaults (lr 0.001, betas 0.9/0.999, eps 1e-8, bias-corrected)")
    func adamDefaults() {
        // step 1: m = 0.1·g₁ = [0.05, −0.1]; v = 0.001·g₁² = [0.00025, 0.001]
        //   bc1 = 1 − 0.9 = 0.1, bc2 = 1 − 0.999 = 0.001: m̂ = g₁, √(v/bc2) = |g₁|
        //   w₁ = w − 0.001·g₁/(|g₁| + 1e-8) = [1 − 0.0005/0.50000001, −2 + 0.001/1.00000001]
        //      = [0.99900000001999999960, −1.99900000000999999990]
        // step 2: m = 0.9·[0.05, −0.1] + 0.1·[0.25, 0.5] = [0.07, −0.04]
        //   v = 0.999·[0.00025, 0.001] + 0.001·[0.0625, 0.25] = [0.00031225, 0.001249]
        //   bc1 = 1 − 0.81 = 0.19, bc2 = 1 − 0.998001 = 0.001999
        //   w₂ = w₁ − (0.001/0.19)·m / (√(v/0.001999) + 1e-8)
        //      = w₁ − 0.001·[0.36842105/0.39522467, −0.21052632/0.79045056]
        //      = [0.99806782040477461669, −1.9987336629737090297]
        let r = Self.twoSteps(OptimizerSettings(kind: .adam))
        expectClose(r.first, [0.99900000001999999960, -1.99900000000999999990], tol: 1e-14)
        expectClose(r.second, [0.99806782040477461669, -1.9987336629737090297], tol: 1e-14)
    }

    @Test("adam lr 0.1, betas 0.5/0.75, eps 0: round numbers")
    func adamRoundNumbers() {
        // step 1: m = 0.5·g₁ = [0.25, −0.5], v = 0.25·g₁² = [0.0625, 0.25]; bc1 = 0.5, bc2 = 0.25
        //   m̂ = g₁, √v̂ = |g₁|: w₁ = w − 0.1·sign(g₁) = [0.9, −1.9]
        // step 2: m = 0.5·[0.25, −0.5] + 0.5·[0.25, 0.5] = [0.25, 0]; bc1 = 0.75 → m̂ = [1/3, 0]
        //   v = 0.75·[0.0625, 0.25] + 0.25·[0.0625, 0.25] = [0.0625, 0.25]; bc2 = 1 − 0.5625 = 0.4375
        //   √v̂[0] = √(0.0625/0.4375) = √(1/7) = 0.37796447300922722721
        //   w₂[0] = 0.9 − 0.1·(1/3)·√7 = 0.9 − 0.088191710368819686 = 0.81180828963118031365;  w₂[1] = −1.9
        let r = Self.twoSteps(Self.settings(.adam, ["lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 0]))
        expectClose(r.first, [0.9, -1.9])
        expectClose(r.second, [0.9 - 0.1 * 7.0.squareRoot() / 3, -1.9])
        expectClose(r.second, [0.81180828963118031365, -1.9])
    }

    @Test("adam weight_decay 0.1 (L2 added to the gradient, as torch.optim.Adam)")
    func adamWeightDecay() {
        // step 1: g = g₁ + 0.1·w = [0.6, −1.2]; w₁ = w − 0.001·g/(|g| + 1e-8)
        //   = [1 − 0.0006/0.60000001, −2 + 0.0012/1.20000001] = [0.99900000001666666639, −1.9990000000083333333]
        // step 2: g = g₂ + 0.1·w₁, then the moments as in the default test
        //   → [0.99804624038493870483, −1.9985306012447328479]
        let r = Self.twoSteps(Self.settings(.adam, ["weight_decay": 0.1]))
        expectClose(r.first, [0.99900000001666666639, -1.9990000000083333333], tol: 1e-14)
        expectClose(r.second, [0.99804624038493870483, -1.9985306012447328479], tol: 1e-14)
    }

    @Test("a zero gradient leaves the parameters unchanged on the first step",
          arguments: [OptimizerKind.sgd, .adagrad, .rmsprop, .adam])
    func zeroGradient(_ kind: OptimizerKind) {
        var state = OptimizerState(settings: OptimizerSettings(kind: kind))
        var parameters = [Self.w0]
        state.step(parameters: &parameters, gradients: [Matrix([[0, 0]])])
        #expect(parameters[0] == Self.w0)
        #expect(state.stepCount == 1)
    }
}
