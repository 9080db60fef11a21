# Disabling a patch and removing its module while the patched function is
# called in a loop on every CPU: no crash, no splat, every call sees either
# the old or the new function.
. /lprs/guest/lib.sh
load_runtime
orig=$(cat /proc/cmdline)

start_case "enable, disable and unload under load, 20 times"
pids=()
for i in 1 2 3; do
	( while :; do
		out=$(cat /proc/cmdline)
		[ "$out" = "$orig" ] || [ "$out" = "lprs_patch_a: patched" ] || echo "BAD OUTPUT: $out"
	done ) > /tmp/loop$i.log 2>&1 &
	pids+=($!)
done
for n in $(seq 20); do
	insmod $MODDIR/lprs_patch_a.ko || fail "insmod $n"
	echo 0 > $LP_SYSFS/lprs_patch_a/enabled || fail "disable $n"
	for i in $(seq 50); do [ -e $LP_SYSFS/lprs_patch_a ] || break; sleep 0.05; done
	rmmod lprs_patch_a || fail "rmmod $n"
done
kill "${pids[@]}"; wait 2>/dev/null
grep -h "BAD OUTPUT" /tmp/loop*.log | head -3 | while read -r l; do fail "$l"; done
expect_eq "restored" "$(cat /proc/cmdline)" "$orig"
expect_ok unload_runtime
end_test
