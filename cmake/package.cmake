# What `cmake --install` puts where (GNUInstallDirs), and the Debian package `cpack -G DEB`
# builds from it: dpf and dpfctl in sbin, the man pages, the examples from conf/, the systemd
# template unit dpf@.service, and /etc/dpf with a README (no cluster file: a node needs its own).
include(GNUInstallDirs)

set(DPF_UNITDIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit goes, relative to the install prefix")

if(TARGET dpf)
  install(TARGETS dpf RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
endif()
if(TARGET dpfctl)
  install(TARGETS dpfctl RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
endif()

# Man pages, gzipped as Debian ships them when gzip is there (-n: no name or time stamp, so the
# same page gives the same bytes).
set(DPF_MAN_PAGES dpf.8 dpfctl.8 dpf.yaml.5)
find_program(DPF_GZIP gzip)
set(man_outputs "")
foreach(page ${DPF_MAN_PAGES})
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section "${page}")
  set(src ${PROJECT_SOURCE_DIR}/doc/man/${page})
  if(DPF_GZIP)
    set(out ${PROJECT_BINARY_DIR}/man/${page}.gz)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND ${DPF_GZIP} -9n -c ${src} > ${out}
      DEPENDS ${src} VERBATIM)
    list(APPEND man_outputs ${out})
  else()
    set(out ${src})
  endif()
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(dpf_man ALL DEPENDS ${man_outputs})

install(FILES
  ${PROJECT_SOURCE_DIR}/conf/router.yaml ${PROJECT_SOURCE_DIR}/conf/router.pf.conf
  ${PROJECT_SOURCE_DIR}/conf/pfsync-pair.yaml ${PROJECT_SOURCE_DIR}/conf/pfsync-pair.pf.conf
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

install(CODE "
  set(DPF_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(DPF_BINARY_DIR \"${PROJECT_BINARY_DIR}\")
  set(DPF_SBINDIR \"${CMAKE_INSTALL_SBINDIR}\")
  set(DPF_UNITDIR \"${DPF_UNITDIR}\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/install_etc.cmake\")")

# The Debian package: dpf_VERSION_ARCH.deb. cpack installs into a staging root with DESTDIR and
# the prefix /usr, so the unit and /etc/dpf land where Debian has them.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dpf)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "DPDK firewall node with pf state tracking, pfsync and CARP")
set(CPACK_PACKAGE_DESCRIPTION "dpf runs a firewall node on DPDK ports: a pf.conf ruleset with \
pf's stateful filtering, pfsync state synchronisation and CARP address failover between nodes, \
described by one YAML cluster file, watched through a REST API and dpfctl, a pfctl-like client.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # Debian ships stripped binaries
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "dpf maintainers <root@localhost>" CACHE STRING
    "The Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the libraries the binaries link (dpkg-shlibdeps), when the tool is here.
# DPDK's drivers are plugins EAL loads at start, not linked: the ring mempool driver every pool
# needs is a dependency; the network drivers (virtual devices and NICs) come with librte-meta-net.
find_program(DPF_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(DPF_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "librte-mempool-ring23 (>= 22.11)")
else()
  message(STATUS "dpkg-shlibdeps not found: the Debian package's Depends are Debian 12's list")
  string(JOIN ", " CPACK_DEBIAN_PACKAGE_DEPENDS "librte-mempool-ring23 (>= 22.11)"
    "librte-eal23 (>= 22.11)" "librte-ethdev23 (>= 22.11)" "librte-hash23 (>= 22.11)"
    "librte-lpm23 (>= 22.11)" "librte-mbuf23 (>= 22.11)" "librte-mempool23 (>= 22.11)"
    "librte-rcu23 (>= 22.11)" "librte-ring23 (>= 22.11)" "libcpp-httplib0.11"
    "libyaml-cpp0.7 (>= 0.7.0)" "libssl3 (>= 3.0.0)" "libstdc++6 (>= 11)" "libc6 (>= 2.34)")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "librte-meta-net")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "dpdk")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/dist/debian/postinst ${PROJECT_SOURCE_DIR}/dist/debian/prerm
    ${PROJECT_SOURCE_DIR}/dist/debian/postrm ${PROJECT_SOURCE_DIR}/dist/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
