import FuzzSupport
import RNNScript

/// Bytes → a data file read by a script: the first byte picks one of the
/// scripts below (its low bits) and the output format (bit 3: JSON), the
/// rest is the file "d.txt" the in-memory host serves. Each script declares
/// everything its readers can build from the file (vocabularies, series,
/// sequences, datasets) and shows it, so the readers (Semantics/DataFiles.swift
/// and the checker's builders) and the renderers of what they made both run.
/// Series are shown in full (every number formatted); one-hot sequences are
/// not (a long file makes a T×|V| matrix whose printing would dominate).
let scripts: [String] = [
    // 0: characters: chars of, a file sequence, lines of, parts of.
    """
    vocab v = chars of "d.txt" with <stop>
    sequence s = file "d.txt" over v predicting next
    dataset l = lines of "d.txt" over v predicting next
    dataset p = parts 2 of "d.txt" over v predicting next
    show shape(s.inputs)
    """,
    // 1: words.
    """
    vocab w = words of "d.txt" with <stop>
    sequence s = file "d.txt" over w predicting next
    dataset l = lines of "d.txt" over w predicting next
    show s.targets[0]
    """,
    // 2: a CSV column by name, normalized, and windows over it.
    """
    series t = csv "d.txt" column "temperature" normalized
    dataset d = windows of t size 3
    sequence s = series t predicting next
    show t.values
    """,
    // 3: a CSV column by index (a non-numeric first row is a header).
    """
    series t = csv "d.txt" column 2
    series u = csv "d.txt" column 1 normalized
    show t.values
    show u.values
    """,
    // 4: a file of numbers.
    """
    series t = file "d.txt"
    series n = file "d.txt" normalized
    sequence s = series t predicting next
    show n.values
    show s.inputs
    """,
    // 5: tagged lines.
    """
    vocab w = words of tagged "d.txt"
    vocab t = tags of tagged "d.txt"
    vocab c = chars of tagged "d.txt"
    dataset p = lines of "d.txt" over w tagged over t
    dataset q = lines of "d.txt" over c tagged over t
    """,
    // 6: labelled lines.
    """
    vocab w = words of labelled "d.txt"
    vocab l = labels of labelled "d.txt"
    vocab c = chars of labelled "d.txt"
    dataset r = lines of "d.txt" over w labelled over l
    dataset q = lines of "d.txt" over c labelled over l
    """,
    // 7: a tagged and a labelled sequence whose texts come from the file.
    """
    vocab c = chars of "d.txt"
    vocab t = ['x', 'y']
    sequence a = file "d.txt" over c labelled 'x' over t
    dataset l = lines of "d.txt" over c predicting next
    show a.targets
    """,
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let selector = Int(data[0])
    let file = fuzzText(data + 1, size - 1)
    if isKnownIssue(file) { return -1 }
    let host = FuzzHost(files: ["d.txt": file])
    let runner = quietRunner(host, format: selector & 8 != 0 ? .json : .text)
    _ = runner.run(SourceFile(name: "data.rnn", text: scripts[(selector & 7) % scripts.count]))
    return 0
}
