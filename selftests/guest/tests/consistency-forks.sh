# A fork storm during a transition: 40 threads read the patched function
# and fork children that read it once, while a kthread sleeping in the old
# function keeps the transition open. No thread goes back to the old
# function, no child of a switched thread runs it, and when the kthread
# leaves, the transition completes with nobody left behind.
. /lprs/guest/lib.sh
insmod $MODDIR/livepatch.ko transition_retry_ms=200
insmod $MODDIR/lprs_test_sleeper.ko
P=lprs_patch_sleeper

start_case "fork storm during a transition"
echo kthread > $SLEEPER_CTL
echo hold-kthread > $SLEEPER_CTL
wait_until 10 sleepers_inside 1 || fail "kthread not inside"
rm -f /tmp/stop
/lprs/bin/lprs-hammer /proc/lprs_sleeper 40 5 /tmp/stop 1 > /tmp/hammer.out 2>&1 &
hammer=$!
sleep 1
expect_ok insmod $MODDIR/$P.ko
sleep 4
in_transition $P || fail "transition ended while the kthread is inside the old function"
stop_hammer $hammer || fail "lprs-hammer found a violation: $(cat /tmp/hammer.out)"
echo "  $(cat /tmp/hammer.out)"
grep -q "forks=[1-9]" /tmp/hammer.out || fail "no forks happened: $(cat /tmp/hammer.out)"
# Only the kthread may be pending once the storm is over.
sleep 0.5
expect_eq "pending tasks" "$(grep -v '^#' $PENDING | awk '{print $2}' | tr '\n' ' ')" "lprs_sleeper "
echo release > $SLEEPER_CTL
wait_until 10 transition_done $P || fail "transition did not complete"

start_case "a second storm, unpatching"
rm -f /tmp/stop
/lprs/bin/lprs-hammer /proc/lprs_sleeper 40 5 /tmp/stop > /tmp/hammer.out 2>&1 &
hammer=$!
sleep 1
expect_ok sh -c "echo 0 > $LP_SYSFS/$P/enabled"
wait_until 20 patch_gone $P || fail "unpatching did not complete"
stop_hammer $hammer || fail "lprs-hammer found a violation: $(cat /tmp/hammer.out)"
echo "  $(cat /tmp/hammer.out)"
expect_eq "after unpatching" "$(cat /proc/lprs_sleeper)" original
expect_ok rmmod $P
expect_ok sh -c "echo stop > $SLEEPER_CTL"
expect_ok rmmod lprs_test_sleeper
expect_ok unload_runtime
end_test
