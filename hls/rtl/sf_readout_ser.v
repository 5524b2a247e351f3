// sf_readout_ser: the last layer's FIFO entries {row, P readout words} -> AXI4-Stream master,
// one 32-bit word per cycle in neuron order, lanes past N_OUT skipped. Neuron N_OUT-1 ends a
// sample: it pops sf_input's packet FIFO and carries TLAST when the sample's input closed its
// packet. TVALID/TDATA/TLAST come from registers, never from TREADY.
module sf_readout_ser #(
    parameter integer P = 1,
    parameter integer LP = 0,
    parameter integer RB = 2,
    parameter integer N_OUT = 4
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               in_valid,
    output wire               in_pop,
    input  wire [RB+P*32-1:0] in_data,
    output wire [31:0]        m_tdata,
    output wire               m_tvalid,
    input  wire               m_tready,
    output wire               m_tlast,
    input  wire               pkt_last,
    output wire               pkt_pop
);
    localparam integer KB = (LP == 0) ? 1 : LP;
    reg              cur_valid;
    reg [RB-1:0]     cur_row;
    reg [P*32-1:0]   cur_words;
    reg [KB-1:0]     k;
    wire [RB+KB:0]   idx = ({1'b0, cur_row, {KB{1'b0}}} >> (KB - LP)) + {{(RB+1){1'b0}}, k};
    localparam integer   LAST_IDX_I = N_OUT - 1;
    localparam integer   LAST_K_I = P - 1;
    localparam [RB+KB:0] LAST_IDX = LAST_IDX_I[RB+KB:0];
    localparam [KB-1:0]  LAST_K = LAST_K_I[KB-1:0];
    wire             is_last = (idx == LAST_IDX);
    wire             fire = cur_valid && m_tready;
    wire             done = is_last || (k == LAST_K);
    wire             load = !cur_valid || (fire && done);
    assign in_pop = load && in_valid;
    always @(posedge clk) begin
        if (rst) begin
            cur_valid <= 1'b0; cur_row <= 0; cur_words <= 0; k <= 0;
        end else if (load) begin
            cur_valid <= in_valid;
            {cur_row, cur_words} <= in_data;
            k <= 0;
        end else if (fire) begin
            k <= k + 1'b1;
        end
    end
    assign m_tvalid = cur_valid;
    assign m_tdata  = cur_words[k*32 +: 32];
    assign m_tlast  = is_last && pkt_last;
    assign pkt_pop  = fire && is_last;
endmodule
