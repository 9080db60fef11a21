#!/usr/bin/env bash
# `make check`: host tests, the module build, then every VM test, each VM test
# in its own boot. Ends with "N passed, N failed[, N skipped]"; exits non-zero
# on any failure.
#   selftests/check.sh [--host-only|--vm-only] [TEST...]
# TEST names a file of selftests/guest/tests/ without .sh (VM tests only).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/qemu/env.sh"
cd "$root"

phase=all
case ${1:-} in --host-only) phase=host; shift ;; --vm-only) phase=vm; shift ;; esac
only=("$@")

passed=0 failed=0 skipped=0 failures=()
record() { # PASS|FAIL|SKIP NAME [WHY]
	case $1 in
	PASS) passed=$((passed + 1)) ;;
	FAIL) failed=$((failed + 1)); failures+=("$2${3:+: $3}"); echo "FAIL  $2${3:+: $3}" ;;
	SKIP) skipped=$((skipped + 1)); echo "SKIP  $2${3:+: $3}" ;;
	esac
	[ "$1" = PASS ] && echo "ok    $2"
}
# Count the PASS:/FAIL:/SKIP: lines of a test's output, prefixed with GROUP.
# Sets $counted to how many it counted.
record_lines() { # GROUP FILE
	local kind rest
	counted=0
	while IFS= read -r line; do
		case $line in
		PASS:\ *|FAIL:\ *|SKIP:\ *)
			kind=${line%%:*} rest=${line#*: }
			if [ "$kind" = PASS ]; then record PASS "$1: $rest"
			else record "$kind" "$1: ${rest%%: *}" "$([[ $rest == *': '* ]] && echo "${rest#*: }")"; fi
			counted=$((counted + 1)) ;;
		esac
	done < "$2"
}

summary() {
	echo
	if ((${#failures[@]})); then
		echo "Failures:"; printf '  %s\n' "${failures[@]}"
	fi
	echo "check: $passed passed, $failed failed$( ((skipped)) && echo ", $skipped skipped")"
	[ "$failed" = 0 ]
	exit
}

host_tests() {
	echo "== host tests"
	local out rc
	out=$(mktemp)
	cargo test --workspace --color never > "$out" 2>&1; rc=$?
	while IFS= read -r line; do
		case $line in
		"test "*" ... ok") t=${line#test }; record PASS "cargo: ${t% ... ok}" ;;
		"test "*" ... FAILED") t=${line#test }; record FAIL "cargo: ${t% ... FAILED}" ;;
		"test "*" ... ignored"*) t=${line#test }; record SKIP "cargo: ${t% ... ignored*}" "ignored" ;;
		esac
	done < "$out"
	if [ $rc != 0 ] && ! grep -q '\.\.\. FAILED' "$out"; then
		tail -n 30 "$out"; record FAIL "cargo test" "exit $rc (build error?)"
	fi
	rm -f "$out"
	local t f
	for t in selftests/host/*.sh; do
		f=$(mktemp)
		bash "$t" > "$f" 2>&1; rc=$?
		record_lines "host/$(basename "$t" .sh)" "$f"
		if [ $rc != 0 ] || [ "$counted" = 0 ]; then cat "$f"; record FAIL "host/$(basename "$t" .sh)" "exit $rc, $counted cases"; fi
		rm -f "$f"
	done
}

# The VM time limit of a guest test: its "# vm-timeout: SECS" line, or 300 s;
# tripled on the debug kernel (KASAN and lockdep under TCG).
vm_timeout() { # TEST_FILE
	local t
	t=$(sed -n 's/^# vm-timeout: \([0-9]*\)$/\1/p' "$1")
	t=${t:-300}
	[ "$KCONFIG" = debug ] && t=$((t * 3))
	echo "$t"
}

# guest_test FILE NAME LOG ARG [RUN-VM OPTIONS]: boot a VM running the guest
# test FILE with ARG; its cases are NAME's, its logs $logs/LOG.*.
guest_test() {
	local t=$1 name=$2 log=$3 arg=$4 rc
	shift 4
	"$root/qemu/run-vm.sh" --payload "$payload" --timeout "$(vm_timeout "$t")" --log "$logs/$log.guest.log" \
		--out "$logs/$log.out" "$@" "guest/tests/$name.sh" "$arg" 2> "$logs/$log.runner"; rc=$?
	record_lines "$name" "$logs/$log.out"
	if [ $rc != 0 ] || [ "$counted" = 0 ]; then
		sed 's/^/  | /' "$logs/$log.out" "$logs/$log.runner" | tail -n 40
		record FAIL "$log" "VM run exit $rc, $counted cases reported (guest log: $logs/$log.guest.log)"
	fi
}

vm_tests() {
	echo "== build"
	if ! make -s -C "$root" test-modules KCONFIG="$KCONFIG"; then
		record FAIL "build of livepatch.ko and test modules"
		return
	fi
	local logs=$root/build/$KCONFIG/logs payload up=$root/build/$KCONFIG/upstream
	rm -rf "$logs"; mkdir -p "$logs"
	# Kernel-independent build checks run with the default kernel only.
	if ! ((${#only[@]})) && [ "$KCONFIG" = default ]; then
		# The Rust patch API refuses mismatched replacements at compile time.
		"$root/selftests/compile/run.sh" > "$logs/compile.out" 2>&1
		record_lines compile "$logs/compile.out"
		[ "$counted" -gt 0 ] || { cat "$logs/compile.out"; record FAIL "compile checks" "none ran"; }
		dkms_build "$logs"
	fi
	if ! "$root/selftests/upstream/prepare.sh" "$up" > /dev/null 2> "$logs/upstream-prepare.log"; then
		cat "$logs/upstream-prepare.log"; rm -rf "$up"
		record FAIL "upstream: preparing the kernel's livepatch selftests"
	fi
	payload=$("$root/qemu/mkpayload.sh")
	echo "== VM tests (kernel config '$KCONFIG', logs in $logs)"
	local t name boots boot words
	for t in selftests/guest/tests/*.sh; do
		name=$(basename "$t" .sh)
		if ((${#only[@]})) && [[ " ${only[*]} " != *" $name "* ]]; then continue; fi
		# "# vm-boots: BOOT[:WORD,...] ...": one VM booting systemd per
		# BOOT, with the WORDs on the kernel command line; the script
		# gets BOOT as its argument.
		boots=$(sed -n 's/^# vm-boots: //p' "$t")
		if [ -z "$boots" ]; then
			guest_test "$t" "$name" "$name" "$KCONFIG"
			continue
		fi
		for boot in $boots; do
			[[ $boot == *:* ]] || boot=$boot:
			words=${boot#*:}
			guest_test "$t" "$name" "$name-${boot%%:*}" "${boot%%:*}" --systemd --append "${words//,/ }"
		done
	done
	upstream_tests "$payload" "$logs" "$up"
	((${#only[@]})) && return
	# The log scanner must fail a run whose guest WARNs, even though the
	# script itself succeeds; on the debug kernel, each detector must
	# report (proving it is on) and fail the run too.
	local kind want
	while read -r kind want; do
		[ "$kind" = warn ] || [ "$KCONFIG" = debug ] || continue
		"$root/qemu/run-vm.sh" --payload "$payload" --log "$logs/plant-$kind.guest.log" \
			--out "$logs/plant-$kind.out" guest/harness/plant-splat.sh "$kind" 2> "$logs/plant-$kind.runner" < /dev/null; rc=$?
		if [ $rc = 126 ] && grep -qE "$want" "$logs/plant-$kind.runner"; then
			record PASS "harness: a planted report ($kind) fails the VM run"
		else
			record FAIL "harness: a planted report ($kind) fails the VM run" "runner exit $rc"
		fi
	done <<-EOT
	warn WARNING:.*lprs_test_warn
	kasan BUG: KASAN: slab-use-after-free in lprs_plant_kasan
	lockdep possible circular locking dependency detected
	atomic BUG: sleeping function called from invalid context
	ubsan UBSAN: shift-out-of-bounds
	EOT
}

# dkms.conf's build command, run as DKMS runs it (in a copy of the source,
# with ${kernel_source_dir} set), builds livepatch.ko.
# DKMS itself (dkms add + build) on a copy of the tree, against the test
# kernel's build tree, with its own source and dkms trees in a scratch
# directory: nothing of the host's DKMS state is touched.
dkms_build() { # LOGS
	local d kdir rel ver ko
	d=$(mktemp -d)
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$root/dkms.conf")
	mkdir -p "$d/src/livepatch-rs-$ver" "$d/dkms"
	(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$d/src/livepatch-rs-$ver")
	kdir=${KDIR:-$("$root/qemu/build-kernel.sh" "$KCONFIG")}
	rel=$(cat "$kdir/include/config/kernel.release")
	ko=$d/dkms/livepatch-rs/$ver/$rel/$(uname -m)/module/livepatch.ko
	# DKMS passes CC=clang LD=ld.lld for a kernel built with clang: the
	# LLVM the kernel was built with must be first in PATH, as on a distro.
	if { dkms add -m livepatch-rs -v "$ver" --sourcetree "$d/src" --dkmstree "$d/dkms" &&
	     PATH=${LIBCLANG_PATH%/lib}/bin:$PATH dkms build -m livepatch-rs -v "$ver" -k "$rel" --kernelsourcedir "$kdir" \
		--sourcetree "$d/src" --dkmstree "$d/dkms"; } > "$1/dkms.log" 2>&1 &&
		[ "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" = "$rel" ]; then
		record PASS "dkms add and build make livepatch.ko for $rel"
	else
		tail -n 20 "$1/dkms.log"
		record FAIL "dkms add and build make livepatch.ko for $rel" "see $1/dkms.log"
	fi
	rm -rf "$d"
}

# The kernel's own livepatch selftests, as selftests/upstream/expected.txt
# says: "pass" cases must pass, the others are reported as skipped with the
# issue they wait for. The cases of one script run in one VM, one after the
# other, each with the runtime freshly loaded.
upstream_tests() { # PAYLOAD LOGS UPSTREAM_DIR
	local payload=$1 logs=$2 up=$3 expected=$root/selftests/upstream/expected.txt
	[ -f "$up/cases.tsv" ] || return
	echo "== kernel livepatch selftests ($(wc -l < "$up/cases.tsv") cases)"
	local file script name want label rc scripts=() s files labels i per
	declare -A run=()
	while IFS=$'\t' read -r file script name; do
		label="upstream: $script [$name]"
		if ((${#only[@]})) && [[ " ${only[*]} " != *" upstream "* ]]; then continue; fi
		want=$(awk -F' *[|] *' -v s="$script" -v n="$name" '$2 == s && $3 == n { print $1 }' "$expected")
		case $want in
		pass) ;;
		"#"[0-9]*) record SKIP "$label" "needs issue $want"; continue ;;
		*) record FAIL "$label" "not listed in selftests/upstream/expected.txt"; continue ;;
		esac
		[ -n "${run[$script]:-}" ] || scripts+=("$script")
		run[$script]+="${run[$script]:+,}$file"
	done < "$up/cases.tsv"
	for s in "${scripts[@]}"; do
		files=${run[$s]}
		IFS=, read -ra labels <<< "$files"
		# 60 s a case, tripled on the debug kernel.
		per=60
		[ "$KCONFIG" = debug ] && per=180
		"$root/qemu/run-vm.sh" --payload "$payload" --timeout $((per * ${#labels[@]})) \
			--log "$logs/$s.guest.log" --out "$logs/$s.out" \
			guest/harness/upstream-case.sh "$files" 2> "$logs/$s.runner" < /dev/null; rc=$?
		record_lines upstream "$logs/$s.out"
		if [ $rc != 0 ] || grep -q '^FAIL: ' "$logs/$s.out"; then
			sed 's/^/  | /' "$logs/$s.out" "$logs/$s.runner" | tail -n 40
		fi
		[ $rc != 0 ] && record FAIL "upstream: $s" "VM run exit $rc (guest log: $logs/$s.guest.log)"
		# Every case sent must have reported.
		for i in "${labels[@]}"; do
			IFS=$'\t' read -r _ script name < <(awk -F'\t' -v f="$i" '$1 == f' "$up/cases.tsv")
			grep -qF -- "$script [$name]" "$logs/$s.out" ||
				record FAIL "upstream: $script [$name]" "did not run (guest log: $logs/$s.guest.log)"
		done
	done
	# Lines of expected.txt that name no case are stale.
	while IFS='|' read -r want script name; do
		script=$(echo $script) name=$(echo $name)
		awk -F'\t' -v s="$script" -v n="$name" '$2 == s && $3 == n { f = 1 } END { exit !f }' "$up/cases.tsv" ||
			record FAIL "upstream: $script [$name]" "listed in expected.txt but not in the suite"
	done < <(grep -v '^# \|^#$' "$expected")
}

case $phase in
host) host_tests ;;
vm) vm_tests ;;
all) host_tests; vm_tests ;;
esac
summary
