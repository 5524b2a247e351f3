# spikeforge build recipe: the event-driven SNN core behind an AXI DMA on a Zynq board.
#
#   vivado -mode batch -source build.tcl -tclargs <package folder>
#
# One recipe for every board: config.tcl (written by `spikeforge package` from bitstreams/boards.json
# and the model) holds the board's part, board part pattern, processing-system pins and the core.
# Steps: check board files -> package the core as an IP (or take the HLS IP folder) -> block design
# (PS with board preset, AXI DMA in simple mode, core, interconnects, reset) -> validate -> wrapper
# -> implementation to bitstream -> timing check -> .bit/.hwh copied beside spikeforge.json.

set sf_here [file normalize [file dirname [info script]]]
if {[info exists ::argv] && [llength $::argv] > 0} {
    set sf_here [file normalize [lindex $::argv 0]]
}
source [file join $sf_here config.tcl]
set sf_build [file join $sf_here build]
set sf_out [file join $sf_here output]
file mkdir $sf_build $sf_out

proc sf_fail {message} {
    puts stderr "spikeforge: error: $message"
    error $message
}

# The newest installed version of an IP, whatever the Vivado release (no hard-coded versions).
proc sf_vlnv {name} {
    set defs [get_ipdefs -all -filter "NAME == $name && UPGRADE_VERSIONS == \"\""]
    if {[llength $defs] == 0} {
        set defs [get_ipdefs -all -filter "NAME == $name"]
    }
    if {[llength $defs] == 0} {
        sf_fail "no IP named $name in the IP catalog"
    }
    return [lindex [lsort -dictionary $defs] end]
}

# ---- 1. board files (early, before anything slow) -------------------------------------------
if {[llength [get_parts -quiet $sf_part]] == 0} {
    sf_fail "this Vivado has no device support for $sf_part ($sf_board): add it with the Vivado installer"
}
set sf_board_parts [get_board_parts -quiet -latest_file_version $sf_board_part_pattern]
if {[llength $sf_board_parts] == 0} {
    sf_fail "the Vivado board files for $sf_board ($sf_board_part_pattern) are not installed; get them from $sf_board_files"
}
set sf_board_part [lindex $sf_board_parts end]

# ---- 2. the core as an IP --------------------------------------------------------------------
set sf_ip_repo [file join $sf_build ip_repo]
if {$sf_backend eq "rtl"} {
    create_project -force sf_ip [file join $sf_build sf_ip] -part $sf_part
    set sf_sources {}
    foreach f $sf_rtl_sources { lappend sf_sources [file join $sf_here $sf_ip_dir $f] }
    set sf_images {}
    foreach f $sf_memory_images { lappend sf_images [file join $sf_here $sf_ip_dir $f] }
    add_files -norecurse $sf_sources
    add_files -norecurse $sf_images
    set_property file_type {Memory File} [get_files $sf_images]
    set_property top $sf_top [current_fileset]
    update_compile_order -fileset sources_1
    ipx::package_project -root_dir $sf_ip_repo -vendor spikeforge.org -library spikeforge \
        -taxonomy /UserIP -import_files -set_current true
    set sf_ipcore [ipx::current_core]
    set_property display_name "spikeforge SNN core ($sf_model_sha256)" $sf_ipcore
    ipx::infer_bus_interfaces xilinx.com:interface:axis_rtl:1.0 $sf_ipcore
    ipx::infer_bus_interfaces xilinx.com:signal:clock_rtl:1.0 $sf_ipcore
    ipx::infer_bus_interfaces xilinx.com:signal:reset_rtl:1.0 $sf_ipcore
    foreach busif {s_axis m_axis} {
        if {[llength [ipx::get_bus_interfaces $busif -of_objects $sf_ipcore]] == 0} {
            sf_fail "no AXI4-Stream interface $busif was inferred on $sf_top"
        }
    }
    ipx::associate_bus_interfaces -busif s_axis -clock ap_clk $sf_ipcore
    ipx::associate_bus_interfaces -busif m_axis -clock ap_clk $sf_ipcore
    ipx::associate_bus_interfaces -clock ap_clk -reset ap_rst_n $sf_ipcore
    set sf_rst_if [ipx::get_bus_interfaces ap_rst_n -of_objects $sf_ipcore]
    set sf_polarity [ipx::get_bus_parameters POLARITY -of_objects $sf_rst_if]
    if {[llength $sf_polarity] == 0} {
        set sf_polarity [ipx::add_bus_parameter POLARITY $sf_rst_if]
    }
    set_property value ACTIVE_LOW $sf_polarity
    # $readmemh images must travel with the IP or synthesis fills the memories with zeros
    set sf_group [ipx::get_file_groups xilinx_anylanguagesynthesis -of_objects $sf_ipcore]
    foreach img $sf_memory_images {
        set sf_in_ip [ipx::get_files -of_objects $sf_group "*$img"]
        if {[llength $sf_in_ip] == 0} {
            set sf_in_ip [ipx::add_file [file join $sf_here $sf_ip_dir $img] $sf_group]
        }
        set_property type mem $sf_in_ip
    }
    set_property core_revision 1 $sf_ipcore
    ipx::create_xgui_files $sf_ipcore
    ipx::update_checksums $sf_ipcore
    ipx::check_integrity $sf_ipcore
    ipx::save_core $sf_ipcore
    close_project
    set sf_core_ip $sf_top
} else {
    # an HLS IP exported by Vitis HLS (a folder with component.xml): same ports, Vitis names
    set sf_ip_repo [file join $sf_here $sf_ip_dir]
    if {![file exists [file join $sf_ip_repo component.xml]]} {
        sf_fail "$sf_ip_repo holds no component.xml: export the HLS IP there (Vitis HLS export_design)"
    }
    set sf_core_ip $sf_hls_ip_name
}

# ---- 3. block design -------------------------------------------------------------------------
create_project -force $sf_project [file join $sf_build $sf_project] -part $sf_part
set_property board_part $sf_board_part [current_project]
if {$sf_carrier_pattern ne ""} {
    # a SOM on a carrier card (Kria): connect the carrier's board files too
    set sf_carriers [get_board_parts -quiet -latest_file_version $sf_carrier_pattern]
    if {[llength $sf_carriers] == 0} {
        sf_fail "the Vivado board files of the $sf_board carrier ($sf_carrier_pattern) are not installed; get them from $sf_board_files"
    }
    set_property board_connections [list $sf_carrier_connector [lindex $sf_carriers end]] [current_project]
}
set_property ip_repo_paths [list $sf_ip_repo] [current_project]
update_ip_catalog -rebuild
create_bd_design $sf_bd

set sf_ps [create_bd_cell -type ip -vlnv [sf_vlnv $sf_ps_ip] $sf_ps_name]
apply_bd_automation -rule $sf_ps_rule -config $sf_ps_automation $sf_ps
set_property -dict $sf_ps_config $sf_ps
set_property -dict [list CONFIG.$sf_ps_clock_property $sf_clock_mhz] $sf_ps

set sf_core [create_bd_cell -type ip -vlnv [sf_vlnv $sf_core_ip] $sf_core_name]
set sf_dma [create_bd_cell -type ip -vlnv [sf_vlnv axi_dma] $sf_dma_name]
set_property -dict [list \
    CONFIG.c_include_sg 0 \
    CONFIG.c_sg_length_width 26 \
    CONFIG.c_include_mm2s 1 \
    CONFIG.c_include_s2mm 1 \
    CONFIG.c_m_axi_mm2s_data_width 32 \
    CONFIG.c_m_axis_mm2s_tdata_width 32 \
    CONFIG.c_m_axi_s2mm_data_width 32 \
    CONFIG.c_s_axis_s2mm_tdata_width 32 \
    CONFIG.c_include_mm2s_dre 0 \
    CONFIG.c_include_s2mm_dre 0 \
    CONFIG.c_mm2s_burst_size 16 \
    CONFIG.c_s2mm_burst_size 16 \
] $sf_dma
set sf_ctrl [create_bd_cell -type ip -vlnv [sf_vlnv axi_interconnect] ctrl_interconnect]
set_property -dict [list CONFIG.NUM_SI 1 CONFIG.NUM_MI 1] $sf_ctrl
set sf_mem [create_bd_cell -type ip -vlnv [sf_vlnv axi_interconnect] mem_interconnect]
set_property -dict [list CONFIG.NUM_SI 2 CONFIG.NUM_MI 1] $sf_mem
set sf_rst [create_bd_cell -type ip -vlnv [sf_vlnv proc_sys_reset] rst_pl]

# data and control paths
connect_bd_intf_net [get_bd_intf_pins $sf_ps_name/$sf_ps_master] [get_bd_intf_pins ctrl_interconnect/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins ctrl_interconnect/M00_AXI] [get_bd_intf_pins $sf_dma_name/S_AXI_LITE]
connect_bd_intf_net [get_bd_intf_pins $sf_dma_name/M_AXI_MM2S] [get_bd_intf_pins mem_interconnect/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins $sf_dma_name/M_AXI_S2MM] [get_bd_intf_pins mem_interconnect/S01_AXI]
connect_bd_intf_net [get_bd_intf_pins mem_interconnect/M00_AXI] [get_bd_intf_pins $sf_ps_name/$sf_ps_slave]
connect_bd_intf_net [get_bd_intf_pins $sf_dma_name/M_AXIS_MM2S] [get_bd_intf_pins $sf_core_name/s_axis]
connect_bd_intf_net [get_bd_intf_pins $sf_core_name/m_axis] [get_bd_intf_pins $sf_dma_name/S_AXIS_S2MM]

# one clock (the PS's PL clock 0) and one reset domain
set sf_clock_pins [list \
    $sf_ps_name/$sf_ps_master_clk $sf_ps_name/$sf_ps_slave_clk \
    $sf_core_name/ap_clk \
    $sf_dma_name/s_axi_lite_aclk $sf_dma_name/m_axi_mm2s_aclk $sf_dma_name/m_axi_s2mm_aclk \
    ctrl_interconnect/ACLK ctrl_interconnect/S00_ACLK ctrl_interconnect/M00_ACLK \
    mem_interconnect/ACLK mem_interconnect/S00_ACLK mem_interconnect/S01_ACLK mem_interconnect/M00_ACLK \
    rst_pl/slowest_sync_clk]
connect_bd_net [get_bd_pins $sf_ps_name/$sf_ps_clk] {*}[get_bd_pins $sf_clock_pins]
connect_bd_net [get_bd_pins $sf_ps_name/$sf_ps_resetn] [get_bd_pins rst_pl/ext_reset_in]
connect_bd_net [get_bd_pins rst_pl/interconnect_aresetn] \
    {*}[get_bd_pins [list ctrl_interconnect/ARESETN mem_interconnect/ARESETN]]
connect_bd_net [get_bd_pins rst_pl/peripheral_aresetn] {*}[get_bd_pins [list \
    $sf_core_name/ap_rst_n $sf_dma_name/axi_resetn \
    ctrl_interconnect/S00_ARESETN ctrl_interconnect/M00_ARESETN \
    mem_interconnect/S00_ARESETN mem_interconnect/S01_ARESETN mem_interconnect/M00_ARESETN]]

# addresses: the DMA's registers at the board's usual PL base, DDR for both DMA masters
assign_bd_address
set sf_reg_seg [get_bd_addr_segs -of_objects [get_bd_addr_spaces $sf_ps_name/$sf_ps_data_space] \
    -filter "NAME =~ *$sf_dma_name*"]
set_property offset $sf_control_base $sf_reg_seg
set_property range 64K $sf_reg_seg

validate_bd_design
save_bd_design

# ---- 4. wrapper, implementation, timing, outputs ---------------------------------------------
set sf_bd_file [get_files $sf_bd.bd]
generate_target all $sf_bd_file
set sf_wrapper [make_wrapper -files $sf_bd_file -top]
add_files -norecurse $sf_wrapper
set_property top ${sf_bd}_wrapper [current_fileset]
update_compile_order -fileset sources_1

launch_runs impl_1 -to_step write_bitstream -jobs $sf_jobs
wait_on_run impl_1
if {[get_property PROGRESS [get_runs impl_1]] ne "100%"} {
    sf_fail "implementation did not finish: [get_property STATUS [get_runs impl_1]]"
}
set sf_wns [get_property STATS.WNS [get_runs impl_1]]
set sf_whs [get_property STATS.WHS [get_runs impl_1]]
if {$sf_wns eq "" || $sf_wns < 0 || $sf_whs < 0} {
    sf_fail "timing not met at $sf_clock_mhz MHz (WNS $sf_wns ns, WHS $sf_whs ns): lower --clock or the lanes"
}
set sf_period [expr {1000.0 / $sf_clock_mhz}]
set sf_achieved [expr {1000.0 / ($sf_period - $sf_wns)}]

set sf_impl_dir [get_property DIRECTORY [get_runs impl_1]]
set sf_bits [glob -nocomplain -directory $sf_impl_dir *.bit]
if {[llength $sf_bits] != 1} {
    sf_fail "expected one bitstream in $sf_impl_dir, found [llength $sf_bits]"
}
set sf_hwhs [glob -nocomplain -directory [file join $sf_build $sf_project] \
    -types f */sources_1/bd/$sf_bd/hw_handoff/$sf_bd.hwh]
if {[llength $sf_hwhs] == 0} {
    sf_fail "no hardware handoff file $sf_bd.hwh was generated"
}
file copy -force [lindex $sf_bits 0] [file join $sf_out $sf_overlay.bit]
file copy -force [lindex $sf_hwhs 0] [file join $sf_out $sf_overlay.hwh]

set sf_json [open [file join $sf_out spikeforge.json] w]
puts $sf_json "\{"
puts $sf_json "  \"format\": \"spikeforge-overlay\","
puts $sf_json "  \"board\": \"$sf_board\","
puts $sf_json "  \"part\": \"$sf_part\","
puts $sf_json "  \"model_sha256\": \"$sf_model_sha256\","
puts $sf_json "  \"n_inputs\": $sf_n_inputs,"
puts $sf_json "  \"n_outputs\": $sf_n_outputs,"
puts $sf_json "  \"backend\": \"$sf_backend\","
puts $sf_json "  \"clock_mhz_requested\": $sf_clock_mhz,"
puts $sf_json "  \"clock_mhz_achieved\": [format %.3f $sf_achieved],"
puts $sf_json "  \"wns_ns\": $sf_wns,"
puts $sf_json "  \"core\": \"$sf_core_name\","
puts $sf_json "  \"dma\": \"$sf_dma_name\","
puts $sf_json "  \"bitfile\": \"$sf_overlay.bit\""
puts $sf_json "\}"
close $sf_json
puts "spikeforge: wrote [file join $sf_out $sf_overlay.bit] ($sf_board, [format %.1f $sf_achieved] MHz achievable)"
