"""Multi-layer spiking MLPs built from a small JSON-able config; their integers are exported to the
golden model.

``SNNConfig`` (sizes, bits, leak, reset, readout, surrogate...) -> ``SpikingMLP``. The last layer
is read out by spike count or, for ``readout="membrane"``, by its final membrane (it never fires),
as SPEC section 1 says. ``SpikingMLP.from_float_layers`` / ``float_layers`` build a model from
per-layer float parameters and read them back (the seam NIR import/export uses).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from spikeforge.errors import SpikeforgeError, checked_fields
from spikeforge.hw.model import READOUTS
from spikeforge.snn.lif import IntegerLayer, LIFLayer


@dataclass
class SNNOptions:
    """The neuron and synapse options of a spiking MLP (everything but its sizes); per-layer fields take
    one value or a list (one per layer). Training configs nest these."""

    weight_bits: int | list[int] = 4
    leak_shift: int | None | list[int | None] = 4  # None = IF neuron (no leak)
    threshold: float | list[float] = 1.0
    reset: str | list[str] = "subtract"
    bias: bool = False  # integer-quantized bias on the weight grid
    bias_bits: int = 16
    readout: str = "membrane"
    surrogate: str = "arctan"
    surrogate_slope: float = 2.0
    detach_reset: bool = False
    integer_leak: bool = False  # float leak = the hardware's floor(v / 2^k) on the weight grid

    def __post_init__(self) -> None:
        if self.readout not in READOUTS:
            raise SpikeforgeError(f"readout must be one of {', '.join(READOUTS)}, got {self.readout!r}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SNNOptions:
        return cls(**checked_fields(data, cls, cls.__name__))


@dataclass(kw_only=True)
class SNNConfig(SNNOptions):
    """Architecture of a spiking MLP: its layer widths plus the options of SNNOptions."""

    sizes: list[int]  # [n_inputs, hidden..., n_outputs]

    def __post_init__(self) -> None:
        super().__post_init__()
        self.sizes = [int(n) for n in self.sizes]
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise SpikeforgeError(
                f"a network needs an input width and at least one layer, got widths {self.sizes}"
            )
        for name in ("weight_bits", "leak_shift", "threshold", "reset"):
            value = getattr(self, name)
            if isinstance(value, list | tuple) and len(value) != self.n_layers:
                raise SpikeforgeError(
                    f"{name} lists {len(value)} values but the model has {self.n_layers} layers"
                )

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def per_layer(self, name: str, index: int) -> Any:
        """The value of per-layer field ``name`` for layer ``index``."""
        value = getattr(self, name)
        return value[index] if isinstance(value, list | tuple) else value


@dataclass
class FloatLayer:
    """Float parameters of one dense layer (what NIR carries): weight [n_out, n_in],
    bias/threshold [n_out]."""

    weight: np.ndarray
    bias: np.ndarray | None = None
    threshold: np.ndarray | float = 1.0
    leak_shift: int | None = None
    reset: str = "subtract"


class SpikingMLP(nn.Module):
    """A chain of LIFLayers; ``forward`` gives float readouts (logits), ``integer_layers`` the exported
    integers."""

    def __init__(self, config: SNNConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.layers = nn.ModuleList(
            LIFLayer(
                c.sizes[i],
                c.sizes[i + 1],
                weight_bits=c.per_layer("weight_bits", i),
                leak_shift=c.per_layer("leak_shift", i),
                threshold=c.per_layer("threshold", i),
                reset=c.per_layer("reset", i),
                fires=not (i == c.n_layers - 1 and c.readout == "membrane"),
                bias=c.bias,
                bias_bits=c.bias_bits,
                surrogate=c.surrogate,
                surrogate_slope=c.surrogate_slope,
                detach_reset=c.detach_reset,
                integer_leak=c.integer_leak,
            )
            for i in range(c.n_layers)
        )

    @property
    def readout(self) -> str:
        return self.config.readout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x [B, T, n_inputs] of 0/1 -> float readout [B, n_outputs]: spike counts or final membranes."""
        for layer in self.layers:
            x, v = layer(x)
        return x.sum(dim=1) if self.readout == "count" else v

    def spike_trains(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every layer's output spikes [B, T, n] in float mode (for firing-rate statistics)."""
        out = []
        for layer in self.layers:
            x, _ = layer(x)
            out.append(x)
        return out

    # ---- integer-exact mode ----------------------------------------------------------------
    def integer_layers(self) -> list[IntegerLayer]:
        """Each layer's integers (weights, thresholds, biases) and power-of-two scale."""
        return [layer.integer() for layer in self.layers]

    # ---- float parameters in and out (the NIR seam) ----------------------------------------
    @classmethod
    def from_float_layers(
        cls, layers: list[FloatLayer], *, readout: str = "count", **options: Any
    ) -> SpikingMLP:
        """A model whose layers carry the given float parameters (weights are then quantized by brevitas).

        ``options`` are further SNNConfig fields (weight_bits, surrogate, ...); a bias is enabled
        when any layer has one.
        """
        if not layers:
            raise SpikeforgeError("a model needs at least one layer")
        sizes = [int(layers[0].weight.shape[1])] + [int(layer.weight.shape[0]) for layer in layers]
        for i, layer in enumerate(layers):
            if layer.weight.shape[1] != sizes[i]:
                raise SpikeforgeError(
                    f"layer {i} has {layer.weight.shape[1]} inputs but layer {i - 1} has {sizes[i]} outputs"
                )
        config = SNNConfig(
            sizes=sizes,
            leak_shift=[layer.leak_shift for layer in layers],
            reset=[layer.reset for layer in layers],
            readout=readout,
            bias=any(layer.bias is not None for layer in layers),
            **options,
        )
        model = cls(config)
        with torch.no_grad():
            for layer, params in zip(model.layers, layers, strict=True):
                layer.synapse.weight.copy_(torch.as_tensor(np.asarray(params.weight), dtype=torch.float32))
                if layer.bias is not None and params.bias is not None:
                    layer.bias.copy_(torch.as_tensor(np.asarray(params.bias), dtype=torch.float32))
                theta = torch.as_tensor(np.asarray(params.threshold), dtype=torch.float32)
                if (theta <= 0).any():
                    raise SpikeforgeError("thresholds must be positive")
                layer.threshold.copy_(theta.expand(layer.n_out))
        return model

    @torch.no_grad()
    def float_layers(self) -> list[FloatLayer]:
        """Per-layer float parameters as the hardware computes them (quantized weights, bias, thresholds)."""
        out = []
        for ints in self.integer_layers():
            s = ints.scale
            out.append(
                FloatLayer(
                    weight=ints.weight.astype(np.float64) * s,
                    bias=ints.bias.astype(np.float64) * s if self.config.bias else None,
                    threshold=ints.threshold.astype(np.float64) * s,
                    leak_shift=ints.leak_shift,
                    reset=ints.reset,
                )
            )
        return out
