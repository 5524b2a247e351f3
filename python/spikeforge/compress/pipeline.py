"""Checkpoint in, compressed checkpoint + hardware model + estimate-vs-budget out (``spikeforge compress``).

The method (``minimax``, the paper's) and the baselines share everything but the compression step:
the same data, the same number of training epochs, the same export and the same final check of the
exported model against every budget with the resource estimator (area from the core the generator
would build, latency from the golden simulator's activity on training data).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from spikeforge.boards import Board
from spikeforge.compress.baselines import METHODS, tighten
from spikeforge.compress.fpga import AREA, CoreResources
from spikeforge.compress.problem import SynapseMemory, meets
from spikeforge.compress.schedule import CompressResult, ScheduleConfig, Task
from spikeforge.compress.snn import compressible
from spikeforge.data.datasets import load_dataset
from spikeforge.errors import SpikeforgeError
from spikeforge.estimate.activity import measured
from spikeforge.estimate.latency import cycles_per_sample
from spikeforge.estimate.resources import estimate as estimate_core
from spikeforge.export.hardware import choose_membrane_bits, to_hardware_model
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel
from spikeforge.snn import SpikingMLP
from spikeforge.train.loop import float_accuracy

ACTIVITY_SAMPLES = 200
MAX_TIGHTENINGS = 20


@dataclass
class Data:
    """Spike trains and labels of the three splits, as the checkpoint was trained."""

    name: str
    timesteps: int
    encoder: str
    batch_size: int
    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]

    @classmethod
    def for_checkpoint(cls, payload: dict[str, Any]) -> Data:
        tc = payload.get("train_config") or {}
        if "dataset" not in tc:
            raise SpikeforgeError(
                "the checkpoint records no training dataset; compress needs one to finetune on"
            )
        ds = load_dataset(tc["dataset"])
        t, enc = int(tc.get("timesteps", 8)), tc.get("encoder", "rate")
        splits = ("train", "val", "test")
        return cls(
            tc["dataset"],
            t,
            enc,
            int(tc.get("batch_size", 128)),
            {s: np.array(ds.spike_trains(s, t, enc)) for s in splits},
            {s: ds.labels(s) for s in splits},
        )

    def batches(self, seed: int):
        """A callable yielding one shuffled epoch of (x, y) tensors per call (seeded)."""
        rng = np.random.default_rng(seed)
        x, y = torch.from_numpy(self.x["train"]).float(), torch.from_numpy(self.y["train"])

        def epoch():
            order = torch.from_numpy(rng.permutation(len(y)))
            return [
                (x[order[i : i + self.batch_size]], y[order[i : i + self.batch_size]])
                for i in range(0, len(order), self.batch_size)
            ]

        return epoch


def export(model: SpikingMLP, data: Data, extra: dict[str, Any]) -> HardwareModel:
    """The exporter: membrane widths from the training data, then the integer model."""
    return to_hardware_model(model, choose_membrane_bits(model, data.x["train"]), extra)


def hardware_accuracy(hw: HardwareModel, data: Data, split: str) -> float:
    """Accuracy of the integer model under the golden simulator (the number we quote)."""
    return float(np.mean(golden.run(hw, data.x[split]).prediction == data.y[split]))


def measure(hw: HardwareModel, data: Data, board: Board) -> dict[str, float]:
    """The estimate of the exported model itself: area of its core, latency with measured activity."""
    area = estimate_core(hw).totals()
    activity = measured(hw, data.x["train"][:ACTIVITY_SAMPLES])
    latency = cycles_per_sample(hw, activity, clock_mhz=board.default_clock_mhz)
    synapses = float(sum(np.count_nonzero(layer.weight) for layer in hw.layers))
    return {
        **{k: float(area[k]) for k in AREA},
        "latency_us": float(latency.latency_us),
        "synapses": synapses,
    }


def board_budget(board: Board, overrides: dict[str, float | None]) -> dict[str, float]:
    """Board headroom limits for the area resources, replaced by the user's absolute numbers where given."""
    budget = {r: board.budget(r) for r in AREA}
    budget |= {k: float(v) for k, v in overrides.items() if v is not None}
    return budget


@dataclass
class Outcome:
    """What one compression run produced and measured."""

    method: str
    model: SpikingMLP
    hw: HardwareModel
    result: CompressResult
    measured: dict[str, float]
    expected: dict[str, float]
    accuracy: dict[str, float]
    tightenings: int
    extra: dict[str, Any] = field(default_factory=dict)


def compress(
    model: SpikingMLP,
    data: Data,
    board: Board,
    budget: dict[str, float],
    cfg: ScheduleConfig,
    method: str = "minimax",
    quiet: bool = False,
    connectivity: bool = False,
    dense_hw: HardwareModel | None = None,
) -> Outcome:
    """Run ``method`` on a copy of ``model`` and tighten until the exported model meets the budget.

    ``connectivity=True`` constrains the paper's own resource (nonzero synapses, SynapseMemory)
    instead of the FPGA models: the accuracy-vs-connectivity sweeps. ``dense_hw``: ``export(model, data, {})``
    when the caller already has it."""
    if method not in METHODS:
        raise SpikeforgeError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    model = copy.deepcopy(model)
    if dense_hw is None:
        dense_hw = export(model, data, {})
    rates = measured(dense_hw, data.x["train"][:ACTIVITY_SAMPLES]).mean_rates()
    net = compressible(model, learn_bits=not connectivity)  # connectivity sweeps: bits fixed for every method
    resources = (
        SynapseMemory(net.sizes)
        if connectivity
        else CoreResources.for_model(dense_hw, board, rates, data.timesteps)
    )

    def evaluate(m: torch.nn.Module) -> float:
        return float_accuracy(m, data.x["val"], data.y["val"])

    run = METHODS[method]
    result = run(Task(net, resources, budget, data.batches(cfg.seed), evaluate, cfg, quiet))
    # The estimator of the exported model is the judge; if it disagrees with the expected-core model
    # used during training, tighten the node budget by 3% and force again (rarely needed).
    tightenings = 0
    while True:
        model.config.weight_bits = list(net.bits)
        for layer, b in zip(model.layers, net.bits, strict=True):  # the quantizers carry the bits exported
            layer.set_weight_bits(b)
        hw = export(model, data, {"compress_method": method})
        got = measure(hw, data, board)
        if meets(got, budget):
            break
        over = {k: got[k] for k, v in budget.items() if got[k] > v}
        if tightenings == MAX_TIGHTENINGS:
            raise SpikeforgeError(
                f"could not meet the budget {budget} with the exported model (it needs {over})"
            )
        tightenings += 1
        try:
            result = tighten(
                net, resources, {k: v * 0.97**tightenings for k, v in budget.items()}, cfg, result
            )
        except SpikeforgeError as exc:
            raise SpikeforgeError(
                f"could not meet the budget {budget} with the exported model: it still needs {over} "
                f"after {tightenings - 1} tightenings, and {exc}"
            ) from exc
    accuracy = {s: hardware_accuracy(hw, data, s) for s in ("val", "test")}
    accuracy |= {f"float_{s}": float_accuracy(model, data.x[s], data.y[s]) for s in ("val", "test")}
    return Outcome(method, model, hw, result, got, result.estimate, accuracy, tightenings)
