import Foundation
import Testing
@testable import RNNRuntime
@testable import RNNScript

/// `readout none` (SPEC §8): no V and c, ŷ_t is the top layer's state, so the
/// models of seed 004 count their parameters as Keras does.
@Suite("readout none")
struct ReadoutNoneTests {
    @Test("parameter counts equal Keras's model.summary() for the seed's models")
    func kerasCounts() {
        let run = InstrumentTests.run("""
            model one = rnn { input 1; hidden 1; readout none }
            model two = rnn { input 1; hidden 20; layers 2; readout none; outputs last }
            model head = rnn { input 1; hidden 20; layers 2; output 1; readout linear; outputs last }
            model cell = lstm { input 4; hidden 3; readout none }
            show two
            """)
        #expect(run.status == .ok, "\(run.errors)")
        // SimpleRNN(1): 1·(1 + 1 + 1) = 3; SimpleRNN(20) → SimpleRNN(20): 440 + 820;
        // … → Dense(1): + 21; LSTM(3) on 4 inputs: 4·3·(4 + 3 + 1) = 96.
        let counts = ["one", "two", "head", "cell"].map { name in
            InstrumentTests.number(run.cells.first { ($0["source"] as? String)?.hasPrefix("model \(name) ") == true }.flatMap { ($0["result"] as? [String: Any])?["parameters"] })
        }
        #expect(counts == [3, 1260, 1281, 96])
        let text = runScript("model two = rnn { input 1; hidden 20; layers 2; readout none; outputs last }\nshow two").output
        #expect(text.contains("  SimpleRNN(20)  (None, None, 20)         440\n      SimpleRNN(20)  (None, 20)               820\n      total                                  1260"), "\(text)")
        #expect(!text.contains("Dense") && !text.contains("Linear") && text.contains("ŷ_t = s_t of layer 2 (readout none: no V, c)"))
    }

    @Test("BPTT without a readout agrees with central finite differences", arguments: CellKind.allCases, [1, 2])
    func gradients(cell: CellKind, layers: Int) {
        var random = RandomSource(seed: 9)
        var configuration = ModelConfiguration(inputSize: 2, hiddenSize: 3, outputSize: 3)
        configuration.cell = cell
        configuration.layers = layers
        configuration.readout = .none
        configuration.initializer = .uniform(-0.6, 0.6)
        let model = RNNModel(configuration: configuration, random: &random)
        #expect(!model.parameterNames.contains("V") && !model.parameterNames.contains("c"))
        let example = SequenceExample(inputs: Matrix(rows: 4, cols: 2, storage: [0.5, -0.1, 0.2, 0.9, -0.7, 0.3, 0.1, 0.1]),
                                      targets: Matrix(rows: 4, cols: 3, storage: [0.2, -0.3, 0.5, 0.1, 0.0, -0.2, 0.4, 0.4, 0.1, -0.5, 0.2, 0.3]))
        let errors = model.gradientCheck(example, loss: .squaredError)
        #expect(errors.allSatisfy { $0 < 1e-6 }, "\(errors)")
    }

    @Test("ŷ_t is the top layer's state: net.y equals net.s, and the loss is ½Σ(s_t − y_t)²")
    func outputIsTheState() {
        let r = runScript("""
            sequence s = inputs [0.5, -0.2, 0.1] targets [0.3, 0.1, 0.2]
            model k = rnn { input 1; hidden 1; readout none; init uniform(-0.9, 0.9) }
            loss se = squared_error
            forward k on s with se
            expect k.y == k.s within 0
            expect loss k on s with se == 0.5 * ((k.s[1, 0] - 0.3) * (k.s[1, 0] - 0.3) + (k.s[2, 0] - 0.1) * (k.s[2, 0] - 0.1) + (k.s[3, 0] - 0.2) * (k.s[3, 0] - 0.2)) within 1e-15
            """)
        #expect(r.status == .ok, "\(r.errors)\n\(r.output)")
        #expect(r.output.contains("expectations: 2 passed, 0 failed"))
    }

    @Test("readout none needs output = hidden; the lecture's instruments and sampling need a readout")
    func errors() {
        let width = runScript("model k = rnn { input 1; hidden 3; output 2; readout none }")
        #expect(width.status == .scriptError && width.errors.contains("output must equal hidden (3), not 2"), "\(width.errors)")
        let decompose = runScript("sequence s = inputs [1, 2] targets [1, 2]\nmodel k = rnn { input 1; hidden 1; readout none }\nloss se = squared_error\ndecompose k on s with se at 2 for W")
        #expect(decompose.status == .scriptError && decompose.errors.contains("'readout none'"), "\(decompose.errors)")
        let sample = runScript("vocab v = ['a', 'b']\nmodel k = rnn { input v; hidden 2; readout none }\nsample k over v from \"a\" length 3")
        #expect(sample.status == .scriptError && sample.errors.contains("softmax readout"), "\(sample.errors)")
    }
}
