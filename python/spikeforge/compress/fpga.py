"""R_r(s, b) for the RTL core: the resource and latency models (spikeforge.estimate) behind the
compressor's ResourceModel.

Resources: ``lut``, ``ff``, ``bram18``, ``dsp`` (the analytical model of the core the generator builds)
and ``latency_us`` (cycles per sample at the board clock, with per-layer input spike rates measured
on the training data). ``estimate`` evaluates the expected-core model at integer nonzeros and bits;
``torch_estimate`` is the straight-through torch version (spikeforge.estimate.differentiable) of the
same numbers, except that the gradient of ``bram18`` is taken from the stored weight bits
(nonzeros x (bits + address bits) / 18 Kbit):
the +-5% density secant of a block-RAM count is zero on most of its steps, which left the
minimax without a direction on the big layers and let it strip the small ones instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from spikeforge.boards import Board
from spikeforge.estimate.differentiable import LayerShape, Layout, evaluate, resource_torch
from spikeforge.hw.model import HardwareModel

AREA = ("lut", "ff", "bram18", "dsp")
NAMES = (*AREA, "latency_us")
BRAM18_BITS = 18432


@dataclass
class CoreResources:
    """The ResourceModel of one network shape on one board (one lane per layer, as `generate rtl`
    defaults)."""

    shapes: list[LayerShape]
    sizes: list[int]
    rates: list[float]
    timesteps: int
    readout: str
    clock_mhz: float
    names: tuple[str, ...] = NAMES

    @classmethod
    def for_model(cls, hw: HardwareModel, board: Board, rates: list[float], timesteps: int) -> CoreResources:
        """Shapes, membrane widths and neuron options taken from an exported model."""
        shapes = [
            LayerShape(
                layer.n_in,
                layer.n_out,
                membrane_bits=layer.membrane_bits,
                leak=layer.leak_shift is not None,
                reset=layer.reset,
            )
            for layer in hw.layers
        ]
        return cls(
            shapes, [s.n_in * s.n_out for s in shapes], rates, timesteps, hw.readout, board.default_clock_mhz
        )

    def _with_latency(self, values: Sequence) -> dict:
        out = dict(zip(AREA, values[:4], strict=True))
        out["latency_us"] = values[4] / self.clock_mhz
        return out

    def estimate(
        self, nonzeros: Sequence[int], bits: Sequence[int], layouts: Sequence[Layout] | None = None
    ) -> dict[str, float]:
        density = [n / s for n, s in zip(nonzeros, self.sizes, strict=True)]
        values = evaluate(
            self.shapes,
            density,
            [float(b) for b in bits],
            [1] * len(self.shapes),
            self.rates,
            self.timesteps,
            self.readout,
            layouts=layouts,
        )
        return {k: float(v) for k, v in self._with_latency(values).items()}

    def torch_estimate(self, density: torch.Tensor, bits: torch.Tensor) -> dict[str, torch.Tensor]:
        out = resource_torch(
            self.shapes, density, bits, 1, rates=self.rates, timesteps=self.timesteps, readout=self.readout
        )
        sizes = torch.tensor([float(n) for n in self.sizes])
        address = torch.tensor([float(max(1, (s.n_out - 1).bit_length())) for s in self.shapes])
        stored = (density * sizes * (bits + address)).sum() / BRAM18_BITS
        out["bram18"] = (
            out["bram18"].detach() + stored - stored.detach()
        )  # value: the model; slope: memory bits
        return self._with_latency([out[k] for k in (*AREA, "cycles")])
