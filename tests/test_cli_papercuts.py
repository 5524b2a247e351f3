"""Small things a user notices: the board list, stale memory images, what a wrong file is called."""

from __future__ import annotations

import json

import pytest

from spikeforge.cli import main
from spikeforge.hw.random_model import random_model


def test_boards_lists_the_catalog(capsys):
    from spikeforge.boards import catalog

    assert main(["boards"]) == 0
    out = capsys.readouterr().out
    for key, board in catalog().items():
        assert key in out and board.part in out
    assert main(["boards", "--json"]) == 0
    assert [b["key"] for b in json.loads(capsys.readouterr().out)] == list(catalog())


def test_regenerating_a_smaller_design_removes_the_bigger_ones_images(tmp_path, capsys):
    big = random_model([12, 8, 6, 4], seed=1).save(tmp_path / "big.npz")
    small = random_model([12, 4], seed=2).save(tmp_path / "small.npz")
    design = tmp_path / "rtl"
    assert main(["generate", "rtl", str(big), "-o", str(design), "--lanes", "4"]) == 0
    assert main(["generate", "rtl", str(small), "-o", str(design), "--lanes", "1"]) == 0
    manifest = json.loads((design / "manifest.json").read_text())
    mems = sorted(p.name for p in design.glob("*.mem"))
    assert mems == sorted(manifest["memory_images"])
    assert sorted(p.name for p in design.glob("*.v")) == sorted(manifest["sources"])


def test_a_checkpoint_given_as_a_model_is_named(tmp_path, capsys):
    import numpy as np

    from spikeforge.snn import FloatLayer, SpikingMLP
    from spikeforge.train.checkpoint import save_checkpoint

    model = SpikingMLP.from_float_layers([FloatLayer(np.ones((3, 4)) * 0.1, None, 1.0, leak_shift=2)])
    path = save_checkpoint(tmp_path / "checkpoint.pt", model)
    for argv in (
        ["info", str(path)],
        ["estimate", str(path)],
        ["generate", "rtl", str(path), "-o", str(tmp_path / "g")],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "training checkpoint" in err and "model.npz" in err
        assert "meta is missing" not in err
    assert not (tmp_path / "g").exists()


@pytest.mark.parametrize("option", ["--input", "--labels"])
def test_a_folder_given_as_a_npy_file_is_called_a_folder(tmp_path, capsys, option):
    import numpy as np

    model = random_model([12, 4], seed=2).save(tmp_path / "m.npz")
    np.save(tmp_path / "x.npy", np.zeros((2, 3, 12), np.uint8))
    args = {"--input": str(tmp_path / "x.npy")}
    args[option] = str(tmp_path)
    argv = ["simulate", str(model)] + [a for k, v in args.items() for a in (k, v)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "no such" not in err
