"""Output locations: refused before any work when unusable; compress writes a complete folder or marks it."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from spikeforge.cli import main
from spikeforge.hw.random_model import random_model


@pytest.fixture(scope="module")
def checkpoint_dir(tmp_path_factory) -> Path:
    """A tiny trained digits checkpoint (one epoch, 16 hidden neurons)."""
    out = tmp_path_factory.mktemp("ck")
    assert main(["train", "--epochs", "1", "--hidden", "16", "--quiet", "-o", str(out)]) == 0
    assert not (out / "INCOMPLETE").exists()  # a finished run leaves no marker
    return out


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("spikeforge: error: ") and "Traceback" not in err, err
    return err


def _no_work(monkeypatch) -> None:
    """Make every long-running step fail loudly: the output check must come before them."""

    def boom(*args, **kwargs):
        raise AssertionError("work started before the output location was checked")

    import spikeforge.compress.run as compress_run
    import spikeforge.flow as flow
    import spikeforge.nir_io as nir_io
    import spikeforge.rtl.generator as generator
    import spikeforge.train.run as train_run

    monkeypatch.setattr(train_run, "load_dataset", boom)
    monkeypatch.setattr(compress_run, "load_model", boom)
    monkeypatch.setattr(nir_io, "import_graph", boom)
    monkeypatch.setattr(nir_io, "export_graph", boom)
    monkeypatch.setattr(generator, "generate_rtl", boom)
    monkeypatch.setattr(flow, "run_flow", boom)


def _commands(tmp_path: Path, out: str) -> list[list[str]]:
    model = random_model([12, 8, 4], seed=5).save(tmp_path / "model.npz")
    ck = tmp_path / "checkpoint.pt"
    ck.write_bytes(b"not read")
    nir_file = tmp_path / "net.nir"
    nir_file.write_bytes(b"not read")
    return [
        ["train", "--epochs", "1", "-o", out],
        ["compress", str(ck), "-o", out],
        ["import-nir", str(nir_file), "-o", out],
        ["generate", "rtl", str(model), "-o", out],
        ["demo", "-o", out],
    ]


@pytest.mark.parametrize("index", range(5))
def test_output_folder_that_is_a_file_is_refused_before_any_work(tmp_path, monkeypatch, capsys, index):
    blocker = tmp_path / "taken"
    blocker.write_text("a file")
    _no_work(monkeypatch)
    for out in (blocker, blocker / "sub"):
        argv = _commands(tmp_path, str(out))[index]
        assert main(argv) == 2, argv
        err = _one_line(capsys)
        assert str(blocker) in err and "is a file" in err
    assert blocker.read_text() == "a file"


def test_export_nir_output_that_is_a_folder_or_under_a_file(tmp_path, monkeypatch, capsys):
    _no_work(monkeypatch)
    ck = tmp_path / "checkpoint.pt"
    ck.write_bytes(b"x")
    assert main(["export-nir", str(ck), "-o", str(tmp_path)]) == 2
    assert "is a folder" in _one_line(capsys)
    (tmp_path / "f").write_text("x")
    assert main(["export-nir", str(ck), "-o", str(tmp_path / "f" / "net.nir")]) == 2
    assert "is a file" in _one_line(capsys)


def test_written_files_respect_the_umask(tmp_path, capsys):
    import os

    old = os.umask(0o022)
    try:
        model = random_model([12, 8, 4], seed=5).save(tmp_path / "model.npz")
        assert main(["generate", "rtl", str(model), "-o", str(tmp_path / "rtl")]) == 0
    finally:
        os.umask(old)
    for path in [model, *sorted((tmp_path / "rtl").iterdir())]:
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


@pytest.mark.slow
def test_compress_to_a_zero_bram_budget_writes_the_whole_report(checkpoint_dir, tmp_path, capsys):
    out = tmp_path / "c0"
    out.mkdir()
    (out / "report.md").write_text("an older run's report")
    argv = [
        "compress",
        str(checkpoint_dir / "checkpoint.pt"),
        "--bram",
        "0",
        "--finetune-epochs",
        "1",
        "--max-compress-epochs",
        "1",
        "--quiet",
        "-o",
        str(out),
    ]
    assert main(argv) == 0, capsys.readouterr().err
    names = {p.name for p in out.iterdir()}
    assert {
        "model.npz",
        "checkpoint.pt",
        "report.json",
        "report.md",
        "iterations.png",
        "accuracy_vs_resources.png",
    } <= names
    assert "INCOMPLETE" not in names
    assert "an older run" not in (out / "report.md").read_text()
    report = json.loads((out / "report.json").read_text())
    assert report["budget"]["bram18"] == 0 and report["meets_budget"]
    assert next(r for r in report["resources"] if r["resource"] == "bram18")["compressed"] == 0


@pytest.mark.slow
def test_compress_interrupted_while_writing_marks_its_folder(checkpoint_dir, tmp_path, monkeypatch, capsys):
    import spikeforge.compress.run as compress_run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(compress_run, "save_checkpoint", interrupted)
    out = tmp_path / "c"
    argv = [
        "compress",
        str(checkpoint_dir / "checkpoint.pt"),
        "--finetune-epochs",
        "1",
        "--max-compress-epochs",
        "1",
        "--quiet",
        "-o",
        str(out),
    ]
    assert main(argv) == 130
    names = {p.name for p in out.iterdir()}
    assert "INCOMPLETE" in names and "report.md" not in names
    assert "interrupted" in (out / "INCOMPLETE").read_text()


def test_a_failing_write_names_the_target_not_the_temp_file(tmp_path):
    from spikeforge.atomic import atomic_write
    from spikeforge.errors import SpikeforgeError

    def denied(tmp: str) -> None:
        raise PermissionError(13, "Permission denied", tmp)

    with pytest.raises(SpikeforgeError) as caught:
        atomic_write(tmp_path / "model.npz", denied)
    assert str(caught.value) == f"cannot write {tmp_path / 'model.npz'}: Permission denied"
    assert isinstance(caught.value, OSError)  # callers handling OSError still see one
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_train_interrupted_while_writing_marks_its_folder(tmp_path, monkeypatch):
    import spikeforge.train.run as train_run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_run, "write_reports", interrupted)
    out = tmp_path / "t"
    assert main(["train", "--epochs", "1", "--hidden", "16", "--quiet", "-o", str(out)]) == 130
    names = {p.name for p in out.iterdir()}
    assert "INCOMPLETE" in names and "report.md" not in names
