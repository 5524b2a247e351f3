// sf_input: AXI4-Stream slave of SPEC 3 -> event words {marker, last, address} for layer 0.
// Event words whose address is >= N_INPUTS are accepted and dropped here (SPEC 3), so they
// never reach a memory. TREADY depends only on registered FIFO occupancy.
module sf_input #(
    parameter integer N_INPUTS = 4,
    parameter integer IA = 2        // address bits of layer 0 (2^IA >= N_INPUTS)
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
    output wire [IA-1:0] out_addr
);
    wire        marker = s_tdata[31];
    wire        in_range = ({1'b0, s_tdata[30:0]} < N_INPUTS);
    wire [2:0]  count;
    wire        empty;
    wire [IA+1:0] dout;
    assign s_tready = (count != 3'd4);
    sf_fifo #(.W(IA + 2), .LOG(2)) fifo (
        .clk(clk), .rst(rst),
        .push(s_tvalid && s_tready && (marker || in_range)),
        // marker words carry t in their low bits; only the flag matters downstream
        .din({marker, marker && s_tlast, marker ? {IA{1'b0}} : s_tdata[IA-1:0]}),
        .pop(out_ready), .dout(dout), .empty(empty), .count(count)
    );
    assign out_valid  = !empty;
    assign out_marker = dout[IA+1];
    assign out_last   = dout[IA];
    assign out_addr   = dout[IA-1:0];
endmodule
