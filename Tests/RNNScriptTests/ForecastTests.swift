import Foundation
import Testing
@testable import RNNScript

/// `predict M on D` as a statement on numeric targets (SPEC §8): per window the
/// inputs, the prediction and the truth in the series' own units, MAE and RMSE.
@Suite("predict M on D: forecasts")
struct ForecastTests {
    static let raw: [Double] = [12, 15, 11, 18, 20, 17, 22, 25, 21, 19]
    static let script = """
        seed 1
        series temps = [\(raw.map { String(Int($0)) }.joined(separator: ", "))] normalized
        dataset days = windows of temps size 3
        model m = rnn { input 1; hidden 4; output 1; readout linear; outputs last; init xavier }
        loss se = squared_error
        predict m on days
        show loss m on days with se
        """

    @Test("the truth is the series' own value, the errors are the table's, and the loss agrees in normalized units")
    func values() throws {
        let run = InstrumentTests.run(Self.script)
        #expect(run.status == .ok, "\(run.errors)")
        let r = run.result("predict m on days")
        let rows = try #require(r["sequences"] as? [[String: Any]])
        #expect(rows.count == 7)
        let units = try #require(r["units"] as? [String: Any])
        let mean = try #require(InstrumentTests.number(units["mean"])), std = try #require(InstrumentTests.number(units["std"]))
        #expect(abs(mean - Self.raw.reduce(0, +) / 10) <= 1e-12)
        var squares = 0.0, absolute = 0.0
        for (i, row) in rows.enumerated() {
            let truth = try #require((row["true"] as? [Double])?.first), predicted = try #require((row["predicted"] as? [Double])?.first)
            #expect(abs(truth - Self.raw[i + 3]) <= 1e-12, "window \(i + 1)")
            let inputs = InstrumentTests.matrix(row["inputs"]).map { $0[0] }
            #expect(zip(inputs, Self.raw[i..<(i + 3)]).allSatisfy { abs($0 - $1) <= 1e-12 })
            squares += (predicted - truth) * (predicted - truth)
            absolute += abs(predicted - truth)
        }
        #expect(abs(InstrumentTests.number(r["mae"])! - absolute / 7) <= 1e-12)
        #expect(abs(InstrumentTests.number(r["rmse"])! - (squares / 7).squareRoot()) <= 1e-12)
        // The loss in normalized units: the mean over windows of ½((P − T)/std)².
        let loss = try #require(InstrumentTests.number(run.cell("show loss m on days with se")["result"]))
        #expect(abs(loss - 0.5 * squares / (std * std) / 7) <= 1e-12, "\(loss)")
    }

    @Test("text: the table, the units line, and MAE and RMSE; the report plots predicted against true")
    func textAndReport() {
        let r = runScript(Self.script)
        #expect(r.status == .ok)
        #expect(r.output.contains("m on days: 7 sequences, each at its last step with a target\n    values in the series' units: normalized ×"), "\(r.output)")
        #expect(r.output.contains("  days[1]  12.0000 15.0000 11.0000") && r.output.contains("18.0000"), "\(r.output)")
        #expect(r.output.contains("MAE ") && r.output.contains("(in the series' units)"))
        let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { _ in })
        let report = HTMLReport(title: "forecast")
        runner.report = report
        #expect(runner.run(SourceFile(name: "f.rnn", text: Self.script)) == .ok)
        #expect(report.render().contains("Predicted and true values of m on days"))
    }

    @Test("a sequence of a plain series with outputs every: its last step; class targets get the answers table")
    func everyAndClasses() {
        let every = runScript("sequence s = inputs [1, 2, 3] targets [2, 3, 4]\nmodel m = rnn { input 1; hidden 2; output 1; readout linear }\npredict m on s")
        #expect(every.status == .ok && every.output.contains("m on s: 1 sequence, each at its last step with a target"), "\(every.output)")
        #expect(every.output.contains("4.0000"), "\(every.output)")
        let classes = runScript("vocab v = ['a', 'b']\nsequence s = \"abab\" over v predicting next\nmodel m = rnn { input v; hidden 2; output v }\npredict m on s")
        #expect(classes.status == .ok && classes.output.contains("m on s: 1 sequence, the most probable symbol at each step with a target"), "\(classes.output)")
        #expect(classes.output.contains("answers exactly right"), "\(classes.output)")
    }
}
