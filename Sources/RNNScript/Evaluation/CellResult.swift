import RNNRuntime

/// What a cell produced: data for the renderers, never text.
public enum CellResult: Sendable {
    case seed(UInt64)
    case precision(Precision)
    case vocabulary(Vocabulary)
    case sequence(SequenceData)
    case series(SeriesData)
    case dataset(DatasetData)
    case split(first: DatasetData, second: DatasetData)
    case sample(SampleReport)
    /// `forward` over a dataset: each sequence's loss and their mean.
    case datasetForward(model: String, dataset: String, losses: [Double], names: [String])
    case model(name: String, RNNModel)
    /// `show M`: the model, with the parameters `freeze` holds (by index).
    case modelSummary(name: String, RNNModel, frozen: Set<Int>)
    /// `freeze M.P` / `unfreeze M.P`, and every parameter frozen now.
    case frozen(model: String, parameter: String, frozen: Bool, all: [String])
    case parameterSet(path: String, Matrix)
    case loss(name: String, LossKind)
    case optimizer(name: String, OptimizerSettings)
    case forward(ForwardReport)
    case backward(BackwardReport)
    case value(label: String, Value)
    case gradcheck(GradcheckReport)
    case jacobian(JacobianReport)
    case train(TrainReport)
    case expectation(ExpectationReport)
    case flow(FlowReport)
    case decomposition(DecompositionReport)
    case comparison(ComparisonReport)
    case gates(GatesReport)
    case trace(TraceReport)
    case plot(PlotReport)
    case forecast(ForecastReport)
    /// `predict M on D` alone, on symbol targets: each sequence's answer beside the truth.
    case answers(AnswerReport)
    /// `draw`: a picture of the network (boxes in the terminal, SVG in the report).
    case drawing(model: String, NetworkDrawing)
    case saved(model: String, path: String)
    case loaded(model: String, path: String)
}

public struct ForwardReport: Sendable {
    public var model: String
    public var sequence: SequenceData
    public var configuration: ModelConfiguration
    public var loss: LossKind
    public var trace: ForwardTrace
}

public struct BackwardReport: Sendable {
    public var model: String
    public var sequence: String
    public var loss: Double
    public var truncation: Truncation
    public var names: [String]
    public var gradients: [Matrix]
}

public struct GradcheckReport: Sendable {
    public var model: String
    public var names: [String]
    public var errors: [Double]
    /// The tolerance the verdict uses.
    public static let tolerance = 1e-6
}

public struct JacobianReport: Sendable {
    public var model: String
    public var t: Int
    public var k: Int
    public var matrix: Matrix
    public var spectralNorm: Double
    public var frobeniusNorm: Double
}

public struct SampleReport: Sendable {
    public var model: String
    public var vocabulary: Vocabulary
    public var prime: [Int]
    public var generated: [Int]
    public var temperature: Double?
}

public struct TrainReport: Sendable {
    public var model: String
    public var epochs: Int
    public var losses: [Double]
    /// The held-out loss after each epoch (empty without `validate on`).
    public var validationLosses: [Double] = []
    public var updates: Int
    public var reportEvery: Int
    public var options: TrainingOptions
    public var stop: TrainingStop?
    /// Every update, with `log`.
    public var updateLog: [UpdateRecord] = []
    public var parameterNames: [String] = []
    /// With `--timing`: the input steps (characters) processed, the seconds
    /// taken, and the threads the runtime's passes ran on.
    public var timing: (steps: Int, seconds: Double, threads: Int)?
    /// Set when training hit a non-finite value: the cell shows the epochs it
    /// completed, then this error, and the run fails.
    public var failure: Diagnostic?
}

public struct ExpectationReport: Sendable {
    public var source: String
    public var actual: Value
    public var op: ComparisonOperator
    public var expected: Value
    public var tolerance: Double?
    public var passed: Bool
}

/// ‖∂s_T/∂s_k‖₂ for every k < T, next to the lecture's bound (γλ)^(T−k).
public struct FlowReport: Sendable {
    public struct Row: Sendable {
        public var k: Int
        public var norm: Double
        /// (γλ)^(T−k) for a one-layer vanilla RNN, nil otherwise.
        public var bound: Double?
        /// "vanishing" below 1e-6, "exploding" above 1e6, "" otherwise.
        public var verdict: String
    }
    public var model: String
    public var t: Int
    /// γ = max σ′ (¼ sigmoid, 1 tanh) and λ = ‖W‖₂, for a one-layer vanilla RNN.
    public var gamma: Double?
    public var lambda: Double?
    /// ρ(W), the spectral radius, for a one-layer vanilla RNN.
    public var spectralRadius: Double?
    public var rows: [Row]
    /// A stacked vanilla RNN: per layer ℓ, the norms of the diagonal block
    /// ∂h^ℓ_T/∂h^ℓ_k of the Jacobian and the bound (γλ_ℓ)^(T−k) with
    /// λ_ℓ = ‖W_ℓ‖₂. The layers below do not depend on layer ℓ, so that block
    /// is the product of ℓ's own steps, diag(σ′(a^ℓ_j)) W_ℓᵀ, and the lecture's
    /// bound holds for it exactly. Empty for other models.
    public var layers: [Layer] = []

    public struct Layer: Sendable {
        public var layer: Int
        public var lambda: Double
        public var spectralRadius: Double
        public var rows: [Row]
    }
}

public struct DecompositionReport: Sendable {
    public struct Term: Sendable {
        /// k (with `at`) or t (the split of ∂L/∂P).
        public var step: Int
        public var matrix: Matrix
        public var norm: Double
        /// With `at` T, for W, U and b: the term's factors, matrix = inputᵀ (ds ⊙ dsigma).
        public var factors: Factors?
    }

    /// The three factors of the k-th term of ∂L_T/∂P, P ∈ {W, U, b}.
    public struct Factors: Sendable {
        /// ∂L_T/∂s_k = ∂L_T/∂s_T · ∂s_T/∂s_k (1×d).
        public var ds: Matrix
        /// σ′(a_k) (1×d).
        public var dsigma: Matrix
        /// The row ∂⁺a_k/∂P multiplies: s_{k−1} for W, x_k for U, [1] for b.
        public var input: Matrix
    }
    public var model: String
    public var parameter: String
    /// T for ∂L_T/∂P; nil for the split ∂L/∂P = Σ_t ∂L_t/∂P.
    public var at: Int?
    public var terms: [Term]
    public var sum: Matrix
    /// The same gradient computed directly by BPTT.
    public var grad: Matrix
}

public struct ComparisonReport: Sendable {
    public struct Row: Sendable {
        public var name: String
        public var full: Matrix
        public var truncated: Matrix
        public var difference: Matrix
        /// ‖full − truncated‖_F / ‖full‖_F (0 when both are 0).
        public var relative: Double
    }
    public var model: String
    public var truncation: Truncation
    public var rows: [Row]
}

public struct GatesReport: Sendable {
    public var model: String
    /// Gate name (with layer prefix) → T×d activations, row t−1 for step t.
    public var gates: [(String, Matrix)]
}

/// Every quantity of the lecture's forward and backward pass, step by step.
public struct TraceReport: Sendable {
    public struct Step: Sendable {
        public var t: Int
        public var x: Matrix, a: Matrix, s: Matrix, o: Matrix, yhat: Matrix
        public var target: Matrix?
        public var loss: Double?
    }
    public struct BackStep: Sendable {
        public var t: Int
        /// δ^o_t = ∂L/∂o_t, ∂L/∂s_t and δ_t = ∂L/∂a_t.
        public var deltaO: Matrix, deltaS: Matrix, deltaA: Matrix
        /// This step's terms of ∂L/∂V, ∂L/∂W, ∂L/∂U.
        public var dV: Matrix, dW: Matrix, dU: Matrix
    }
    public var model: String
    public var activation: String
    public var readout: String
    public var loss: String
    public var forward: [Step]
    public var total: Double
    public var backward: [BackStep]
    public var gradV: Matrix, gradW: Matrix, gradU: Matrix
    public var export: TraceExport?
}

/// `predict M on D` on numeric targets: per sequence (a window), its inputs,
/// the prediction at its last step with a target and the truth there, in the
/// series' units when it was normalized.
public struct ForecastReport: Sendable {
    public struct Row: Sendable {
        public var name: String
        public var inputs: Matrix
        public var predicted: [Double]
        public var truth: [Double]
    }
    public var model: String
    public var data: String
    public var normalization: SeriesData.Normalization?
    public var rows: [Row]

    /// Mean absolute and root mean square error over every predicted value.
    public var errors: (mae: Double, rmse: Double) {
        let differences = rows.flatMap { zip($0.predicted, $0.truth).map { $0 - $1 } }
        guard !differences.isEmpty else { return (0, 0) }
        let n = Double(differences.count)
        return (differences.reduce(0) { $0 + abs($1) } / n, (differences.reduce(0) { $0 + $1 * $1 } / n).squareRoot())
    }
}

/// `predict M on D` on symbol targets: per sequence what it reads, the
/// answer the model gives (on its own where it feeds back its choices) and the truth.
public struct AnswerReport: Sendable {
    public struct Row: Sendable {
        public var name: String
        public var reads: String
        public var predicted: [Int]
        public var truth: [Int]
    }
    public var model: String
    public var data: String
    public var vocabulary: Vocabulary
    /// Whether answers feed back their own choices (encoder–decoder, teacher-forced data).
    public var freeRunning: Bool
    public var rows: [Row]

    /// Answers exactly right, and symbols right in place out of the true symbols.
    public var accuracy: (exact: Int, symbols: Int, of: Int) {
        (rows.filter { $0.predicted == $0.truth }.count,
         rows.reduce(0) { total, row in total + zip(row.predicted, row.truth).filter { $0 == $1 }.count },
         rows.reduce(0) { $0 + $1.truth.count })
    }
}

public struct PlotReport: Sendable {
    public enum Kind: Sendable {
        case line([Double])
        case heatmap(Matrix)
        /// `plot Y1, Y2 against X`: the curves over X's values (over 1, 2, … without X).
        case curves([Curve], x: Curve?)
    }
    public struct Curve: Sendable {
        public var label: String
        public var values: [Double]
    }
    public var label: String
    public var kind: Kind
}
