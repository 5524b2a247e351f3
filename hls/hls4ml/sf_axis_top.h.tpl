#ifndef ${guard}
#define ${guard}

#include "${project}.h"
#include "nnet_utils/sf_axis.h"

// The accelerator IP of SPEC 4: event words in, readout words out, TLAST at packet ends.
void ${top}(hls::stream<sf_axis_t> &s_axis, hls::stream<sf_axis_t> &m_axis);

#endif
