import RNNRuntime

/// `--emit-pytorch`: a checked script and what each of its `train`s started
/// from (`TrainingCapture`) → a standalone PyTorch program and the tensors it
/// reads (the weights before each `train`, its sequences as padded tensors).
///
/// Exactness comes from replaying, not re-deriving: rnnscript runs the script
/// once and records, at every `train`, the model's weights, the sequences it
/// trains on and the generator's state words; the program starts each train
/// from those values, shuffles with a port of the generator, and computes the
/// same L (`Loss.swift`) with nn.RNN/LSTM/GRU and the same optimizer. What the
/// other statements computed reaches it only through those recorded values;
/// they appear as comments.
public enum PyTorchProgram {
    public struct Failure: Error, Equatable, Sendable {
        public var message: String
    }

    /// The program's text and its data file's bytes (safetensors).
    public struct Output: Sendable {
        public var python: String
        public var data: [UInt8]
    }

    /// `dataFile` is the data file's name, looked up beside the program.
    public static func emit(cells: [CheckedCell], source: SourceFile, captures: [TrainingCapture],
                            dataFile: String) throws(Failure) -> Output {
        guard !captures.isEmpty else { throw Failure(message: "the script has no train to turn into PyTorch") }
        var emitter = Emitter(source: source, cells: cells)
        for (i, capture) in captures.enumerated() { try emitter.add(capture, number: i + 1) }
        return Output(python: emitter.program(dataFile: dataFile),
                      data: SafeTensors.encode(emitter.tensors, metadata: [("format", "pt"), ("rnnscript", "--emit-pytorch data for " + source.name)]))
    }

    /// A Python float literal that reads back as the same Double.
    static func literal(_ x: Double) -> String {
        if x.isNaN { return "float(\"nan\")" }
        if x.isInfinite { return x < 0 ? "-float(\"inf\")" : "float(\"inf\")" }
        return NumberFormatting.roundTrip(x)
    }

    /// A Python string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

/// Builds one program: model classes (one per distinct declaration), then
/// one block per `train`, in order.
struct Emitter {
    let source: SourceFile
    let cells: [CheckedCell]
    var tensors: [SafeTensors.Entry] = []
    var classes: [(name: String, model: String, configuration: ModelConfiguration, text: String)] = []
    var blocks: [String] = []
    /// Python variables holding an optimizer that has made updates: "opt_adam_net".
    var liveOptimizers: [String: String] = [:]
    var precision: Precision?

    init(source: SourceFile, cells: [CheckedCell]) {
        self.source = source
        self.cells = cells
    }

    mutating func add(_ capture: TrainingCapture, number: Int) throws(PyTorchProgram.Failure) {
        let c = capture.modelState.configuration
        let cellNumber = (cells.firstIndex { $0.range == capture.range } ?? 0) + 1
        let line = source.location(of: capture.range.start).line
        func unsupported(_ what: String) -> PyTorchProgram.Failure {
            PyTorchProgram.Failure(message: "line \(line): train \(capture.model): \(what) has no PyTorch version yet")
        }
        if c.encoderDecoder { throw unsupported("an encoder–decoder model (encoder on)") }
        if c.cell != .rnn && c.activation != .tanh { throw unsupported("a \(c.cell.rawValue) with state \(c.activation.rawValue)") }
        if case .window = capture.options.truncation { throw unsupported("truncate K window") }
        if capture.modelState.initialState.storage.contains(where: { $0 != 0 }) { throw unsupported("a nonzero initial state") }
        if !capture.options.frozen.isEmpty && capture.settings.weightDecay != 0 { throw unsupported("weight_decay with frozen parameters") }
        precision = precision ?? c.precision
        let className = try modelClass(capture.model, c)
        let prefix = "t\(number)."
        addWeights(capture.modelState, prefix: prefix + "model.")
        addData(capture.data, c, prefix: prefix)
        if !capture.validation.isEmpty { addData(capture.validation, c, prefix: prefix + "held.") }

        let net = "net_" + capture.model, opt = "opt_\(capture.optimizer)_\(capture.model)"
        var lines: [String] = []
        let title = TextRenderer().renderSource(cell: cellNumber, source: source.slice(capture.range))
        lines += title.split(separator: "\n").map { "    # " + $0 }
        let continuing = capture.optimizerSteps > 0
        if continuing {
            guard liveOptimizers[opt] == className else {
                throw unsupported("an optimizer state from before the script's trains")
            }
            lines.append("    # \(capture.optimizer) goes on from its state after the last train of \(capture.model) (\(capture.optimizerSteps) updates so far)")
        } else {
            lines.append("    \(net) = \(className)().to(device=device, dtype=dtype)")
        }
        lines.append("    load(\(net), stored, \(PyTorchProgram.quoted(prefix + "model.")))")
        if !continuing { lines.append("    \(opt) = \(Self.optimizer(capture.settings, net))") }
        liveOptimizers[opt] = className
        lines.append("    losses, held, updates = fit(")
        lines.append("        \(net), \(opt), dataset(\(PyTorchProgram.quoted(prefix))), \(Self.stepLoss(capture.loss, c.readout)), device=device,")
        let o = capture.options
        var truncate = "None"
        if case let .chunks(k) = o.truncation { truncate = "\(k)" }
        lines.append("        epochs=epochs(\(o.epochs)), batch=\(o.batchSize), shuffle=\(o.shuffle ? "True" : "False"), truncate=\(truncate),")
        lines.append("        clip=\(Self.clipping(o.clipping)),")
        lines.append("        keep=keep_masks(\(net), \(Self.keepRanges(c, frozen: o.frozen))),")
        lines.append("        generator=ScriptGenerator([\(capture.generator.map { "0x" + String($0, radix: 16) }.joined(separator: ", "))]),")
        lines.append("        held=\(capture.validation.isEmpty ? "None" : "dataset(\(PyTorchProgram.quoted(prefix + "held.")))"))")
        let titleLine = title.hasSuffix("\n") ? String(title.dropLast()) : title
        lines.append("    finish(args, \(PyTorchProgram.quoted(titleLine)), \(capture.reportEvery), \(PyTorchProgram.quoted(Self.settings(o))),")
        lines.append("           \(net), dataset(\(PyTorchProgram.quoted(prefix))), \(Self.stepLoss(capture.loss, c.readout)), losses, held, updates)")
        lines.append("    trained = (\(net), \(PyTorchProgram.quoted(capture.model)))")
        blocks.append(lines.joined(separator: "\n"))
    }

    /// torch.optim with rnnscript's settings (the same rules: `OptimizerCatalogue`).
    static func optimizer(_ s: OptimizerSettings, _ net: String) -> String {
        let f = PyTorchProgram.literal
        switch s.kind {
        case .sgd:
            return "torch.optim.SGD(\(net).parameters(), lr=\(f(s.lr)), momentum=\(f(s.momentum)), dampening=\(f(s.dampening)), "
                + "nesterov=\(s.nesterov ? "True" : "False"), weight_decay=\(f(s.weightDecay)))"
        case .adagrad:
            return "torch.optim.Adagrad(\(net).parameters(), lr=\(f(s.lr)), lr_decay=\(f(s.lrDecay)), eps=\(f(s.eps)), weight_decay=\(f(s.weightDecay)))"
        case .rmsprop:
            return "torch.optim.RMSprop(\(net).parameters(), lr=\(f(s.lr)), alpha=\(f(s.alpha)), eps=\(f(s.eps)), momentum=\(f(s.momentum)), "
                + "centered=\(s.centered ? "True" : "False"), weight_decay=\(f(s.weightDecay)))"
        case .adam:
            return "torch.optim.Adam(\(net).parameters(), lr=\(f(s.lr)), betas=(\(f(s.beta1)), \(f(s.beta2))), eps=\(f(s.eps)), weight_decay=\(f(s.weightDecay)))"
        }
    }

    /// L_t per step for a loss and readout (`Loss.swift`'s pairs).
    static func stepLoss(_ loss: LossKind, _ readout: Readout) -> String {
        switch (loss, readout) {
        case (.crossEntropy, .softmax): return "ce_softmax"
        case (.binaryCrossEntropy, .sigmoid): return "bce_sigmoid"
        case (.crossEntropy, _): return "cross_entropy(\"\(readout.rawValue)\")"
        case (.squaredError, _): return "squared_error(\"\(readout.rawValue)\")"
        case (.binaryCrossEntropy, _): return "binary_cross_entropy(\"\(readout.rawValue)\")"
        }
    }

    static func clipping(_ c: Clipping) -> String {
        switch c {
        case .none: return "None"
        case let .value(v): return "lambda ps: nn.utils.clip_grad_value_(ps, \(PyTorchProgram.literal(v)))"
        case let .norm(n): return "lambda ps: nn.utils.clip_grad_norm_(ps, \(PyTorchProgram.literal(n)))"
        }
    }

    /// The settings in the summary line, as rnnscript's table writes them.
    static func settings(_ o: TrainingOptions) -> String {
        var parts: [String] = []
        if case let .chunks(k) = o.truncation { parts.append("truncate \(k)") }
        switch o.clipping {
        case .none: break
        case let .value(v): parts.append("clip value \(NumberFormatting.significant(v))")
        case let .norm(n): parts.append("clip norm \(NumberFormatting.significant(n))")
        }
        if o.batchSize > 1 { parts.append("batch \(o.batchSize)") }
        if o.shuffle { parts.append("shuffled") }
        return parts.joined(separator: ", ")
    }

    /// The flat element ranges training leaves alone, per state_dict tensor:
    /// bias_hh's parts that rnnscript folds into its one bias, and frozen parameters.
    static func keepRanges(_ c: ModelConfiguration, frozen: Set<Int>) -> String {
        let shapes = c.parameterShapes
        var ranges: [String] = []
        for tensor in ModelPorting.stateDict(c) {
            for part in tensor.parts where part.summed || frozen.contains(part.parameter) {
                let size = shapes[part.parameter].rows * shapes[part.parameter].cols
                ranges.append("(\(PyTorchProgram.quoted(tensor.name)), \(part.offset), \(part.offset + size))")
            }
        }
        return "[" + ranges.joined(separator: ", ") + "]"
    }
}
