# A transition whose pending tasks are all user tasks, each asked to switch
# on its way back to user space, completes as soon as the last of them has
# (a "kick"), not at the next retry: livepatch.ko retries every 10 s here,
# while 16 threads read the patched function.
. /lprs/guest/lib.sh
insmod $MODDIR/livepatch.ko transition_retry_ms=10000
insmod $MODDIR/lprs_test_sleeper.ko
P=lprs_patch_sleeper
fast=3
[ "$1" = debug ] && fast=6
rm -f /tmp/stop
/lprs/bin/lprs-hammer /proc/lprs_sleeper 16 0 /tmp/stop > /tmp/hammer.out 2>&1 &
hammer=$!
sleep 1
echo 'module livepatch +p' > /sys/kernel/debug/dynamic_debug/control

start_case "the last asked task to switch completes the transition, both ways"
for i in $(seq 10); do
	expect_ok insmod $MODDIR/$P.ko
	wait_until 25 transition_done $P || fail "patching did not complete"
	expect_ok sh -c "echo 0 > $LP_SYSFS/$P/enabled"
	wait_until 25 patch_gone $P || fail "unpatching did not complete"
	expect_ok rmmod $P
done
echo 'module livepatch -p' > /sys/kernel/debug/dynamic_debug/control
# Per transition: the tasks its rounds found pending (debug lines), and how
# long it took. One that only ever waited for hammer threads - all asked to
# switch at user return in its first round - must be done within $fast s.
read -r kicked slow < <(dmesg | awk -v fast=$fast '
	function ts(l) { sub(/^\[ */, "", l); return l + 0 }
	/starting (un)?patching transition/ { t0 = ts($0); users = 0; others = 0; next }
	/klp_try_switch_task: lprs-hammer:/ { users++; next }
	/klp_try_switch_task: / { others++; next }
	/(un)?patching complete/ {
		if (users && !others) { kicked++; if (ts($0) - t0 > fast) slow++ }
	}
	END { print kicked + 0, slow + 0 }')
echo "  $kicked of 20 transitions waited for hammer threads only; $slow took over $fast s"
expect_eq "transitions slower than $fast s" "$slow" 0
[ "$kicked" -ge 5 ] || fail "too few transitions waited for hammer threads only: $kicked of 20"
stop_hammer $hammer || fail "lprs-hammer found a violation: $(cat /tmp/hammer.out)"
expect_ok rmmod lprs_test_sleeper
expect_ok unload_runtime
end_test
