#!/usr/bin/env bash
# qemu/scan-log.sh flags every kind of splat the standards name and passes a
# clean log. Prints PASS:/FAIL: lines.
set -u
scan=$(dirname "$0")/../../qemu/scan-log.sh
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT

check_flags() {
	printf '[    1.0] ok line\n%s\n[    1.2] another\n' "$2" > "$tmp"
	if "$scan" "$tmp" >/dev/null; then echo "FAIL: scan-log flags $1: not flagged"; else echo "PASS: scan-log flags $1"; fi
}
check_flags WARN '[    1.1] WARNING: CPU: 1 PID: 95 at lprs_test_warn.c:12 lprs_test_warn_init+0x5/0x10'
check_flags BUG '[    1.1] BUG: kernel NULL pointer dereference, address: 0000000000000000'
check_flags oops '[    1.1] Oops: general protection fault, probably for non-canonical address'
check_flags lockdep '[    1.1] WARNING: possible circular locking dependency detected'
check_flags KASAN '[    1.1] BUG: KASAN: slab-use-after-free in foo+0x1/0x2'
check_flags UBSAN '[    1.1] UBSAN: array-index-out-of-bounds in lib/foo.c:12:3'
check_flags hung-task '[  121.0] INFO: task kworker/0:1:12 blocked for more than 120 seconds.'
check_flags soft-lockup '[   30.0] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [a:1]'
check_flags rcu-stall '[   30.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'
check_flags stack-dump '[    1.1] Call Trace:'

printf '[    0.1] livepatch: enabling patch '"'"'x'"'"'\n[    0.2] livepatch: '"'"'x'"'"': patching complete\n' > "$tmp"
if "$scan" "$tmp" >/dev/null; then echo "PASS: scan-log passes a clean log"; else echo "FAIL: scan-log passes a clean log: flagged"; fi
