"""The packaged driver on the simulated board whose core is the packaged Verilog in Verilator (cocotb):
bit-exact against the golden simulator on a Zynq-7000 and an UltraScale+ board, B = 1 and 256,
T = 1, samples with no spikes. One Verilator build serves every case."""

from __future__ import annotations

import numpy as np
import pytest

from spikeforge.deploy.package import package_model
from spikeforge.deploy.simulate import load_driver, simulate_package, simulated_board, write_overlay
from spikeforge.hw import golden
from spikeforge.hw.random_model import random_model

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("deploy-sim")
    model = random_model([24, 12, 5], seed=21, weight_bits=[5, 7], density=0.6, threshold_scale=0.5)
    model.save(root / "m.npz")
    packages = {b: root / b for b in ("pynq-z2", "kv260")}
    for board, path in packages.items():
        package_model(root / "m.npz", board, path, lanes=2)
    return model, packages, root / "work"


@pytest.mark.parametrize("board", ["pynq-z2", "kv260"])
@pytest.mark.parametrize("batch,steps", [(1, 1), (256, 2)])
def test_driver_on_the_verilog_core_matches_golden(board, batch, steps, setup, tmp_path):
    model, packages, work = setup
    rng = np.random.default_rng(batch + steps)
    spikes = rng.random((batch, steps, model.n_inputs)) < 0.3
    spikes[::7] = False  # samples with no spikes
    sim = simulated_board(packages[board], "rtl", work_dir=work)
    driver = load_driver(packages[board])
    overlay = driver.SpikeforgeOverlay(str(write_overlay(packages[board], tmp_path)), device=sim, timeout=120)
    got = overlay.execute(spikes)
    np.testing.assert_array_equal(got, golden.run(model, spikes).readout)
    assert sum(d.packets_in for d in sim.dmas.values()) == 1
    assert len(sim.core.cycles_per_sample) == batch and min(sim.core.cycles_per_sample) > 0


def test_deploy_simulate_reports_core_cycles(setup):
    model, packages, work = setup
    spikes = np.random.default_rng(9).random((6, 3, model.n_inputs)) < 0.4
    out = simulate_package(packages["pynq-z2"], spikes, core="rtl", work_dir=work, timeout=120)
    np.testing.assert_array_equal(out["readout"], golden.run(model, spikes).readout)
    assert out["engine"] == "pynq-sim:rtl" and out["cycles_per_sample_mean"] > 3
