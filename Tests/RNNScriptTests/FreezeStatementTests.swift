import Testing
@testable import RNNScript

/// `freeze M.P` / `unfreeze M.P` (SPEC §8) in scripts: what train does with it,
/// how show and JSON say it, and the errors.
struct FreezeStatementTests {
    static let base = """
        vocab v = ['a', 'b', 'c']
        sequence s = inputs ['a', 'b', 'c', 'b'] targets ['b', 'c', 'b', 'a'] over v
        model m = rnn { input v; hidden 4; output v; init uniform(-0.5, 0.5) }
        loss xent = cross_entropy
        optimizer opt = sgd { lr 0.1; momentum 0.9; weight_decay 0.01 }
        let w0 = m.W
        let u0 = m.U
        """

    @Test("train leaves a frozen parameter exactly as it was; after unfreeze it trains again")
    func trainAndUnfreeze() {
        let r = runScript(Self.base + """

            freeze m.W
            train m on s with xent, opt for 10 epochs, clip norm 0.1
            expect m.W == w0 within 0
            expect max(abs(m.U - u0)) > 0.001
            unfreeze m.W
            train m on s with xent, opt for 10 epochs
            expect max(abs(m.W - w0)) > 0.001
            """)
        #expect(r.status == .ok, "\(r.errors)\n\(r.output)")
        #expect(r.output.contains("m.W frozen: train leaves it unchanged; frozen in m: W"))
        #expect(r.output.contains("m.W unfrozen: train changes it again; frozen in m: none"))
    }

    @Test("show marks frozen parameters; JSON lists them; a redeclared model has none")
    func shown() {
        let run = InstrumentTests.run(Self.base + "\nfreeze m.c\nfreeze m.W\nshow m\nmodel m = rnn { input v; hidden 4; output v }\nshow m")
        #expect(run.status == .ok)
        #expect((run.result("freeze m.W")["frozen_parameters"] as? [String]) == ["W", "c"])
        let shows = run.cells.filter { $0["source"] as? String == "show m" }.compactMap { $0["result"] as? [String: Any] }
        #expect(shows.count == 2 && (shows[0]["frozen"] as? [String]) == ["W", "c"] && shows[1]["frozen"] == nil)
        let text = runScript(Self.base + "\nfreeze m.W\nshow m").output
        #expect(text.contains("  W        4×4             16   d×d   frozen\n"), "\(text)")
    }

    @Test("freeze names a parameter of a model, with suggestions; not a state, not a model alone")
    func errors() {
        let typo = runScript(Self.base + "\nfreeze m.WW")
        #expect(typo.status == .scriptError && typo.errors.contains("test.rnn:8:10") && typo.errors.contains("'W'"), "\(typo.errors)")
        let state = runScript(Self.base + "\nfreeze m.s0")
        #expect(state.status == .scriptError, "\(state.output)")
        let whole = runScript(Self.base + "\nfreeze m")
        #expect(whole.status == .scriptError && whole.errors.contains("a parameter path like net.W"), "\(whole.errors)")
        let notModel = runScript(Self.base + "\nfreeze s.inputs")
        #expect(notModel.status == .scriptError && notModel.errors.contains("a model"), "\(notModel.errors)")
    }
}
