import RNNRuntime

/// The REPL's `:help` texts: an overview and one topic per statement, cell,
/// loss, optimizer and function. Plain data, so every topic can be tested.
public enum Help {
    public static let overview = """
        rnnscript: declare sequences, RNNs, losses and optimizers; run BPTT; train; inspect.
        Type a statement, or an expression to see its value:
          vocab chars = ['d', 'e', 'p', <stop>]
          sequence deep = "deep" over chars predicting next
          model net = rnn { input 4; hidden 3; output 4 }
          forward net on deep            show net.W            norm(grad net.W)
        A { … } block or an open [ continues on the next line (the prompt shows ...>).
        Meta-commands:
          :help [TOPIC]   this text, or a statement, cell, loss, optimizer or function
          :names          every declared name with its kind and shape
          :type EXPR      the kind and shape of an expression
          :load FILE      run a script into this session
          :save FILE      write this session's successful statements as a script
          :reset          forget everything
          :quit           leave (Ctrl-D too)
        Topics: \(topics.keys.sorted().joined(separator: " "))

        """

    /// The text of one topic, if there is one.
    public static func topic(_ name: String) -> String? { topics[name].map { $0 + "\n" } }

    /// The written topics, one per optimizer (from the runtime's catalogue) and one per loss.
    public static let topics: [String: String] = {
        var all = writtenTopics
        for entry in OptimizerCatalogue.entries { all[entry.kind.rawValue] = entry.help }
        for loss in LossKind.allCases { all[loss.rawValue] = loss.help }
        all["functions"] = ExpressionFunction.all.map { "\($0.name): \($0.help)" }.joined(separator: "; ")
            + ". + - * / elementwise (a number, or a 1×n row, applies to every row), @ matrix product;"
            + " m[i, j], m[i], m[:, j] from 0; loss M on S with L, predict M on S, gradcheck M on S with L."
        return all
    }()

    static let writtenTopics: [String: String] = [
        "seed": "seed N — reseed the generator (xoshiro256**); the same script and seed give the same output.",
        "precision": "precision float32|float64 — models declared afterwards compute in that precision (gradcheck stays Float64).",
        "vocab": """
            vocab NAME = ['a', "word", <stop>] — symbols: characters, words or <tokens>.
            vocab NAME = chars|words of "FILE" (with <stop>) — the distinct symbols of a file.
            vocab NAME = words|tags of tagged "FILE", words|labels of labelled "FILE".
            """,
        "sequence": """
            sequence NAME = "TEXT" over VOCAB predicting next — one-hot inputs, the next symbol as target.
            sequence NAME = inputs [[…], …] targets [[…], …] (over VOCAB) — rows of reals or symbols.
            sequence NAME = "TEXT" over V tagged "TAGS" over T | labelled "L" over T
            sequence NAME = file "FILE" over V predicting next;  sequence NAME = series S predicting next
            """,
        "series": "series NAME = [..] | file \"FILE\" | csv \"FILE\" column \"NAME\"|N (normalized) — one value per step.",
        "dataset": """
            dataset NAME = [s1, s2] | windows of SERIES size K | lines of "FILE" over V predicting next
                         | lines of "FILE" over V tagged over T | lines of "FILE" over V labelled over L
            """,
        "split": "split D into A, B at 0.8 (shuffled) — the first part and the rest.",
        "model": """
            model NAME = rnn|lstm|gru { input N; hidden N; output N; state tanh|sigmoid|relu|linear;
              readout softmax|sigmoid|linear; layers N; outputs every|last; bias on|off;
              init uniform(a, b)|normal(m, s)|xavier|zeros }   (input/output may name a vocabulary)
            """,
        "set": "set NAME.P = [[…]] — a parameter (shape-checked), or the initial state s0 / h0 / c0.",
        "loss": "loss NAME = cross_entropy|squared_error|binary_cross_entropy;  loss M on S with L is the loss as a value.",
        "optimizer": "optimizer NAME = sgd|adagrad|rmsprop|adam { lr X; … } — PyTorch's rules and defaults.",
        "forward": "forward M on S — the forward table: ŷ per step next to the target, L_t, and L = Σ_t L_t.",
        "backward": "backward M on S with L (truncate K (window)) — L and ∂L/∂P for every parameter by BPTT.",
        "show": "show EXPR — a parameter, grad net.W, net.s[3], an expression; show NET prints the model's summary.",
        "gradcheck": "gradcheck M on S with L — BPTT against central finite differences, max relative error per parameter.",
        "jacobian": "jacobian M on S from T to K — ∂s_T/∂s_K with its spectral and Frobenius norms.",
        "train": """
            train M on S with L, OPT for N epochs (truncate K (window)) (clip value V | clip norm N)
              (report every N) (batch B) (shuffle) (validate on D) (log) — Ctrl-C stops it after the current update;
              log records ‖g‖ before and after clipping for every update.
            """,
        "sample": "sample M over V from \"TEXT\" (length N) (until <stop>) (temperature T) — greedy, or drawn from softmax(o/T).",
        "expect": "expect EXPR <|<=|>|>=|== EXPR (within TOL) — a coursework assertion; a failure makes the run exit 1.",
        "let": "let NAME = EXPR — name a value.",
        "freeze": "freeze M.P — train leaves parameter P unchanged (no optimizer state, not in clipping's norm); show M marks it. unfreeze M.P undoes it.",
        "unfreeze": "unfreeze M.P — train changes parameter P again (after freeze M.P).",
        "save": "save M to \"FILE\" — the weights as JSON (format in the README); a FILE ending in .safetensors gets PyTorch's state_dict as safetensors.",
        "load": "load M from \"FILE\" — weights saved by save (or a PyTorch state_dict in a .safetensors FILE); checked fully before anything changes.",
        "predict": """
            predict M on S — the predicted target symbols as text: an encoder–decoder, or a network whose inputs after its
              first target are its previous targets (lines of … paired), answers on its own (each choice fed back) until <stop>;
              otherwise the most probable symbol at every step with a target. Alone as a statement: a table per sequence of
              what it reads, the answer and the truth, and how many are right.
              On numeric targets, alone as a statement (predict forecast on held): per sequence or window its inputs, the
              prediction at its last step with a target and the truth, in the series' units when it was normalized, with MAE and RMSE.
            """,
        "flow": """
            flow M on S — ‖∂s_T/∂s_k‖₂ for every k; for a one-layer vanilla RNN also the lecture's bound (γλ)^(T−k)
              with γ = max σ′ and λ = ‖W‖₂, and ρ(W). Norms below 1e-6 are marked vanishing, above 1e6 exploding.
            """,
        "decompose": """
            decompose M on S with L at T for W|U|b|V|c — the lecture's terms ∂L_T/∂s_T · ∂s_T/∂s_k · ∂⁺s_k/∂P, k = 1…T
              (k = T explicit, k < T implicit), each with its factors, their sum and the gradient by BPTT (V, c: one term);
              without 'at T': ∂L/∂P = Σ_t ∂L_t/∂P term by term (one-layer vanilla RNN).
            """,
        "compare": "compare M on S with L truncate K (window) — full minus truncated gradients, per parameter, with the relative difference.",
        "gates": "gates M on S — every gate's activations per step (LSTM: i, f, g, o; GRU: r, z, n); net.gate_f after a forward.",
        "trace": """
            trace M on S with L (to "FILE.md"|"FILE.tex") — a_t, s_t, o_t, ŷ_t, L_t, then the δ's and each step's terms
              of ∂L/∂V, ∂L/∂W, ∂L/∂U from the formulas; 'to' also writes Markdown or LaTeX (one-layer vanilla RNN).
            """,
        "draw": """
            draw M — the folded network (x_t, s_t, ŷ_t with U, W, V); draw M on S — unrolled over S's steps with its symbols
              (long sequences: the first 2 steps, …, the last 2); draw M cell — inside one cell (LSTM: the gates, ⊙, + and
              the cell state's conveyor belt; GRU: r, z, n). Boxes in the terminal (--ascii for ASCII), SVG in --report.
            """,
        "plot": """
            plot EXPR — a vector draws a sparkline (an SVG line in the report), a matrix a shaded heat map: plot net.losses, plot net.W.
              plot Y1, Y2, … against X — curves over X's values, one chart: let a = linspace(-6, 6, 121); plot tanh(a), 1 - tanh(a) * tanh(a) against a.
            """,
        "rnn": "rnn: a_t = x_t U + s_{t-1} W + b;  s_t = σ(a_t);  ŷ_t = O(s_t V + c).",
        "lstm": """
            lstm: i = σ(x U_i + h W_i + b_i)  f = σ(x U_f + h W_f + b_f)  g = tanh(x U_g + h W_g + b_g)
                  o = σ(x U_o + h W_o + b_o)  c_t = f ⊙ c_{t-1} + i ⊙ g  h_t = o ⊙ tanh(c_t);  state [h, c]
            """,
        "gru": """
            gru: r = σ(x U_r + h W_r + b_r)  z = σ(x U_z + h W_z + b_z)
                 n = tanh(x U_n + b_n + r ⊙ (h W_n + bh_n))  h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
            """,
        "clip": "clip value V clamps each gradient element to [-V, V]; clip norm N scales all by N/(‖g‖ + 1e-6) when that is below 1.",
        "truncate": "truncate K: chunks of K steps, the entering state a constant, an update per chunk; truncate K window: each L_t through its last K steps.",
    ]
}
