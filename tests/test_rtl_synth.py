"""Yosys synth_xilinx of a core whose weights exceed 64 kbit: weights in block RAM, no latches,
no DSP multipliers (the synapse path is adds only), and a logic-only critical path under 4 ns."""

from __future__ import annotations

import pytest

from spikeforge.hw.random_model import random_model
from spikeforge.rtl.generator import generate_rtl
from spikeforge.synth.yosys import synthesize

pytestmark = pytest.mark.synth


def test_large_model_maps_weights_to_block_ram(tmp_path) -> None:
    model = random_model([256, 128, 10], seed=0, density=0.6, weight_bits=4)
    assert model.summary()["total"]["weight_memory_bits_nonzero"] > 64 * 1024
    manifest = generate_rtl(model, tmp_path, lanes=[2, 1], model_sha256="0" * 64)
    layer0 = manifest["parameters"]["layers"][0]
    # P synapse lists of SLOTS entries {row (RB bits), weight (WB bits)} (sf_layer.v, LW = RB + WB)
    slot_bits = layer0["SLOTS"] * layer0["P"] * (layer0["RB"] + layer0["WB"])
    result = synthesize(tmp_path, cache_dir=None)  # always a fresh Yosys run
    cells = result.cells
    assert cells.get("RAMB18E1", 0) + 2 * cells.get("RAMB36E1", 0) == result.bram18
    # the layer-0 slot memory alone needs this many 18-kbit blocks
    assert result.bram18 >= slot_bits // (18 * 1024), cells
    assert result.latch == 0 and not [c for c in cells if "LATCH" in c.upper() or c in ("LDCE", "LDPE")], (
        cells
    )
    assert result.dsp == 0 and not [c for c in cells if c.startswith("DSP48") or c in ("$mul", "$macc")], (
        cells
    )
    # every block-RAM output is registered before logic, the neuron update is pipelined
    assert result.critical_path_ns is not None and 1.0 < result.critical_path_ns <= 4.0, (
        result.critical_endpoint
    )
