# The boot unit under systemd: each boot enables livepatch-rs.service and
# installs patches with `klpctl install`, then boots systemd (PID 1) with
# what `make install` installed (livepatch.ko, klpctl, the unit) and checks
# what the unit did, as an operator would: systemctl and the journal.
#   load     the installed patch is loaded at boot, the unit succeeded
#   escape   livepatch.enable=0 on the kernel command line: the unit is
#            skipped, nothing is loaded
#   foreign  a patch built for another kernel is installed too: the unit
#            fails, its journal names the file and the reason; the
#            matching patch is loaded all the same
# vm-boots: load escape:livepatch.enable=0 foreign
. /lprs/guest/lib.sh
boot=$1
REL=$(uname -r)
STATE=/var/lib/livepatch-rs
A=lprs_patch_a
U=livepatch-rs.service
K=/usr/local/sbin/klpctl

if [ "$LPRS_PHASE" = setup ]; then
	# What an operator does once (systemd is not running yet: offline).
	systemctl enable $U || exit 1
	$K install $MODDIR/$A.ko || exit 1
	if [ $boot = foreign ]; then
		# As installed for this release by mistake (`install` would file
		# it under the release it was built for).
		cp $MODDIR/lprs_patch_foreign.ko $STATE/$REL/zz_foreign.ko || exit 1
	fi
	exit 0
fi

unit() { systemctl show -P "$1" $U; }
journal() { journalctl -b -o cat -u $U; }
journal | sed 's/^/  journal: /'
orig_cmdline=$(tr -d '\n' < /proc/cmdline)

case $boot in
load)
	start_case "at boot the unit loads the installed patch"
	expect_eq "ActiveState" "$(unit ActiveState)" active
	expect_eq "Result" "$(unit Result)" success
	expect_eq "ExecMainStatus" "$(unit ExecMainStatus)" 0
	transition_done $A || fail "$A not loaded and settled: $(ls $LP_SYSFS 2>&1)"
	expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "$A: patched"
	journal | grep -q "$A: enabled, transition complete" || fail "no load line in the journal: $(journal)"
	;;
escape)
	start_case "livepatch.enable=0 on the kernel command line skips the unit"
	[ "$(unit ConditionTimestampMonotonic)" -gt 0 ] || fail "the unit's condition was never checked"
	expect_eq "ConditionResult" "$(unit ConditionResult)" no
	expect_eq "ActiveState" "$(unit ActiveState)" inactive
	# Logged by PID 1 before journald ran: in the boot's journal, from the
	# kernel log, without the unit's field.
	journalctl -b -o cat | grep -F "$U - " |
		grep -qF "was skipped because of an unmet condition check (ConditionKernelCommandLine=!livepatch.enable=0)" ||
		fail "no skip line in the boot's journal"
	[ -d $LP_SYSFS ] && fail "runtime loaded: $(ls $LP_SYSFS)"
	expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "$orig_cmdline"
	;;
foreign)
	start_case "a patch for another kernel fails the unit loudly, the rest loads"
	expect_eq "ActiveState" "$(unit ActiveState)" failed
	expect_eq "Result" "$(unit Result)" exit-code
	expect_eq "ExecMainStatus" "$(unit ExecMainStatus)" 3
	journal | grep -qF "$STATE/$REL/zz_foreign.ko: built for kernel 9.9.9-other" ||
		fail "no line naming the file and reason in the journal: $(journal)"
	transition_done $A || fail "$A not loaded"
	;;
*)
	fail "unknown boot '$boot'"
	;;
esac
end_test
