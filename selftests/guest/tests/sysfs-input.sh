# Every writable attribute (enabled, force, escalate, and debugfs signal)
# refuses garbage, out-of-range, oversized, ill-timed and non-root writes
# with an errno and a log line naming the patch and attribute, and keeps its
# state; concurrent writers leave a consistent patch.
. /lprs/guest/lib.sh
insmod $MODDIR/livepatch.ko transition_retry_ms=100
insmod $MODDIR/lprs_test_sleeper.ko
A=lprs_patch_a P=lprs_patch_sleeper
orig=$(cat /proc/cmdline)
# put FILE VALUE: write VALUE (a printf format) to FILE in one write(2).
put() { printf -- "$2" > "$1"; }
nobody() { /lprs/bin/lprs-asuser 1000 "$@"; }
healthy_a() {
	expect_eq "enabled" "$(cat $LP_SYSFS/$A/enabled)" 1
	expect_eq "transition" "$(cat $LP_SYSFS/$A/transition)" 0
	expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "$A: patched"
}
insmod $MODDIR/$A.ko

start_case "garbage and out-of-range values are refused with EINVAL"
escalate=$(cat $LP_SYSFS/$A/escalate)
for attr in enabled force escalate; do
	for v in '2' '-1' 'abc' '\n' ' 1' 'o' '\001\377' 'enable'; do
		expect_err "Invalid argument" put $LP_SYSFS/$A/$attr "$v"
	done
	expect_dmesg "livepatch: '$A': write to '$attr' refused: value is not a boolean"
done
expect_eq "escalate" "$(cat $LP_SYSFS/$A/escalate)" "$escalate"
healthy_a

start_case "oversized writes are refused"
# oversized CHAR N FILE: write N bytes of CHAR to FILE.
oversized() { head -c "$2" /dev/zero | tr '\0' "$1" > "$3"; }
expect_err "Invalid argument" oversized x 5000 $LP_SYSFS/$A/enabled
expect_err "Invalid argument" oversized 1 5000 $LP_SYSFS/$A/enabled
expect_dmesg "livepatch: '$A': write to 'enabled' refused: patch is already enabled"
expect_err "Invalid argument" oversized 1 70000 $LP_SYSFS/$A/force
healthy_a

start_case "ill-timed values are refused: enable twice, force when idle"
expect_err "Invalid argument" put $LP_SYSFS/$A/enabled 1
expect_dmesg "livepatch: '$A': write to 'enabled' refused: patch is already enabled"
expect_err "Invalid argument" put $LP_SYSFS/$A/force 1
expect_dmesg "livepatch: '$A': write to 'force' refused: patch is not in transition, nothing to force"
expect_ok put $LP_SYSFS/$A/force 0
healthy_a

start_case "read-only attributes and the root directory refuse writes"
for f in $A/transition $A/replace $A/stack_order $A/vmlinux/patched; do
	expect_err "Permission denied" put $LP_SYSFS/$f 1
done
expect_err "" touch $LP_SYSFS/newfile
expect_err "" mkdir $LP_SYSFS/newdir
[ -e $LP_SYSFS/newfile ] || [ -e $LP_SYSFS/newdir ] && fail "created an entry in $LP_SYSFS"
healthy_a

start_case "non-root writes are refused and change nothing"
expect_eq "a non-root user reads enabled" "$(nobody cat $LP_SYSFS/$A/enabled)" 1
for attr in enabled force escalate; do
	expect_err "Permission denied" nobody sh -c "echo 0 > $LP_SYSFS/$A/$attr"
done
expect_err "Permission denied" nobody sh -c "echo 1 > /sys/kernel/debug/livepatch/signal"
healthy_a

start_case "during a transition: enabling or disabling another patch is EBUSY"
echo hold > $SLEEPER_CTL
( read_answer /proc/lprs_sleeper > /dev/null ) &
wait_until 10 sleepers_inside 1 || fail "no task inside the sleeper"
expect_ok insmod $MODDIR/$P.ko
wait_until 5 in_transition $P || fail "$P not in transition"
expect_err "Device or resource busy" put $LP_SYSFS/$A/enabled 0
expect_dmesg "livepatch: '$A': write to 'enabled' refused: another patch is in transition"
expect_err "Device or resource busy" insmod $MODDIR/lprs_patch_b.ko
expect_dmesg "livepatch: patch 'lprs_patch_b': cannot enable while patch '$P' is in transition"
expect_eq "$A still enabled" "$(cat $LP_SYSFS/$A/enabled)" 1
expect_err "Invalid argument" put $LP_SYSFS/$P/enabled 1
expect_dmesg "livepatch: '$P': write to 'enabled' refused: patch is already enabled"

echo release > $SLEEPER_CTL
wait_until 30 transition_done $P || fail "$P did not complete: $(cat $PENDING)"
wait

start_case "disabling twice: the second write is refused"
# A reader sleeping in the new function keeps the unpatching waiting.
echo 1 > /sys/module/$P/parameters/hold
read_answer /proc/lprs_sleeper > /dev/null &
wait_until 10 grep -q lprs_patched_sleeper_call /proc/$!/stack || fail "reader not inside the new function"
expect_ok put $LP_SYSFS/$P/enabled 0
expect_eq "disabled" "$(cat $LP_SYSFS/$P/enabled)" 0
expect_eq "in transition" "$(cat $LP_SYSFS/$P/transition)" 1
expect_err "Invalid argument" put $LP_SYSFS/$P/enabled 0
expect_dmesg "livepatch: '$P': write to 'enabled' refused: patch is already disabled"
echo 0 > /sys/module/$P/parameters/hold
wait_until 30 patch_gone $P || fail "$P not gone: $(cat $PENDING)"
expect_err "No such file" put $LP_SYSFS/$P/enabled 0
expect_ok rmmod $P
expect_eq "sleeper" "$(read_answer /proc/lprs_sleeper)" original
wait

start_case "concurrent writers leave a consistent patch"
echo hold > $SLEEPER_CTL
( read_answer /proc/lprs_sleeper > /dev/null ) &
wait_until 10 sleepers_inside 1 || fail "no task inside the sleeper"
expect_ok insmod $MODDIR/$P.ko
writers=()
for w in 1 2 3 4; do
	( for i in $(seq 100); do
		case $(( (i + w) % 5 )) in
		0) printf 0 > $LP_SYSFS/$P/enabled ;;
		1) printf 1 > $LP_SYSFS/$P/enabled ;;
		2) printf 1 > $LP_SYSFS/$P/force ;;
		3) printf $((i % 2)) > $LP_SYSFS/$P/escalate ;;
		4) printf x > $LP_SYSFS/$P/enabled ;;
		esac 2>/dev/null
	done ) &
	writers+=($!)
done
wait "${writers[@]}"
echo release > $SLEEPER_CTL
wait_until 30 transition_done $P || wait_until 1 patch_gone $P || fail "$P did not settle: $(cat $PENDING)"
if [ -e $LP_SYSFS/$P ]; then
	expect_eq "enabled patch answers" "$(read_answer /proc/lprs_sleeper)" patched
	expect_ok put $LP_SYSFS/$P/enabled 0
	wait_until 30 patch_gone $P || fail "$P not gone after disable"
fi
expect_eq "after disable" "$(read_answer /proc/lprs_sleeper)" original
# A force write that landed while the writers had the patch unpatching
# forced it out: then, as upstream, its module must stay.
if dmesg | grep -q "livepatch: '$P': forced out: its module stays loaded until reboot"; then
	forced_out=1
	expect_err "in use" rmmod $P
else
	forced_out=0
	expect_ok rmmod $P
fi
wait

start_case "the runtime is healthy afterwards"
healthy_a
expect_ok put $LP_SYSFS/$A/enabled 0
wait_until 10 patch_gone $A || fail "$A not gone"
expect_ok rmmod $A
expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "$orig"
expect_ok insmod $MODDIR/lprs_patch_b.ko
expect_eq "a new patch applies" "$(cat /proc/cmdline)" "lprs_patch_b: patched"
expect_ok put $LP_SYSFS/lprs_patch_b/enabled 0
wait_until 10 patch_gone lprs_patch_b || fail "lprs_patch_b not gone"
expect_ok rmmod lprs_patch_b
expect_ok rmmod lprs_test_sleeper
if [ $forced_out = 1 ]; then
	expect_err "in use by: $P" unload_runtime
else
	expect_ok unload_runtime
fi
end_test
