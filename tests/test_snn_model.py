"""The torch SPEC neuron: surrogates, float vs integer mode, float parameters in/out, config errors."""

import math

import numpy as np
import pytest
import torch

from spikeforge.errors import SpikeforgeError
from spikeforge.export import integer_readout
from spikeforge.snn import SURROGATES, FloatLayer, SNNConfig, SpikingMLP


def _spikes(shape, p=0.3, seed=0):
    return np.random.default_rng(seed).random(shape) < p


@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_surrogate_is_heaviside_forward_with_the_documented_gradient(name):
    x = torch.tensor([-1.0, -0.1, 0.0, 0.1, 1.0], requires_grad=True)
    y = SURROGATES[name](x, 2.0)
    assert y.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    y.sum().backward()
    xs = x.detach().numpy()
    if name == "arctan":
        expected = 1.0 / (1 + (math.pi / 2 * 2.0 * xs) ** 2)
    else:
        expected = 1.0 / (1 + 2.0 * np.abs(xs)) ** 2
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("readout", ["count", "membrane"])
@pytest.mark.parametrize("reset", ["subtract", "zero"])
@pytest.mark.parametrize("leak", [{"leak_shift": None}, {"leak_shift": [2, 3], "integer_leak": True}])
def test_float_mode_equals_integer_mode_times_scale(readout, reset, leak):
    """Without leak, or with the floored integer leak, everything lies on the power-of-two grid,
    so float and integer mode agree exactly (no saturation in integer mode here)."""
    torch.manual_seed(3)
    model = SpikingMLP(
        SNNConfig(
            sizes=[30, 20, 6],
            weight_bits=[5, 3],
            threshold=0.5,
            reset=reset,
            readout=readout,
            bias=True,
            **leak,
        )
    )
    with torch.no_grad():
        for layer in model.layers:
            layer.bias.uniform_(-0.2, 0.2)
    x = _spikes((16, 10, 30))
    readout_int, _ = integer_readout(model, x)
    with torch.no_grad():
        readout_float = model(torch.tensor(x, dtype=torch.float32)).numpy().astype(np.float64)
    scale = 1.0 if readout == "count" else model.integer_layers()[-1].scale
    np.testing.assert_array_equal(readout_float, readout_int * scale)
    assert readout_int.any(), "the test needs a model whose readout is not all zero"


def test_float_layers_round_trip_and_from_float_layers_quantizes():
    scale = 2.0**-3
    rng = np.random.default_rng(1)
    w0 = rng.integers(-7, 8, size=(5, 4)) * scale
    w1 = rng.integers(-7, 8, size=(3, 5)) * scale
    w0[0, 0], w1[0, 0] = 7 * scale, -7 * scale  # pins the po2 scale of both layers at 2^-3
    layers = [
        FloatLayer(
            weight=w0, bias=rng.integers(-4, 5, size=5) * scale, threshold=np.full(5, 1.0), leak_shift=3
        ),
        FloatLayer(weight=w1, bias=np.zeros(3), threshold=0.75, leak_shift=None, reset="zero"),
    ]
    model = SpikingMLP.from_float_layers(layers, readout="count", weight_bits=4)
    assert model.config.sizes == [4, 5, 3] and model.config.bias
    back = model.float_layers()
    for orig, got in zip(layers, back, strict=True):
        np.testing.assert_array_equal(got.weight, orig.weight)
        np.testing.assert_array_equal(got.bias, orig.bias)
        np.testing.assert_array_equal(got.threshold, np.broadcast_to(orig.threshold, got.threshold.shape))
        assert (got.leak_shift, got.reset) == (orig.leak_shift, orig.reset)
    ints = model.integer_layers()
    assert [i.scale for i in ints] == [scale, scale]
    assert ints[0].threshold.tolist() == [8] * 5 and ints[1].threshold.tolist() == [6] * 3


def test_from_float_layers_rejects_mismatched_sizes_and_bad_thresholds():
    with pytest.raises(SpikeforgeError, match="layer 1 has 4 inputs"):
        SpikingMLP.from_float_layers([FloatLayer(np.ones((3, 2))), FloatLayer(np.ones((2, 4)))])
    with pytest.raises(SpikeforgeError, match="positive"):
        SpikingMLP.from_float_layers([FloatLayer(np.ones((3, 2)), threshold=-1.0)])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weight_bits": 9}, "weight_bits"),
        ({"reset": "hold"}, "reset"),
        ({"surrogate": "tanh"}, "surrogate"),
        ({"readout": "rate"}, "readout"),
        ({"leak_shift": [1, 2, 3]}, "leak_shift lists 3"),
    ],
)
def test_config_errors_name_the_field(kwargs, match):
    with pytest.raises(SpikeforgeError, match=match):
        SpikingMLP(SNNConfig(sizes=[4, 3, 2], **kwargs))


def test_config_json_round_trip():
    cfg = SNNConfig(sizes=[4, 3, 2], weight_bits=[2, 8], leak_shift=[None, 5], reset=["zero", "subtract"])
    assert SNNConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(SpikeforgeError, match="unknown SNNConfig key .colour."):
        SNNConfig.from_json({**cfg.to_json(), "colour": 1})


def test_detach_reset_keeps_forward_and_changes_gradient():
    x = torch.tensor(_spikes((8, 12, 10), p=0.5), dtype=torch.float32)
    grads, outs = [], []
    for detach in (False, True):
        torch.manual_seed(0)
        model = SpikingMLP(
            SNNConfig(sizes=[10, 16, 4], threshold=0.3, detach_reset=detach, readout="membrane")
        )
        out = model(x)
        out.square().sum().backward()
        outs.append(out.detach())
        grads.append(model.layers[0].synapse.weight.grad.clone())
    torch.testing.assert_close(outs[0], outs[1], rtol=0, atol=0)
    assert not torch.equal(grads[0], grads[1])
    assert grads[1].abs().sum() > 0


def test_plain_float_leak_differs_from_the_integer_leak():
    """The default float leak v - v*2^-k is not floored, so it drifts from integer mode: why integer_leak
    exists."""
    torch.manual_seed(3)
    model = SpikingMLP(SNNConfig(sizes=[30, 20, 6], leak_shift=2, threshold=0.5, readout="membrane"))
    x = _spikes((16, 10, 30))
    readout_int, _ = integer_readout(model, x)
    with torch.no_grad():
        readout_float = model(torch.tensor(x, dtype=torch.float32)).numpy().astype(np.float64)
    assert not np.array_equal(readout_float, readout_int * model.integer_layers()[-1].scale)
