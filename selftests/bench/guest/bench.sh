# One round of `make bench` in the guest, on whichever core the kernel has:
# the built-in upstream core (/sys/kernel/livepatch exists at boot) or
# livepatch-rs (loaded here). Prints "RESULT <metric> <value>" lines; the
# host (selftests/bench/run.sh) collects them. Times are in picoseconds
# (per call) or microseconds (transitions), memory in bytes.
. /lprs/guest/lib.sh
B=/lprs/bench CTL=/proc/lprs_bench CALLS=200000 REPS=5
if [ -d $LP_SYSFS ]; then core=upstream; else core=livepatch-rs; fi
echo "CORE $core"
insmod $B/lprs_bench_target.ko
result() { echo "RESULT $1 $2"; }

# median of the arguments
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# call_ps [LOOP]: picoseconds per call of lprs_bench_fn (LOOP "loopf":
# lprs_bench_f500), median of REPS loops
call_ps() {
	local r c ns v=()
	for r in $(seq $REPS); do
		echo "${1:-loop} $CALLS" > $CTL
		read -r c ns < $CTL
		v+=($((ns * 1000 / c)))
	done
	median "${v[@]}"
}
getpid_ps() {
	local r v=()
	for r in $(seq $REPS); do v+=($(/lprs/bin/lprs-bench-getpid $CALLS)); done
	median "${v[@]}"
}
# ts PATTERN: the printk time (µs) of the last kernel log line matching PATTERN
ts() { dmesg | grep -E -- "$1" | tail -n 1 | sed -n 's/^\[ *\([0-9]*\)\.\([0-9]*\)\].*/\1\2/p'; }
mark() { echo "lprs-bench: $1" > /dev/kmsg; }
# kmem: unreclaimable slab + vmalloc + per-cpu memory, in bytes: where both
# cores keep their per-function state (page cache and the like stay out).
kmem() { awk '/^(SUnreclaim|VmallocUsed|Percpu):/ { t += $2 } END { print t * 1024 }' /proc/meminfo; }
settled() { local x; read -r x < $LP_SYSFS/$1/transition && [ "$x" = 0 ]; }
wait_settled() { local n=6000; until settled $1; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.05; done; }
disable() { echo 0 > $LP_SYSFS/$1/enabled && wait_until 300 patch_gone $1 && rmmod $1; }

# 1, 2: per-call cost, unpatched (the floor), during a transition, patched.
result call_unpatched_ps "$(call_ps)"
# livepatch-rs without its direct path: every call through the ftrace
# handler, as the upstream core always does.
if [ $core = livepatch-rs ]; then
	insmod $MODDIR/livepatch.ko direct_calls=0
	insmod $B/lprs_bench_patch_hot.ko
	wait_settled lprs_bench_patch_hot || { echo "FAIL: hot patch did not settle"; exit 1; }
	result call_handler_ps "$(call_ps)"
	disable lprs_bench_patch_hot || { echo "FAIL: hot patch did not go"; exit 1; }
	rmmod livepatch
	# Straight to the direct path once a transition completes, so that
	# what is measured after each one is its steady state.
	insmod $MODDIR/livepatch.ko direct_delay_ms=0
fi
result getpid_unpatched_ps "$(getpid_ps)"
echo hold > $CTL &
holder=$!
sleep 0.5
insmod $B/lprs_bench_patch_hot.ko
in_transition lprs_bench_patch_hot || { echo "FAIL: the holder did not keep the transition pending"; exit 1; }
result call_transition_ps "$(call_ps)"
result getpid_transition_ps "$(getpid_ps)"
echo release > $CTL
wait $holder
wait_settled lprs_bench_patch_hot || { echo "FAIL: hot patch did not settle"; exit 1; }
result call_patched_ps "$(call_ps)"
result getpid_patched_ps "$(getpid_ps)"
disable lprs_bench_patch_hot || { echo "FAIL: hot patch did not go"; exit 1; }

# 4: transition completion while 200 threads hammer the patched function.
rm -f /tmp/stop
/lprs/bin/lprs-hammer /proc/lprs_bench_call 200 0 /tmp/stop > /tmp/hammer.out 2>&1 &
hammer=$!
sleep 2
mark "insmod loaded"
insmod $B/lprs_bench_patch_hot.ko
wait_settled lprs_bench_patch_hot || { echo "FAIL: hot patch under load did not settle"; exit 1; }
t0=$(ts "lprs-bench: insmod loaded\$") t1=$(ts "'lprs_bench_patch_hot': patching complete")
result enable_loaded_us $((t1 - t0))
# Of that, the transition alone (the consistency model's part; the rest is
# insmod and setting up, which scheduling among 200 busy threads dominates).
t0=$(ts "'lprs_bench_patch_hot': starting patching transition")
result transition_loaded_us $((t1 - t0))
stop_hammer $hammer > /dev/null
disable lprs_bench_patch_hot || { echo "FAIL: hot patch did not go"; exit 1; }

# 3, 5: enable latency (insmod to transition complete) on an idle VM,
# memory, and disable latency (to unpatching complete) for patches of 1 to
# 1000 functions; the cost of a call of one of 1000 patched functions.
for n in 1 10 100 1000; do
	p=lprs_bench_patch_$n
	sleep 1
	m0=$(kmem)
	mark "insmod $n"
	s0=$(date +%s%N)
	insmod $B/$p.ko
	# Not in the table: insmod returns before the transition completes
	# with the upstream core, after it (and after the move to the direct
	# path) with livepatch-rs on an idle VM.
	result insmod_${n}_returned_us $((($(date +%s%N) - s0) / 1000))
	wait_settled $p || { echo "FAIL: $p did not settle"; exit 1; }
	m1=$(kmem)
	t0=$(ts "lprs-bench: insmod $n\$") t1=$(ts "'$p': patching complete")
	result enable_${n}_us $((t1 - t0))
	result kmem_${n}_bytes $((m1 - m0))
	# Unpatching 1000 functions takes minutes with the upstream core (one
	# ftrace unregistration, with its RCU-tasks waits, per function): the
	# VM ends with that one in place.
	[ $n = 1000 ] && break
	sleep 1
	mark "disable $n"
	disable $p || { echo "FAIL: $p did not go"; exit 1; }
	t0=$(ts "lprs-bench: disable $n\$") t1=$(ts "'$p': unpatching complete")
	result disable_${n}_us $((t1 - t0))
done
result call_batch_ps "$(call_ps loopf)"

echo "DONE"
