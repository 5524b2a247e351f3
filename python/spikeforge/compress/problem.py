"""What the compressor optimizes: the network's prunable layers and the resource model R_r(s, b).

The compressor sees a network only through ``Compressible`` (its synaptic layers, a loss on a
batch, and optionally a way to change a layer's weight bit-width), and resources only through
``ResourceModel``: an exact estimate at integer (nonzeros, bits) used for budget checks and for
the dual ascent, and a differentiable torch version of density and bits used for the step on s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import torch

from spikeforge.errors import SpikeforgeError
from spikeforge.estimate.differentiable import Layout


class ResourceModel(Protocol):
    """R_r of the minimax problem, for one network shape."""

    names: tuple[str, ...]

    def estimate(
        self, nonzeros: Sequence[int], bits: Sequence[int], layouts: Sequence[Layout] | None = None
    ) -> dict[str, float]:
        """Exact estimate for integer per-layer nonzero counts and weight bit-widths (and, when known, the
        layers' actual layouts; without them the expected ones)."""
        ...

    def torch_estimate(self, density: torch.Tensor, bits: torch.Tensor) -> dict[str, torch.Tensor]:
        """Differentiable (or straight-through) estimate of per-layer density in [0, 1] and bits."""
        ...


@dataclass
class Compressible:
    """A network as the compressor sees it.

    ``layers`` hold the ``.weight`` tensors that are pruned; ``loss(model, batch)`` is the training
    loss L(w); ``set_bits(layer_index, bits)`` changes a layer's QAT weight bit-width (None: bits fixed);
    ``quantized(layer_index)`` gives the layer's weights as the hardware stores them (None: as they are).
    """

    model: torch.nn.Module
    layers: list[torch.nn.Module]
    loss: Callable[[torch.nn.Module, Any], torch.Tensor]
    bits: list[int]
    set_bits: Callable[[int, int], None] | None = None
    quantized: Callable[[int], torch.Tensor] | None = None

    @property
    def sizes(self) -> list[int]:
        return [layer.weight.numel() for layer in self.layers]

    @torch.no_grad()
    def footprint(self, masks: Sequence[torch.Tensor]) -> tuple[list[int], list[Layout] | None]:
        """(stored, layouts): per layer, the weights it stores, i.e. kept by its mask and nonzero after
        quantization, as the export writes them (a 3-bit layer rounds many small kept weights to zero, and a
        zero costs no memory); and their layout, the largest fan-out of an input and the largest L1 norm of a
        neuron's integers (None when the weights are not quantized: the integers are unknown)."""
        stored, layouts = [], []
        for i, (layer, mask) in enumerate(zip(self.layers, masks, strict=True)):
            weight = layer.weight.detach() if self.quantized is None else self.quantized(i)
            kept = weight * (mask != 0)  # [n_out, n_in]
            stored.append(int((kept != 0).sum().item()))
            layouts.append(Layout(int((kept != 0).sum(0).max().item()), int(kept.abs().sum(1).max().item())))
        return stored, (layouts if self.quantized is not None else None)


@dataclass(frozen=True)
class Bounds:
    """The box of the primal variables: at least ``min_keep`` weights per layer, bits in
    [bits_min, bits_max]."""

    min_keep: int = 1
    bits_min: int = 2
    bits_max: int = 8


def estimate_masks(
    resources: ResourceModel, net: Compressible, masks: Sequence[torch.Tensor], bits: Sequence[int]
) -> dict[str, float]:
    """The resource estimate of ``net`` pruned by ``masks`` at ``bits``: its stored weights and their
    layout."""
    stored, layouts = net.footprint(masks)
    return resources.estimate(stored, bits, layouts)


def floor_estimate(resources: ResourceModel, sizes: Sequence[int], bounds: Bounds) -> dict[str, float]:
    """The smallest estimate reachable: every layer at its minimum nonzeros and minimum bits, in the expected
    layout or the most compact one (fan-out 1, L1 norm 1), whichever is smaller."""
    nonzeros, bits = [min(bounds.min_keep, n) for n in sizes], [bounds.bits_min] * len(sizes)
    expected = resources.estimate(nonzeros, bits)
    compact = resources.estimate(nonzeros, bits, [Layout(max_fanout=1, max_l1=1)] * len(sizes))
    return {name: min(expected[name], compact[name]) for name in expected}


def check_budget(
    resources: ResourceModel, sizes: Sequence[int], budget: dict[str, float], bounds: Bounds
) -> None:
    """Refuse up front a budget that no compression can meet (below the core's fixed overhead)."""
    refuse_below(
        resources,
        budget,
        lambda: floor_estimate(resources, sizes, bounds),
        lambda name, floor: (
            "is below what the compressor's resource model of this network can reach at its "
            f"membrane widths; the minimum achievable is {floor:g}"
        ),
    )


def refuse_below(
    resources: ResourceModel,
    budget: dict[str, float],
    floor: Callable[[], dict[str, float]],
    why: Callable[[str, float], str],
) -> None:
    """Refuse a budget naming an unknown resource, or one below ``floor()`` (``why(name, floor)`` ends the
    one-sentence message)."""
    unknown = sorted(set(budget) - set(resources.names))
    if unknown:
        raise SpikeforgeError(
            f"budget names unknown resource {unknown[0]!r}; known: {', '.join(resources.names)}"
        )
    floors = floor()
    for name, limit in budget.items():
        if limit < floors[name]:
            what = f"latency budget {limit:g} us" if name == "latency_us" else f"{name} budget {limit:g}"
            raise SpikeforgeError(f"the {what} {why(name, floors[name])}")


def meets(estimate: dict[str, float], budget: dict[str, float]) -> bool:
    """True when every budgeted resource is within its limit."""
    return all(estimate[name] <= limit for name, limit in budget.items())


class SynapseMemory:
    """The paper's own resource for MLPs (its ``flops2``), plus its bit-weighted form, as a ResourceModel.

    ``synapses`` = total nonzero weights (what the paper constrains), ``weight_bits`` = total bits of
    stored nonzero weights. Used when no FPGA model is wanted, and as the reference in tests.
    """

    names = ("synapses", "weight_bits")

    def __init__(self, sizes: Sequence[int]) -> None:
        self.sizes = torch.tensor([float(n) for n in sizes])

    def estimate(
        self, nonzeros: Sequence[int], bits: Sequence[int], layouts: Sequence[Layout] | None = None
    ) -> dict[str, float]:
        nz = [float(n) for n in nonzeros]
        return {"synapses": sum(nz), "weight_bits": sum(n * b for n, b in zip(nz, bits, strict=True))}

    def torch_estimate(self, density: torch.Tensor, bits: torch.Tensor) -> dict[str, torch.Tensor]:
        nz = density * self.sizes
        return {"synapses": nz.sum(), "weight_bits": (nz * bits).sum()}
