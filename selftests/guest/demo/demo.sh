# The demo that `make demo` runs inside the VM: a kernel without a livepatch
# core gains one, and a bug in running kernel code is fixed while a
# workload keeps using it.
say() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
LP=/sys/kernel/livepatch
M=/lprs/modules
PENDING=/sys/kernel/debug/livepatch/pending
state() { [ -e $LP/$1 ] && cat $LP/$1/transition || echo gone; }

say "This VM runs Linux $(uname -r), built WITHOUT the kernel's livepatch core:"
run grep -c ' klp_enable_patch' /proc/kallsyms
run ls -d $LP

say "Loading livepatch-rs (a module) gives this running kernel live patching:"
run insmod $M/livepatch.ko transition_retry_ms=500
run ls -ld $LP

say "A kernel module with a bug: its withdraw function lets an account go negative."
run insmod $M/lprs_demo_bank.ko
say "A workload keeps calling it (one request every 0.5 s; every 6th deposits 100):"
rm -f /tmp/stop
( while [ ! -e /tmp/stop ]; do echo "    [workload] $(cat /proc/lprs_demo_bank)"; sleep 0.5; done ) &
workload=$!
sleep 4.2

say "A slow request is inside the buggy function right now (it takes 3 s)..."
( echo "    [slow request] $(cat /proc/lprs_demo_bank_slow)" ) &
sleep 0.5
say "...and we apply the fix as a live patch. No reboot; the workload keeps running."
run insmod $M/lprs_demo_fix_v1.ko
say "The patch waits until no task is inside the old function. Still pending, and why:"
sed 's/^/    /' $PENDING
while [ "$(state lprs_demo_fix_v1)" = 1 ]; do sleep 0.2; done
say "Transition complete: every task now runs the fixed function. (The slow request
    finished in the old code: a task is never switched while inside it.)"
sleep 3.5

say "What the runtime reports (the upstream sysfs ABI):"
for f in enabled transition replace stack_order; do
	printf '    %s/lprs_demo_fix_v1/%s = %s\n' $LP $f "$(cat $LP/lprs_demo_fix_v1/$f)"
done
printf '    %s/lprs_demo_fix_v1/lprs_demo_bank/patched = %s\n' $LP "$(cat $LP/lprs_demo_fix_v1/lprs_demo_bank/patched)"
say "...and what an operator runs instead (klpctl):"
run /lprs/bin/klpctl status

say "A cumulative patch (v2) replaces v1 atomically, in one transition:"
run insmod $M/lprs_demo_fix_v2.ko
while [ "$(state lprs_demo_fix_v2)" = 1 ]; do sleep 0.2; done
run ls $LP
say "The effective patch level, like Ksplice's uptrack-uname:"
run /lprs/bin/klpctl uname
say "v1 is no longer in use, so its module can go:"
run rmmod lprs_demo_fix_v1
sleep 3

say "Disabling the fix brings the old code back, again without a reboot:"
run sh -c "echo 0 > $LP/lprs_demo_fix_v2/enabled"
while [ "$(state lprs_demo_fix_v2)" != gone ]; do sleep 0.2; done
run rmmod lprs_demo_fix_v2
sleep 3.5

touch /tmp/stop
wait $workload
say "Cleaning up: the demo module and the runtime unload."
run rmmod lprs_demo_bank
run rmmod livepatch
say "Kernel log of the runtime during the demo:"
dmesg | grep -E 'livepatch:' | sed 's/^/    /'
