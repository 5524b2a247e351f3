"""The minimax schedule and the baselines on a small torch MLP with the paper's own resource
(synapse count)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from spikeforge.compress.baselines import METHODS, global_magnitude_masks
from spikeforge.compress.minimax import Masks, MinimaxCompressor, MinimaxConfig
from spikeforge.compress.problem import Bounds, Compressible, SynapseMemory, check_budget, floor_estimate
from spikeforge.compress.schedule import ScheduleConfig, Task, force_budget, node_budgets, run_schedule
from spikeforge.errors import SpikeforgeError


@pytest.fixture(scope="module")
def digits_mlp():
    torch.manual_seed(0)
    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x / 16, dtype=torch.float32)
    y = torch.tensor(y)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    for _ in range(15):
        for i in range(0, 1400, 64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[i : i + 64]), y[i : i + 64]).backward()
            opt.step()
    return model, x, y


def _net(model: torch.nn.Module) -> Compressible:
    return Compressible(
        model, [model[0], model[2]], lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1]), [8, 8]
    )


def _batches(x: torch.Tensor, y: torch.Tensor):
    g = torch.Generator().manual_seed(0)

    def epoch():
        p = torch.randperm(1400, generator=g)
        return [(x[p[i : i + 128]], y[p[i : i + 128]]) for i in range(0, 1400, 128)]

    return epoch


def test_budget_below_floor_is_refused_with_minimum() -> None:
    res = SynapseMemory([100, 50])
    bounds = Bounds(min_keep=3)
    assert floor_estimate(res, [100, 50], bounds) == {"synapses": 6.0, "weight_bits": 12.0}
    with pytest.raises(SpikeforgeError, match="minimum achievable is 6"):
        check_budget(res, [100, 50], {"synapses": 5}, bounds)
    with pytest.raises(SpikeforgeError, match="unknown resource 'bram'"):
        check_budget(res, [100, 50], {"bram": 5}, bounds)
    check_budget(res, [100, 50], {"synapses": 6}, bounds)


def test_node_budgets_joint_and_sequential() -> None:
    dense = {"synapses": 1000.0}
    joint = node_budgets({"synapses": 100.0}, dense, ScheduleConfig(nodes=(16.0, 4.0, 1.0)))
    assert joint == [{"synapses": 400.0}, {"synapses": 100.0}]  # 16x is looser than dense: skipped
    both = node_budgets(
        {"synapses": 100.0, "weight_bits": 9e9},
        dense | {"weight_bits": 8000.0},
        ScheduleConfig(nodes=(4.0, 1.0)),
    )
    # a resource the dense network already meets is not tightened on the way, but stays in the final node
    assert both == [{"synapses": 400.0}, {"synapses": 100.0, "weight_bits": 9e9}]
    assert node_budgets({"synapses": 100.0}, dense, ScheduleConfig(variant="sequential")) == [
        {"synapses": 100.0}
    ]
    # a zero budget (no block RAM) keeps its intermediate nodes, scaled from one unit
    assert node_budgets({"bram18": 0.0}, {"bram18": 5.0}, ScheduleConfig(nodes=(4.0, 2.0, 1.0))) == [
        {"bram18": 4.0},
        {"bram18": 2.0},
        {"bram18": 0.0},
    ]


def test_global_magnitude_masks_prune_smallest_overall() -> None:
    a, b = torch.nn.Linear(2, 2, bias=False), torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        a.weight.copy_(torch.tensor([[0.1, -5.0], [0.3, 2.0]]))
        b.weight.copy_(torch.tensor([[0.2, -0.05]]))
    net = Compressible(torch.nn.Sequential(a, b), [a, b], lambda m, x: m(x).sum(), [8, 8])
    masks = global_magnitude_masks(net, 3, min_keep=1)
    assert masks[0].tolist() == [[0.0, 1.0], [1.0, 1.0]]
    assert masks[1].tolist() == [[1.0, 0.0]]  # 0.2 survives: min_keep re-admits the layer's largest


def test_force_budget_names_an_unreachable_budget() -> None:
    layer = torch.nn.Linear(4, 2, bias=False)
    net = Compressible(torch.nn.Sequential(layer), [layer], lambda m, b: m(b).sum(), [8])
    opt = torch.optim.SGD(layer.parameters(), lr=0.0)
    # bypasses the up-front check on purpose: what the exported-model tightening can run into
    comp = MinimaxCompressor(net, SynapseMemory(net.sizes), {"synapses": 0.0}, opt, MinimaxConfig(), Bounds())
    with pytest.raises(SpikeforgeError, match="out of reach: every layer is at its fewest weights"):
        force_budget(comp)
    assert comp.masks.nonzeros() == [1]  # it got as far as min_keep


@pytest.mark.slow
@pytest.mark.parametrize("method", ["minimax", "sequential", "magnitude"])
def test_methods_meet_budget_and_keep_accuracy(digits_mlp, method: str) -> None:
    base, x, y = digits_mlp
    model = torch.nn.Sequential(*[torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)])
    model.load_state_dict(base.state_dict())
    net = _net(model)
    res = SynapseMemory(net.sizes)
    budget = {"synapses": 0.2 * sum(net.sizes)}

    def acc(m: torch.nn.Module) -> float:
        with torch.no_grad():
            return float((m(x[1400:]).argmax(1) == y[1400:]).float().mean())

    dense_acc = acc(model)
    cfg = ScheduleConfig(
        nodes=(2.0, 1.0), finetune_epochs=4, max_compress_epochs=6, lr=5e-3, minimax=MinimaxConfig()
    )
    result = METHODS[method](Task(net, res, budget, _batches(x[:1400], y[:1400]), acc, cfg, True))
    nonzeros = [int((layer.weight != 0).sum()) for layer in net.layers]
    assert sum(nonzeros) <= budget["synapses"]
    assert result.estimate["synapses"] <= budget["synapses"]
    assert nonzeros == result.masks.nonzeros()
    assert acc(model) > dense_acc - 0.08, (acc(model), dense_acc)


@pytest.mark.slow
def test_minimax_reaches_node_by_itself_and_lets_weights_regrow(digits_mlp, monkeypatch) -> None:
    base, x, y = digits_mlp
    model = torch.nn.Sequential(*[torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)])
    model.load_state_dict(base.state_dict())
    net = _net(model)
    budget = {"synapses": 0.3 * sum(net.sizes)}
    # without weight decay: this run pins the minimax's own dynamics (decay shrinks pruned weights'
    # rivals too)
    cfg = ScheduleConfig(
        variant="sequential", finetune_epochs=1, max_compress_epochs=8, lr=1e-3, weight_decay=0.0
    )
    masks: list[list[torch.Tensor]] = []  # the masks after every compress step, as the schedule ran them
    weights: list[list[torch.Tensor]] = []  # and the (masked) weights
    step = MinimaxCompressor.step

    def recording_step(self: MinimaxCompressor, batch):
        record = step(self, batch)
        masks.append([m.clone() for m in self.masks.values])
        weights.append([layer.weight.detach().clone() for layer in self.net.layers])
        return record

    monkeypatch.setattr(MinimaxCompressor, "step", recording_step)
    result = run_schedule(
        Task(net, SynapseMemory(net.sizes), budget, _batches(x[:1400], y[:1400]), lambda m: 0.0, cfg, True)
    )
    node = result.nodes[0]
    assert not node.forced and node.compress_epochs < 8  # the duals, not the fallback, met the budget
    steps = [s for s in result.history.steps if s.phase == "compress"]
    # the violated resource had a price at every step over budget (bounded by the clearing price, so it
    # need not keep rising), and that price moved s: every layer ends pruned
    over = [s for s in steps if s.estimate["synapses"] > budget["synapses"]]
    assert over and all(s.z[0] > 0 for s in over)
    density = np.array([s.density for s in steps])
    assert density[-1].max() < 1.0
    # regrowth: a weight pruned by the mask after one compress step is kept, with a nonzero value (not a tie
    # among zeros), after the next one. In this run it is a layer whose s stepped back (one more weight kept);
    # the mask swap by magnitudes is pinned by test_minimax_mask_refresh_swaps_a_regrown_weight_in
    assert len(masks) == len(steps)
    regrown = [
        int(((before == 0) & (after == 1) & (w != 0)).sum())
        for prev, now, now_w in zip(masks, masks[1:], weights[1:], strict=False)
        for before, after, w in zip(prev, now, now_w, strict=True)
    ]
    assert sum(regrown) > 0, regrown


def test_minimax_mask_refresh_swaps_a_regrown_weight_in() -> None:
    layer = torch.nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 0.5, 0.3]]))
    # the loss is -w_2 (inputs 0, 0, -1): one SGD step at lr 1 takes the pruned w_2 from 0 to 1, above the
    # kept 0.5
    net = Compressible(torch.nn.Sequential(layer), [layer], lambda m, b: m(b).sum(), [8])
    opt = torch.optim.SGD(layer.parameters(), lr=1.0)
    comp = MinimaxCompressor(
        net, SynapseMemory(net.sizes), {"synapses": 2.0}, opt, MinimaxConfig(s_lr=0.0), Bounds()
    )
    comp.set_masks(Masks([torch.tensor([[1.0, 1.0, 0.0]])]))  # s = 1: w_2 pruned
    assert layer.weight.tolist() == [[1.0, 0.5, 0.0]]
    comp.step(torch.tensor([[0.0, 0.0, -1.0]]))
    assert comp.masks.values[0].tolist() == [[1.0, 0.0, 1.0]]  # w_2 regrew, w_1 is now the smallest: pruned
    assert layer.weight.tolist() == [[1.0, 0.0, 1.0]]
