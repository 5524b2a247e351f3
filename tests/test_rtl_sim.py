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

import numpy as np
import pytest

from spikeforge.core.params import core_params, merge_params
from spikeforge.hw import golden
from spikeforge.hw.events import END_OF_SAMPLE, MARKER, Stream, encode_spikes
from spikeforge.hw.model import HardwareModel
from spikeforge.rtl.generator import generate_rtl, write_images
from spikeforge.rtl.runner import SimCase, build, run
from strategies import random_shape, shape_model

pytestmark = pytest.mark.sim

N_SHAPES = 8
MODELS_PER_SHAPE = 32


def _shape(seed: int) -> dict:
    """A random structure: sizes, per-layer bits/leak/reset, readout and lanes (one P per layer)."""
    return random_shape(
        seed, seed_base=1000, layer_cycle=(1, 2, 2, 3), lanes=(1, 2, 4, 8, 16), lanes_per_layer=True
    )


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
    models = [shape_model(shape, 100 * shape_seed + i) for i in range(MODELS_PER_SHAPE)]
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
