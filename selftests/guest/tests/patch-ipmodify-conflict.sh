# Two IPMODIFY users of one function cannot coexist: a kprobe with a
# post_handler, or an fentry hook (ftrace direct call, as BPF attaches), and
# a live patch refuse each other cleanly, in either order; a kprobe without
# post_handler coexists with the patch.
. /lprs/guest/lib.sh
load_runtime
orig=$(cat /proc/cmdline)

start_case "patch first: a kprobe with post_handler is not armed"
expect_ok insmod $MODDIR/lprs_patch_a.ko
# Linux 7.2's __register_kprobe() drops the probe when arming fails but
# returns 0, so the module loads; the probe must not be active, though.
insmod $MODDIR/lprs_test_kprobe.ko post_handler=1 2>/dev/null
grep -q cmdline_proc_show /sys/kernel/debug/kprobes/list && fail "the kprobe is armed on the patched function"
expect_eq "ftrace users of cmdline_proc_show" \
	"$(grep -c '^cmdline_proc_show ' /sys/kernel/tracing/enabled_functions)" 1
expect_eq "still patched" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
rmmod lprs_test_kprobe 2>/dev/null

start_case "patch first: a kprobe without post_handler coexists"
expect_ok insmod $MODDIR/lprs_test_kprobe.ko post_handler=0
expect_eq "still patched" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
expect_ok rmmod lprs_test_kprobe
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_a/enabled"
sleep 0.3
expect_ok rmmod lprs_patch_a

start_case "kprobe first: the patch is refused and nothing is left"
expect_ok insmod $MODDIR/lprs_test_kprobe.ko post_handler=1
expect_err "Device or resource busy" insmod $MODDIR/lprs_patch_a.ko
expect_dmesg "livepatch: failed to register ftrace handler for function 'cmdline_proc_show' \(-16\)"
expect_eq "patches left" "$(ls -A $LP_SYSFS | wc -l)" 0
expect_eq "not patched" "$(cat /proc/cmdline)" "$orig"
expect_ok rmmod lprs_test_kprobe

start_case "the patch applies once the kprobe is gone"
expect_ok insmod $MODDIR/lprs_patch_a.ko
expect_eq "patched" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_a/enabled"
sleep 0.3
expect_ok rmmod lprs_patch_a

FENTRY_HITS=/sys/module/lprs_test_fentry/parameters/hits
start_case "fentry hook first: the patch is refused and the hook keeps working"
expect_ok insmod $MODDIR/lprs_test_fentry.ko
cat /proc/cmdline > /dev/null
hits=$(cat $FENTRY_HITS)
[ "$hits" -ge 1 ] || fail "the fentry hook did not run ($hits hits)"
expect_err "Device or resource busy" insmod $MODDIR/lprs_patch_a.ko
expect_dmesg "livepatch: failed to register ftrace handler for function 'cmdline_proc_show' \(-16\)"
expect_eq "patches left" "$(ls -A $LP_SYSFS | wc -l)" 0
expect_eq "not patched" "$(cat /proc/cmdline)" "$orig"
[ "$(cat $FENTRY_HITS)" -gt "$hits" ] || fail "the fentry hook stopped counting"
expect_ok rmmod lprs_test_fentry

start_case "patch first: the fentry hook is refused and the patch stays"
expect_ok insmod $MODDIR/lprs_patch_a.ko
expect_err "Device or resource busy" insmod $MODDIR/lprs_test_fentry.ko
expect_dmesg "lprs_test_fentry: register_ftrace_direct: -16"
expect_eq "still patched" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
expect_eq "ftrace users of cmdline_proc_show" \
	"$(grep -c '^cmdline_proc_show ' /sys/kernel/tracing/enabled_functions)" 1
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_a/enabled"
wait_until 10 patch_gone lprs_patch_a || fail "lprs_patch_a not gone"
expect_ok rmmod lprs_patch_a
expect_eq "restored" "$(cat /proc/cmdline)" "$orig"
expect_ok unload_runtime
end_test
