"""Distillation from the dense readouts: zero weight leaves the loss alone, the term is zero while the network
equals the frozen dense copy and grows as it moves away, and the copy does not follow the training."""

from __future__ import annotations

import copy

import torch

from spikeforge.compress.distill import distilled
from spikeforge.compress.problem import Compressible


def _net() -> Compressible:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3))
    return Compressible(model, [model[0]], lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1]), [8])


def test_distillation_term() -> None:
    net = _net()
    batch = (torch.randn(16, 4), torch.randint(0, 3, (16,)))
    assert distilled(net, 0.0) is net
    student = distilled(net, 1.0, temperature=2.0)
    base = float(net.loss(net.model, batch))
    assert float(student.loss(net.model, batch)) == base  # equal to its dense copy: no KL
    dense = copy.deepcopy(net.model)
    with torch.no_grad():
        net.model[0].weight.mul_(-1.0)  # the teacher is a copy taken before: it keeps the old weights
    p_dense = torch.softmax(dense(batch[0]) / 2.0, dim=-1)
    log_student = torch.log_softmax(net.model(batch[0]) / 2.0, dim=-1)
    kl = float((p_dense * (p_dense.log() - log_student)).sum(-1).mean())
    want = float(net.loss(net.model, batch)) + 4.0 * kl
    assert kl > 0.01
    assert abs(float(student.loss(net.model, batch)) - want) < 1e-5
