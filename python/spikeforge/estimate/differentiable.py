"""The resource and latency models as torch functions of per-layer weight density and bit-width, for the
compressor's budget constraints.

    from spikeforge.estimate.differentiable import LayerShape, resource_torch
    out = resource_torch([LayerShape(784, 256), LayerShape(256, 10)], density, bits, lanes=2)
    out["lut"], out["ff"], out["bram18"], out["dsp"], out["cycles"]   # 0-d tensors

Forward values are the analytical model itself (model.py, memories.py, latency constants) evaluated on
the core the generator would build for a model of that density and bit-width, in expectation: a bank of
ROWS = ceil(n_out / P) neurons holds ROWS * density entries per input, SLOTS = n_in * that, accumulator guard
bits from the expected L1 norm (uniform weights). Gradients are straight-through
secants: d/d(density) from +-0.05, d/d(bits) from +-1 bit, so the step functions (block-RAM counts,
address widths) pass a useful slope. torch is imported lazily.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spikeforge.core.params import CoreParams, LayerParams, layer_params
from spikeforge.estimate.calibration import load_constants
from spikeforge.estimate.latency import event_cycles, timestep_cycles
from spikeforge.estimate.resources import estimate_params

if TYPE_CHECKING:
    import torch

OUTPUTS = ("lut", "ff", "bram18", "dsp", "cycles")
DENSITY_STEP = 0.05
BITS_STEP = 1.0


def expected_slots(n_out: int, d: float, lanes: int) -> float:
    """Expected synapse-list entries of one input in the fullest bank (ceil(n_out / P) neurons)."""
    return -(-n_out // lanes) * d


@dataclass(frozen=True)
class Layout:
    """What a layer's actual weights fix beyond its density: the largest fan-out of one input (nonzero
    weights) and the largest L1 norm of one neuron's integer weights. Given, they replace the expected
    values (binomial fan-out, uniformly spread weights), which real pruned weights exceed: the kept weights
    are the large ones and cluster on a few inputs and neurons."""

    max_fanout: int
    max_l1: int


@dataclass(frozen=True)
class LayerShape:
    """What the resource model needs of a layer besides its density and weight bits."""

    n_in: int
    n_out: int
    membrane_bits: int = 16
    leak: bool = True
    reset: str = "subtract"
    bias_bits: int = 6


def expected_params(
    shapes: list[LayerShape],
    density: list[float],
    bits: list[float],
    lanes: list[int],
    readout: str = "count",
    layouts: Sequence[Layout] | None = None,
) -> CoreParams:
    """Generator parameters of the expected core for these densities and (rounded) bit-widths; ``layouts``
    (per layer) replace the expected largest fan-out and L1 norm by the actual ones."""
    layers: list[LayerParams] = []
    for index, (shape, d, b, p) in enumerate(zip(shapes, density, bits, lanes, strict=True)):
        layout = layouts[index] if layouts is not None else None
        d = min(max(d, 0.0), 1.0)
        wb = min(max(int(round(b)), 2), 16)
        rows = -(-shape.n_out // p)
        slots = expected_slots(shape.n_out, d, p)
        max_slots = min(rows, math.ceil(rows * d + 3 * math.sqrt(rows * d * (1 - d))))
        l1: int | float = max(1.0, shape.n_in * d * 2 ** (wb - 2))
        if layout is not None:  # as the generator: the actual largest fan-out and L1 norm
            max_slots = min(rows, layout.max_fanout)
            l1 = layout.max_l1
        layers.append(
            layer_params(
                prev=layers[-1] if layers else None,
                n_inputs=shapes[0].n_in,
                p=p,
                rows=rows,
                slots=int(round(shape.n_in * slots)),
                max_slot_count=int(round(max_slots)),
                wb=wb,
                m=shape.membrane_bits,
                l1=l1,
                bw=shape.bias_bits,
                leak_shift=4 if shape.leak else None,
                reset=shape.reset,
                last=index == len(shapes) - 1,
                readout=readout,
            )
        )
    return CoreParams(shapes[0].n_in, shapes[-1].n_out, readout, tuple(layers))


def expected_cycles(params: CoreParams, rates: list[float], timesteps: int, const: dict[str, float]) -> float:
    """Cycles per sample in expectation: T times the busiest layer's per-timestep work, plus pipeline fill."""
    works = []
    for lp, rate in zip(params.layers, rates, strict=True):
        per_event = float(event_cycles(lp.SLOTS / max(lp.N_IN, 1), const))
        works.append(timestep_cycles(rate * lp.N_IN * per_event, lp.ROWS, const))
    busiest = max(works)
    fill = sum(works) - busiest
    return timesteps * busiest + fill + const["readout_cycles"] * params.n_outputs + const["sample_cycles"]


def evaluate(
    shapes: list[LayerShape],
    density: list[float],
    bits: list[float],
    lanes: list[int],
    rates: list[float],
    timesteps: int,
    readout: str = "count",
    constants: dict[str, Any] | None = None,
    layouts: Sequence[Layout] | None = None,
) -> list[float]:
    """The model's [lut, ff, bram18, dsp, cycles] for plain floats (the forward pass of resource_torch)."""
    constants = constants or load_constants()
    params = expected_params(shapes, density, bits, lanes, readout, layouts)
    est = estimate_params(params, constants)
    cycles = expected_cycles(params, rates, timesteps, constants["latency"])
    return [est.lut, est.ff, float(est.bram18), float(est.dsp), cycles]


def resource_torch(
    layer_shapes: list[LayerShape],
    density: torch.Tensor,
    bits: torch.Tensor,
    lanes: int | list[int] = 1,
    *,
    rates: float | list[float] = 0.1,
    timesteps: int = 16,
    readout: str = "count",
    constants: dict[str, Any] | None = None,
) -> dict[str, torch.Tensor]:
    """{"lut", "ff", "bram18", "dsp", "cycles"}: 0-d tensors, differentiable (straight-through secants)
    with respect to ``density`` [L] (fraction of nonzero weights) and ``bits`` [L] (weight bit-width).

    ``rates``: per-layer input spike probability per timestep (for cycles); ``lanes``: P per layer."""
    import torch

    n = len(layer_shapes)
    lanes_list = [lanes] * n if isinstance(lanes, int) else list(lanes)
    rates_list = [float(rates)] * n if isinstance(rates, int | float) else [float(r) for r in rates]
    if density.shape != (n,) or bits.shape != (n,):
        raise ValueError(
            f"density and bits must have shape [{n}], got {list(density.shape)} and {list(bits.shape)}"
        )
    constants = constants or load_constants()

    def run(d: list[float], b: list[float]) -> list[float]:
        return evaluate(layer_shapes, d, b, lanes_list, rates_list, timesteps, readout, constants)

    class _Model(torch.autograd.Function):
        @staticmethod
        def forward(ctx, d: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            ctx.save_for_backward(d, b)
            return torch.tensor(run(d.tolist(), b.tolist()), dtype=d.dtype)

        @staticmethod
        def backward(ctx, grad: torch.Tensor):
            d, b = ctx.saved_tensors
            dl, bl = d.tolist(), b.tolist()
            jd = torch.zeros(len(OUTPUTS), n, dtype=d.dtype)
            jb = torch.zeros(len(OUTPUTS), n, dtype=d.dtype)
            for i in range(n):
                lo, hi = max(0.0, dl[i] - DENSITY_STEP), min(1.0, dl[i] + DENSITY_STEP)
                up, down = list(dl), list(dl)
                up[i], down[i] = hi, lo
                jd[:, i] = (torch.tensor(run(up, bl)) - torch.tensor(run(down, bl))) / max(hi - lo, 1e-9)
                blo, bhi = max(2.0, bl[i] - BITS_STEP), min(16.0, bl[i] + BITS_STEP)
                up, down = list(bl), list(bl)
                up[i], down[i] = bhi, blo
                jb[:, i] = (torch.tensor(run(dl, up)) - torch.tensor(run(dl, down))) / max(bhi - blo, 1e-9)
            return grad @ jd, grad @ jb

    values = _Model.apply(density, bits)
    return {name: values[k] for k, name in enumerate(OUTPUTS)}
