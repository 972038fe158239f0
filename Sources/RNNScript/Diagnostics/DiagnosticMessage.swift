/// Every message rnnscript can report, in one catalogue and one voice:
/// lowercase, no final period, like the Swift compiler. Tests match the case
/// (or its `id`), not the prose.
public enum DiagnosticMessage: Equatable, Sendable {
    // Lexing
    case unexpectedCharacter(String)
    case unterminatedString
    case invalidCharacterLiteral
    case numberTooLarge(String)
    case invalidNumber(String)
    // Parsing
    case expected(String, found: String)
    case unexpectedEndOfInput(expected: String)
    case nestingTooDeep(limit: Int)
    case duplicateEntry(String, block: String)
    case unknownEntry(String, block: String, suggestion: String?)
    case missingEntry(String, block: String)
    // Names and kinds
    case undefinedName(String, suggestion: String?)
    case wrongKind(String, actual: String, expected: String)
    case unknownChoice(category: String, String, suggestion: String?, choices: [String])
    case unknownParameter(model: String, String, suggestion: String?)
    case unknownFunction(String, suggestion: String?)
    case wrongArgumentCount(function: String, expected: String, got: Int)
    // Values and shapes
    case raggedMatrix(row: Int, expected: Int, got: Int)
    case emptyValue(String)
    case valueOutOfRange(String, value: String, allowed: String)
    case modelTooLarge(parameters: Int, limit: Int)
    case shapeMismatch(target: String, expected: String, got: String)
    case inputWidthMismatch(model: String, width: Int, sequence: String, description: String)
    case outputWidthMismatch(model: String, width: Int, sequence: String, description: String)
    case placementMismatch(model: String, sequence: String, detail: String)
    case symbolNotInVocabulary(String, vocabulary: String, position: Int)
    case mixedTargets
    case stepOutOfRange(String, value: Int, allowed: String)
    /// A declaration that cannot work as written (the reason says why).
    case invalidDeclaration(String)
    // Evaluation
    case noGradients(model: String)
    case noForwardPass(model: String)
    case invalidOperation(String)
    case indexOutOfRange(String)
    case notFinite(String)
    case expectationFailed(String)
    // Files
    case fileNotFound(String)
    case fileUnreadable(String, reason: String)
    case fileUnwritable(String, reason: String)
    case malformedJSON(String, reason: String)
    case malformedWeights(String, reason: String)
    case malformedSafeTensors(String, reason: String)
    case weightsMismatch(String, detail: String)
    case badDataFile(String, line: Int, detail: String)
    // Expressions (the language front end): limits and checked types
    /// Operators, calls, indexing and parentheses nested deeper than `Parser.expressionDepthLimit`.
    case expressionTooDeep(limit: Int)
    /// An expression the checker can tell will fail: a string in arithmetic,
    /// shapes that do not fit, an index out of range (the detail says which).
    case invalidExpression(String)
    /// A value with more elements than `Checker.maxResultElements` ("the matrix
    /// product would be 80000×80000 (6400000000 elements)"): found by the
    /// checker when the shapes are known, else before allocating while running.
    case resultTooLarge(String, limit: Int, whileRunning: Bool)
    /// An analysis statement whose estimated work is over the limit (Interpreter+WorkLimit.swift).
    case workTooLarge(String, estimate: Double, detail: String, limit: Double)

    /// A stable identifier for tests and JSON (`undefined-name`, …).
    public var id: String {
        switch self {
        case .unexpectedCharacter: return "unexpected-character"
        case .unterminatedString: return "unterminated-string"
        case .invalidCharacterLiteral: return "invalid-character-literal"
        case .numberTooLarge: return "number-too-large"
        case .invalidNumber: return "invalid-number"
        case .expected: return "expected"
        case .unexpectedEndOfInput: return "unexpected-end-of-input"
        case .nestingTooDeep: return "nesting-too-deep"
        case .duplicateEntry: return "duplicate-entry"
        case .unknownEntry: return "unknown-entry"
        case .missingEntry: return "missing-entry"
        case .undefinedName: return "undefined-name"
        case .wrongKind: return "wrong-kind"
        case .unknownChoice: return "unknown-choice"
        case .unknownParameter: return "unknown-parameter"
        case .unknownFunction: return "unknown-function"
        case .wrongArgumentCount: return "wrong-argument-count"
        case .raggedMatrix: return "ragged-matrix"
        case .emptyValue: return "empty-value"
        case .valueOutOfRange: return "value-out-of-range"
        case .modelTooLarge: return "model-too-large"
        case .shapeMismatch: return "shape-mismatch"
        case .inputWidthMismatch: return "input-width-mismatch"
        case .outputWidthMismatch: return "output-width-mismatch"
        case .placementMismatch: return "placement-mismatch"
        case .symbolNotInVocabulary: return "symbol-not-in-vocabulary"
        case .mixedTargets: return "mixed-targets"
        case .stepOutOfRange: return "step-out-of-range"
        case .invalidDeclaration: return "invalid-declaration"
        case .noGradients: return "no-gradients"
        case .noForwardPass: return "no-forward-pass"
        case .invalidOperation: return "invalid-operation"
        case .indexOutOfRange: return "index-out-of-range"
        case .notFinite: return "not-finite"
        case .expectationFailed: return "expectation-failed"
        case .fileNotFound: return "file-not-found"
        case .fileUnreadable: return "file-unreadable"
        case .fileUnwritable: return "file-unwritable"
        case .malformedJSON: return "malformed-json"
        case .malformedWeights: return "malformed-weights"
        case .malformedSafeTensors: return "malformed-safetensors"
        case .weightsMismatch: return "weights-mismatch"
        case .badDataFile: return "bad-data-file"
        case .expressionTooDeep: return "expression-too-deep"
        case .invalidExpression: return "invalid-expression"
        case .resultTooLarge: return "result-too-large"
        case .workTooLarge: return "work-too-large"
        }
    }

    public var phase: DiagnosticPhase {
        switch self {
        case .noGradients, .noForwardPass, .invalidOperation, .indexOutOfRange, .notFinite, .expectationFailed,
             .resultTooLarge(_, _, whileRunning: true), .workTooLarge:
            return .runtime
        case .fileNotFound, .fileUnreadable, .fileUnwritable, .malformedJSON, .malformedWeights, .malformedSafeTensors, .weightsMismatch, .badDataFile:
            return .io
        default:
            return .script
        }
    }

    public var text: String {
        switch self {
        case let .unexpectedCharacter(c): return "unexpected character \(c)"
        case .unterminatedString: return "unterminated string literal"
        case .invalidCharacterLiteral: return "a character literal holds exactly one character, like 'a'"
        case let .numberTooLarge(n): return "number \(n) is too large"
        case let .invalidNumber(n): return "invalid number '\(n)'"
        case let .expected(what, found): return "expected \(what), found \(found)"
        case let .unexpectedEndOfInput(expected): return "unexpected end of input, expected \(expected)"
        case let .nestingTooDeep(limit): return "brackets nested deeper than \(limit) levels"
        case let .duplicateEntry(entry, block): return "'\(entry)' is given twice in the \(block)"
        case let .unknownEntry(entry, block, suggestion):
            return "unknown \(block) entry '\(entry)'" + Self.didYouMean(suggestion)
        case let .missingEntry(entry, block): return "the \(block) needs an '\(entry)' entry"
        case let .undefinedName(name, suggestion):
            return "cannot find '\(name)'" + Self.didYouMean(suggestion)
        case let .wrongKind(name, actual, expected): return "'\(name)' is \(actual), expected \(expected)"
        case let .unknownChoice(category, name, suggestion, choices):
            return "unknown \(category) '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" }
                ?? " (one of \(choices.joined(separator: ", ")))")
        case let .unknownParameter(model, name, suggestion):
            return "model \(model) has no parameter '\(name)'" + Self.didYouMean(suggestion)
        case let .unknownFunction(name, suggestion): return "unknown function '\(name)'" + Self.didYouMean(suggestion)
        case let .wrongArgumentCount(function, expected, got):
            return "\(function) takes \(expected), got \(got)"
        case let .raggedMatrix(row, expected, got):
            return "row \(row) has \(got) entries, the first row has \(expected)"
        case let .emptyValue(what): return "\(what) is empty"
        case let .valueOutOfRange(what, value, allowed): return "\(what) \(value) is out of range (\(allowed))"
        case let .modelTooLarge(parameters, limit):
            return "model would have \(parameters) parameters, more than the limit of \(limit)"
        case let .shapeMismatch(target, expected, got): return "\(target) is \(expected), the value is \(got)"
        case let .inputWidthMismatch(model, width, sequence, description):
            return "model \(model) expects input width \(width), sequence \(sequence) \(description)"
        case let .outputWidthMismatch(model, width, sequence, description):
            return "model \(model) has output width \(width), sequence \(sequence) \(description)"
        case let .placementMismatch(model, sequence, detail): return "model \(model) and sequence \(sequence) do not fit: \(detail)"
        case let .symbolNotInVocabulary(symbol, vocabulary, position):
            return "symbol \(symbol) at position \(position) is not in vocabulary \(vocabulary)"
        case .mixedTargets: return "targets mix class symbols and numbers"
        case let .stepOutOfRange(what, value, allowed): return "\(what) \(value) is out of range (\(allowed))"
        case let .invalidDeclaration(detail): return detail
        case let .noGradients(model): return "model \(model) has no gradients yet; run 'backward \(model) on …' first"
        case let .noForwardPass(model): return "model \(model) has no forward pass yet; run 'forward \(model) on …' first"
        case let .invalidOperation(detail): return detail
        case let .indexOutOfRange(detail): return detail
        case let .notFinite(detail): return detail
        case let .expectationFailed(detail): return "expectation failed: \(detail)"
        case let .fileNotFound(path): return "no such file '\(path)'"
        case let .fileUnreadable(path, reason): return "cannot read '\(path)': \(reason)"
        case let .fileUnwritable(path, reason): return "cannot write '\(path)': \(reason)"
        case let .malformedJSON(path, reason): return "malformed JSON in '\(path)': \(reason)"
        case let .malformedWeights(path, reason): return "'\(path)' is not an rnnscript weights file: \(reason)"
        case let .malformedSafeTensors(path, reason): return "'\(path)' is not a valid safetensors file: \(reason)"
        case let .weightsMismatch(path, detail): return "weights in '\(path)' do not fit: \(detail)"
        case let .badDataFile(path, line, detail): return "\(path):\(line): \(detail)"
        case let .expressionTooDeep(limit): return "expression nested deeper than \(limit) levels (operators, calls, indices and parentheses each add one)"
        case let .invalidExpression(detail): return detail
        case let .resultTooLarge(what, limit, _): return "\(what), more than the limit of \(limit) elements for a value"
        case let .workTooLarge(statement, estimate, detail, limit):
            return "\(statement) would take about \(ExactDecimal.scientific(estimate, 1)) multiply-adds (\(detail)), "
                + "more than the limit of \(ExactDecimal.scientific(limit, 1)) for one statement"
        }
    }

    /// Extra advice printed as a `note:` line.
    public var hint: String? {
        switch self {
        case .notFinite: return "try 'clip norm 5' or 'clip value 1' on train, or a smaller learning rate"
        default: return nil
        }
    }

    static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { "; did you mean '\($0)'?" } ?? ""
    }
}

/// The closest candidate by edit distance, if it is close enough to be a likely typo.
public func closestMatch(to name: String, in candidates: some Sequence<String>) -> String? {
    let lowered = name.lowercased()
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(lowered, candidate.lowercased())
        let limit = max(1, min(3, candidate.count / 3 + 1))
        if distance <= limit, best == nil || distance < best!.1 { best = (candidate, distance) }
    }
    return best?.0
}

/// Edit distance between two strings (over Unicode scalars), counting an
/// insertion, a deletion, a substitution or a swap of neighbours as one edit
/// (optimal string alignment): `lsmt` is one edit from `lstm`.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}
