# A patched function stays traceable: the function tracer on the old
# function, set up before or after the patch, keeps recording its calls
# while the new function runs; the patch applies and reverts unaffected.
. /lprs/guest/lib.sh
load_runtime
orig=$(cat /proc/cmdline)
TR=/sys/kernel/tracing
traced_calls() { grep -c " ${1:-cmdline_proc_show} <-" $TR/trace; }
# traced_per_read [FUNC]: how many calls of FUNC one read of /proc/cmdline
# adds to the trace (insmod reads /proc/cmdline too, so count around it).
traced_per_read() {
	local n0
	n0=$(traced_calls "$@")
	read_answer /proc/cmdline > /dev/null
	echo $(($(traced_calls "$@") - n0))
}
trace_on() { echo cmdline_proc_show > $TR/set_ftrace_filter && echo function > $TR/current_tracer && echo > $TR/trace; }
trace_off() { echo nop > $TR/current_tracer && echo > $TR/set_ftrace_filter; }
unpatch() { echo 0 > $LP_SYSFS/lprs_patch_a/enabled && wait_until 10 patch_gone lprs_patch_a && rmmod lprs_patch_a; }

start_case "tracing first: the patch applies and the calls are still traced"
expect_ok trace_on
expect_eq "traced calls of a read before the patch" "$(traced_per_read)" 1
expect_ok insmod $MODDIR/lprs_patch_a.ko
expect_eq "patched" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
expect_eq "traced calls of a read after the patch" "$(traced_per_read)" 1
expect_eq "ftrace users of cmdline_proc_show" \
	"$(grep -c '^cmdline_proc_show ' $TR/enabled_functions)" 1
expect_ok unpatch
expect_eq "restored" "$(cat /proc/cmdline)" "$orig"
expect_ok trace_off

start_case "patch first: tracing the patched function works and ends cleanly"
expect_ok insmod $MODDIR/lprs_patch_a.ko
expect_ok trace_on
expect_eq "patched" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
expect_eq "traced calls of a read" "$(traced_per_read)" 1
expect_ok trace_off
expect_eq "still patched" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
expect_ok unpatch
expect_eq "restored" "$(cat /proc/cmdline)" "$orig"

start_case "the replacement itself can be traced"
expect_ok insmod $MODDIR/lprs_patch_a.ko
expect_ok sh -c "echo lprs_cmdline_proc_show > $TR/set_ftrace_filter && echo function > $TR/current_tracer && echo > $TR/trace"
expect_eq "patched" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
expect_eq "traced calls of the new function" "$(traced_per_read lprs_cmdline_proc_show)" 1
expect_ok trace_off
expect_ok unpatch
expect_ok unload_runtime
end_test
