# klpctl against the real runtime: loading the runtime on demand, a load
# that waits for its transition, a stalled load that is reverted and says
# what blocked it, refusing a patch built for another kernel
# (lprs_patch_foreign.ko: lprs_patch_a with another release in its vermagic,
# made by `make test-modules`), install/list/info, `load --all` and the
# livepatch.enable=0 escape hatch (with a fake command line file: the VM's
# /proc/cmdline cannot be changed from inside), `uname` after a cumulative
# replace, `check`, `blocking`, JSON output.
. /lprs/guest/lib.sh
K=/lprs/bin/klpctl
export KLPCTL_RUNTIME=$MODDIR/livepatch.ko
REL=$(uname -r)
STATE=/var/lib/livepatch-rs
A=lprs_patch_a
orig=$(cat /proc/cmdline)

# run CMD...: sets $out (stdout and stderr) and $rc.
run() {
	out=$("$@" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/  | /'
}
has() { grep -qF -- "$1" <<< "$out" || fail "no '$1' in the output of klpctl"; }

start_case "load inserts the runtime first and waits for the transition"
[ -d $LP_SYSFS ] && fail "runtime loaded before the test"
run $K load $MODDIR/$A.ko
expect_eq "exit code" $rc 0
has "loading the runtime $MODDIR/livepatch.ko"
has "$A: enabled, transition complete"
transition_done $A || fail "$A not idle"
expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "$A: patched"

start_case "status, list and their JSON"
run $K status
has "patch $A: enabled, idle, stack_order 1"
has "  vmlinux (patched)"
has "    cmdline_proc_show,"
run $K status --json
has '"runtime_loaded": true'
has "\"release\": \"$REL\""
has "\"name\": \"$A\""
has '"name": "cmdline_proc_show"'
# The patch object: enabled, not in transition (JSON is pretty-printed,
# one field a line).
[ "$(awk -v a="\"name\": \"$A\"," '$0 ~ a { p = 1 } p && /"transition":/ { print $2; exit }' <<< "$out")" = false, ] ||
	fail "status --json: $A's transition field is not false"
run $K list --json
has '"loaded": ['
has "\"name\": \"$A\""

start_case "load of a loaded patch, unload, unload of a patch not loaded"
run $K load $MODDIR/$A.ko
expect_eq "exit code" $rc 1
has "$A is already loaded"
run $K unload $A
expect_eq "exit code" $rc 0
has "$A: unloaded"
patch_gone $A || fail "$A still in sysfs"
[ -d /sys/module/$A ] && fail "module $A still loaded"
expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "$orig"
run $K unload $A
expect_eq "exit code" $rc 1
has "$A is not loaded"

start_case "a patch built for another kernel is refused with its reason"
run $K load $MODDIR/lprs_patch_foreign.ko
expect_eq "exit code" $rc 3
has "lprs_patch_foreign.ko: built for kernel 9.9.9-other"
has ", the running kernel is $REL"
[ -d /sys/module/$A ] && fail "the foreign module was inserted"
# The kernel would refuse it too (CONFIG_MODVERSIONS=n: whole vermagic).
expect_err "Invalid module format" insmod $MODDIR/lprs_patch_foreign.ko
run $K load $MODDIR/lprs_test_target.ko
expect_eq "exit code (not a patch module)" $rc 3
has "not a livepatch-rs patch module (no 'livepatch_rs: Y' in its modinfo)"

start_case "a stalled load is reverted and reports what blocked it; blocking and check meanwhile"
expect_ok unload_runtime
insmod $MODDIR/lprs_test_sleeper.ko
echo hold > $SLEEPER_CTL
cat /proc/lprs_sleeper > /tmp/reader.out &
reader=$!
wait_until 10 sleepers_inside 1 || fail "the reader is not inside the function"
# No escalation: the reader would get a fake signal and leave.
KLPCTL_RUNTIME_PARAMS=signal_rounds=0 $K load --timeout 6 $MODDIR/lprs_patch_sleeper.ko > /tmp/load.out 2>&1 &
loader=$!
wait_until 10 in_transition lprs_patch_sleeper || fail "no transition"
f=/sys/module/livepatch/parameters/signal_rounds
[ ! -e $f ] || expect_eq "signal_rounds" "$(cat $f)" 0
sleep 2
run $K blocking
has "lprs_patch_sleeper patching: 1 task(s) pending"
has "  $reader cat sleeping-in lprs_sleeper_call+"
grep -qE '^      \[<0>\] lprs_sleeper_call\+' <<< "$out" || fail "no kernel stack of the reader"
run $K blocking --json
has "\"pid\": $reader,"
has '"reason": "sleeping-in",'
has '"stack": ['
run $K check -v
expect_eq "check exit code during the transition" $rc 5
wait $loader
rc=$?
out=$(cat /tmp/load.out)
echo "$out" | sed 's/^/  | /'
expect_eq "load exit code" $rc 4
has "lprs_patch_sleeper: patching, 1 task(s) pending after"
has "lprs_patch_sleeper not loaded: its transition stalled for 6s and was reverted; blocked by:"
has "  $reader cat sleeping-in lprs_sleeper_call+"
patch_gone lprs_patch_sleeper || fail "patch still in sysfs"
[ -d /sys/module/lprs_patch_sleeper ] && fail "module lprs_patch_sleeper still loaded"
expect_dmesg "livepatch: 'lprs_patch_sleeper': unpatching complete"
echo release > $SLEEPER_CTL
wait $reader
expect_eq "the reader's answer" "$(cat /tmp/reader.out)" original

start_case "signal escalates a stalled transition now"
# The runtime still runs with signal_rounds=0: it never escalates by itself.
echo hold > $SLEEPER_CTL
bash -c 'read -r x < /proc/lprs_sleeper; echo "$x"' > /tmp/reader.out &
reader=$!
wait_until 10 sleepers_inside 1 || fail "the reader is not inside the function"
expect_ok insmod $MODDIR/lprs_patch_sleeper.ko
sleep 1.5
in_transition lprs_patch_sleeper || fail "no transition"
run $K signal
expect_eq "exit code" $rc 0
has "lprs_patch_sleeper patching: signalled the 1 pending task(s)"
wait_until 5 transition_done lprs_patch_sleeper || fail "the signal did not move the reader out"
wait $reader
expect_eq "the signalled reader's answer" "$(cat /tmp/reader.out)" original
expect_dmesg "livepatch: signaling remaining tasks"
run $K signal
expect_eq "exit code without a transition" $rc 1
has "no transition in progress"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_sleeper/enabled"
wait_until 10 patch_gone lprs_patch_sleeper || fail "patch not removed"
expect_ok rmmod lprs_patch_sleeper
echo release > $SLEEPER_CTL
expect_ok rmmod lprs_test_sleeper

start_case "install, list and info"
run $K install $MODDIR/$A.ko $MODDIR/lprs_patch_b.ko $MODDIR/lprs_patch_foreign.ko
expect_eq "exit code" $rc 0
[ -f $STATE/$REL/$A.ko ] && [ -f $STATE/$REL/lprs_patch_b.ko ] || fail "not installed in $STATE/$REL: $(ls $STATE/$REL)"
ls $STATE/9.9.9-other*/$A.ko > /dev/null 2>&1 || fail "the foreign patch is not under its own release"
run $K list
has "installed for $REL (running):"
has "  $A not loaded"
has "installed for 9.9.9-other"
run $K info $MODDIR/lprs_patch_replace.ko
has "version: lp2"
has "cve: CVE-2026-00001"
has "livepatch_rs: Y"
run $K info --json $MODDIR/lprs_patch_replace.ko
has '"cve": "CVE-2026-00001"'
has '"livepatch_rs": true'

start_case "load --all honours livepatch.enable=0 (fake command line file)"
echo "console=ttyS0 livepatch.enable=0" > /tmp/cmdline
KLPCTL_CMDLINE=/tmp/cmdline run $K load --all
expect_eq "exit code" $rc 0
has "livepatch.enable=0 on the kernel command line (/tmp/cmdline): not loading any patch"
[ -n "$(ls $LP_SYSFS)" ] && fail "patches loaded: $(ls $LP_SYSFS)"
KLPCTL_CMDLINE=/tmp/cmdline run $K load $A
expect_eq "exit code of an explicit load" $rc 6
KLPCTL_CMDLINE=/tmp/cmdline run $K check
expect_eq "check exit code" $rc 6

start_case "load --all loads what is installed; a patch for another kernel fails it loudly"
cp $MODDIR/lprs_patch_foreign.ko $STATE/$REL/zz_foreign.ko
run $K check
expect_eq "check exit code before" $rc 5
run $K load --all
expect_eq "exit code" $rc 3
has "$STATE/$REL/zz_foreign.ko: built for kernel 9.9.9-other"
transition_done $A || fail "$A not loaded"
transition_done lprs_patch_b || fail "lprs_patch_b not loaded"
expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "lprs_patch_b: patched"
rm $STATE/$REL/zz_foreign.ko
run $K load --all
expect_eq "exit code again" $rc 0
has "$A: already loaded"
run $K check -v
expect_eq "check exit code after" $rc 0

start_case "uname after a cumulative replace"
run $K uname
expect_eq "uname, no cumulative patch" "$out" "$REL"
run $K load $MODDIR/lprs_patch_replace.ko
expect_eq "exit code" $rc 0
wait_until 5 patch_gone $A || fail "$A not replaced"
run $K uname
expect_eq "uname" "$out" "$REL+lp2"
expect_eq "uname -r" "$(uname -r)" "$REL"
run $K uname --json
has "\"effective\": \"$REL+lp2\""
has '"patch": "lprs_patch_replace"'
run $K check -v
expect_eq "check exit code (replaced patches count as loaded)" $rc 0

start_case "unload --all, uninstall"
run $K unload --all
expect_eq "exit code" $rc 0
has "lprs_patch_replace: unloaded"
has "$A: unloaded"
[ -n "$(ls $LP_SYSFS)" ] && fail "patches left: $(ls $LP_SYSFS)"
lsmod | grep -q '^lprs_patch' && fail "patch modules left: $(lsmod | grep '^lprs_patch')"
expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "$orig"
run $K uninstall $A lprs_patch_b
expect_eq "exit code" $rc 0
run $K uninstall $A
expect_eq "exit code, not installed" $rc 1
has "$A is not installed for $REL"
run $K check
expect_eq "check exit code, nothing installed" $rc 0
expect_ok unload_runtime
end_test
