# Stress: 50 enable/disable cycles of a patch on a hot function while 200
# threads call it and fork. Every answer is the old or the new one, and no
# thread's answer changes more often than transitions ran (a task switches
# once per transition). The harness fails the run on any kernel splat.
# On the debug kernel ($1), 20 cycles (it is ~6x slower under TCG).
. /lprs/guest/lib.sh
insmod $MODDIR/livepatch.ko transition_retry_ms=100
insmod $MODDIR/lprs_test_sleeper.ko
P=lprs_patch_sleeper
CYCLES=50
[ "${1:-}" = debug ] && CYCLES=20

start_case "$CYCLES enable/disable cycles under 200 calling and forking threads"
rm -f /tmp/stop
/lprs/bin/lprs-hammer /proc/lprs_sleeper 200 50 /tmp/stop > /tmp/hammer.out 2>&1 &
hammer=$!
sleep 1
start=$SECONDS
for n in $(seq $CYCLES); do
	insmod $MODDIR/$P.ko || { fail "insmod $n"; break; }
	wait_until 30 transition_done $P || { fail "patching $n did not complete: $(cat $PENDING)"; break; }
	echo 0 > $LP_SYSFS/$P/enabled || { fail "disable $n"; break; }
	wait_until 30 patch_gone $P || { fail "unpatching $n did not complete: $(cat $PENDING)"; break; }
	rmmod $P || { fail "rmmod $n"; break; }
done
echo "  $n cycles in $((SECONDS - start)) s"
stop_hammer $hammer || fail "lprs-hammer found a violation: $(cat /tmp/hammer.out)"
echo "  $(cat /tmp/hammer.out)"
flips=$(sed -n 's/.*max_flips=\([0-9]*\).*/\1/p' /tmp/hammer.out)
[ -n "$flips" ] && [ "$flips" -le $((2 * CYCLES)) ] ||
	fail "a thread changed answers $flips times in $((2 * CYCLES)) transitions"
expect_eq "after the cycles" "$(cat /proc/lprs_sleeper)" original
expect_ok rmmod lprs_test_sleeper
expect_ok unload_runtime
end_test
