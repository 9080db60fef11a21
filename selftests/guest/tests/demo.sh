# `make demo`'s script tells the story it claims: the bug shows, the live
# patch waits for the task inside the buggy function, the fix shows, v2
# replaces v1, disabling brings the bug back, and everything unloads.
. /lprs/guest/lib.sh
start_case "the demo runs to the end and shows each step"
bash /lprs/guest/demo/demo.sh > /tmp/demo.out 2>&1
rc=$?
expect_eq "demo exit status" "$rc" 0
out=$(cat /tmp/demo.out)
section() { awk -v a="$1" -v b="$2" 'index($0, a) { on = 1 } index($0, b) { on = 0 } on' /tmp/demo.out; }
section "A workload keeps calling" "A slow request" | grep -q "BUG: overdrawn" || fail "no bug shown before the patch"
grep -qE "^    [0-9]+ cat sleeping-in lprs_demo_withdraw\+0x" /tmp/demo.out || fail "pending task not shown"
grep -q "\[slow request\] withdrew 30, balance .*BUG: overdrawn" /tmp/demo.out ||
	fail "the slow request did not finish in the old code"
section "Transition complete" "What the runtime reports" | grep -q "fixed by lprs_demo_fix_v1" ||
	fail "no fixed behaviour after the patch"
section "Transition complete" "What the runtime reports" | grep -q "BUG" && fail "bug still shows after the patch"
grep -qx "lprs_demo_fix_v2" /tmp/demo.out || fail "v2 did not replace v1"
section "what an operator runs" "A cumulative patch" | grep -q "lprs_demo_fix_v1" || fail "klpctl status does not show the patch"
grep -qx "$(uname -r)+2" /tmp/demo.out || fail "klpctl uname does not show v2"
section "v1 is no longer in use" "Disabling the fix" | grep -q "fixed by lprs_demo_fix_v2" || fail "v2 not in effect"
section "Disabling the fix" "Cleaning up" | grep -q "BUG: overdrawn" || fail "disabling did not bring the old code back"
grep -q "^livepatch " /proc/modules && fail "livepatch.ko still loaded"
[ -n "$_case_failed" ] && cat /tmp/demo.out
end_test
