// Event-driven dense layer of spiking neurons (spikeforge hardware contract, SPEC sections 1 and 3).
//
// Words between layers are 33 bits: bits 31..0 are the AXI4-Stream TDATA of SPEC 3 (an event is an
// input address with bit 31 clear; an end-of-timestep marker has bit 31 set, bit 30 = E, the
// end-of-sample flag), bit 32 carries TLAST of a marker (end of packet). One call of a layer
// processes one packet: it returns after the marker that carries bit 32.
//
// Per input event the layer walks that input's fan-out list (slots of `lanes` synapses, one slot
// per cycle) and adds each weight into the target neuron's accumulator of that lane. Per marker it
// updates every neuron once: leak v - (v >> k), exact sum of membrane, synaptic current and bias,
// one clamp to m bits, threshold u >= theta, reset by subtraction or to zero. Hidden layers emit
// the addresses of the neurons that fired followed by the marker; the last layer emits its n_out
// readout words (spike counts or final membranes) at the end of each sample.
//
// C++11 (Vitis HLS compiles with -std=c++0x); no static state; every local array is initialised.
#ifndef SF_EVENT_DENSE_H_
#define SF_EVENT_DENSE_H_

#include "ap_int.h"
#include "hls_stream.h"

namespace nnet {

typedef ap_uint<33> sf_word_t;

static const unsigned SF_MARKER_BIT = 31;
static const unsigned SF_END_OF_SAMPLE_BIT = 30;
static const unsigned SF_PACKET_END_BIT = 32;

struct sf_event_dense_config {
    static const unsigned n_in = 1;
    static const unsigned n_out = 1;
    static const unsigned lanes = 1;      // synapses per cycle P
    static const unsigned slots = 1;      // capacity of the fan-out lists, in slots of `lanes` synapses
    static const unsigned max_fanout_slots = 1; // slots of the longest possible list: ceil(n_out / lanes)
    static const bool leak = false;       // false: integrate-and-fire (no leak)
    static const unsigned leak_shift = 0; // k of v - (v >> k); 0 empties the membrane every step
    static const bool reset_zero = false; // false: subtract the threshold on a spike
    static const bool fires = true;       // false for a membrane-readout last layer
    static const bool last = false;       // true: emit readouts instead of spike events
    static const bool count_readout = true;
    static const bool state_in_bram = false; // storage binding of accumulators and membranes
    typedef ap_int<8> accum_t;              // one lane's synaptic sum: exact for n_in events
    typedef ap_int<34> sum_t;               // v_leak + current + bias: exact before the one clamp
    typedef ap_int<16> membrane_t;          // m bits
    typedef ap_uint<32> count_t;
    typedef ap_uint<1> ptr_t;
    typedef ap_uint<1> neuron_t;
    typedef ap_int<4> weight_t;
    typedef ap_int<16> threshold_t;
    typedef ap_int<32> bias_t;
};

template <class data_T, class res_T, typename CONFIG_T>
void sf_event_dense_run(hls::stream<data_T> &events_in, hls::stream<res_T> &events_out,
                        typename CONFIG_T::accum_t acc[CONFIG_T::lanes][CONFIG_T::n_out],
                        typename CONFIG_T::membrane_t v[CONFIG_T::n_out],
                        typename CONFIG_T::count_t count[CONFIG_T::n_out],
                        const typename CONFIG_T::ptr_t ptr[CONFIG_T::n_in + 1],
                        const typename CONFIG_T::neuron_t neuron[CONFIG_T::slots * CONFIG_T::lanes],
                        const typename CONFIG_T::weight_t weight[CONFIG_T::slots * CONFIG_T::lanes],
                        const typename CONFIG_T::threshold_t threshold[CONFIG_T::n_out],
                        const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    typedef typename CONFIG_T::sum_t sum_t;
    // spike counts are kept only where they are read out (a count-readout last layer)
    const bool keep_count = CONFIG_T::last && CONFIG_T::count_readout;
    const sum_t v_max = (sum_t(1) << (CONFIG_T::membrane_t::width - 1)) - 1;
    const sum_t v_min = -(sum_t(1) << (CONFIG_T::membrane_t::width - 1));

SFInit:
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        #pragma HLS PIPELINE II=1
        v[j] = 0;
        if (keep_count) {
            count[j] = 0;
        }
        for (unsigned p = 0; p < CONFIG_T::lanes; p++) {
            #pragma HLS UNROLL
            acc[p][j] = 0;
        }
    }

    bool packet_end = false;
SFWords:
    while (!packet_end) {
        data_T in_word = events_in.read();
        sf_word_t word = in_word[0];
        if (word[SF_MARKER_BIT] == 0) {
            // one synaptic event: walk the fan-out list of its input; addresses >= n_in are dropped
            ap_uint<31> address = word(30, 0);
            if (address < CONFIG_T::n_in) {
                typename CONFIG_T::ptr_t first = ptr[address];
                typename CONFIG_T::ptr_t end = ptr[address + 1];
            SFFanout:
                for (typename CONFIG_T::ptr_t s = first; s < end; s++) {
                    #pragma HLS PIPELINE II=1
                    #pragma HLS LOOP_TRIPCOUNT min=0 max=CONFIG_T::max_fanout_slots
                    #pragma HLS DEPENDENCE variable=acc inter false
                    for (unsigned p = 0; p < CONFIG_T::lanes; p++) {
                        #pragma HLS UNROLL
                        unsigned slot = unsigned(s) * CONFIG_T::lanes + p;
                        acc[p][neuron[slot]] += weight[slot];
                    }
                }
            }
        } else {
            // end of a timestep: every neuron updated once
            bool sample_end = word[SF_END_OF_SAMPLE_BIT] == 1 || word[SF_PACKET_END_BIT] == 1;
            packet_end = word[SF_PACKET_END_BIT] == 1;
        SFNeurons:
            for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
                #pragma HLS PIPELINE II=1
                sum_t current = bias[j];
                for (unsigned p = 0; p < CONFIG_T::lanes; p++) {
                    #pragma HLS UNROLL
                    current += acc[p][j];
                    acc[p][j] = 0;
                }
                sum_t v_leak = v[j];
                if (CONFIG_T::leak) {
                    v_leak -= (v_leak >> CONFIG_T::leak_shift);
                }
                sum_t u = v_leak + current;
                if (u > v_max) {
                    u = v_max;
                }
                if (u < v_min) {
                    u = v_min;
                }
                bool spike = CONFIG_T::fires && u >= sum_t(threshold[j]);
                sum_t v_next = u;
                if (spike) {
                    v_next = CONFIG_T::reset_zero ? sum_t(0) : sum_t(u - threshold[j]);
                }
                typename CONFIG_T::count_t spikes = 0;
                if (keep_count) {
                    spikes = count[j] + (spike ? 1 : 0);
                    count[j] = sample_end ? typename CONFIG_T::count_t(0) : spikes;
                }
                if (CONFIG_T::last) {
                    if (sample_end) {
                        res_T out_word;
                        sf_word_t readout = 0;
                        if (CONFIG_T::count_readout) {
                            readout(31, 0) = spikes(31, 0);
                        } else {
                            ap_int<32> membrane = v_next;
                            readout(31, 0) = membrane(31, 0);
                        }
                        readout[SF_PACKET_END_BIT] = (packet_end && j == CONFIG_T::n_out - 1) ? 1 : 0;
                        out_word[0] = readout;
                        events_out.write(out_word);
                    }
                } else if (spike) {
                    res_T out_word;
                    out_word[0] = sf_word_t(j);
                    events_out.write(out_word);
                }
                v[j] = sample_end ? typename CONFIG_T::membrane_t(0) : typename CONFIG_T::membrane_t(v_next);
            }
            if (!CONFIG_T::last) {
                res_T out_word;
                out_word[0] = word;
                events_out.write(out_word);
            }
        }
    }
}

// The layer with its state: accumulators (one copy per lane), membranes and spike counts, local to
// one packet. Storage is bound by size: LUT RAM for small layers, block RAM for large ones.
template <class data_T, class res_T, typename CONFIG_T>
void sf_event_dense(hls::stream<data_T> &events_in, hls::stream<res_T> &events_out,
                    const typename CONFIG_T::ptr_t ptr[CONFIG_T::n_in + 1],
                    const typename CONFIG_T::neuron_t neuron[CONFIG_T::slots * CONFIG_T::lanes],
                    const typename CONFIG_T::weight_t weight[CONFIG_T::slots * CONFIG_T::lanes],
                    const typename CONFIG_T::threshold_t threshold[CONFIG_T::n_out],
                    const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    #pragma HLS INLINE off
    #pragma HLS ARRAY_PARTITION variable=neuron cyclic factor=CONFIG_T::lanes
    #pragma HLS ARRAY_PARTITION variable=weight cyclic factor=CONFIG_T::lanes
    if (CONFIG_T::state_in_bram) {
        typename CONFIG_T::accum_t acc[CONFIG_T::lanes][CONFIG_T::n_out];
        #pragma HLS ARRAY_PARTITION variable=acc complete dim=1
        #pragma HLS BIND_STORAGE variable=acc type=ram_t2p impl=bram
        typename CONFIG_T::membrane_t v[CONFIG_T::n_out];
        #pragma HLS BIND_STORAGE variable=v type=ram_t2p impl=bram
        typename CONFIG_T::count_t count[CONFIG_T::n_out];
        #pragma HLS BIND_STORAGE variable=count type=ram_t2p impl=bram
        sf_event_dense_run<data_T, res_T, CONFIG_T>(events_in, events_out, acc, v, count, ptr, neuron, weight,
                                                    threshold, bias);
    } else {
        typename CONFIG_T::accum_t acc[CONFIG_T::lanes][CONFIG_T::n_out];
        #pragma HLS ARRAY_PARTITION variable=acc complete dim=1
        #pragma HLS BIND_STORAGE variable=acc type=ram_t2p impl=lutram
        typename CONFIG_T::membrane_t v[CONFIG_T::n_out];
        #pragma HLS BIND_STORAGE variable=v type=ram_t2p impl=lutram
        typename CONFIG_T::count_t count[CONFIG_T::n_out];
        #pragma HLS BIND_STORAGE variable=count type=ram_t2p impl=lutram
        sf_event_dense_run<data_T, res_T, CONFIG_T>(events_in, events_out, acc, v, count, ptr, neuron, weight,
                                                    threshold, bias);
    }
}

} // namespace nnet

#endif
