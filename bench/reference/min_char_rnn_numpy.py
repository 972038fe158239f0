#!/usr/bin/env python3
"""The project's numpy reference for the `small` benchmark preset.

What a user without rnnscript would write: a Float64 character-level language
model with a vanilla RNN, trained the way bench/small.rnn trains it, so that
`scripts/bench --vs-numpy` can state rnnscript's speed as a ratio measured in
the same run on the same machine.

The model and its training, in rnnscript's row convention (README, "The math"):

    a_t = x_t U + s_{t-1} W + b,   s_t = tanh(a_t)          U: V×H, W: H×H, b: H
    o_t = s_t V + c,               p_t = softmax(o_t)        V: H×V, c: V
    chunk loss = -Σ_t log p_t[target_t]   (summed cross-entropy)

- hidden 100, the corpus read as one sequence cut into chunks of 25
  characters; full BPTT inside a chunk; the state s is carried from chunk to
  chunk (a constant for the gradient) and reset when the text starts again;
- weights drawn from normal(0, 0.01), biases zero;
- every gradient element clipped to [-5, 5] once a chunk's gradients are
  complete, then one Adagrad step (PyTorch's rule, as rnnscript's:
  G += g², p -= lr·g / (√G + 1e-10)), lr 0.1.

`--input dense` multiplies a one-hot row vector by U and forms the full outer
product for ∂L/∂U (what the classic min-char-rnn script does); `--input index`
reads row U[x_t] and adds into that row only. Both work step by step, as such
scripts do.

Prints, after a warm-up that is not timed, one line

    RESULT impl=numpy preset=small input=dense chars_per_s=… loss=… threads=1 …

with the characters of training per second and the mean loss per character
over the timed chunks. numpy's BLAS is held to `--threads` threads (default 1)
through the usual environment variables, set before numpy is imported.

    python3 bench/reference/min_char_rnn_numpy.py --seconds 10 --input index
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(os.path.dirname(HERE), "data", "corpus.txt")


def parse_arguments():
    parser = argparse.ArgumentParser(description="numpy reference for rnnscript's `small` benchmark preset")
    parser.add_argument("--input", choices=["dense", "index"], default="dense",
                        help="one-hot vector times U (dense, the classic script) or a row lookup (index)")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed training time (default 10)")
    parser.add_argument("--warmup", type=int, default=100, help="chunks trained before the clock starts (default 100)")
    parser.add_argument("--data", default=CORPUS, help="the training text (default bench/data/corpus.txt)")
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--chunk", type=int, default=25)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="threads for numpy's BLAS (default 1)")
    return parser.parse_args()


class CharRNN:
    """Parameters, Adagrad accumulators and one chunk of BPTT."""

    def __init__(self, np, symbols, hidden, lr, seed, dense):
        self.np = np
        rng = np.random.default_rng(seed)
        self.U = rng.normal(0.0, 0.01, (symbols, hidden))
        self.W = rng.normal(0.0, 0.01, (hidden, hidden))
        self.V = rng.normal(0.0, 0.01, (hidden, symbols))
        self.b = np.zeros(hidden)
        self.c = np.zeros(symbols)
        self.params = [self.U, self.W, self.b, self.V, self.c]
        self.squares = [np.zeros_like(p) for p in self.params]
        self.lr = lr
        self.dense = dense
        self.one_hot = np.eye(symbols)

    def chunk(self, inputs, targets, state):
        """Forward and backward over one chunk from `state`; returns (loss, last state)
        and leaves the clipped gradients in self.grads."""
        np = self.np
        U, W, V, b, c = self.U, self.W, self.V, self.b, self.c
        steps = len(inputs)
        states = [state]              # states[t] is s_t; states[0] the carried state
        probs = []
        loss = 0.0
        for t in range(steps):
            if self.dense:
                a = self.one_hot[inputs[t]] @ U
            else:
                a = U[inputs[t]].copy()
            a += states[-1] @ W
            a += b
            s = np.tanh(a)
            o = s @ V + c
            e = np.exp(o - o.max())
            p = e / e.sum()
            loss -= np.log(p[targets[t]])
            states.append(s)
            probs.append(p)

        dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros_like(b)
        dV, dc = np.zeros_like(V), np.zeros_like(c)
        carry = np.zeros_like(b)      # ∂L/∂s_t arriving from step t+1
        for t in reversed(range(steps)):
            s, previous = states[t + 1], states[t]
            do = probs[t].copy()      # softmax with cross-entropy: p - y
            do[targets[t]] -= 1.0
            dV += np.outer(s, do)
            dc += do
            da = (V @ do + carry) * (1.0 - s * s)
            db += da
            if self.dense:
                dU += np.outer(self.one_hot[inputs[t]], da)
            else:
                dU[inputs[t]] += da
            dW += np.outer(previous, da)
            carry = W @ da
        self.grads = [dU, dW, db, dV, dc]
        for g in self.grads:
            np.clip(g, -5.0, 5.0, out=g)
        return loss, states[-1]

    def step(self):
        """One Adagrad update with the gradients of the last chunk."""
        np = self.np
        for p, g, squares in zip(self.params, self.grads, self.squares):
            squares += g * g
            p -= self.lr * g / (np.sqrt(squares) + 1e-10)


def main():
    args = parse_arguments()
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    import numpy as np

    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    alphabet = sorted(set(text))
    position_of = {ch: i for i, ch in enumerate(alphabet)}
    codes = np.array([position_of[ch] for ch in text], dtype=np.int64)
    if len(codes) < 2 * args.chunk:
        sys.exit(f"min_char_rnn_numpy: {args.data} is too short for chunks of {args.chunk}")

    model = CharRNN(np, len(alphabet), args.hidden, args.lr, args.seed, args.input == "dense")
    state = np.zeros(args.hidden)
    start = 0
    trained = 0                       # chunks so far
    clock = None
    timed_chars, timed_loss = 0, 0.0
    while True:
        # The last target of a chunk is the character after it; a chunk that
        # would run past the text starts the text again with a fresh state.
        if start + args.chunk + 1 > len(codes):
            start, state = 0, np.zeros(args.hidden)
        inputs = codes[start:start + args.chunk]
        targets = codes[start + 1:start + args.chunk + 1]
        loss, state = model.chunk(inputs, targets, state)
        model.step()
        start += args.chunk
        trained += 1
        if clock is None:
            if trained >= args.warmup:
                clock = time.perf_counter()
            continue
        timed_chars += args.chunk
        timed_loss += loss
        elapsed = time.perf_counter() - clock
        if elapsed >= args.seconds:
            break

    print(f"RESULT impl=numpy preset=small input={args.input} chars_per_s={timed_chars / elapsed:.0f} "
          f"loss={timed_loss / timed_chars:.3f} threads={args.threads} dtype=float64 hidden={args.hidden} "
          f"symbols={len(alphabet)} chunk={args.chunk} chunks={trained} seconds={elapsed:.2f}", flush=True)


if __name__ == "__main__":
    main()
