/// State Jacobians ∂s_t/∂s_k from the backward walk, s every layer's state
/// concatenated (h, and c when the cell has one).
extension Workspace {
    /// ∂s_t/∂s_k for every k = 0 … t−1 in one sweep (index k): each row's
    /// backward walk records its carry at every step it passes.
    func stateJacobians(from t: Int) -> [Matrix] {
        precondition(B == 1)
        let S = net.configuration.stateWidth, cell = net.configuration.cell
        let offsets = stateOffsets
        var result = (0..<t).map { _ in Matrix(rows: S, cols: S) }
        var seeds = (0..<L).map { l in [F](repeating: 0, count: cell.stateWidth(hidden: hidden[l])) }
        for i in 0..<S {
            for l in 0..<L { for j in seeds[l].indices { seeds[l][j] = 0 } }
            let owner = (0..<L).last { offsets[$0] <= i }!
            seeds[owner][i - offsets[owner]] = 1
            resetCarries()
            for step in stride(from: t - 1, through: 0, by: -1) {
                walkStep(step, seedTop: false, propagate: true, seeds: step == t - 1 ? seeds : nil)
                for l in 0..<L {
                    let d = hidden[l], at = offsets[l]
                    for j in 0..<d { result[step][i, at + j] = carryH[l][j].double }
                    if let dc = cells[l].cellCarry {
                        for j in 0..<d { result[step][i, at + d + j] = dc[j].double }
                    }
                }
            }
        }
        clearStepGradients()
        return result
    }

    /// J[i][m] = ∂s_t[i]/∂s_k[m] for sequence 0 of the span (0 ≤ k < t ≤ T),
    /// s the concatenated state of every layer: element k of the sweep above.
    func stateJacobian(from t: Int, to k: Int) -> Matrix {
        stateJacobians(from: t)[k]
    }
}
