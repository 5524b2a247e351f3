// AXI4-Stream side of the spikeforge HLS IP (SPEC sections 3 and 4): 32-bit TDATA with TLAST.
//
// Vitis HLS provides hls::axis in ap_axi_sdata.h. hls4ml's bundled ap_types (used by the g++ C
// simulation) do not, so the C simulation uses a stand-in struct with the same members.
#ifndef SF_AXIS_H_
#define SF_AXIS_H_

#include "ap_int.h"
#include "hls_stream.h"
#include "sf_event_dense.h"

#if defined(__has_include)
#if __has_include("ap_axi_sdata.h")
#define SF_HAVE_AP_AXI_SDATA 1
#endif
#endif

#ifdef SF_HAVE_AP_AXI_SDATA
#include "ap_axi_sdata.h"
typedef hls::axis<ap_uint<32>, 0, 0, 0> sf_axis_t;
#else
struct sf_axis_t {
    ap_uint<32> data;
    ap_uint<4> keep;
    ap_uint<4> strb;
    ap_uint<1> last;
};
#endif

namespace nnet {

// Input packet -> internal words: TLAST is kept (as bit 32) on markers only; TLAST on an event word
// ends nothing (SPEC 3). Returns after the packet's last word.
template <class word_T>
void sf_axis_to_events(hls::stream<sf_axis_t> &s_axis, hls::stream<word_T> &events) {
    bool packet_end = false;
SFAxisIn:
    while (!packet_end) {
        #pragma HLS PIPELINE II=1
        sf_axis_t beat = s_axis.read();
        sf_word_t word = 0;
        word(31, 0) = beat.data;
        packet_end = beat.last == 1 && beat.data[SF_MARKER_BIT] == 1;
        word[SF_PACKET_END_BIT] = packet_end ? 1 : 0;
        word_T out;
        out[0] = word;
        events.write(out);
    }
}

// Readout words -> output packet: TLAST on the last readout of a packet whose input ended with TLAST.
template <class word_T>
void sf_events_to_axis(hls::stream<word_T> &readouts, hls::stream<sf_axis_t> &m_axis) {
    bool packet_end = false;
SFAxisOut:
    while (!packet_end) {
        #pragma HLS PIPELINE II=1
        word_T in = readouts.read();
        sf_word_t word = in[0];
        sf_axis_t beat;
        beat.data = word(31, 0);
        beat.keep = -1;
        beat.strb = -1;
        packet_end = word[SF_PACKET_END_BIT] == 1;
        beat.last = packet_end ? 1 : 0;
        m_axis.write(beat);
    }
}

} // namespace nnet

#endif
