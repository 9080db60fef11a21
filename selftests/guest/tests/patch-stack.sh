# Patches on the same function stack: the newest wins; disabling any of
# them, on top or not, leaves the right one in effect; modules go away.
. /lprs/guest/lib.sh
load_runtime
orig=$(cat /proc/cmdline)

disable() { echo 0 > $LP_SYSFS/$1/enabled; }
# wait_gone PATCH: the directory disappears once the patch is freed.
wait_gone() {
	local i
	for i in $(seq 50); do [ -e $LP_SYSFS/$1 ] || return 0; sleep 0.1; done
	fail "$LP_SYSFS/$1 still there"
}

start_case "the newest patch wins"
expect_ok insmod $MODDIR/lprs_patch_a.ko
expect_eq "after a" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
expect_ok insmod $MODDIR/lprs_patch_b.ko
expect_ok insmod $MODDIR/lprs_patch_c.ko
expect_eq "after a b c" "$(cat /proc/cmdline)" "lprs_patch_c: patched"
expect_eq "stack_order a b c" \
	"$(cat $LP_SYSFS/lprs_patch_{a,b,c}/stack_order | tr '\n' ' ')" "1 2 3 "

start_case "disabling a patch below the top changes nothing visible"
expect_ok disable lprs_patch_b
wait_gone lprs_patch_b
expect_eq "after disabling b" "$(cat /proc/cmdline)" "lprs_patch_c: patched"
expect_eq "stack_order a c" "$(cat $LP_SYSFS/lprs_patch_{a,c}/stack_order | tr '\n' ' ')" "1 2 "
expect_ok rmmod lprs_patch_b

start_case "disabling the top patch uncovers the one below"
expect_ok disable lprs_patch_c
wait_gone lprs_patch_c
expect_eq "after disabling c" "$(cat /proc/cmdline)" "lprs_patch_a: patched"
expect_ok rmmod lprs_patch_c

start_case "an enabled patch module cannot be removed"
expect_err "is in use" rmmod lprs_patch_a
expect_eq "still patched" "$(cat /proc/cmdline)" "lprs_patch_a: patched"

start_case "enabled attribute semantics"
expect_err "Invalid argument" sh -c "echo 1 > $LP_SYSFS/lprs_patch_a/enabled"
expect_err "Invalid argument" sh -c "echo maybe > $LP_SYSFS/lprs_patch_a/enabled"
expect_err "Invalid argument" sh -c "echo 1 > $LP_SYSFS/lprs_patch_a/force"
expect_ok sh -c "echo 0 > $LP_SYSFS/lprs_patch_a/force"

start_case "disabling the last patch restores the original"
expect_ok disable lprs_patch_a
wait_gone lprs_patch_a
expect_eq "after disabling a" "$(cat /proc/cmdline)" "$orig"
expect_ok rmmod lprs_patch_a
expect_ok unload_runtime
end_test
