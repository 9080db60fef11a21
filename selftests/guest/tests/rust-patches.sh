# Patch modules written in Rust (rust/klp/klp.rs): a vmlinux function, a
# module function using symbol references, cumulative replacement in both
# directions between C and Rust, and the checks C patches get (refusals,
# disable, unload while the function is called).
. /lprs/guest/lib.sh
load_runtime
orig=$(cat /proc/cmdline)
RS=lprs_rs_patch_cmdline

start_case "a Rust patch of a vmlinux function"
expect_eq "marker" "$(modinfo -F livepatch_rs $MODDIR/$RS.ko)" Y
expect_ok insmod $MODDIR/$RS.ko
wait_until 10 transition_done $RS || fail "transition did not complete"
expect_eq "patched" "$(cat /proc/cmdline)" "$RS: patched by Rust"
[ -d "$LP_SYSFS/$RS/vmlinux/cmdline_proc_show,1" ] || fail "no function directory"
expect_ok sh -c "echo 0 > $LP_SYSFS/$RS/enabled"
wait_until 10 patch_gone $RS || fail "patch not removed"
expect_ok rmmod $RS
expect_eq "restored" "$(cat /proc/cmdline)" "$orig"

start_case "a Rust patch is refused like a C one"
expect_err "Invalid parameters" insmod $MODDIR/$RS.ko mode=1
expect_dmesg "livepatch: symbol 'lprs_no_such_function' not found in symbol table"
expect_err "Invalid parameters" insmod $MODDIR/$RS.ko mode=2
expect_dmesg "symbol position 3 for symbol 'cmdline_proc_show' in object 'vmlinux' not found"
[ -e $LP_SYSFS/$RS ] && fail "sysfs directory left"
expect_eq "nothing applied" "$(cat /proc/cmdline)" "$orig"

start_case "disable and unload a Rust patch while its function is called, 5 times"
( while :; do out=$(cat /proc/cmdline); [ "$out" = "$orig" ] || [ "$out" = "$RS: patched by Rust" ] || echo "BAD: $out"; done ) > /tmp/loop.log 2>&1 &
loop=$!
for n in 1 2 3 4 5; do
	insmod $MODDIR/$RS.ko || fail "insmod $n"
	wait_until 10 transition_done $RS || fail "patching $n"
	echo 0 > $LP_SYSFS/$RS/enabled || fail "disable $n"
	wait_until 10 patch_gone $RS || fail "unpatching $n"
	rmmod $RS || fail "rmmod $n"
done
kill $loop; wait 2>/dev/null
grep -m1 BAD /tmp/loop.log && fail "unexpected output: $(grep -m1 BAD /tmp/loop.log)"

start_case "a Rust patch of a module function, with symbol references"
expect_ok insmod $MODDIR/lprs_rs_patch_target.ko
expect_ok insmod $MODDIR/lprs_test_target.ko
expect_eq "first read" "$(cat /proc/lprs_test_target)" "read 1001"
expect_eq "second read" "$(cat /proc/lprs_test_target)" "read 1002"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_rs_patch_target/enabled"
wait_until 10 patch_gone lprs_rs_patch_target || fail "patch not removed"
expect_eq "restored" "$(cat /proc/lprs_test_target)" original
expect_ok rmmod lprs_rs_patch_target
expect_ok rmmod lprs_test_target

start_case "a cumulative Rust patch replaces a C patch"
expect_ok insmod $MODDIR/lprs_patch_a.ko
wait_until 10 transition_done lprs_patch_a || fail "C patch did not complete"
expect_ok insmod $MODDIR/lprs_rs_patch_replace.ko
wait_until 10 transition_done lprs_rs_patch_replace || fail "replace did not complete"
expect_eq "patched" "$(cat /proc/cmdline)" "lprs_rs_patch_replace: patched by Rust"
wait_until 5 patch_gone lprs_patch_a || fail "C patch still there"
expect_ok rmmod lprs_patch_a
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_rs_patch_replace/enabled"
wait_until 10 patch_gone lprs_rs_patch_replace || fail "patch not removed"
expect_ok rmmod lprs_rs_patch_replace

start_case "a cumulative C patch replaces a Rust patch"
expect_ok insmod $MODDIR/$RS.ko
wait_until 10 transition_done $RS || fail "Rust patch did not complete"
expect_ok insmod $MODDIR/lprs_patch_replace.ko
wait_until 10 transition_done lprs_patch_replace || fail "replace did not complete"
expect_eq "patched" "$(cat /proc/cmdline)" "lprs_patch_replace: patched"
wait_until 5 patch_gone $RS || fail "Rust patch still there"
expect_ok rmmod $RS
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_replace/enabled"
wait_until 10 patch_gone lprs_patch_replace || fail "patch not removed"
expect_ok rmmod lprs_patch_replace
expect_eq "restored" "$(cat /proc/cmdline)" "$orig"
expect_ok unload_runtime
end_test
