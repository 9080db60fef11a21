# Atomic replace: a cumulative patch takes over a stack of three patches in
# one transition, their modules become removable; tasks not yet switched
# keep running the newest replaced function, not the original; a replace
# while another patch is in transition is refused with EBUSY.
. /lprs/guest/lib.sh
insmod $MODDIR/livepatch.ko transition_retry_ms=3000
orig=$(cat /proc/cmdline)
R=lprs_patch_replace

start_case "replace a stack three deep"
for p in a b c; do
	expect_ok insmod $MODDIR/lprs_patch_$p.ko
	wait_until 10 transition_done lprs_patch_$p || fail "lprs_patch_$p did not complete"
done
expect_eq "top of the stack" "$(cat /proc/cmdline)" "lprs_patch_c: patched"
expect_ok insmod $MODDIR/$R.ko
wait_until 10 transition_done $R || fail "replace did not complete"
expect_eq "after replace" "$(cat /proc/cmdline)" "$R: patched"
for p in a b c; do
	wait_until 5 patch_gone lprs_patch_$p || fail "lprs_patch_$p still in sysfs"
	expect_ok rmmod lprs_patch_$p
done
expect_eq "stack_order" "$(cat $LP_SYSFS/$R/stack_order)" 1
expect_eq "replace attribute" "$(cat $LP_SYSFS/$R/replace)" 1
expect_ok sh -c "echo 0 > $LP_SYSFS/$R/enabled"
wait_until 10 patch_gone $R || fail "replace patch not removed"
expect_ok rmmod $R
expect_eq "after disabling" "$(cat /proc/cmdline)" "$orig"

start_case "during the transition, a task not yet switched runs the replaced patch's function"
expect_ok insmod $MODDIR/lprs_test_sleeper.ko
echo kthread > $SLEEPER_CTL
expect_ok insmod $MODDIR/lprs_patch_sleeper.ko
wait_until 10 transition_done lprs_patch_sleeper || fail "lprs_patch_sleeper did not complete"
wait_until 5 eval '[ "$(kthread_answer)" = patched ]' || fail "kthread answers '$(kthread_answer)'"
# The kthread sleeps in lprs_patch_sleeper's function, which the replace
# patch turns into a no-op (the original code): it holds the transition.
echo 1 > /sys/module/lprs_patch_sleeper/parameters/hold_kthread
sleep 0.3
expect_ok insmod $MODDIR/$R.ko
sleep 0.5
in_transition $R || fail "not in transition"
grep -q "lprs_sleeper sleeping-in lprs_patched_sleeper_call+" $PENDING || fail "kthread not pending: $(cat $PENDING)"
expect_eq "a switched task" "$(cat /proc/lprs_sleeper)" original
expect_eq "cmdline, switched task" "$(cat /proc/cmdline)" "$R: patched"
echo 0 > /sys/module/lprs_patch_sleeper/parameters/hold_kthread
# Until the next round (3 s) the kthread is not switched: it keeps calling
# the newest function of the patch being replaced.
sleep 0.5
in_transition $R || fail "transition ended before the next round"
expect_eq "the kthread, not switched" "$(kthread_answer)" patched
wait_until 10 transition_done $R || fail "replace did not complete"
wait_until 5 eval '[ "$(kthread_answer)" = original ]' || fail "kthread answers '$(kthread_answer)'"
wait_until 5 patch_gone lprs_patch_sleeper || fail "replaced patch still in sysfs"
expect_ok rmmod lprs_patch_sleeper

start_case "a replace while another patch is in transition is refused with EBUSY"
expect_ok sh -c "echo 0 > $LP_SYSFS/$R/enabled"
wait_until 10 patch_gone $R || fail "replace patch not removed"
expect_ok rmmod $R
echo hold > $SLEEPER_CTL
wait_until 5 sleepers_inside 1 || fail "kthread not inside"
expect_ok insmod $MODDIR/lprs_patch_sleeper.ko
in_transition lprs_patch_sleeper || fail "not in transition"
expect_err "Device or resource busy" insmod $MODDIR/$R.ko
expect_dmesg "livepatch: patch '$R': cannot enable while patch 'lprs_patch_sleeper' is in transition"
[ -e $LP_SYSFS/$R ] && fail "the refused patch left a sysfs directory"
echo release > $SLEEPER_CTL
wait_until 10 transition_done lprs_patch_sleeper || fail "transition did not complete"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_sleeper/enabled"
wait_until 10 patch_gone lprs_patch_sleeper || fail "patch not removed"
expect_ok rmmod lprs_patch_sleeper
expect_ok sh -c "echo stop > $SLEEPER_CTL"
expect_ok rmmod lprs_test_sleeper
expect_ok unload_runtime
end_test
