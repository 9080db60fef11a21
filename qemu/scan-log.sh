#!/usr/bin/env bash
# Fail (exit 1, offending lines on stdout) if a guest log shows a kernel
# splat: WARN, BUG, oops, panic, lockdep, KASAN/UBSAN/KFENCE, RCU stall,
# soft/hard lockup, hung task, or any stack dump.
#   qemu/scan-log.sh GUEST_LOG
#   qemu/scan-log.sh --regex      print the extended regex used
set -uo pipefail
patterns=(
	'WARNING:'
	'BUG:'
	'Oops'
	'Kernel panic'
	'kernel BUG at'
	'general protection fault'
	'Call Trace:'
	'possible circular locking dependency'
	'possible recursive locking'
	'inconsistent lock state'
	'lockdep is turned off'
	'possible irq lock inversion'
	'bad unlock balance'
	'held lock freed'
	'KASAN:'
	'UBSAN:'
	'KFENCE:'
	'detected stalls on CPUs'
	'soft lockup'
	'hard LOCKUP'
	'blocked for more than [0-9]+ seconds'
)
re=$(IFS='|'; echo "${patterns[*]}")
[ "$1" = --regex ] && { echo "$re"; exit 0; }
hits=$(grep -aE "$re" "$1" | head -n 20)
[ -z "$hits" ] && exit 0
echo "$hits"
exit 1
