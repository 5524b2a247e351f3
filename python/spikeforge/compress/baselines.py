"""The methods compared in the benchmarks, one registry: the paper's minimax (joint and sequential),
minimax with fixed uniform bit-widths, one-shot global magnitude pruning + finetune, and iterative
magnitude pruning. Every method ends with the budget met by the resource model and takes its
training length from the same ScheduleConfig (``finetune_epochs``), so comparisons are at equal epochs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import torch

from spikeforge.compress.distill import distilled
from spikeforge.compress.effort import plan
from spikeforge.compress.minimax import History, Masks, MinimaxCompressor
from spikeforge.compress.problem import Compressible, ResourceModel, check_budget, estimate_masks, meets
from spikeforge.compress.schedule import (
    CompressResult,
    NodeResult,
    ScheduleConfig,
    Task,
    finetune,
    force_budget,
    node_budgets,
    run_schedule,
)
from spikeforge.errors import SpikeforgeError

Method = Callable[[Task], CompressResult]


def global_magnitude_masks(net: Compressible, pruned: int, min_keep: int) -> list[torch.Tensor]:
    """Masks removing the ``pruned`` smallest |w| over all layers (keeping ``min_keep`` per layer)."""
    flat = torch.cat([layer.weight.detach().abs().reshape(-1) for layer in net.layers])
    order = torch.sort(flat, stable=True).indices
    keep = torch.ones_like(flat)
    keep[order[:pruned]] = 0.0
    masks, start = [], 0
    for layer in net.layers:
        n = layer.weight.numel()
        m = keep[start : start + n]
        if int(m.sum()) < min_keep:
            top = torch.topk(layer.weight.detach().abs().reshape(-1), min(min_keep, n)).indices
            m = m.clone()
            m[top] = 1.0
        masks.append(m.reshape(layer.weight.shape))
        start += n
    return masks


def magnitude_prune_to(
    net: Compressible, resources: ResourceModel, budget: dict[str, float], min_keep: int
) -> Masks:
    """The fewest globally-smallest weights whose removal meets the budget at the current bits (bisection)."""
    total = sum(net.sizes)

    def masks_for(k: int) -> Masks:
        return Masks(global_magnitude_masks(net, k, min_keep))

    def fits(masks: Masks) -> bool:
        return meets(estimate_masks(resources, net, masks.values, net.bits), budget)

    if not fits(masks_for(total)):
        raise SpikeforgeError(f"the budget {budget} is out of reach of pruning alone at bits {net.bits}")
    lo, hi = 0, total
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(masks_for(mid)):
            hi = mid
        else:
            lo = mid + 1
    return masks_for(lo)


def _holder(
    net: Compressible, resources: ResourceModel, budget: dict[str, float], cfg: ScheduleConfig, masks: Masks
) -> MinimaxCompressor:
    optimizer = torch.optim.Adam(net.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    comp = MinimaxCompressor(net, resources, budget, optimizer, cfg.minimax, cfg.bounds)
    comp.set_masks(masks)
    return comp


def iterative_magnitude(rounds: int) -> Method:
    """Magnitude pruning to each node in turn, finetuning between (rounds=1: one-shot pruning + finetune)."""

    def run(task: Task) -> CompressResult:
        net, resources, budget, cfg = task.net, task.resources, task.budget, task.cfg
        check_budget(resources, net.sizes, budget, cfg.bounds)
        torch.manual_seed(cfg.seed)
        dense = resources.estimate(net.sizes, net.bits)
        steps = replace(cfg, variant="joint", nodes=tuple(2.0**k for k in range(rounds - 1, -1, -1)))
        nodes = node_budgets(budget, dense, replace(steps, effort=replace(cfg.effort, dense_above=None)))
        plans = plan(dense, nodes, cfg.effort, 0, cfg.finetune_epochs)
        effort = None if cfg.finetune_epochs is not None else cfg.effort
        history, results, comp, total = History(), [], None, 0
        net = distilled(net, cfg.distill)
        for node, node_plan in zip(nodes, plans, strict=True):
            masks = magnitude_prune_to(net, resources, node, cfg.bounds.min_keep)
            comp = _holder(net, resources, node, cfg, masks)
            cap = node_plan.max_finetune_epochs
            acc, epochs, stopped = finetune(
                comp, task.train_batches, task.evaluate, history, cap, cfg.lr, effort
            )
            total += epochs
            results.append(NodeResult(node, 0.0, False, epochs, acc, comp.estimate(), cap, stopped))
        return CompressResult(
            results, comp.masks, list(net.bits), comp.estimate(), history, float(total), plans
        )

    return run


def minimax(variant: str, learn_bits: bool) -> Method:
    """The paper's method; ``learn_bits=False`` freezes the bit-widths (the fixed-uniform-bits baseline)."""

    def run(task: Task) -> CompressResult:
        fixed = task.net if learn_bits else replace(task.net, set_bits=None)
        return run_schedule(replace(task, net=fixed, cfg=replace(task.cfg, variant=variant)))

    return run


def tighten(
    net: Compressible,
    resources: ResourceModel,
    budget: dict[str, float],
    cfg: ScheduleConfig,
    result: CompressResult,
) -> CompressResult:
    """Close a gap found on the exported model: force a tighter budget on the current masks (no training)."""
    comp = _holder(net, resources, budget, cfg, result.masks)
    forced = force_budget(comp)
    return replace(
        result,
        masks=comp.masks,
        bits=list(net.bits),
        estimate=comp.estimate(),
        nodes=[
            *result.nodes,
            NodeResult(budget, 0.0, forced, 0, result.nodes[-1].val_accuracy, comp.estimate()),
        ],
    )


METHODS: dict[str, Method] = {
    "minimax": minimax("joint", learn_bits=True),
    "sequential": minimax("sequential", learn_bits=True),
    "uniform-bits": minimax("joint", learn_bits=False),
    "magnitude": iterative_magnitude(rounds=1),
    "imp": iterative_magnitude(rounds=3),
}
