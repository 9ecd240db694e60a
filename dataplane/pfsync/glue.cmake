# The DPDK side of pfsync (table store, sync lcore), compile-checked as a library of its own.
# Included from dataplane/pfsync/CMakeLists.txt when the dataplane is built.
