#!/bin/sh
# PID 1 of the test VM. The kernel command line says what to run:
#   lprs.run=PATH     run PATH (from the payload under /lprs) with bash, print
#                     "LPRS-EXIT: <status>" on the console, then reboot
#   lprs.arg=WORD     pass WORD to that script as its argument
#   lprs.shell=1      give an interactive shell on the console instead
#   lprs.systemd=1    boot systemd (run-vm.sh --systemd) with what
#                     `make install` put under /lprs/root installed: the
#                     script runs twice, with LPRS_PHASE=setup before
#                     systemd starts, then with LPRS_PHASE=check from
#                     lprs-test.service (qemu/systemd/), after the boot unit
# Test output goes to /dev/ttyS1 when the runner provides it, so it never
# interleaves with kernel messages on the console.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ln -s /proc/self/fd /dev/fd
mkdir -p /lib/modules/"$(uname -r)"
hostname lprs-vm

run= arg= shell= systemd=
for word in $(cat /proc/cmdline); do
	case $word in
	lprs.run=*) run=${word#lprs.run=} ;;
	lprs.arg=*) arg=${word#lprs.arg=} ;;
	lprs.shell=1) shell=1 ;;
	lprs.systemd=1) systemd=1 ;;
	esac
done

cd /lprs 2>/dev/null || cd /
if [ -n "$shell" ]; then
	echo "livepatch-rs test VM: payload in /lprs; 'reboot -f' to leave."
	setsid cttyhack bash -l
elif [ -n "$run" ]; then
	out=/dev/ttyS1
	[ -c $out ] && : > $out 2>/dev/null || out=/dev/console
	if [ -n "$systemd" ]; then
		cp -a /lprs/root/. /
		LPRS_PHASE=setup bash "$run" $arg > $out 2>&1
		rc=$?
		if [ $rc = 0 ]; then
			cat > /lprs/systemd-check.sh <<-EOF
			LPRS_PHASE=check bash "$run" $arg >> $out 2>&1
			echo "LPRS-EXIT: \$?" > /dev/console
			sync
			reboot -f
			EOF
			exec /lib/systemd/systemd
		fi
		echo "LPRS-EXIT: $rc" > /dev/console
	else
		bash "$run" $arg > $out 2>&1
		rc=$?
		echo "LPRS-EXIT: $rc" > /dev/console
	fi
fi
sync
reboot -f
