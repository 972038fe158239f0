import RNNRuntime

extension Checker {
    func checkVocabulary(_ name: Identifier, _ items: [SymbolLiteral]) throws -> Vocabulary {
        guard !items.isEmpty else { throw Diagnostic(.emptyValue("vocabulary \(name.name)"), at: name.range) }
        var seen = Set<String>()
        for item in items {
            if !seen.insert(item.text).inserted {
                throw Diagnostic(.duplicateEntry(item.text, block: "vocabulary \(name.name)"), at: item.range)
            }
        }
        return Vocabulary(name: name.name, symbols: items.map(\.text), kinds: items.map(\.kind))
    }

    /// A text over a vocabulary: its symbols as indices, or a diagnostic naming
    /// the first symbol outside the vocabulary with its position (pointing into
    /// the string literal when the text is one).
    func symbolIndices(_ text: Substring, _ vocabulary: Vocabulary, literal: StringLiteral?, origin: String, range: SourceRange, line: Int? = nil) throws -> [Int] {
        var indices: [Int] = []
        let words = vocabulary.isWordLevel
        var offset = 0
        var position = 0
        // Words: walk the tokens; characters: walk the scalars (offsets are bytes, for the caret).
        let pieces: [(String, Int)]
        if words {
            var result: [(String, Int)] = []
            var start: Int?
            let bytes = Array(text.utf8)
            for i in 0...bytes.count {
                let b = i < bytes.count ? bytes[i] : UInt8(ascii: " ")
                let isSpace = b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")
                if isSpace, let s = start {
                    result.append((String(decoding: bytes[s..<i], as: UTF8.self), s))
                    start = nil
                } else if !isSpace && start == nil {
                    start = i
                }
            }
            pieces = result
        } else {
            pieces = text.unicodeScalars.map { scalar in
                defer { offset += String(scalar).utf8.count }
                return (String(scalar), offset)
            }
        }
        for piece in pieces {
            position += 1
            guard let index = vocabulary.index(of: piece.0) else {
                let shown = words ? "\"\(piece.0)\"" : "'\(piece.0.unicodeScalars.first.map { $0.properties.isWhitespace || $0.value < 0x20 ? $0.escaped(asASCII: true) : String($0) } ?? piece.0)'"
                var where_ = range
                if let literal, literal.range.end - literal.range.start == literal.value.utf8.count + 2 {
                    where_ = SourceRange(literal.range.start + 1 + piece.1, literal.range.start + 1 + piece.1 + piece.0.utf8.count)
                }
                let at = line.map { " (\(origin) line \($0))" } ?? ""
                throw Diagnostic(.symbolNotInVocabulary(shown + at, vocabulary: vocabulary.name, position: position), at: where_)
            }
            indices.append(index)
        }
        return indices
    }

    /// The text of a `TextSource`: the literal, or the file's contents.
    func text(of source: TextSource) throws -> (String, StringLiteral?, SourceRange, String) {
        switch source {
        case let .literal(literal): return (literal.value, literal, literal.range, "text")
        case let .file(path): return (try read(path), nil, path.range, path.value)
        }
    }

    /// A file's text through the injected reader, or an I/O diagnostic at the path.
    func read(_ path: StringLiteral) throws -> String {
        guard let readFile else { throw Diagnostic(.fileUnreadable(path.value, reason: "no file access here"), at: path.range) }
        do {
            return DataFiles.normalized(try readFile(path.value))
        } catch let HostError.notFound(p) {
            throw Diagnostic(.fileNotFound(p), at: path.range)
        } catch let HostError.unreadable(p, reason) {
            throw Diagnostic(.fileUnreadable(p, reason: reason), at: path.range)
        } catch {
            throw Diagnostic(.fileUnreadable(path.value, reason: "\(error)"), at: path.range)
        }
    }

    /// `TEXT over VOCAB predicting next | tagged TAGS over V | labelled L over V`.
    func buildTextSequence(_ name: String, _ source: TextSource, _ vocabulary: Vocabulary, _ target: TextTarget) throws -> SequenceData {
        let (body, literal, range, origin) = try text(of: source)
        let indices = try symbolIndices(Substring(body), vocabulary, literal: literal, origin: origin, range: range)
        switch target {
        case .next:
            var inputs = indices, targets = Array(indices.dropFirst())
            if let stop = vocabulary.index(of: "<stop>") {
                targets.append(stop)
            } else {
                inputs = Array(inputs.dropLast())
            }
            guard !inputs.isEmpty else {
                throw Diagnostic(.emptyValue("sequence \(name) (a text needs at least \(vocabulary.hasStop ? 1 : 2) symbols)"), at: range)
            }
            return classSequence(name, inputs, vocabulary, targets, vocabulary)
        case let .tagged(tags, tagVocabularyName):
            let tagVocabulary = try lookupVocabulary(tagVocabularyName)
            let tagIndices = try symbolIndices(Substring(tags.value), tagVocabulary, literal: tags, origin: "tags", range: tags.range)
            guard tagIndices.count == indices.count else {
                throw Diagnostic(.invalidDeclaration("the text has \(indices.count) symbols but \(tagIndices.count) tags"), at: tags.range)
            }
            guard !indices.isEmpty else { throw Diagnostic(.emptyValue("sequence \(name)"), at: range) }
            return classSequence(name, indices, vocabulary, tagIndices, tagVocabulary)
        case let .labelled(label, labelVocabularyName):
            let labelVocabulary = try lookupVocabulary(labelVocabularyName)
            guard let labelIndex = labelVocabulary.index(of: label.text) else {
                throw Diagnostic(.symbolNotInVocabulary(label.kind == .token ? label.text : "'\(label.text)'", vocabulary: labelVocabulary.name, position: 1), at: label.range)
            }
            guard !indices.isEmpty else { throw Diagnostic(.emptyValue("sequence \(name)"), at: range) }
            return classSequence(name, indices, vocabulary, [labelIndex], labelVocabulary)
        }
    }

    /// A sequence of class inputs and class targets, stored as indices.
    func classSequence(_ name: String, _ inputs: [Int], _ inputVocabulary: Vocabulary, _ targets: [Int], _ targetVocabulary: Vocabulary) -> SequenceData {
        SequenceData(
            name: name,
            example: SequenceExample(inputs: .classes(inputs.map(Int32.init), width: inputVocabulary.count),
                                     targets: .classes(targets.map(Int32.init), width: targetVocabulary.count)),
            inputVocabulary: inputVocabulary, inputSymbols: inputs, targetVocabulary: targetVocabulary, targetClasses: targets)
    }

    /// `inputs [[…], …] targets [[…], …] (over VOCAB)?`: rows of numbers (a bare
    /// number is a 1-wide row), or symbols of a vocabulary (one-hot).
    func buildLiteralSequence(_ name: String, inputs: Literal, targets: Literal, vocabulary vocabularyName: Identifier?) throws -> SequenceData {
        let explicit = try vocabularyName.map { try lookupVocabulary($0) }
        func vocabularyFor(_ symbols: [SymbolLiteral]) throws -> Vocabulary {
            if let explicit { return explicit }
            // The most recent vocabulary that has every symbol.
            for name in symbols.isEmpty ? [] : self.symbols.names.reversed() {
                if case let .vocabulary(v)? = self.symbols[name], symbols.allSatisfy({ v.index(of: $0.text) != nil }) { return v }
            }
            throw Diagnostic(.expected("'over' and a vocabulary for the symbols", found: "symbol \(symbols[0].text)"), at: symbols[0].range)
        }
        func side(_ literal: Literal, _ what: String) throws -> (Matrix, Vocabulary?, [Int]?) {
            guard case let .list(items, range) = literal else {
                throw Diagnostic(.expected("a list of \(what) in brackets", found: "a single value"), at: literal.range)
            }
            guard !items.isEmpty else { throw Diagnostic(.emptyValue("the \(what) of sequence \(name)"), at: range) }
            if let blank = items.first(where: \.isBlank) {
                guard what == "targets" else { throw Self.misplacedBlank(blank.range) }
                return try withBlanks(items, range)
            }
            let symbols = items.compactMap { if case let .symbol(s) = $0 { return s } else { return nil } }
            if !symbols.isEmpty {
                guard symbols.count == items.count else { throw Diagnostic(.mixedTargets, at: range) }
                let vocabulary = try vocabularyFor(symbols)
                let indices = try symbols.enumerated().map { position, s in
                    guard let i = vocabulary.index(of: s.text) else {
                        throw Diagnostic(.symbolNotInVocabulary(s.kind == .token ? s.text : "'\(s.text)'", vocabulary: vocabulary.name, position: position + 1), at: s.range)
                    }
                    return i
                }
                return (SequenceExample.Steps.classes(indices.map(Int32.init), width: vocabulary.count).matrix, vocabulary, indices)
            }
            return (try matrix(from: literal, what: "the \(what) of sequence \(name)", rowsOfVectors: true), nil, nil)
        }
        /// Targets with `_` steps: the others give the targets' kind and width,
        /// and each `_` a placeholder row (zeros, or class 0) masked out.
        func withBlanks(_ items: [Literal], _ range: SourceRange) throws -> (Matrix, Vocabulary?, [Int]?) {
            let real = items.filter { !$0.isBlank }
            guard !real.isEmpty else {
                throw Diagnostic(.invalidDeclaration("every target of sequence \(name) is _: at least one step needs a target"), at: range)
            }
            let (m, vocabulary, classes) = try side(.list(real, range), "targets")
            var rows: [Double] = [], allClasses: [Int]? = classes.map { _ in [] }, next = 0
            for item in items {
                if item.isBlank {
                    rows += repeatElement(0, count: m.cols)
                    allClasses?.append(0)
                } else {
                    rows += m.row(next)
                    allClasses?.append(classes?[next] ?? 0)
                    next += 1
                }
            }
            return (Matrix(rows: items.count, cols: m.cols, storage: rows), vocabulary, allClasses)
        }
        let (x, inputVocabulary, inputSymbols) = try side(inputs, "inputs")
        let (y, targetVocabulary, targetClasses) = try side(targets, "targets")
        var example = SequenceExample(inputs: x, targets: y)
        if case let .list(items, _) = targets, items.contains(where: \.isBlank) { example.targetMask = items.map { !$0.isBlank } }
        return SequenceData(name: name, example: example,
                            inputVocabulary: inputVocabulary, inputSymbols: inputSymbols,
                            targetVocabulary: targetVocabulary, targetClasses: targetClasses)
    }

    /// `_` outside a sequence's list of targets.
    static func misplacedBlank(_ range: SourceRange) -> Diagnostic {
        Diagnostic(.invalidDeclaration("'_' marks a step without a target: it goes in a sequence's targets, as a whole step"), at: range)
    }

    /// A matrix from a literal: `[[1, 2], [3, 4]]` is 2×2; a flat `[1, 2]` is 1×2,
    /// or with `rowsOfVectors` (sequence steps) 2×1, one bare number per step.
    func matrix(from literal: Literal, what: String, rowsOfVectors: Bool = false) throws -> Matrix {
        guard case let .list(items, range) = literal else {
            if case let .number(n) = literal { return Matrix(rows: 1, cols: 1, storage: [n.value]) }
            throw Diagnostic(.expected("numbers in brackets", found: "a symbol"), at: literal.range)
        }
        guard !items.isEmpty else { throw Diagnostic(.emptyValue(what), at: range) }
        func number(_ item: Literal) throws -> Double {
            switch item {
            case let .number(n): return n.value
            case let .symbol(s): throw Diagnostic(.expected("a number", found: "symbol \(s.text)"), at: s.range)
            case let .list(_, r): throw Diagnostic(.nestingTooDeep(limit: 2), at: r)
            case let .blank(r): throw Self.misplacedBlank(r)
            }
        }
        let isNested = items.contains { if case .list = $0 { return true } else { return false } }
        if !isNested {
            let values = try items.map(number)
            return rowsOfVectors ? Matrix(rows: values.count, cols: 1, storage: values) : Matrix(row: values)
        }
        var rows: [[Double]] = []
        for (r, item) in items.enumerated() {
            let row: [Double]
            switch item {
            case let .list(entries, entriesRange):
                guard !entries.isEmpty else { throw Diagnostic(.emptyValue("row \(r + 1) of \(what)"), at: entriesRange) }
                row = try entries.map(number)
            case .number:
                row = [try number(item)]
            case let .symbol(s):
                throw Diagnostic(.expected("a number", found: "symbol \(s.text)"), at: s.range)
            case let .blank(r):
                throw Self.misplacedBlank(r)
            }
            if let first = rows.first, first.count != row.count {
                throw Diagnostic(.raggedMatrix(row: r + 1, expected: first.count, got: row.count), at: item.range)
            }
            rows.append(row)
        }
        return Matrix(rows)
    }

    func checkModel(_ name: Identifier, cell: Identifier, entries: [ModelEntry], blockRange: SourceRange) throws -> ModelConfiguration {
        guard let cellKind = CellKind(rawValue: cell.name) else {
            throw unknownChoice("cell", cell, CellKind.allCases.map(\.rawValue))
        }
        var seen: [String: SourceRange] = [:]
        var sizes: [String: Int] = [:]
        var layerWidths: [Int]?
        var configuration = ModelConfiguration(inputSize: 0, hiddenSize: 0, outputSize: 0, cell: cellKind, precision: symbols.precision)
        for entry in entries {
            if seen[entry.key.name] != nil {
                throw Diagnostic(.duplicateEntry(entry.key.name, block: "model \(name.name)"), at: entry.key.range)
            }
            seen[entry.key.name] = entry.range
            switch entry.value {
            case let .integer(n):
                let limit = entry.key.name == "layers" ? 16 : Self.maxDimension
                guard n.value >= 1 && n.value <= Double(limit) else {
                    throw Diagnostic(.valueOutOfRange(entry.key.name, value: n.text, allowed: "1 to \(limit)"), at: n.range)
                }
                sizes[entry.key.name] = Int(n.value)
            case let .vocabularySize(id):
                sizes[entry.key.name] = try lookupVocabulary(id).count
            case let .name(id):
                if entry.key.name == "state" {
                    guard let a = Activation(rawValue: id.name) else {
                        throw unknownChoice("activation", id, Activation.allCases.map(\.rawValue))
                    }
                    guard cellKind == .rnn || a == .tanh else {
                        throw Diagnostic(.invalidDeclaration("\(cellKind.rawValue) cells have their own gates; their state function is tanh"), at: id.range)
                    }
                    configuration.activation = a
                } else {
                    guard let r = Readout(rawValue: id.name) else {
                        throw unknownChoice("readout", id, Readout.allCases.map(\.rawValue))
                    }
                    configuration.readout = r
                }
            case let .integers(widths, range):
                guard widths.count <= 16 else {
                    throw Diagnostic(.valueOutOfRange("number of layers", value: String(widths.count), allowed: "1 to 16"), at: range)
                }
                for width in widths where !(width.value >= 1 && width.value <= Double(Self.maxDimension)) {
                    throw Diagnostic(.valueOutOfRange("hidden", value: width.text, allowed: "1 to \(Self.maxDimension)"), at: width.range)
                }
                layerWidths = widths.map { Int($0.value) }
                sizes["hidden"] = layerWidths!.last!
            case let .flag(on):
                if entry.key.name == "encoder" { configuration.encoderDecoder = on } else { configuration.bias = on }
            case let .placement(p):
                configuration.outputs = OutputPlacement(rawValue: p) ?? .every
            case let .initializer(id, arguments):
                configuration.initializer = try checkInitializer(id, arguments, entry.range)
            }
        }
        // Without a readout the output is the top layer's state: its width is the hidden size.
        if configuration.readout == .none, sizes["output"] == nil, let hidden = sizes["hidden"] { sizes["output"] = hidden }
        for required in ["input", "hidden", "output"] where sizes[required] == nil {
            throw Diagnostic(.missingEntry(required, block: "model \(name.name)"), at: blockRange)
        }
        configuration.inputSize = sizes["input"]!
        configuration.hiddenSize = sizes["hidden"]!
        configuration.outputSize = sizes["output"]!
        if configuration.readout == .none && configuration.outputSize != configuration.hiddenSize {
            throw Diagnostic(.invalidDeclaration("with 'readout none' the output is the top layer's state, so output must equal hidden (\(configuration.hiddenSize)), not \(configuration.outputSize)"),
                             at: seen["output"] ?? blockRange)
        }
        if let width = sizes["embedding"] {
            // A lookup by symbol: the input must be a vocabulary.
            guard case .vocabularySize? = entries.first(where: { $0.key.name == "input" })?.value else {
                throw Diagnostic(.invalidDeclaration("'embedding' looks up a row of E per input symbol: the input must be a vocabulary (input chars)"),
                                 at: seen["embedding"] ?? blockRange)
            }
            configuration.embedding = width
        }
        if configuration.encoderDecoder && configuration.outputs == .last {
            throw Diagnostic(.invalidDeclaration("an encoder–decoder's decoder emits a sequence: 'outputs last' does not apply (the encoder reads the source, the decoder answers)"),
                             at: seen["outputs"] ?? blockRange)
        }
        configuration.layers = sizes["layers"] ?? layerWidths?.count ?? 1
        if let layerWidths {
            // `hidden [20, 20]` implies `layers 2`; with both, they must agree.
            if let layers = sizes["layers"], layers != layerWidths.count {
                throw Diagnostic(.invalidDeclaration("'hidden' lists \(layerWidths.count) widths but 'layers' is \(layers)"), at: seen["layers"] ?? blockRange)
            }
            // Equal widths are the plain form, `hidden d` with `layers L`.
            configuration.layerWidths = Set(layerWidths).count == 1 ? nil : layerWidths
        }
        // Counted in Double: absurd sizes must not overflow before they are rejected.
        let count = configuration.parameterCountEstimate
        if count > Double(Self.maxParameters) {
            throw Diagnostic(.modelTooLarge(parameters: Int(min(count, 9e18)), limit: Self.maxParameters), at: blockRange)
        }
        return configuration
    }

    /// Statements that follow one unrolled network (flow, jacobian, trace, …)
    /// do not apply to an encoder–decoder's two stacks.
    func requireOneNetwork(_ configuration: ModelConfiguration, _ model: Identifier, _ what: String) throws {
        guard configuration.encoderDecoder else { return }
        throw Diagnostic(.invalidDeclaration("\(what) follows one unrolled network; model \(model.name) is an encoder–decoder (two stacks). "
                                             + "It can train (without truncation), predict, sample, show, save, load, and take loss, backward and gradcheck"),
                         at: model.range)
    }

    /// How many standard deviations from the mean a normal draw can reach, rounded up.
    static let normalDrawBound = 13.0

    func checkInitializer(_ id: Identifier, _ arguments: [NumberLiteral], _ range: SourceRange) throws -> Initializer {
        let names = Initializer.names
        func arity(_ expected: Int, _ shape: String) throws {
            guard arguments.count == expected else {
                throw Diagnostic(.wrongArgumentCount(function: id.name, expected: shape, got: arguments.count), at: range)
            }
        }
        switch id.name {
        case "uniform":
            try arity(2, "2 arguments (low, high)")
            guard arguments[0].value <= arguments[1].value else {
                throw Diagnostic(.valueOutOfRange("uniform low bound", value: arguments[0].text, allowed: "at most the high bound \(arguments[1].text)"), at: arguments[0].range)
            }
            // A draw is a + (b − a)·u: a width beyond the largest Double makes every weight infinite.
            guard (arguments[1].value - arguments[0].value).isFinite else {
                throw Diagnostic(.invalidDeclaration("uniform(\(arguments[0].text), \(arguments[1].text)) is too wide: its width b − a overflows a Double, so the weights would be infinite"),
                                 at: arguments[0].range.union(arguments[1].range))
            }
            return .uniform(arguments[0].value, arguments[1].value)
        case "normal":
            try arity(2, "2 arguments (mean, std)")
            guard arguments[1].value >= 0 else {
                throw Diagnostic(.valueOutOfRange("standard deviation", value: arguments[1].text, allowed: "0 or more"), at: arguments[1].range)
            }
            // The polar method's z = u·√(−2 ln s / s) has |z| ≤ √(−2 ln s) ≤ 12.01, as
            // s ≥ 2⁻¹⁰⁴ for the generator's doubles: every draw must be a finite Double.
            let mean = arguments[0].value, std = arguments[1].value
            guard (abs(mean) + Self.normalDrawBound * std).isFinite else {
                throw Diagnostic(.invalidDeclaration("normal(\(arguments[0].text), \(arguments[1].text)) can draw values beyond the largest Double (draws reach 13 standard deviations from the mean)"),
                                 at: arguments[0].range.union(arguments[1].range))
            }
            return .normal(mean: mean, std: std)
        case "xavier":
            try arity(0, "no arguments")
            return .xavier
        case "zeros":
            try arity(0, "no arguments")
            return .zeros
        default:
            throw unknownChoice("initializer", id, names)
        }
    }

    func checkOptimizer(_ kind: Identifier, _ entries: [OptimizerEntry]) throws -> OptimizerSettings {
        guard let optimizerKind = OptimizerKind(rawValue: kind.name) else {
            throw unknownChoice("optimizer", kind, OptimizerKind.allCases.map(\.rawValue))
        }
        var settings = OptimizerSettings(kind: optimizerKind)
        var seen = Set<String>()
        let keys = OptimizerSettings.keys(for: optimizerKind)
        for entry in entries {
            guard keys.contains(entry.key.name) else {
                throw Diagnostic(.unknownEntry(entry.key.name, block: "\(kind.name) optimizer", suggestion: closestMatch(to: entry.key.name, in: keys)),
                                 at: entry.key.range)
            }
            guard seen.insert(entry.key.name).inserted else {
                throw Diagnostic(.duplicateEntry(entry.key.name, block: "\(kind.name) optimizer"), at: entry.key.range)
            }
            let isFlag = OptimizerSettings.flagKeys.contains(entry.key.name)
            switch entry.value {
            case let .flag(on):
                guard isFlag else { throw Diagnostic(.expected("a number for '\(entry.key.name)'", found: on ? "'on'" : "'off'"), at: entry.range) }
                _ = settings.set(entry.key.name, on ? 1 : 0)
            case let .number(n):
                guard !isFlag else { throw Diagnostic(.expected("'on' or 'off' for '\(entry.key.name)'", found: "number \(n.text)"), at: n.range) }
                if let allowed = OptimizerCatalogue.hyperparameter(entry.key.name)?.check(n.value) {
                    throw Diagnostic(.valueOutOfRange(entry.key.name, value: n.text, allowed: allowed), at: n.range)
                }
                _ = settings.set(entry.key.name, n.value)
            }
        }
        if settings.nesterov && (settings.momentum <= 0 || settings.dampening != 0) {
            throw Diagnostic(.invalidDeclaration("nesterov momentum needs momentum > 0 and dampening 0"), at: kind.range)
        }
        return settings
    }

    func checkSet(_ path: [Identifier], _ value: Literal) throws -> CheckedStatement {
        let configuration = try lookupModel(path[0])
        let model = path[0].name, ref = try modelRef(path[0])
        let member = memberName(path)
        let memberRange = path[1].range.union(path[path.count - 1].range)
        let matrix = try self.matrix(from: value, what: "the value for \(model).\(member)")
        if let slot = configuration.stateSlots.first(where: { $0.name == member }) {
            guard matrix.rows == 1 && matrix.cols == slot.width else {
                throw Diagnostic(.shapeMismatch(target: "\(model).\(member)", expected: "1×\(slot.width) (1×d)", got: "\(matrix.rows)×\(matrix.cols)"), at: value.range)
            }
            return .setInitialState(model: ref, slot: slot, matrix)
        }
        guard let index = configuration.parameterShapes.firstIndex(where: { $0.name == member }) else {
            throw Diagnostic(.unknownParameter(model: model, member, suggestion: closestMatch(to: member, in: configuration.memberNames)),
                             at: memberRange)
        }
        let shape = configuration.parameterShapes[index]
        guard matrix.rows == shape.rows && matrix.cols == shape.cols else {
            throw Diagnostic(.shapeMismatch(target: "\(model).\(member)",
                                            expected: "\(shape.rows)×\(shape.cols) (\(symbolicShape(shape, in: configuration)))",
                                            got: "\(matrix.rows)×\(matrix.cols)"), at: value.range)
        }
        return .setParameter(model: ref, parameter: ParameterRef(name: member, index: index), matrix)
    }
}
