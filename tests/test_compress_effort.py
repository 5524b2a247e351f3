"""The effort rule: epoch caps from the compression ratio, finetuning that stops on the validation split,
the learning-rate restart per node, and the run-time estimate."""

from __future__ import annotations

import math

import pytest
import torch

from spikeforge.compress.effort import (
    STOP_CAP,
    STOP_FIXED,
    STOP_PATIENCE,
    EffortConfig,
    NodePlan,
    estimate_seconds,
    finetune_cap,
    node_multipliers,
    plan,
    ratio,
)
from spikeforge.compress.minimax import History, Masks, MinimaxCompressor, MinimaxConfig
from spikeforge.compress.problem import Bounds, Compressible, SynapseMemory
from spikeforge.compress.schedule import ScheduleConfig, Task, finetune, node_budgets, run_schedule


def test_ratio_is_the_most_binding_resource() -> None:
    dense = {"bram18": 111.0, "lut": 5000.0, "dsp": 0.0}
    assert ratio(dense, {"bram18": 5.0, "lut": 2500.0, "dsp": 0.0}) == pytest.approx(22.2)
    assert ratio(dense, {"bram18": 200.0}) == 1.0  # a budget the dense network meets does not count
    assert ratio({"bram18": 4.0}, {"bram18": 0.0}) == 4.0  # a zero budget counts from one unit


def test_finetune_cap_grows_with_log_ratio() -> None:
    cfg = EffortConfig(epochs_per_octave=4.0, min_epochs=2)
    assert finetune_cap(1.0, cfg) == 2  # nothing to recover: the floor
    assert finetune_cap(2.0, cfg) == 4
    assert finetune_cap(22.2, cfg) == math.ceil(4 * math.log2(22.2)) == 18
    caps = [finetune_cap(r, cfg) for r in (1.5, 3, 6, 12, 24, 48)]
    assert caps == sorted(caps) and caps[-1] > caps[0]


def test_plan_uses_ratio_caps_or_a_fixed_split() -> None:
    dense = {"synapses": 1000.0}
    nodes = [{"synapses": 400.0}, {"synapses": 200.0}, {"synapses": 100.0}]
    auto = plan(dense, nodes, EffortConfig(epochs_per_octave=2.0, min_epochs=1), 7, None)
    assert [p.ratio for p in auto] == [2.5, 5.0, 10.0]
    assert [p.max_finetune_epochs for p in auto] == [3, 5, 7]
    assert all(p.max_compress_epochs == 7 for p in auto)
    fixed = plan(dense, nodes, EffortConfig(), 7, 7)
    assert [p.max_finetune_epochs for p in fixed] == [3, 2, 2]


def test_denser_nodes_only_beyond_the_threshold() -> None:
    cfg = EffortConfig(dense_above=16.0, dense_step=2.0**0.5)
    assert node_multipliers(10.0, cfg, (4.0, 2.0, 1.0)) == (4.0, 2.0, 1.0)
    steps = node_multipliers(20.0, cfg, (4.0, 2.0, 1.0))
    assert steps == pytest.approx((4.0, 2.0**1.5, 2.0, 2.0**0.5, 1.0))
    dense = {"synapses": 2000.0}
    got = node_budgets({"synapses": 100.0}, dense, ScheduleConfig(effort=cfg))
    assert [n["synapses"] for n in got] == pytest.approx(
        [400.0, 100 * 2.0**1.5, 200.0, 100 * 2.0**0.5, 100.0]
    )


def test_estimate_seconds_between_likely_and_worst() -> None:
    plans = [NodePlan(2.0, 10, 4), NodePlan(4.0, 10, 8)]
    likely, worst = estimate_seconds(plans, epoch_seconds=3.0, eval_seconds=1.0)
    assert likely == pytest.approx(2 * 2 * 3.0 + 0.5 * 12 * 4.0)
    assert worst == pytest.approx(20 * 3.0 + 12 * 4.0)


class _Scripted:
    """A validation split whose accuracies are scripted, and a training epoch that records the rate."""

    def __init__(self, accuracies: list[float], comp_holder: list) -> None:
        self.accuracies, self.calls, self.rates, self.holder = accuracies, 0, [], comp_holder

    def evaluate(self, model: torch.nn.Module) -> float:
        acc = self.accuracies[min(self.calls, len(self.accuracies) - 1)]
        self.calls += 1
        return acc

    def batches(self) -> list:
        self.rates.append(self.holder[0].optimizer.param_groups[0]["lr"])
        return [torch.ones(1, 3)]


def _holder() -> MinimaxCompressor:
    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 2, bias=False)
    net = Compressible(torch.nn.Sequential(layer), [layer], lambda m, b: m(b).pow(2).sum(), [8])
    opt = torch.optim.SGD(layer.parameters(), lr=0.1)
    comp = MinimaxCompressor(net, SynapseMemory(net.sizes), {"synapses": 6.0}, opt, MinimaxConfig(), Bounds())
    comp.set_masks(Masks.dense(net))
    return comp


def test_finetune_stops_on_patience_with_rate_cuts_and_restores_the_best_state() -> None:
    comp = _holder()
    # evaluate: before training 0.5, then per epoch 0.6 (best), 0.55, 0.55 (patience 2: cut, restore),
    # 0.58, 0.59 (second patience: stop, drops=1 used up)
    script = _Scripted([0.5, 0.6, 0.55, 0.55, 0.58, 0.59], [comp])
    states = []
    original = comp.finetune_step

    def step(batch):
        out = original(batch)
        states.append(comp.net.layers[0].weight.detach().clone())
        return out

    comp.finetune_step = step
    effort = EffortConfig(patience=2, drops=1, drop=0.5)
    acc, ran, stopped = finetune(comp, script.batches, script.evaluate, History(), 20, 0.1, effort)
    assert (acc, ran, stopped) == (0.6, 5, STOP_PATIENCE)
    assert script.rates == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05])  # one cut after two stale epochs
    assert torch.equal(comp.net.layers[0].weight, states[0])  # the state after the best epoch, restored
    assert comp.optimizer.param_groups[0]["lr"] == 0.1  # the next phase starts at the full rate


def test_finetune_runs_to_the_cap_while_improving_and_fixed_runs_all_epochs() -> None:
    comp = _holder()
    script = _Scripted([0.1 * k for k in range(10)], [comp])
    _, ran, stopped = finetune(
        comp, script.batches, script.evaluate, History(), 4, 0.1, EffortConfig(patience=1)
    )
    assert (ran, stopped) == (4, STOP_CAP)
    comp = _holder()
    script = _Scripted([0.9, 0.1], [comp])  # never better than before training: a fixed run still runs all
    acc, ran, stopped = finetune(comp, script.batches, script.evaluate, History(), 3, 0.1, None)
    assert (acc, ran, stopped) == (0.9, 3, STOP_FIXED)
    assert script.rates[0] == 0.1 and script.rates[-1] < 0.1  # cosine


def test_schedule_restarts_the_rate_per_node_and_records_the_effort(monkeypatch) -> None:
    torch.manual_seed(0)
    x = torch.randn(256, 8)
    y = (x[:, 0] > 0).long()
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    net = Compressible(
        model, [model[0], model[2]], lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1]), [8, 8]
    )
    rates: list[float] = []  # the rate of every compression step
    original = MinimaxCompressor.step

    def recording(self, batch):
        rates.append(self.optimizer.param_groups[0]["lr"])
        return original(self, batch)

    monkeypatch.setattr(MinimaxCompressor, "step", recording)

    def evaluate(m: torch.nn.Module) -> float:
        with torch.no_grad():
            return float((m(x).argmax(1) == y).float().mean())

    def batches():
        return [(x[i : i + 64], y[i : i + 64]) for i in range(0, 256, 64)]

    effort = EffortConfig(epochs_per_octave=1.0, patience=1, drops=1)
    cfg = ScheduleConfig(nodes=(2.0, 1.0), lr=1e-2, effort=effort, minimax=MinimaxConfig(s_lr=0.05))
    result = run_schedule(
        Task(net, SynapseMemory(net.sizes), {"synapses": 40.0}, batches, evaluate, cfg, True)
    )
    dense = sum(net.sizes)
    assert [p.ratio for p in result.plan] == pytest.approx([round(dense / 80, 3), round(dense / 40, 3)])
    assert [p.max_finetune_epochs for p in result.plan] == [
        max(2, math.ceil(math.log2(dense / n))) for n in (80, 40)
    ]
    assert [n.max_finetune_epochs for n in result.nodes] == [p.max_finetune_epochs for p in result.plan]
    for node in result.nodes:
        assert 1 <= node.finetune_epochs <= node.max_finetune_epochs
        assert node.stopped in (STOP_CAP, STOP_PATIENCE)
    assert (
        result.seconds_estimate is not None and 0 < result.seconds_estimate[0] <= result.seconds_estimate[1]
    )
    assert rates and all(r == 1e-2 for r in rates)  # every node compresses at the full rate again
