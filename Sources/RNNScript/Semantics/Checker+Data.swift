import RNNRuntime

extension Checker {
    /// Runs a data-file parser, turning its problems into diagnostics at the path.
    private func parse<T>(_ path: StringLiteral, _ body: () throws(DataFiles.Problem) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw Diagnostic(.badDataFile(path.value, line: error.line, detail: error.detail), at: path.range)
        }
    }

    /// `chars of "f"`, `words of tagged "f"`, `tags of tagged "f"`, `labels of labelled "f"`:
    /// the distinct symbols in Unicode order, then any extra symbols.
    func buildDerivedVocabulary(_ name: Identifier, _ derived: DerivedVocabulary) throws -> Vocabulary {
        let text = try read(derived.path)
        var found = Set<String>()
        switch (derived.unit, derived.format) {
        case (.chars, .plain):
            for scalar in text.unicodeScalars { found.insert(String(scalar)) }
        case (.words, .plain):
            found.formUnion(DataFiles.symbols(Substring(text), words: true))
        case (.chars, .tagged), (.words, .tagged), (.tags, .tagged):
            for line in try parse(derived.path, { () throws(DataFiles.Problem) in try DataFiles.taggedLines(text) }) {
                if derived.unit == .tags { found.formUnion(line.tags) }
                else if derived.unit == .words { found.formUnion(line.words) }
                else { for w in line.words { for s in w.unicodeScalars { found.insert(String(s)) } } }
            }
        case (.chars, .labelled), (.words, .labelled), (.labels, .labelled):
            for line in try parse(derived.path, { () throws(DataFiles.Problem) in try DataFiles.labelledLines(text) }) {
                if derived.unit == .labels { found.insert(line.label) }
                else { found.formUnion(DataFiles.symbols(line.text, words: derived.unit == .words)) }
            }
        default:
            throw Diagnostic(.invalidDeclaration("'\(derived.unit.rawValue) of' needs a \(derived.unit == .tags ? "tagged" : "labelled") file: write '\(derived.unit.rawValue) of \(derived.unit == .tags ? "tagged" : "labelled") \"…\"'"), at: derived.path.range)
        }
        var symbols = found.sorted { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes(Array($1.unicodeScalars.map(\.value))) }
        let kind: SymbolLiteral.Kind = derived.unit == .chars ? .character : .word
        var kinds = Array(repeating: kind, count: symbols.count)
        for item in derived.extra where !symbols.contains(item.text) {
            symbols.append(item.text)
            kinds.append(item.kind)
        }
        guard !symbols.isEmpty else { throw Diagnostic(.emptyValue("vocabulary \(name.name) (\(derived.path.value) has no symbols)"), at: derived.path.range) }
        // A word-level vocabulary must be marked as such even if every word has one letter.
        if derived.unit != .chars && !kinds.contains(.word) { kinds[0] = .word }
        return Vocabulary(name: name.name, symbols: symbols, kinds: kinds)
    }

    func buildSeries(_ name: Identifier, _ source: SeriesSource) throws -> SeriesData {
        let values: [Double]
        switch source {
        case let .list(literal):
            let m = try matrix(from: literal, what: "series \(name.name)", rowsOfVectors: true)
            guard m.cols == 1 else {
                throw Diagnostic(.invalidDeclaration("a series has one value per step; this list has \(m.cols) per row"), at: literal.range)
            }
            values = m.storage
        case let .file(path):
            let text = try read(path)
            values = try parse(path, { () throws(DataFiles.Problem) in try DataFiles.numbers(text) })
            guard !values.isEmpty else { throw Diagnostic(.emptyValue("series \(name.name) (\(path.value) has no numbers)"), at: path.range) }
        case let .csv(path, column):
            let text = try read(path)
            let which: DataFiles.Column
            switch column {
            case let .name(n): which = .name(n.value)
            case let .index(i): which = .index(Int(i.value))
            }
            values = try parse(path, { () throws(DataFiles.Problem) in try DataFiles.csvColumn(text, which) })
        }
        return SeriesData(name: name.name, values: Matrix(rows: values.count, cols: 1, storage: values))
    }

    func buildDataset(_ name: Identifier, _ source: DatasetSource) throws -> DatasetData {
        switch source {
        case let .list(members):
            guard !members.isEmpty else { throw Diagnostic(.emptyValue("dataset \(name.name)"), at: name.range) }
            var dataset = DatasetData(name: name.name, sequences: try members.flatMap { try lookupSequences($0) })
            let candidates = try members.flatMap { try lookupCandidates($0) }
            if candidates != dataset.sequences { dataset.mayHold = candidates }
            return dataset
        case let .windows(seriesName, size):
            let series = try lookupSeries(seriesName)
            let w = Int(size.value), count = series.values.rows - w
            guard w >= 1, count >= 1 else {
                throw Diagnostic(.valueOutOfRange("window size", value: size.text, allowed: "1 to \(series.values.rows - 1) for series \(series.name)"), at: size.range)
            }
            // Window i: inputs v_i … v_{i+w−1}, target v_{i+w} (sequence to vector).
            let v = series.values.storage
            let sequences = (0..<count).map { i in
                var window = SequenceData(name: "\(name.name)[\(i + 1)]",
                                          example: SequenceExample(inputs: Matrix(rows: w, cols: 1, storage: Array(v[i..<(i + w)])),
                                                                   targets: Matrix(rows: 1, cols: 1, storage: [v[i + w]])))
                window.normalization = series.normalization
                return window
            }
            return DatasetData(name: name.name, sequences: sequences)
        case let .parts(count, path, vocabularyName):
            let vocabulary = try lookupVocabulary(vocabularyName)
            let text = try read(path)
            let symbols = try symbolIndices(Substring(text), vocabulary, literal: nil, origin: path.value, range: path.range)
            let n = Int(count.value), length = symbols.count / max(n, 1)
            guard n >= 1, length >= 2 else {
                throw Diagnostic(.valueOutOfRange("number of parts", value: count.text,
                                                  allowed: "1 to \(symbols.count / 2) for the \(symbols.count) symbols of \(path.value)"), at: count.range)
            }
            // Part i: symbols [i·length, (i+1)·length); inputs all but the last, targets the next symbol.
            let sequences = (0..<n).map { i -> SequenceData in
                let part = Array(symbols[(i * length)..<((i + 1) * length)])
                return classSequence("\(name.name)[\(i + 1)]", Array(part.dropLast()), vocabulary, Array(part.dropFirst()), vocabulary)
            }
            return DatasetData(name: name.name, sequences: sequences)
        case let .lines(path, vocabularyName, target):
            let vocabulary = try lookupVocabulary(vocabularyName)
            let text = try read(path)
            var sequences: [SequenceData] = []
            var oneSymbolLines = 0
            func indices(_ body: Substring, _ line: Int) throws -> [Int] {
                try symbolIndices(body, vocabulary, literal: nil, origin: path.value, range: path.range, line: line)
            }
            switch target {
            case .next:
                for (offset, line) in DataFiles.lines(text).enumerated() where !DataFiles.trimmed(line).isEmpty {
                    var symbols = try indices(line, offset + 1)
                    var targets = Array(symbols.dropFirst())
                    if let stop = vocabulary.index(of: "<stop>") { targets.append(stop) } else { symbols = Array(symbols.dropLast()) }
                    if symbols.isEmpty { oneSymbolLines += 1; continue }
                    sequences.append(classSequence("\(name.name)[\(sequences.count + 1)]", symbols, vocabulary, targets, vocabulary))
                }
            case .paired:
                // Source s_1…s_m, target y_1…y_n (+ <stop>): inputs s_1…s_m y_1…y_{n−1},
                // targets _ (m − 1 times) y_1…y_n: the answer starts at the source's last step.
                for (offset, line) in DataFiles.lines(text).enumerated() where !DataFiles.trimmed(line).isEmpty {
                    guard let tab = line.firstIndex(of: "\t") else {
                        throw Diagnostic(.badDataFile(path.value, line: offset + 1, detail: "no tab between the source and the target"), at: path.range)
                    }
                    let source = try indices(line[..<tab], offset + 1)
                    var answer = try indices(line[line.index(after: tab)...], offset + 1)
                    if let stop = vocabulary.index(of: "<stop>") { answer.append(stop) }
                    guard !source.isEmpty, !answer.isEmpty else {
                        throw Diagnostic(.badDataFile(path.value, line: offset + 1, detail: "an empty source or target"), at: path.range)
                    }
                    var data = classSequence("\(name.name)[\(sequences.count + 1)]", source + answer.dropLast(), vocabulary,
                                             Array(repeating: 0, count: source.count - 1) + answer, vocabulary)
                    data.example.targetMask = Array(repeating: false, count: source.count - 1) + Array(repeating: true, count: answer.count)
                    sequences.append(data)
                }
            case let .tagged(tagName):
                let tags = try lookupVocabulary(tagName)
                for line in try parse(path, { () throws(DataFiles.Problem) in try DataFiles.taggedLines(text) }) {
                    let words = try indices(Substring(line.words.joined(separator: vocabulary.isWordLevel ? " " : "")), line.line)
                    let tagIndices = try symbolIndicesOfList(line.tags, tags, path, line.line)
                    guard words.count == tagIndices.count else {
                        throw Diagnostic(.badDataFile(path.value, line: line.line, detail: "\(words.count) symbols but \(tagIndices.count) tags"), at: path.range)
                    }
                    sequences.append(classSequence("\(name.name)[\(sequences.count + 1)]", words, vocabulary, tagIndices, tags))
                }
            case let .labelled(labelName):
                let labels = try lookupVocabulary(labelName)
                for line in try parse(path, { () throws(DataFiles.Problem) in try DataFiles.labelledLines(text) }) {
                    let symbols = try indices(line.text, line.line)
                    let label = try symbolIndicesOfList([line.label], labels, path, line.line)
                    sequences.append(classSequence("\(name.name)[\(sequences.count + 1)]", symbols, vocabulary, label, labels))
                }
            }
            guard !sequences.isEmpty else { throw Diagnostic(.emptyValue("dataset \(name.name) (\(path.value) has no lines)"), at: path.range) }
            return DatasetData(name: name.name, sequences: sequences, blankLines: DataFiles.blankLineCount(text), oneSymbolLines: oneSymbolLines)
        }
    }

    /// Whole symbols (tags, labels) looked up one by one.
    private func symbolIndicesOfList(_ items: [String], _ vocabulary: Vocabulary, _ path: StringLiteral, _ line: Int) throws -> [Int] {
        try items.enumerated().map { position, item in
            guard let i = vocabulary.index(of: item) else {
                throw Diagnostic(.symbolNotInVocabulary("\"\(item)\" (\(path.value) line \(line))", vocabulary: vocabulary.name, position: position + 1), at: path.range)
            }
            return i
        }
    }

    func checkSample(_ modelName: Identifier, _ vocabularyName: Identifier, _ prime: StringLiteral, _ options: SampleOptions) throws -> CheckedStatement {
        let configuration = try lookupModel(modelName)
        let vocabulary = try lookupVocabulary(vocabularyName)
        let range = modelName.range.union(vocabularyName.range)
        guard configuration.inputSize == vocabulary.count && configuration.outputSize == vocabulary.count else {
            throw Diagnostic(.inputWidthMismatch(model: modelName.name, width: configuration.inputSize, sequence: "over \(vocabulary.name)",
                                                 description: "is one-hot over \(vocabulary.count) symbols (sampling feeds each output back as the next input)"), at: range)
        }
        guard configuration.readout == .softmax else {
            throw Diagnostic(.invalidDeclaration("sampling needs a softmax readout; model \(modelName.name) has \(configuration.readout.rawValue)"), at: modelName.range)
        }
        guard configuration.outputs == .every else {
            throw Diagnostic(.invalidDeclaration("sampling needs 'outputs every'"), at: modelName.range)
        }
        let primeIndices = try symbolIndices(Substring(prime.value), vocabulary, literal: prime, origin: "text", range: prime.range)
        guard !primeIndices.isEmpty else { throw Diagnostic(.emptyValue("the text to start from"), at: prime.range) }
        var until: Int?
        if let symbol = options.until {
            guard let i = vocabulary.index(of: symbol.text) else {
                throw Diagnostic(.symbolNotInVocabulary(symbol.kind == .token ? symbol.text : "'\(symbol.text)'", vocabulary: vocabulary.name, position: 1), at: symbol.range)
            }
            until = i
        }
        let length = options.length.map { Int($0.value) } ?? (until == nil ? 20 : 200)
        guard length >= 1 && length <= 100_000 else {
            throw Diagnostic(.valueOutOfRange("length", value: String(length), allowed: "1 to 100000"), at: options.length?.range ?? prime.range)
        }
        if let t = options.temperature, t.value < 0 {
            throw Diagnostic(.valueOutOfRange("temperature", value: t.text, allowed: "0 or more (0 is greedy)"), at: t.range)
        }
        return .sample(model: try modelRef(modelName), vocabulary: vocabulary, prime: primeIndices, length: length, until: until,
                       temperature: options.temperature.map(\.value))
    }
}
