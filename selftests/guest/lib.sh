# Helpers for guest-side tests (sourced by bash in the VM, cwd /lprs).
# A test prints one line per case: "PASS: <case>" or "FAIL: <case>: <why>".
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
# pid_of COMM: pids of the tasks named COMM (kthreads too, unlike pgrep).
pid_of() { grep -lx -- "$1" /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3; }
