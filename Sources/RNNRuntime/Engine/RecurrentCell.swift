/// What the layer driver (`Workspace`) needs of a recurrent cell: one step
/// forward and one step backward for the B sequences of a batch, over rows of
/// the span's buffers. Each cell is one file (`VanillaCell`, `LSTMCell`,
/// `GRUCell`) with its forward and backward step side by side; the driver
/// owns layers, time and direction, the products with U, W and V, and the
/// weight gradients.
///
/// A layer's gate pre-activations sit side by side in one row per sequence
/// (G·d wide, PyTorch's gate order): the driver computes x_t·U + b for the
/// whole span in one product and hands each step its rows.
protocol RecurrentCell {
    associatedtype Scalar: RNNScalar
    /// Takes the cell's own buffers for one layer (beyond the driver's h, gates
    /// and their gradients) from the workspace's arena.
    init(_ shape: CellShape, arena: Arena<Scalar>)
    /// Whether W's gradient differs from the gate gradients U and b get (the
    /// GRU's n block sees r ⊙ h·W_n): `backward` then writes it to `recurrent`.
    static var hasSeparateRecurrentGradient: Bool { get }
    /// Whether `backward` leaves in `dh` the part of ∂L/∂h_{t−1} that does not
    /// pass through W (the GRU's z ⊙ ∂L/∂h_t); the driver adds the W path to it.
    static var keepsDirectPath: Bool { get }
    /// A state beside h, laid out like h: ((capacity+1)·B) × d, block 0 the
    /// entering state (an LSTM's c); nil if the cell has none.
    var cellState: UnsafeMutablePointer<Scalar>? { get }
    /// ∂L/∂(that state) carried from step t+1 to step t (B × d).
    var cellCarry: UnsafeMutablePointer<Scalar>? { get }
    /// Step t: from x_t·U + b in `step.gates` and h_{t−1}, the gates and h_t.
    func forward(_ step: ForwardStep<Scalar>)
    /// Step t back: from ∂L/∂h_t (and the cell carry), the gradients of the
    /// gate pre-activations, leaving ∂L/∂c_{t−1} in the cell carry.
    func backward(_ step: BackwardStep<Scalar>)
    /// Gradients of parameters only this cell has, from the span's W-side step
    /// gradients ((T·B) rows of G·d), written into `gradients` (`PackedLayout` order).
    func weightGradients(recurrent: UnsafePointer<Scalar>, rows: Int, into gradients: UnsafeMutablePointer<Scalar>)
}

extension RecurrentCell {
    static var hasSeparateRecurrentGradient: Bool { false }
    static var keepsDirectPath: Bool { false }
    var cellState: UnsafeMutablePointer<Scalar>? { nil }
    var cellCarry: UnsafeMutablePointer<Scalar>? { nil }
    func weightGradients(recurrent: UnsafePointer<Scalar>, rows: Int, into gradients: UnsafeMutablePointer<Scalar>) {}
}

/// One layer's shape as a cell sees it.
struct CellShape {
    let configuration: ModelConfiguration
    /// Where the layer's parameters sit in the packed buffer.
    let layer: PackedLayout.Layer
    /// B sequences, up to `capacity` steps per span.
    let batch: Int
    let capacity: Int
    var hidden: Int { layer.hidden }
    /// G·d: one row of gates.
    var width: Int { layer.width }
}

/// One forward step of one layer, for the B sequences of the batch.
struct ForwardStep<F: RNNScalar> {
    /// The step within the span: its rows are t·B ..< (t+1)·B.
    let t: Int
    /// B × G·d: x_t·U + b in; the activated gates out (kept for the backward step).
    let gates: UnsafeMutablePointer<F>
    /// h_{t−1} and h_t, B × d each.
    let hPrev: UnsafePointer<F>
    let hNext: UnsafeMutablePointer<F>
    /// h·W, for the cell to place where its formula has it.
    let recurrent: RecurrentProduct<F>
    /// Every parameter, in `PackedLayout` order.
    let parameters: UnsafePointer<F>
}

/// One backward step of one layer, for the B sequences of the batch.
struct BackwardStep<F: RNNScalar> {
    let t: Int
    /// B × G·d: the step's activated gates (as `forward` left them).
    let gates: UnsafePointer<F>
    let hPrev: UnsafePointer<F>
    let hNext: UnsafePointer<F>
    /// B × d: ∂L/∂h_t in; with `keepsDirectPath`, the direct part of ∂L/∂h_{t−1} out.
    let dh: UnsafeMutablePointer<F>
    /// B × G·d out: ∂L/∂(gate pre-activations), for U and b (and for W unless separate).
    let input: UnsafeMutablePointer<F>
    /// B × G·d out, with `hasSeparateRecurrentGradient`: the gradient for W.
    let recurrent: UnsafeMutablePointer<F>
}

/// out (B × G·d) = h·W + beta·out, beta 0 or 1: W read in place, or packed
/// into panels once per pass (for batches of 8 or more rows, where each panel
/// is reused by every row and reading W in place would stride across pages).
struct RecurrentProduct<F: RNNScalar> {
    let batch: Int, hidden: Int, width: Int
    let weights: UnsafePointer<F>
    let panels: UnsafePointer<F>?

    @inline(__always)
    func callAsFunction(_ h: UnsafePointer<F>, beta: F, into out: UnsafeMutablePointer<F>) {
        if let panels {
            F.packedProduct(m: batch, n: width, k: hidden, h, lda: hidden, panels: panels, beta: beta, out, ldc: width)
        } else {
            F.product(false, false, m: batch, n: width, k: hidden, h, lda: hidden, weights, ldb: width, beta: beta, out, ldc: width)
        }
    }
}

/// A cell behind fixed function values, so the workspace holds one type for
/// every cell. The functions are made where the cell's type is concrete, so
/// they run the cell's specialised code.
struct EngineCell<F: RNNScalar> {
    let hasSeparateRecurrentGradient: Bool
    let keepsDirectPath: Bool
    let cellState: UnsafeMutablePointer<F>?
    let cellCarry: UnsafeMutablePointer<F>?
    let forward: (ForwardStep<F>) -> Void
    let backward: (BackwardStep<F>) -> Void
    let weightGradients: (UnsafePointer<F>, Int, UnsafeMutablePointer<F>) -> Void

    init<Cell: RecurrentCell>(_ cell: Cell) where Cell.Scalar == F {
        hasSeparateRecurrentGradient = Cell.hasSeparateRecurrentGradient
        keepsDirectPath = Cell.keepsDirectPath
        cellState = cell.cellState
        cellCarry = cell.cellCarry
        forward = { cell.forward($0) }
        backward = { cell.backward($0) }
        weightGradients = { cell.weightGradients(recurrent: $0, rows: $1, into: $2) }
    }
}

/// out[j] = Σ_r block[r·stride + j] for j < width, summed in row order (as a
/// plain loop would), eight columns at a time.
@inline(__always)
func columnSums<F: RNNScalar>(_ block: UnsafePointer<F>, rows: Int, width: Int, stride: Int, into out: UnsafeMutablePointer<F>) {
    for j in Swift.stride(from: 0, to: width, by: 8) {
        var total = Lanes<F>()
        for r in 0..<rows { total += (block + r * stride).lanes(j, width) }
        out.setLanes(total, j, width)
    }
}
