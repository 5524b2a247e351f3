
// spikeforge: exact entry points of the C simulation (integer streams in and out, no floating point)
#include "${top_header}"
#include <cstring>

${externs}

// hls4ml's top reads the weights from firmware/weights/*.txt at its first call (C simulation
// only): run one empty sample through the IP once, so that a replaced array is not read over.
static bool sf_weights_loaded = false;

static void sf_load_initial_weights() {
    if (sf_weights_loaded) {
        return;
    }
    sf_weights_loaded = true;
    hls::stream<sf_axis_t> s_axis("s_axis");
    hls::stream<sf_axis_t> m_axis("m_axis");
    sf_axis_t beat;
    beat.data = 0x80000000u;
    beat.keep = -1;
    beat.strb = -1;
    beat.last = 1;
    s_axis.write(beat);
    ${top}(s_axis, m_axis);
    while (!m_axis.empty()) {
        m_axis.read();
    }
}

extern "C" {

// Replace one weight array of the compiled model (same shape): 0 on success.
int sf_set_weight(const char *name, const long long *values, long n) {
    sf_load_initial_weights();
${cases}
    return -2;
}

// Run a whole AXI4-Stream through the IP, one packet (up to a marker with TLAST) per call of the top.
// Returns the number of output words, -1 if the input ends inside a packet, -2 if `out` is too small.
long sf_run(const unsigned int *words, const unsigned char *last, long n_words, unsigned int *out,
            unsigned char *out_last, long max_out) {
    long pos = 0;
    long produced = 0;
    while (pos < n_words) {
        long end = pos;
        while (end < n_words && !(last[end] && (words[end] >> 31))) {
            end++;
        }
        if (end == n_words) {
            return -1;
        }
        hls::stream<sf_axis_t> s_axis("s_axis");
        hls::stream<sf_axis_t> m_axis("m_axis");
        for (long i = pos; i <= end; i++) {
            sf_axis_t beat;
            beat.data = words[i];
            beat.keep = -1;
            beat.strb = -1;
            beat.last = last[i] ? 1 : 0;
            s_axis.write(beat);
        }
        ${top}(s_axis, m_axis);
        while (!m_axis.empty()) {
            sf_axis_t beat = m_axis.read();
            if (produced >= max_out) {
                return -2;
            }
            out[produced] = beat.data.to_uint();
            out_last[produced] = beat.last.to_uint();
            produced++;
        }
        pos = end + 1;
    }
    return produced;
}
}
