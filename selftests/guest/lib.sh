# Helpers for guest-side tests (sourced by bash in the VM, cwd /lprs).
# A test prints one line per case: "PASS: <case>" or "FAIL: <case>: <why>".
# Each test gets the kernel config it runs on ("default", "debug") as $1
# (a test with a "# vm-boots:" line gets the name of the boot instead).
# The host harness counts those lines; a test that ends without printing
# any, or exits non-zero, fails as a whole.
MODDIR=/lprs/modules
LP_SYSFS=/sys/kernel/livepatch
_case= _case_failed=

# start_case NAME: cases end at the next start_case or end_test.
start_case() {
	_finish_case
	_case=$1 _case_failed=
	dmesg -c > /dev/null
}

_finish_case() {
	[ -n "$_case" ] || return 0
	if [ -n "$_case_failed" ]; then echo "FAIL: $_case: $_case_failed"; else echo "PASS: $_case"; fi
	_case=
}

end_test() { _finish_case; }

# fail WHY: mark the current case failed (the first reason is kept).
fail() {
	[ -n "$_case_failed" ] || _case_failed=$*
	echo "  failed: $*"
}

# expect_ok CMD...: the command must succeed.
expect_ok() {
	local out
	out=$("$@" 2>&1) || fail "'$*' failed: $out"
}

# expect_err ERRTEXT CMD...: the command must fail with ERRTEXT in its output.
expect_err() {
	local want=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded, expected failure '$want'"
	elif [[ $out != *"$want"* ]]; then
		fail "'$*' failed with '$out', expected '$want'"
	fi
}

# expect_dmesg PATTERN: the kernel log (since the case started) has a line
# matching the extended regex PATTERN.
expect_dmesg() {
	dmesg | grep -qE -- "$1" || fail "no kernel log line matching '$1'"
}

# expect_no_dmesg PATTERN
expect_no_dmesg() {
	local hit
	hit=$(dmesg | grep -E -- "$1") && fail "unexpected kernel log line: $hit"
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

load_runtime() { insmod "$MODDIR/livepatch.ko"; }
unload_runtime() { rmmod livepatch; }

# wait_until SECS CMD...: run CMD every 0.1 s until it succeeds; false when
# SECS pass first.
wait_until() {
	local n=$(($1 * 10))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

# For the consistency model tests (lprs_test_sleeper, lprs_patch_sleeper).
SLEEPER_CTL=/proc/lprs_sleeper_ctl
PENDING=/sys/kernel/debug/livepatch/pending
sleepers_inside() { [ "$(cut -d' ' -f1 $SLEEPER_CTL)" = "$1" ]; }
kthread_answer() { cut -d' ' -f2 $SLEEPER_CTL; }
in_transition() { [ "$(cat $LP_SYSFS/$1/transition 2>/dev/null)" = 1 ]; }
transition_done() { [ "$(cat $LP_SYSFS/$1/transition 2>/dev/null)" = 0 ]; }
patch_gone() { [ ! -e $LP_SYSFS/$1 ]; }
# disable_patch PATCH [SECS]: disable PATCH and wait (60 s) until it is gone.
disable_patch() { echo 0 > $LP_SYSFS/$1/enabled && wait_until "${2:-60}" patch_gone $1; }
# pid_of COMM: pids of the tasks named COMM (kthreads too, unlike pgrep).
pid_of() { grep -lx -- "$1" /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3; }
# read_answer FILE: the first line of FILE, read with read(2) (busybox cat's
# sendfile() is restarted after a fake signal and calls the function again);
# fails quietly when FILE is missing.
read_answer() { local a; { read -r a < "$1"; } 2>/dev/null && echo "$a"; }

# exited PID: PID (a child of this shell) has exited (is a zombie or gone).
exited() { local s; s=$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null) || return 0; [ "$s" = Z ]; }

# stop_hammer PID: stop the lprs-hammer PID (stop file /tmp/stop) and reap
# it; its exit status is returned. If it does not end within 300 s (on the
# debug kernel, 200 threads take over a minute to notice and exit), the case
# fails and the kernel stacks of its threads are printed, grouped.
stop_hammer() {
	local t
	touch /tmp/stop
	if ! wait_until 300 exited $1; then
		fail "lprs-hammer did not stop within 300 s"
		for t in /proc/$1/task/*; do
			echo "$(cat $t/stat | cut -d' ' -f3) $(tr '\n' ' ' < $t/stack)"
		done | sed 's/+0x[0-9a-f]*\/0x[0-9a-f]*//g' | sort | uniq -c | sort -rn | head -n 20
		kill -9 $1
	fi
	wait $1
}
