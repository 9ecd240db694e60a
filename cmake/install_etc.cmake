# Runs at install time (cmake --install, cpack): installs what depends on where dpf is installed,
# the systemd unit naming the installed dpf and cluster file, and the cluster file's directory.
# CMAKE_INSTALL_PREFIX is the prefix being installed to; file(INSTALL) adds $DESTDIR itself.
# As GNUInstallDirs: the configuration of a /usr install is in /etc, otherwise in PREFIX/etc.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(dpf_etc "/etc/dpf")
else()
  set(dpf_etc "${CMAKE_INSTALL_PREFIX}/etc/dpf")
endif()
set(dpf_sbin "${CMAKE_INSTALL_PREFIX}/${DPF_SBINDIR}")

file(READ "${DPF_SOURCE_DIR}/dist/systemd/dpf@.service.in" unit)
string(REPLACE "@DPF_SBIN_DIR@" "${dpf_sbin}" unit "${unit}")
string(REPLACE "@DPF_ETC_DIR@" "${dpf_etc}" unit "${unit}")
file(WRITE "${DPF_BINARY_DIR}/install/dpf@.service" "${unit}")
file(INSTALL "${DPF_BINARY_DIR}/install/dpf@.service"
     DESTINATION "${CMAKE_INSTALL_PREFIX}/${DPF_UNITDIR}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE
     GROUP_READ WORLD_READ)
# /etc/dpf holds a README only: the cluster file is the operator's (a node needs its own).
file(INSTALL "${DPF_SOURCE_DIR}/dist/etc/README" DESTINATION "${dpf_etc}"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
