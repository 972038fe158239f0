// The optimizers' update loops of one instruction-set unit: included by
// kernels_unit.h once per precision after defining OT (the element type),
// OW (lanes per vector) and ONAME(x) (the unit's name).
//
// Each lane does the scalar update rule with IEEE additions, multiplications,
// divisions and square roots only, in the order written (the file is compiled
// with -ffp-contract=off), so every width gives the same bits. The rules are
// PyTorch's (torch.optim), as RNNRuntime/Optimizer.swift documents them.

typedef OT ONAME(vec) __attribute__((ext_vector_type(OW)));
#define OV ONAME(vec)

/// Lanes i ..< i + OW of `p`, zero past n.
static inline __attribute__((always_inline)) OV ONAME(get)(const OT *p, long i, long n) {
    OV v = (OV)(OT)0;
    if (i + OW <= n) __builtin_memcpy(&v, p + i, sizeof v);
    else __builtin_memcpy(&v, p + i, sizeof(OT) * (size_t)(n - i));
    return v;
}
/// Stores the lanes of v that fall before n.
static inline __attribute__((always_inline)) void ONAME(put)(OT *p, long i, long n, OV v) {
    if (i + OW <= n) __builtin_memcpy(p + i, &v, sizeof v);
    else __builtin_memcpy(p + i, &v, sizeof(OT) * (size_t)(n - i));
}

static long ONAME(update)(const rnn_update_rule *rule, long n, const OT *p, const OT *g0, const OT *m0,
                          const OT *v0, const OT *a0, OT *np, OT *nm, OT *nv, OT *na) {
    const OT lr = (OT)rule->lr, wd = (OT)rule->weight_decay, eps = (OT)rule->eps;
    OV finite = (OV)(OT)0; // Σ (x − x): 0 while every new parameter is finite, NaN after any NaN or ∞.
    switch (rule->kind) {
    case RNN_UPDATE_SGD: {
        const OT mu = (OT)rule->momentum, damp = 1 - (OT)rule->dampening;
        for (long i = 0; i < n; i += OW) {
            OV pi = ONAME(get)(p, i, n);
            OV g = ONAME(get)(g0, i, n) + wd * pi;
            if (mu != 0) {
                OV buffer = rule->first_step ? g : mu * ONAME(get)(m0, i, n) + damp * g;
                ONAME(put)(nm, i, n, buffer);
                g = rule->nesterov ? g + mu * buffer : buffer;
            }
            OV next = pi - lr * g;
            ONAME(put)(np, i, n, next);
            finite += next - next;
        }
        break;
    }
    case RNN_UPDATE_ADAGRAD: {
        const OT clr = (OT)rule->adagrad_lr;
        for (long i = 0; i < n; i += OW) {
            OV pi = ONAME(get)(p, i, n);
            OV g = ONAME(get)(g0, i, n) + wd * pi;
            OV sum = ONAME(get)(m0, i, n) + g * g;
            ONAME(put)(nm, i, n, sum);
            OV next = pi - clr * g / (__builtin_elementwise_sqrt(sum) + eps);
            ONAME(put)(np, i, n, next);
            finite += next - next;
        }
        break;
    }
    case RNN_UPDATE_RMSPROP: {
        const OT alpha = (OT)rule->alpha, keep = 1 - alpha, mu = (OT)rule->momentum;
        for (long i = 0; i < n; i += OW) {
            OV pi = ONAME(get)(p, i, n);
            OV g = ONAME(get)(g0, i, n) + wd * pi;
            OV square = alpha * ONAME(get)(v0, i, n) + keep * g * g;
            ONAME(put)(nv, i, n, square);
            OV avg;
            if (rule->centered) {
                OV mean = alpha * ONAME(get)(a0, i, n) + keep * g;
                ONAME(put)(na, i, n, mean);
                avg = __builtin_elementwise_sqrt(square - mean * mean) + eps;
            } else {
                avg = __builtin_elementwise_sqrt(square) + eps;
            }
            OV next;
            if (rule->momentum > 0) {
                OV buffer = mu * ONAME(get)(m0, i, n) + g / avg;
                ONAME(put)(nm, i, n, buffer);
                next = pi - lr * buffer;
            } else {
                next = pi - lr * g / avg;
            }
            ONAME(put)(np, i, n, next);
            finite += next - next;
        }
        break;
    }
    case RNN_UPDATE_ADAM: {
        const OT b1 = (OT)rule->beta1, b2 = (OT)rule->beta2, keep1 = 1 - b1, keep2 = 1 - b2;
        const OT step_size = (OT)rule->adam_step_size, root_bc2 = (OT)rule->adam_root_bc2;
        for (long i = 0; i < n; i += OW) {
            OV pi = ONAME(get)(p, i, n);
            OV g = ONAME(get)(g0, i, n) + wd * pi;
            OV m = b1 * ONAME(get)(m0, i, n) + keep1 * g;
            OV v = b2 * ONAME(get)(v0, i, n) + keep2 * g * g;
            ONAME(put)(nm, i, n, m);
            ONAME(put)(nv, i, n, v);
            OV next = pi - step_size * m / (__builtin_elementwise_sqrt(v) / root_bc2 + eps);
            ONAME(put)(np, i, n, next);
            finite += next - next;
        }
        break;
    }
    default: return 0;
    }
    for (int l = 0; l < OW; l++)
        if (finite[l] != 0) { // NaN != 0 too
            for (long i = 0; i < n; i++)
                if (np[i] - np[i] != 0) return i;
        }
    return -1;
}

#undef OV
