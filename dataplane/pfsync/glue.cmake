# The DPDK side of pfsync (table store, sync lcore), compile-checked as a library of its own.
# Included from dataplane/pfsync/CMakeLists.txt when the dataplane is built. The node adds
# ${DPF_PFSYNC_GLUE_SOURCES} to its executable (or links dpf_pfsync_glue).
set(DPF_PFSYNC_GLUE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/table_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../sync_lcore.cpp
  CACHE INTERNAL "pfsync glue sources")
add_library(dpf_pfsync_glue STATIC ${DPF_PFSYNC_GLUE_SOURCES})
target_compile_options(dpf_pfsync_glue PRIVATE ${DPF_WARNINGS})
target_include_directories(dpf_pfsync_glue PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dpf_pfsync_glue PUBLIC dpf_pfsync dpf_state_table PkgConfig::DPDK)
