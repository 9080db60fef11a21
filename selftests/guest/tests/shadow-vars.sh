# Shadow variables (klp_shadow_*): handed over from one patch module to a
# later one, the API's error cases, many threads at once, and what the
# runtime frees when it is unloaded.
. /lprs/guest/lib.sh
load_runtime

# expect_dmesg_line TEXT: the kernel log has a line ending with TEXT.
expect_dmesg_line() {
	dmesg | grep -qF -- "$1" || fail "no kernel log line with '$1'"
}
disable() { echo 0 > $LP_SYSFS/$1/enabled; }
param() { cat /sys/module/$1/parameters/$2; }

start_case "a later patch module finds, takes over and frees a shadow variable"
expect_ok insmod $MODDIR/lprs_shadow_patch_a.ko
expect_dmesg 'lprs_shadow_patch_a: created shadow variable <[^,]+, 1a2b>'
expect_eq "under a" "$(cat /proc/cmdline)" \
	"lprs_shadow_patch_a: owner lprs_shadow_patch_a, created by lprs_shadow_patch_a"
expect_ok insmod $MODDIR/lprs_shadow_patch_b.ko
expect_dmesg 'lprs_shadow_patch_b: found shadow variable <[^,]+, 1a2b> of lprs_shadow_patch_a$'
expect_eq "under b" "$(cat /proc/cmdline)" \
	"lprs_shadow_patch_b: owner lprs_shadow_patch_b, created by lprs_shadow_patch_a"
expect_ok disable lprs_shadow_patch_b
wait_until 5 patch_gone lprs_shadow_patch_b || fail "lprs_shadow_patch_b not freed"
expect_ok rmmod lprs_shadow_patch_b
expect_dmesg 'lprs_shadow_patch_b: freeing the shadow variable of lprs_shadow_patch_b, created by lprs_shadow_patch_a'
expect_eq "under a after b freed it" "$(cat /proc/cmdline)" "lprs_shadow_patch_a: no shadow variable"
expect_ok disable lprs_shadow_patch_a
wait_until 5 patch_gone lprs_shadow_patch_a || fail "lprs_shadow_patch_a not freed"
expect_ok rmmod lprs_shadow_patch_a
expect_no_dmesg 'lprs_shadow_patch_a: freeing'

start_case "alloc refuses a duplicate; a failing constructor leaves nothing"
expect_ok insmod $MODDIR/lprs_test_shadow_api.ko
expect_eq "failed checks" "$(param lprs_test_shadow_api errors)" 0
expect_dmesg 'lprs_test_shadow_api: done, 0 errors'
key=$(dmesg | sed -n 's/.*lprs_test_shadow_api: duplicate: \(<.*>\)$/\1/p')
[ -n "$key" ] || fail "no duplicate key logged"
expect_dmesg_line "livepatch: Duplicate shadow variable $key"
key=$(dmesg | sed -n 's/.*lprs_test_shadow_api: failing ctor: \(<.*>\)$/\1/p')
[ -n "$key" ] || fail "no failing constructor key logged"
expect_dmesg_line "livepatch: Failed to construct shadow variable $key (-28)"
expect_eq "constructor failures logged" \
	"$(dmesg | grep -cF "livepatch: Failed to construct shadow variable $key (-28)")" 2
expect_ok rmmod lprs_test_shadow_api

start_case "16 threads allocate, look up and free overlapping shadow variables"
expect_ok insmod $MODDIR/lprs_test_shadow_stress.ko threads=16 rounds=20000
expect_eq "failed checks" "$(param lprs_test_shadow_stress errors)" 0
line=$(dmesg | grep -E 'lprs_test_shadow_stress: 16 threads x 20000 rounds:')
echo "  $line"
[[ $line =~ :\ ([0-9]+)\ allocated\ \(([0-9]+)\ by\ owners\),\ ([0-9]+)\ freed,\ ([0-9]+)\ lookups.*errors\ 0$ ]] ||
	fail "no summary line with errors 0"
[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[3]}" ] || fail "allocated ${BASH_REMATCH[1]}, freed ${BASH_REMATCH[3]}"
[ "${BASH_REMATCH[2]:-0}" -gt 0 ] && [ "${BASH_REMATCH[4]:-0}" -gt 0 ] ||
	fail "owners allocated ${BASH_REMATCH[2]}, lookups found ${BASH_REMATCH[4]}"
expect_no_dmesg 'Duplicate shadow variable|Failed to construct'
expect_ok rmmod lprs_test_shadow_stress

start_case "unloading the runtime frees the shadow variables left behind"
expect_ok insmod $MODDIR/lprs_test_shadow_api.ko leak=3
expect_err "in use" unload_runtime
expect_ok rmmod lprs_test_shadow_api
expect_no_dmesg 'livepatch: freed'
expect_ok unload_runtime
expect_dmesg 'livepatch: freed 3 shadow variable\(s\) left behind by modules'
end_test
