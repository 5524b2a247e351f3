// sf_spike_ser: turns a layer's output FIFO entries {marker, last, row, P-bit spike mask} into
// one event per cycle for the next layer: address row*P + lane of each set bit, lowest lane
// first, then passes markers through. Zero-mask entries are never pushed, so no bubbles.
module sf_spike_ser #(
    parameter integer P = 1,
    parameter integer LP = 0,
    parameter integer RB = 2,
    parameter integer IA = 2        // address bits of the next layer (= RB + LP)
) (
    input  wire              clk,
    input  wire              rst,
    input  wire              in_valid,
    output wire              in_pop,
    input  wire [RB+P+1:0]   in_data,
    output wire              out_valid,
    input  wire              out_ready,
    output wire              out_marker,
    output wire              out_last,
    output wire [IA-1:0]     out_addr
);
    reg          cur_valid, cur_marker, cur_last;
    reg [RB-1:0] cur_row;
    reg [P-1:0]  cur_mask;
    // lowest set lane of the mask
    reg [P-1:0]  low;
    localparam integer KB = (LP == 0) ? 1 : LP;
    /* verilator lint_off UNUSEDSIGNAL */  // with one lane (P == 1) the address is the row alone
    reg [KB-1:0] lane;
    /* verilator lint_on UNUSEDSIGNAL */
    integer b;
    always @(*) begin
        low = cur_mask & (~cur_mask + 1'b1);
        lane = 0;
        for (b = P - 1; b >= 0; b = b - 1)
            if (cur_mask[b]) lane = b[KB-1:0];
    end
    wire fire  = cur_valid && out_ready;
    wire done  = cur_marker || ((cur_mask & ~low) == 0);
    wire load  = !cur_valid || (fire && done);
    assign in_pop = load && in_valid;
    always @(posedge clk) begin
        if (rst) begin
            cur_valid <= 1'b0; cur_marker <= 1'b0; cur_last <= 1'b0; cur_row <= 0; cur_mask <= 0;
        end else if (load) begin
            cur_valid <= in_valid;
            {cur_marker, cur_last, cur_row, cur_mask} <= in_data;
        end else if (fire) begin
            cur_mask <= cur_mask & ~low;
        end
    end
    assign out_valid  = cur_valid;
    assign out_marker = cur_marker;
    assign out_last   = cur_last;
    generate if (LP == 0) begin : one
        assign out_addr = cur_row;
    end else begin : many
        assign out_addr = {cur_row, lane[LP-1:0]};
    end endgenerate
endmodule
