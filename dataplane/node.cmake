# The dpf executable: thin DPDK glue over the pure libraries.
add_executable(dpf
  ${CMAKE_CURRENT_LIST_DIR}/carp_node.cpp
  ${CMAKE_CURRENT_LIST_DIR}/main.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pf.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pf_load.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pf_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ports.cpp
  ${CMAKE_CURRENT_LIST_DIR}/slowpath.cpp
  ${CMAKE_CURRENT_LIST_DIR}/worker.cpp)
target_compile_options(dpf PRIVATE ${DPF_WARNINGS})
target_include_directories(dpf PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(dpf PRIVATE dpf_net dpf_route dpf_config dpf_rest dpf_pfconf dpf_filter
  dpf_state dpf_state_table dpf_pfsync dpf_pfsync_glue dpf_carp PkgConfig::DPDK)
