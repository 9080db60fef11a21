# Every malformed or unsafe patch is refused with an errno and a log line
# naming what is wrong, and leaves nothing behind.
. /lprs/guest/lib.sh
load_runtime

# refused MODE ERRTEXT LOGPATTERN: lprs_test_bad mode=MODE must fail to load
# with ERRTEXT, log LOGPATTERN, and leave no patch and no redirection.
refused() {
	start_case "refuses $1"
	expect_err "$2" insmod $MODDIR/lprs_test_bad.ko mode=$1
	expect_dmesg "livepatch: $3"
	expect_no_dmesg "enabling patch|patching complete"
	expect_eq "patches left" "$(ls -A $LP_SYSFS | wc -l)" 0
	grep -q lprs_test_bad /proc/modules && fail "module stayed loaded"
	grep -q "lprs_test_bad: patched" /proc/cmdline && fail "/proc/cmdline patched"
}

refused null_name "Invalid parameters" "patch 'lprs_test_bad': function 0 of object 'vmlinux' has no old_name"
refused empty_name "Invalid parameters" "patch 'lprs_test_bad': function 0 of object 'vmlinux' has no old_name"
refused null_new "Invalid parameters" "patch 'lprs_test_bad': function 'cmdline_proc_show' of object 'vmlinux' has no new_func"
refused dup_func "Invalid parameters" "patch 'lprs_test_bad': function 'cmdline_proc_show' appears twice in object 'vmlinux'"
refused dup_obj "Invalid parameters" "patch 'lprs_test_bad': object 'vmlinux' appears twice"
refused vmlinux_name "Invalid parameters" "patch 'lprs_test_bad': object name 'vmlinux' is reserved"
refused empty_obj_name "Invalid parameters" "patch 'lprs_test_bad': object name '' is empty, use NULL for vmlinux"
refused long_obj_name "Invalid parameters" "patch 'lprs_test_bad': object name 'lprs_a_module_name_longer_than_any_module_name_can_ever_be_' is longer than a module name can be"
refused unknown "Invalid parameters" "symbol 'lprs_no_such_function' not found in symbol table"
refused ambiguous "Invalid parameters" "unresolvable ambiguity for symbol 'cmp_range' in object 'vmlinux' \(2 matches"
refused sympos "Invalid parameters" "symbol position 3 for symbol 'cmdline_proc_show' in object 'vmlinux' not found \(1 matches\)"
refused notrace "Invalid parameters" "patch 'lprs_test_bad': refusing to patch 'do_syscall_64' in object 'vmlinux': it cannot be traced"
refused runtime "Invalid parameters" "patch 'lprs_test_bad': refusing to patch 'lprs_rs_module_coming': it is part of the livepatch runtime"
refused no_objs "Invalid parameters" "klp_enable_patch: patch without objs"
refused no_mod "Invalid parameters" "klp_enable_patch: patch without mod"
refused no_funcs "Invalid parameters" "patch 'lprs_test_bad': object 'some_module' has no function list: funcs is NULL"

start_case "refuses a module not marked as a patch module"
expect_err "Invalid parameters" insmod $MODDIR/lprs_test_unmarked.ko
expect_dmesg "livepatch: module lprs_test_unmarked is not marked as a livepatch module"
expect_eq "patches left" "$(ls -A $LP_SYSFS | wc -l)" 0

start_case "refuses to enable the same patch twice"
expect_ok insmod $MODDIR/lprs_test_bad.ko mode=twice
expect_dmesg "livepatch: patch 'lprs_test_bad' is already enabled"
expect_dmesg "lprs_test_bad: second klp_enable_patch: -22"
expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "lprs_test_bad: patched"
expect_eq "patches" "$(ls $LP_SYSFS)" lprs_test_bad
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_test_bad/enabled"
expect_ok rmmod lprs_test_bad

start_case "accepts an object for a module that never loads"
expect_ok insmod $MODDIR/lprs_test_bad.ko mode=absent
expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "lprs_test_bad: patched"
expect_eq "vmlinux patched" "$(cat $LP_SYSFS/lprs_test_bad/vmlinux/patched)" 1
expect_eq "absent module patched" "$(cat $LP_SYSFS/lprs_test_bad/lprs_never_loaded/patched)" 0
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_test_bad/enabled"
wait_until 10 patch_gone lprs_test_bad || fail "lprs_test_bad not gone"
expect_ok rmmod lprs_test_bad

start_case "the runtime is healthy afterwards"
expect_ok insmod $MODDIR/lprs_patch_a.ko
expect_eq "/proc/cmdline" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_a/enabled"
expect_ok rmmod lprs_patch_a
[[ "$(cat /proc/cmdline)" == *lprs.run=* ]] || fail "/proc/cmdline not restored"
expect_ok unload_runtime
end_test
