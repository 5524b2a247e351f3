"""Surrogate gradients of the Heaviside spike: exact step forward, a smooth derivative backward.

Registry ``SURROGATES`` name -> function ``spike(x, slope)`` where ``x = u - theta`` (in
threshold units); add one by decorating an autograd Function's ``apply`` with ``@register``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

SURROGATES: dict[str, Callable[[torch.Tensor, float], torch.Tensor]] = {}


def register(name: str):
    """Decorator adding an autograd Function to SURROGATES under ``name``."""

    def wrap(cls: type[torch.autograd.Function]) -> type[torch.autograd.Function]:
        SURROGATES[name] = cls.apply
        return cls

    return wrap


class _Heaviside(torch.autograd.Function):
    """Heaviside step forward (spike when x >= 0); subclasses define the surrogate backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, slope: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.slope = slope
        return (x >= 0).to(x.dtype)


@register("arctan")
class ArcTan(_Heaviside):
    """Heaviside forward; backward d/dx = (a/2) / (1 + (pi/2 * a * x)^2) (Fang et al., SpikingJelly)."""

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        a = ctx.slope
        return grad * (a / 2) / (1 + (math.pi / 2 * a * x) ** 2), None


@register("fast_sigmoid")
class FastSigmoid(_Heaviside):
    """Heaviside forward; backward d/dx = 1 / (1 + k|x|)^2 (Zenke & Ganguli's SuperSpike)."""

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        return grad / (1 + ctx.slope * x.abs()) ** 2, None
