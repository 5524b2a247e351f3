"""The dual side of MinimaxCompressor: best response in s, the clearing-price bound on z, the y step
per weight."""

from __future__ import annotations

import torch

from spikeforge.compress.minimax import MinimaxCompressor, MinimaxConfig
from spikeforge.compress.problem import Bounds, Compressible, SynapseMemory

# two layers with known weights: squares 1..12 (layer 0) and 0.5, 2.5, 4.5, 6.5 (layer 1)
W0 = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]).sqrt()
W1 = torch.tensor([[0.5, 2.5], [4.5, 6.5]]).sqrt()


def _compressor(
    budget: float, cfg: MinimaxConfig | None = None, w0: torch.Tensor = W0, w1: torch.Tensor = W1
) -> MinimaxCompressor:
    a = torch.nn.Linear(w0.shape[1], w0.shape[0], bias=False)
    b = torch.nn.Linear(w1.shape[1], w1.shape[0], bias=False)
    with torch.no_grad():
        a.weight.copy_(w0)
        b.weight.copy_(w1)
    # lr 0: the QAT step and the prox leave the weights as given, so every number below is by hand
    net = Compressible(
        torch.nn.ModuleList([a, b]),
        [a, b],
        lambda m, batch: sum(p.square().sum() for p in m.parameters()),
        [8, 8],
    )
    opt = torch.optim.SGD(net.model.parameters(), lr=0.0)
    return MinimaxCompressor(
        net, SynapseMemory(net.sizes), {"synapses": budget}, opt, cfg or MinimaxConfig(), Bounds()
    )


def _savings(comp: MinimaxCompressor) -> torch.Tensor:
    """Synapse count: every pruned weight saves 1/budget of the (only priced) resource."""
    out = torch.zeros(len(comp.names), 2)
    out[0] = 1.0 / comp.budget["synapses"]
    return out


def test_best_response_prunes_every_weight_below_the_priced_threshold() -> None:
    comp = _compressor(budget=8.0)
    comp.y = torch.tensor([1.0, 2.0])
    prices = torch.tensor([5.5 * 8.0, 0.0])  # threshold 5.5 on y=1, 2.75 on y=2
    # layer 0: squares 1..5 < 5.5 are pruned (7 kept); layer 1: 0.5 and 2.5 < 2.75 are pruned (2 kept)
    assert comp.best_response(prices, _savings(comp), comp.sorted_squares()) == [7, 2]
    # min_keep: a price above every weight still leaves one weight per layer
    assert comp.best_response(torch.tensor([1e9, 0.0]), _savings(comp), comp.sorted_squares()) == [1, 1]


def test_clearing_scale_is_the_lowest_price_whose_best_response_meets_the_budget() -> None:
    comp = _compressor(budget=8.0)  # 16 weights, 8 may stay
    comp.z = torch.tensor([1000.0, 0.0])  # wound up: its best response prunes almost everything
    savings = _savings(comp)
    alpha = comp.clearing_scale(savings)
    assert 0.0 < alpha < 1.0
    kept = comp.best_response(alpha * comp.z, savings, comp.sorted_squares())
    assert sum(kept) <= 8
    # a price 1e-3 lower keeps more than the budget: alpha is the bisection's upper end, within 2^-40 of
    # the edge
    assert sum(comp.best_response(alpha * (1 - 1e-3) * comp.z, savings, comp.sorted_squares())) > 8
    # the edge by hand: with y = 10 on both layers, pruning 8 of the 16 squares {1..12, 0.5, 2.5, 4.5, 6.5}
    # needs a threshold above the 8th smallest square (0.5, 1, 2, 2.5, 3, 4, 4.5, 5),
    # i.e. alpha * 1000 / 8 / 10 > 5
    assert 5.0 < alpha * 1000 / 8 / 10 < 5.0 * (1 + 1e-6)


def test_clearing_scale_leaves_a_price_that_does_not_yet_meet_the_budget() -> None:
    comp = _compressor(budget=8.0)
    comp.z = torch.tensor([1.0, 0.0])  # threshold 1/8/10: nothing below it
    assert comp.clearing_scale(_savings(comp)) == 1.0


def test_a_step_bounds_a_wound_up_price_by_the_clearing_price() -> None:
    comp = _compressor(budget=8.0, cfg=MinimaxConfig(z_init=1e6, z_lr=1e6))
    for _ in range(2):
        record = comp.step(None)
        # still over budget (s moves 1% of a layer per step), so plain ascent would have z above 1e6;
        # bounded, z is the lowest price whose best response meets the budget
        assert record.estimate["synapses"] > 8
        z = torch.tensor(record.z)
        assert sum(comp.best_response(z, _savings(comp), comp.sorted_squares())) <= 8
        assert sum(comp.best_response(z * (1 - 1e-3), _savings(comp), comp.sorted_squares())) > 8
        assert z[0] < 1e3


def test_y_step_is_per_weight_so_layer_size_does_not_raise_a_layer_price() -> None:
    # the same distribution of squared weights in a 48-weight and a 12-weight layer: equal y steps
    big = torch.tensor([[0.1, 0.2, 0.3, 0.4] * 3] * 4).sqrt()
    small = torch.tensor([[0.1, 0.2, 0.3, 0.4] * 3]).sqrt()
    comp = _compressor(budget=40.0, cfg=MinimaxConfig(y_init=0.0, y_lr=1.0, s_lr=0.25), w0=big, w1=small)
    comp.step(None)
    counts = comp.pruned_counts()
    assert counts[0] == 4 * counts[1] > 0  # both layers pruned the same fraction (the preconditioned s step)
    assert torch.allclose(comp.y[0], comp.y[1]) and comp.y[0] > 0


def test_budget_counts_stored_weights_and_the_frozen_mask_drops_quantized_zeros() -> None:
    comp = _compressor(budget=12.0)
    # a quantizer that rounds squares below 3 to zero: 1, 2 (layer 0) and 0.5, 2.5 (layer 1) are not stored
    comp.net.quantized = lambda i: (comp.net.layers[i].weight.detach() ** 2 >= 3).to(torch.int64)
    stored, layouts = comp.net.footprint(comp.masks.values)
    assert stored == [10, 2]
    # layouts of the stored integers: layer 0 is 4 neurons x 3 inputs, squares [[1,2,3],[4,5,6],...]; stored
    # ones: all but the first two weights, so every input feeds 4 neurons except input 0 and 1 (3 each)
    assert [(la.max_fanout, la.max_l1) for la in layouts] == [(4, 3), (1, 2)]
    assert comp.estimate()["synapses"] == 12 and comp.met()
    # the free zeros count as pruned in the best response (nothing priced: only they go)
    assert comp.best_response(torch.tensor([1e-6, 0.0]), _savings(comp), comp.sorted_squares()) == [10, 2]
    comp.freeze_mask()
    assert comp.masks.nonzeros() == [10, 2] and comp.pruned_counts() == [2, 2]
    assert (comp.net.layers[0].weight == 0).sum() == 2  # masked out, so finetuning cannot revive them
