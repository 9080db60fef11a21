# Patches for functions of modules: applied when the module is loaded
# already, or when it loads later (before its init runs), removed when it
# goes away, and reported by <object>/patched.
. /lprs/guest/lib.sh
load_runtime
P=$LP_SYSFS/lprs_patch_target/lprs_test_target

start_case "target loaded first"
expect_ok insmod $MODDIR/lprs_test_target.ko
expect_eq "before" "$(cat /proc/lprs_test_target)" original
expect_ok insmod $MODDIR/lprs_patch_target.ko
expect_eq "after" "$(cat /proc/lprs_test_target)" patched
expect_eq "patched" "$(cat $P/patched)" 1
[ -d "$P/lprs_target_message,1" ] || fail "no function directory"

start_case "target unloaded while patched"
expect_ok rmmod lprs_test_target
expect_dmesg "livepatch: reverting patch 'lprs_patch_target' on unloading module 'lprs_test_target'"
expect_eq "patched" "$(cat $P/patched)" 0

start_case "target loaded after the patch is patched before its init"
expect_ok insmod $MODDIR/lprs_test_target.ko
expect_dmesg "livepatch: applying patch 'lprs_patch_target' to loading module 'lprs_test_target'"
expect_dmesg "lprs_test_target: init: patched"
order=$(dmesg | grep -nE "applying patch 'lprs_patch_target'|lprs_test_target: init" | cut -d: -f1 | tr '\n' ' ')
[[ $order =~ ^([0-9]+)\ ([0-9]+)\ $ ]] && [ "${BASH_REMATCH[1]}" -lt "${BASH_REMATCH[2]}" ] ||
	fail "patch not applied before init (lines: $order)"
expect_eq "after reload" "$(cat /proc/lprs_test_target)" patched
expect_eq "patched" "$(cat $P/patched)" 1

start_case "disabling unpatches the loaded target"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_target/enabled"
expect_eq "after disable" "$(cat /proc/lprs_test_target)" original
sleep 0.3
expect_ok rmmod lprs_patch_target
expect_ok rmmod lprs_test_target

start_case "patch first, target never loaded"
expect_ok insmod $MODDIR/lprs_patch_target.ko
expect_eq "patched" "$(cat $P/patched)" 0
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_target/enabled"
sleep 0.3
expect_ok rmmod lprs_patch_target
expect_ok unload_runtime
end_test
