import Foundation
import Testing
@testable import RNNScript

/// Issue 11, the language's part: how deep and how large an expression may
/// be, `;`-separated statements in linear time, type errors found before
/// anything runs, `==` with infinities and NaN, initializer ranges and the
/// `:help` topics. Rows of the broken-scripts table (DiagnosticTests) pin the
/// message case, line, column and status of each reproducer; these tests add
/// what a row cannot say.
@Suite struct LanguageRobustnessTests {
    // MARK: - Depth

    /// A thread's stack as small as a secondary thread's default on macOS.
    static let smallStack = 512 * 1024

    /// Runs `body` on a new thread whose stack is exactly `stackSize` bytes
    /// (pthread's attribute, not a hint) and waits for it.
    static func onThread<T: Sendable>(stackSize: Int, _ body: @escaping @Sendable () -> T) -> T {
        let job = ThreadJob<T>(body)
        #expect(runOnThread(stackSize: stackSize, job) == 0)
        return job.result!
    }

    /// `1 + 1 + … + 1` with `levels` levels (left-nested, as the parser builds it).
    static func chain(_ levels: Int, _ op: String = "+") -> String {
        Array(repeating: "1", count: levels).joined(separator: " \(op) ")
    }

    /// Expressions exactly `Parser.expressionDepthLimit` deep, of every shape
    /// that nests: operators, minus signs, indices, and the most brackets
    /// allowed (each bracket a recursion of the parser) around the rest.
    static let deepestExpressions: [(name: String, text: String)] = {
        let limit = Parser.expressionDepthLimit, brackets = Parser.nestingLimit
        return [
            ("a left-nested chain of +", chain(limit)),
            ("a left-nested chain of @", Array(repeating: "[[1]]", count: limit).joined(separator: " @ ")),
            ("a run of minus signs", String(repeating: "-", count: limit - 1) + "1"),
            ("a chain of indices", "[[1]]" + String(repeating: "[0]", count: limit - 1)),
            ("parentheses, as deep as brackets go", String(repeating: "(", count: brackets) + chain(limit - brackets) + String(repeating: ")", count: brackets)),
            ("calls, as deep as brackets go", String(repeating: "abs(", count: brackets) + chain(limit - brackets, "*") + String(repeating: ")", count: brackets)),
            ("calls of negations", String(repeating: "abs(----", count: 47) + chain(limit - 47 * 5, "-") + String(repeating: ")", count: 47)),
            // Each literal's two brackets count too: 47 indices leave room for the last one.
            ("indices inside indices", String(repeating: "[[1, 1]][0, ", count: 47) + chain(limit - 48, "*") + " - 1" + String(repeating: "]", count: 47)),
        ]
    }()

    @Test("the deepest expression of each shape parses, checks and evaluates on a 512 KiB stack; one level more is an error",
          arguments: deepestExpressions.indices)
    func deepestExpression(_ index: Int) throws {
        let (name, text) = Self.deepestExpressions[index]
        let (statements, errors) = Parser.parse(SourceFile(name: "deep.rnn", text: "show " + text))
        #expect(errors.isEmpty, "\(name): \(errors.map(\.message.text))")
        guard case let .show(expression)? = statements.first?.kind else { Issue.record("\(name): not parsed"); return }
        #expect(expression.depth == Parser.expressionDepthLimit, "\(name): depth \(expression.depth)")

        // Parse, check, evaluate, render and free the deepest tree on a small stack.
        let run = Self.onThread(stackSize: Self.smallStack) { () -> (RunStatus, String, String) in
            let r = runScript("show " + text, name: "deep.rnn")
            return (r.status, r.output, r.errors)
        }
        #expect(run.0 == .ok, "\(name): \(run.2)")
        #expect(!run.1.isEmpty)

        // One level more, written as `-` in front: rejected, also on a small stack.
        let deeper = Self.onThread(stackSize: Self.smallStack) { () -> (RunStatus, String) in
            let r = runScript("show -" + text, name: "deep.rnn")
            return (r.status, r.errors)
        }
        #expect(deeper.0 == .scriptError)
        #expect(deeper.1.contains("error: expression nested deeper than \(Parser.expressionDepthLimit) levels"), "\(name): \(deeper.1)")
    }

    @Test("what is too deep is rejected by --check and in the REPL without crashing, and the session goes on")
    func tooDeepEverywhere() {
        let line = "show " + Self.chain(100_000)
        let statuses = Self.onThread(stackSize: Self.smallStack) { () -> [String] in
            var output = "", errors = ""
            let runner = ScriptRunner(host: TestHost(), output: { output += $0 }, errors: { errors += $0 })
            let check = runner.check(SourceFile(name: "long.rnn", text: line))
            let entry = runner.runEntry(SourceFile(name: "<repl>", text: line))
            let next = runner.runEntry(SourceFile(name: "<repl>", text: "show 1 + 2", firstLine: 2))
            return ["\(check)", "\(entry)", "\(next)", output, errors]
        }
        #expect(statuses[0] == "\(RunStatus.scriptError)")
        #expect(statuses[1] == "\(ScriptRunner.EntryOutcome.completed(.scriptError))")
        #expect(statuses[2] == "\(ScriptRunner.EntryOutcome.completed(.ok))", "the session survives: \(statuses[4])")
        #expect(statuses[3].contains("3"))
        #expect(statuses[4].contains("long.rnn:1:1028: error: expression nested deeper than 256 levels"), "\(statuses[4])")
    }

    @Test("49 minus signs are an expression, not brackets nested too deep")
    func manyMinusSigns() {
        let r = runScript("show " + String(repeating: "-", count: 49) + "1")
        #expect(r.status == .ok, "\(r.errors)")
        #expect(r.output.contains("-1"))
        let brackets = runScript("show " + String(repeating: "(", count: 49) + "1" + String(repeating: ")", count: 49))
        #expect(brackets.errors.contains("test.rnn:1:54: error: brackets nested deeper than 48 levels"), "\(brackets.errors)")
    }

    // MARK: - `;` in linear time

    @Test("100,000 statements separated by ';' on one line run about as fast as one per line (this was quadratic)")
    func semicolonsLinear() {
        let count = 100_000
        func seconds(_ text: String) -> Double {
            let start = Date()
            let r = runScript(text)
            #expect(r.status == .ok, "\(r.errors.prefix(300))")
            return Date().timeIntervalSince(start)
        }
        let lines = seconds(Array(repeating: "seed 1", count: count).joined(separator: "\n"))
        let semicolons = seconds(Array(repeating: "seed 1", count: count).joined(separator: "; "))
        // Quadratic, the one-line script took about 30 times as long as the other in a release build.
        #expect(semicolons < 3 * lines + 2, "one line: \(semicolons) s, one statement per line: \(lines) s")
    }

    @Test("JSON cells keep their line numbers with several statements per line")
    func linesOfCells() throws {
        let r = runScript("seed 1; seed 2\n\nseed 3; let x = 2\nseed 4", format: .json)
        let lines = try r.output.split(separator: "\n").dropLast().map { line -> Int in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(object["line"] as? Int)
        }
        #expect(lines == [1, 1, 3, 3, 4])
        #expect(r.output.hasSuffix("{\"kind\":\"summary\",\"passed\":0,\"failed\":0}\n"), "\(r.output)")
    }

    // MARK: - Sizes

    @Test("a value too large is found by the checker when the REPL knows a let's shape")
    func tooLargeInTheREPL() {
        var output = "", errors = ""
        let runner = ScriptRunner(host: TestHost(), output: { output += $0 }, errors: { errors += $0 })
        let q = "let q = [" + Array(repeating: "1", count: 80_000).joined(separator: ", ") + "]"
        #expect(runner.runEntry(SourceFile(name: "<repl>", text: q)) == .completed(.ok))
        #expect(runner.runEntry(SourceFile(name: "<repl>", text: "show transpose(q) @ q", firstLine: 2)) == .completed(.scriptError))
        #expect(errors.contains("<repl>:2:6: error: the matrix product would be 80000×80000 (6400000000 elements), more than the limit of 20000000 elements for a value"),
                "\(errors)")
        #expect(runner.runEntry(SourceFile(name: "<repl>", text: "show q @ transpose(q)", firstLine: 3)) == .completed(.ok), "\(errors)")
    }

    @Test("one-hot steps are made a matrix only within the size limit")
    func oneHotTooLarge() {
        let symbols = (0..<101).map { String(UnicodeScalar(0x100 + $0)!) }
        let text = String(repeating: symbols.joined(), count: 1981)  // 200,081 symbols: 200,080 steps × 101 > 20,000,000
        let script = """
            vocab v = [\(symbols.map { "'\($0)'" }.joined(separator: ", "))]
            sequence big = "\(text)" over v predicting next
            show big.inputs
            """
        let r = runScript(script)
        #expect(r.status == .scriptError)
        #expect(r.errors.contains("test.rnn:3:10: error: big.inputs would be 200080×101 (20208080 elements), more than the limit of 20000000"),
                "\(r.errors.prefix(300))")
    }

    // MARK: - Comparisons

    @Test("== holds for equal infinities and never for NaN; a finite number is never equal to an infinity")
    func comparisons() {
        let equal = ComparisonOperator.equal
        #expect(equal.holds(.infinity, .infinity, tolerance: nil))
        #expect(equal.holds(-.infinity, -.infinity, tolerance: 0.5))
        #expect(!equal.holds(.infinity, -.infinity, tolerance: nil))
        #expect(!equal.holds(5, .infinity, tolerance: nil))
        #expect(!equal.holds(.infinity, 1e308, tolerance: .greatestFiniteMagnitude))
        #expect(!equal.holds(.nan, .nan, tolerance: nil))
        #expect(!equal.holds(.nan, 1, tolerance: 10))
        #expect(!equal.holds(1e308, -1e308, tolerance: nil), "a difference that overflows is not within a tolerance")
        #expect(equal.holds(1, 1 + 1e-12, tolerance: nil))
        for op in [ComparisonOperator.less, .lessEqual, .greater, .greaterEqual] { #expect(!op.holds(.nan, 1, tolerance: nil)) }

        let r = runScript("""
            expect 1e308 * 10 == 1e308 * 10
            expect -1e308 * 10 == -1e308 * 10
            expect [[1, -1]] * 1e308 * 10 == [[1, -1]] * 1e308 * 10
            expect 5 == 1e308 * 10
            expect 1e308 * 10 == -1e308 * 10
            expect log(-1) == log(-1)
            """)
        #expect(r.output.contains("expectations: 3 passed, 3 failed"), "\(r.output)")
        #expect(r.status == .expectationFailed)
    }

    // MARK: - Training that turns non-finite

    @Test("the message of a non-finite training reads as a sentence")
    func nonFiniteMessage() {
        #expect(Interpreter.nonFiniteMessage(epoch: 3, sequence: 1, update: 12,
                                             what: "loss; it first appeared in the logits o_2 (sequence 1 of the batch, step 2)")
                == "training stopped in epoch 3 (sequence 1, update 12): the loss became NaN or infinite; "
                + "it first appeared in the logits o_2 (sequence 1 of the batch, step 2); the parameters after update 11 are kept")
        #expect(Interpreter.nonFiniteMessage(epoch: 1, sequence: 2, update: 1, what: "gradient of W")
                == "training stopped in epoch 1 (sequence 2, update 1): the gradient of W became NaN or infinite; the parameters are unchanged")
        let r = runScript("""
            vocab v = ['a', 'b']
            sequence s = "abab" over v predicting next
            model m = rnn { input 2; hidden 2; output 2; state linear }
            set m.W = [[1e200, 0], [0, 1e200]]
            set m.U = [[1e200, 0], [0, 1e200]]
            loss x = cross_entropy
            optimizer o = sgd { lr 0.1 }
            train m on s with x, o for 2 epochs
            """)
        #expect(r.status == .runtimeError)
        #expect(r.errors.contains("test.rnn:8:1: error: training stopped in epoch 1 (sequence 1, update 1): the loss became NaN or infinite; it first appeared in the state s_2"),
                "\(r.errors)")
    }

    // MARK: - Types found by the checker

    /// A model, a sequence and a vocabulary for the checker's cases (lines 1–5).
    static let declarations = """
        vocab chars = ['d', 'e', 'p', <stop>]
        sequence deep = "deep" over chars predicting next
        loss xent = cross_entropy
        optimizer opt = sgd { lr 0.1 }
        model net = rnn { input 4; hidden 3; output 4 }

        """

    @Test("type and shape errors are checking errors (exit 65, nothing runs)", arguments: [
        ("show \"a\" + 1", 6, "cannot apply '+' to a string and a number"),
        ("show net + 1", 6, "cannot apply '+' to a model and a number"),
        ("show chars @ net.W", 6, "cannot apply '@' to a vocabulary and a 3×3 matrix"),
        ("show net.W @ 2", 6, "cannot apply '@' to a 3×3 matrix and a number"),
        ("show -\"a\"", 6, "cannot negate a string"),
        ("show abs(net)", 6, "abs needs a matrix or a number, got a model"),
        ("show norm(\"a\")", 6, "norm needs a matrix or a number, got a string"),
        ("show \"abc\"[0]", 6, "cannot index a string"),
        ("show net.W[\"a\"]", 12, "an index must be a whole number, this is a string"),
        ("show net.W[0.5]", 12, "an index must be a whole number, this is 0.5"),
        ("show net.W[1, 2, 3]", 6, "a matrix takes at most 2 indices"),
        ("show net.W[0, 3]", 15, "column index 3 is out of range for a 3×3 matrix (0 to 2)"),
        ("show net.W[-1]", 12, "row index -1 is out of range for a 3×3 matrix (0 to 2)"),
        ("show net.W + net.V", 6, "'+' needs equal shapes or a 1×n row and an r×n matrix: 3×3 and 3×4 (use @ for the matrix product)"),
        ("show net.W @ net.U", 6, "matrix product needs inner sizes to agree: 3×3 @ 4×3"),
        ("show net.s @ net.U", 6, "matrix product needs inner sizes to agree: the left has 3 columns, the right 4 rows"),
        ("show net.s + net.V", 6, "'+' needs equal shapes: the left has 3 columns, the right 4 (use @ for the matrix product)"),
        ("show deep.values", 11, "expected 'inputs' or 'targets' after a sequence, found 'values'"),
        ("expect \"a\" < \"b\"", 1, "strings can only be compared with =="),
        ("expect net.W == net.V", 1, "cannot compare a 3×3 matrix with a 3×4 matrix"),
        ("plot chars", 6, "plot needs numbers: a vector draws a line, a matrix a heat map; this is a vocabulary"),
        ("let x = \"a\"\nshow x * 2", 6, "cannot apply '*' to a string and a number"),
        ("let m = net.W @ net.V\nshow m[0, 4]", 11, "column index 4 is out of range for a 3×4 matrix (0 to 3)"),
    ] as [(String, Int, String)])
    func checkedTypes(_ statement: String, _ column: Int, _ message: String) {
        let script = Self.declarations + "forward net on deep\n" + statement
        let line = script.split(separator: "\n", omittingEmptySubsequences: false).count
        let r = runScript(script)
        #expect(r.status == .scriptError, "`\(statement)`: \(r.status)")
        #expect(r.errors.hasPrefix("test.rnn:\(line):\(column): error: \(message)\n"), "`\(statement)`: \(r.errors)")
        #expect(r.output.isEmpty, "nothing runs")
        let (statements, _) = Parser.parse(SourceFile(name: "test.rnn", text: script))
        var checker = Checker(symbols: SymbolTable())
        _ = checker.check(statements)
        #expect(checker.diagnostics.map(\.message.text) == [message], "the checker alone finds it")
    }

    /// Whether a value fits the type the checker inferred: the same kind, and
    /// every size the checker knew.
    static func fits(_ value: ValueType, _ type: ValueType) -> Bool {
        switch (value, type) {
        case let (.matrix(r, c), .matrix(rows, cols)): return (rows == nil || rows == r) && (cols == nil || cols == c)
        default: return value == type
        }
    }

    @Test("the checker's types are the values' types, with every size it knows")
    func typesMatchValues() throws {
        var output = "", errors = ""
        let runner = ScriptRunner(host: TestHost(), output: { output += $0 }, errors: { errors += $0 })
        let status = runner.run(SourceFile(name: "t.rnn", text: Self.declarations + """
            model mem = lstm { input 4; hidden 2; output 4; layers 2 }
            series temps = [1, 2, 3]
            train net on deep with xent, opt for 3 epochs
            forward net on deep
            backward net on deep with xent
            forward mem on deep
            let x = net.W @ net.V
            let label = predict net on deep
            """))
        #expect(status == .ok, "\(errors)")
        let expressions = [
            "net.W", "net.U", "net.b", "net.V", "net.c", "net.s0", "net.s", "net.o", "net.y", "net.losses", "grad net.W",
            "deep.inputs", "deep.targets", "temps.values", "net.W @ net.V", "transpose(net.U)", "transpose(2)", "net.s[2]",
            "net.s[:, 1]", "net.s[1, 2]", "net.s[:]", "net.s[:, :]", "-net.W", "2 * net.W", "net.W - 1", "net.W * net.W",
            "abs(net.W)", "sqrt(2)", "shape(net.U)", "norm(net.W)", "spectral(net.W)", "max(net.y)", "loss net on deep with xent",
            "predict net on deep", "(gradcheck net on deep with xent)", "\"text\"", "[[1, 2], [3, 4]]", "[1, 2, 3][0]", "net",
            "deep", "chars", "xent", "opt", "x", "label", "(net.W)[0]", "mem.s", "mem.layer2.gate_f", "mem.layer1.h0",
            "mem.layer2.U_i", "-(-(net.s[1]))",
        ]
        for text in expressions {
            let (statements, syntax) = Parser.parse(SourceFile(name: "e.rnn", text: text))
            guard syntax.isEmpty, case let .expression(expression)? = statements.first?.kind else {
                Issue.record("`\(text)` does not parse: \(syntax.map(\.message.text))")
                continue
            }
            let checker = Checker(symbols: runner.state.symbols)
            let checked = try checker.checkExpression(expression)
            let type = checked.type
            let value = try runner.interpreter.evaluate(checked.expression)
            #expect(Self.fits(value.type, type), "`\(text)`: the checker says \(type.description), the value is \(value.type.description)")
        }
    }

    // MARK: - Initializers

    @Test("initializer ranges whose draws could overflow are rejected; wide finite ones give finite weights")
    func initializerRanges() throws {
        let model = { (initializer: String) in "model m = rnn { input 1; hidden 2; output 1; init \(initializer) }" }
        let tooWide = runScript(model("uniform(-1e308, 1e308)"))
        #expect(tooWide.errors.contains("uniform(-1e308, 1e308) is too wide: its width b − a overflows a Double"), "\(tooWide.errors)")
        let spread = runScript(model("normal(1e308, 1e307)"))
        #expect(spread.status == .scriptError)
        #expect(spread.errors.contains("normal(1e308, 1e307) can draw values beyond the largest Double"), "\(spread.errors)")
        for initializer in ["uniform(-1e307, 1e307)", "normal(0, 1e307)", "uniform(-1e308, 0)"] {
            var output = "", errors = ""
            let runner = ScriptRunner(host: TestHost(), output: { output += $0 }, errors: { errors += $0 })
            #expect(runner.run(SourceFile(name: "m.rnn", text: model(initializer))) == .ok, "\(initializer): \(errors)")
            let parameters = try #require(runner.state.model(named: "m")?.model.parameters)
            #expect(parameters.allSatisfy { $0.storage.allSatisfy(\.isFinite) }, "\(initializer)")
        }
    }

    // MARK: - Help

    @Test("every statement has a :help topic that shows its form")
    func helpTopics() {
        let keywords = Parser.statementKeywords.map(\.rawValue) + ["loss"]
        for keyword in keywords.sorted() {
            let topic = Help.topic(keyword)
            #expect(topic != nil, "no :help \(keyword)")
            #expect(topic?.contains(keyword) == true, ":help \(keyword) does not show the statement")
        }
        for keyword in ["flow", "decompose", "compare", "gates", "trace", "plot"] {
            #expect(Help.topic(keyword)?.hasPrefix(keyword + " ") == true, ":help \(keyword) starts with the statement's form")
            #expect(Help.overview.contains(" \(keyword) ") || Help.overview.contains(" \(keyword)\n"), "the overview lists \(keyword)")
        }
    }
}

/// The work of a thread of `LanguageRobustnessTests.onThread`.
class ThreadWork: @unchecked Sendable {
    func run() {}
}

/// A body and its result (written by the thread, read after it has been joined).
final class ThreadJob<T>: ThreadWork, @unchecked Sendable {
    let body: () -> T
    var result: T?
    init(_ body: @escaping () -> T) { self.body = body }
    override func run() { result = body() }
}

/// Runs `work` on a new thread with a `stackSize`-byte stack and joins it;
/// nonzero when the thread could not be made.
func runOnThread(stackSize: Int, _ work: ThreadWork) -> Int32 {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    let sized = pthread_attr_setstacksize(&attributes, stackSize)
    guard sized == 0 else { return sized }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(work).toOpaque()
    let started = pthread_create(&thread, &attributes, { context in
        Unmanaged<ThreadWork>.fromOpaque(context!).takeRetainedValue().run()
        return nil
    }, context)
    guard started == 0 else {
        Unmanaged<ThreadWork>.fromOpaque(context).release()
        return started
    }
    return pthread_join(thread, nil)
}

/// A shuffled split's halves are drawn when the script runs, so the checker
/// cannot know which sequences each half holds: its checks cover every
/// sequence either half may hold (a model of width 2 once ran, reading out of
/// bounds, on a width-3 sequence that the shuffle put in the checked half).
@Suite("Shuffled splits are checked for every sequence they may hold")
struct ShuffledSplitCheckTests {
    static func script(_ shuffled: Bool, extra: String = "") -> String {
        """
        seed 3
        vocab a = ['x', 'y']
        vocab b = ['p', 'q', 'r']
        sequence good = "xyxy" over a predicting next
        sequence bad = "pqrp" over b predicting next
        dataset d = [good, bad]
        split d into one, two at 0.5\(shuffled ? " shuffled" : "")
        \(extra)
        model m = rnn { input a; hidden 3; output a }
        forward m on one
        """
    }

    @Test("shuffled: refused before anything runs, naming the sequence that may land in the half")
    func shuffled() {
        let r = runScript(Self.script(true))
        #expect(r.status == .scriptError)
        #expect(r.errors.contains("test.rnn:10:9: error: model m expects input width 2, sequence one (bad) is one-hot over 3 symbols"), "\(r.errors)")
        #expect(r.output.isEmpty)
    }

    @Test("unshuffled: the first half is known to hold only 'good', and runs")
    func unshuffled() {
        let r = runScript(Self.script(false))
        #expect(r.status == .ok, "\(r.errors)")
    }

    @Test("a dataset made of a shuffled half, and a split of it, inherit what it may hold")
    func inherited() {
        let r = runScript(Self.script(true, extra: "dataset u = [two]\nsplit u into p, q at 0.5").replacingOccurrences(of: "forward m on one", with: "forward m on u"))
        #expect(r.status == .scriptError)
        #expect(r.errors.contains("sequence u (bad) is one-hot over 3 symbols"), "\(r.errors)")
    }
}

/// A shuffled split's halves are drawn when it runs; what is built from them
/// (a dataset listing a half, a split of a half) holds the drawn sequences,
/// not the checker's unshuffled ones (before issue 12's "resolve once", a
/// dataset of a half silently held the unshuffled half).
@Suite("Run-time contents of shuffled halves")
struct ShuffledHalfContentsTests {
    static let script = """
        seed 3
        series temps = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        dataset days = windows of temps size 2
        split days into a, b at 0.5 shuffled
        dataset c = [a]
        split a into a1, a2 at 0.5
        """

    /// The first input of each sequence a name holds after the script, in order.
    static func firstInputs(_ state: SessionState, _ name: String) -> [Double] {
        state.sequences(SequenceRef(name: name, isDataset: true, sequences: nil)).map { $0.example.inputs[0, 0] }
    }

    @Test("a dataset of a half and a split of a half hold the drawn sequences")
    func drawnContents() throws {
        let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { _ in })
        #expect(runner.run(SourceFile(name: "halves.rnn", text: Self.script)) == .ok)
        let a = Self.firstInputs(runner.state, "a"), b = Self.firstInputs(runner.state, "b")
        // The draw is a permutation of the eight windows, and not the source order.
        #expect((a + b).sorted() == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(a != [1, 2, 3, 4])
        #expect(Self.firstInputs(runner.state, "c") == a)
        #expect(Self.firstInputs(runner.state, "a1") == Array(a[..<2]))
        #expect(Self.firstInputs(runner.state, "a2") == Array(a[2...]))
    }
}

/// The functions of expressions are one table (ExpressionFunction.all).
@Suite("Expression functions")
struct ExpressionFunctionTableTests {
    @Test("every row runs on a matrix and a number, with the shape the checker infers, and is in :help",
          arguments: ExpressionFunction.all.map(\.name))
    func row(_ name: String) {
        guard let f = ExpressionFunction.named(name) else { Issue.record("no row \(name)"); return }
        // A 2×3 matrix, or (diag) a 1×3 row, or (outer) a 1×3 and a 1×2 row.
        let arguments = f.result == .diagonal ? "[[1, 2, 3]]" : f.result == .outer ? "[[1, 2, 3]], [[1, 2]]"
            : f.result == .row ? "0, 1, 3" : f.result == .onehot ? "'b', v" : "[[1, 2, 3], [4, 5, 6]]"
        let onMatrix = runScript("vocab v = ['a', 'b', 'c']\nlet x = \(name)(\(arguments))\nshow x")
        #expect(onMatrix.status == .ok, "\(onMatrix.errors)")
        let expected: String
        switch f.result {
        case .number: expected = "x = "
        case .elementwise: expected = "2×3"
        case .transposed: expected = "3×2"
        case .shape: expected = "2.0000  3.0000"
        case .diagonal: expected = "3×3"
        case .outer: expected = "3×2"
        case .row: expected = "x  (1×3)"
        case .onehot: expected = "0.0000  1.0000  0.0000"
        }
        #expect(onMatrix.output.contains(expected), "\(onMatrix.output)")
        guard f.result != .onehot else { return }  // its arguments are a symbol and a vocabulary, not numbers
        #expect(runScript("show \(name)(\(Array(repeating: "4", count: f.arity).joined(separator: ", ")))").status == .ok, "\(name)")
        #expect(Help.topic("functions")?.contains(name) == true)
    }

    @Test("an unknown function is refused with the closest name")
    func unknown() {
        let r = runScript("show sqr(4)")
        #expect(r.status == .scriptError)
        #expect(r.errors.contains("unknown function 'sqr'; did you mean 'sqrt'?"), "\(r.errors)")
    }
}
