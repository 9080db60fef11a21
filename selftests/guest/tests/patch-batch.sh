# The functions of a patch object that nothing hooked yet get one ftrace ops,
# registered in one ftrace update: the same trampoline serves all of them.
# A later patch stacks on a batched function without a new ops; disabling
# the batch leaves only the stacked function hooked (after a transition the
# functions are on the direct path, whose ops is rebuilt without the
# unpatched ones); a conflict in the middle of a batch refuses the whole
# patch and names the function.
. /lprs/guest/lib.sh
load_runtime
TR=/sys/kernel/tracing
B=/proc/lprs_test_batch
# hooked: the batch functions ftrace hooks, in order.
hooked() { grep -o '^lprs_batch_fn[0-9]' $TR/enabled_functions | sort | tr '\n' ' '; }
# tramps: the distinct trampolines serving them.
tramps() { grep '^lprs_batch_fn' $TR/enabled_functions | grep -o 'tramp: [^ ]*' | sort -u | wc -l; }
expect_ok insmod $MODDIR/lprs_test_batch.ko
expect_eq "unpatched" "$(cat $B)" "orig0 orig1 orig2 orig3"

start_case "a patch of four functions of one object hooks them with one ops"
expect_ok insmod $MODDIR/lprs_patch_batch.ko
wait_until 10 transition_done lprs_patch_batch || fail "transition did not complete"
expect_eq "patched" "$(cat $B)" "batch0 batch1 batch2 batch3"
expect_eq "hooked" "$(hooked)" "lprs_batch_fn0 lprs_batch_fn1 lprs_batch_fn2 lprs_batch_fn3 "
expect_eq "trampolines" "$(tramps)" 1

start_case "a patch stacked on one batched function needs no new ops"
expect_ok insmod $MODDIR/lprs_patch_batch_one.ko
wait_until 10 transition_done lprs_patch_batch_one || fail "transition did not complete"
expect_eq "stacked" "$(cat $B)" "batch0 batch1 one2 batch3"
expect_eq "trampolines" "$(tramps)" 1

start_case "disabling the batch unhooks its functions, not the stacked one"
expect_ok disable_patch lprs_patch_batch
expect_eq "answers" "$(cat $B)" "orig0 orig1 one2 orig3"
# Once lprs_batch_fn2 is back on the direct path (direct_delay_ms, 1 s).
hooked_is() { [ "$(hooked)" = "$1" ]; }
wait_until 5 hooked_is "lprs_batch_fn2 "
expect_eq "hooked" "$(hooked)" "lprs_batch_fn2 "
expect_ok rmmod lprs_patch_batch
expect_ok disable_patch lprs_patch_batch_one
expect_eq "answers" "$(cat $B)" "orig0 orig1 orig2 orig3"
expect_eq "hooked" "$(hooked)" ""
expect_ok rmmod lprs_patch_batch_one

start_case "the batch is re-applied after its module is reloaded"
expect_ok insmod $MODDIR/lprs_patch_batch.ko
wait_until 10 transition_done lprs_patch_batch || fail "transition did not complete"
expect_ok rmmod lprs_test_batch
expect_eq "hooked while unloaded" "$(hooked)" ""
expect_ok insmod $MODDIR/lprs_test_batch.ko
expect_eq "patched on load" "$(cat $B)" "batch0 batch1 batch2 batch3"
expect_eq "trampolines" "$(tramps)" 1
expect_ok disable_patch lprs_patch_batch
expect_ok rmmod lprs_patch_batch

start_case "a conflict inside a batch refuses the whole patch and names the function"
expect_ok insmod $MODDIR/lprs_test_fentry.ko func=lprs_batch_fn2
expect_err "Device or resource busy" insmod $MODDIR/lprs_patch_batch.ko
expect_dmesg "livepatch: failed to register ftrace handler for function 'lprs_batch_fn2' \(-16\)"
expect_eq "patches left" "$(ls -A $LP_SYSFS | wc -l)" 0
expect_eq "answers" "$(cat $B)" "orig0 orig1 orig2 orig3"
expect_eq "hooked: the fentry hook only" "$(hooked)" "lprs_batch_fn2 "
[ "$(cat /sys/module/lprs_test_fentry/parameters/hits)" -ge 1 ] || fail "the fentry hook did not run"
expect_ok rmmod lprs_test_fentry
expect_ok insmod $MODDIR/lprs_patch_batch.ko
expect_eq "applies once the hook is gone" "$(cat $B)" "batch0 batch1 batch2 batch3"
expect_ok disable_patch lprs_patch_batch
expect_ok rmmod lprs_patch_batch
expect_ok rmmod lprs_test_batch
expect_ok unload_runtime
end_test
