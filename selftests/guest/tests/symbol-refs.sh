# Symbol references: patch code reaches static functions and variables of
# vmlinux and of modules (also modules loaded after the patch) through
# pointers the runtime fills before the new code can run; references that do
# not resolve refuse the patch (or the module), naming the symbol.
. /lprs/guest/lib.sh
load_runtime
orig=$(cat /proc/cmdline)

start_case "a static vmlinux function and variable"
expect_ok insmod $MODDIR/lprs_patch_syms.ko
wait_until 10 transition_done lprs_patch_syms || fail "transition did not complete"
out=$(cat /proc/cmdline)
expect_eq "static variable" "$(head -n1 <<< "$out")" "hung_task_check_count=$(cat /proc/sys/kernel/hung_task_check_count)"
expect_eq "static function" "$(tail -n +2 <<< "$out")" "$(cat /proc/version)"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_syms/enabled"
wait_until 10 patch_gone lprs_patch_syms || fail "patch not removed"
expect_ok rmmod lprs_patch_syms
expect_eq "restored" "$(cat /proc/cmdline)" "$orig"

refused() { # MODE MESSAGE
	start_case "refuses a reference: $1"
	expect_err "Invalid parameters" insmod $MODDIR/lprs_patch_syms.ko mode=$1
	expect_dmesg "livepatch: patch 'lprs_patch_syms': $2"
	[ -e $LP_SYSFS/lprs_patch_syms ] && fail "sysfs directory left"
	grep -q '^lprs_patch_syms ' /proc/modules && fail "module left loaded"
	expect_eq "nothing applied" "$(cat /proc/cmdline)" "$orig"
}
refused unknown "cannot resolve symbol reference 'lprs_no_such_symbol' in object 'vmlinux': not found"
refused ambiguous "cannot resolve symbol reference 'warn_unsupported' in object 'vmlinux': ambiguous, set its sympos"
refused sympos "cannot resolve symbol reference 'version_proc_show' in object 'vmlinux': no symbol at that position"
refused nodest "symbol reference 'sysctl_hung_task_check_count' in object 'vmlinux' has no destination"

start_case "static symbols of a module loaded after the patch"
expect_ok insmod $MODDIR/lprs_patch_target_syms.ko
expect_ok insmod $MODDIR/lprs_test_target.ko
expect_eq "first read" "$(cat /proc/lprs_test_target)" "read 1"
expect_eq "second read" "$(cat /proc/lprs_test_target)" "read 2"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_target_syms/enabled"
wait_until 10 patch_gone lprs_patch_target_syms || fail "patch not removed"
expect_eq "restored" "$(cat /proc/lprs_test_target)" original
expect_ok rmmod lprs_patch_target_syms
expect_ok rmmod lprs_test_target

start_case "a reference to another object's symbol refuses the module"
expect_ok insmod $MODDIR/lprs_patch_target_syms.ko mode=wrong_object
expect_err "Invalid parameters" insmod $MODDIR/lprs_test_target.ko
expect_dmesg "cannot resolve symbol reference 'version_proc_show' in object 'lprs_test_target': not found"
expect_dmesg "patch 'lprs_patch_target_syms' failed for module 'lprs_test_target', refusing to load module"
[ -e /proc/lprs_test_target ] && fail "the refused module is loaded"
expect_eq "patch still enabled" "$(cat $LP_SYSFS/lprs_patch_target_syms/enabled)" 1
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_target_syms/enabled"
wait_until 10 patch_gone lprs_patch_target_syms || fail "patch not removed"
expect_ok rmmod lprs_patch_target_syms
expect_ok unload_runtime
end_test
