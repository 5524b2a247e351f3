"""Unit tests of the minimax operators against brute force (LeastS, prox, duals, straight-through s)."""

from __future__ import annotations

import itertools

import pytest
import torch

from spikeforge.compress.ops import (
    bound_s_grad,
    dual_ascent,
    keep_mask,
    least_s,
    project_s,
    prox_least_s,
    smallest_mask,
    ste_ceil,
)


def _brute_least_s(values: list[float], s: int) -> float:
    """Minimum over all size-s subsets of the subset sum (the definition of LeastS)."""
    if s == 0:
        return 0.0
    return min(sum(c) for c in itertools.combinations(values, s))


@pytest.mark.parametrize("s", [0, 1, 3, 6, 7])
def test_least_s_value_and_gradient_match_brute_force(s: int) -> None:
    torch.manual_seed(s)
    w = torch.randn(7)
    scores = w**2
    s_t = torch.tensor(float(s), requires_grad=True)
    value = least_s(s_t, scores)
    assert value.item() == pytest.approx(_brute_least_s(scores.tolist(), s), rel=1e-6)
    value.backward()
    # d LeastS / ds: the increase in the sum when one more weight is pruned, LeastS_{s+1} - LeastS_s
    # (for s = n, the paper's convention: the largest score).
    expected = (
        _brute_least_s(scores.tolist(), s + 1) - _brute_least_s(scores.tolist(), s)
        if s < 7
        else scores.max().item()
    )
    assert s_t.grad.item() == pytest.approx(expected, rel=1e-5)


def test_least_s_rejects_fractional_s() -> None:
    with pytest.raises(ValueError, match="integer"):
        least_s(torch.tensor(2.5), torch.ones(4))


def test_straight_through_ceil() -> None:
    s = torch.tensor([0.2, 2.0, 3.7], requires_grad=True)
    out = ste_ceil(s)
    assert out.tolist() == [1.0, 2.0, 4.0]
    (out * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert s.grad.tolist() == [1.0, 2.0, 3.0]


def test_straight_through_s_reaches_least_s_gradient() -> None:
    scores = torch.tensor([4.0, 1.0, 9.0, 0.25])
    s = torch.tensor(1.3, requires_grad=True)  # ceil -> 2: prunes 0.25 and 1.0; next is 4.0
    v = least_s(ste_ceil(s), scores)
    assert v.item() == pytest.approx(1.25)
    v.backward()
    assert s.grad.item() == pytest.approx(4.0)


def test_smallest_mask_prunes_exactly_s_even_with_ties() -> None:
    w = torch.tensor([[0.5, -0.5, 0.5], [2.0, -0.5, 1.0]])
    m = smallest_mask(w, 2)
    assert int(m.sum()) == 2
    assert m.tolist() == [[True, True, False], [False, False, False]]  # ties: lowest flat index first
    assert keep_mask(w, 2).tolist() == [[0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
    assert int(smallest_mask(w, 99).sum()) == 6


def test_prox_divides_exactly_the_s_smallest() -> None:
    w = torch.tensor([[0.1, -3.0], [0.2, -0.05]])
    before = w.clone()
    prox_least_s(w, 2, lr=0.5, y=2.0)  # factor 1 + 2*0.5*2 = 3
    assert torch.allclose(w, torch.tensor([[0.1 / 3, -3.0], [0.2, -0.05 / 3]]))
    # it is the proximal operator of lr*y*sum_{S} w^2: argmin_u (u - w)^2 / (2 lr) + y u^2 on S
    u = torch.linspace(-1, 1, 200001)
    obj = (u - before[0, 0]) ** 2 / (2 * 0.5) + 2.0 * u**2
    assert w[0, 0].item() == pytest.approx(u[obj.argmin()].item(), abs=1e-5)


def test_dual_ascent_sign_and_projection() -> None:
    z = torch.tensor([1.0, 1.0, 0.5])
    dual_ascent(z, torch.tensor([0.3, -0.2, -2.0]), lr=1.0)
    # over budget -> the price rises; under budget -> it falls; never below zero
    assert z.tolist() == pytest.approx([1.3, 0.8, 0.0])


def test_projected_s_step_stays_in_bounds() -> None:
    s = torch.tensor([0.0, 5.0, 9.5])
    s_max = torch.tensor([10.0, 10.0, 10.0])
    s_max[0] = 0.0
    g = bound_s_grad(s, torch.tensor([1.0, -2.0, -4.0]), s_max)
    assert g.tolist() == [0.0, -2.0, -4.0]  # at s = 0 = s_max: no push either way past a bound
    s.sub_(g)
    project_s(s, s_max)
    # s grows when the gradient is negative (resource price beats the LeastS value), clipped to [0, s_max]
    assert s.tolist() == [0.0, 7.0, 10.0]
    g = bound_s_grad(s, torch.tensor([1.0, 1.0, -1.0]), s_max)
    assert g.tolist() == [0.0, 1.0, 0.0]  # at s_max only a positive gradient (s decreases) survives
