import Foundation
import Testing
@testable import RNNScript
import RNNRuntime

/// `encoder on` (issue 14): an encoder–decoder in scripts. Training, the
/// answers it gives on its own, its parameters and the statements that do
/// not apply to it.
struct EncoderDecoderStatementTests {
    static let base = """
        vocab v = ['a', 'b', <stop>]
        sequence ab = inputs ['a', 'b'] targets [_, 'b', 'a', <stop>] over v
        sequence ba = inputs ['b', 'a'] targets [_, 'a', 'b', <stop>] over v
        sequence aa = inputs ['a', 'a'] targets [_, 'a', 'a', <stop>] over v
        sequence bb = inputs ['b', 'b'] targets [_, 'b', 'b', <stop>] over v
        dataset words = [ab, ba, aa, bb]
        seed 3
        model r = rnn { input v; hidden 6; output v; init xavier; encoder on }
        loss xent = cross_entropy
        optimizer opt = adam { lr 0.05 }
        """

    @Test("the model line and counts: an encoder without a readout, a decoder with one")
    func declaration() {
        let run = InstrumentTests.run(Self.base + "\nshow r")
        #expect(run.status == .ok, "\(run.errors)")
        // Encoder: d·(n + d + 1) = 6·(3 + 6 + 1) = 60; decoder: 60 + readout k·(d + 1) = 3·7 = 21.
        #expect((run.result("model r = rnn { input v; hidden 6; output v; init xavier; encoder on }")["parameters"] as? Double) == 141)
        let text = runScript(Self.base + "\nshow r").output
        #expect(text.contains("r: encoder–decoder vanilla RNN 3 → 6 ⇒ 3 → 6 → 3, state tanh, readout softmax, 141 parameters"))
        #expect(text.contains("encoder (r.encoder.P):") && text.contains("decoder (r.decoder.P):"))
        #expect(text.contains("(s_0 = the encoder's final state)"))
    }

    @Test("trains, then answers every word on its own; gradcheck agrees; members by their part's name")
    func training() {
        let r = runScript(Self.base + """

            gradcheck r on ab with xent
            let w = r.encoder.W
            train r on words with xent, opt for 150 epochs, batch 2
            predict r on words
            expect predict r on ab == "ba<stop>"
            expect predict r on bb == "bb<stop>"
            expect max(abs(r.encoder.W - w)) > 0.01
            sample r over v from "ba" length 5 until <stop>
            """)
        #expect(r.status == .ok, "\(r.errors)\n\(r.output)")
        #expect(r.output.contains("BPTT agrees with central finite differences"))
        #expect(r.output.contains("4 of 4 answers exactly right; 12 of 12 true symbols right in place"), "\(r.output)")
        #expect(r.output.contains("ba → ab<stop>"))
    }

    @Test("save and load keep both stacks")
    func saveLoad() {
        let host = TestHost()
        let r = runScript(Self.base + """

            save r to "r.json"
            let u = r.decoder.V
            model r = rnn { input v; hidden 6; output v; init xavier; encoder on }
            load r from "r.json"
            expect r.decoder.V == u within 0
            """, host: host)
        #expect(r.status == .ok, "\(r.errors)")
        #expect(host.written["r.json"]?.contains("encoder.U") == true)
    }

    @Test("statements that follow one unrolled network say what an encoder–decoder can do", arguments: [
        "flow r on ab", "forward r on ab with xent", "jacobian r on ab from 2 to 1", "draw r",
        "train r on words with xent, opt for 1 epochs, truncate 2", "gates r on ab", "trace r on ab with xent",
    ])
    func rejected(statement: String) {
        let r = runScript(Self.base + "\n" + statement)
        #expect(r.status != .ok)
        #expect(r.errors.contains("model r is an encoder–decoder (two stacks)"), "\(r.errors)")
    }

    @Test("'outputs last' does not apply to a decoder")
    func outputsLast() {
        let r = runScript("model m = rnn { input 2; hidden 3; output 2; outputs last; encoder on }")
        #expect(r.errors.contains("'outputs last' does not apply"), "\(r.errors)")
    }

    @Test("a single network on teacher-forced pairs answers on its own too; elsewhere the most probable symbol per step")
    func singleNetwork() {
        let r = runScript("""
            vocab v = ['a', 'b', <stop>]
            sequence fed = inputs ['a', 'b', 'b', 'a'] targets [_, 'b', 'a', <stop>] over v
            sequence tagged = inputs ['a', 'b', 'a'] targets ['b', 'b', 'a'] over v
            model m = rnn { input v; hidden 4; output v }
            predict m on fed
            predict m on tagged
            """)
        #expect(r.status == .ok, "\(r.errors)")
        #expect(r.output.contains("m on fed: 1 sequence, answering on its own from the first target (each choice fed back)"))
        #expect(r.output.contains("m on tagged: 1 sequence, the most probable symbol at each step with a target"))
    }

    @Test("show of a shuffled split's half shows what the split drew")
    func shuffledHalf() {
        let r = runScript("""
            vocab v = ['a', 'b', <stop>]
            sequence s1 = inputs ['a'] targets ['b'] over v
            sequence s2 = inputs ['b'] targets ['a'] over v
            sequence s3 = inputs ['a'] targets ['a'] over v
            sequence s4 = inputs ['b'] targets ['b'] over v
            dataset all = [s1, s2, s3, s4]
            seed 8
            split all into one, rest at 0.25 shuffled
            show one
            model m = rnn { input v; hidden 2; output v }
            predict m on one
            """)
        #expect(r.status == .ok, "\(r.errors)")
        // Seed 8 draws s2 (not s1, the unshuffled first quarter), as show lists it and as predict runs it.
        let show = r.output.components(separatedBy: "show one\n")[1].components(separatedBy: "[10]")[0]
        #expect(show.contains("s2: 1 inputs") && !show.contains("s1:"), "\(show)")
        #expect(r.output.contains("\n      s2  "), "\(r.output)")
    }
}

extension EncoderDecoderStatementTests {
    @Test("safetensors: the encoder's and decoder's modules, prefixed, round trip exactly")
    func safetensors() {
        let host = TestHost()
        let r = runScript(Self.base + """

            model q = lstm { input v; hidden 4; output v; encoder on }
            save q to "q.safetensors"
            let v0 = q.decoder.V
            let w0 = q.encoder.W_f
            model q = lstm { input v; hidden 4; output v; encoder on; init zeros }
            load q from "q.safetensors"
            expect q.decoder.V == v0 within 0
            expect q.encoder.W_f == w0 within 0
            """, host: host)
        #expect(r.status == .ok, "\(r.errors)")
        let tensors = ModelPorting.stateDict(runScriptConfiguration()).map(\.name)
        #expect(tensors == ["encoder.rnn.weight_ih_l0", "encoder.rnn.weight_hh_l0", "encoder.rnn.bias_ih_l0", "encoder.rnn.bias_hh_l0",
                            "decoder.rnn.weight_ih_l0", "decoder.rnn.weight_hh_l0", "decoder.rnn.bias_ih_l0", "decoder.rnn.bias_hh_l0",
                            "decoder.readout.weight", "decoder.readout.bias"])
    }

    private func runScriptConfiguration() -> ModelConfiguration {
        var c = ModelConfiguration(inputSize: 3, hiddenSize: 4, outputSize: 3, cell: .lstm)
        c.encoderDecoder = true
        return c
    }
}
