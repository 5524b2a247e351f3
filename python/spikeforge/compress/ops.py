"""The primal/dual operators of the minimax compression (Chen et al., ACM MM 2023), per layer.

Taken from the paper's code (github chenjallen/Resource-Constrained-Compression-on-SNN,
utils/prune_utils.py and utils/prune_optimizer.py): the straight-through ceil of s, the LeastS
function whose gradient in s is the (s+1)-th smallest squared weight, the proximal step that
divides the s smallest weights by (1 + 2*lr*y), the mask of the s smallest weights, and the
projected dual ascent. Differences from that code, on purpose: s and y are per layer (so each
layer's sparsity follows its own price; the paper's code has one global s), and ties are broken by
index so that exactly s weights are pruned (the paper's ``score < kthvalue`` prunes fewer when
squared weights tie, which happens after quantization).
"""

from __future__ import annotations

import torch


class _SteCeil(torch.autograd.Function):
    """ceil in the forward pass, identity gradient (straight-through)."""

    @staticmethod
    def forward(ctx, a: torch.Tensor) -> torch.Tensor:
        return a.ceil()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return grad


def ste_ceil(a: torch.Tensor) -> torch.Tensor:
    """Straight-through ceil: the pruned count is an integer, its gradient flows to the real s."""
    return _SteCeil.apply(a)


class _LeastS(torch.autograd.Function):
    """Sum of the s smallest entries of ``scores``; d/ds = the (s+1)-th smallest (the largest if s >= n)."""

    @staticmethod
    def forward(ctx, s: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        flat = scores.detach().reshape(-1)
        k = int(s.detach().item())
        if k < 0 or k != float(s.detach().item()):
            raise ValueError(f"LeastS needs a non-negative integer s, got {float(s.detach().item())}")
        if k < flat.numel():
            least = torch.topk(flat, k + 1, largest=False, sorted=True).values
            ctx.next_value = least[-1].item()
            return least[:-1].sum()
        ctx.next_value = flat.max().item()
        return flat.sum()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad * ctx.next_value, None


def least_s(s: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    """LeastS_s(scores): the DC reformulation of the l0 constraint; s must be an integer-valued tensor."""
    return _LeastS.apply(s, scores)


def smallest_mask(weight: torch.Tensor, s: int) -> torch.Tensor:
    """Boolean tensor, True on exactly the s smallest |w| (ties broken by flat index)."""
    flat = weight.detach().reshape(-1).abs()
    s = max(0, min(int(s), flat.numel()))
    out = torch.zeros(flat.numel(), dtype=torch.bool, device=weight.device)
    if s:
        order = torch.sort(flat, stable=True).indices
        out[order[:s]] = True
    return out.reshape(weight.shape)


def keep_mask(weight: torch.Tensor, s: int) -> torch.Tensor:
    """Float mask that keeps all but the s smallest-magnitude weights (the paper's prune_w_mask)."""
    return (~smallest_mask(weight, s)).to(weight.dtype)


@torch.no_grad()
def prox_least_s(weight: torch.Tensor, s: int, lr: float, y: float) -> None:
    """In place: proximal step of lr*y*LeastS_s(w^2), i.e. divide the s smallest weights by (1 + 2*lr*y)."""
    weight[smallest_mask(weight, s)] /= 1.0 + 2.0 * lr * y


@torch.no_grad()
def dual_ascent(dual: torch.Tensor, violation: torch.Tensor, lr: float | torch.Tensor) -> None:
    """In place: projected gradient ascent of the duals, dual <- max(0, dual + lr * violation)."""
    dual.add_(lr * violation).clamp_(min=0.0)


@torch.no_grad()
def bound_s_grad(s: torch.Tensor, grad: torch.Tensor, s_max: torch.Tensor) -> torch.Tensor:
    """The gradient with the pushes past a bound removed (the paper's overflow/underflow clamps)."""
    g = grad.clone()
    g[s >= s_max] = g[s >= s_max].clamp(min=0.0)
    g[s <= 0] = g[s <= 0].clamp(max=0.0)
    return g


@torch.no_grad()
def project_s(s: torch.Tensor, s_max: torch.Tensor) -> None:
    """In place: clip s to [0, s_max]."""
    s.copy_(torch.minimum(s.clamp(min=0.0), s_max))
