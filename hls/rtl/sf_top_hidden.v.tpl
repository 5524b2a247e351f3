    wire ev${n}_valid, ev${n}_ready, ev${n}_marker, ev${n}_last;
    wire [${ia}-1:0] ev${n}_addr;
    sf_spike_ser #(.P(${p}), .LP(${lp}), .RB(${rb}), .IA(${ia})) u_ser${l} (
        .clk(ap_clk), .rst(rst),
        .in_valid(o${l}_valid), .in_pop(o${l}_pop), .in_data(o${l}_data),
        .out_valid(ev${n}_valid), .out_ready(ev${n}_ready), .out_marker(ev${n}_marker), .out_last(ev${n}_last),
        .out_addr(ev${n}_addr)
    );
