"""The packaged PYNQ driver on the simulated board (golden-backed core): bit-exact against the golden
simulator, one DMA transfer each way per batch, the pynq 4.0 Zynq-7000 clock workaround, DMA errors
and a hung core as one error, cache maintenance that matters, and a bundle that runs on a PYNQ image
(Python 3.10 grammar, no torch/brevitas/hls4ml)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pynq
import pytest

from spikeforge.cli import main as cli_main
from spikeforge.deploy import simulate
from spikeforge.deploy.package import driver_sources, package_model
from spikeforge.deploy.simboard import GoldenCore, SimulatedBoard, SimulatedHang
from spikeforge.deploy.simulate import check_package, load_driver, simulated_board, write_overlay
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model

BOARDS = ["pynq-z2", "kv260"]  # a Zynq-7000 and a Zynq UltraScale+ board


def _model(seed: int, readout: str = "count") -> HardwareModel:
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(5, 40)), int(rng.integers(3, 20)), int(rng.integers(2, 10))]
    return random_model(
        sizes, seed=seed, weight_bits=[6, 8], density=0.5, readout=readout, threshold_scale=0.5
    )


def _spikes(rng: np.random.Generator, batch: int, steps: int, n_in: int) -> np.ndarray:
    x = rng.random((batch, steps, n_in)) < rng.uniform(0.05, 0.5)
    x[:: max(1, batch // 3)] = False  # samples with no spikes at all
    return x


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> dict[tuple[str, str], tuple[Path, HardwareModel]]:
    root = tmp_path_factory.mktemp("pkgs")
    out = {}
    for i, board in enumerate(BOARDS):
        for readout in ("count", "membrane"):
            model = _model(10 + i, readout)
            path = root / f"{board}-{readout}.npz"
            model.save(path)
            package_model(path, board, root / f"{board}-{readout}")
            out[(board, readout)] = (root / f"{board}-{readout}", model)
    return out


def _overlay(package: Path, tmp: Path, board: SimulatedBoard | None = None, **kw):
    driver = load_driver(package)
    board = board or simulated_board(package)
    bit = write_overlay(package, tmp)
    return driver.SpikeforgeOverlay(str(bit), device=board, **kw), board


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("readout", ["count", "membrane"])
@pytest.mark.parametrize("batch,steps", [(1, 1), (1, 7), (256, 1), (256, 5)])
def test_driver_matches_golden(board, readout, batch, steps, packaged, tmp_path):
    package, model = packaged[(board, readout)]
    overlay, sim = _overlay(package, tmp_path)
    rng = np.random.default_rng(batch * 10 + steps)
    spikes = _spikes(rng, batch, steps, model.n_inputs)
    flushes = sim.flushes
    got = overlay.execute(spikes)
    expected = golden.run(model, spikes).readout
    assert got.dtype == np.int32 and got.shape == (batch, model.n_outputs)
    np.testing.assert_array_equal(got, expected)
    assert sum(d.packets_in for d in sim.dmas.values()) == 1  # one transfer each way for the batch
    assert sim.flushes == flushes + 1
    # buffers are reused: a second batch allocates nothing new
    buffers = len(sim.memory.buffers)
    np.testing.assert_array_equal(overlay.execute(spikes[::-1]), expected[::-1])
    assert len(sim.memory.buffers) == buffers
    np.testing.assert_array_equal(overlay.predict(spikes), golden.predict(expected))


def test_throughput_validate_and_clock(packaged, tmp_path):
    package, model = packaged[("pynq-z2", "count")]
    overlay, _ = _overlay(package, tmp_path)
    report = overlay.throughput_test(batch_size=64, timesteps=4)
    assert report["batch_size"] == 64 and report["fclk_mhz"] == pytest.approx(100.0)
    for key in ("runtime_s", "samples_per_s", "events_per_s", "encode_s", "copy_s", "dma_s", "decode_s"):
        assert report[key] > 0, key
    spikes = _spikes(np.random.default_rng(1), 50, 3, model.n_inputs)
    labels = golden.run(model, spikes).prediction
    labels[:10] = (labels[:10] + 1) % model.n_outputs
    assert overlay.validate(spikes, labels, batch_size=16) == {"samples": 50, "correct": 40, "accuracy": 0.8}


@pytest.mark.parametrize("board", BOARDS)
def test_achieved_clock_is_the_one_the_driver_sees(board, tmp_path):
    """A clock the IO PLL cannot divide to exactly: spikeforge.json's achieved clock is the PS's."""
    _model(4).save(tmp_path / "m.npz")
    package_model(tmp_path / "m.npz", board, tmp_path / "p", clock_mhz=130.0)
    overlay, _ = _overlay(tmp_path / "p", tmp_path / "o")
    achieved = json.loads((tmp_path / "o" / "spikeforge.json").read_text())["clock_mhz_achieved"]
    assert achieved == pytest.approx(125.0)  # not the 130 MHz asked for
    assert overlay.fclk_mhz == pytest.approx(achieved, rel=1e-4)
    assert overlay.clock_dict[0]["frequency"] == pytest.approx(achieved, rel=1e-4)


def test_zynq7000_clock_bug_needs_the_workaround(packaged, tmp_path):
    """pynq 4.0 as is: the Zynq-7000 PL clock frequency parses as None and download() fails."""
    package, _ = packaged[("pynq-z2", "count")]
    bit = write_overlay(package, tmp_path)
    with pytest.raises(TypeError):
        pynq.Overlay(str(bit), device=simulated_board(package), download=True)
    overlay, sim = _overlay(package, tmp_path, download=True)
    assert sim.downloads == 1 and overlay.clock_dict[0]["frequency"] == pytest.approx(100.0)


def test_device_and_download_pass_through(packaged, tmp_path):
    package, model = packaged[("kv260", "count")]
    overlay, sim = _overlay(package, tmp_path, download=False)
    assert sim.downloads == 0 and overlay.device is sim


def test_dma_errors_are_one_clear_error(packaged, tmp_path):
    package, model = packaged[("pynq-z2", "count")]
    driver = load_driver(package)
    overlay, sim = _overlay(package, tmp_path)
    send = overlay.dma.sendchannel
    send._mmio.write(0x28, 0)  # zero length
    with pytest.raises(driver.DeviceError, match=r"send \(MM2S\) channel stopped on an error: internal"):
        overlay._wait(send, "send (MM2S)")
    overlay, sim = _overlay(package, tmp_path)
    buf = pynq.allocate((16,), np.uint32, target=sim)
    bad = buf[:4]
    bad.device_address = 0x1FFF_0000  # outside every buffer
    overlay.dma.sendchannel.transfer(bad)
    with pytest.raises(driver.DeviceError, match="stopped on an error: decode"):
        overlay._wait(overlay.dma.sendchannel, "send (MM2S)")
    # a spikeforge.json that promises fewer outputs than the core sends: packet longer than the buffer
    config = json.loads((tmp_path / "spikeforge.json").read_text())
    config["n_outputs"] = model.n_outputs - 1
    (tmp_path / "short.json").write_text(json.dumps(config))
    overlay, sim = _overlay(package, tmp_path, config=str(tmp_path / "short.json"))
    with pytest.raises(driver.DeviceError, match=r"receive \(S2MM\) channel stopped on an error: internal"):
        overlay.execute(np.ones((4, 2, model.n_inputs), bool))


class _DeadCore(GoldenCore):
    def packet(self, words):
        from spikeforge.hw.events import Stream

        return Stream(np.zeros(0, np.uint32), np.zeros(0, bool))


def test_hung_core_is_an_error_not_a_hang(packaged, tmp_path):
    package, model = packaged[("kv260", "count")]
    driver = load_driver(package)
    dead = SimulatedBoard(_DeadCore(model), arch="aarch64", watchdog_s=0.5)
    overlay, _ = _overlay(package, tmp_path, board=dead, timeout=0.2)
    with pytest.raises(driver.DeviceError, match="no receive .S2MM. completion within 0.2 s"):
        overlay.execute(np.ones((2, 2, model.n_inputs), bool))
    # pynq's own wait() would spin forever: the board's watchdog ends it
    dead = SimulatedBoard(_DeadCore(model), arch="aarch64", watchdog_s=0.3)
    overlay, _ = _overlay(package, tmp_path, board=dead)
    buf = pynq.allocate((64,), np.uint32, target=dead)
    overlay.dma.recvchannel.transfer(buf)
    with pytest.raises(SimulatedHang, match="no complete output packet within 0.3 s"):
        overlay.dma.recvchannel.wait()


def test_missing_cache_maintenance_fails_as_on_a_board(packaged, tmp_path):
    package, model = packaged[("pynq-z2", "count")]
    spikes = _spikes(np.random.default_rng(3), 8, 4, model.n_inputs)
    expected = golden.run(model, spikes).readout
    assert expected.any()
    overlay, sim = _overlay(package, tmp_path)
    sim.flush = lambda *args: None  # the words never reach DDR: the core reads stale memory
    with pytest.raises(Exception, match="malformed input packet"):
        overlay.execute(spikes)
    overlay, sim = _overlay(package, tmp_path)
    sim.invalidate = lambda *args: None  # the CPU reads its stale cache lines
    assert not np.array_equal(overlay.execute(spikes), expected)


def test_driver_cli_on_the_simulated_board(packaged, tmp_path, monkeypatch):
    package, model = packaged[("pynq-z2", "membrane")]
    driver = load_driver(package)
    bit = write_overlay(package, tmp_path)
    spikes = _spikes(np.random.default_rng(4), 20, 3, model.n_inputs)
    np.save(tmp_path / "x.npy", spikes.astype(np.uint8))
    monkeypatch.setattr(pynq.Device, "_active_device", simulated_board(package), raising=False)
    assert (
        driver.main(
            [
                "--bitfile",
                str(bit),
                "--input",
                str(tmp_path / "x.npy"),
                "--output",
                str(tmp_path / "y.npy"),
                "--batch-size",
                "7",
            ]
        )
        == 0
    )
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), golden.run(model, spikes).readout)


def test_package_and_deploy_simulate_cli(packaged, tmp_path, capsys):
    package, model = packaged[("kv260", "membrane")]
    spikes = _spikes(np.random.default_rng(5), 300, 2, model.n_inputs)
    np.save(tmp_path / "x.npy", spikes.astype(np.uint8))
    assert cli_main(["deploy", "simulate", str(package), "--input", str(tmp_path / "x.npy"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = golden.run(model, spikes)
    assert out["readout"] == expected.readout.tolist() and out["prediction"] == expected.prediction.tolist()
    assert out["dma_packets"] == 3  # 256 + 44 samples, then the throughput batch
    assert out["throughput"]["batch_size"] == 256 and out["throughput"]["fclk_mhz"] == pytest.approx(
        100.0, rel=1e-3
    )
    assert cli_main(["deploy", "simulate", str(tmp_path), "--input", str(tmp_path / "x.npy")]) == 2
    assert "not a spikeforge package folder" in capsys.readouterr().err


def test_package_folder(packaged, tmp_path, capsys):
    model_path = tmp_path / "m.npz"
    _model(3).save(model_path)
    assert (
        cli_main(["package", str(model_path), "--board", "zcu102", "--lanes", "4", "-o", str(tmp_path / "p")])
        == 0
    )
    pkg = tmp_path / "p"
    meta = json.loads((pkg / "package.json").read_text())
    assert meta["board"] == "zcu102" and meta["lanes"] == [4, 4] and meta["part"] == "xczu9eg-ffvb1156-2-e"
    for name in (
        "README.md",
        "build.sh",
        "build.tcl",
        "config.tcl",
        "model.npz",
        "driver/driver.py",
        "ip/rtl/manifest.json",
    ):
        assert (pkg / name).is_file(), name
    assert "vivado -mode batch" in (pkg / "build.sh").read_text()
    assert cli_main(["package", str(model_path), "--board", "zcu102", "-o", str(pkg), "--build"]) == 2
    assert "needs Vivado" in capsys.readouterr().err
    assert cli_main(["package", str(model_path), "--board", "arty", "-o", str(tmp_path / "q")]) == 2
    assert (
        cli_main(
            [
                "package",
                str(model_path),
                "--board",
                "kv260",
                "-o",
                str(tmp_path / "r"),
                "--backend",
                "hls",
                "--hls-ip",
                str(tmp_path / "nothing"),
            ]
        )
        == 2
    )
    assert "no component.xml" in capsys.readouterr().err
    assert not (tmp_path / "q").exists() and not (tmp_path / "r").exists()


# ---- the bundle runs on a PYNQ image: Python 3.10, numpy + pynq + stdlib, nothing of spikeforge's
def test_bundle_parses_as_python_310_and_imports_little():
    for src in driver_sources():
        tree = ast.parse(src.read_text(), feature_version=(3, 10))
        imported = {
            n.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for n in node.names
        }
        imported |= {
            node.module.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        }
        assert imported - {"__future__"} <= {"numpy", "pynq"} | set(sys.stdlib_module_names), imported


def test_bundle_imports_without_torch_brevitas_hls4ml(packaged, tmp_path):
    package, _ = packaged[("pynq-z2", "count")]
    script = textwrap.dedent(f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("torch", "brevitas", "hls4ml", "spikeforge"):
                    raise ImportError(f"blocked: {{name}}")
        sys.meta_path.insert(0, Block())
        sys.path.insert(0, {str(package / "driver")!r})
        import driver
        assert hasattr(driver, "SpikeforgeOverlay") and hasattr(driver, "main")
        print("ok", sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "brevitas", "hls4ml")))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok []"


def test_check_package_counts_mismatches(packaged, monkeypatch):
    package, model = packaged[("pynq-z2", "count")]
    spikes = _spikes(np.random.default_rng(6), 40, 3, model.n_inputs)
    out = check_package(package, spikes)
    assert out["mismatches"] == 0 and "0 mismatches vs golden" in out["summary"]
    # a core that computes another network: the check counts the samples that differ
    other = random_model([model.n_inputs, 7, model.n_outputs], seed=99, density=0.8, threshold_scale=0.3)
    wrong = golden.run(other, spikes).readout
    differ = int(np.any(wrong != golden.run(model, spikes).readout, axis=1).sum())
    assert differ > 0
    monkeypatch.setattr(
        simulate, "simulated_board", lambda *a, **k: SimulatedBoard(GoldenCore(other), arch="armv7l")
    )
    assert check_package(package, spikes)["mismatches"] == differ


def test_batch_beyond_one_transfer_goes_as_several_packets(packaged, tmp_path):
    package, model = packaged[("kv260", "count")]
    overlay, sim = _overlay(package, tmp_path)
    spikes = _spikes(np.random.default_rng(8), 30, 3, model.n_inputs)
    per_sample = 4 * (spikes.reshape(30, -1).sum(axis=1) + 3)
    overlay._max_bytes = int(per_sample.max()) * 3  # as if the DMA's length register were tiny
    np.testing.assert_array_equal(overlay.execute(spikes), golden.run(model, spikes).readout)
    packets = sum(d.packets_in for d in sim.dmas.values())
    assert packets >= -(-int(per_sample.sum()) // overlay._max_bytes) and packets > 1
    overlay._max_bytes = int(per_sample.max()) - 4
    with pytest.raises(ValueError, match="alone exceeds the DMA"):
        overlay.execute(spikes)
