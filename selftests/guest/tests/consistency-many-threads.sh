# With thousands of threads, transitions walk every thread each round
# without holding the RCU read lock (or any lock) across the whole walk: the
# soft-lockup detector (2 s) and the RCU stall detector (3 s) are armed, a
# transition is kept retrying every 20 ms for 10 s, and none of them fires
# (the harness fails the run on any report).
# vm-timeout: 600
. /lprs/guest/lib.sh
THREADS=6000
[ "${1:-}" = debug ] && THREADS=3000
sysctl -q -w kernel.watchdog_thresh=1
echo 3 > /sys/module/rcupdate/parameters/rcu_cpu_stall_timeout
# No escalation: the held reader must stay put for the whole 10 s.
insmod $MODDIR/livepatch.ko transition_retry_ms=20 signal_rounds=0
insmod $MODDIR/lprs_test_sleeper.ko
P=lprs_patch_sleeper

start_case "$THREADS threads: a transition retried for 10 s completes without a stall"
/lprs/bin/lprs-threads $THREADS > /tmp/threads.out 2>&1 &
threads=$!
wait_until 120 grep -q ready /tmp/threads.out || fail "threads not started: $(cat /tmp/threads.out)"
expect_eq "threads of lprs-threads" "$(ls /proc/$threads/task | wc -l)" $((THREADS + 1))
echo hold > $SLEEPER_CTL
read_answer /proc/lprs_sleeper > /tmp/held.out &
held=$!
wait_until 10 sleepers_inside 1 || fail "no task inside the sleeper"
expect_ok insmod $MODDIR/$P.ko
sleep 10
expect_eq "still in transition" "$(cat $LP_SYSFS/$P/transition)" 1
grep -q "^$held .* sleeping-in lprs_sleeper_call" $PENDING || fail "held reader not pending: $(head -n 3 $PENDING)"
expect_eq "threads of lprs-threads still pending" "$(grep -c ' lprs-threads ' $PENDING)" 0
echo release > $SLEEPER_CTL
wait_until 60 transition_done $P || fail "patching did not complete: $(head -n 3 $PENDING)"
wait $held
expect_eq "sleeper" "$(read_answer /proc/lprs_sleeper)" patched

start_case "$THREADS threads: the unpatching transition completes too"
expect_ok sh -c "echo 0 > $LP_SYSFS/$P/enabled"
wait_until 60 patch_gone $P || fail "unpatching did not complete: $(head -n 3 $PENDING)"
expect_eq "sleeper" "$(read_answer /proc/lprs_sleeper)" original
kill $threads; wait $threads 2>/dev/null
expect_ok rmmod $P
expect_ok rmmod lprs_test_sleeper
expect_ok unload_runtime
end_test
