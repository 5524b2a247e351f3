"""train's inputs: a leak shift as wide as the neuron allows exports (the membrane is widened for it),
and out-of-range values are refused before any training."""

from __future__ import annotations

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.export.hardware import choose_membrane_bits, to_hardware_model
from spikeforge.snn import FloatLayer, SpikingMLP


@pytest.mark.parametrize("shift", [12, 20, 30])
def test_a_large_leak_shift_gets_a_membrane_wide_enough(shift):
    rng = np.random.default_rng(0)
    layers = [
        FloatLayer(rng.normal(0, 0.3, (8, 6)), None, 1.0, leak_shift=shift),
        FloatLayer(rng.normal(0, 0.3, (3, 8)), None, 1.0, leak_shift=shift),
    ]
    model = SpikingMLP.from_float_layers(layers, readout="membrane", weight_bits=4)
    spikes = (rng.random((16, 8, 6)) < 0.3).astype(np.float32)
    bits = choose_membrane_bits(model, spikes)
    assert all(m >= shift + 1 for m in bits)
    hw = to_hardware_model(model, bits)
    assert [layer.leak_shift for layer in hw.layers] == [shift, shift]


@pytest.mark.parametrize("value", ["-1", "31", "x", "4.5"])
def test_out_of_range_leak_shift_is_refused_before_training(tmp_path, capsys, monkeypatch, value):
    import spikeforge.train.run as train_run

    monkeypatch.setattr(train_run, "load_dataset", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    assert main(["train", "--leak-shift", value, "-o", str(tmp_path / "t")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--leak-shift" in err and "None" not in err
    assert not (tmp_path / "t").exists()


@pytest.mark.slow
def test_train_with_leak_shift_20_exports(tmp_path, capsys):
    assert (
        main(
            [
                "train",
                "--epochs",
                "1",
                "--hidden",
                "16",
                "--leak-shift",
                "20",
                "--quiet",
                "-o",
                str(tmp_path / "t"),
            ]
        )
        == 0
    ), capsys.readouterr().err
    from spikeforge.hw.model import HardwareModel

    hw = HardwareModel.load(tmp_path / "t" / "model.npz")
    assert all(layer.leak_shift == 20 and layer.membrane_bits >= 21 for layer in hw.layers)
