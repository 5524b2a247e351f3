"""Per-layer analytical resource model of the RTL core (hls/rtl/sf_layer.v), FINN-style: every layer answers
LUT, FF, BRAM18 and DSP, and the core's estimate is the sum of its layers plus the top-level glue.

Memories are mapped exactly as Yosys maps them (memories.py), so BRAM18 is a count, not a fit. LUT and FF
are ``sum_k c[k] * feature_k`` over named features of the layer's datapath (adder/compare widths per lane,
per-bank accumulate and iterator/queue control, the neuron pipeline, output FIFO and serializer, memory
read registers and LUT RAM), with the constants ``c`` fitted against Yosys synthesis (calibration.json,
`spikeforge calibrate`).
The layer parameters are the core's own (spikeforge.core.params.core_params), as the writers build them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spikeforge.core.layout import LayerLayout
from spikeforge.core.params import CoreParams, LayerParams, core_params
from spikeforge.estimate.calibration import load_constants
from spikeforge.estimate.memories import MemoryMap, map_memory
from spikeforge.hw.model import HardwareModel

INPUT_FIFO_DEPTH = 4  # sf_input's FIFO (LOG = 2)


def layer_memories(lp: LayerParams, pointer_bits: int | None = None) -> dict[str, tuple[MemoryMap, int]]:
    """The memories sf_layer infers, as (mapping, copies): the pointer ROM ({first, count} per bank), each
    bank's synapse list ({row, weight}), event queue ({marker, first, count}) and two accumulator buffers
    (read-modify-write RAM), the neuron ROM, the neuron state {count, v} and the output FIFO.
    ``pointer_bits``: the pointer word's bits that are not constant (LayerLayout.pointer_bits; synthesis drops
    the others), when the layout is known; else the full width."""
    ptr_width = lp.P * (lp.SA + lp.CB) if pointer_bits is None else max(1, pointer_bits)
    return {
        "ptr": (map_memory(lp.N_IN, ptr_width, rom=True), 1),
        "weights": (map_memory(lp.SLOTS, lp.RB + lp.WB, rom=True), lp.P),
        "neurons": (map_memory(lp.ROWS, lp.P * (lp.M + lp.BW), rom=True), 1),
        "acc": (map_memory(lp.ROWS, lp.AW, rom=False), 2 * lp.P),  # two buffers per bank
        "state": (map_memory(lp.ROWS, lp.P * (lp.CW + lp.M), rom=False), 1),
        # the event queues feed the slot iterators through a mux: asynchronous reads, never block RAM
        "queue": (map_memory(1 << lp.EQ_LOG, 1 + lp.SA + lp.CB, rom=False, sync_read=False), lp.P),
        # sf_fifo reads asynchronously, but its output feeds the serializer's register directly, so
        # Yosys (memory_dff) merges that register into a synchronous read port: deep FIFOs become block RAM.
        "fifo": (map_memory(1 << lp.FIFO_LOG, lp.OUT_W, rom=False), 1),
    }


ROMS = ("ptr", "weights", "neurons")


def _memory_features(memories: dict[str, tuple[MemoryMap, int]]) -> dict[str, float]:
    """LUT RAM LUTs, ROM bits lowered to LUTs (/64: one LUT6 each), read-mux inputs, read registers,
    and RAM bits lowered to flip-flops, summed over the memories."""
    logic = {key: m.logic_bits * n for key, (m, n) in memories.items() if m.kind == "logic"}
    return {
        "lutram": float(sum(m.lutram_luts * n for m, n in memories.values())),
        "rom_logic": sum(bits for key, bits in logic.items() if key in ROMS) / 64.0,
        "mem_mux": float(sum(m.mux_bits * n for m, n in memories.values())),
        "read_regs": float(sum(m.read_ffs * n for m, n in memories.values())),
        "ffram": float(sum(bits for key, bits in logic.items() if key not in ROMS)),
    }


def layer_features(
    lp: LayerParams, pointer_bits: int | None = None
) -> tuple[dict[str, float], dict[str, float]]:
    """(LUT features, FF features) of one layer: what the constants multiply."""
    mem = _memory_features(layer_memories(lp, pointer_bits))
    fire, leak, subtract = lp.FIRE, lp.LEAK, 1 - lp.RESET_ZERO
    # slot iterator, event-queue pointers and timestep counters of one bank
    bank = lp.SA + lp.CB + 2 * (lp.EQ_LOG + 1) + 4
    lut = {
        "layer": 1.0,
        "lutram": mem["lutram"],
        "rom_logic": mem["rom_logic"],
        "mem_mux": mem["mem_mux"] + mem["ffram"],
        "accumulate": float(lp.P * (2 * lp.AW + lp.RB)),  # adder, forwarding and buffer muxes
        "bank_control": float(lp.P * bank),
        "update": float(lp.P * (2 * lp.UW + lp.M * (1 + leak) + fire * lp.M * (1 + subtract) + lp.CW)),
        "state_mux": float(lp.P * (lp.CW + lp.M)),
        "control": float(lp.SA + lp.CB + lp.RB + lp.IA),
        "output": float(lp.OUT_W + lp.LAST * lp.P * 32),
    }
    ff = {
        "layer": 1.0,
        "read_regs": mem["read_regs"] + mem["ffram"],
        "lane_regs": float(lp.P * (2 * lp.RB + lp.WB + lp.AW + 7)),
        "bank_control": float(lp.P * bank),
        "pipeline": float(lp.P * ((3 + fire) * lp.M + 2 * lp.UW + 3 * lp.CW)),
        "control": float(lp.SA + lp.CB + lp.RB + lp.IA),
        "output": float(lp.OUT_W + lp.LAST * lp.P * 32),
    }
    return lut, ff


def top_features(params: CoreParams) -> tuple[dict[str, float], dict[str, float]]:
    """The glue outside the layers: the input stream adapter and its FIFO."""
    ia0 = params.layers[0].IA
    fifo = map_memory(INPUT_FIFO_DEPTH, ia0 + 2, rom=False, sync_read=False)
    lut = {"top": 1.0, "top_input": float(ia0), "lutram": float(fifo.lutram_luts)}
    ff = {"top": 1.0, "top_input": float(ia0)}
    return lut, ff


def _dot(coefficients: dict[str, float], features: dict[str, float]) -> float:
    return float(sum(coefficients.get(name, 0.0) * value for name, value in features.items()))


@dataclass(frozen=True)
class LayerResources:
    """One layer's estimate and where its memories went."""

    index: int
    lut: float
    ff: float
    bram18: int
    dsp: int
    memories: dict[str, str]
    lanes: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "layer": self.index,
            "lut": round(self.lut),
            "ff": round(self.ff),
            "bram18": self.bram18,
            "dsp": self.dsp,
            "lanes": self.lanes,
            "memories": self.memories,
        }


@dataclass(frozen=True)
class ResourceEstimate:
    """Per-layer estimates, the top-level glue, and their sum (FINN: the design is the sum of its parts)."""

    layers: tuple[LayerResources, ...]
    top_lut: float
    top_ff: float
    params: CoreParams = field(repr=False)

    @property
    def lut(self) -> float:
        return self.top_lut + sum(layer.lut for layer in self.layers)

    @property
    def ff(self) -> float:
        return self.top_ff + sum(layer.ff for layer in self.layers)

    @property
    def bram18(self) -> int:
        return sum(layer.bram18 for layer in self.layers)

    @property
    def dsp(self) -> int:
        return sum(layer.dsp for layer in self.layers)

    def totals(self) -> dict[str, float]:
        return {"lut": round(self.lut), "ff": round(self.ff), "bram18": self.bram18, "dsp": self.dsp}


def lut_estimation(
    lp: LayerParams, constants: dict[str, Any] | None = None, pointer_bits: int | None = None
) -> float:
    constants = constants or load_constants()
    return _dot(constants["lut"], layer_features(lp, pointer_bits)[0])


def ff_estimation(
    lp: LayerParams, constants: dict[str, Any] | None = None, pointer_bits: int | None = None
) -> float:
    constants = constants or load_constants()
    return _dot(constants["ff"], layer_features(lp, pointer_bits)[1])


def bram_estimation(lp: LayerParams, pointer_bits: int | None = None) -> int:
    """BRAM18 of one layer: Yosys' block-RAM mapping of each of its memories (RAMB36 = 2)."""
    return sum(m.bram18 * n for m, n in layer_memories(lp, pointer_bits).values())


def dsp_estimation(lp: LayerParams) -> int:
    """The core has no multipliers (weights are added, leak is a shift), so no DSP slices."""
    return 0


def estimate_params(
    params: CoreParams, constants: dict[str, Any] | None = None, layouts: Sequence[LayerLayout] | None = None
) -> ResourceEstimate:
    """Estimate a core from its generator parameters (and, when known, the layouts its images hold)."""
    constants = constants or load_constants()
    layers = []
    for index, lp in enumerate(params.layers):
        bits = layouts[index].pointer_bits if layouts is not None else None
        mems = {
            name: f"{m.detail}{f' x{n}' if n > 1 else ''}"
            for name, (m, n) in layer_memories(lp, bits).items()
        }
        layers.append(
            LayerResources(
                index,
                lut_estimation(lp, constants, bits),
                ff_estimation(lp, constants, bits),
                bram_estimation(lp, bits),
                dsp_estimation(lp),
                mems,
                lp.P,
            )
        )
    top_lut, top_ff = top_features(params)
    return ResourceEstimate(
        tuple(layers), _dot(constants["lut"], top_lut), _dot(constants["ff"], top_ff), params
    )


def estimate(
    model: HardwareModel, lanes: int | list[int] = 1, constants: dict[str, Any] | None = None
) -> ResourceEstimate:
    """Estimate the core `spikeforge generate rtl` builds for ``model`` with ``lanes`` per layer."""
    params, lays = core_params(model, lanes)
    return estimate_params(params, constants, lays)


def design_features(
    params: CoreParams, layouts: Sequence[LayerLayout] | None = None
) -> tuple[dict[str, float], dict[str, float]]:
    """Summed LUT and FF features of a whole core (the rows of the calibration fit)."""
    lut_total, ff_total = top_features(params)
    lut_total, ff_total = dict(lut_total), dict(ff_total)
    for index, lp in enumerate(params.layers):
        lut, ff = layer_features(lp, layouts[index].pointer_bits if layouts is not None else None)
        for total, part in ((lut_total, lut), (ff_total, ff)):
            for name, value in part.items():
                total[name] = total.get(name, 0.0) + value
    return lut_total, ff_total
