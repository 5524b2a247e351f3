"""The golden simulator against hand-computed cases and an independent reference of SPEC."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spec_reference import layers_of, reference_readout
from spikeforge.errors import SpikeforgeError
from spikeforge.hw import golden
from spikeforge.hw.events import MARKER, Stream, decode_spikes, encode_spikes
from spikeforge.hw.layers import DenseLayer
from spikeforge.hw.model import HardwareModel
from strategies import hardware_models, spike_trains


def one_neuron(weight, theta, bias=0, m=16, k=None, reset="subtract", wb=8, name="layer0"):
    w = np.array([weight], dtype=np.int8 if wb <= 8 else np.int16)
    return DenseLayer(w, np.array([theta], np.int32), np.array([bias], np.int32), wb, m, k, reset, name)


def run(layers, readout, spikes):
    return golden.run(HardwareModel(tuple(layers), readout), np.array(spikes, dtype=bool)).readout


def test_leak_floors_negative_membranes():
    # bias -3, k=1: t0 v=-3; t1 v_leak = -3 - floor(-3/2) = -3 - (-2) = -1, u = -1 - 3 = -4.
    # (A truncating shift would give -3 - (-1) = -2 and u = -5.)
    layer = one_neuron([0], theta=100, bias=-3, k=1)
    assert run([layer], "membrane", [[[0], [0]]]).tolist() == [[-4]]


def test_leak_of_positive_membrane_and_full_leak():
    # bias 7, k=2: t0 v=7; t1 7 - (7>>2=1) + 7 = 13; t2 13 - 3 + 7 = 17.
    assert run([one_neuron([0], 100, bias=7, k=2)], "membrane", [[[0]] * 3]).tolist() == [[17]]
    # k=0 forgets everything each step: v = 0 + 7.
    assert run([one_neuron([0], 100, bias=7, k=0)], "membrane", [[[0]] * 3]).tolist() == [[7]]


def test_saturation_at_both_ends():
    # m=4: membrane in -8..7.
    assert run([one_neuron([7, 7], 7, bias=5, m=4)], "membrane", [[[1, 1]]]).tolist() == [[7]]
    assert run([one_neuron([-8, -8], 7, bias=-20, m=4)], "membrane", [[[1, 1]]]).tolist() == [[-8]]


def test_sum_is_exact_before_the_single_clamp():
    # 7 + 7 - 8 = 6 fits in m=4 although the partial sum 14 does not: no intermediate clamp.
    assert run([one_neuron([7, 7, -8], 7, m=4)], "membrane", [[[1, 1, 1]]]).tolist() == [[6]]


def test_threshold_equality_fires():
    # I == theta every step: spikes every step with subtract reset (v back to 0).
    assert run([one_neuron([5], 5)], "count", [[[1]] * 4]).tolist() == [[4]]
    assert run([one_neuron([4], 5)], "count", [[[1]] * 1]).tolist() == [[0]]


def test_reset_modes_differ():
    # theta 5, I = 3 per step, no leak, T=5.
    # subtract: u = 3, 6*, 4, 7*, 5*  -> 3 spikes;  zero: u = 3, 6*, 3, 6*, 3 -> 2 spikes.
    spikes = [[[1]] * 5]
    sub = golden.run(
        HardwareModel((one_neuron([3], 5, reset="subtract"),), "count"), np.array(spikes, bool), record=True
    )
    assert sub.readout.tolist() == [[3]]
    assert sub.layer_spikes[0][0, :, 0].tolist() == [False, True, False, True, True]
    assert run([one_neuron([3], 5, reset="zero")], "count", spikes).tolist() == [[2]]


def test_membrane_readout_skips_threshold_of_last_layer_only():
    # Last layer accumulates 10 per step without ever firing or resetting.
    assert run([one_neuron([10], 5)], "membrane", [[[1]] * 3]).tolist() == [[30]]
    # A hidden layer before it still fires: layer0 spikes every step (I=5 >= 5), layer1 adds 2 per spike.
    layers = [one_neuron([5], 5), one_neuron([2], 1, name="layer1")]
    assert run(layers, "membrane", [[[1]] * 3]).tolist() == [[6]]


def test_spikes_reach_the_next_layer_in_the_same_timestep():
    layers = [one_neuron([1], 1), one_neuron([1], 1, name="layer1")]
    assert run(layers, "count", [[[1]]]).tolist() == [[1]]


def test_prediction_ties_go_to_lowest_index():
    assert golden.predict(np.array([[3, 5, 5, 1], [0, 0, 0, 0], [-2, -1, -1, -3]])).tolist() == [1, 0, 1]


def test_rejects_bad_spike_trains():
    model = HardwareModel((one_neuron([1, 1], 1),), "count")
    with pytest.raises(SpikeforgeError, match="inputs but the model has n_inputs=2"):
        golden.run(model, np.zeros((1, 2, 3)))
    with pytest.raises(SpikeforgeError, match="only 0 and 1"):
        golden.run(model, np.full((1, 2, 2), 2))
    with pytest.raises(SpikeforgeError, match="shape"):
        golden.run(model, np.zeros((2, 2)))


def test_float64_path_for_wide_weights_is_exact():
    # 16-bit weights over 1024 inputs: row L1 norm 2^25 > 2^24, so float32 would not be exact.
    w = np.full((1, 1024), 32767, dtype=np.int16)
    w[0, 1] = -32768
    layer = DenseLayer(w, np.array([1], np.int32), np.array([3], np.int32), 16, 32, None, "subtract")
    spikes = np.ones((1, 1, 1024), dtype=bool)
    expected = 32767 * 1023 - 32768 + 3  # hand sum
    assert golden.run(HardwareModel((layer,), "membrane"), spikes).readout.tolist() == [[expected]]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_matches_independent_reference(data):
    model = data.draw(hardware_models())
    spikes = data.draw(spike_trains(model.n_inputs))
    got = golden.run(model, spikes).readout
    want = [reference_readout(layers_of(model), model.readout, s.astype(int).tolist()) for s in spikes]
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.array(want, dtype=np.int64))


def _shuffle_events_within_timesteps(stream, rng):
    """The same stream with each timestep's event words permuted (markers and TLAST stay put).

    Every timestep holding two or more events gets a non-identity permutation.
    """
    words = stream.words.copy()
    is_marker = (words & MARKER) != 0
    start = 0
    for marker in np.flatnonzero(is_marker):
        block = words[start:marker]  # the event words of one timestep (a view)
        if block.size >= 2:
            perm = rng.permutation(block.size)
            if (perm == np.arange(block.size)).all():
                perm = np.roll(perm, 1)
            block[:] = block[perm].copy()
        start = marker + 1
    return Stream(words, stream.last.copy())


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_event_order_does_not_matter(data):
    model = data.draw(hardware_models(max_layers=2))
    assume(model.n_inputs >= 2)
    spikes = data.draw(spike_trains(model.n_inputs)).copy()
    # at least one timestep with two events, so that there is an order to shuffle
    sample = data.draw(st.integers(0, spikes.shape[0] - 1))
    step = data.draw(st.integers(0, spikes.shape[1] - 1))
    pair = data.draw(st.lists(st.integers(0, model.n_inputs - 1), min_size=2, max_size=2, unique=True))
    spikes[sample, step, pair] = True
    seed = data.draw(st.integers(0, 1000))

    # the product's own path: encode -> shuffle events within each timestep -> decode -> golden
    stream = encode_spikes(spikes)
    shuffled = _shuffle_events_within_timesteps(stream, np.random.default_rng(seed))
    assert not np.array_equal(shuffled.words, stream.words)  # the shuffle is real
    np.testing.assert_array_equal(np.sort(shuffled.words), np.sort(stream.words))
    np.testing.assert_array_equal(shuffled.last, stream.last)
    decoded = decode_spikes(shuffled, model.n_inputs)
    assert decoded.dropped == 0
    np.testing.assert_array_equal(decoded.stack(), spikes)
    want = golden.run(model, spikes).readout
    np.testing.assert_array_equal(golden.run(model, decoded.stack()).readout, want)

    # and the independent reference agrees, in order and shuffled
    layers = layers_of(model)
    in_order = reference_readout(layers, model.readout, spikes[0].astype(int).tolist())
    ref_shuffled = reference_readout(layers, model.readout, spikes[0].astype(int).tolist(), shuffle_seed=seed)
    assert in_order == ref_shuffled == want[0].tolist()


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_permuting_inputs_with_their_synapses_changes_nothing(data):
    model = data.draw(hardware_models(max_layers=2))
    spikes = data.draw(spike_trains(model.n_inputs))
    perm = np.random.default_rng(data.draw(st.integers(0, 1000))).permutation(model.n_inputs)
    first = model.layers[0]
    permuted_first = DenseLayer(
        first.weight[:, perm].copy(),
        first.threshold.copy(),
        first.bias.copy(),
        first.weight_bits,
        first.membrane_bits,
        first.leak_shift,
        first.reset,
    )
    permuted = HardwareModel((permuted_first, *model.layers[1:]), model.readout)
    np.testing.assert_array_equal(
        golden.run(permuted, spikes[:, :, perm]).readout, golden.run(model, spikes).readout
    )


def test_batch_results_equal_per_sample_results():
    from spikeforge.hw.random_model import random_model

    model = random_model([30, 20, 5], seed=3, leak_shift=[2, None], reset=["zero", "subtract"])
    spikes = np.random.default_rng(1).random((9, 6, 30)) < 0.3
    whole = golden.run(model, spikes).readout
    single = np.concatenate([golden.run(model, spikes[i : i + 1]).readout for i in range(9)])
    np.testing.assert_array_equal(whole, single)
