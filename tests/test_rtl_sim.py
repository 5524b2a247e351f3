"""The Verilog core against the golden simulator, readout for readout, in Verilator via cocotb.

Hundreds of random models: every shape (layer sizes, bits, leak, reset, readout, lanes P) is
compiled once, with memories widened to fit all models of that shape (merge_params); each model
of the shape is then a case of one simulator run (reset reloads its $readmemh images). Cases
mix random stalls on both streams, back-to-back samples, out-of-range input addresses, a reset
in the middle of a sample and every framing of SPEC 3: v1 (TLAST on every sample, no E), one
sample per packet with E, a whole batch in one packet, and packets of several samples. The
runner checks that output TLAST follows exactly the samples whose input closed a packet.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from spikeforge.core.params import core_params, merge_params
from spikeforge.hw import golden
from spikeforge.hw.events import END_OF_SAMPLE, MARKER, Stream, encode_spikes
from spikeforge.hw.layers import signed_range
from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model
from spikeforge.rtl.generator import generate_rtl, write_images
from spikeforge.rtl.runner import SimCase, build, run

pytestmark = pytest.mark.sim

N_SHAPES = 8
MODELS_PER_SHAPE = 32


def _shape(seed: int) -> dict:
    """A random structure: sizes, per-layer bits/leak/reset, readout and lanes."""
    rng = np.random.default_rng(1000 + seed)
    n_layers = [1, 2, 2, 3][seed % 4]
    sizes = [int(rng.integers(1, 40))] + [int(rng.integers(1, 24)) for _ in range(n_layers)]
    wb = [int(rng.integers(2, 17)) for _ in range(n_layers)]
    m = [int(rng.choice([2, 3, 8, 12, 16, 24, 32])) for _ in range(n_layers)]
    leak = [None if rng.random() < 0.3 else int(rng.integers(0, min(mi, 6))) for mi in m]
    if seed % 4 == 0:
        leak[0] = 0  # k = 0: the leak empties the membrane every step
    reset = [str(rng.choice(["subtract", "zero"])) for _ in range(n_layers)]
    lanes = [int(rng.choice([1, 2, 4, 8, 16])) for _ in range(n_layers)]
    readout = "membrane" if seed % 2 else "count"
    return dict(
        sizes=sizes,
        weight_bits=wb,
        membrane_bits=m,
        leak_shift=leak,
        reset=reset,
        readout=readout,
        lanes=lanes,
    )


def _model(shape: dict, seed: int) -> HardwareModel:
    """A random model of ``shape``: random density and thresholds; sometimes extreme biases."""
    rng = np.random.default_rng(seed)
    n = len(shape["sizes"]) - 1
    density = [float(rng.choice([0.05, 0.3, 0.7, 1.0])) for _ in range(n)]
    model = random_model(
        shape["sizes"],
        seed=seed,
        weight_bits=shape["weight_bits"],
        membrane_bits=shape["membrane_bits"],
        density=density,
        leak_shift=shape["leak_shift"],
        reset=shape["reset"],
        readout=shape["readout"],
        threshold_scale=float(rng.choice([0.3, 1.0, 3.0])),
    )
    if rng.random() < 0.3:  # biases anywhere in int32, to exercise the clamp and the guard bits
        layers = []
        for layer in model.layers:
            lo, hi = signed_range(int(rng.choice([4, 16, 32])))
            bias = rng.integers(lo, hi + 1, size=layer.n_out, dtype=np.int64).astype(np.int32)
            layers.append(dataclasses.replace(layer, bias=bias))
        model = dataclasses.replace(model, layers=tuple(layers))
    return model


FRAMINGS = ("v1", "sample", "batch", "packets")


def _framed(spikes: np.ndarray, framing: str, rng: np.random.Generator) -> Stream:
    """The stream of ``spikes`` in one of FRAMINGS (see the module docstring)."""
    stream = encode_spikes(spikes, framing="batch" if framing in ("batch", "packets") else "sample")
    words, last = stream.words.copy(), stream.last.copy()
    if framing == "v1":
        words[(words & MARKER) != 0] &= ~END_OF_SAMPLE
    elif framing == "packets":  # random packet boundaries at sample ends
        ends = np.flatnonzero(words & END_OF_SAMPLE)
        last[ends] = rng.random(ends.size) < 0.5
        last[ends[-1]] = True
    return Stream(words, last)


def _stream(model: HardwareModel, rng: np.random.Generator, framing: str) -> tuple[np.ndarray, Stream]:
    """Random spike trains and their stream, with out-of-range addresses sprinkled in."""
    batch, steps = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    spikes = rng.random((batch, steps, model.n_inputs)) < rng.choice([0.0, 0.1, 0.4, 0.9])
    stream = _framed(spikes, framing, rng)
    words, last = list(stream.words), list(stream.last)
    for _ in range(int(rng.integers(0, 4))):
        pos = int(rng.integers(0, len(words)))  # before any word: never after the final TLAST
        bad = int(
            rng.choice(
                [model.n_inputs, model.n_inputs + 1, 0x7FFF_FFFF, int(rng.integers(model.n_inputs, 1 << 31))]
            )
        )
        words.insert(pos, bad)
        last.insert(pos, False)
    return spikes, Stream(np.array(words, dtype=np.uint32), np.array(last, dtype=bool))


@pytest.mark.parametrize("shape_seed", range(N_SHAPES))
def test_random_models_match_golden(shape_seed: int, tmp_path) -> None:
    shape = _shape(shape_seed)
    models = [_model(shape, 100 * shape_seed + i) for i in range(MODELS_PER_SHAPE)]
    params = merge_params([core_params(m, shape["lanes"])[0] for m in models])
    generate_rtl(models[0], tmp_path / "design", shape["lanes"], model_sha256="0" * 64, params=params)
    build(tmp_path / "design", tmp_path / "build")
    rng = np.random.default_rng(shape_seed)
    cases, expected = [], []
    for i, model in enumerate(models):
        image_dir = tmp_path / f"model{i}"
        write_images(model, image_dir, params)
        spikes, stream = _stream(model, rng, FRAMINGS[(i + i // 4) % len(FRAMINGS)])
        stall = [0.0, 0.3, 0.8][i % 3], [0.0, 0.5, 0.9][(i // 3) % 3]
        reset_after = int(rng.integers(1, 3 * len(stream.words) + 2)) if i % 4 == 3 else None
        cases.append(
            SimCase.from_stream(
                image_dir,
                stream,
                model.n_outputs,
                in_stall=stall[0],
                out_stall=stall[1],
                seed=i,
                reset_after=reset_after,
            )
        )
        expected.append(golden.run(model, spikes).readout)
    results = run(tmp_path / "build", cases, max_cycles=200_000)
    mismatches = [
        i for i, (r, g) in enumerate(zip(results, expected, strict=True)) if not np.array_equal(r.readout, g)
    ]
    assert not mismatches, (
        f"shape {shape}: models {mismatches} differ from golden, "
        f"first: {results[mismatches[0]].readout} vs {expected[mismatches[0]]}"
    )
    assert sum(e.size for e in expected) > 0
