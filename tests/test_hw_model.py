"""Hardware model file: round trips, and every malformed file refused with one line naming the field."""

import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings

from spikeforge.cli import main
from spikeforge.errors import ModelFormatError
from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model
from strategies import hardware_models


@settings(max_examples=60, deadline=None)
@given(model=hardware_models())
def test_save_load_round_trip(model, tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "model.npz"
    model.save(path)
    back = HardwareModel.load(path)
    assert back.meta() == model.meta()
    for a, b in zip(model.layers, back.layers, strict=True):
        np.testing.assert_array_equal(a.weight, b.weight)
        np.testing.assert_array_equal(a.threshold, b.threshold)
        np.testing.assert_array_equal(a.bias, b.bias)
        assert b.weight.dtype == (np.int8 if a.weight_bits <= 8 else np.int16)


def test_file_loads_without_pickle_and_meta_is_spec_json(tmp_path):
    model = random_model([5, 4, 3], seed=1, leak_shift=[None, 3], reset=["zero", "subtract"])
    path = model.save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as f:
        assert set(f.files) == {"meta"} | {
            f"layer{i}.{a}" for i in (0, 1) for a in ("weight", "threshold", "bias")
        }
        meta = json.loads(str(f["meta"]))
    assert meta["format"] == "spikeforge-hw" and meta["version"] == 1 and meta["n_inputs"] == 5
    assert meta["layers"][0] == {
        "type": "dense",
        "n_in": 5,
        "n_out": 4,
        "weight_bits": 4,
        "membrane_bits": 16,
        "leak_shift": None,
        "reset": "zero",
    }
    assert meta["seed"] == 1  # extra keys survive


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    original = random_model([3, 2], seed=1)
    original.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
    before = path.read_bytes()

    def failing_savez(file, *args, **kwds):  # a writer that dies half way: some bytes out, then an error
        if hasattr(file, "write"):
            file.write(b"PK\x03\x04 half")
        else:
            with open(file, "wb") as f:
                f.write(b"PK\x03\x04 half")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", failing_savez)  # hw/model.py calls np.savez at save time
    with pytest.raises(OSError, match="disk full"):
        random_model([3, 2], seed=2).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before  # the old file is untouched
    back = HardwareModel.load(path)
    assert back.meta() == original.meta()
    np.testing.assert_array_equal(back.layers[0].weight, original.layers[0].weight)
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temp file left behind


def test_summary_counts(tmp_path):
    model = random_model([10, 4, 2], seed=0, density=1.0, weight_bits=[3, 5], membrane_bits=[12, 20])
    s = model.summary()
    assert s["total"]["synapses"] == 48
    assert (
        s["layers"][0]["weight_memory_bits_dense"] == 120 and s["layers"][1]["weight_memory_bits_dense"] == 40
    )
    assert s["layers"][1]["state_memory_bits"] == 40
    nz = int(np.count_nonzero(model.layers[0].weight)) + int(np.count_nonzero(model.layers[1].weight))
    assert s["total"]["nonzeros"] == nz and s["total"]["density"] == pytest.approx(nz / 48)


def _arrays(tmp_path):
    return {k: np.array(v) for k, v in random_model([6, 4, 3], seed=2).arrays().items()}


def _meta_edit(arrays, fn):
    meta = json.loads(str(arrays["meta"]))
    fn(meta)
    arrays["meta"] = np.array(json.dumps(meta))


def _cases():
    def drop(name):
        return lambda a: a.pop(name)

    def setitem(name, value):
        def f(a):
            a[name] = value

        return f

    def meta(fn):
        return lambda a: _meta_edit(a, fn)

    return {
        "missing weight": (drop("layer1.weight"), "layer1.weight is missing"),
        "missing meta": (drop("meta"), "meta is missing"),
        "weight out of range": (
            setitem("layer0.weight", np.full((4, 6), 8, np.int8)),
            "layer0.weight holds 8, outside the allowed range -8..7",
        ),
        "zero threshold": (setitem("layer1.threshold", np.zeros(3, np.int32)), "layer1.threshold holds 0"),
        "threshold above membrane": (
            setitem("layer0.threshold", np.full(4, 2**15, np.int32)),
            "layer0.threshold holds 32768",
        ),
        "float weights": (
            setitem("layer0.weight", np.zeros((4, 6), np.float32)),
            "layer0.weight must hold integers, got dtype float32",
        ),
        "bias int64": (setitem("layer0.bias", np.zeros(4, np.int64)), "layer0.bias must have dtype int32"),
        "weight shape vs meta": (
            setitem("layer0.weight", np.zeros((4, 5), np.int8)),
            "layer0.weight has shape [4, 5] but meta says",
        ),
        "threshold shape": (
            setitem("layer0.threshold", np.ones(5, np.int32)),
            "layer0.threshold has shape [5] but meta says [4]",
        ),
        "unknown reset": (
            meta(lambda m: m["layers"][1].update(reset="hard")),
            "layer1.reset must be one of subtract, zero",
        ),
        "layers disagree": (
            meta(lambda m: m["layers"][1].update(n_in=5)),
            "layer1.weight has shape [3, 4] but meta says",
        ),
        "n_inputs": (meta(lambda m: m.update(n_inputs=7)), "meta.n_inputs is 7 but layer0.n_in is 6"),
        "weight bits": (
            meta(lambda m: m["layers"][0].update(weight_bits=17)),
            "layer0.weight_bits must be in 2..16",
        ),
        "leak shift": (
            meta(lambda m: m["layers"][0].update(leak_shift=16)),
            "layer0.leak_shift must be in 0..15",
        ),
        "leak missing": (
            meta(lambda m: m["layers"][0].pop("leak_shift")),
            "meta.layers[0].leak_shift is missing",
        ),
        "format": (meta(lambda m: m.update(format="onnx")), "meta.format must be 'spikeforge-hw'"),
        "version": (meta(lambda m: m.update(version=3)), "meta.version must be one of 1, 2, got 3"),
        "readout": (meta(lambda m: m.update(readout="rate")), "readout must be one of count, membrane"),
        "layer type": (
            meta(lambda m: m["layers"][0].update(type="pool")),
            "meta.layers[0].type must be one of dense, got 'pool'",
        ),
        "bool bits": (
            meta(lambda m: m["layers"][0].update(membrane_bits=True)),
            "layer0.membrane_bits must be an integer",
        ),
        "meta not json": (setitem("meta", np.array("{not json")), "meta is not valid JSON"),
        "meta not string": (setitem("meta", np.zeros(3)), "meta must be a 0-d unicode string array"),
    }


@pytest.mark.parametrize("case", sorted(_cases()))
def test_malformed_model_refused_by_cli(case, tmp_path, capsys):
    mutate, message = _cases()[case]
    arrays = _arrays(tmp_path)
    mutate(arrays)
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ModelFormatError, match=None):
        HardwareModel.load(path)
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("spikeforge: error: ")
    assert message in err, err


def test_truncated_file(tmp_path, capsys):
    good = random_model([6, 4]).save(tmp_path / "good.npz").read_bytes()
    bad = tmp_path / "trunc.npz"
    bad.write_bytes(good[: len(good) // 2])
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "trunc.npz" in err and ("truncated" in err or "not a readable" in err)


def test_not_a_zip(tmp_path, capsys):
    bad = tmp_path / "text.npz"
    bad.write_text("hello, I am not a model\n")
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a readable .npz model archive" in err


def test_pickled_objects_refused(tmp_path, capsys):
    arrays = _arrays(tmp_path)
    arrays["layer0.bias"] = np.array([{"evil": 1}] * 4, dtype=object)
    bad = tmp_path / "pickled.npz"
    np.savez(bad, **arrays)
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "layer0.bias holds pickled objects" in err


def test_corrupt_member(tmp_path, capsys):
    good = random_model([6, 4]).save(tmp_path / "good.npz")
    bad = tmp_path / "corrupt.npz"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[:20] if item.filename == "layer0.weight.npy" else data)
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "layer0.weight" in err


def test_missing_file(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope.npz")]) == 2
    assert "no such model file" in capsys.readouterr().err


def test_layers_must_chain():
    a, b = random_model([6, 4]).layers[0], random_model([5, 3]).layers[0]
    with pytest.raises(ModelFormatError, match="layer1.n_in is 5 but layer0.n_out is 4"):
        HardwareModel((a, b))


def test_loader_reads_only_the_arrays_the_contract_names(tmp_path):
    """A small file hiding a huge compressed extra array loads without ever inflating it."""
    import tracemalloc

    arrays = random_model([6, 4, 3]).arrays()
    path = tmp_path / "hidden.npz"
    np.savez_compressed(path, **arrays, junk=np.zeros(50_000_000, np.int64))  # 400 MB inflated
    assert path.stat().st_size < 2_000_000
    tracemalloc.start()
    HardwareModel.load(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20_000_000, peak


def test_array_shape_is_checked_before_the_array_is_read(tmp_path):
    arrays = random_model([6, 4]).arrays()
    arrays["layer0.weight"] = np.zeros((4, 6_000_000), np.int8)  # the header promises 4 x 6
    path = tmp_path / "big.npz"
    np.savez_compressed(path, **arrays)
    with pytest.raises(
        ModelFormatError, match=r"layer0.weight has shape \[4, 6000000\] but meta says \[4, 6\]"
    ):
        HardwareModel.load(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"format": "spikeforge-hw", "version": 1, "n_inputs": ' + "9" * 5000 + "}", "cannot be read"),
    ],
)
def test_hostile_meta_json_is_one_line(text, message, tmp_path, capsys):
    arrays = random_model([6, 4]).arrays()
    arrays["meta"] = np.array(text)
    path = tmp_path / "hostile.npz"
    np.savez(path, **arrays)
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_version_2_files_of_dense_layers_load_and_dense_files_are_written_as_version_1(tmp_path):
    model = random_model([6, 4])
    arrays = model.arrays()
    _meta_edit(arrays, lambda m: m.update(version=2))
    np.savez(tmp_path / "v2.npz", **arrays)
    back = HardwareModel.load(tmp_path / "v2.npz")
    assert back.meta()["version"] == 1
    np.testing.assert_array_equal(back.layers[0].weight, model.layers[0].weight)
