# The per-task consistency model: a user task and a kthread sleeping inside
# the old function keep running it and hold the transition (listed in the
# pending file with the reason) until they leave it; tasks that switched run
# the new function meanwhile; reversing a transition mid-way.
. /lprs/guest/lib.sh
load_runtime
insmod $MODDIR/lprs_test_sleeper.ko
P=lprs_patch_sleeper

start_case "a user task and a kthread sleeping in the old function hold the transition"
echo hold > $SLEEPER_CTL
echo kthread > $SLEEPER_CTL
cat /proc/lprs_sleeper > /tmp/reader.out &
reader=$!
wait_until 10 sleepers_inside 2 || fail "reader and kthread not inside the function"
kt=$(pid_of lprs_sleeper)
echo 'module livepatch +p' > /sys/kernel/debug/dynamic_debug/control
expect_ok insmod $MODDIR/$P.ko
sleep 2.5
expect_eq "transition" "$(cat $LP_SYSFS/$P/transition)" 1
pending=$(cat $PENDING)
echo "$pending" | sed 's/^/  pending: /'
[ "$(head -n1 <<< "$pending")" = "# $P patching" ] || fail "pending file header: $(head -n1 <<< "$pending")"
grep -qE "^$reader cat sleeping-in lprs_sleeper_call\+0x[0-9a-f]+/0x[0-9a-f]+ \[lprs_test_sleeper\]$" <<< "$pending" ||
	fail "the reader ($reader) is not listed as sleeping in lprs_sleeper_call"
grep -qE "^$kt lprs_sleeper sleeping-in lprs_sleeper_call\+" <<< "$pending" ||
	fail "the kthread ($kt) is not listed as sleeping in lprs_sleeper_call"
expect_eq "pending tasks" "$(grep -vc '^#' <<< "$pending")" 2
expect_eq "the kthread's last answer" "$(kthread_answer)" none
# Upstream's per-task debug lines, under the same function name.
expect_dmesg "livepatch: klp_try_switch_task: cat:$reader is sleeping on function lprs_sleeper_call \[lprs_test_sleeper\]"
expect_dmesg "livepatch: klp_try_switch_task: lprs_sleeper:$kt is sleeping on function lprs_sleeper_call"
echo 'module livepatch -p' > /sys/kernel/debug/dynamic_debug/control

start_case "a task that switched runs the new function meanwhile"
# This shell switched (it sleeps elsewhere), and children start in their
# parent's state: the hold does not apply to the new function.
expect_eq "a new reader" "$(timeout 5 cat /proc/lprs_sleeper)" patched
sleepers_inside 2 || fail "the old sleepers left early"

start_case "the sleepers run the old function to its end, then switch"
echo release > $SLEEPER_CTL
wait $reader
expect_eq "the blocked reader's answer" "$(cat /tmp/reader.out)" original
wait_until 10 transition_done $P || fail "transition did not complete"
wait_until 5 eval '[ "$(kthread_answer)" = patched ]' || fail "kthread answers '$(kthread_answer)'"
expect_eq "pending file after completion" "$(cat $PENDING)" ""
expect_dmesg "livepatch: '$P': patching complete"

start_case "unpatching waits for nobody and restores the old function"
expect_ok sh -c "echo 0 > $LP_SYSFS/$P/enabled"
wait_until 10 patch_gone $P || fail "patch still in sysfs"
wait_until 5 eval '[ "$(kthread_answer)" = original ]' || fail "kthread answers '$(kthread_answer)'"
expect_ok rmmod $P

start_case "reversing a patching transition mid-way"
echo hold > $SLEEPER_CTL
wait_until 10 sleepers_inside 1 || fail "kthread not inside the function"
expect_ok insmod $MODDIR/$P.ko
sleep 1.5
in_transition $P || fail "not in transition"
expect_eq "switched shell sees" "$(timeout 5 cat /proc/lprs_sleeper)" patched
expect_ok sh -c "echo 0 > $LP_SYSFS/$P/enabled"
# The kthread never switched: it is where the reversed transition goes.
wait_until 10 patch_gone $P || fail "reversed transition did not complete"
expect_dmesg "livepatch: '$P': starting unpatching transition"
expect_dmesg "livepatch: '$P': unpatching complete"
sleepers_inside 1 || fail "the kthread left the old function"
echo release > $SLEEPER_CTL
wait_until 5 sleepers_inside 0 || fail "kthread still inside"
expect_eq "a new reader" "$(timeout 5 cat /proc/lprs_sleeper)" original
expect_ok rmmod $P

start_case "cleanup"
expect_ok sh -c "echo stop > $SLEEPER_CTL"
expect_ok rmmod lprs_test_sleeper
expect_ok unload_runtime
end_test
