# Unloading things at the wrong time: the runtime while patches exist, an
# enabled patch's module, the target module in the middle of a transition.
# Each is refused or handled with the patch state intact.
. /lprs/guest/lib.sh
insmod $MODDIR/livepatch.ko transition_retry_ms=100
insmod $MODDIR/lprs_test_sleeper.ko
insmod $MODDIR/lprs_test_target.ko
A=lprs_patch_a V=lprs_stress_v2
orig=$(cat /proc/cmdline)

start_case "rmmod livepatch is refused while a patch module is loaded"
expect_ok insmod $MODDIR/$A.ko
expect_err "is in use" rmmod livepatch
grep -q '^livepatch ' /proc/modules || fail "livepatch was unloaded"
expect_eq "still patched" "$(cat /proc/cmdline)" "$A: patched"
[ -d $LP_SYSFS/$A ] || fail "$LP_SYSFS/$A is gone"

start_case "rmmod of an enabled patch's module is refused"
expect_err "is in use" rmmod $A
grep -q "^$A " /proc/modules || fail "$A was unloaded"
expect_eq "still patched" "$(cat /proc/cmdline)" "$A: patched"
expect_eq "enabled" "$(cat $LP_SYSFS/$A/enabled)" 1

start_case "a disabled patch's module unloads; the runtime still refuses until then"
expect_ok disable_patch $A
expect_eq "restored" "$(cat /proc/cmdline)" "$orig"
expect_err "is in use" rmmod livepatch
expect_ok rmmod $A

start_case "the target module unloaded in the middle of a transition"
echo hold > $SLEEPER_CTL
read_answer /proc/lprs_sleeper > /tmp/held.out &
held=$!
wait_until 10 sleepers_inside 1 || fail "no task inside the sleeper"
expect_ok insmod $MODDIR/$V.ko
wait_until 5 in_transition $V || fail "$V not in transition"
expect_ok rmmod lprs_test_target
expect_dmesg "livepatch: reverting patch '$V' on unloading module 'lprs_test_target'"
[ -e $LP_SYSFS/$V/lprs_test_target ] && expect_eq "object patched" \
	"$(cat $LP_SYSFS/$V/lprs_test_target/patched)" 0
expect_eq "still in transition" "$(cat $LP_SYSFS/$V/transition)" 1
echo release > $SLEEPER_CTL
wait_until 30 transition_done $V || fail "transition did not complete: $(cat $PENDING)"
wait $held
expect_eq "the held reader (old function)" "$(cat /tmp/held.out)" original
expect_eq "sleeper after the transition" "$(read_answer /proc/lprs_sleeper)" v2

start_case "the target module loaded again is patched before its init runs"
expect_ok insmod $MODDIR/lprs_test_target.ko
expect_dmesg "livepatch: applying patch '$V' to loading module 'lprs_test_target'"
expect_dmesg "lprs_test_target: init: v2"
expect_eq "target" "$(read_answer /proc/lprs_test_target)" v2
expect_eq "object patched" "$(cat $LP_SYSFS/$V/lprs_test_target/patched)" 1

start_case "the target module loaded in the middle of a disabling transition"
expect_ok rmmod lprs_test_target
# A reader sleeping in the new function keeps the unpatching waiting.
echo 1 > /sys/module/$V/parameters/hold
read_answer /proc/lprs_sleeper > /tmp/held.out &
held=$!
expect_ok sh -c "echo 0 > $LP_SYSFS/$V/enabled"
wait_until 5 in_transition $V || fail "$V not in transition"
wait_until 10 grep -q "^$held .* sleeping-in lprs_stress_answer" $PENDING ||
	fail "reader not pending in lprs_stress_answer: $(cat $PENDING)"
expect_ok insmod $MODDIR/lprs_test_target.ko
expect_dmesg "livepatch: applying patch '$V' to loading module 'lprs_test_target'"
expect_eq "still in transition" "$(cat $LP_SYSFS/$V/transition)" 1
echo 0 > /sys/module/$V/parameters/hold
wait_until 30 patch_gone $V || fail "unpatching did not complete: $(cat $PENDING)"
wait $held
expect_eq "the held reader (new function)" "$(cat /tmp/held.out)" v2
expect_eq "target after unpatching" "$(read_answer /proc/lprs_test_target)" original
expect_eq "sleeper after unpatching" "$(read_answer /proc/lprs_sleeper)" original
expect_ok rmmod $V

start_case "everything unloads in order; a new patch applies and reverts"
expect_ok rmmod lprs_test_target
expect_ok rmmod lprs_test_sleeper
expect_ok insmod $MODDIR/$A.ko
expect_eq "patched" "$(cat /proc/cmdline)" "$A: patched"
expect_ok disable_patch $A
expect_ok rmmod $A
expect_eq "restored" "$(cat /proc/cmdline)" "$orig"
expect_ok unload_runtime
end_test
