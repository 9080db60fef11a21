#!/usr/bin/env bash
# `make demo`: boot the VM and show livepatch-rs at work.
set -euo pipefail
. "$(dirname "$0")/env.sh"
echo "Booting the demo VM (QEMU, 2 vCPUs, software emulation)..."
log=$LPRS_ROOT/build/$KCONFIG/demo.guest.log
mkdir -p "$(dirname "$log")"
"$LPRS_ROOT/qemu/run-vm.sh" --log "$log" guest/demo/demo.sh
echo
echo "Demo done (kernel log of the VM: $log)."
echo "To get a shell in the same VM and try it by hand: make shell"
echo "  (inside: insmod /lprs/modules/livepatch.ko; ls /sys/kernel/livepatch; reboot -f to leave)"
