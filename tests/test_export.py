"""Export to the hardware model: exact integers, membrane widths, and integer mode == golden simulator."""

import numpy as np
import pytest
import torch

from spikeforge.errors import SpikeforgeError
from spikeforge.export import choose_membrane_bits, integer_readout, to_hardware_model
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel
from spikeforge.snn import SNNConfig, SpikingMLP


def _model(seed=0, **kwargs):
    torch.manual_seed(seed)
    model = SpikingMLP(SNNConfig(**{"sizes": [24, 32, 16, 5], "threshold": 0.4, **kwargs}))
    if model.config.bias:
        with torch.no_grad():
            for layer in model.layers:
                layer.bias.uniform_(-0.3, 0.3)
    return model


def _spikes(shape, p=0.35, seed=0):
    return np.random.default_rng(seed).random(shape) < p


CASES = [
    {"readout": "count", "leak_shift": 2, "reset": "subtract"},
    {"readout": "membrane", "leak_shift": [1, None, 3], "reset": ["zero", "subtract", "zero"], "bias": True},
    {"readout": "count", "leak_shift": None, "weight_bits": [2, 8, 5], "bias": True},
    {"readout": "membrane", "leak_shift": 0, "reset": "zero"},  # k = 0: v_leak = v - v = 0 every step
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("squeeze", [0, 3])
def test_exported_integers_run_the_same_from_memory_and_from_the_saved_file(case, squeeze, tmp_path):
    """squeeze > 0 narrows the membranes below the measured peaks, so saturation is exercised too."""
    model = _model(**case)
    x = _spikes((40, 9, 24))
    bits = [max(2, m - squeeze) for m in choose_membrane_bits(model, x)]
    bits = [
        max(b, int(i.threshold.max()).bit_length() + 1)
        for b, i in zip(bits, model.integer_layers(), strict=True)
    ]
    hw = HardwareModel.load(to_hardware_model(model, bits, {"note": "test"}).save(tmp_path / "m.npz"))
    expected = golden.run(hw, x).readout
    np.testing.assert_array_equal(integer_readout(model, x, bits)[0], expected)
    assert expected.any()
    if squeeze:
        _, peaks = integer_readout(model, x)
        assert any(p > (1 << (b - 1)) - 1 for p, b in zip(peaks, bits, strict=True)), "no layer saturated"


def test_exported_integers_times_scale_are_the_quantized_float_weights():
    model = _model(bias=True, weight_bits=[3, 4, 6])
    hw = to_hardware_model(model, [16, 16, 16])
    for layer, torch_layer, scale in zip(hw.layers, model.layers, hw.extra["weight_scales"], strict=True):
        assert np.log2(scale) == round(np.log2(scale))
        qw = torch_layer.synapse.quant_weight().value.detach().numpy().astype(np.float64)
        np.testing.assert_array_equal(layer.weight.astype(np.float64) * scale, qw)
        np.testing.assert_array_equal(layer.threshold, np.maximum(1, np.round(0.4 / scale)))
        np.testing.assert_array_equal(layer.bias, np.round(torch_layer.bias.detach().numpy() / scale))
        assert layer.weight_bits == torch_layer.weight_bits
        assert np.abs(layer.weight).max() <= (1 << (layer.weight_bits - 1)) - 1


def test_chosen_membrane_bits_never_saturate_on_the_calibration_data():
    model = _model(leak_shift=3)
    x = _spikes((50, 12, 24))
    bits = choose_membrane_bits(model, x, guard_bits=0)
    _, peaks = integer_readout(model, x)
    for peak, m, ints in zip(peaks, bits, model.integer_layers(), strict=True):
        assert max(peak, int(ints.threshold.max())) <= (1 << (m - 1)) - 1  # fits
        assert max(peak, int(ints.threshold.max())) > (1 << (m - 2)) - 1  # and one bit fewer would not
    unclamped, _ = integer_readout(model, x)
    clamped, _ = integer_readout(model, x, bits)
    np.testing.assert_array_equal(unclamped, clamped)


def test_threshold_that_does_not_fit_the_membrane_is_refused():
    model = _model()
    with pytest.raises(SpikeforgeError, match="layer 0 threshold .* does not fit a 3-bit membrane"):
        to_hardware_model(model, [3, 16, 16])
