# The demo that `make demo` runs inside the VM.
say() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "This VM runs Linux $(uname -r), built WITHOUT the kernel's own livepatch core:"
run grep -E 'livepatch|klp_enable_patch' /proc/kallsyms | head -n 3 || true
printf '(no klp_* symbols in the kernel)\n'
run ls -d /sys/kernel/livepatch 2>&1 || true

say "Loading the livepatch-rs runtime module gives it live patching:"
run insmod /lprs/modules/livepatch.ko
run ls -ld /sys/kernel/livepatch
run grep '^livepatch ' /proc/modules
dmesg | grep 'livepatch' | sed 's/^/  kernel: /'

say "No patch is loaded yet, so /sys/kernel/livepatch is empty:"
run ls -A /sys/kernel/livepatch
printf '(empty)\n'

say "Unloading the runtime removes it again:"
run rmmod livepatch
run ls -d /sys/kernel/livepatch 2>&1 || true
