import FuzzSupport
import RNNScript

/// Bytes → the weights-file readers (`load`, Evaluation/WeightsFile.swift and
/// SafeTensors.swift), offered to each of a few small models of every cell
/// kind, as JSON text and as a binary safetensors file: the file's "model"
/// header, or its tensors' names and shapes, decide which one it can match. A
/// file that loads is then used (`forward`, `show`), saved, and must load
/// again and save to the same text or bytes: a file `save` wrote that `load`
/// rejects, or that changes on a second round, is a bug and traps here.
let declarations = """
    vocab v = ['a', 'b', 'c', <stop>]
    sequence s = "abc" over v predicting next
    model r = rnn { input 4; hidden 3; output 4 }
    model l = lstm { input 4; hidden 2; output 4; layers 2 }
    model g = gru { input 4; hidden 2; output 4; bias off; readout sigmoid; outputs last }
    model d = rnn { input 4; hidden 3; output 4; layers 2; state relu; readout linear }
    """
let models = ["r", "l", "g", "d"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = fuzzText(data, size)
    if isKnownIssue(file) { return -1 }
    let host = FuzzHost(files: ["w.json": file])
    host.binaryFiles["w.safetensors"] = Array(UnsafeBufferPointer(start: data, count: size))
    let runner = quietRunner(host)
    guard runner.run(SourceFile(name: "weights.rnn", text: declarations)) == .ok else {
        fatalError("FuzzWeights: the declarations do not run")
    }
    func entry(_ text: String) -> RunStatus {
        guard case let .completed(status) = runner.runEntry(SourceFile(name: "<fuzz>", text: text)) else {
            fatalError("FuzzWeights: unfinished entry \(text)")
        }
        return status
    }
    for m in models where entry("load \(m) from \"w.json\"") == .ok {
        _ = entry("forward \(m) on s")
        _ = entry("show \(m)")
        guard entry("save \(m) to \"a.json\"") == .ok else { fatalError("FuzzWeights: save \(m) failed after a load") }
        let first = host.files["a.json"] ?? ""
        guard entry("load \(m) from \"a.json\"") == .ok else {
            fatalError("FuzzWeights: load rejects what save wrote for \(m):\n\(first)")
        }
        guard entry("save \(m) to \"b.json\"") == .ok, host.files["b.json"] == first else {
            fatalError("FuzzWeights: save → load → save changed the file of \(m)")
        }
    }
    for m in models where entry("load \(m) from \"w.safetensors\"") == .ok {
        _ = entry("forward \(m) on s")
        _ = entry("show \(m)")
        guard entry("save \(m) to \"a.safetensors\"") == .ok else { fatalError("FuzzWeights: safetensors save \(m) failed after a load") }
        let first = host.binaryFiles["a.safetensors"] ?? []
        guard entry("load \(m) from \"a.safetensors\"") == .ok else {
            fatalError("FuzzWeights: load rejects the safetensors file save wrote for \(m)")
        }
        guard entry("save \(m) to \"b.safetensors\"") == .ok, host.binaryFiles["b.safetensors"] == first else {
            fatalError("FuzzWeights: safetensors save → load → save changed the file of \(m)")
        }
    }
    return 0
}
