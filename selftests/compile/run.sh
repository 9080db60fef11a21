#!/usr/bin/env bash
# Compile checks of the Rust patch API against the kernel in use: each
# directory here is one patch module; ok_* must build, bad_* must fail with
# a type mismatch (E0308) in the replacement's check. Prints PASS:/FAIL:.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/qemu/env.sh"
out=$root/build/$KCONFIG/compile
for d in "$root"/selftests/compile/*/; do
	name=$(basename "$d")
	log=$out/$name.log
	mkdir -p "$out/$name"
	"$root/qemu/kmake.sh" "$d" "$out/$name" modules \
		KBUILD_EXTRA_SYMBOLS="$root/build/$KCONFIG/module/Module.symvers" > "$log" 2>&1
	rc=$?
	case $name in
	ok_*)
		if [ $rc = 0 ]; then echo "PASS: $name builds"
		else echo "FAIL: $name builds: $(grep -m1 '^error' "$log")"; fi ;;
	bad_*)
		if [ $rc != 0 ] && grep -q 'error\[E0308\]: mismatched types' "$log" &&
			grep -q 'klp::func!' "$log"; then
			echo "PASS: $name is refused at compile time (mismatched types in klp::func!)"
		else
			echo "FAIL: $name is refused at compile time: exit $rc, $(grep -m1 '^error' "$log")"
		fi ;;
	esac
done
