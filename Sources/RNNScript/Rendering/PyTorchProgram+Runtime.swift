/// The part of every emitted program that does not depend on the script:
/// safetensors reading and writing (standard library only), rnnscript's
/// generator, a vanilla layer for the activations nn.RNN lacks, the losses
/// exactly as rnnscript's L, processes under torchrun, the training loop and
/// rnnscript's epoch table. Kept as Python text in one place so a reader of the
/// Swift sees what every program holds.
extension PyTorchProgram {
    static let runtime = #"""
import argparse
import json
import os
import struct

import torch
import torch.nn as nn


# --- safetensors, read and written with the standard library only ----------

def read_safetensors(path):
    """{name: tensor} from a safetensors file (F64 or F32, little-endian)."""
    with open(path, "rb") as f:
        raw = f.read()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    header.pop("__metadata__", None)
    kinds = {"F64": ("d", torch.float64), "F32": ("f", torch.float32)}
    tensors = {}
    for name, info in header.items():
        code, dtype = kinds[info["dtype"]]
        start, end = info["data_offsets"]
        count = (end - start) // struct.calcsize(code)
        values = struct.unpack_from("<%d%s" % (count, code), raw, 8 + size + start)
        tensors[name] = torch.tensor(values, dtype=dtype).reshape(info["shape"])
    return tensors


def write_safetensors(path, tensors, metadata):
    """Writes {name: tensor} as safetensors (F64 for float64 tensors, F32 otherwise)."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        t = t.detach().to("cpu")
        code, dtype = ("d", "F64") if t.dtype == torch.float64 else ("f", "F32")
        values = t.to(torch.float64 if code == "d" else torch.float32).flatten().tolist()
        blob = struct.pack("<%d%s" % (len(values), code), *values)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


# --- rnnscript's generator: xoshiro256** (its shuffles, draw for draw) -------

MASK64 = (1 << 64) - 1


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK64


class ScriptGenerator:
    """rnnscript's RandomSource, continued from the state words it had when `train` began."""

    def __init__(self, words):
        self.s = list(words)

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def index(self, n):
        """An index in 0..<n, unbiased (rejection on the top values), as RandomSource.index(below:)."""
        limit = MASK64 - MASK64 % n
        while True:
            v = self.next()
            if v < limit:
                return v % n

    def shuffle(self, order):
        """Fisher–Yates from the last element down, as rnnscript shuffles a training set."""
        for i in range(len(order) - 1, 0, -1):
            j = self.index(i + 1)
            order[i], order[j] = order[j], order[i]


# --- a vanilla layer nn.RNN lacks (sigmoid or linear state) ------------------

class Elman(nn.Module):
    """s_t = σ(x_t U + s_{t-1} W + b) for σ = sigmoid or linear, with nn.RNN's
    parameter names (weight_ih_lℓ = Uᵀ, weight_hh_lℓ = Wᵀ, bias_ih_lℓ + bias_hh_lℓ = b)."""

    def __init__(self, input_size, hidden_size, num_layers, activation, bias):
        super().__init__()
        self.layers, self.bias = num_layers, bias
        self.activation = torch.sigmoid if activation == "sigmoid" else (lambda a: a)
        for l in range(num_layers):
            n = input_size if l == 0 else hidden_size
            setattr(self, "weight_ih_l%d" % l, nn.Parameter(torch.zeros(hidden_size, n)))
            setattr(self, "weight_hh_l%d" % l, nn.Parameter(torch.zeros(hidden_size, hidden_size)))
            if bias:
                setattr(self, "bias_ih_l%d" % l, nn.Parameter(torch.zeros(hidden_size)))
                setattr(self, "bias_hh_l%d" % l, nn.Parameter(torch.zeros(hidden_size)))
        self.hidden_size = hidden_size

    def forward(self, x, h=None):  # x: (B, T, n); h: (L, B, d)
        finals = []
        for l in range(self.layers):
            U, W = getattr(self, "weight_ih_l%d" % l), getattr(self, "weight_hh_l%d" % l)
            s = x.new_zeros(x.shape[0], self.hidden_size) if h is None else h[l]
            steps = []
            for t in range(x.shape[1]):
                a = x[:, t] @ U.T + s @ W.T
                if self.bias:
                    a = a + getattr(self, "bias_ih_l%d" % l) + getattr(self, "bias_hh_l%d" % l)
                s = self.activation(a)
                steps.append(s)
            x = torch.stack(steps, 1) if steps else x.new_zeros(x.shape[0], 0, self.hidden_size)
            finals.append(s)
        return x, torch.stack(finals, 0)


# --- losses: L_t per step, (B, T, k) logits and targets → (B, T) -------------

def ce_softmax(o, y):
    """cross_entropy with softmax: L_t = -Σ_j y_j log softmax(o)_j (terms with y_j = 0 skipped)."""
    return -torch.where(y != 0, y * torch.log_softmax(o, -1), 0.0).sum(-1)


def bce_sigmoid(o, y):
    """binary_cross_entropy with sigmoid: L_t = Σ_j softplus(o_j) - y_j o_j."""
    return (nn.functional.softplus(o) - y * o).sum(-1)


def readout(kind, o):
    return {"softmax": lambda: torch.softmax(o, -1), "sigmoid": lambda: torch.sigmoid(o)}.get(kind, lambda: o)()


def squared_error(kind):
    return lambda o, y: 0.5 * ((readout(kind, o) - y) ** 2).sum(-1)


def cross_entropy(kind):
    return lambda o, y: -torch.where(y != 0, y * torch.log(readout(kind, o)), 0.0).sum(-1)


def binary_cross_entropy(kind):
    def loss(o, y):
        p = readout(kind, o)
        return -(torch.where(y != 0, y * torch.log(p), 0.0) + torch.where(y != 1, (1 - y) * torch.log(1 - p), 0.0)).sum(-1)
    return loss


# --- processes: one, or many under torchrun ----------------------------------

RANK, WORLD = 0, 1


def start_processes(device):
    """Under torchrun (WORLD_SIZE > 1): joins the group (gloo on CPU, nccl on GPU)."""
    global RANK, WORLD
    WORLD = int(os.environ.get("WORLD_SIZE", "1"))
    if WORLD > 1:
        import torch.distributed as dist
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        RANK = dist.get_rank()
    return RANK, WORLD


WRAPPED = {}


def distributed(net, device):
    """The module DDP runs (one wrapper per module, however many trains use it)."""
    if WORLD == 1:
        return net
    from torch.nn.parallel import DistributedDataParallel
    if id(net) not in WRAPPED:
        WRAPPED[id(net)] = DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda" else None)
    return WRAPPED[id(net)]


def all_sum(x):
    if WORLD == 1:
        return x
    import torch.distributed as dist
    t = torch.tensor([x], dtype=torch.float64)
    dist.all_reduce(t)
    return float(t[0])


def say(*lines):
    if RANK == 0:
        for line in lines:
            print(line, flush=True)


# --- training, as rnnscript's `train` does it --------------------------------

def detached(state):
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return type(state)(detached(s) for s in state)
    return state.detach()


def keep_masks(net, frozen):
    """Per tensor, 0 where training must leave elements alone: a bias PyTorch keeps
    twice where rnnscript has one (bias_hh's part stays 0), and frozen parameters."""
    params = dict(net.named_parameters())
    masks = {}
    for name, start, end in frozen:
        mask = masks.setdefault(name, torch.ones_like(params[name]))
        mask.view(-1)[start:end] = 0
    return [(params[name], mask) for name, mask in masks.items()]


def sequence_losses(model, x, y, mask, step_loss, state=None):
    """Σ_t L_t per sequence over the steps given (padded steps have mask 0), and the state after them."""
    o, after = model(x, state)
    return (step_loss(o, y) * mask).sum(1), after


def mean_loss(net, data, step_loss):
    x, y, mask, steps = data
    with torch.no_grad():
        return float(sequence_losses(net, x, y, mask, step_loss)[0].sum()) / max(x.shape[0], 1)


def fit(net, opt, data, step_loss, *, device, epochs, batch, shuffle, truncate, clip, keep, generator, held):
    """Epochs of mini-batches; each batch's chunks (all its steps without
    `truncate`) forward, backward, masked, clipped, one optimizer step each;
    the state crosses chunks as a constant. The loss of a batch is the mean
    over its sequences; under torchrun each process takes every WORLD-th
    sequence of each batch and scales its sum by WORLD / B, so DDP's average
    of the processes' gradients is the batch's mean gradient."""
    model = distributed(net, device)
    x, y, mask, steps = data
    count = x.shape[0]
    size = max(1, min(batch, count))
    order, losses, held_losses, updates = list(range(count)), [], [], 0
    parameters = list(net.parameters())
    for epoch in range(1, epochs + 1):
        if shuffle:
            generator.shuffle(order)
        total = 0.0
        for start in range(0, count, size):
            members = order[start:start + size]
            T = max(int(steps[i]) for i in members)
            mine, scale = members[RANK::WORLD], WORLD / len(members)
            if not mine:  # fewer sequences than processes: take part with nothing to add
                mine, scale = members[:1], 0.0
            rows = torch.tensor(mine, device=x.device)
            xb, yb, mb = x[rows, :T], y[rows, :T], mask[rows, :T]
            state = None
            for a in (range(0, T, truncate) if truncate else [0]):
                b = min(a + truncate, T) if truncate else T
                per_sequence, after = sequence_losses(model, xb[:, a:b], yb[:, a:b], mb[:, a:b], step_loss, state)
                opt.zero_grad()
                (per_sequence.sum() * scale).backward()
                for p, k in keep:
                    p.grad.mul_(k)
                if clip is not None:
                    clip(parameters)
                opt.step()
                updates += 1
                if scale:
                    total += float(per_sequence.detach().sum())
                state = detached(after)
        losses.append(all_sum(total) / count)
        if held is not None:
            held_losses.append(mean_loss(net, held, step_loss))
    return losses, held_losses, updates


def general(x):
    """rnnscript's number format: 4 decimals when 1e-3 ≤ |x| < 1e5 (or 0), else scientific."""
    a = abs(x)
    if a == 0 or (1e-3 <= a < 1e5) or a != a or a == float("inf"):
        text = "%.4f" % x
        return text[1:] if text.startswith("-") and set(text[1:]) <= set("0.") else text
    return "%.4e" % x


def report(title, losses, held_losses, updates, every, settings):
    """The epoch table rnnscript prints for `train`."""
    validating = bool(held_losses)
    lines = ["epoch".rjust(7) + "loss".rjust(12) + ("validation".rjust(13) if validating else "")]
    for i, loss in enumerate(losses):
        if (i + 1) % every == 0 or i == 0 or i == len(losses) - 1:
            lines.append(str(i + 1).rjust(7) + general(loss).rjust(12) + (general(held_losses[i]).rjust(13) if validating else ""))
    summary = "%d epochs, %d updates" % (len(losses), updates)
    if settings:
        summary += " (" + settings + ")"
    if losses:
        summary += "; loss %s → %s" % (general(losses[0]), general(losses[-1]))
    say(title, *["    " + line for line in lines + [summary]], "")
"""#
}
