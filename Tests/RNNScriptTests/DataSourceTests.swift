import Foundation
import Testing
import RNNScript

// Data sources and what is built on them: series (lists, number files, CSV
// columns, normalized), datasets (lists, windows, lines of a file), derived
// vocabularies, split, mini-batch training with validation, sample, predict,
// let and precision; and paths relative to the script's folder.
//
// Data files are given in memory (TestHost.files), except for the command-line
// test, which writes a real folder.

// MARK: - Helpers

private let scriptName = "data.rnn"

private func makeHost(_ files: [String: String]) -> TestHost {
    let host = TestHost()
    host.files = files
    return host
}

/// Runs a script in process with the given data files.
private func run(_ script: String, _ files: [String: String] = [:]) -> RunResult {
    runScript(script, name: scriptName, host: makeHost(files))
}

/// A run in JSON mode: the raw lines, each parsed, the status and the errors.
private struct JSONRun {
    var lines: [String]
    var cells: [[String: Any]]
    var status: RunStatus
    var errors: String

    /// The results of the cells whose source is exactly `source`, in order.
    func results(_ source: String) -> [Any] {
        cells.filter { $0["source"] as? String == source }.compactMap { $0["result"] }
    }

    /// The result of the first cell whose source is exactly `source`.
    func result(_ source: String) -> [String: Any]? { results(source).first as? [String: Any] }

    /// The raw JSON line of the first cell whose source is exactly `source`.
    func line(_ source: String) -> String? {
        zip(lines, cells).first { $0.1["source"] as? String == source }?.0
    }
}

private func jsonRun(_ script: String, _ files: [String: String] = [:]) throws -> JSONRun {
    let result = runScript(script, name: scriptName, format: .json, host: makeHost(files))
    let lines = result.output.split(separator: "\n").map(String.init)
    var cells: [[String: Any]] = []
    for line in lines {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        cells.append(object)
    }
    return JSONRun(lines: lines, cells: cells, status: result.status, errors: result.errors)
}

private func number(_ any: Any?) -> Double? {
    switch any {
    case let d as Double: return d
    case let i as Int: return Double(i)
    case let n as NSNumber: return n.doubleValue
    default: return nil
    }
}

private func numbers(_ any: Any?) -> [Double]? {
    guard let array = any as? [Any] else { return nil }
    let values = array.compactMap(number)
    return values.count == array.count ? values : nil
}

/// The rows of a JSON matrix `{"shape": [r, c], "data": [[…], …]}`.
private func matrix(_ any: Any?) -> [[Double]]? {
    guard let object = any as? [String: Any], let data = object["data"] as? [Any] else { return nil }
    let rows = data.compactMap(numbers)
    return rows.count == data.count ? rows : nil
}

/// The first diagnostic printed: `FILE:LINE:COL: error: MESSAGE`.
private func firstError(_ errors: String) -> (line: Int, column: Int, message: String)? {
    guard let first = errors.split(separator: "\n").first else { return nil }
    let parts = first.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
    guard parts.count == 4, parts[0] == Substring(scriptName), let line = Int(parts[1]), let column = Int(parts[2]) else { return nil }
    let rest = parts[3]
    guard rest.hasPrefix(" error: ") else { return nil }
    return (line, column, String(rest.dropFirst(" error: ".count)))
}

/// The ids of the diagnostics a script gets, from the phase that reports them:
/// syntax, checking, or (in JSON) a cell's error.
private func diagnosticIDs(_ script: String, _ files: [String: String]) throws -> [String] {
    let (statements, syntax) = Parser.parse(SourceFile(name: scriptName, text: script))
    if !syntax.isEmpty { return syntax.map(\.message.id) }
    let host = makeHost(files)
    var checker = Checker(symbols: SymbolTable(), readFile: host.readFile)
    _ = checker.check(statements)
    if !checker.diagnostics.isEmpty { return checker.diagnostics.map(\.message.id) }
    return try jsonRun(script, files).cells.compactMap { ($0["error"] as? [String: Any])?["id"] as? String }
}

/// The indices of `dataset[i]` names in a raw JSON line, in order of appearance.
private func sequenceOrder(_ line: String, dataset: String) -> [Int] {
    var order: [Int] = []
    var rest = Substring(line)
    while let found = rest.range(of: "\"\(dataset)[") {
        rest = rest[found.upperBound...]
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        if let i = Int(digits) { order.append(i) }
    }
    return order
}

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

// MARK: - Broken data and declarations

/// A script with a data error, where its first diagnostic must be reported and what it says.
struct DataError: CustomTestStringConvertible, Sendable {
    var name: String
    var script: String
    var files: [String: String] = [:]
    /// The message case's id (`DiagnosticMessage.id`).
    var id: String
    var line: Int
    /// The caret points at the first occurrence of this text on `line`.
    var at: String
    var status: RunStatus
    /// Text the message must contain.
    var message: String
    var testDescription: String { name }
}

private let model4 = """
    vocab v = ['a', 'b', 'c', <stop>]
    model m = rnn { input 4; hidden 3; output 4 }

    """  // 2 lines: errors after it are on line 3

let dataErrors: [DataError] = [
    // series = [..]
    DataError(name: "series list with two values per row", script: "series s = [[1, 2], [3, 4]]",
              id: "invalid-declaration", line: 1, at: "[[1", status: .scriptError, message: "a series has one value per step; this list has 2 per row"),
    DataError(name: "empty series list", script: "series s = []",
              id: "empty-value", line: 1, at: "[]", status: .scriptError, message: "series s is empty"),
    // series = file
    DataError(name: "number file with a word", script: "series s = file \"x.txt\"", files: ["x.txt": "1 2, 3\n4 abc 5\n"],
              id: "bad-data-file", line: 1, at: "\"x.txt\"", status: .ioError, message: "x.txt:2: 'abc' is not a number"),
    DataError(name: "number file with an infinite number", script: "\nseries s = file \"x.txt\"", files: ["x.txt": "1\n\n\n1e999\n"],
              id: "bad-data-file", line: 2, at: "\"x.txt\"", status: .ioError, message: "x.txt:4: '1e999' is not a number"),
    DataError(name: "missing number file", script: "series s = file \"missing.txt\"",
              id: "file-not-found", line: 1, at: "\"missing.txt\"", status: .ioError, message: "no such file 'missing.txt'"),
    DataError(name: "empty number file", script: "series s = file \"x.txt\"", files: ["x.txt": " \n, ,\n"],
              id: "empty-value", line: 1, at: "\"x.txt\"", status: .scriptError, message: "series s (x.txt has no numbers) is empty"),
    // series = csv
    DataError(name: "missing CSV file", script: "seed 1\nseries s = csv \"nope.csv\" column \"temp\"",
              id: "file-not-found", line: 2, at: "\"nope.csv\"", status: .ioError, message: "no such file 'nope.csv'"),
    DataError(name: "unknown CSV column lists the header", script: "series s = csv \"x.csv\" column \"tmp\"", files: ["x.csv": "day,temp\n1,20\n"],
              id: "bad-data-file", line: 1, at: "\"x.csv\"", status: .ioError, message: "x.csv:1: no column 'tmp' (the header has: 'day', 'temp')"),
    DataError(name: "CSV column by name needs a header", script: "series s = csv \"x.csv\" column \"temp\"", files: ["x.csv": "1,20\n2,22\n"],
              id: "bad-data-file", line: 1, at: "\"x.csv\"", status: .ioError, message: "x.csv:1: no column 'temp' (the header has: '1', '20')"),
    DataError(name: "non-numeric CSV cell", script: "series s = csv \"x.csv\" column \"temp\"", files: ["x.csv": "day,temp\n1,20\n2,warm\n"],
              id: "bad-data-file", line: 1, at: "\"x.csv\"", status: .ioError, message: "x.csv:3: column 'temp' holds 'warm', not a number"),
    DataError(name: "non-numeric CSV cell by index counts blank lines", script: "series s = csv \"x.csv\" column 2", files: ["x.csv": "1,20\n\n2,x y\n"],
              id: "bad-data-file", line: 1, at: "\"x.csv\"", status: .ioError, message: "x.csv:3: column 2 holds 'x y', not a number"),
    DataError(name: "empty CSV cell", script: "series s = csv \"x.csv\" column \"temp\"", files: ["x.csv": "day,temp,note\n1,20,a\n2,,b\n"],
              id: "bad-data-file", line: 1, at: "\"x.csv\"", status: .ioError, message: "x.csv:3: column 'temp' is empty"),
    DataError(name: "short CSV row", script: "series s = csv \"x.csv\" column \"temp\"", files: ["x.csv": "day,temp\n1,20\n2,21\n3\n"],
              id: "bad-data-file", line: 1, at: "\"x.csv\"", status: .ioError, message: "x.csv:4: the row has no column 'temp' (only 1 cells)"),
    DataError(name: "CSV column index too large", script: "series s = csv \"x.csv\" column 3", files: ["x.csv": "day,temp\n1,20\n"],
              id: "bad-data-file", line: 1, at: "\"x.csv\"", status: .ioError, message: "x.csv:1: no column 3 (the first row has 2 columns)"),
    DataError(name: "CSV column index 0", script: "series s = csv \"x.csv\" column 0", files: ["x.csv": "day,temp\n1,20\n"],
              id: "bad-data-file", line: 1, at: "\"x.csv\"", status: .ioError, message: "x.csv:1: no column 0 (the first row has 2 columns)"),
    DataError(name: "empty CSV file", script: "series s = csv \"x.csv\" column 1", files: ["x.csv": "\n\n"],
              id: "bad-data-file", line: 1, at: "\"x.csv\"", status: .ioError, message: "x.csv:1: the file is empty"),
    DataError(name: "CSV with a header only", script: "series s = csv \"x.csv\" column \"temp\"", files: ["x.csv": "day,temp\n"],
              id: "bad-data-file", line: 1, at: "\"x.csv\"", status: .ioError, message: "x.csv:1: column 'temp' has no values"),
    // normalized
    DataError(name: "constant series cannot be normalized", script: "series flat = [2, 2, 2] normalized",
              id: "invalid-declaration", line: 1, at: "flat", status: .scriptError, message: "series flat is constant and cannot be normalized"),
    // series sequence
    DataError(name: "series sequence needs two values", script: "series s = [1]\nsequence q = series s predicting next",
              id: "empty-value", line: 2, at: "s predicting", status: .scriptError, message: "series s needs at least 2 values"),
    // windows
    DataError(name: "window as long as the series", script: "series s = [1, 2, 3]\ndataset d = windows of s size 3",
              id: "value-out-of-range", line: 2, at: "3", status: .scriptError, message: "window size 3 is out of range (1 to 2 for series s)"),
    DataError(name: "window size 0", script: "series s = [1, 2, 3]\ndataset d = windows of s size 0",
              id: "value-out-of-range", line: 2, at: "0", status: .scriptError, message: "window size 0 is out of range (1 to 2 for series s)"),
    DataError(name: "windows of a vocabulary", script: "vocab s = ['a']\ndataset d = windows of s size 1",
              id: "wrong-kind", line: 2, at: "s size", status: .scriptError, message: "'s' is a vocabulary, expected a series"),
    // dataset = [..]
    DataError(name: "dataset of an unknown sequence", script: "sequence a = inputs [1] targets [2]\ndataset d = [a, b]",
              id: "undefined-name", line: 2, at: "b]", status: .scriptError, message: "cannot find 'b'"),
    DataError(name: "dataset of a model", script: model4 + "dataset d = [m]",
              id: "wrong-kind", line: 3, at: "m]", status: .scriptError, message: "'m' is a model, expected a sequence or a dataset"),
    DataError(name: "empty dataset list", script: "dataset d = []",
              id: "empty-value", line: 1, at: "d =", status: .scriptError, message: "dataset d is empty"),
    // lines of … predicting next
    DataError(name: "line with a symbol outside the vocabulary", script: model4 + "dataset d = lines of \"f.txt\" over v predicting next",
              files: ["f.txt": "abc\n\nabx\n"], id: "symbol-not-in-vocabulary", line: 3, at: "\"f.txt\"", status: .scriptError,
              message: "symbol 'x' (f.txt line 3) at position 3 is not in vocabulary v"),
    DataError(name: "lines of an empty file", script: model4 + "dataset d = lines of \"f.txt\" over v predicting next",
              files: ["f.txt": ""], id: "empty-value", line: 3, at: "\"f.txt\"", status: .scriptError, message: "dataset d (f.txt has no lines) is empty"),
    DataError(name: "lines of a file with blank lines only", script: model4 + "dataset d = lines of \"f.txt\" over v predicting next",
              files: ["f.txt": "\n  \n\t\n"], id: "empty-value", line: 3, at: "\"f.txt\"", status: .scriptError, message: "dataset d (f.txt has no lines) is empty"),
    DataError(name: "lines of one-symbol lines without <stop>", script: "vocab v = ['a', 'b']\ndataset d = lines of \"f.txt\" over v predicting next",
              files: ["f.txt": "a\nb\n"], id: "empty-value", line: 2, at: "\"f.txt\"", status: .scriptError, message: "dataset d (f.txt has no lines) is empty"),
    DataError(name: "lines of a missing file", script: model4 + "dataset d = lines of \"gone.txt\" over v predicting next",
              id: "file-not-found", line: 3, at: "\"gone.txt\"", status: .ioError, message: "no such file 'gone.txt'"),
    DataError(name: "lines over a model", script: model4 + "dataset d = lines of \"f.txt\" over m predicting next", files: ["f.txt": "ab\n"],
              id: "wrong-kind", line: 3, at: "m predicting", status: .scriptError, message: "'m' is a model, expected a vocabulary"),
    // lines of … tagged over
    DataError(name: "tag count differs from the symbol count", script: "vocab c = ['a', 'b', 'c']\nvocab t = [\"X\", \"Y\"]\ndataset d = lines of \"f.txt\" over c tagged over t",
              files: ["f.txt": "a/X b/Y\nab/X c/Y\n"], id: "bad-data-file", line: 3, at: "\"f.txt\"", status: .ioError, message: "f.txt:2: 3 symbols but 2 tags"),
    DataError(name: "token without a tag", script: "vocab w = [\"the\", \"dog\"]\nvocab t = [\"DET\", \"NOUN\"]\ndataset d = lines of \"f.txt\" over w tagged over t",
              files: ["f.txt": "the/DET dog/NOUN\nthe/DET dog\n"], id: "bad-data-file", line: 3, at: "\"f.txt\"", status: .ioError,
              message: "f.txt:2: 'dog' is not of the form word/TAG"),
    DataError(name: "token with an empty tag", script: "vocab w = [\"the\", \"dog\"]\nvocab t = [\"DET\", \"NOUN\"]\ndataset d = lines of \"f.txt\" over w tagged over t",
              files: ["f.txt": "the/DET dog/\n"], id: "bad-data-file", line: 3, at: "\"f.txt\"", status: .ioError,
              message: "f.txt:1: 'dog/' is not of the form word/TAG"),
    DataError(name: "token with an empty word", script: "vocab w = [\"the\", \"dog\"]\nvocab t = [\"DET\", \"NOUN\"]\ndataset d = lines of \"f.txt\" over w tagged over t",
              files: ["f.txt": "/DET dog/NOUN\n"], id: "bad-data-file", line: 3, at: "\"f.txt\"", status: .ioError,
              message: "f.txt:1: '/DET' is not of the form word/TAG"),
    DataError(name: "tag outside the tag vocabulary", script: "vocab w = [\"the\", \"dog\", \"runs\"]\nvocab t = [\"DET\", \"NOUN\"]\ndataset d = lines of \"f.txt\" over w tagged over t",
              files: ["f.txt": "the/DET dog/NOUN\nthe/DET dog/NOUN runs/VERB\n"], id: "symbol-not-in-vocabulary", line: 3, at: "\"f.txt\"", status: .scriptError,
              message: "symbol \"VERB\" (f.txt line 2) at position 3 is not in vocabulary t"),
    DataError(name: "tagged word outside the vocabulary", script: "vocab w = [\"the\", \"dog\"]\nvocab t = [\"DET\", \"NOUN\"]\ndataset d = lines of \"f.txt\" over w tagged over t",
              files: ["f.txt": "\nthe/DET cat/NOUN\n"], id: "symbol-not-in-vocabulary", line: 3, at: "\"f.txt\"", status: .scriptError,
              message: "symbol \"cat\" (f.txt line 2) at position 2 is not in vocabulary w"),
    // lines of … labelled over
    DataError(name: "labelled line without a text", script: "vocab w = [\"good\"]\nvocab l = [\"pos\", \"neg\"]\ndataset d = lines of \"f.txt\" over w labelled over l",
              files: ["f.txt": "pos good\nneg\n"], id: "bad-data-file", line: 3, at: "\"f.txt\"", status: .ioError, message: "f.txt:2: a labelled line needs a label and a text"),
    DataError(name: "label outside the label vocabulary", script: "vocab w = [\"good\"]\nvocab l = [\"pos\", \"neg\"]\ndataset d = lines of \"f.txt\" over w labelled over l",
              files: ["f.txt": "pos good\nmeh good\n"], id: "symbol-not-in-vocabulary", line: 3, at: "\"f.txt\"", status: .scriptError,
              message: "symbol \"meh\" (f.txt line 2) at position 1 is not in vocabulary l"),
    // derived vocabularies
    DataError(name: "tags of a plain file", script: "vocab t = tags of \"f.txt\"", files: ["f.txt": "the/DET\n"],
              id: "invalid-declaration", line: 1, at: "\"f.txt\"", status: .scriptError, message: "'tags of' needs a tagged file: write 'tags of tagged \"…\"'"),
    DataError(name: "labels of a plain file", script: "vocab l = labels of \"f.txt\"", files: ["f.txt": "pos good\n"],
              id: "invalid-declaration", line: 1, at: "\"f.txt\"", status: .scriptError, message: "'labels of' needs a labelled file"),
    DataError(name: "tags of a labelled file", script: "vocab l = tags of labelled \"f.txt\"", files: ["f.txt": "pos good\n"],
              id: "invalid-declaration", line: 1, at: "\"f.txt\"", status: .scriptError, message: "'tags of' needs a tagged file"),
    DataError(name: "labels of a tagged file", script: "vocab l = labels of tagged \"f.txt\"", files: ["f.txt": "the/DET\n"],
              id: "invalid-declaration", line: 1, at: "\"f.txt\"", status: .scriptError, message: "'labels of' needs a labelled file"),
    DataError(name: "chars of an empty file", script: "vocab c = chars of \"f.txt\"", files: ["f.txt": ""],
              id: "empty-value", line: 1, at: "\"f.txt\"", status: .scriptError, message: "vocabulary c (f.txt has no symbols) is empty"),
    DataError(name: "chars of a missing file", script: "vocab c = chars of \"nothing.txt\"",
              id: "file-not-found", line: 1, at: "\"nothing.txt\"", status: .ioError, message: "no such file 'nothing.txt'"),
    DataError(name: "words of a malformed tagged file", script: "vocab w = words of tagged \"f.txt\"", files: ["f.txt": "the/DET\nthe dog/NOUN\n"],
              id: "bad-data-file", line: 1, at: "\"f.txt\"", status: .ioError, message: "f.txt:2: 'the' is not of the form word/TAG"),
    // split
    DataError(name: "split fraction above 1", script: "series s = [1, 2, 3, 4, 5]\ndataset d = windows of s size 1\nsplit d into a, b at 1.5",
              id: "value-out-of-range", line: 3, at: "1.5", status: .scriptError, message: "split fraction 1.5 is out of range (between 0 and 1)"),
    DataError(name: "split fraction 0", script: "series s = [1, 2, 3, 4, 5]\ndataset d = windows of s size 1\nsplit d into a, b at 0",
              id: "value-out-of-range", line: 3, at: "0", status: .scriptError, message: "split fraction 0 is out of range (between 0 and 1)"),
    DataError(name: "split leaving a part empty", script: "series s = [1, 2, 3, 4]\ndataset d = windows of s size 1\nsplit d into a, b at 0.1",
              id: "invalid-declaration", line: 3, at: "0.1", status: .scriptError, message: "splitting 3 sequences at 0.1 leaves a part empty"),
    DataError(name: "split of a sequence", script: "sequence q = inputs [1] targets [2]\nsplit q into a, b at 0.5",
              id: "wrong-kind", line: 2, at: "q into", status: .scriptError, message: "'q' is a sequence, expected a dataset"),
    // train options
    DataError(name: "batch size 0", script: "series s = [1, 2, 3, 4]\ndataset d = windows of s size 1\nmodel m = rnn { input 1; hidden 2; output 1; readout linear; outputs last }\nloss l = squared_error\noptimizer o = sgd\ntrain m on d with l, o for 1 epochs, batch 0",
              id: "value-out-of-range", line: 6, at: "0", status: .scriptError, message: "batch size 0 is out of range (1 to 65536)"),
    DataError(name: "validation set that does not fit", script: "series s = [1, 2, 3, 4]\ndataset d = windows of s size 1\nsequence wide = inputs [[1, 2]] targets [3]\nmodel m = rnn { input 1; hidden 2; output 1; readout linear; outputs last }\nloss l = squared_error\noptimizer o = sgd\ntrain m on d with l, o for 1 epochs, validate on wide",
              id: "input-width-mismatch", line: 7, at: "m on", status: .scriptError, message: "model m expects input width 1, sequence wide has inputs of width 2"),
    // sample
    DataError(name: "sample from a linear readout", script: "vocab v = ['a', 'b']\nmodel m = rnn { input 2; hidden 3; output 2; readout linear }\nsample m over v from \"a\"",
              id: "invalid-declaration", line: 3, at: "m over", status: .scriptError, message: "sampling needs a softmax readout; model m has linear"),
    DataError(name: "sample from a model of the wrong input width", script: "vocab v = ['a', 'b', 'c', <stop>]\nmodel m = rnn { input 3; hidden 3; output 4 }\nsample m over v from \"a\"",
              id: "input-width-mismatch", line: 3, at: "m over", status: .scriptError,
              message: "model m expects input width 3, sequence over v is one-hot over 4 symbols (sampling feeds each output back as the next input)"),
    DataError(name: "sample from a model of the wrong output width", script: "vocab v = ['a', 'b', 'c', <stop>]\nmodel m = rnn { input 4; hidden 3; output 3 }\nsample m over v from \"a\"",
              id: "input-width-mismatch", line: 3, at: "m over", status: .scriptError, message: "sampling feeds each output back as the next input"),
    DataError(name: "sample from outputs last", script: "vocab v = ['a', 'b']\nmodel m = rnn { input 2; hidden 3; output 2; outputs last }\nsample m over v from \"a\"",
              id: "invalid-declaration", line: 3, at: "m over", status: .scriptError, message: "sampling needs 'outputs every'"),
    DataError(name: "prime with an unknown symbol", script: model4 + "sample m over v from \"abz\" length 3",
              id: "symbol-not-in-vocabulary", line: 3, at: "z\"", status: .scriptError, message: "symbol 'z' at position 3 is not in vocabulary v"),
    DataError(name: "empty prime", script: model4 + "sample m over v from \"\"",
              id: "empty-value", line: 3, at: "\"\"", status: .scriptError, message: "the text to start from is empty"),
    DataError(name: "until an unknown symbol", script: model4 + "sample m over v from \"a\" until <end>",
              id: "symbol-not-in-vocabulary", line: 3, at: "<end>", status: .scriptError, message: "symbol <end> at position 1 is not in vocabulary v"),
    DataError(name: "negative temperature", script: model4 + "sample m over v from \"a\" temperature -1",
              id: "value-out-of-range", line: 3, at: "-1", status: .scriptError, message: "temperature -1 is out of range"),
    DataError(name: "sample length 0", script: model4 + "sample m over v from \"a\" length 0",
              id: "value-out-of-range", line: 3, at: "0", status: .scriptError, message: "length 0 is out of range (1 to 100000)"),
    DataError(name: "sample over a model", script: model4 + "sample m over m from \"a\"",
              id: "wrong-kind", line: 3, at: "m from", status: .scriptError, message: "'m' is a model, expected a vocabulary"),
    // predict
    DataError(name: "predict with real-valued targets", script: "sequence q = inputs [1, 2] targets [2, 3]\nmodel r = rnn { input 1; hidden 2; output 1; readout linear }\nshow predict r on q",
              id: "invalid-declaration", line: 3, at: "predict", status: .scriptError, message: "predict needs targets that are symbols of a vocabulary"),
    DataError(name: "predict on a dataset with real-valued targets", script: "series s = [1, 2, 3]\ndataset d = windows of s size 1\nmodel r = rnn { input 1; hidden 2; output 1; readout linear; outputs last }\nexpect predict r on d == \"x\"",
              id: "invalid-declaration", line: 4, at: "predict", status: .scriptError, message: "predict needs targets that are symbols of a vocabulary"),
    // let
    DataError(name: "let used before it is bound", script: "show x + 1\nlet x = 2",
              id: "undefined-name", line: 1, at: "x", status: .scriptError, message: "cannot find 'x'"),
    DataError(name: "let of an unknown name", script: "let x = 1\nlet y = z * 2",
              id: "undefined-name", line: 2, at: "z", status: .scriptError, message: "cannot find 'z'"),
    DataError(name: "let of a bad product is found by the checker", script: "let x = [[1, 2]] @ [[1, 2]]",
              id: "invalid-expression", line: 1, at: "[[1, 2]] @", status: .scriptError, message: "matrix product needs inner sizes to agree: 1×2 @ 1×2"),
    // precision
    DataError(name: "unknown precision", script: "precision float16",
              id: "unknown-choice", line: 1, at: "float16", status: .scriptError, message: "unknown precision 'float16'"),
]

@Suite("Data sources, datasets, sampling and prediction")
struct DataSourceTests {

    // MARK: Errors

    @Test("each data error is reported where expected, with its message and exit status", arguments: dataErrors)
    func dataError(_ case_: DataError) throws {
        let result = run(case_.script, case_.files)
        #expect(result.status == case_.status, "exit status: \(result.errors)")
        let lines = case_.script.split(separator: "\n", omittingEmptySubsequences: false)
        let sourceLine = try #require(lines.indices.contains(case_.line - 1) ? String(lines[case_.line - 1]) : nil)
        let marker = try #require(sourceLine.range(of: case_.at), "'\(case_.at)' is not on line \(case_.line)")
        let column = sourceLine.utf8.distance(from: sourceLine.startIndex, to: marker.lowerBound) + 1
        let first = try #require(firstError(result.errors), "no diagnostic in: \(result.errors)")
        #expect(first.line == case_.line && first.column == column,
                "reported at \(first.line):\(first.column), expected \(case_.line):\(column): \(result.errors)")
        #expect(first.message.contains(case_.message), "message: \(first.message)")
        #expect(try diagnosticIDs(case_.script, case_.files).first == case_.id)
        if case_.status != .runtimeError {
            // Data files are read while checking: no cell runs.
            #expect(result.output.isEmpty, "no cell runs when the data cannot be read: \(result.output)")
        }
    }

    // MARK: Series

    @Test("series = [..]: one value per step, usable as a matrix")
    func literalSeries() throws {
        let script = """
            series s = [1, -2.5, 3e1,
                        4]
            series t = [[1], [2]]
            show s.values
            expect sum(s.values) == 32.5
            show shape(s.values)
            """
        let json = try jsonRun(script)
        #expect(json.status == .ok, "\(json.errors)")
        #expect(numbers(json.result("series s = [1, -2.5, 3e1,\n            4]")?["values"]) == [1, -2.5, 30, 4])
        #expect(numbers(json.result("series t = [[1], [2]]")?["values"]) == [1, 2])
        #expect(matrix(json.result("show s.values")) == [[1], [-2.5], [30], [4]])
        #expect(matrix(json.result("show shape(s.values)")) == [[4, 1]])
        let text = run(script)
        #expect(text.output.contains("s: 4 values  1.0000 -2.5000 30.0000 4.0000"), "\(text.output)")
        #expect(text.output.contains("min -2.5000, max 30.0000, mean 8.1250"))
    }

    @Test("series = file: numbers separated by white space and commas, over several lines")
    func fileSeries() throws {
        let files = ["x.txt": "1 2, 3\n4.5\t-1e1\n\n  7,,8 \n+9", "two.txt": "0.25 0.5 2"]
        let json = try jsonRun("series s = file \"x.txt\"\nseries c = file \"two.txt\"\nsequence q = series c predicting next", files)
        #expect(json.status == .ok, "\(json.errors)")
        #expect(numbers(json.result("series s = file \"x.txt\"")?["values"]) == [1, 2, 3, 4.5, -10, 7, 8, 9])
        #expect(numbers(json.result("series c = file \"two.txt\"")?["values"]) == [0.25, 0.5, 2])
        // A series predicting next: inputs v_1 … v_{T-1}, targets v_2 … v_T.
        let q = try #require(json.result("sequence q = series c predicting next"))
        #expect(matrix(q["inputs"]) == [[0.25], [0.5]])
        #expect(matrix(q["targets"]) == [[0.5], [2]])
    }

    /// One data file with Windows line ends ("\r\n") read by one declaration.
    struct CRLFCase: CustomTestStringConvertible, Sendable {
        var name: String
        var file: String
        var declaration: String
        var key: String
        var expected: [String]
        var testDescription: String { name }
    }

    static let crlfCases: [CRLFCase] = [
        CRLFCase(name: "numbers", file: "0.25\r\n0.5\r\n", declaration: "series s = file \"f\"", key: "values", expected: ["0.25", "0.5"]),
        CRLFCase(name: "CSV column by name", file: "day,temp\r\n1,20\r\n2,22.5\r\n3,25\r\n", declaration: "series s = csv \"f\" column \"temp\"",
                 key: "values", expected: ["20.0", "22.5", "25.0"]),
        CRLFCase(name: "CSV column by index", file: "1,20\r\n2,22.5\r\n", declaration: "series s = csv \"f\" column 1",
                 key: "values", expected: ["1.0", "2.0"]),
        CRLFCase(name: "words of a text", file: "the cat\r\nsat\r\n", declaration: "vocab w = words of \"f\"",
                 key: "symbols", expected: ["cat", "sat", "the"]),
        CRLFCase(name: "words of a tagged file", file: "the/DET dog/NOUN\r\na/DET cat/NOUN\r\n", declaration: "vocab w = words of tagged \"f\"",
                 key: "symbols", expected: ["a", "cat", "dog", "the"]),
        CRLFCase(name: "tags of a tagged file", file: "the/DET dog/NOUN\r\na/DET cat/NOUN\r\n", declaration: "vocab w = tags of tagged \"f\"",
                 key: "symbols", expected: ["DET", "NOUN"]),
        CRLFCase(name: "labels of a labelled file", file: "pos good film\r\nneg bad\r\n", declaration: "vocab l = labels of labelled \"f\"",
                 key: "symbols", expected: ["neg", "pos"]),
        CRLFCase(name: "words of a labelled file", file: "pos good film\r\nneg bad\r\n", declaration: "vocab l = words of labelled \"f\"",
                 key: "symbols", expected: ["bad", "film", "good"]),
        CRLFCase(name: "lines of a file", file: "ab\r\nba\r\nb\r\n", declaration: "vocab v = ['a', 'b', <stop>]\ndataset d = lines of \"f\" over v predicting next",
                 key: "lengths", expected: ["2.0", "2.0", "1.0"]),
    ]

    @Test("a data file with CRLF line ends reads like one with LF line ends", arguments: crlfCases)
    func crlfLineEnds(_ case_: CRLFCase) throws {
        let json = try jsonRun(case_.declaration, ["f": case_.file])
        #expect(json.status == .ok, "\(json.errors)")
        let source = String(case_.declaration.split(separator: "\n").last!)
        let value = json.result(source)?[case_.key]
        let shown = (value as? [String]) ?? numbers(value)?.map { "\($0)" }
        #expect(shown == case_.expected, "\(json.errors)")
    }

    @Test("series = csv: a column by header name or by 1-based index")
    func csvSeries() throws {
        let files = [
            "h.csv": "day,\"temp, °C\",note\n1,20,a\n\n2,22.5,\"b,c\"\n3, -1 ,\"say \"\"hi\"\"\"\n",
            "n.csv": "1,20\n2,22\n3,24\n",
            "mixed.csv": "1,a\n2,3\n",
        ]
        let script = """
            series byName = csv "h.csv" column "temp, °C"
            series byIndex = csv "h.csv" column 2
            series days = csv "h.csv" column 1
            series noHeader = csv "n.csv" column 2
            series first = csv "n.csv" column 1
            series numericThere = csv "mixed.csv" column 1
            series headerThere = csv "mixed.csv" column 2
            """
        let json = try jsonRun(script, files)
        #expect(json.status == .ok, "\(json.errors)")
        func values(_ name: String) -> [Double]? {
            let source = script.split(separator: "\n").first { $0.hasPrefix("series \(name) ") }.map(String.init) ?? ""
            return numbers(json.result(source)?["values"])
        }
        // Quoted cells may hold commas and doubled quotes; cells are trimmed; blank lines are skipped.
        #expect(values("byName") == [20, 22.5, -1])
        // By index, a first row that is not a number in that column is a header.
        #expect(values("byIndex") == [20, 22.5, -1])
        #expect(values("days") == [1, 2, 3])
        // Without a header, the first row is data.
        #expect(values("noHeader") == [20, 22, 24])
        #expect(values("first") == [1, 2, 3])
        // "A header" is decided in the column asked for.
        #expect(values("numericThere") == [1, 2])
        #expect(values("headerThere") == [3])
    }

    @Test("normalized: mean 0 and standard deviation 1, and the text prints the mean and std")
    func normalizedSeries() throws {
        let files = ["x.csv": "v\n2\n4\n4\n4\n5\n5\n7\n9\n"]
        let script = """
            series raw = csv "x.csv" column "v"
            series z = csv "x.csv" column "v" normalized
            series l = [1, 2, 3, 4, 5] normalized
            expect mean(z.values) == 0 within 1e-12
            expect mean(z.values * z.values) == 1 within 1e-12
            expect z.values == (raw.values - 5) / 2 within 1e-12
            expect mean(l.values) == 0 within 1e-12
            expect mean(l.values * l.values) == 1 within 1e-12
            """
        let json = try jsonRun(script, files)
        #expect(json.status == .ok, "\(json.errors)")
        #expect(numbers(json.result("series z = csv \"x.csv\" column \"v\" normalized")?["values"]) == [-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2])
        let l = try #require(numbers(json.result("series l = [1, 2, 3, 4, 5] normalized")?["values"]))
        let s2 = 2.0.squareRoot()
        #expect(zip(l, [-2 / s2, -1 / s2, 0, 1 / s2, 2 / s2]).allSatisfy { close($0, $1) }, "\(l)")
        let text = run(script, files)
        #expect(text.status == .ok)
        // Population mean and std: (value − 5) / 2, and (value − 3) / √2.
        #expect(text.output.contains("normalized: (value - 5.0000) / 2.0000"), "\(text.output)")
        #expect(text.output.contains("normalized: (value - 3.0000) / 1.4142"))
        #expect(text.output.contains("expectations: 5 passed, 0 failed"))
        // A plain series prints its mean instead.
        #expect(text.output.contains("raw: 8 values  2.0000 4.0000 4.0000 4.0000 5.0000 5.0000 7.0000 9.0000"))
        #expect(text.output.contains("min 2.0000, max 9.0000, mean 5.0000"))
    }

    // MARK: Datasets

    /// A linear cell with s_t = x_t + s_{t−1} and y = s_T: the output is the window's sum.
    private static let summingModel = """
        model m = rnn { input 1; hidden 1; output 1; state linear; readout linear; outputs last; bias off }
        set m.U = [[1]]
        set m.W = [[1]]
        set m.V = [[1]]
        loss mse = squared_error
        """

    @Test("windows of S size K: T − K windows, inputs v_i … v_{i+K−1} and target v_{i+K}")
    func windows() throws {
        let script = """
            series s = [1, 2, 4, 7, 11, 16]
            dataset d = windows of s size 2
            dataset one = windows of s size 5
            dataset all = windows of s size 1
            \(Self.summingModel)
            forward m on d
            expect loss m on d with mse == 0.75
            """
        let json = try jsonRun(script)
        #expect(json.status == .ok, "\(json.errors)")
        let d = try #require(json.result("dataset d = windows of s size 2"))
        #expect(number(d["sequences"]) == 4)
        #expect(numbers(d["lengths"]) == [2, 2, 2, 2])
        #expect(number(json.result("dataset one = windows of s size 5")?["sequences"]) == 1)
        #expect(numbers(json.result("dataset all = windows of s size 1")?["lengths"]) == [1, 1, 1, 1, 1])
        // Every window's sum against its target: (1+2 → 4), (2+4 → 7), (4+7 → 11), (7+11 → 16).
        let forward = try #require(json.result("forward m on d"))
        let losses = try #require(forward["losses"] as? [String: Any])
        #expect(number(losses["d[1]"]) == 0.5)
        #expect(number(losses["d[2]"]) == 0.5)
        #expect(number(losses["d[3]"]) == 0)
        #expect(number(losses["d[4]"]) == 2)
        #expect(number(forward["loss"]) == 0.75)
        #expect(sequenceOrder(try #require(json.line("forward m on d")), dataset: "d") == [1, 2, 3, 4])

        let text = run(script)
        #expect(text.output.contains("""
                d: 4 sequences, 2 to 2 steps
                  d[1]: 2 inputs of width 1, 1 targets of width 1
                    inputs   [1.0000] [2.0000]
                    targets  [4.0000]
                  d[2]: 2 inputs of width 1, 1 targets of width 1
                    inputs   [2.0000] [4.0000]
                    targets  [7.0000]
                  d[3]: 2 inputs of width 1, 1 targets of width 1
                    inputs   [4.0000] [7.0000]
                    targets  [11.0000]
                  … 1 more
            """), "\(text.output)")
        #expect(text.output.contains("one[1]: 5 inputs of width 1, 1 targets of width 1"))
        #expect(text.output.contains("inputs   [1.0000] [2.0000] [4.0000] [7.0000] [11.0000]"))
        #expect(text.output.contains("targets  [16.0000]"))
    }

    @Test("dataset = [s1, s2]: the sequences in order; a dataset inside a list is flattened")
    func datasetList() throws {
        let script = """
            sequence a = inputs [1, 2] targets [3]
            sequence b = inputs [5] targets [6]
            dataset d = [a, b,]
            dataset e = [d, a]
            \(Self.summingModel)
            forward m on e
            """
        let json = try jsonRun(script)
        #expect(json.status == .ok, "\(json.errors)")
        #expect(number(json.result("dataset d = [a, b,]")?["sequences"]) == 2)
        #expect(numbers(json.result("dataset d = [a, b,]")?["lengths"]) == [2, 1])
        #expect(numbers(json.result("dataset e = [d, a]")?["lengths"]) == [2, 1, 2])
        // a: 1 + 2 = 3 (loss 0), b: 5 vs 6 (loss 0.5); the mean over three sequences.
        #expect(number(json.result("forward m on e")?["loss"]).map { close($0, 1.0 / 6) } == true)
    }

    @Test("lines of a file predicting next: one sequence per non-empty line, with and without <stop>")
    func linesPredictingNext() throws {
        let files = ["f.txt": "abc\n\nba\nc"]
        let script = """
            vocab s = ['a', 'b', 'c', <stop>]
            vocab p = ['a', 'b', 'c']
            dataset withStop = lines of "f.txt" over s predicting next
            dataset plain = lines of "f.txt" over p predicting next
            show withStop
            show plain
            """
        let json = try jsonRun(script, files)
        #expect(json.status == .ok, "\(json.errors)")
        #expect(numbers(json.result("dataset withStop = lines of \"f.txt\" over s predicting next")?["lengths"]) == [3, 2, 1])
        // Without <stop> the last symbol is only a target; a one-symbol line gives nothing.
        #expect(numbers(json.result("dataset plain = lines of \"f.txt\" over p predicting next")?["lengths"]) == [2, 1])
        let text = run(script, files)
        #expect(text.output.contains("""
                  withStop[1]: 3 inputs of width 4, 3 targets of width 4
                    inputs   a b c   (one-hot over s)
                    targets  b c <stop>   (classes of s)
                  withStop[2]: 2 inputs of width 4, 2 targets of width 4
                    inputs   b a   (one-hot over s)
                    targets  a <stop>   (classes of s)
                  withStop[3]: 1 inputs of width 4, 1 targets of width 4
                    inputs   c   (one-hot over s)
                    targets  <stop>   (classes of s)
            """), "\(text.output)")
        #expect(text.output.contains("""
                  plain[1]: 2 inputs of width 3, 2 targets of width 3
                    inputs   a b   (one-hot over p)
                    targets  b c   (classes of p)
                  plain[2]: 1 inputs of width 3, 1 targets of width 3
                    inputs   b   (one-hot over p)
                    targets  a   (classes of p)
            """))
    }

    @Test("lines of a file over a word vocabulary split each line on white space")
    func linesOfWords() throws {
        let files = ["w.txt": "the cat\n  the  cat\tsat \n"]
        let json = try jsonRun("vocab w = [\"the\", \"cat\", \"sat\", <stop>]\ndataset d = lines of \"w.txt\" over w predicting next\nshow d", files)
        #expect(json.status == .ok, "\(json.errors)")
        #expect(numbers(json.result("show d")?["lengths"]) == [2, 3])
        let text = run("vocab w = [\"the\", \"cat\", \"sat\", <stop>]\ndataset d = lines of \"w.txt\" over w predicting next", files)
        #expect(text.output.contains("inputs   the cat sat   (one-hot over w)"), "\(text.output)")
        #expect(text.output.contains("targets  cat sat <stop>   (classes of w)"))
    }

    @Test("lines tagged over a tag vocabulary: one tag per word; labelled: one label per line")
    func taggedAndLabelledLines() throws {
        let files = [
            "pos.txt": "the/DET dog/NOUN\n\na/DET big/ADJ cat/NOUN\n",
            "reviews.txt": "pos good film\n\nneg  bad film \n",
        ]
        let script = """
            vocab words = words of tagged "pos.txt"
            vocab tags = tags of tagged "pos.txt"
            dataset tagged = lines of "pos.txt" over words tagged over tags
            vocab rw = words of labelled "reviews.txt"
            vocab sentiment = labels of labelled "reviews.txt"
            dataset reviews = lines of "reviews.txt" over rw labelled over sentiment
            model reader = rnn { input rw; hidden 3; output sentiment; outputs last }
            model tagger = rnn { input words; hidden 3; output tags }
            forward reader on reviews
            forward tagger on tagged
            """
        let json = try jsonRun(script, files)
        #expect(json.status == .ok, "\(json.errors)")
        #expect(numbers(json.result("dataset tagged = lines of \"pos.txt\" over words tagged over tags")?["lengths"]) == [2, 3])
        #expect(numbers(json.result("dataset reviews = lines of \"reviews.txt\" over rw labelled over sentiment")?["lengths"]) == [2, 2])
        // Small initial weights make every prediction nearly uniform: a loss of about ln k per target.
        // One target per review (ln 2), one tag per word (2 ln 3 and 3 ln 3).
        let reviews = try #require(json.result("forward reader on reviews")?["losses"] as? [String: Any])
        let tagged = try #require(json.result("forward tagger on tagged")?["losses"] as? [String: Any])
        #expect(Set(reviews.keys) == ["reviews[1]", "reviews[2]"])
        #expect(reviews.values.compactMap(number).allSatisfy { abs($0 - log(2)) < 0.15 }, "\(reviews)")
        #expect(number(tagged["tagged[1]"]).map { abs($0 - 2 * log(3)) < 0.15 } == true, "\(tagged)")
        #expect(number(tagged["tagged[2]"]).map { abs($0 - 3 * log(3)) < 0.15 } == true, "\(tagged)")
    }

    @Test("tagged and labelled datasets show their inputs and targets")
    func taggedAndLabelledContents() throws {
        let files = [
            "pos.txt": "the/DET dog/NOUN\n\na/DET big/ADJ cat/NOUN\n",
            "chars.txt": "a/X b/Y\nb/Y\n",
            "reviews.txt": "pos good film\n\nneg  bad film \n",
        ]
        let script = """
            vocab words = words of tagged "pos.txt"
            vocab tags = tags of tagged "pos.txt"
            dataset tagged = lines of "pos.txt" over words tagged over tags
            vocab letters = chars of tagged "chars.txt"
            vocab xy = tags of tagged "chars.txt"
            dataset perChar = lines of "chars.txt" over letters tagged over xy
            vocab rw = words of labelled "reviews.txt"
            vocab sentiment = labels of labelled "reviews.txt"
            dataset reviews = lines of "reviews.txt" over rw labelled over sentiment
            """
        let text = run(script, files)
        #expect(text.status == .ok, "\(text.errors)")
        #expect(text.output.contains("""
                  tagged[1]: 2 inputs of width 5, 2 targets of width 3
                    inputs   the dog   (one-hot over words)
                    targets  DET NOUN   (classes of tags)
                  tagged[2]: 3 inputs of width 5, 3 targets of width 3
                    inputs   a big cat   (one-hot over words)
                    targets  DET ADJ NOUN   (classes of tags)
            """), "\(text.output)")
        #expect(text.output.contains("""
                  perChar[1]: 2 inputs of width 2, 2 targets of width 2
                    inputs   a b   (one-hot over letters)
                    targets  X Y   (classes of xy)
            """))
        #expect(text.output.contains("""
                  reviews[1]: 2 inputs of width 3, 1 targets of width 2
                    inputs   good film   (one-hot over rw)
                    targets  pos   (classes of sentiment)
                  reviews[2]: 2 inputs of width 3, 1 targets of width 2
                    inputs   bad film   (one-hot over rw)
                    targets  neg   (classes of sentiment)
            """))
    }

    // MARK: Derived vocabularies

    @Test("derived vocabularies: the distinct symbols in Unicode order, then the extra ones")
    func derivedVocabularies() throws {
        let files = [
            "t.txt": "cab\nZé a\u{FF5A}😀",
            "w.txt": "the cat\nThe  dog\tcat\n",
            "pos.txt": "the/DET dog/NOUN\n1/2/NUM dog/NOUN\n",
            "reviews.txt": "pos good film\nneg bad\nneutral film\n",
        ]
        let script = """
            vocab c = chars of "t.txt"
            vocab cs = chars of "t.txt" with <stop>
            vocab ca = chars of "t.txt" with 'a', <stop>, <pad>
            vocab w = words of "w.txt"
            vocab ws = words of "w.txt" with <stop>
            vocab tw = words of tagged "pos.txt"
            vocab tc = chars of tagged "pos.txt"
            vocab tt = tags of tagged "pos.txt"
            vocab lw = words of labelled "reviews.txt"
            vocab lc = chars of labelled "reviews.txt"
            vocab ll = labels of labelled "reviews.txt" with <unknown>
            """
        let json = try jsonRun(script, files)
        #expect(json.status == .ok, "\(json.errors)")
        func symbols(_ name: String) -> [String]? {
            let source = script.split(separator: "\n").first { $0.hasPrefix("vocab \(name) ") }.map(String.init) ?? ""
            return json.result(source)?["symbols"] as? [String]
        }
        // By code point: \n (10) < ' ' (32) < Z < a b c < é (U+E9) < ｚ (U+FF5A) < 😀 (U+1F600) —
        // not UTF-16 order, which would put 😀 (a surrogate pair, 0xD83D…) before ｚ.
        let chars = ["\n", " ", "Z", "a", "b", "c", "é", "\u{FF5A}", "😀"]
        #expect(symbols("c") == chars)
        #expect(symbols("cs") == chars + ["<stop>"])
        // An extra symbol that is already there is not added again.
        #expect(symbols("ca") == chars + ["<stop>", "<pad>"])
        #expect(symbols("w") == ["The", "cat", "dog", "the"])
        #expect(symbols("ws") == ["The", "cat", "dog", "the", "<stop>"])
        // A word may hold a slash: the tag is after the last one.
        #expect(symbols("tw") == ["1/2", "dog", "the"])
        #expect(symbols("tc") == ["/", "1", "2", "d", "e", "g", "h", "o", "t"])
        #expect(symbols("tt") == ["DET", "NOUN", "NUM"])
        #expect(symbols("lw") == ["bad", "film", "good"])
        #expect(symbols("lc") == [" ", "a", "b", "d", "f", "g", "i", "l", "m", "o"])
        #expect(symbols("ll") == ["neg", "neutral", "pos", "<unknown>"])

        let text = run(script, files)
        #expect(text.output.contains("c: 9 symbols  \\n ␣ Z a b c é \u{FF5A} 😀"), "\(text.output)")
        #expect(text.output.contains("cs: 10 symbols"))
        #expect(text.output.contains("w: 4 symbols  The cat dog the"))
    }

    @Test("a vocabulary of words is word-level even when every word has one letter; models take its size")
    func derivedWordsAreWordLevel() throws {
        let files = ["w.txt": "a b\nb a a\n"]
        let script = """
            vocab w = words of "w.txt"
            sequence s = "b a b" over w predicting next
            model m = rnn { input w; hidden 2; output w }
            forward m on s
            """
        let json = try jsonRun(script, files)
        #expect(json.status == .ok, "\(json.errors)")
        let s = try #require(json.result("sequence s = \"b a b\" over w predicting next"))
        #expect(s["input_symbols"] as? [String] == ["b", "a"])
        #expect(s["target_symbols"] as? [String] == ["a", "b"])
        #expect(matrix(s["inputs"]) == [[0, 1], [1, 0]])
        #expect((json.result("forward m on s")?["losses"] as? [Any])?.count == 2)
    }

    // MARK: Split

    private static func splitScript(seed: Int, shuffled: Bool, at fraction: String = "0.75") -> String {
        """
        seed \(seed)
        series s = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        dataset d = windows of s size 1
        model m = rnn { input 1; hidden 2; output 1; readout linear; outputs last }
        split d into a, b at \(fraction)\(shuffled ? " shuffled" : "")
        forward m on a
        forward m on b
        """
    }

    /// The order of d's windows in a and in b after a split.
    private static func splitOrder(seed: Int, shuffled: Bool, at fraction: String = "0.75") throws -> (a: [Int], b: [Int]) {
        let json = try jsonRun(splitScript(seed: seed, shuffled: shuffled, at: fraction))
        #expect(json.status == .ok, "\(json.errors)")
        return (sequenceOrder(try #require(json.line("forward m on a")), dataset: "d"),
                sequenceOrder(try #require(json.line("forward m on b")), dataset: "d"))
    }

    @Test("split at a fraction: the first part has round(N × fraction) sequences, in order")
    func split() throws {
        let json = try jsonRun(Self.splitScript(seed: 1, shuffled: false))
        #expect(json.status == .ok, "\(json.errors)")
        let sizes = try #require(json.result("split d into a, b at 0.75"))
        #expect(number(sizes["a"]) == 6)
        #expect(number(sizes["b"]) == 2)
        #expect(try Self.splitOrder(seed: 1, shuffled: false) == ([1, 2, 3, 4, 5, 6], [7, 8]))
        #expect(try Self.splitOrder(seed: 1, shuffled: false, at: "0.3") == ([1, 2], [3, 4, 5, 6, 7, 8]))
        // 8 × 0.4375 = 3.5 rounds to 4.
        #expect(try Self.splitOrder(seed: 1, shuffled: false, at: "0.4375").a.count == 4)
        let text = run(Self.splitScript(seed: 1, shuffled: false))
        #expect(text.output.contains("a: 6 sequences, b: 2 sequences"), "\(text.output)")
    }

    @Test("split shuffled: the same seed gives the same split, another seed another order")
    func splitShuffled() throws {
        let first = try Self.splitOrder(seed: 3, shuffled: true)
        let again = try Self.splitOrder(seed: 3, shuffled: true)
        let other = try Self.splitOrder(seed: 4, shuffled: true)
        #expect(first == again)
        #expect(first.a.count == 6 && first.b.count == 2)
        // A partition of the eight windows, no longer in order.
        #expect((first.a + first.b).sorted() == Array(1...8))
        #expect((other.a + other.b).sorted() == Array(1...8))
        #expect(first.a + first.b != Array(1...8), "\(first)")
        #expect(first.a + first.b != other.a + other.b, "seed 3: \(first), seed 4: \(other)")
    }

    // MARK: Training on datasets

    private static func trainScript(_ options: String, seed: Int = 5) -> String {
        """
        seed \(seed)
        series s = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3] normalized
        dataset d = windows of s size 2
        split d into a, b at 0.75
        model m = rnn { input 1; hidden 3; output 1; readout linear; outputs last }
        loss mse = squared_error
        optimizer o = adam { lr 0.01 }
        train m on a with mse, o for 4 epochs\(options)
        show loss m on b with mse
        show m.W
        """
    }

    private static let trainSource = "train m on a with mse, o for 4 epochs"

    @Test("train with batch, shuffle and validate on: one validation loss per epoch")
    func trainBatchShuffleValidate() throws {
        let options = ", batch 2, shuffle, validate on b"
        let json = try jsonRun(Self.trainScript(options))
        #expect(json.status == .ok, "\(json.errors)")
        let train = try #require(json.result(Self.trainSource + options))
        let losses = try #require(numbers(train["losses"]))
        let validation = try #require(numbers(train["validation_losses"]))
        #expect(losses.count == 4)
        #expect(validation.count == 4)
        #expect(number(train["epochs"]) == 4)
        // 8 windows, 6 for training: 3 batches of 2 per epoch.
        #expect(number(train["updates"]) == 12)
        #expect(validation.allSatisfy { $0.isFinite && $0 > 0 })
        // The last validation loss is the held-out loss after training.
        let held = try #require(number(json.results("show loss m on b with mse").first))
        #expect(close(validation[3], held), "\(validation) vs \(held)")
        // Reproducible: the same seed shuffles the same way.
        let again = try jsonRun(Self.trainScript(options))
        #expect(again.line(Self.trainSource + options) == json.line(Self.trainSource + options))
        let text = run(Self.trainScript(options))
        #expect(text.output.contains("epoch        loss   validation"), "\(text.output)")
        #expect(text.output.contains("4 epochs, 12 updates (batch 2, shuffled)"))
    }

    @Test("a batch larger than the dataset is one batch of everything")
    func batchLargerThanDataset() throws {
        let big = try jsonRun(Self.trainScript(", batch 100, validate on b"))
        let exact = try jsonRun(Self.trainScript(", batch 6, validate on b"))
        #expect(big.status == .ok, "\(big.errors)")
        let bigTrain = try #require(big.result(Self.trainSource + ", batch 100, validate on b"))
        let exactTrain = try #require(exact.result(Self.trainSource + ", batch 6, validate on b"))
        #expect(number(bigTrain["updates"]) == 4)
        #expect(numbers(bigTrain["losses"]) == numbers(exactTrain["losses"]))
        #expect(numbers(bigTrain["validation_losses"]) == numbers(exactTrain["validation_losses"]))
        #expect(numbers(bigTrain["losses"])?.count == 4)
        #expect(matrix(big.result("show m.W")) == matrix(exact.result("show m.W")))
        // Without validate on, there are no validation losses.
        let plain = try jsonRun(Self.trainScript(", batch 100"))
        let plainTrain = try #require(plain.result(Self.trainSource + ", batch 100"))
        #expect(plainTrain["validation_losses"] == nil)
        #expect(numbers(plainTrain["losses"]) == numbers(bigTrain["losses"]))
    }

    // MARK: Sample

    /// The lecture's untrained network (seed 7): its forward table gives ŷ(<stop>) the most
    /// probability after d (0.2988), so greedy sampling starts with <stop>.
    private static let deep = """
        seed 7
        vocab chars = ['d', 'e', 'p', <stop>]
        sequence deep = "deep" over chars predicting next
        model net = rnn { input 4; hidden 3; output 4; init uniform(-0.5, 0.5) }
        loss xent = cross_entropy
        optimizer opt = sgd { lr 0.1 }

        """

    private static func symbolLiteral(_ s: String) -> String { s.hasPrefix("<") ? s : "'\(s)'" }

    @Test("greedy sampling is deterministic and picks the most probable symbol at every step")
    func greedySample() throws {
        let source = "sample net over chars from \"de\" length 12"
        let script = Self.deep + source + "\n" + source + "\nsample net over chars from \"de\" length 12 temperature 0"
        let json = try jsonRun(script)
        #expect(json.status == .ok, "\(json.errors)")
        let samples = json.results(source).compactMap { $0 as? [String: Any] }
        #expect(samples.count == 2)
        let first = try #require(samples.first)
        let symbols = try #require(first["symbols"] as? [String])
        #expect(symbols.count == 12)
        #expect(first["prime"] as? String == "de")
        #expect(first["temperature"] is NSNull)
        #expect(first["text"] as? String == symbols.joined())
        // Greedy draws nothing from the generator: the same text again, in this run and the next;
        // temperature 0 is greedy too.
        #expect(samples[1]["text"] as? String == first["text"] as? String)
        #expect(json.result("sample net over chars from \"de\" length 12 temperature 0")?["symbols"] as? [String] == symbols)
        #expect(try jsonRun(script).line(source) == json.line(source))
        // Each generated symbol is the argmax of the model fed the prime and the symbols before it:
        // `predict` on that input sequence gives the same text.
        let inputs = (["d", "e"] + symbols.dropLast()).map(Self.symbolLiteral).joined(separator: ", ")
        let targets = Array(repeating: "'d'", count: symbols.count + 1).joined(separator: ", ")
        let check = Self.deep + "sequence fed = inputs [\(inputs)] targets [\(targets)] over chars\nshow predict net on fed"
        let predicted = try jsonRun(check)
        #expect(predicted.status == .ok, "\(predicted.errors)")
        let text = try #require(predicted.results("show predict net on fed").first as? String)
        // Step 1 (after d) is the lecture table's argmax, <stop>; steps 2 … 13 are the sampled symbols.
        #expect(text == "<stop>" + symbols.joined(), "predict: \(text), sampled: \(symbols)")
        let plain = run(script)
        #expect(plain.output.contains("(12 symbols, greedy)"), "\(plain.output)")
    }

    @Test("greedy sampling until <stop> stops at the symbol")
    func sampleUntilStop() throws {
        // Untrained: the first choice after d is already <stop>.
        let untrained = try jsonRun(Self.deep + "sample net over chars from \"d\" until <stop>")
        #expect(untrained.status == .ok, "\(untrained.errors)")
        #expect(untrained.result("sample net over chars from \"d\" until <stop>")?["symbols"] as? [String] == ["<stop>"])
        // Trained on "deep", it completes the word and stops; a length cuts it shorter.
        let script = Self.deep + """
            train net on deep with xent, opt for 200 epochs
            sample net over chars from "d" until <stop>
            sample net over chars from "d" until <stop> length 2
            sample net over chars from "d" length 6
            """
        let json = try jsonRun(script)
        #expect(json.status == .ok, "\(json.errors)")
        #expect(json.result("sample net over chars from \"d\" until <stop>")?["symbols"] as? [String] == ["e", "e", "p", "<stop>"])
        #expect(json.result("sample net over chars from \"d\" until <stop>")?["text"] as? String == "eep<stop>")
        #expect(json.result("sample net over chars from \"d\" until <stop> length 2")?["symbols"] as? [String] == ["e", "e"])
        // Without until, <stop> is fed back like any other symbol.
        let long = try #require(json.result("sample net over chars from \"d\" length 6")?["symbols"] as? [String])
        #expect(long.count == 6)
        #expect(Array(long.prefix(4)) == ["e", "e", "p", "<stop>"])
        let text = run(script)
        #expect(text.output.contains("d → eep<stop>\n    (4 symbols, greedy)"), "\(text.output)")
    }

    @Test("sampling at a temperature is reproducible for a seed and differs for another seed")
    func sampleTemperature() throws {
        func sampled(_ seed: Int) throws -> (String, String) {
            let script = Self.deep + """
                seed \(seed)
                sample net over chars from "d" length 40 temperature 5
                sample net over chars from "d" length 40 temperature 5
                """
            let json = try jsonRun(script)
            #expect(json.status == .ok, "\(json.errors)")
            let texts = json.results("sample net over chars from \"d\" length 40 temperature 5").compactMap { ($0 as? [String: Any])?["symbols"] as? [String] }
            #expect(texts.count == 2)
            #expect(texts.allSatisfy { $0.count == 40 && $0.allSatisfy(["d", "e", "p", "<stop>"].contains) })
            #expect(number(json.result("sample net over chars from \"d\" length 40 temperature 5")?["temperature"]) == 5)
            return (texts.first?.joined(separator: " ") ?? "", texts.last?.joined(separator: " ") ?? "")
        }
        let (a1, a2) = try sampled(11)
        let (b1, _) = try sampled(11)
        let (c1, _) = try sampled(12)
        #expect(a1 == b1)
        #expect(a1 != c1, "seeds 11 and 12 drew the same 40 symbols")
        // The generator moves on: a second draw in the same run differs.
        #expect(a1 != a2)
        // At a high temperature on an untrained model every symbol turns up.
        #expect(Set(a1.split(separator: " ").map(String.init)) == ["d", "e", "p", "<stop>"])
        let text = run(Self.deep + "sample net over chars from \"d\" length 5 temperature 1.5")
        #expect(text.output.contains("(5 symbols, sampled at temperature 1.5)"), "\(text.output)")
    }

    @Test("sampling draws from softmax(o / τ); greedy takes the first of equally probable symbols")
    func sampleDistribution() throws {
        // All weights zero: the state stays 0 and the logits are the bias c, whatever the input.
        let script = """
            seed 9
            vocab v = ['a', 'b', 'c', <stop>]
            model z = rnn { input 4; hidden 2; output 4; init zeros }
            sample z over v from "c" length 3
            set z.c = [0, 0, 0, 1.0986122886681098]
            sample z over v from "c" length 3
            sample z over v from "c" length 4000 temperature 1
            sample z over v from "c" length 4000 temperature 2
            """
        let json = try jsonRun(script)
        #expect(json.status == .ok, "\(json.errors)")
        let greedy = json.results("sample z over v from \"c\" length 3").compactMap { ($0 as? [String: Any])?["symbols"] as? [String] }
        #expect(greedy == [["a", "a", "a"], ["<stop>", "<stop>", "<stop>"]])
        func frequencies(_ source: String) throws -> [Double] {
            let symbols = try #require(json.result(source)?["symbols"] as? [String])
            #expect(symbols.count == 4000)
            return ["a", "b", "c", "<stop>"].map { s in Double(symbols.filter { $0 == s }.count) / Double(symbols.count) }
        }
        // c = [0, 0, 0, ln 3]: at τ = 1 the probabilities are 1/6, 1/6, 1/6, 1/2;
        // at τ = 2 the weights are 1, 1, 1, √3.
        let r3 = 3.0.squareRoot()
        for (source, expected) in [("sample z over v from \"c\" length 4000 temperature 1", [1.0 / 6, 1.0 / 6, 1.0 / 6, 0.5]),
                                   ("sample z over v from \"c\" length 4000 temperature 2", [1 / (3 + r3), 1 / (3 + r3), 1 / (3 + r3), r3 / (3 + r3)])] {
            let observed = try frequencies(source)
            #expect(zip(observed, expected).allSatisfy { abs($0 - $1) < 0.03 }, "\(source): \(observed) vs \(expected)")
        }
    }

    @Test("sampling over a word vocabulary joins words with spaces")
    func sampleWords() throws {
        let script = """
            seed 3
            vocab w = ["the", "cat", "sat"]
            model m = rnn { input w; hidden 4; output w }
            sample m over w from "the  cat" length 5
            """
        let json = try jsonRun(script)
        #expect(json.status == .ok, "\(json.errors)")
        let result = try #require(json.result("sample m over w from \"the  cat\" length 5"))
        #expect(result["prime"] as? String == "the cat")
        let symbols = try #require(result["symbols"] as? [String])
        #expect(symbols.count == 5)
        #expect(result["text"] as? String == symbols.joined(separator: " "))
    }

    // MARK: Predict

    @Test("predict gives the most probable target symbols as text, one line per sequence")
    func predict() throws {
        let script = Self.deep + """
            train net on deep with xent, opt for 200 epochs
            expect predict net on deep == "eep<stop>"
            show predict net on deep
            dataset twice = [deep, deep]
            show predict net on twice
            """
        let json = try jsonRun(script)
        #expect(json.status == .ok, "\(json.errors)")
        #expect(json.results("show predict net on deep").first as? String == "eep<stop>")
        #expect(json.results("show predict net on twice").first as? String == "eep<stop>\neep<stop>")
        let passed = try #require(json.result("expect predict net on deep == \"eep<stop>\""))
        #expect(passed["passed"] as? Bool == true)
        // A wrong string is a failed expectation, not an error.
        let wrong = run(Self.deep + "expect predict net on deep == \"eep<stop>\"")
        #expect(wrong.status == .expectationFailed, "\(wrong.errors)")
        #expect(wrong.output.contains("FAILED: expected predict net on deep == \"eep<stop>\", but it is \""), "\(wrong.output)")
    }

    @Test("predict on labelled lines gives one label per line")
    func predictLabels() throws {
        let files = ["r.txt": "pos good\nneg bad\npos good good\n"]
        let script = """
            seed 2
            vocab w = words of labelled "r.txt"
            vocab l = labels of labelled "r.txt"
            dataset r = lines of "r.txt" over w labelled over l
            model m = rnn { input w; hidden 4; output l; outputs last; init xavier }
            loss xent = cross_entropy
            optimizer o = adam { lr 0.05 }
            train m on r with xent, o for 100 epochs
            show predict m on r
            """
        let json = try jsonRun(script, files)
        #expect(json.status == .ok, "\(json.errors)")
        #expect(json.results("show predict m on r").first as? String == "pos\nneg\npos")
    }

    // MARK: let and precision

    @Test("let binds a value once; later statements use it")
    func letBindings() throws {
        let script = Self.deep + """
            let x = 2 * 3
            let y = x + 1
            expect y == 7
            let w0 = net.W
            train net on deep with xent, opt for 20 epochs
            expect norm(net.W - w0) > 0
            show w0
            let x = 10
            expect x + y == 17
            let p = predict net on deep
            show p
            """
        let json = try jsonRun(script)
        #expect(json.status == .ok, "\(json.errors)")
        let lets = json.cells.filter { $0["kind"] as? String == "let" }
        #expect(lets.count == 5)
        #expect(number(json.results("let x = 2 * 3").first) == 6)
        #expect(number(json.results("let y = x + 1").first) == 7)
        // The bound matrix is the value at binding time, not the trained W.
        let before = try #require(matrix(json.results("let w0 = net.W").first))
        #expect(before.count == 3 && before.allSatisfy { $0.count == 3 })
        #expect(matrix(json.result("show w0")) == before)
        #expect(json.cells.filter { $0["kind"] as? String == "expect" }.allSatisfy { ($0["result"] as? [String: Any])?["passed"] as? Bool == true })
        #expect(json.results("show p").first is String)
        let text = run(script)
        #expect(text.output.contains("x = 6.0000"), "\(text.output)")
        #expect(text.output.contains("expectations: 3 passed, 0 failed"))
    }

    @Test("precision float32: the model trains close to float64 and gradcheck still agrees")
    func precisionFloat32() throws {
        func script(_ precision: String) -> String {
            """
            seed 7
            \(precision)
            vocab chars = ['d', 'e', 'p', <stop>]
            sequence deep = "deep" over chars predicting next
            model net = rnn { input 4; hidden 3; output 4; init uniform(-0.5, 0.5) }
            loss xent = cross_entropy
            optimizer opt = sgd { lr 0.1 }
            train net on deep with xent, opt for 100 epochs
            gradcheck net on deep with xent
            show net
            """
        }
        let single = try jsonRun(script("precision float32"))
        let double = try jsonRun(script("precision float64"))
        #expect(single.status == .ok, "\(single.errors)")
        #expect(double.status == .ok, "\(double.errors)")
        let source = "train net on deep with xent, opt for 100 epochs"
        let l32 = try #require(numbers(single.result(source)?["losses"]))
        let l64 = try #require(numbers(double.result(source)?["losses"]))
        #expect(l32.count == 100)
        #expect(l32.last! < l32.first! / 2, "float32 training does not learn: \(l32.first!) → \(l32.last!)")
        // The same run, to float32 accuracy.
        #expect(abs(l32[0] - l64[0]) <= 1e-5 * l64[0], "\(l32[0]) vs \(l64[0])")
        #expect(abs(l32[99] - l64[99]) <= 1e-3 * l64[99], "\(l32[99]) vs \(l64[99])")
        let check = try #require(single.result("gradcheck net on deep with xent"))
        #expect(Set(check.keys) == ["U", "W", "b", "V", "c"])
        #expect(check.values.compactMap(number).count == 5)
        #expect(check.values.compactMap(number).allSatisfy { $0 < 1e-6 }, "\(check)")
        let text = run(script("precision float32"))
        #expect(text.output.contains("models declared from here on compute in float32"), "\(text.output)")
        #expect(text.output.contains("precision float32"))
        #expect(text.output.contains("BPTT agrees with central finite differences"))
        // A model declared before the precision statement keeps float64.
        let before = run("model early = rnn { input 1; hidden 1; output 1 }\nprecision float32\nshow early")
        #expect(before.status == .ok)
        #expect(!before.output.contains(", precision float32"), "\(before.output)")
    }

    // MARK: Paths relative to the script

    @Test("data paths resolve against the script's folder, from any working directory")
    func pathsRelativeToScript() throws {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("rnnscript-data-tests-\(getpid())-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("project")
        let elsewhere = root.appendingPathComponent("elsewhere")
        try fm.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        try fm.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: root) }
        try "1 2 3\n".write(to: folder.appendingPathComponent("values.txt"), atomically: true, encoding: .utf8)
        try "x,y\n1,10\n2,20\n".write(to: folder.appendingPathComponent("data/table.csv"), atomically: true, encoding: .utf8)
        try "ab\nba\n".write(to: folder.appendingPathComponent("data/lines.txt"), atomically: true, encoding: .utf8)
        let script = folder.appendingPathComponent("script.rnn")
        try """
            series s = file "values.txt"
            series t = csv "data/table.csv" column "y"
            vocab c = chars of "data/lines.txt" with <stop>
            dataset d = lines of "data/lines.txt" over c predicting next
            expect sum(s.values) == 6
            expect sum(t.values) == 30
            """.write(to: script, atomically: true, encoding: .utf8)
        let absolute = try runBinary([script.path], directory: elsewhere)
        #expect(absolute.status == 0, "\(absolute.stdout)\(absolute.stderr)")
        #expect(absolute.stdout.contains("expectations: 2 passed, 0 failed"))
        #expect(absolute.stdout.contains("c: 4 symbols  \\n a b <stop>"))
        #expect(absolute.stdout.contains("d: 2 sequences, 2 to 2 steps"))
        // A relative script path from its parent folder.
        let relative = try runBinary(["project/script.rnn"], directory: root)
        #expect(relative.status == 0, "\(relative.stdout)\(relative.stderr)")
        #expect(relative.stdout == absolute.stdout)
        // A data file that is not next to the script: exit 74 and the path in the message.
        let missing = folder.appendingPathComponent("missing.rnn")
        try "series s = file \"nowhere.txt\"\n".write(to: missing, atomically: true, encoding: .utf8)
        let failed = try runBinary([missing.path], directory: folder)
        #expect(failed.status == 74, "\(failed.stderr)")
        #expect(failed.stderr.contains("missing.rnn:1:17: error: no such file 'nowhere.txt'"), "\(failed.stderr)")
    }
}
