
    // ---- layer ${l} ----
    wire o${l}_valid, o${l}_pop;
    wire [${out_w}-1:0] o${l}_data;
    sf_layer #(${params}) u_layer${l} (
        .clk(ap_clk), .rst(rst),
        .in_valid(ev${l}_valid), .in_ready(ev${l}_ready), .in_marker(ev${l}_marker), .in_last(ev${l}_last),
        .in_addr(ev${l}_addr),
        .out_valid(o${l}_valid), .out_pop(o${l}_pop), .out_data(o${l}_data)
    );
