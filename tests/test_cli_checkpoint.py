"""Checkpoints: byte for byte reproducible, and foreign files refused in one line without internal names."""

from __future__ import annotations

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.snn import FloatLayer, SpikingMLP
from spikeforge.train.checkpoint import save_checkpoint


def _model() -> SpikingMLP:
    rng = np.random.default_rng(0)
    return SpikingMLP.from_float_layers(
        [FloatLayer(rng.normal(0, 0.5, (6, 5)), None, 1.0, leak_shift=3)], readout="membrane", weight_bits=4
    )


def test_the_same_checkpoint_is_the_same_bytes(tmp_path):
    model = _model()
    a = save_checkpoint(tmp_path / "a" / "checkpoint.pt", model, meta={"seed": 0})
    b = save_checkpoint(tmp_path / "b" / "checkpoint.pt", model, meta={"seed": 0})
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("content", [b"", b"junk", b"PK\x03\x04 broken zip"])
def test_foreign_checkpoint_files_are_one_line_without_exception_names(tmp_path, capsys, content):
    bad = tmp_path / "checkpoint.pt"
    bad.write_bytes(content)
    assert main(["export-nir", str(bad), "-o", str(tmp_path / "x.nir")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and str(bad) in err
    assert not any(name in err for name in ("Error)", "UnpicklingError", "KeyError", "RuntimeError"))
    assert not (tmp_path / "x.nir").exists()


def test_a_checkpoint_with_mismatched_weights_is_one_line(tmp_path, capsys):
    import torch

    path = save_checkpoint(tmp_path / "checkpoint.pt", _model())
    payload = torch.load(path, weights_only=True)
    payload["state_dict"] = {k: v[:1] for k, v in payload["state_dict"].items()}
    torch.save(payload, path)
    assert main(["export-nir", str(path), "-o", str(tmp_path / "x.nir")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "do not fit" in err
