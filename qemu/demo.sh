#!/usr/bin/env bash
# `make demo`: boot the VM and show livepatch-rs at work, as it happens.
set -euo pipefail
. "$(dirname "$0")/env.sh"
echo "Booting the demo VM (QEMU, 2 vCPUs, software emulation)..."
dir=$LPRS_ROOT/build/$KCONFIG
mkdir -p "$dir"
log=$dir/demo.guest.log out=$dir/demo.out
: > "$out"
"$LPRS_ROOT/qemu/run-vm.sh" --log "$log" --out "$out" guest/demo/demo.sh &
vm=$!
tail -n +1 -f --pid=$vm "$out"
rc=0
wait $vm || rc=$?
echo
if [ $rc != 0 ]; then
	echo "The demo failed (exit $rc); kernel log of the VM: $log" >&2
	exit $rc
fi
echo "Demo done (kernel log of the VM: $log)."
echo "To get a shell in the same VM and try it by hand: make shell"
echo "  inside: insmod /lprs/modules/livepatch.ko; insmod /lprs/modules/lprs_demo_bank.ko;"
echo "          cat /proc/lprs_demo_bank; insmod /lprs/modules/lprs_demo_fix_v1.ko;"
echo "          ls /sys/kernel/livepatch; 'reboot -f' to leave"
