import Foundation
import Testing
import RNNScript
@testable import RNNScriptCLI

/// A REPL session driven in process: scripted lines in, both streams captured.
struct Session {
    var output = ""
    var errors = ""
    var status: RunStatus = .ok
    var prompts: [String] = []
    var history: [String] = []

    static func run(_ lines: [String], files: String? = nil) -> Session {
        var session = Session()
        var out = "", err = ""
        let host = FileHost(baseDirectory: files ?? "", showProgress: false)
        let runner = ScriptRunner(host: host, output: { out += $0 }, errors: { err += $0 })
        let reader = ScriptedLineReader(lines)
        let repl = REPL(runner: runner, host: host, reader: reader, write: { out += $0 }, writeError: { err += $0 })
        session.status = repl.run()
        session.output = out
        session.errors = err
        session.prompts = reader.prompts
        session.history = reader.history
        return session
    }
}

@Suite("The REPL, in process", .serialized)
struct REPLTests {
    let model = ["vocab chars = ['d', 'e', 'p', <stop>]", "sequence deep = \"deep\" over chars predicting next"]

    @Test("a block spans lines with a continuation prompt, and is one history entry")
    func multiLineBlock() {
        let session = Session.run(["model m = rnn {", "  input 2", "  hidden 3", "", "  output 2", "}", "show m.W"])
        #expect(session.errors.isEmpty, "\(session.errors)")
        #expect(session.prompts.prefix(6) == ["rnn> ", "...> ", "...> ", "...> ", "...> ", "...> "])
        #expect(session.output.contains("m: vanilla RNN 2 → 3 → 2"))
        #expect(session.output.contains("m.W  (3×3)"))
        #expect(session.history.first == "model m = rnn {\n  input 2\n  hidden 3\n\n  output 2\n}")
    }

    @Test("an open bracket asks for more instead of an error")
    func openBracket() {
        let session = Session.run(["sequence s = inputs [[1, 0],", "[0, 1]] targets [[0, 1], [1, 0]]", "show s.inputs"])
        #expect(session.errors.isEmpty, "\(session.errors)")
        #expect(session.output.contains("s.inputs  (2×2)"))
    }

    @Test("an error prints a <repl> diagnostic and the state stays intact")
    func errorsKeepState() {
        let session = Session.run([
            "model m = rnn { input 2; hidden 2; output 2 }",
            "set m.W = [[1, 0], [0, 1]]",
            "show m.X",
            "set m.W = [[1, 2, 3]]",
            "frobnicate",
            "show m.W",
        ])
        #expect(session.errors.contains("<repl>:3:8: error: model m has no parameter 'X'"), "\(session.errors)")
        #expect(session.errors.contains("<repl>:4:11: error: m.W is 2×2 (d×d), the value is 1×3"), "\(session.errors)")
        #expect(session.errors.contains("<repl>:5:1: error: cannot find 'frobnicate'"), "\(session.errors)")
        // The failed set changed nothing.
        #expect(session.output.contains("m.W  (2×2)\n      1.0000  0.0000\n      0.0000  1.0000"), "\(session.output)")
        // A piped session reports its first failure.
        #expect(session.status == .scriptError)
    }

    @Test("a bare expression prints its value")
    func bareExpression() {
        let session = Session.run(["1 + 2 * 3", "transpose([[1, 2]]) @ [[3, 4]]", "norm([[3, 4]])"])
        #expect(session.output.contains("1 + 2 * 3 = 7.0000"))
        #expect(session.output.contains("transpose([[1, 2]]) @ [[3, 4]]  (2×2)"))
        #expect(session.output.contains("norm([[3, 4]]) = 5.0000"))
    }

    @Test(":help, :help TOPIC and a wrong topic")
    func help() {
        let session = Session.run([":help", ":help lstm", ":help adam", ":help lsmt"])
        #expect(session.output.contains("Meta-commands:"))
        #expect(session.output.contains("c_t = f ⊙ c_{t-1} + i ⊙ g"))
        #expect(session.output.contains("adam (lr 0.001, beta1 0.9"))
        #expect(session.errors.contains("no help on 'lsmt'; did you mean 'lstm'?"))
    }

    @Test("every statement keyword has a help topic")
    func helpCoversKeywords() {
        let statements = ["seed", "precision", "vocab", "sequence", "series", "dataset", "split", "model", "set", "loss",
                          "optimizer", "forward", "backward", "show", "gradcheck", "jacobian", "train", "sample", "expect",
                          "let", "save", "load", "predict", "rnn", "lstm", "gru"]
        for topic in statements { #expect(Help.topic(topic) != nil, "no help for \(topic)") }
        for loss in ["cross_entropy", "squared_error", "binary_cross_entropy"] { #expect(Help.topic(loss) != nil) }
        for optimizer in ["sgd", "adagrad", "rmsprop", "adam"] { #expect(Help.topic(optimizer) != nil) }
    }

    @Test(":names lists every declared name with its kind and shape")
    func names() {
        let session = Session.run(model + ["model net = gru { input 4; hidden 3; output 4 }", "loss xent = cross_entropy",
                                           "let w = net.W_r", ":names"])
        #expect(session.output.contains("chars  vocab: 4 symbols"))
        #expect(session.output.contains("deep   sequence: 4 inputs of width 4, 4 targets of width 4"))
        #expect(session.output.contains("net    model: GRU 4 → 3 → 4"))
        #expect(session.output.contains("xent   loss: cross_entropy"))
        #expect(session.output.contains("w      let: matrix 3×3"))
    }

    @Test(":type gives the kind and shape of an expression")
    func type() {
        let session = Session.run(model + ["model net = rnn { input 4; hidden 3; output 4 }", ":type net.U", ":type net",
                                           ":type norm(net.W)", ":type deep", ":type net.Q"])
        #expect(session.output.contains("matrix 4×3\n"))
        #expect(session.output.contains("model: vanilla RNN 4 → 3 → 4, 40 parameters\n"))
        #expect(session.output.contains("number\n"))
        #expect(session.output.contains("sequence: 4 inputs of width 4, 4 targets of width 4\n"))
        #expect(session.errors.contains("model net has no parameter 'Q'"))
    }

    @Test(":reset forgets everything; :quit ends the session")
    func resetAndQuit() {
        let session = Session.run(["model m = rnn { input 1; hidden 1; output 1 }", ":reset", "show m", ":quit", "show 1"])
        #expect(session.output.contains("session reset"))
        #expect(session.errors.contains("cannot find 'm'"))
        #expect(!session.output.contains("1 = 1"), "nothing runs after :quit")
    }

    @Test(":load runs a file into the session and :save writes a script that rebuilds it")
    func loadAndSave() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("repl-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "seed 5\nmodel m = rnn { input 2; hidden 3; output 2 }\n".write(to: dir.appendingPathComponent("base.rnn"), atomically: true, encoding: .utf8)
        let saved = dir.appendingPathComponent("saved.rnn").path
        let session = Session.run([
            ":load \(dir.appendingPathComponent("base.rnn").path)",
            "sequence s = inputs [[1, 0], [0, 1]] targets [[0, 1], [1, 0]]",
            "show m.U",
            "show m.Nope",
            "loss l = cross_entropy",
            "optimizer o = adam { lr 0.1 }",
            "train m on s with l, o for 5 epochs",
            "show m.W",
            ":save \(saved)",
        ])
        #expect(session.output.contains("saved 7 entries to"), "\(session.output)\(session.errors)")
        let script = try String(contentsOfFile: saved, encoding: .utf8)
        #expect(!script.contains("Nope"), "failed statements are not saved")
        // The saved script, run on its own, gives the same weights.
        let rerun = runScript(script)
        #expect(rerun.status == .ok, "\(rerun.errors)")
        let lastShow = { (text: String) -> String in
            String(text.components(separatedBy: "show m.W\n").last!.components(separatedBy: "\n\n").first!)
        }
        #expect(lastShow(rerun.output) == lastShow(session.output))
    }

    @Test("completion: keywords, names, members after 'net.', meta-commands, files in quotes")
    func completion() {
        let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { _ in })
        _ = runner.run(SourceFile(name: "setup.rnn", text: """
            model net = lstm { input 2; hidden 3; output 2; layers 2 }
            sequence deep = inputs [[1, 0]] targets [[0, 1]]
            """))
        let state = runner.state
        func complete(_ line: String) -> [String] {
            let start = line.lastIndex(where: { " \"(".contains($0) }).map { line.utf8.distance(from: line.utf8.startIndex, to: line.index(after: $0).samePosition(in: line.utf8)!) } ?? 0
            return Completion.candidates(line: line, start: start, end: line.utf8.count, state: state,
                                         listFiles: { prefix in ["data/", "deep.rnn", "notes.txt"].filter { $0.hasPrefix(prefix) } })
        }
        #expect(complete("tra") == ["trace", "train", "transpose"])
        #expect(complete("gradc") == ["gradcheck"])
        #expect(complete("show ne").contains("net"))
        #expect(complete("show net.layer2.W_") == ["net.layer2.W_f", "net.layer2.W_g", "net.layer2.W_i", "net.layer2.W_o"])
        #expect(complete("show net.").contains("net.layer1.U_i"))
        #expect(complete("show net.").contains("net.layer1.h0"))
        #expect(complete("show net.").contains("net.s"))
        #expect(complete("show deep.") == ["deep.inputs", "deep.targets"])
        #expect(complete(":he") == [":help"])
        #expect(complete(":help ls") == ["lstm"])
        #expect(complete("load net from \"de") == ["deep.rnn"])
        #expect(complete(":load no") == ["notes.txt"])
        #expect(complete("show xyz.") == [])
    }
}
