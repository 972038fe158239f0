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

    @Test("hidden [20, 20, 1]: seed 004's three-layer stack has Keras's 1282 parameters; widths per layer everywhere")
    func layerWidths() throws {
        let run = InstrumentTests.run("""
            model stack = rnn { input 1; hidden [20, 20, 1]; readout none; outputs last }
            model mix = lstm { input 2; hidden [3, 5]; output 2; init uniform(-0.8, 0.8) }
            model plain = rnn { input 2; hidden [3, 3]; output 2 }
            sequence s = inputs [[1, 0], [0, 1], [1, 1]] targets [[1, 0], [0, 1], [1, 1]]
            loss se = squared_error
            gradcheck mix on s with se
            forward mix on s with se
            show mix.layer1.gate_f
            show mix.layer2.c0
            save mix to "mix.json"
            load mix from "mix.json"
            """)
        #expect(run.status == .ok, "\(run.errors)")
        let stack = run.cells[0]["result"] as? [String: Any]
        #expect(InstrumentTests.number(stack?["parameters"]) == 1282)
        let errors = run.result("gradcheck mix on s with se").values.compactMap(InstrumentTests.number)
        #expect(errors.count == 26 && errors.allSatisfy { $0 < 1e-6 }, "\(errors)")
        #expect(InstrumentTests.matrix(run.cell("show mix.layer1.gate_f")["result"]).first?.count == 3)
        #expect(InstrumentTests.matrix(run.cell("show mix.layer2.c0")["result"]).first?.count == 5)
        let text = runScript("model stack = rnn { input 1; hidden [20, 20, 1]; readout none; outputs last }\nshow stack").output
        #expect(text.contains("3-layer vanilla RNN 1 → 20 → 20 → 1, state tanh, readout none, 1282 parameters"), "\(text)")
        #expect(text.contains("      SimpleRNN(1)   (None, 1)                 22\n      total                                  1282"), "\(text)")
        #expect(text.contains("rnn3.weight_ih_l0 (1×20)   = layer3.Uᵀ"))
        // Equal widths are the plain form.
        let plain = runScript("model a = rnn { input 2; hidden [3, 3]; output 2 }\nmodel b = rnn { input 2; hidden 3; layers 2; output 2 }")
        let lines = plain.output.split(separator: "\n").filter { $0.contains("2-layer vanilla RNN") }
        #expect(lines.count == 2 && lines[0].dropFirst(6) == lines[1].dropFirst(6), "\(plain.output)")
    }

    @Test("hidden lists: layers must agree, each width in range")
    func layerWidthErrors() {
        let layers = runScript("model m = rnn { input 1; hidden [2, 3]; layers 3; output 1 }")
        #expect(layers.status == .scriptError && layers.errors.contains("'hidden' lists 2 widths but 'layers' is 3"), "\(layers.errors)")
        let zero = runScript("model m = rnn { input 1; hidden [2, 0]; output 1 }")
        #expect(zero.status == .scriptError && zero.errors.contains("test.rnn:1:37: error: hidden 0 is out of range"), "\(zero.errors)")
        let unclosed = runScript("model m = rnn { input 1; hidden [2, 3; output 1 }")
        #expect(unclosed.status == .scriptError, "\(unclosed.output)")
    }
}

/// `embedding N` in a model block (SPEC §8).
struct EmbeddingStatementTests {
    @Test("embedding: E in show, the counts and the porting tables, gradcheck, save and load")
    func declared() throws {
        let script = """
            vocab chars = ['h', 'e', 'l', 'o', <stop>]
            sequence hello = "hello" over chars predicting next
            model net = gru { input chars; embedding 3; hidden 4; output chars; init uniform(-0.8, 0.8) }
            loss xent = cross_entropy
            gradcheck net on hello with xent
            save net to "net.json"
            load net from "net.json"
            """
        let run = InstrumentTests.run(script)
        #expect(run.status == .ok, "\(run.errors)")
        let errors = run.result("gradcheck net on hello with xent")
        #expect(errors.count == 13 && errors["E"] != nil && errors.values.compactMap(InstrumentTests.number).allSatisfy { $0 < 1e-6 }, "\(errors)")
        let text = runScript(script + "\nshow net").output
        #expect(text.contains("net: GRU 5 → E 3 → 4 → 5"), "\(text)")
        #expect(text.contains("  E        5×3             15   n×N") && text.contains("embedding: n·N = 5·3 = 15"), "\(text)")
        #expect(text.contains("Embedding(5, 3)            (None, None, 3)           15"))
        #expect(text.contains("Embedding(5, 3).weight  = E") && text.contains("Embedding embeddings  = E"), "\(text)")
    }

    @Test("embedding needs a vocabulary as input; the lecture's instruments refuse it")
    func errors() {
        let numeric = runScript("model m = rnn { input 3; embedding 2; hidden 2; output 2 }")
        #expect(numeric.status == .scriptError && numeric.errors.contains("test.rnn:1:26: error: 'embedding' looks up a row of E"), "\(numeric.errors)")
        let trace = runScript("vocab v = ['a', 'b']\nsequence s = \"abab\" over v predicting next\nmodel m = rnn { input v; embedding 2; hidden 2; output v }\nloss xent = cross_entropy\ntrace m on s with xent")
        #expect(trace.status == .scriptError && trace.errors.contains("has an embedding"), "\(trace.errors)")
    }
}
