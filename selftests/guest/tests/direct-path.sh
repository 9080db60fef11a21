# The direct path: once no transition needs a per-task decision (and
# direct_delay_ms later), a patched function's fentry site calls straight
# into livepatch.ko's stub (an ftrace direct call, "D" in enabled_functions)
# instead of ftrace's trampoline and handler ("I", IPMODIFY). A transition
# on the function puts it back on the handler until it completes; tasks not
# yet switched keep the old function meanwhile; unpatching removes the
# direct call; a module with a function on the direct path can go and come
# back; direct_calls=0 keeps the handler; other ftrace users share it or
# are refused as on the handler.
. /lprs/guest/lib.sh
EF=/sys/kernel/tracing/enabled_functions
# ftrace's view of FUNC: its enabled_functions line and the line after it
# (where the direct call's target is shown), or nothing when unhooked.
ftrace_of() { grep -A1 "^$1 " $EF | tr '\n' ' '; }
# on_direct_path FUNC: a direct call to our stub, and no IPMODIFY handler.
on_direct_path() {
	local l
	l=$(ftrace_of "$1")
	[[ $l == *" D "* && $l == *"direct-->lprs_direct_stub"* && $l != *" I "* ]]
}
on_handler() { [[ $(ftrace_of "$1") == *" I "* ]]; }
# A function takes the direct path direct_delay_ms (1 s) after a transition.
expect_direct() { wait_until 5 on_direct_path "$1" || fail "$1 not on the direct path: $(ftrace_of "$1")"; }
expect_handler() { on_handler "$1" || fail "$1 not on the handler: $(ftrace_of "$1")"; }
unhooked() { [ -z "$(ftrace_of "$1")" ]; }
expect_unhooked() { wait_until 5 unhooked "$1" || fail "$1 still hooked: $(ftrace_of "$1")"; }
answer() { read_answer /proc/lprs_sleeper; }
target() { read_answer /proc/lprs_test_target; }

load_runtime
insmod $MODDIR/lprs_test_sleeper.ko
insmod $MODDIR/lprs_test_target.ko
F=lprs_sleeper_call T=lprs_target_message

start_case "a patched function in steady state is called directly"
expect_unhooked $F
expect_ok insmod $MODDIR/lprs_patch_sleeper.ko
wait_until 10 transition_done lprs_patch_sleeper || fail "lprs_patch_sleeper did not settle"
expect_direct $F
expect_eq "answer" "$(answer)" patched
echo "  $(ftrace_of $F)"

start_case "a transition on it uses the handler; unswitched tasks keep the old function"
# A reader sleeps in the current new function (hold), so the next patch of
# the same function cannot switch it.
echo 1 > /sys/module/lprs_patch_sleeper/parameters/hold
answer > /tmp/held.out &
held=$!
sleep 0.5
echo kthread > $SLEEPER_CTL
expect_ok insmod $MODDIR/lprs_stress_v2.ko
sleep 1.5
in_transition lprs_stress_v2 || fail "the held reader did not keep the transition open"
expect_handler $F
expect_handler $T
expect_eq "a switched task's answer" "$(answer)" v2
expect_eq "the target, switched" "$(target)" v2
echo 0 > /sys/module/lprs_patch_sleeper/parameters/hold
wait $held
expect_eq "the held reader's answer (old function)" "$(cat /tmp/held.out)" patched
wait_until 10 transition_done lprs_stress_v2 || fail "lprs_stress_v2 did not settle"
expect_direct $F
expect_direct $T
expect_eq "answer after" "$(answer)" v2
expect_eq "the kthread's answer after" "$(sleep 0.1; kthread_answer)" v2

start_case "disabling the top patch goes back to the one below, directly"
expect_ok disable_patch lprs_stress_v2
expect_ok rmmod lprs_stress_v2
expect_direct $F
expect_eq "answer" "$(answer)" patched
expect_eq "the kthread's answer" "$(sleep 0.1; kthread_answer)" patched
expect_unhooked $T
expect_eq "target restored" "$(target)" original

start_case "a module with a function on the direct path goes and comes back"
expect_ok insmod $MODDIR/lprs_stress_v3.ko
wait_until 10 transition_done lprs_stress_v3 || fail "lprs_stress_v3 did not settle"
expect_direct $T
expect_eq "target" "$(target)" v3
expect_ok rmmod lprs_test_target
expect_unhooked $T
expect_ok insmod $MODDIR/lprs_test_target.ko
expect_direct $T
expect_eq "target, reloaded" "$(target)" v3
expect_eq "answer" "$(answer)" v3

start_case "unpatching removes the direct call"
expect_ok disable_patch lprs_stress_v3
expect_ok rmmod lprs_stress_v3
expect_ok disable_patch lprs_patch_sleeper
expect_ok rmmod lprs_patch_sleeper
echo stop > $SLEEPER_CTL
expect_unhooked $F
expect_unhooked $T
expect_eq "answer" "$(answer)" original
expect_eq "target" "$(target)" original
expect_ok unload_runtime

start_case "direct_calls=0 keeps the handler"
expect_ok insmod $MODDIR/livepatch.ko direct_calls=0
expect_ok insmod $MODDIR/lprs_patch_sleeper.ko
wait_until 10 transition_done lprs_patch_sleeper || fail "lprs_patch_sleeper did not settle"
expect_handler $F
[[ $(ftrace_of $F) == *" D "* ]] && fail "a direct call with direct_calls=0: $(ftrace_of $F)"
expect_eq "answer" "$(answer)" patched
expect_ok disable_patch lprs_patch_sleeper
expect_ok rmmod lprs_patch_sleeper
expect_unhooked $F
expect_ok unload_runtime

start_case "other ftrace users on a function on the direct path"
load_runtime
orig=$(cat /proc/cmdline)
C=cmdline_proc_show TR=/sys/kernel/tracing
expect_ok insmod $MODDIR/lprs_patch_a.ko
expect_direct $C
# A kprobe with a post handler needs IPMODIFY: ftrace asks us, we refuse;
# Linux 7.2 then drops the probe but loads the module.
insmod $MODDIR/lprs_test_kprobe.ko post_handler=1 2>/dev/null
grep -q $C /sys/kernel/debug/kprobes/list && fail "a kprobe with post_handler is armed on the direct path"
expect_dmesg "livepatch: refused sharing $C with another ftrace user that changes the return address"
rmmod lprs_test_kprobe 2>/dev/null
expect_ok insmod $MODDIR/lprs_test_kprobe.ko post_handler=0
grep -q $C /sys/kernel/debug/kprobes/list || fail "a kprobe without post_handler is not armed"
expect_eq "patched, with the kprobe" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
on_direct_path $C || fail "off the direct path with a kprobe: $(ftrace_of $C)"
expect_ok rmmod lprs_test_kprobe
expect_ok sh -c "echo $C > $TR/set_ftrace_filter && echo function > $TR/current_tracer && echo > $TR/trace"
n0=$(grep -c " $C <-" $TR/trace)
expect_eq "patched, traced" "$(read_answer /proc/cmdline)" "lprs_patch_a: patched"
expect_eq "traced calls of a read" "$(($(grep -c " $C <-" $TR/trace) - n0))" 1
expect_ok sh -c "echo nop > $TR/current_tracer && echo > $TR/set_ftrace_filter"
expect_err "Device or resource busy" insmod $MODDIR/lprs_test_fentry.ko
expect_direct $C
expect_ok disable_patch lprs_patch_a
expect_ok rmmod lprs_patch_a
expect_unhooked $C
expect_eq "restored" "$(cat /proc/cmdline)" "$orig"
expect_ok unload_runtime
rmmod lprs_test_target lprs_test_sleeper
end_test
