import Foundation
import Testing
@testable import RNNScript

/// `--emit-pytorch` (issue 16): the program for a small script holds the
/// modules, optimizer, loss and training settings it should, its data file
/// the weights and sequences; a train PyTorch cannot do is an error, not a
/// wrong program; every example's program compiles (python3 -m py_compile,
/// no torch needed). That the programs compute rnnscript's losses is
/// `scripts/check-pytorch`'s job (it needs torch).
@Suite("--emit-pytorch", .serialized)
struct PyTorchProgramTests {
    static func emit(_ script: String) -> Result<PyTorchProgram.Output, PyTorchEmitError> {
        var errors = ""
        let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { errors += $0 })
        return runner.emitPyTorch(SourceFile(name: "small.rnn", text: script), dataFile: "small.safetensors")
    }

    static let small = """
        seed 4
        vocab v = ['a', 'b', 'c']
        sequence s = "abcabcab" over v predicting next
        sequence t = "cbacba" over v predicting next
        dataset d = [s, t]
        model net = lstm { input v; embedding 2; hidden 3; output v; layers 2 }
        loss xent = cross_entropy
        optimizer opt = adam { lr 0.01 }
        flow net on s
        train net on d with xent, opt for 4 epochs, batch 2, shuffle, truncate 3, clip norm 1, report every 2
        """

    @Test("a small script's program: modules, optimizer, loss, settings, generator")
    func smallProgram() throws {
        guard case let .success(output) = Self.emit(Self.small) else { Issue.record("not emitted"); return }
        let python = output.python
        for line in [
            "class Model_net(nn.Module):",
            "self.embedding = nn.Embedding(3, 2)",
            "self.rnn = nn.LSTM(2, 3, num_layers=2, bias=True, batch_first=True)",
            "self.readout = nn.Linear(3, 3, bias=True)",
            "x = x @ self.embedding.weight",
            "opt_opt_net = torch.optim.Adam(net_net.parameters(), lr=0.01, betas=(0.9, 0.999)",
            "dataset(\"t1.\"), ce_softmax, device=device,",
            "epochs=epochs(4), batch=2, shuffle=True, truncate=3,",
            "clip=lambda ps: nn.utils.clip_grad_norm_(ps, 1),",
            "(\"rnn.bias_hh_l0\", 0, 3)",
            "generator=ScriptGenerator([0x",
            "# [10] train net on d with xent",
            "#   [9] flow net on s",
            "flow: no PyTorch counterpart here: rnnscript only",
            "parser.add_argument(\"--device\"",
            "parser.add_argument(\"--dtype\", default=\"float64\"",
            "DistributedDataParallel",
        ] {
            #expect(python.contains(line), "missing: \(line)")
        }
        let contents = try SafeTensors.decode(output.data)
        let names = Set(contents.tensors.map(\.name))
        for name in ["t1.model.embedding.weight", "t1.model.rnn.weight_ih_l1", "t1.model.readout.bias", "t1.x", "t1.y", "t1.mask", "t1.steps"] {
            #expect(names.contains(name), "missing tensor \(name)")
        }
        // Two sequences of 7 steps (8 and 6 characters predicting the next), 3 symbols.
        #expect(contents.tensors.first { $0.name == "t1.x" }?.shape == [2, 7, 3])
    }

    @Test("losses and readouts map to rnnscript's L")
    func losses() {
        #expect(Emitter.stepLoss(.crossEntropy, .softmax) == "ce_softmax")
        #expect(Emitter.stepLoss(.binaryCrossEntropy, .sigmoid) == "bce_sigmoid")
        #expect(Emitter.stepLoss(.squaredError, .linear) == "squared_error(\"linear\")")
        #expect(Emitter.stepLoss(.crossEntropy, .sigmoid) == "cross_entropy(\"sigmoid\")")
    }

    @Test("a train PyTorch cannot do yet is an error naming it")
    func unsupported() {
        let encoderDecoder = """
            vocab v = ['a', 'b', <stop>]
            sequence s = inputs ['a', 'b'] targets [_, _, 'b', 'a', <stop>] over v
            model m = gru { input v; hidden 2; output v; encoder on }
            loss x = cross_entropy
            optimizer o = sgd { lr 0.1 }
            train m on s with x, o for 1 epochs
            """
        guard case let .failure(.unsupported(message)) = Self.emit(encoderDecoder) else {
            Issue.record("an encoder–decoder was emitted"); return
        }
        #expect(message.contains("encoder"))
        guard case let .failure(.unsupported(none)) = Self.emit("model m = rnn { input 1; hidden 1; output 1 }") else {
            Issue.record("a script without train was emitted"); return
        }
        #expect(none.contains("no train"))
    }

    @Test("every example's program compiles with python3 -m py_compile")
    func examplesCompile() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscript-emit-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var compiled = 0
        for script in exampleScripts() {
            let text = try String(contentsOf: packageRoot.appendingPathComponent(script), encoding: .utf8)
            guard text.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("train ") }) else { continue }
            let name = (script as NSString).lastPathComponent.replacingOccurrences(of: ".rnn", with: "")
            let out = scratch.appendingPathComponent(name + ".py").path
            let emitted = try runBinary(["--emit-pytorch", out, script])
            if text.contains("encoder on") {
                #expect(emitted.status == 65 && emitted.stderr.contains("encoder"), "\(script): \(emitted.stderr)")
                continue
            }
            #expect(emitted.status == 0, "\(script): \(emitted.stderr)")
            #expect(FileManager.default.fileExists(atPath: scratch.appendingPathComponent(name + ".safetensors").path))
            let compile = try runProgram("/usr/bin/env", ["python3", "-m", "py_compile", out])
            #expect(compile.status == 0, "\(script): \(compile.stderr)")
            compiled += 1
        }
        #expect(compiled >= 20)
    }
}
