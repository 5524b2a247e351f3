"""The paper's schedule: compress until a node's budget is met, then finetune with the mask frozen.

As the paper's ``main`` loop (prune_cifar10net.py): a list of nodes, tighter and tighter; at each
node the minimax runs until the resource model says the node is met (checked every minibatch,
leaving the epoch early as the paper does), then the network is finetuned with the mask frozen
and the best validation state is kept before moving on. Nodes here are multipliers of the final
budget (e.g. 4, 2, 1), because our budgets are several resources rather than one density.

Variants for the ablation (the paper: "jointly applying compression and finetuning on SNNs is
better than sequentially, especially for extreme compression ratios"):
- ``joint``: compress/finetune interleaved over every node, the finetuning epochs split evenly;
- ``sequential``: one node (the final budget), then all the finetuning epochs at once.

If a node is not met within ``max_compress_epochs`` the remaining gap is closed greedily (more
magnitude pruning, then fewer bits) so that the result always satisfies the budget by the
resource model; the report says when that happened.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import torch
from tqdm import tqdm

from spikeforge.compress.distill import distilled
from spikeforge.compress.effort import (
    STOP_CAP,
    STOP_FIXED,
    STOP_PATIENCE,
    EffortConfig,
    NodePlan,
    estimate_seconds,
    node_multipliers,
    plan,
    ratio,
)
from spikeforge.compress.minimax import History, Masks, MinimaxCompressor, MinimaxConfig
from spikeforge.compress.ops import keep_mask
from spikeforge.compress.problem import (
    Bounds,
    Compressible,
    ResourceModel,
    check_budget,
    estimate_masks,
    meets,
)
from spikeforge.errors import SpikeforgeError

VARIANTS = ("joint", "sequential")


@dataclass
class ScheduleConfig:
    """How long each phase runs. ``weight_decay`` (Adam L2 in compression and finetuning) lets the weights
    a checkpoint trained without decay kept at no use shrink, so that magnitudes rank what matters (chosen
    on the validation split). ``distill``: weight of the dense-readout term (``distill.py``).
    ``finetune_epochs`` None: each node's finetuning cap follows its ratio to the dense model and
    finetuning stops on the validation split (``effort``); a number: that many epochs in total, split
    evenly over the nodes, all of them run (no early stopping)."""

    variant: str = "joint"
    nodes: tuple[float, ...] = (4.0, 2.0, 1.0)
    max_compress_epochs: int = 10
    finetune_epochs: int | None = None
    lr: float = 1e-3
    seed: int = 0
    minimax: MinimaxConfig = field(default_factory=MinimaxConfig)
    bounds: Bounds = field(default_factory=Bounds)
    effort: EffortConfig = field(default_factory=EffortConfig)
    weight_decay: float = 1e-4
    distill: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class NodeResult:
    """One node of the schedule: its budget, the epochs it took, whether forcing was needed."""

    budget: dict[str, float]
    compress_epochs: float
    forced: bool
    finetune_epochs: int
    val_accuracy: float
    estimate: dict[str, float]
    max_finetune_epochs: int = 0
    stopped: str = ""


@dataclass
class CompressResult:
    """The run: per-node results, the final masks/bits/estimate and the step history."""

    nodes: list[NodeResult]
    masks: Masks
    bits: list[int]
    estimate: dict[str, float]
    history: History
    epochs: float
    plan: list[NodePlan] = field(default_factory=list)
    seconds_estimate: tuple[float, float] | None = None


def node_budgets(
    budget: dict[str, float], dense: dict[str, float], cfg: ScheduleConfig
) -> list[dict[str, float]]:
    """The budgets of the nodes: multiplier x final budget, for the resources the dense network exceeds
    (a resource that already fits is not tightened on the way). A budget below one unit (e.g. no block
    RAM at all) is scaled from one unit, so that a zero budget still gets its intermediate nodes."""
    dense_nodes = node_multipliers(ratio(dense, budget), cfg.effort, cfg.nodes)
    multipliers = (1.0,) if cfg.variant == "sequential" else dense_nodes
    out = []
    for m in multipliers:
        scaled = {k: max(v, 1.0) * m if m > 1 else v * m for k, v in budget.items()}
        node = {k: scaled[k] for k, v in budget.items() if v < dense[k] and scaled[k] < dense[k]}
        if node and (not out or node != out[-1]):
            out.append(node)
    binding = {k: v for k, v in budget.items() if v < dense[k]}
    if out and out[-1] == binding:
        out[-1] = dict(budget)
    else:
        out.append(dict(budget))
    return out


@dataclass(frozen=True, order=True)
class _Move:
    """One greedy move of ``force_budget``: prune layer ``layer`` to ``pruned`` weights, or (None) drop
    a bit."""

    layer: int
    pruned: int | None = None


def force_budget(comp: MinimaxCompressor) -> bool:
    """Close a remaining gap greedily: prune 10% more of one layer, or drop one layer's bits, whichever
    leaves the least excess; on a tie pruning goes first (a bit less of every weight costs more accuracy
    than the smallest 10% of one layer's, and nothing is retrained after this)."""
    net, forced = comp.net, False
    while not comp.met():
        forced = True
        counts = comp.pruned_counts()
        candidates: list[tuple[float, bool, int, _Move]] = []
        for i, n in enumerate(net.sizes):
            kept = n - counts[i]
            if kept > comp.bounds.min_keep:
                s = n - max(comp.bounds.min_keep, kept - max(1, math.ceil(0.1 * kept)))
                masks = list(comp.masks.values)
                masks[i] = keep_mask(net.layers[i].weight, s)
                candidates.append((_excess(comp, masks, net.bits), False, -n, _Move(i, pruned=s)))
            if net.set_bits is not None and net.bits[i] > comp.bounds.bits_min:
                bits = list(net.bits)
                bits[i] -= 1
                candidates.append((_excess(comp, comp.masks.values, bits), True, -n, _Move(i)))
        if not candidates:
            raise SpikeforgeError(
                f"the budget {comp.budget} is out of reach: every layer is at its fewest weights and bits"
            )
        *_, move = min(candidates)
        i = move.layer
        if move.pruned is not None:
            masks = list(comp.masks.values)
            masks[i] = keep_mask(net.layers[i].weight, move.pruned)
            comp.set_masks(Masks(masks))
        else:
            net.bits[i] -= 1
            net.set_bits(i, net.bits[i])
    return forced


def _excess(comp: MinimaxCompressor, masks: list[torch.Tensor], bits: list[int]) -> float:
    est = estimate_masks(comp.resources, comp.net, masks, bits)
    return sum(max(0.0, (est[k] - v) / max(v, 1.0)) for k, v in comp.budget.items())


@dataclass(frozen=True)
class Task:
    """One compression problem, what every method takes: the network, the resource model, the budget,
    ``train_batches()`` (one epoch of batches), ``evaluate(model)`` (a validation accuracy) and the
    schedule."""

    net: Compressible
    resources: ResourceModel
    budget: dict[str, float]
    train_batches: Callable[[], Iterable[Any]]
    evaluate: Callable[[torch.nn.Module], float]
    cfg: ScheduleConfig
    quiet: bool = False


def run_schedule(task: Task) -> CompressResult:
    """Run the minimax node schedule of ``task.cfg`` (its variant: joint or sequential)."""
    net, resources, budget, cfg = task.net, task.resources, task.budget, task.cfg
    train_batches, evaluate = task.train_batches, task.evaluate
    if cfg.variant not in VARIANTS:
        raise ValueError(f"unknown variant {cfg.variant!r}; known: {', '.join(VARIANTS)}")
    check_budget(resources, net.sizes, budget, cfg.bounds)
    torch.manual_seed(cfg.seed)
    dense = resources.estimate(net.sizes, net.bits)
    nodes = node_budgets(budget, dense, cfg)
    plans = plan(dense, nodes, cfg.effort, cfg.max_compress_epochs, cfg.finetune_epochs)
    net = distilled(net, cfg.distill)
    seconds = estimate_seconds(plans, *time_epoch(replace(task, net=net)))
    announce(task, plans, seconds)
    optimizer = torch.optim.Adam(net.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    comp = MinimaxCompressor(net, resources, nodes[0], optimizer, cfg.minimax, cfg.bounds)
    history = History()
    results: list[NodeResult] = []
    total_epochs = 0.0
    bar = _bar(task, sum(p.max_compress_epochs + p.max_finetune_epochs for p in plans))
    for k, (node, node_plan) in enumerate(zip(nodes, plans, strict=True)):
        comp.set_budget(node)
        for group in optimizer.param_groups:  # the paper's restart: every node starts at the full rate
            group["lr"] = cfg.lr
        bar.set_description(f"node {k + 1}/{len(nodes)} compress")
        epochs = _compress_until_met(comp, train_batches, history, node_plan.max_compress_epochs, bar)
        forced = force_budget(comp)
        total_epochs += epochs
        bar.set_description(f"node {k + 1}/{len(nodes)} finetune")
        acc, ft_epochs, stopped = finetune(
            comp,
            train_batches,
            evaluate,
            history,
            node_plan.max_finetune_epochs,
            cfg.lr,
            None if cfg.finetune_epochs is not None else cfg.effort,
            bar,
        )
        total_epochs += ft_epochs
        est = comp.estimate()
        results.append(
            NodeResult(node, epochs, forced, ft_epochs, acc, est, node_plan.max_finetune_epochs, stopped)
        )
        history.evals.append({"step": len(history.steps), "val_accuracy": acc, "estimate": est})
    bar.close()
    final = comp.estimate()
    if not meets(final, budget):
        raise RuntimeError(f"the schedule ended over budget: {final} vs {budget}")
    return CompressResult(results, comp.masks, list(net.bits), final, history, total_epochs, plans, seconds)


def _bar(task: Task, total: int) -> tqdm:
    return tqdm(total=total, unit="epoch", disable=task.quiet, leave=False, bar_format=BAR_FORMAT)


BAR_FORMAT = "{desc} {n:.1f}/{total} epochs (cap) [{elapsed}<{remaining}]{postfix}"


def time_epoch(task: Task) -> tuple[float, float]:
    """(seconds per training epoch, seconds per validation pass), timed on a minibatch's forward and backward
    (no step: the network is unchanged) and one validation pass."""
    net = task.net
    batches = list(task.train_batches())
    net.model.train()
    for batch in batches[:2]:  # the second is timed: the first warms up
        start = time.perf_counter()
        net.loss(net.model, batch).backward()
        net.model.zero_grad(set_to_none=True)
        per_batch = time.perf_counter() - start
    start = time.perf_counter()
    task.evaluate(net.model)
    return 1.3 * per_batch * len(batches), time.perf_counter() - start  # 1.3: optimizer, prox, masks


def announce(task: Task, plans: list[NodePlan], seconds: tuple[float, float]) -> None:
    """Print the effort chosen and the run time expected, before the run starts."""
    if task.quiet:
        return
    caps = ", ".join(f"{p.ratio:.1f}x: <= {p.max_finetune_epochs}" for p in plans)
    stop = "fixed" if task.cfg.finetune_epochs is not None else f"patience {task.cfg.effort.patience}"
    tqdm.write(
        f"{len(plans)} nodes (ratio to dense: finetuning epochs) {caps}; compression <= "
        f"{plans[0].max_compress_epochs} epochs a node, finetuning stops on validation ({stop}); "
        f"expected {seconds[0] / 60:.1f} min, at most {seconds[1] / 60:.1f} min"
    )


def _compress_until_met(
    comp: MinimaxCompressor,
    train_batches: Callable[[], Iterable[Any]],
    history: History,
    max_epochs: int,
    bar: tqdm | None = None,
) -> float:
    """Minimax steps until the node is met (checked after every minibatch); returns the epochs used."""
    met = comp.met()
    for epoch in range(max_epochs):
        batches = list(train_batches())
        for k, batch in enumerate(batches):
            if met:
                return epoch + k / len(batches)
            record = comp.step(batch)
            history.steps.append(record)
            met = meets(record.estimate, comp.budget)  # the step's estimate is of the masks and bits it left
            if bar is not None:
                bar.update(1 / len(batches))
                bar.set_postfix_str(_versus(record.estimate, comp.budget), refresh=False)
    return float(max_epochs)


def _versus(estimate: dict[str, float], budget: dict[str, float]) -> str:
    """Estimate vs budget of the resources near their limit (at least half of it), or of all."""
    near = {k: v for k, v in budget.items() if estimate[k] >= 0.5 * v} or budget
    return ", ".join(f"{k} {estimate[k]:.4g}/{v:.4g}" for k, v in near.items())


def finetune(
    comp: MinimaxCompressor,
    train_batches: Callable[[], Iterable[Any]],
    evaluate: Callable[[torch.nn.Module], float],
    history: History,
    epochs: int,
    lr: float,
    effort: EffortConfig | None = None,
    bar: tqdm | None = None,
) -> tuple[float, int, str]:
    """Frozen-mask training from ``lr``, at most ``epochs`` epochs; keeps (and restores) the best validation
    state. Returns (best validation accuracy, epochs run, why it stopped).

    With ``effort``: after ``effort.patience`` epochs without a better validation accuracy the best state is
    restored and the rate cut by ``effort.drop``; after ``effort.drops`` cuts it stops. Without: a cosine rate
    over all ``epochs``. The optimizer leaves at ``lr`` again, for the compression phase that follows."""
    net = comp.net
    comp.freeze_mask()
    best_acc, best_state = evaluate(net.model), copy.deepcopy(net.model.state_dict())
    for group in comp.optimizer.param_groups:
        group["lr"] = group["initial_lr"] = lr
    scheduler = (
        torch.optim.lr_scheduler.CosineAnnealingLR(comp.optimizer, T_max=max(1, epochs))
        if effort is None
        else None
    )
    stale, drops, ran, stopped = 0, 0, 0, STOP_FIXED if effort is None else STOP_CAP
    for _ in range(epochs):
        for batch in train_batches():
            history.steps.append(comp.finetune_step(batch))
        ran += 1
        acc = evaluate(net.model)
        if acc > best_acc:
            best_acc, best_state, stale = acc, copy.deepcopy(net.model.state_dict()), 0
        else:
            stale += 1
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(
                f"{_versus(comp.estimate(), comp.budget)}, val {100 * best_acc:.2f}%", refresh=False
            )
        if scheduler is not None:
            scheduler.step()
        elif stale >= effort.patience:
            if drops == effort.drops:
                stopped = STOP_PATIENCE
                break
            drops, stale = drops + 1, 0
            net.model.load_state_dict(best_state)
            for group in comp.optimizer.param_groups:
                group["lr"] *= effort.drop
    if bar is not None:
        bar.update(epochs - ran)
    for group in comp.optimizer.param_groups:  # the next phase starts at lr
        group["lr"] = lr
    net.model.load_state_dict(best_state)
    comp.masks.apply(net)
    return best_acc, ran, stopped
