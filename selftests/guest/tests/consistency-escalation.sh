# Escalation and force. livepatch.ko runs with short rounds (200 ms) and
# escalates every 3 rounds, so what upstream does after 15 s happens here
# after 0.6 s.
. /lprs/guest/lib.sh
insmod $MODDIR/livepatch.ko transition_retry_ms=200 signal_rounds=3
insmod $MODDIR/lprs_test_sleeper.ko
P=lprs_patch_sleeper
echo hold > $SLEEPER_CTL
# Readers use read(2) (bash's read): busybox cat's sendfile() would be
# restarted after the fake signal and call the function again.
reader() { bash -c 'read -r x < /proc/lprs_sleeper; echo "$x"' > "$1" & }

start_case "escalation: a fake signal moves a user task out of the old function"
reader /tmp/r1.out
r1=$!
wait_until 10 sleepers_inside 1 || fail "reader not inside"
expect_ok insmod $MODDIR/$P.ko
expect_eq "escalate default" "$(cat $LP_SYSFS/$P/escalate)" 1
wait_until 10 transition_done $P || fail "transition did not complete"
expect_dmesg "livepatch: signaling remaining tasks"
wait $r1
expect_eq "the signalled reader's answer" "$(cat /tmp/r1.out)" original
sleepers_inside 0 || fail "a task is still inside the old function"
expect_ok sh -c "echo 0 > $LP_SYSFS/$P/enabled"
wait_until 10 patch_gone $P || fail "patch not removed"
expect_ok rmmod $P

start_case "escalate=0: no fake signal, the task stays in the old function"
reader /tmp/r2.out
r2=$!
wait_until 10 sleepers_inside 1 || fail "reader not inside"
expect_ok insmod $MODDIR/$P.ko
expect_ok sh -c "echo 0 > $LP_SYSFS/$P/escalate"
sleep 3
in_transition $P || fail "transition ended"
kill -0 $r2 2>/dev/null || fail "the reader was interrupted"
sleepers_inside 1 || fail "the reader left the old function"
expect_no_dmesg "signaling remaining tasks"
grep -q "^$r2 bash sleeping-in lprs_sleeper_call+" $PENDING || fail "reader not pending: $(cat $PENDING)"
expect_eq "escalate" "$(cat $LP_SYSFS/$P/escalate)" 0
expect_err "Invalid argument" sh -c "echo x > $LP_SYSFS/$P/escalate"

start_case "escalate=1 later: the task is signalled and switches"
expect_ok sh -c "echo 1 > $LP_SYSFS/$P/escalate"
wait_until 10 transition_done $P || fail "transition did not complete"
wait $r2
expect_eq "the reader's answer" "$(cat /tmp/r2.out)" original
expect_dmesg "livepatch: signaling remaining tasks"

start_case "force while unpatching: a task inside the new function, module kept for ever"
echo 1 > /sys/module/$P/parameters/hold
reader /tmp/r3.out
r3=$!
sleep 0.5
expect_ok sh -c "echo 0 > $LP_SYSFS/$P/escalate"
expect_ok sh -c "echo 0 > $LP_SYSFS/$P/enabled"
sleep 1
in_transition $P || fail "unpatching did not wait for the task in the new function"
grep -q "^$r3 bash sleeping-in lprs_patched_sleeper_call+0x[0-9a-f]*/0x[0-9a-f]* \[$P\]$" $PENDING ||
	fail "reader not pending in the new function: $(cat $PENDING)"
expect_ok sh -c "echo 1 > $LP_SYSFS/$P/force"
expect_dmesg "livepatch: forcing remaining tasks to the patched state"
expect_dmesg "livepatch: '$P': forced out: its module stays loaded until reboot"
wait_until 5 patch_gone $P || fail "patch not removed after force"
expect_eq "a new reader" "$(timeout 5 cat /proc/lprs_sleeper 2>&1)" original
kill -0 $r3 2>/dev/null || fail "the reader in the new function is gone"
echo 0 > /sys/module/$P/parameters/hold
wait $r3
expect_eq "the reader inside the new function finished it" "$(cat /tmp/r3.out)" patched
expect_err "in use" rmmod $P
expect_eq "refcnt stays" "$(cat /sys/module/$P/refcnt)" 1

start_case "force when no transition runs is refused"
echo release > $SLEEPER_CTL
expect_ok insmod $MODDIR/lprs_patch_a.ko
wait_until 10 transition_done lprs_patch_a || fail "transition did not complete"
expect_err "Invalid argument" sh -c "echo 1 > $LP_SYSFS/lprs_patch_a/force"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_a/force"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_a/enabled"
wait_until 10 patch_gone lprs_patch_a || fail "patch not removed"
expect_ok rmmod lprs_patch_a
end_test
