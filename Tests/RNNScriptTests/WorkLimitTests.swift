import Testing
@testable import RNNScript

/// The analysis statements estimate their work before they start and refuse,
/// with the estimate, what would run far too long or keep too many Jacobians
/// (issue 11: at the largest model they ran for minutes or hours).
@Suite("Work limits of the analysis statements")
struct WorkLimitTests {
    static func script(hidden: Int, text: String, _ statement: String) -> RunResult {
        let host = TestHost()
        host.files["t.txt"] = text
        return runScript("""
            vocab v = chars of "t.txt"
            sequence s = file "t.txt" over v predicting next
            model m = rnn { input v; hidden \(hidden); output v; init normal(0, 0.01) }
            loss xent = cross_entropy
            show 1 + 1
            \(statement)
            """, host: host)
    }

    @Test("over the limit: refused at the statement with the estimate, exit 70, earlier cells ran",
          arguments: [
              ("gradcheck m on s with xent", 300, "gradcheck m on s would take about 1.4e+11 multiply-adds (at least 4 passes over 4 steps for each of 92103 parameters)"),
              ("jacobian m on s from 4 to 1", 2000, "jacobian m on s would take about 3.2e+10 multiply-adds (a backward sweep over 4 steps for each of the 2000 state units, 4014003 parameters per step)"),
              ("flow m on s", 2000, "flow m on s would take about 3.2e+10 multiply-adds"),
              ("decompose m on s with xent at 4 for W", 2000, "decompose m on s would take about 3.2e+10 multiply-adds"),
          ])
    func refused(_ statement: String, _ hidden: Int, _ message: String) {
        let r = Self.script(hidden: hidden, text: "abcab", statement)
        #expect(r.status == .runtimeError)
        #expect(r.errors.hasPrefix("test.rnn:6:1: error: " + message), "\(r.errors)")
        #expect(r.errors.contains("more than the limit of 2.0e+10 for one statement"))
        #expect(r.output.contains("1 + 1"), "the cells before it ran")
    }

    @Test("under the limit the same statements run", arguments: [
        "gradcheck m on s with xent", "jacobian m on s from 4 to 1", "flow m on s", "decompose m on s with xent at 4 for W",
        "decompose m on s with xent for W", "trace m on s with xent",
    ])
    func allowed(_ statement: String) {
        let r = Self.script(hidden: 8, text: "abcab", statement)
        #expect(r.status == .ok, "\(r.errors)")
    }

    @Test("flow over 2,504 steps at state width 100 would keep 25 million Jacobian elements: refused")
    func jacobianMemory() {
        let text = String(repeating: "abcde", count: 501)
        let r = Self.script(hidden: 100, text: text, "flow m on s")
        #expect(r.status == .runtimeError)
        #expect(r.errors.contains("flow m on s would keep 2504 Jacobians of 100×100 (25040000 elements), more than the limit of 20000000 elements for a value"), "\(r.errors)")
    }
}
