// sf_input: AXI4-Stream slave of SPEC 3 -> event words {marker, last, address} for layer 0.
// A marker ends its sample when it carries E (bit 30) or TLAST; `last` marks such markers.
// Event words whose address is >= N_INPUTS are accepted and dropped here (SPEC 3), so they
// never reach a memory; TLAST on an event word is ignored. For every sample end, the TLAST bit
// goes into a small packet FIFO that sf_readout_ser pops with the sample's last readout word
// (output TLAST closes the packet the input closed). TREADY depends only on registered FIFO
// occupancies.
module sf_input #(
    parameter integer N_INPUTS = 4,
    parameter integer IA = 2,       // address bits of layer 0 (2^IA >= N_INPUTS)
    parameter integer PKT_LOG = 5   // log2 of the sample ends that may be in flight
) (
    input  wire          clk,
    input  wire          rst,
    input  wire [31:0]   s_tdata,
    input  wire          s_tvalid,
    output wire          s_tready,
    input  wire          s_tlast,
    output wire          out_valid,
    input  wire          out_ready,
    output wire          out_marker,
    output wire          out_last,
    output wire [IA-1:0] out_addr,
    output wire          pkt_last,  // TLAST of the oldest sample in flight
    input  wire          pkt_pop    // that sample's last readout word left
);
    wire        marker = s_tdata[31];
    wire        ends = marker && (s_tdata[30] || s_tlast);
    wire        in_range = ({1'b0, s_tdata[30:0]} < N_INPUTS);
    wire [2:0]  count;
    wire        empty;
    wire [IA+1:0] dout;
    wire [PKT_LOG:0] pkt_count;
    /* verilator lint_off UNUSEDSIGNAL */
    wire        pkt_empty;
    /* verilator lint_on UNUSEDSIGNAL */
    localparam [PKT_LOG:0] PKT_DEPTH = 1 << PKT_LOG;
    assign s_tready = (count != 3'd4) && (pkt_count != PKT_DEPTH);
    wire        accept = s_tvalid && s_tready;
    sf_fifo #(.W(IA + 2), .LOG(2)) fifo (
        .clk(clk), .rst(rst),
        .push(accept && (marker || in_range)),
        // marker words carry E and t in their low bits; only the flags matter downstream
        .din({marker, ends, marker ? {IA{1'b0}} : s_tdata[IA-1:0]}),
        .pop(out_ready), .dout(dout), .empty(empty), .count(count)
    );
    sf_fifo #(.W(1), .LOG(PKT_LOG)) pkt_fifo (
        .clk(clk), .rst(rst),
        .push(accept && ends), .din(s_tlast),
        .pop(pkt_pop), .dout(pkt_last), .empty(pkt_empty), .count(pkt_count)
    );
    assign out_valid  = !empty;
    assign out_marker = dout[IA+1];
    assign out_last   = dout[IA];
    assign out_addr   = dout[IA-1:0];
endmodule
