#!/usr/bin/env bash
# Boot the test kernel under QEMU (TCG, 2 vCPUs) with the payload in /lprs.
#   qemu/run-vm.sh [--log FILE] [--out FILE] [--timeout SECS] [--allow-splat]
#                  [--icount] [--systemd] [--append WORDS] [--payload DIR]
#                  SCRIPT [ARG]
#                                               run SCRIPT (path inside /lprs),
#                                               with ARG (one word) as argument
#   qemu/run-vm.sh --interactive [--payload DIR]
# Exit status: the script's, or 124 on timeout, 125 when the guest never
# reported one (crash), 126 when the guest log shows a kernel splat (unless
# --allow-splat). The guest log (console: kernel messages) goes to --log,
# the script's output to --out (and to stdout when --out is not given).
# --icount runs the guest in QEMU's instruction-counting mode: its clock
# advances 1 ns per instruction, so timings repeat from run to run (and no
# longer follow the host's real time).
# --systemd boots systemd as PID 1 (qemu/mksystemd.sh, guest-init.sh);
# --append adds WORDS to the kernel command line.
set -euo pipefail
. "$(dirname "$0")/env.sh"

log= out= timeout=300 interactive= allow_splat= payload= icount= systemd= append=
while [ $# -gt 0 ]; do
	case $1 in
	--log) log=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--payload) payload=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--allow-splat) allow_splat=1; shift ;;
	--icount) icount=1; shift ;;
	--systemd) systemd=1; shift ;;
	--append) append=$2; shift 2 ;;
	-*) echo "run-vm: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
script=${1:-} script_arg=${2:-}
[ -n "$interactive" ] || [ -n "$script" ] || { echo "run-vm: no script given" >&2; exit 2; }

kdir=${KDIR:-$("$LPRS_ROOT/qemu/build-kernel.sh" "$KCONFIG")}
bzimage=$kdir/arch/x86/boot/bzImage
base=$("$LPRS_ROOT/qemu/mkinitramfs.sh")
payload=${payload:-$("$LPRS_ROOT/qemu/mkpayload.sh")}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The initramfs is the base archive followed by the payload archive: the
# kernel unpacks concatenated cpio archives in order.
(cd "$payload" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$work/payload.cpio.gz"
layers=("$base")
[ -z "$systemd" ] || layers+=("$("$LPRS_ROOT/qemu/mksystemd.sh")")
cat "${layers[@]}" "$work/payload.cpio.gz" > "$work/initrd"

cmdline="console=ttyS0 panic=-1 loglevel=7 printk.devkmsg=on${systemd:+ lprs.systemd=1}${append:+ $append}"
# Single-threaded TCG: with one host thread per vCPU (MTTCG), a vCPU can
# still execute an int3 that text_poke_bp() has already removed, and the
# guest dies with "Oops: int3" in whatever function the kernel was patching
# (seen at boot in sched_clock_cpu). Round-robin vCPUs see code changes at
# once; the guest still has two CPUs that interleave.
qemu=(qemu-system-x86_64 -machine q35 -accel tcg,thread=single -cpu max -smp 2 -m 2G -nographic -no-reboot
      -kernel "$bzimage" -initrd "$work/initrd")
[ -z "$icount" ] || qemu+=(-icount shift=0,sleep=off)
if [ -n "$interactive" ]; then
	exec "${qemu[@]}" -serial mon:stdio -append "$cmdline lprs.shell=1"
fi

log=${log:-$work/guest.log}
outfile=${out:-$work/out.log}

# boot: one run of the guest; sets rc.
boot() {
	rc=0
	timeout --foreground -k 5 "$timeout" "${qemu[@]}" -monitor none \
		-serial "file:$log" -serial "file:$outfile" \
		-append "$cmdline lprs.run=/lprs/$script${script_arg:+ lprs.arg=$script_arg}" </dev/null >/dev/null 2>&1 || rc=$?
}

# early_splat: the log's first kernel report comes before user space started
# (so before anything of the payload ran).
early_splat() {
	awk -v re="$("$LPRS_ROOT/qemu/scan-log.sh" --regex)" '
		/Run \/init as init process/ { exit }
		$0 ~ re { early = 1; exit }
		END { exit !early }' "$log"
}

boot
# The debug kernel has, rarely, reported a KASAN wild access in an interrupt
# during early boot (identify_cpu, before user space, under TCG): not
# something the code under test can cause. Such a boot is kept and the run
# repeated once; a second one fails as any report does.
if [ $rc = 0 ] && ! "$LPRS_ROOT/qemu/scan-log.sh" "$log" > /dev/null && early_splat; then
	cp "$log" "$log.early-splat"
	echo "run-vm: kernel report during early boot, before user space (kept in $log.early-splat); booting again" >&2
	boot
fi
[ -n "$out" ] || cat "$outfile"
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "run-vm: timeout after ${timeout}s running $script (guest log: $log)" >&2
	exit 124
fi
status=$(sed -n 's/^LPRS-EXIT: \([0-9]*\).*/\1/p' "$log" | tail -n1)
if [ -z "$status" ]; then
	echo "run-vm: the guest never reported an exit status for $script; tail of guest log:" >&2
	tail -n 30 "$log" >&2
	exit 125
fi
if ! splat=$("$LPRS_ROOT/qemu/scan-log.sh" "$log"); then
	echo "run-vm: kernel splat in the guest log running $script:" >&2
	echo "$splat" | sed 's/^/  | /' >&2
	[ -n "$allow_splat" ] || exit 126
fi
exit "$status"
