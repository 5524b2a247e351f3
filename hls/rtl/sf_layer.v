// sf_layer: one event-driven dense layer of SPEC 1 (see README.md in this folder).
//
// Neuron q lives in bank q % P, row q / P. Each bank owns its accumulators, its synapse list memory
// and a slot iterator, so area grows linearly with P and banks never share a memory port.
// Synapse phase: an input event (address i) reads ptr[i]: for every bank b, {first entry, count}
// of input i's synapses onto bank b's neurons; banks with a nonzero count get the pointer in
// their event queue, and an end-of-timestep marker goes into every queue. Each bank then reads one
// {row, weight} entry per cycle and adds the weight to the accumulator of that row (read-modify-
// write, 1-cycle forwarding). Banks run decoupled: the queues absorb the per-event imbalance
// between banks, and two accumulator buffers let a bank run up to one timestep ahead, into the
// other buffer, while the neuron phase still reads this timestep's.
// Neuron phase (once every bank has retired the timestep's marker): one row of P neurons per
// cycle through a 6-stage pipeline (read; register; leak and acc + bias; sum; clamp; threshold
// and reset), clearing the rows it read; spikes leave as {row, P-bit mask} entries in the output
// FIFO (hidden layer), or readout words on the sample's last timestep (last layer).
module sf_layer #(
    parameter integer P = 1,            // lanes = banks: synapses per cycle, neurons per cycle (power of 2)
    /* verilator lint_off UNUSEDPARAM */
    parameter integer LP = 0,           // log2(P) (neuron q = {row, bank}: for the serializers)
    /* verilator lint_on UNUSEDPARAM */
    parameter integer N_IN = 4,         // input addresses (depth of the pointer memory)
    parameter integer IA = 2,           // input address bits
    parameter integer ROWS = 4,         // neuron rows; neuron q = row*P + bank
    parameter integer RB = 2,           // row address bits
    parameter integer SLOTS = 4,        // depth of each bank's synapse list memory
    parameter integer SA = 2,           // bits of a synapse list address
    parameter integer CB = 2,           // bits of one bank's synapse count for one input
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
    parameter integer CW = 2,           // spike counter bits (32 for a count-readout layer)
    parameter integer FIFO_LOG = 4,     // log2 depth of the output FIFO
    parameter integer EQ_LOG = 5,       // log2 depth of each bank's event queue
    parameter integer OUT_W = 2 + RB + P,
    parameter PTR_FILE = "l0_ptr.mem",
    parameter W_FILE = "l0_w",          // bank b reads W_FILE + hex digit b + ".mem"
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
    localparam integer LW = RB + WB;          // one synapse of a bank list: {row, weight}
    localparam integer VW = CW + M;           // neuron state: {count, v}
    localparam integer NW = M + BW;           // one lane of the neuron ROM: {theta, bias}
    localparam integer PW = SA + CB;          // one bank's pointer: {first entry, count}
    localparam [1:0] CLR = 2'd0, SYN = 2'd1, UPD = 2'd2;
    localparam [RB:0] ROWS_N = ROWS[RB:0];          // row count at the width of row_i
    localparam [RB:0] ROWS_LAST = ROWS_N - 1'b1;
    localparam integer EQ_ROOM_I = (1 << EQ_LOG) - 1;
    localparam [EQ_LOG:0] EQ_ROOM = EQ_ROOM_I[EQ_LOG:0];

    // ---------------- memories (block RAM when large: synchronous reads with enable) -------
    reg [P*PW-1:0]  ptr_mem [0:N_IN-1];
    reg [P*NW-1:0]  nrn_mem [0:ROWS-1];
    initial begin
        $readmemh(PTR_FILE, ptr_mem);
        $readmemh(NRN_FILE, nrn_mem);
    end
`ifdef SF_SIM_RELOAD
    // Simulation only (never defined for synthesis): reload the images on every reset, so one
    // compiled simulator runs many models of one shape (the testbench changes directory first).
    always @(posedge rst) begin
        $readmemh(PTR_FILE, ptr_mem);
        $readmemh(NRN_FILE, nrn_mem);
    end
`endif

    reg [1:0]  mode;
    reg [RB:0] row_i;          // CLR: row being cleared; UPD: next row to issue (ROWS = marker item)
    reg        upd_last;       // the timestep being updated is the sample's last
    reg        upd_buf;        // accumulator buffer of the timestep being (or next) updated

    // neuron pipeline valid bits (stage 2 .. 6)
    reg u2_valid, u3_valid, u4_valid, u5_valid, u6_valid;
    reg u2_marker, u3_marker, u4_marker, u5_marker, u6_marker;
    reg [RB-1:0] u2_row, u3_row, u4_row, u5_row, u6_row;
    reg u2_buf;
    wire nrn_idle = !u2_valid && !u3_valid && !u4_valid && !u5_valid && !u6_valid;

    // ---------------- event fetch: pointer read (p1), pointer register (p2), push per bank ----
    // Events go to the queues of the banks with synapses of the input; a marker goes to every
    // queue (each bank then knows where its timestep ends) and its "last" flag to mk_fifo.
    reg            p1_valid, p1_marker, p1_last;
    reg            p2_valid, p2_marker, p2_last;
    reg [P*PW-1:0] ptr_q;      // pointer memory read register (stage p1)
    reg [P*PW-1:0] ptr_r;      // stage p2: the pointers being pushed
    reg [P-1:0]    ptr_nz;     // stage p2: bank b has synapses of this input
    reg            room;       // every bank queue can take one more entry
    wire [P-1:0]   bank_room, bank_done;
    wire           mk_empty;
    wire [2:0]     mk_count;
    wire           mk_last;
    wire ready     = (mode != CLR) && room;
    wire take_event  = p2_valid && !p2_marker && ready;
    wire take_marker = p2_valid && p2_marker && ready && (mk_count < 3'd4);
    wire p1_move    = p1_valid && (!p2_valid || take_event || take_marker);
    assign in_ready = !p1_valid || p1_move;
    wire accept = in_valid && in_ready;
    // a timestep's neuron phase starts once every bank has worked through it
    wire start_upd  = (mode == SYN) && !mk_empty && (&bank_done) && nrn_idle;

    always @(posedge clk) begin
        if (accept) ptr_q <= ptr_mem[in_addr];
    end
    integer z;
    always @(posedge clk) begin
        if (p1_move) begin
            ptr_r <= ptr_q;
            for (z = 0; z < P; z = z + 1) ptr_nz[z] <= ptr_q[z*PW +: CB] != {CB{1'b0}};
        end
    end
    always @(posedge clk) begin
        if (rst) begin
            p1_valid <= 1'b0; p1_marker <= 1'b0; p1_last <= 1'b0;
            p2_valid <= 1'b0; p2_marker <= 1'b0; p2_last <= 1'b0;
            room <= 1'b0;
        end else begin
            if (accept) begin
                p1_valid <= 1'b1; p1_marker <= in_marker; p1_last <= in_last;
            end else if (p1_move) begin
                p1_valid <= 1'b0;
            end
            if (p1_move) begin
                p2_valid <= 1'b1; p2_marker <= p1_marker; p2_last <= p1_last;
            end else if (take_event || take_marker) begin
                p2_valid <= 1'b0;
            end
            room <= &bank_room;
        end
    end
    /* verilator lint_off PINCONNECTEMPTY */
    sf_fifo #(.W(1), .LOG(2)) mk_fifo (
        .clk(clk), .rst(rst), .push(take_marker), .din(p2_last), .pop(start_upd),
        .dout(mk_last), .empty(mk_empty), .count(mk_count)
    );
    /* verilator lint_on PINCONNECTEMPTY */

    // ---------------- neuron phase issue (credit-checked against the output FIFO) ----------
    wire [FIFO_LOG:0] fifo_count;
    localparam [FIFO_LOG+2:0] FIFO_DEPTH = 1 << FIFO_LOG;
    wire [FIFO_LOG+2:0] inflight = {{(FIFO_LOG+2){1'b0}}, u2_valid} + {{(FIFO_LOG+2){1'b0}}, u3_valid}
                                 + {{(FIFO_LOG+2){1'b0}}, u4_valid} + {{(FIFO_LOG+2){1'b0}}, u5_valid}
                                 + {{(FIFO_LOG+2){1'b0}}, u6_valid};
    // the last layer pushes only on the sample's last timestep
    wire credit   = ((LAST != 0) && !upd_last) || (({2'b0, fifo_count} + inflight) < FIFO_DEPTH);
    wire upd_row  = (mode == UPD) && credit && (row_i < ROWS_N);
    wire upd_mark = (mode == UPD) && credit && (row_i == ROWS_N);
    reg  [P*NW-1:0] nrn_q;
    always @(posedge clk) begin
        if (upd_row) nrn_q <= nrn_mem[row_i[RB-1:0]];
    end
    always @(posedge clk) begin
        if (rst) begin
            mode <= CLR; row_i <= 0; upd_last <= 1'b0; upd_buf <= 1'b0;
            u2_valid <= 1'b0; u3_valid <= 1'b0; u4_valid <= 1'b0; u5_valid <= 1'b0; u6_valid <= 1'b0;
        end else begin
            u2_valid <= upd_row || upd_mark;
            u3_valid <= u2_valid; u4_valid <= u3_valid; u5_valid <= u4_valid; u6_valid <= u5_valid;
            case (mode)
                CLR: begin
                    row_i <= row_i + 1'b1;
                    if (row_i == ROWS_LAST) begin mode <= SYN; row_i <= 0; end
                end
                SYN: if (start_upd) begin mode <= UPD; row_i <= 0; upd_last <= mk_last; end
                default: if (upd_row) row_i <= row_i + 1'b1;
                         else if (upd_mark) begin mode <= SYN; row_i <= 0; upd_buf <= !upd_buf; end
            endcase
        end
    end
    always @(posedge clk) begin
        u2_marker <= upd_mark; u2_row <= row_i[RB-1:0]; u2_buf <= upd_buf;
        u3_marker <= u2_marker; u3_row <= u2_row;
        u4_marker <= u3_marker; u4_row <= u3_row;
        u5_marker <= u4_marker; u5_row <= u4_row;
        u6_marker <= u5_marker; u6_row <= u5_row;
    end

    // ---------------- banks: event queue, synapse list, accumulators of neurons row*P + b ----
    wire            u2_wr = u2_valid && !u2_marker;
    wire [P*AW-1:0] acc_row;    // the row read by every bank (neuron phase): bank b at b*AW
    genvar b;
    generate for (b = 0; b < P; b = b + 1) begin : bank
        localparam integer HEX_I = (b < 10) ? 48 + b : 87 + b;
        localparam [7:0]   HEX = HEX_I[7:0];
        reg [LW-1:0] wmem [0:SLOTS-1];
        initial $readmemh({W_FILE, HEX, ".mem"}, wmem);
`ifdef SF_SIM_RELOAD
        always @(posedge rst) $readmemh({W_FILE, HEX, ".mem"}, wmem);
`endif
        // event queue: {marker, pointer} entries of the events and markers taken so far
        wire [PW:0]     e_in = {p2_marker, ptr_r[b*PW +: PW]};
        wire            push = take_event && ptr_nz[b] || take_marker;
        wire [PW:0]     e_out;
        wire            e_empty;
        wire [EQ_LOG:0] e_count;
        reg             it_active, it_buf;
        reg  [SA-1:0]   it_slot;
        reg  [CB-1:0]   it_left;
        // timesteps: markers popped and markers retired (through stage D) not yet updated
        reg  [1:0]      ahead, done;
        reg             pop_buf;    // buffer of the entries popped now
        wire            it_free = !it_active || (it_left == 1);
        wire            pop = !e_empty && it_free && (ahead != 2'd2);
        wire            pop_marker = pop && e_out[PW];
        sf_fifo #(.W(PW + 1), .LOG(EQ_LOG)) queue (
            .clk(clk), .rst(rst), .push(push), .din(e_in), .pop(pop),
            .dout(e_out), .empty(e_empty), .count(e_count)
        );
        assign bank_room[b] = e_count < EQ_ROOM;
        // slot iterator: one synapse list read per cycle; a marker passes as a bubble
        always @(posedge clk) begin
            if (rst) begin
                it_active <= 1'b0; it_slot <= 0; it_left <= 0; it_buf <= 1'b0; pop_buf <= 1'b0;
            end else if (pop && !e_out[PW]) begin
                it_active <= 1'b1; it_slot <= e_out[PW-1:CB]; it_left <= e_out[CB-1:0]; it_buf <= pop_buf;
            end else begin
                if (it_active) begin
                    it_active <= (it_left != 1); it_slot <= it_slot + 1'b1; it_left <= it_left - 1'b1;
                end
                if (pop_marker) pop_buf <= !pop_buf;
            end
        end
        reg [LW-1:0] wq;
        reg          b_valid, c_valid, d_valid, b_mark, c_mark, d_mark, b_buf, c_buf, d_buf;
        always @(posedge clk) begin
            if (it_active) wq <= wmem[it_slot];
        end
        // stage C: the entry in flip-flops (a block RAM's clock-to-out is slow), then read the
        // accumulator of its row (or of the neuron phase's row)
        reg  [RB-1:0]   c_row;
        reg  [WB-1:0]   c_w;
        always @(posedge clk) begin
            if (b_valid) begin c_row <= wq[LW-1:WB]; c_w <= wq[WB-1:0]; end
            b_buf <= it_buf; c_buf <= b_buf; d_buf <= c_buf;
        end
        always @(posedge clk) begin
            if (rst) begin
                b_valid <= 1'b0; c_valid <= 1'b0; d_valid <= 1'b0;
                b_mark <= 1'b0; c_mark <= 1'b0; d_mark <= 1'b0;
                ahead <= 2'd0; done <= 2'd0;
            end else begin
                b_valid <= it_active;
                c_valid <= b_valid;
                d_valid <= c_valid;
                b_mark <= pop_marker; c_mark <= b_mark; d_mark <= c_mark;
                ahead <= ahead + {1'b0, pop_marker} - {1'b0, upd_mark};
                done  <= done + {1'b0, d_mark} - {1'b0, upd_mark};
            end
        end
        assign bank_done[b] = done != 2'd0;
        // two accumulator buffers: the banks fill one timestep's while the neuron phase reads and
        // clears the previous one's (a bank never runs more than one timestep ahead)
        wire [AW-1:0] aq0, aq1;
        reg  [RB-1:0] d_row;
        reg  [WB-1:0] d_w;
        reg           fw_valid, fw_buf;
        reg  [RB-1:0] fw_row;
        reg  [AW-1:0] fw_word;
        wire          fwd = fw_valid && fw_buf == d_buf && fw_row == d_row;
        wire [AW-1:0] word_in = fwd ? fw_word : (d_buf ? aq1 : aq0);
        wire [AW-1:0] sum = word_in + {{(AW-WB){d_w[WB-1]}}, d_w};
        always @(posedge clk) begin
            if (c_valid) begin d_row <= c_row; d_w <= c_w; end
        end
        always @(posedge clk) begin
            if (rst) fw_valid <= 1'b0;
            else     fw_valid <= d_valid;
            fw_row  <= d_row;
            fw_buf  <= d_buf;
            fw_word <= sum;
        end
        genvar k;
        for (k = 0; k < 2; k = k + 1) begin : buffer
            localparam [0:0] KB1 = k[0:0];
            reg  [AW-1:0]   amem [0:ROWS-1];
            wire            upd_this = (mode == UPD) && (upd_buf == KB1);
            wire [RB-1:0]   rd_row = upd_this ? row_i[RB-1:0] : c_row;
            wire            rd_en  = upd_this ? upd_row : (c_valid && c_buf == KB1);
            reg  [AW-1:0]   aq;
            always @(posedge clk) begin
                if (rd_en) aq <= amem[rd_row];
            end
            // write port: clear (reset), zero after the neuron phase read, accumulate
            wire            clr_row = u2_wr && (u2_buf == KB1);
            wire            we = (mode == CLR) || clr_row || (d_valid && d_buf == KB1);
            wire [RB-1:0]   wa = (mode == CLR) ? row_i[RB-1:0] : (clr_row ? u2_row : d_row);
            wire [AW-1:0]   wd = (mode == CLR || clr_row) ? {AW{1'b0}} : sum;
            always @(posedge clk) begin
                if (we) amem[wa] <= wd;
            end
            if (k == 0) begin : q0
                assign aq0 = aq;
            end else begin : q1
                assign aq1 = aq;
            end
        end
        assign acc_row[b*AW +: AW] = u2_buf ? aq1 : aq0;
    end endgenerate

    // ---------------- neuron state: {count, v} of P neurons per row ------------------------
    reg  [P*VW-1:0] vmem [0:ROWS-1];
    reg  [P*VW-1:0] vq;
    wire [P*VW-1:0] vword;
    wire            u6_wr = u6_valid && !u6_marker;
    always @(posedge clk) begin
        if (upd_row) vq <= vmem[row_i[RB-1:0]];
    end
    always @(posedge clk) begin
        if (mode == CLR) vmem[row_i[RB-1:0]] <= {(P*VW){1'b0}};
        else if (u6_wr)  vmem[u6_row] <= upd_last ? {(P*VW){1'b0}} : vword;
    end

    // ---------------- stages 2..6: neuron update of one row, one lane per neuron -----------
    // A hidden layer uses only the spike bits, the last layer only the readout words.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [P-1:0]    spike;
    wire [P*32-1:0] words;
    /* verilator lint_on UNUSEDSIGNAL */
    genvar n;
    generate for (n = 0; n < P; n = n + 1) begin : nrn
        reg         [AW-1:0] s3_acc;
        reg         [BW-1:0] s3_bias;
        reg         [M-1:0]  s3_v, s4_vl, s3_theta, s4_theta, s5_theta, s6_theta, s6_u;
        reg         [CW-1:0] s3_cnt, s4_cnt, s5_cnt, s6_cnt, s5_cinc, s6_cinc;
        reg         [UW-1:0] s4_ab, s5_s;
        // stage 2: the memory outputs into flip-flops (block RAM clock-to-out is slow)
        always @(posedge clk) begin
            s3_acc  <= acc_row[n*AW +: AW];
            s3_bias <= nrn_q[n*NW +: BW];
            s3_v    <= vq[n*VW +: M];
        end
        // threshold and count ride along; the reset keeps them in flip-flops (a shift-register LUT
        // has a slow clock-to-out)
        always @(posedge clk) begin
            if (rst) begin
                s3_theta <= 0; s4_theta <= 0; s5_theta <= 0; s6_theta <= 0;
                s3_cnt <= 0; s4_cnt <= 0; s5_cnt <= 0; s6_cnt <= 0; s5_cinc <= 0; s6_cinc <= 0;
            end else begin
                s3_theta <= nrn_q[n*NW+BW +: M];
                s3_cnt   <= vq[n*VW+M +: CW];
                s4_theta <= s3_theta; s4_cnt <= s3_cnt;
                s5_theta <= s4_theta; s5_cnt <= s4_cnt; s5_cinc <= s4_cnt + 1'b1;
                s6_theta <= s5_theta; s6_cnt <= s5_cnt; s6_cinc <= s5_cinc;
            end
        end
        // stage 3: leak; accumulator + bias
        wire signed [M-1:0] v3 = s3_v;
        always @(posedge clk) begin
            s4_vl <= (LEAK != 0) ? v3 - (v3 >>> K) : v3;
            s4_ab <= {{(UW-AW){s3_acc[AW-1]}}, s3_acc} + {{(UW-BW){s3_bias[BW-1]}}, s3_bias};
        end
        // stage 4: the exact sum
        always @(posedge clk) begin
            s5_s <= {{(UW-M){s4_vl[M-1]}}, s4_vl} + s4_ab;
        end
        // stage 5: clamp once to M bits
        wire fits = (s5_s[UW-1:M-1] == {(UW-M+1){1'b0}}) || (s5_s[UW-1:M-1] == {(UW-M+1){1'b1}});
        always @(posedge clk) begin
            s6_u <= fits ? s5_s[M-1:0] : (s5_s[UW-1] ? {1'b1, {(M-1){1'b0}}} : {1'b0, {(M-1){1'b1}}});
        end
        // stage 6: threshold (u >= theta  <=>  u - theta >= 0) and reset
        wire [M:0]    diff  = {s6_u[M-1], s6_u} - {s6_theta[M-1], s6_theta};
        wire          fires = (FIRE != 0) && !diff[M];
        wire [M-1:0]  vn    = !fires ? s6_u : ((RESET_ZERO != 0) ? {M{1'b0}} : diff[M-1:0]);
        wire [CW-1:0] cnt_n = fires ? s6_cinc : s6_cnt;
        assign vword[n*VW +: VW] = {cnt_n, vn};
        assign spike[n] = fires;
        // readout word: spike count (zero-extended) or final membrane (sign-extended)
        if (FIRE != 0 && CW == 32) begin : wcount32
            assign words[n*32 +: 32] = cnt_n;
        end else if (FIRE != 0) begin : wcount
            assign words[n*32 +: 32] = {{(32-CW){1'b0}}, cnt_n};
        end else if (M == 32) begin : wmembrane32
            assign words[n*32 +: 32] = s6_u;
        end else begin : wmembrane
            assign words[n*32 +: 32] = {{(32-M){s6_u[M-1]}}, s6_u};
        end
    end endgenerate

    // ---------------- output FIFO ----------------------------------------------------------
    wire          push;
    wire [OUT_W-1:0] din;
    generate if (LAST != 0) begin : readout
        // readout words of the sample's last timestep, one FIFO entry per row
        assign push = u6_valid && !u6_marker && upd_last;
        assign din  = {u6_row, words};
    end else begin : spikes
        assign push = u6_valid && (u6_marker || (spike != 0));
        assign din  = {u6_marker, u6_marker && upd_last, u6_row, u6_marker ? {P{1'b0}} : spike};
    end endgenerate
    wire empty;
    sf_fifo #(.W(OUT_W), .LOG(FIFO_LOG)) ofifo (
        .clk(clk), .rst(rst), .push(push), .din(din), .pop(out_pop),
        .dout(out_data), .empty(empty), .count(fifo_count)
    );
    assign out_valid = !empty;
endmodule
