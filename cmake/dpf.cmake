# Helpers shared by every CMakeLists of the project.
#
# dpf_pure_library(NAME SOURCES... [LIBS ...]) — a logic library that must not link DPDK
#   (ARCHITECTURE.md: logic is pure and DPDK-free). dpf_check_purity() fails the configure
#   step if one of them ends up linking DPDK, directly or through another library.
# dpf_unit_test(NAME SOURCES... LIBS ...) — a Catch2 v2 test executable registered with CTest.
# dpf_eal_test(NAME SOURCES... LIBS ...) — the same for tests that need EAL (see below).

set_property(GLOBAL PROPERTY DPF_PURE_LIBS "")

function(dpf_pure_library name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_compile_options(${name} PRIVATE ${DPF_WARNINGS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  if(A_LIBS)
    target_link_libraries(${name} PUBLIC ${A_LIBS})
  endif()
  set_property(GLOBAL APPEND PROPERTY DPF_PURE_LIBS ${name})
endfunction()

function(_dpf_links_dpdk target out)
  set(found FALSE)
  if(TARGET ${target})
    get_target_property(libs ${target} INTERFACE_LINK_LIBRARIES)
    get_target_property(libs2 ${target} LINK_LIBRARIES)
    foreach(l IN LISTS libs libs2)
      if(l MATCHES "DPDK|dpdk|rte_")
        set(found TRUE)
      elseif(TARGET ${l} AND NOT l STREQUAL target)
        _dpf_links_dpdk(${l} sub)
        if(sub)
          set(found TRUE)
        endif()
      endif()
    endforeach()
  endif()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

function(dpf_check_purity)
  get_property(pure GLOBAL PROPERTY DPF_PURE_LIBS)
  foreach(lib IN LISTS pure)
    _dpf_links_dpdk(${lib} bad)
    if(bad)
      message(FATAL_ERROR "${lib} is a pure library but links DPDK")
    endif()
  endforeach()
endfunction()

function(dpf_unit_test name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_compile_options(${name} PRIVATE ${DPF_WARNINGS})
  target_link_libraries(${name} PRIVATE dpf_catch_main ${A_LIBS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()

# dpf_eal_test(NAME SOURCES... LIBS ...) — a Catch2 v2 test that starts EAL itself (no hugepages,
#   no PCI, its own file prefix: tests/unit/eal_main.cpp), registered with CTest.
function(dpf_eal_test name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${PROJECT_SOURCE_DIR}/tests/unit/eal_main.cpp ${A_SOURCES})
  target_compile_options(${name} PRIVATE ${DPF_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE Catch2::Catch2 ${A_LIBS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()
