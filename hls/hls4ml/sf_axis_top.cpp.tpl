
// spikeforge: the synthesis top (set_top in build_prj.tcl). One call handles one input packet.
#include "${top}.h"

void ${top}(hls::stream<sf_axis_t> &s_axis, hls::stream<sf_axis_t> &m_axis) {
    #pragma HLS INTERFACE axis port=s_axis
    #pragma HLS INTERFACE axis port=m_axis
    #pragma HLS INTERFACE ap_ctrl_none port=return
    #pragma HLS DATAFLOW
    hls::stream<${input_t}> sf_events("sf_events");
    #pragma HLS STREAM variable=sf_events depth=${in_depth}
    hls::stream<${result_t}> sf_readouts("sf_readouts");
    #pragma HLS STREAM variable=sf_readouts depth=${out_depth}
    nnet::sf_axis_to_events<${input_t}>(s_axis, sf_events);
    ${project}(sf_events, sf_readouts);
    nnet::sf_events_to_axis<${result_t}>(sf_readouts, m_axis);
}
