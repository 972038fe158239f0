import RNNRuntime

/// `trace … to "FILE"`: the step-by-step pass as Markdown (with $…$ math) or
/// as a LaTeX fragment, for homework. Same numbers as the text output.
enum TraceExporter {
    /// A number as math (both formats write every number inside math):
    /// the text output's digits, and `\mathrm{nan}`, `\infty`, `-\infty`
    /// for the values that are not finite.
    static func number(_ x: Double) -> String {
        if x.isNaN { return "\\mathrm{nan}" }
        if x.isInfinite { return x < 0 ? "-\\infty" : "\\infty" }
        return NumberFormatting.general(x)
    }

    /// A matrix as LaTeX: `\begin{bmatrix} … \end{bmatrix}`.
    static func bmatrix(_ m: Matrix) -> String {
        let rows = (0..<m.rows).map { r in (0..<m.cols).map { number(m[r, $0]) }.joined(separator: " & ") }
        return "\\begin{bmatrix} " + rows.joined(separator: " \\\\ ") + " \\end{bmatrix}"
    }

    static func equations(_ report: TraceReport) -> [(title: String, lines: [String])] {
        var sections: [(String, [String])] = []
        let sigma = report.activation
        for step in report.forward {
            var lines = [
                "x_{\(step.t)} = \(bmatrix(step.x))",
                "a_{\(step.t)} = x_{\(step.t)} U + s_{\(step.t - 1)} W + b = \(bmatrix(step.a))",
                "s_{\(step.t)} = \\mathrm{\(sigma)}(a_{\(step.t)}) = \(bmatrix(step.s))",
                "o_{\(step.t)} = s_{\(step.t)} V + c = \(bmatrix(step.o))",
                "\\hat y_{\(step.t)} = \\mathrm{\(report.readout)}(o_{\(step.t)}) = \(bmatrix(step.yhat))",
            ]
            if let target = step.target, let loss = step.loss {
                lines.append("y_{\(step.t)} = \(bmatrix(target)), \\quad L_{\(step.t)} = \(number(loss))")
            }
            sections.append(("Step \(step.t), forward", lines))
        }
        sections.append(("Total loss", ["L = \\sum_t L_t = \(number(report.total))"]))
        for step in report.backward {
            sections.append(("Step \(step.t), backward", [
                "\\delta^o_{\(step.t)} = \\partial L / \\partial o_{\(step.t)} = \(bmatrix(step.deltaO))",
                "\\partial L / \\partial s_{\(step.t)} = \\delta^o_{\(step.t)} V^\\top + \\delta_{\(step.t + 1)} W^\\top = \(bmatrix(step.deltaS))",
                "\\delta_{\(step.t)} = \\partial L / \\partial a_{\(step.t)} = \\partial L / \\partial s_{\(step.t)} \\odot \\sigma'(a_{\(step.t)}) = \(bmatrix(step.deltaA))",
                "s_{\(step.t)}^\\top \\delta^o_{\(step.t)} = \(bmatrix(step.dV)) \\quad (\\text{term of } \\partial L/\\partial V)",
                "s_{\(step.t - 1)}^\\top \\delta_{\(step.t)} = \(bmatrix(step.dW)) \\quad (\\text{term of } \\partial L/\\partial W)",
                "x_{\(step.t)}^\\top \\delta_{\(step.t)} = \(bmatrix(step.dU)) \\quad (\\text{term of } \\partial L/\\partial U)",
            ]))
        }
        sections.append(("Gradients", [
            "\\partial L/\\partial V = \\sum_t s_t^\\top \\delta^o_t = \(bmatrix(report.gradV))",
            "\\partial L/\\partial W = \\sum_t s_{t-1}^\\top \\delta_t = \(bmatrix(report.gradW))",
            "\\partial L/\\partial U = \\sum_t x_t^\\top \\delta_t = \(bmatrix(report.gradU))",
        ]))
        return sections
    }

    static func markdown(_ report: TraceReport) -> String {
        var out = "# Forward and backward pass of \(report.model)\n\n"
        out += "$s_t = \\mathrm{\(report.activation)}(x_t U + s_{t-1} W + b)$, $\\hat y_t = \\mathrm{\(report.readout)}(s_t V + c)$, loss \(report.loss.replacingUnderscores()).\n"
        for (title, lines) in equations(report) {
            out += "\n## \(title)\n\n"
            for line in lines { out += "$$\(line)$$\n\n" }
        }
        return out
    }

    static func latex(_ report: TraceReport) -> String {
        var out = "% Forward and backward pass of \(report.model), written by rnnscript's trace\n"
        out += "% (a fragment: \\input it in a document with \\usepackage{amsmath})\n"
        for (title, lines) in equations(report) {
            out += "\\subsection*{\(title)}\n\\begin{align*}\n"
            out += lines.map { "  & " + $0 }.joined(separator: " \\\\\n") + "\n\\end{align*}\n"
        }
        return out
    }
}

extension String {
    /// `cross_entropy` → `cross entropy` (underscores are special in TeX).
    func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}
