// sf_fifo: synchronous first-word-fall-through FIFO with an occupancy count.
// Memory is read asynchronously (LUT RAM / registers): the FIFOs between layers are narrow and
// shallow, and fall-through lets a consumer pop one word per cycle with no bubble.
module sf_fifo #(
    parameter integer W = 8,      // word width
    parameter integer LOG = 2     // log2(depth)
) (
    input  wire         clk,
    input  wire         rst,      // synchronous, active high
    input  wire         push,
    input  wire [W-1:0] din,
    input  wire         pop,
    output wire [W-1:0] dout,
    output wire         empty,
    output reg  [LOG:0] count
);
    reg [W-1:0]   mem [0:(1<<LOG)-1];
    reg [LOG-1:0] wp, rp;
    assign dout  = mem[rp];
    assign empty = (count == 0);
    wire do_push = push && (count != (1 << LOG));
    wire do_pop  = pop && !empty;
    always @(posedge clk) begin
        if (do_push) mem[wp] <= din;
    end
    always @(posedge clk) begin
        if (rst) begin
            wp <= 0; rp <= 0; count <= 0;
        end else begin
            if (do_push) wp <= wp + 1'b1;
            if (do_pop)  rp <= rp + 1'b1;
            count <= count + {{LOG{1'b0}}, do_push} - {{LOG{1'b0}}, do_pop};
        end
    end
endmodule
