# The runtime module creates /sys/kernel/livepatch on load and removes it on
# unload, and can be loaded again.
. /lprs/guest/lib.sh

start_case "insmod creates an empty /sys/kernel/livepatch"
expect_ok load_runtime
[ -d $LP_SYSFS ] || fail "$LP_SYSFS missing after insmod"
expect_eq "entries in $LP_SYSFS" "$(ls -A $LP_SYSFS 2>/dev/null | wc -l)" 0
expect_eq "mode of $LP_SYSFS" "$(stat --format=%A $LP_SYSFS)" drwxr-xr-x
expect_no_dmesg 'livepatch: .*(refus|cannot|fail)'

start_case "the module reports itself as livepatch-rs"
expect_eq "module name" "$(modinfo -F name $MODDIR/livepatch.ko)" livepatch
expect_eq "license" "$(modinfo -F license $MODDIR/livepatch.ko)" GPL
grep -q '^livepatch ' /proc/modules || fail "livepatch not in /proc/modules"

start_case "rmmod removes /sys/kernel/livepatch"
expect_ok unload_runtime
[ ! -e $LP_SYSFS ] || fail "$LP_SYSFS still present after rmmod"

start_case "the runtime loads again after unloading"
expect_ok load_runtime
[ -d $LP_SYSFS ] || fail "$LP_SYSFS missing after second insmod"
expect_ok unload_runtime
end_test
