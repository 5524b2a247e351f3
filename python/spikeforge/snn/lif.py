"""One layer of SPEC neurons in PyTorch: brevitas power-of-two synapses + leaky integrate-and-fire.

Float mode (training): ``v <- v - v * 2^-k`` (no leak when ``k`` is None: IF neuron; with
``integer_leak`` the hardware's floored shift on the weight grid, straight-through gradient), ``u = v + I``,
spike when ``u >= theta`` (surrogate gradient backward), reset by subtraction or to zero.
``integer()`` gives the layer's exported integers; the export runs them in the golden simulator.

Weights are ``w_int * s`` with a per-tensor power-of-two scale ``s`` (brevitas
``Int8WeightPerTensorFixedPoint`` with the bit width overridden); bias and threshold are kept on
the same grid (``round(b / s) * s``, ``round(theta / s) * s``), so the exported integers are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import brevitas.nn as qnn
import numpy as np
import torch
from brevitas.quant import Int8WeightPerTensorFixedPoint
from torch import nn

from spikeforge.errors import SpikeforgeError
from spikeforge.hw.layers import RESETS
from spikeforge.snn.surrogate import SURROGATES

LEAK_SHIFT_MAX = 30


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """Round to nearest with a straight-through (identity) gradient."""
    return x + (torch.round(x) - x).detach()


def floor_ste(x: torch.Tensor) -> torch.Tensor:
    """Floor with a straight-through (identity) gradient."""
    return x + (torch.floor(x) - x).detach()


@dataclass(frozen=True)
class IntegerLayer:
    """The integers of one layer (SPEC section 1) and the power-of-two scale that maps them to floats."""

    weight: np.ndarray  # [n_out, n_in] int64, fits weight_bits
    threshold: np.ndarray  # [n_out] int64, >= 1
    bias: np.ndarray  # [n_out] int64
    scale: float  # s = 2^-f: float value = integer * s
    weight_bits: int
    leak_shift: int | None
    reset: str


def _check_weight_bits(bits: int) -> None:
    if not 2 <= bits <= 8:
        raise SpikeforgeError(f"weight_bits must be in 2..8, got {bits}")


class LIFLayer(nn.Module):
    """Dense QuantLinear synapses feeding SPEC neurons; ``fires=False`` makes a membrane-readout layer."""

    def __init__(
        self,
        n_in: int,
        n_out: int,
        *,
        weight_bits: int = 4,
        leak_shift: int | None = None,
        threshold: float = 1.0,
        reset: str = "subtract",
        fires: bool = True,
        bias: bool = False,
        bias_bits: int = 16,
        surrogate: str = "arctan",
        surrogate_slope: float = 2.0,
        detach_reset: bool = False,
        integer_leak: bool = False,
    ) -> None:
        super().__init__()
        _check_weight_bits(weight_bits)
        if leak_shift is not None and not 0 <= leak_shift <= LEAK_SHIFT_MAX:
            raise SpikeforgeError(
                f"leak_shift must be in 0..{LEAK_SHIFT_MAX}, or none for no leak (IF neuron),"
                f" got {leak_shift}"
            )
        if reset not in RESETS:
            raise SpikeforgeError(f"reset must be one of {', '.join(RESETS)}, got {reset!r}")
        if surrogate not in SURROGATES:
            raise SpikeforgeError(f"unknown surrogate {surrogate!r}; choose one of {', '.join(SURROGATES)}")
        if threshold <= 0:
            raise SpikeforgeError(f"threshold must be positive, got {threshold}")
        self.n_in, self.n_out = n_in, n_out
        self.weight_bits = weight_bits
        self.leak_shift = leak_shift
        self.reset = reset
        self.fires = fires
        self.bias_bits = bias_bits
        self.surrogate = surrogate
        self.surrogate_slope = surrogate_slope
        self.detach_reset = detach_reset
        self.integer_leak = integer_leak
        self.synapse = qnn.QuantLinear(
            n_in, n_out, bias=False, weight_quant=Int8WeightPerTensorFixedPoint, weight_bit_width=weight_bits
        )
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None
        self.register_buffer("threshold", torch.full((n_out,), float(threshold)))

    def set_weight_bits(self, bits: int) -> None:
        """Quantize the synapses to ``bits`` from now on: brevitas' own way, a new injector for the weight
        quantizer (the learned state is kept), so a later ``load_state_dict`` does not undo it."""
        _check_weight_bits(bits)
        self.weight_bits = int(bits)
        quant = self.synapse.weight_quant
        quant.quant_injector = quant.quant_injector.let(bit_width=int(bits))
        quant.init_tensor_quant(preserve_state_dict=True)

    # ---- the power-of-two grid -------------------------------------------------------------
    def weight_scale(self) -> torch.Tensor:
        """The weight quantizer's scale s (a power of two), detached."""
        return self.synapse.quant_weight().scale.detach().reshape(())

    def _bias_int(self, s: torch.Tensor) -> torch.Tensor | None:
        if self.bias is None:
            return None
        lim = float(1 << (self.bias_bits - 1))
        return torch.clamp(round_ste(self.bias / s), -lim, lim - 1)

    def _threshold_int(self, s: torch.Tensor) -> torch.Tensor:
        return torch.clamp(torch.round(self.threshold / s), min=1.0)

    # ---- float mode ------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x [B, T, n_in] (0/1 floats) -> (spikes [B, T, n_out], final membrane [B, n_out])."""
        qw = self.synapse.quant_weight()  # one quantizer call: dequantized weights and their scale
        s = qw.scale.detach().reshape(())
        current = nn.functional.linear(x, qw.value)
        bias = self._bias_int(s)
        if bias is not None:
            current = current + bias * s
        theta = self._threshold_int(s) * s
        spike_fn = SURROGATES[self.surrogate]
        v = torch.zeros(x.shape[0], self.n_out, dtype=current.dtype, device=current.device)
        spikes = []
        for t in range(x.shape[1]):
            if self.leak_shift is not None and self.integer_leak:
                v = (
                    v - floor_ste(v / (s * 2.0**self.leak_shift)) * s
                )  # the hardware's v - (v >> k), on the grid
            elif self.leak_shift is not None:
                v = v - v * 2.0**-self.leak_shift
            u = v + current[:, t]
            if not self.fires:
                v = u
                continue
            spike = spike_fn((u - theta) / theta, self.surrogate_slope)
            r = spike.detach() if self.detach_reset else spike
            v = u - r * theta if self.reset == "subtract" else u * (1 - r)
            spikes.append(spike)
        out = torch.stack(spikes, dim=1) if spikes else torch.zeros_like(current)
        return out, v

    # ---- integer mode ----------------------------------------------------------------------
    @torch.no_grad()
    def integer(self) -> IntegerLayer:
        """The layer's integers: weights from the quantizer, bias and threshold divided by s and rounded."""
        s = self.weight_scale()
        scale = float(s)
        if scale <= 0 or np.log2(scale) != np.round(np.log2(scale)):
            raise SpikeforgeError(
                f"weight scale {scale} is not a power of two; the export would not be exact"
            )
        bias = self._bias_int(s)
        return IntegerLayer(
            weight=self.synapse.quant_weight().int().to(torch.int64).numpy(),
            threshold=self._threshold_int(s).to(torch.int64).numpy(),
            bias=np.zeros(self.n_out, np.int64) if bias is None else bias.to(torch.int64).numpy(),
            scale=scale,
            weight_bits=self.weight_bits,
            leak_shift=self.leak_shift,
            reset=self.reset,
        )
