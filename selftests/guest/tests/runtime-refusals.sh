# The runtime refuses to load, with an errno and a log line, on a kernel
# whose /sys/kernel/livepatch is owned by someone else (a built-in core).
. /lprs/guest/lib.sh

start_case "refuses when /sys/kernel/livepatch already exists"
expect_ok insmod $MODDIR/lprs_test_squat.ko
[ -d $LP_SYSFS ] || fail "the squatter did not create $LP_SYSFS"
expect_err "Device or resource busy" load_runtime
expect_dmesg '^\[.*\] livepatch: refusing to load: /sys/kernel/livepatch exists, this kernel has a built-in livepatch core'
grep -q '^livepatch ' /proc/modules && fail "livepatch loaded anyway"

start_case "loads once the directory is free again"
expect_ok rmmod lprs_test_squat
expect_ok load_runtime
[ -d $LP_SYSFS ] || fail "$LP_SYSFS missing"
expect_ok unload_runtime
end_test
