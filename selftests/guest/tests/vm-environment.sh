# The guest has what the runtime and the kernel's livepatch selftests need.
. /lprs/guest/lib.sh

start_case "two CPUs are online"
expect_eq "online CPUs" "$(cat /sys/devices/system/cpu/online)" 0-1

start_case "kernel has no built-in livepatch core and has the runtime's needs"
[ -e $LP_SYSFS ] && fail "$LP_SYSFS exists before the runtime is loaded"
grep -q ' kallsyms_lookup_name$' /proc/kallsyms || fail "kallsyms_lookup_name not in kallsyms"
grep -q ' klp_enable_patch$' /proc/kallsyms && fail "klp_enable_patch found in vmlinux"
[ -e /sys/kernel/debug/dynamic_debug/control ] || fail "no dynamic debug control"
[ -e /sys/kernel/tracing/available_filter_functions ] || fail "no tracefs"
[ -e /sys/kernel/debug/kprobes/enabled ] || fail "no kprobes in debugfs"
expect_eq "ftrace_enabled" "$(cat /proc/sys/kernel/ftrace_enabled)" 1

start_case "GNU tools the upstream selftests use"
expect_ok date --rfc-3339=ns
expect_ok sysctl --values kernel.ftrace_enabled
expect_eq "stat --format" "$(stat --format=%A /proc)" dr-xr-xr-x
expect_ok modinfo $MODDIR/livepatch.ko
[ "${BASH_VERSINFO[0]}" -ge 5 ] || fail "bash too old"
end_test
