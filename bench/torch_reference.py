#!/usr/bin/env python3
"""The four bench configurations in PyTorch, to measure rnnscript against it in
the same run on the same machine (the bench README's PyTorch figures come from
another CPU). Not part of the build or the tests: run it from a throwaway
virtual environment,

    v=$(mktemp -d)/venv; python3 -m venv $v && $v/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    $v/bin/python bench/torch_reference.py big --threads 2

Each preset trains on bench/data/corpus.txt exactly as bench/<preset>.rnn does:
one-hot characters in, a vanilla RNN (tanh), LSTM or GRU, a linear readout,
softmax cross-entropy summed over each chunk and averaged over the batch,
truncated BPTT with the state carried across chunks. Prints
    RESULT impl=pytorch preset=… chars_per_s=… threads=…
"""
import argparse
import os
import time

import torch

PRESETS = {
    # name: (cell, dtype, hidden, batch, chunk, optimizer)
    "small": ("rnn", torch.float64, 100, 1, 25, "adagrad"),
    "big": ("rnn", torch.float32, 512, 32, 64, "adam"),
    "lstm": ("lstm", torch.float32, 256, 32, 64, "adam"),
    "gru": ("gru", torch.float32, 256, 32, 64, "adam"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("preset", choices=sorted(PRESETS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cell, dtype, hidden, batch, chunk, opt = PRESETS[args.preset]

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    text = open(os.path.join(root, "bench", "data", "corpus.txt")).read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text])
    V = len(chars)
    # The corpus cut into `batch` parallel streams, as `parts 32 of` does.
    length = (len(ids) - 1) // batch
    streams = ids[: length * batch + 1]
    inputs = torch.stack([streams[b * length: (b + 1) * length] for b in range(batch)])
    targets = torch.stack([streams[b * length + 1: (b + 1) * length + 1] for b in range(batch)])

    rnn = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](V, hidden, batch_first=True).to(dtype)
    readout = torch.nn.Linear(hidden, V).to(dtype)
    params = list(rnn.parameters()) + list(readout.parameters())
    optimizer = torch.optim.Adagrad(params, lr=0.1) if opt == "adagrad" else torch.optim.Adam(params, lr=0.002)
    eye = torch.eye(V, dtype=dtype)

    def state():
        h = torch.zeros(1, batch, hidden, dtype=dtype)
        return (h, h.clone()) if cell == "lstm" else h

    h = state()
    start, chars_done, position, warm = None, 0, 0, 20
    while True:
        if position + chunk > length:
            position, h = 0, state()
        x = eye[inputs[:, position: position + chunk]]
        y = targets[:, position: position + chunk]
        out, h = rnn(x, h)
        h = tuple(s.detach() for s in h) if cell == "lstm" else h.detach()
        logits = readout(out)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1), reduction="sum") / batch
        optimizer.zero_grad()
        loss.backward()
        if opt == "adagrad":
            torch.nn.utils.clip_grad_value_(params, 5.0)
        optimizer.step()
        position += chunk
        if warm > 0:
            warm -= 1
            if warm == 0:
                start = time.perf_counter()
            continue
        chars_done += batch * chunk
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds:
            break
    print(f"RESULT impl=pytorch preset={args.preset} chars_per_s={chars_done / elapsed:.0f} "
          f"loss={loss.item() / chunk:.3f} threads={args.threads} torch={torch.__version__}", flush=True)


if __name__ == "__main__":
    main()
