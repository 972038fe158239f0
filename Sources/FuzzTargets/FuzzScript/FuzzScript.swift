import FuzzSupport
import RNNScript

/// Bytes → text → lexer, parser and checker: `rnnscript --check` in process,
/// with the diagnostics rendered. Nothing is evaluated. The host serves small
/// stand-ins for the example data files and nothing else.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = fuzzText(data, size)
    if isKnownIssue(text) { return -1 }
    let host = FuzzHost(files: sampleFiles)
    let runner = quietRunner(host)
    _ = runner.check(SourceFile(name: "fuzz.rnn", text: text))
    return 0
}
