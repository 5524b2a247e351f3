"""The SpikingMLP adapter: bit moves change the brevitas quantizer, and the duals price them."""

from __future__ import annotations

import torch

from spikeforge.compress.minimax import MinimaxCompressor, MinimaxConfig
from spikeforge.compress.problem import Bounds, SynapseMemory
from spikeforge.compress.snn import compressible, set_weight_bits
from spikeforge.snn import SNNConfig, SpikingMLP


def _model() -> SpikingMLP:
    torch.manual_seed(0)
    return SpikingMLP(SNNConfig(sizes=[12, 16, 4], weight_bits=4))


def test_set_weight_bits_changes_the_quantizer_grid_and_survives_state_dict_load() -> None:
    model = _model()
    net = compressible(model)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    set_weight_bits(model, 0, 2)
    net.bits[0] = 2
    ints = model.layers[0].integer().weight
    assert model.layers[0].weight_bits == 2 and ints.min() >= -2 and ints.max() <= 1
    model.load_state_dict(state)
    net.apply_bits()
    assert float(model.layers[0].synapse.quant_weight().bit_width) == 2.0


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
    comp.z.zero_()  # no price: bits move only if the loss on the minibatch prefers it
    loss_before = float(net.loss(model, batch).detach())
    comp._move_bits(batch)
    assert float(net.loss(model, batch).detach()) <= loss_before + 1e-6
