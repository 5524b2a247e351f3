"""How much training each node of the schedule gets: effort that follows the compression ratio and stops on
the validation split.

A node k times smaller than the dense network (by its most binding resource) gets a finetuning cap of
``epochs_per_octave * log2(k)`` epochs (at least ``min_epochs``): the further from the dense model, the more
there is to recover. Within the cap, finetuning stops on the validation split: after ``patience`` epochs
without a better validation accuracy the best state is restored and the learning rate is cut by
``drop``; after ``drops`` cuts the node stops ("patience"). Each node starts again at the full learning
rate (the paper's restart per node). A run whose final budget is more than ``dense_above`` times below the
dense model gets a denser node schedule (steps of ``dense_step`` instead of 2; None: never).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

STOP_PATIENCE = "patience"
STOP_CAP = "epoch cap"
STOP_FIXED = "fixed epochs"


@dataclass(frozen=True)
class EffortConfig:
    """The rule that turns compression ratios into epochs (defaults chosen on validation accuracy)."""

    epochs_per_octave: float = 4.0
    min_epochs: int = 2
    patience: int = 2
    drops: int = 2
    drop: float = 0.3
    dense_above: float | None = 16.0
    dense_step: float = 2.0**0.5

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def ratio(dense: dict[str, float], budget: dict[str, float]) -> float:
    """How many times smaller than the dense network the budget is, by its most binding resource (>= 1)."""
    return max([1.0] + [dense[k] / max(v, 1.0) for k, v in budget.items() if v < dense[k]])


def node_multipliers(final_ratio: float, cfg: EffortConfig, default: tuple[float, ...]) -> tuple[float, ...]:
    """The default multipliers (4, 2, 1), or, beyond ``dense_above``, steps of ``dense_step`` from 4 down."""
    if cfg.dense_above is None or final_ratio <= cfg.dense_above:
        return default
    top = max(default)
    steps = math.ceil(math.log(top) / math.log(cfg.dense_step) - 1e-9)
    return tuple(round(cfg.dense_step ** (steps - i), 6) for i in range(steps + 1))


def finetune_cap(node_ratio: float, cfg: EffortConfig) -> int:
    """The finetuning epoch cap of a node ``node_ratio`` times below the dense network."""
    return max(cfg.min_epochs, math.ceil(cfg.epochs_per_octave * math.log2(max(node_ratio, 1.0))))


@dataclass
class NodePlan:
    """The effort planned for one node: its ratio to the dense model and its epoch caps."""

    ratio: float
    max_compress_epochs: int
    max_finetune_epochs: int


def plan(
    dense: dict[str, float],
    nodes: list[dict[str, float]],
    cfg: EffortConfig,
    max_compress_epochs: int,
    finetune_epochs: int | None,
) -> list[NodePlan]:
    """Per node, the caps: finetuning from the ratio (or ``finetune_epochs`` split evenly when given)."""
    fixed = None if finetune_epochs is None else split_epochs(finetune_epochs, len(nodes))
    out = []
    for i, node in enumerate(nodes):
        r = ratio(dense, node)
        cap = finetune_cap(r, cfg) if fixed is None else fixed[i]
        out.append(NodePlan(round(r, 3), max_compress_epochs, cap))
    return out


def split_epochs(total: int, parts: int) -> list[int]:
    """``total`` epochs over ``parts`` nodes, as evenly as integers allow (the earlier nodes get the rest)."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def estimate_seconds(plans: list[NodePlan], epoch_seconds: float, eval_seconds: float) -> tuple[float, float]:
    """(likely, at most) run time: compression about 2 epochs a node (it leaves when the node is met),
    finetuning from half of each cap (early stopping) up to the whole cap."""
    compress = sum(min(2.0, p.max_compress_epochs) for p in plans) * epoch_seconds
    caps = sum(p.max_finetune_epochs for p in plans)
    per_epoch = epoch_seconds + eval_seconds
    worst = sum(p.max_compress_epochs for p in plans) * epoch_seconds + caps * per_epoch
    return compress + 0.5 * caps * per_epoch, worst
