"""The SpikingMLP adapter: bit moves change the brevitas quantizer, and the duals price them."""

from __future__ import annotations

import copy

import torch

from spikeforge.compress.minimax import MinimaxCompressor, MinimaxConfig
from spikeforge.compress.problem import Bounds, SynapseMemory
from spikeforge.compress.snn import compressible
from spikeforge.snn import SNNConfig, SpikingMLP


def _model() -> SpikingMLP:
    torch.manual_seed(0)
    return SpikingMLP(SNNConfig(sizes=[12, 16, 4], weight_bits=4))


def _quant_bits(model: SpikingMLP, index: int) -> float:
    """The bit width brevitas quantizes layer ``index`` with, as quant_weight() reports it."""
    return float(model.layers[index].synapse.quant_weight().bit_width)


def test_set_weight_bits_changes_the_quantizer_grid_and_survives_a_state_dict_load() -> None:
    model = _model()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    before = model.layers[0].synapse.weight.detach().clone()
    model.layers[0].set_weight_bits(2)
    ints = model.layers[0].integer().weight
    assert model.layers[0].weight_bits == 2 and ints.min() >= -2 and ints.max() <= 1
    assert _quant_bits(model, 0) == 2.0
    assert torch.equal(model.layers[0].synapse.weight.detach(), before)  # the float weights are kept
    model.load_state_dict(state)
    assert _quant_bits(model, 0) == 2.0 and _quant_bits(model, 1) == 4.0


def test_bit_moves_follow_the_resource_price() -> None:
    model = _model()
    net = compressible(model)
    x = (torch.rand(8, 4, 12) < 0.5).float()
    batch = (x, torch.randint(0, 4, (8,)))
    budget = {"weight_bits": 10.0}  # far below the dense 4-bit total: a high price for every stored bit
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    comp = MinimaxCompressor(net, SynapseMemory(net.sizes), budget, opt, MinimaxConfig(z_init=1e6), Bounds())
    comp._move_bits(batch)
    assert net.bits == [3, 3]  # one step down per move, for each layer
    assert [layer.weight_bits for layer in model.layers] == [3, 3]
    assert [_quant_bits(model, i) for i in range(2)] == [3.0, 3.0]  # the brevitas quantizers moved too
    comp.z.zero_()  # no price: bits move only if the loss on the minibatch prefers it
    start = list(net.bits)
    expected = _coordinate_argmin(model, batch, start)
    loss_before = float(net.loss(model, batch).detach())
    comp._move_bits(batch)
    assert net.bits == expected
    assert [_quant_bits(model, i) for i in range(2)] == [float(b) for b in expected]
    assert any(b != a for b, a in zip(expected, start, strict=True))  # this minibatch does move a layer
    assert float(net.loss(model, batch).detach()) <= loss_before + 1e-6


def _coordinate_argmin(
    model: SpikingMLP, batch: tuple[torch.Tensor, torch.Tensor], start: list[int]
) -> list[int]:
    """Brute force at zero price, on a copy: layer by layer, the bit-width in {b-1, b, b+1} (within 2..8)
    with the least minibatch cross-entropy, earlier layers already at their choice; ties keep b, then
    prefer b-1."""
    trial = copy.deepcopy(model).eval()
    x, y = batch
    bits = list(start)
    for i, b in enumerate(start):
        losses = {}
        for candidate in (b, b - 1, b + 1):
            if 2 <= candidate <= 8:
                trial.layers[i].set_weight_bits(candidate)
                with torch.no_grad():
                    losses[candidate] = float(torch.nn.functional.cross_entropy(trial(x), y))
        bits[i] = min(losses, key=losses.__getitem__)  # first of the least (dicts keep insertion order)
        trial.layers[i].set_weight_bits(bits[i])
    return bits
