import FuzzSupport
import RNNScript

/// Bytes → a short script that is checked and run: an input of even length
/// as a script with text output and an HTML report (SVG plots included), one
/// of odd length as a REPL entry with JSON output. Only cheap scripts run: at
/// most 4 KiB, and any whole number that sizes work (a number after a
/// statement word or before `epochs`: hidden sizes, layers, epochs, lengths,
/// window sizes, …) at most 8; a `train` stops after 16 epochs or 2 seconds. Numbers inside literals, matrices and
/// expressions are not limited (large values are what the renderers must
/// survive).
let maxBytes = 4096
let maxWorkNumber = 8

/// Whether a script is cheap enough to run; a lexer error is fine (the run
/// reports it).
func isCheap(_ text: String) -> Bool {
    guard text.utf8.count <= maxBytes else { return false }
    var lexer = Lexer(SourceFile(name: "fuzz.rnn", text: text))
    let tokens = lexer.tokenize()
    for (i, token) in tokens.enumerated() where token.kind == .integer {
        let before = i > 0 ? tokens[i - 1].kind : .newline
        let after = i + 1 < tokens.count ? tokens[i + 1].kind : .endOfInput
        var sizesWork: Bool
        switch before {
        case .keyword(.seed): sizesWork = false
        case .keyword, .identifier: sizesWork = true
        default: sizesWork = false
        }
        if after == .keyword(.epochs) { sizesWork = true }
        // `truncate 2 window`, `report every 10`, `parts 3 of`, `windows of t size 3`: covered above.
        if sizesWork {
            guard token.value.count <= 3, let n = Int(token.value), n <= maxWorkNumber else { return false }
        }
    }
    return true
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = fuzzText(data, size)
    guard isCheap(text), !isKnownIssue(text) else { return -1 }  // -1: not added to the corpus
    let source = SourceFile(name: "fuzz.rnn", text: text)

    let host = FuzzHost(files: sampleFiles, maxEpochs: 16, seconds: 2)
    if size % 2 == 0 {
        let runner = quietRunner(host)
        let report = HTMLReport(title: "fuzz.rnn")
        runner.report = report
        _ = runner.run(source)
        printedBytes &+= report.render().utf8.count
    } else {
        let repl = quietRunner(host, format: .json)
        _ = repl.runEntry(SourceFile(name: "<repl>", text: text))
    }
    return 0
}
