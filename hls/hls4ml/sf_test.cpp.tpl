// C simulation test bench of the AXI4-Stream top (Vitis HLS csim, or g++).
// tb_data/sf_input.txt: one input beat per line, "TDATA TLAST" (decimal);
// tb_data/sf_expected.txt: one expected output beat per line, "TDATA TLAST", from the golden simulator.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "${top_header}"

int main() {
    std::ifstream input("tb_data/sf_input.txt");
    std::ifstream expected("tb_data/sf_expected.txt");
    if (!input.is_open() || !expected.is_open()) {
        std::cout << "INFO: no tb_data/sf_input.txt and sf_expected.txt: nothing to check" << std::endl;
        return 0;
    }
    hls::stream<sf_axis_t> s_axis("s_axis");
    hls::stream<sf_axis_t> m_axis("m_axis");
    unsigned long data;
    unsigned last;
    long mismatches = 0;
    long checked = 0;
    while (input >> data >> last) {
        sf_axis_t beat;
        beat.data = data;
        beat.keep = -1;
        beat.strb = -1;
        beat.last = last;
        s_axis.write(beat);
        if (last && (data >> 31)) {
            ${top}(s_axis, m_axis);
            while (!m_axis.empty()) {
                sf_axis_t out = m_axis.read();
                unsigned long want_data;
                unsigned want_last;
                if (!(expected >> want_data >> want_last)) {
                    std::cout << "ERROR: more output words than expected" << std::endl;
                    return 1;
                }
                if (out.data.to_ulong() != want_data || out.last.to_uint() != want_last) {
                    mismatches++;
                }
                checked++;
            }
        }
    }
    unsigned long extra_data;
    unsigned extra_last;
    if (expected >> extra_data >> extra_last) {
        std::cout << "ERROR: fewer output words than expected" << std::endl;
        return 1;
    }
    std::cout << "INFO: " << checked << " output words checked, " << mismatches << " mismatches" << std::endl;
    return mismatches == 0 ? 0 : 1;
}
