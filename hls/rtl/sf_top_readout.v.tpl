    sf_readout_ser #(.P(${p}), .LP(${lp}), .RB(${rb}), .N_OUT(${n_out})) u_readout (
        .clk(ap_clk), .rst(rst),
        .in_valid(o${l}_valid), .in_pop(o${l}_pop), .in_data(o${l}_data),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready), .m_tlast(m_axis_tlast),
        .pkt_last(pkt_last), .pkt_pop(pkt_pop)
    );
