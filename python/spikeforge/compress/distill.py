"""Distillation from the dense network's readouts during compression and finetuning: the loss becomes
L(w) + weight * T^2 * KL(softmax(dense / T) || softmax(student / T)), the dense readouts computed on the same
minibatch by a frozen copy of the network as it was before compression. Batches are ``(inputs, ...)`` and the
model's output on ``inputs`` is its readout (as for the SpikingMLP)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import torch

from spikeforge.compress.problem import Compressible


def distilled(net: Compressible, weight: float, temperature: float = 2.0) -> Compressible:
    """``net`` with its loss plus the readout distillation term (``weight`` 0: ``net`` unchanged)."""
    if weight <= 0:
        return net
    teacher = copy.deepcopy(net.model).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    base = net.loss

    def loss(model: torch.nn.Module, batch: Any) -> torch.Tensor:
        x = batch[0]
        with torch.no_grad():
            target = torch.log_softmax(teacher(x) / temperature, dim=-1)
        student = torch.log_softmax(model(x) / temperature, dim=-1)
        kl = torch.nn.functional.kl_div(student, target, log_target=True, reduction="batchmean")
        return base(model, batch) + weight * temperature**2 * kl

    return replace(net, loss=loss)
