// sf_layer: one event-driven dense layer of SPEC 1 (see README.md in this folder).
//
// Synapse phase: each input event (address i) reads ptr[i] = {first slot, slot count}; the slot
// iterator then reads one P-lane slot of the compressed weight memory per cycle; lane p holds
// {neuron q, weight} of one synapse (weight 0 = empty lane) and read-modify-writes the sub-word
// q % P of row q / P of its own accumulator copy (1-cycle forwarding covers back-to-back hits).
// An event with fan-out f thus costs ceil(f / P) cycles.
// Neuron phase (end-of-timestep marker): one row of P neurons per cycle: the P accumulator
// copies are summed, then leak, + bias, clamp once to M bits, threshold, reset; spikes leave as
// {row, P-bit mask} entries in the output FIFO (hidden layer), or readout words on the sample's
// last timestep (last layer).
module sf_layer #(
    parameter integer P = 1,            // lanes: synapses per cycle, neurons per cycle (power of 2)
    parameter integer LP = 0,           // log2(P)
    parameter integer N_IN = 4,         // input addresses (depth of the pointer memory)
    parameter integer IA = 2,           // input address bits
    parameter integer ROWS = 4,         // neuron rows; neuron q = row*P + lane
    parameter integer RB = 2,           // row address bits
    parameter integer SLOTS = 4,        // weight memory depth (slots)
    parameter integer SA = 2,           // slot address bits
    parameter integer CB = 2,           // bits of a slot count
    parameter integer WB = 4,           // weight bits
    parameter integer M = 16,           // membrane bits
    parameter integer AW = 8,           // accumulator bits (guard bits for the exact sum)
    parameter integer BW = 8,           // bias bits
    parameter integer UW = 20,          // width of the update arithmetic (> M, AW, BW)
    parameter integer LEAK = 1,         // 1: v - (v >>> K) before integration
    parameter integer K = 4,
    parameter integer RESET_ZERO = 0,   // 1: reset to zero, 0: subtract threshold
    parameter integer FIRE = 1,         // 0: membrane readout layer (no threshold, no reset)
    parameter integer LAST = 0,         // 1: emit readout words instead of spike entries
    parameter integer CW = 1,           // spike counter bits (32 for a count-readout layer)
    parameter integer FIFO_LOG = 4,     // log2 depth of the output FIFO
    parameter integer OUT_W = 2 + RB + P,
    parameter PTR_FILE = "l0_ptr.mem",
    parameter W_FILE = "l0_w.mem",
    parameter NRN_FILE = "l0_nrn.mem"
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             in_valid,
    output wire             in_ready,
    input  wire             in_marker,
    input  wire             in_last,
    input  wire [IA-1:0]    in_addr,
    output wire             out_valid,
    input  wire             out_pop,
    output wire [OUT_W-1:0] out_data
);
    localparam integer QB = RB + LP;          // neuron index bits (q = row*P + sub-word)
    localparam integer KB = (LP == 0) ? 1 : LP;
    localparam integer LW = QB + WB;          // one lane of a slot: {neuron q, weight}
    localparam integer VW = CW + M;           // neuron state: {count, v}
    localparam integer NW = M + BW;           // one lane of the neuron ROM: {theta, bias}
    localparam integer PW = SA + CB;          // pointer word: {first slot, count}
    localparam [1:0] CLR = 2'd0, SYN = 2'd1, UPD = 2'd2;
    localparam [RB:0] ROWS_N = ROWS[RB:0];          // row count at the width of row_i
    localparam [RB:0] ROWS_LAST = ROWS_N - 1'b1;

    // ---------------- memories (block RAM when large: synchronous reads with enable) -------
    reg [PW-1:0]    ptr_mem [0:N_IN-1];
    reg [P*LW-1:0]  w_mem   [0:SLOTS-1];
    reg [P*NW-1:0]  nrn_mem [0:ROWS-1];
    initial begin
        $readmemh(PTR_FILE, ptr_mem);
        $readmemh(W_FILE, w_mem);
        $readmemh(NRN_FILE, nrn_mem);
    end
`ifdef SF_SIM_RELOAD
    // Simulation only (never defined for synthesis): reload the images on every reset, so one
    // compiled simulator runs many models of one shape (the testbench changes directory first).
    always @(posedge rst) begin
        $readmemh(PTR_FILE, ptr_mem);
        $readmemh(W_FILE, w_mem);
        $readmemh(NRN_FILE, nrn_mem);
    end
`endif

    reg [1:0]  mode;
    reg [RB:0] row_i;          // CLR: row being cleared; UPD: next row to issue (ROWS = marker item)
    reg        upd_last;       // the timestep being updated is the sample's last

    // ---------------- event fetch: pointer read -------------------------------------------
    reg          p1_valid, p1_marker, p1_last;
    reg [PW-1:0] ptr_q;
    wire [SA-1:0] p1_start = ptr_q[PW-1:CB];
    wire [CB-1:0] p1_cnt   = ptr_q[CB-1:0];

    reg          it_active;
    reg [SA-1:0] it_slot;
    reg [CB-1:0] it_left;
    reg          c_valid, d_valid;
    wire it_free    = !it_active || (it_left == 1);
    wire take_event = p1_valid && !p1_marker && it_free && (mode == SYN);
    wire drained    = !it_active && !c_valid && !d_valid;
    wire start_upd  = p1_valid && p1_marker && drained && (mode == SYN);
    assign in_ready = !p1_valid || take_event || start_upd;
    wire accept = in_valid && in_ready;

    always @(posedge clk) begin
        if (accept) ptr_q <= ptr_mem[in_addr];
    end
    always @(posedge clk) begin
        if (rst) begin
            p1_valid <= 1'b0; p1_marker <= 1'b0; p1_last <= 1'b0;
        end else if (accept) begin
            p1_valid <= 1'b1; p1_marker <= in_marker; p1_last <= in_last;
        end else if (take_event || start_upd) begin
            p1_valid <= 1'b0;
        end
    end

    // ---------------- slot iterator: one weight-memory read per cycle ----------------------
    reg [P*LW-1:0] wq;
    always @(posedge clk) begin
        if (it_active) wq <= w_mem[it_slot];
    end
    always @(posedge clk) begin
        if (rst) begin
            it_active <= 1'b0; it_slot <= 0; it_left <= 0;
        end else if (take_event) begin
            it_active <= (p1_cnt != 0); it_slot <= p1_start; it_left <= p1_cnt;
        end else if (it_active) begin
            it_active <= (it_left != 1); it_slot <= it_slot + 1'b1; it_left <= it_left - 1'b1;
        end
    end

    // ---------------- neuron phase issue (credit-checked against the output FIFO) ----------
    wire [FIFO_LOG:0] fifo_count;
    reg               u2_valid, u2_marker;
    reg  [RB-1:0]     u2_row;
    localparam [FIFO_LOG+1:0] FIFO_DEPTH = 1 << FIFO_LOG;
    wire credit   = ({1'b0, fifo_count} + {{(FIFO_LOG+1){1'b0}}, u2_valid}) < FIFO_DEPTH;
    wire upd_row  = (mode == UPD) && credit && (row_i < ROWS_N);
    wire upd_mark = (mode == UPD) && credit && (row_i == ROWS_N);
    reg  [P*NW-1:0] nrn_q;
    always @(posedge clk) begin
        if (upd_row) nrn_q <= nrn_mem[row_i[RB-1:0]];
    end
    always @(posedge clk) begin
        if (rst) begin
            mode <= CLR; row_i <= 0; upd_last <= 1'b0;
            u2_valid <= 1'b0; u2_marker <= 1'b0; u2_row <= 0;
        end else begin
            u2_valid <= upd_row || upd_mark;
            u2_marker <= upd_mark;
            u2_row <= row_i[RB-1:0];
            case (mode)
                CLR: begin
                    row_i <= row_i + 1'b1;
                    if (row_i == ROWS_LAST) begin mode <= SYN; row_i <= 0; end
                end
                SYN: if (start_upd) begin mode <= UPD; row_i <= 0; upd_last <= p1_last; end
                default: if (upd_row) row_i <= row_i + 1'b1;
                         else if (upd_mark) begin mode <= SYN; row_i <= 0; end
            endcase
        end
    end

    // ---------------- synapse pipeline valid bits -----------------------------------------
    always @(posedge clk) begin
        if (rst) begin
            c_valid <= 1'b0; d_valid <= 1'b0;
        end else begin
            c_valid <= it_active;
            d_valid <= c_valid;
        end
    end

    // ---------------- accumulator copies: lane p owns copy p (rows of P sub-words) ----------
    wire               u2_wr = u2_valid && !u2_marker;
    wire [P*P*AW-1:0]  acc_rows;    // the row read by every copy (neuron phase): copy c at c*P*AW
    genvar p;
    generate for (p = 0; p < P; p = p + 1) begin : lane
        reg  [P*AW-1:0] amem [0:ROWS-1];
        // stage C: this lane's synapse -> read the row of its target neuron
        wire [QB-1:0]   c_q = wq[p*LW+WB +: QB];
        wire [WB-1:0]   c_w = wq[p*LW +: WB];
        wire [RB-1:0]   c_row = c_q[QB-1 -: RB];
        wire [KB-1:0]   c_sub;
        if (LP == 0) begin : one
            assign c_sub = 1'b0;
        end else begin : many
            assign c_sub = c_q[KB-1:0];
        end
        wire [RB-1:0]   rd_row = (mode == UPD) ? row_i[RB-1:0] : c_row;
        wire            rd_en  = (mode == UPD) ? upd_row : c_valid;
        reg  [P*AW-1:0] aq;
        always @(posedge clk) begin
            if (rd_en) aq <= amem[rd_row];
        end
        assign acc_rows[p*P*AW +: P*AW] = aq;
        // stage D: add the weight to sub-word d_sub (forward last cycle's write of the same row)
        reg  [RB-1:0]   d_row;
        reg  [KB-1:0]   d_sub;
        reg  [WB-1:0]   d_w;
        always @(posedge clk) begin
            if (c_valid) begin d_row <= c_row; d_sub <= c_sub; d_w <= c_w; end
        end
        reg             fw_valid;
        reg  [RB-1:0]   fw_row;
        reg  [P*AW-1:0] fw_word;
        wire [P*AW-1:0] word_in = (fw_valid && fw_row == d_row) ? fw_word : aq;
        reg  [AW-1:0]   sel;
        reg  [P*AW-1:0] word_new;
        integer s1, s2;
        always @(*) begin
            sel = {AW{1'b0}};
            for (s1 = 0; s1 < P; s1 = s1 + 1)
                if (d_sub == s1[KB-1:0]) sel = word_in[s1*AW +: AW];
        end
        wire [AW-1:0]   sum = sel + {{(AW-WB){d_w[WB-1]}}, d_w};
        always @(*) begin
            word_new = word_in;
            for (s2 = 0; s2 < P; s2 = s2 + 1)
                if (d_sub == s2[KB-1:0]) word_new[s2*AW +: AW] = sum;
        end
        always @(posedge clk) begin
            if (rst) fw_valid <= 1'b0;
            else     fw_valid <= d_valid;
            fw_row  <= d_row;
            fw_word <= word_new;
        end
        // write port: clear (reset), zero after the neuron phase, accumulate
        wire            we = (mode == CLR) || u2_wr || d_valid;
        wire [RB-1:0]   wa = (mode == CLR) ? row_i[RB-1:0] : (u2_wr ? u2_row : d_row);
        wire [P*AW-1:0] wd = (mode == CLR || u2_wr) ? {(P*AW){1'b0}} : word_new;
        always @(posedge clk) begin
            if (we) amem[wa] <= wd;
        end
    end endgenerate

    // ---------------- neuron state: {count, v} of P neurons per row ------------------------
    reg  [P*VW-1:0] vmem [0:ROWS-1];
    reg  [P*VW-1:0] vq;
    wire [P*VW-1:0] vword;
    always @(posedge clk) begin
        if (upd_row) vq <= vmem[row_i[RB-1:0]];
    end
    always @(posedge clk) begin
        if (mode == CLR) vmem[row_i[RB-1:0]] <= {(P*VW){1'b0}};
        else if (u2_wr)  vmem[u2_row] <= upd_last ? {(P*VW){1'b0}} : vword;
    end

    // ---------------- stage U2: neuron update of row u2_row, one lane per neuron ----------
    // A hidden layer uses only the spike bits, the last layer only the readout words.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [P-1:0]    spike;
    wire [P*32-1:0] words;
    /* verilator lint_on UNUSEDSIGNAL */
    genvar n;
    generate for (n = 0; n < P; n = n + 1) begin : nrn
        // exact sum of the P partial accumulators of neuron row*P + n
        reg [UW-1:0] acc;
        integer c;
        always @(*) begin
            acc = {UW{1'b0}};
            for (c = 0; c < P; c = c + 1)
                acc = acc + {{(UW-AW){acc_rows[c*P*AW + n*AW + AW-1]}}, acc_rows[c*P*AW + n*AW +: AW]};
        end
        wire signed [M-1:0]  v     = vq[n*VW +: M];
        wire        [CW-1:0] cnt   = vq[n*VW+M +: CW];
        wire signed [M-1:0]  vl    = (LEAK != 0) ? v - (v >>> K) : v;
        wire        [M-1:0]  theta = nrn_q[n*NW+BW +: M];
        wire        [BW-1:0] bias  = nrn_q[n*NW +: BW];
        wire        [UW-1:0] s = {{(UW-M){vl[M-1]}}, vl} + acc + {{(UW-BW){bias[BW-1]}}, bias};
        wire fits = (s[UW-1:M-1] == {(UW-M+1){1'b0}}) || (s[UW-1:M-1] == {(UW-M+1){1'b1}});
        wire [M-1:0] u = fits ? s[M-1:0] : (s[UW-1] ? {1'b1, {(M-1){1'b0}}} : {1'b0, {(M-1){1'b1}}});
        wire fires = (FIRE != 0) && ($signed(u) >= $signed(theta));
        wire [M-1:0] vn = !fires ? u : ((RESET_ZERO != 0) ? {M{1'b0}} : u - theta);
        wire [CW-1:0] cnt_n = cnt + {{(CW-1){1'b0}}, fires};  // CW >= 2 (generator)
        assign vword[n*VW +: VW] = {cnt_n, vn};
        assign spike[n] = fires;
        // readout word: spike count (zero-extended) or final membrane (sign-extended)
        if (FIRE != 0 && CW == 32) begin : wcount32
            assign words[n*32 +: 32] = cnt_n;
        end else if (FIRE != 0) begin : wcount
            assign words[n*32 +: 32] = {{(32-CW){1'b0}}, cnt_n};
        end else if (M == 32) begin : wmembrane32
            assign words[n*32 +: 32] = u;
        end else begin : wmembrane
            assign words[n*32 +: 32] = {{(32-M){u[M-1]}}, u};
        end
    end endgenerate

    // ---------------- output FIFO ----------------------------------------------------------
    wire          push;
    wire [OUT_W-1:0] din;
    generate if (LAST != 0) begin : readout
        // readout words of the sample's last timestep, one FIFO entry per row
        assign push = u2_valid && !u2_marker && upd_last;
        assign din  = {u2_row, words};
    end else begin : spikes
        assign push = u2_valid && (u2_marker || (spike != 0));
        assign din  = {u2_marker, u2_marker && upd_last, u2_row, u2_marker ? {P{1'b0}} : spike};
    end endgenerate
    wire empty;
    sf_fifo #(.W(OUT_W), .LOG(FIFO_LOG)) ofifo (
        .clk(clk), .rst(rst), .push(push), .din(din), .pop(out_pop),
        .dout(out_data), .empty(empty), .count(fifo_count)
    );
    assign out_valid = !empty;
endmodule
