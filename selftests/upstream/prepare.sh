#!/usr/bin/env bash
# Prepare the kernel's own livepatch selftests (tools/testing/selftests/
# livepatch of the kernel source in use) to run against livepatch-rs:
# copy them, apply the substitutions listed in SUBSTITUTIONS.md, build their
# test modules against livepatch.ko and their helper program, and split each
# test script into one script per case, so every case boots its own VM.
#   selftests/upstream/prepare.sh OUT_DIR
# Writes OUT_DIR/livepatch (the suite) and OUT_DIR/cases.tsv (one line per
# case: file<TAB>script<TAB>case name, "a && b" when one block runs two).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../qemu/env.sh"
out=$1
ksrc=${KSRC:-$("$LPRS_ROOT/qemu/fetch-kernel.sh")}
src=$ksrc/tools/testing/selftests/livepatch
[ -f "$src/functions.sh" ] || { echo "upstream: no livepatch selftests in $ksrc" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
cp -r "$src" "$out/livepatch"
suite=$out/livepatch

# subst FILE SED-EXPR WHAT: apply a substitution that must change FILE.
subst() {
	local before
	before=$(sha256sum < "$1")
	sed -i "$2" "$1"
	[ "$(sha256sum < "$1")" != "$before" ] ||
		{ echo "upstream: substitution '$3' no longer applies to $1" >&2; exit 1; }
}

# 1. The patch module marker.
n=0
for f in "$suite"/test_modules/*.c; do
	grep -q 'MODULE_INFO(livepatch, "Y");' "$f" || continue
	subst "$f" 's/MODULE_INFO(livepatch, "Y");/KLP_PATCH_MODULE();/' "marker"
	n=$((n + 1))
done
[ $n -gt 0 ] || { echo "upstream: no patch module carries MODULE_INFO(livepatch, \"Y\")" >&2; exit 1; }
subst "$suite/functions.sh" "s|awk '/^livepatch:/{print \$NF}'|awk '/^livepatch_rs:/{print \$NF}'|" "modinfo tag"
# 2. The runtime's debug messages come from a module, not kernel/livepatch/.
subst "$suite/functions.sh" 's|file kernel/livepatch/\* +p|module livepatch +p|' "dynamic debug"
# 3. Build the test modules with livepatch-rs's header. Modules that use API
# livepatch.ko does not export yet still build (KBUILD_MODPOST_WARN) and fail
# to load, in the cases that expected.txt marks as waiting for an issue.
printf 'include %s/c-shim/livepatch-rs.mk\ninclude $(src)/Makefile\n' "$LPRS_ROOT" \
	> "$suite/test_modules/Kbuild"

"$LPRS_ROOT/qemu/kmake.sh" "$suite/test_modules" "$out/modbuild" modules \
	KBUILD_EXTRA_SYMBOLS="$LPRS_ROOT/build/$KCONFIG/module/Module.symvers" \
	KBUILD_MODPOST_WARN=1 > "$out/modbuild.log" 2>&1 ||
	{ tail -n 30 "$out/modbuild.log" >&2; echo "upstream: building the test modules failed" >&2; exit 1; }
find "$out/modbuild" -name '*.ko' -exec cp {} "$suite/test_modules/" \;
gcc -O2 -static -o "$suite/test_klp-call_getpid" "$suite/test_klp-call_getpid.c"

# 4. One script per case: the lines before the first case (setup), then the
# case's own lines. A case starts at a top-level start_test, or at the `if`
# that guards an indented one (test-sysfs.sh); it ends where the next starts
# or at `exit 0`.
: > "$out/cases.tsv"
for script in "$suite"/test-*.sh; do
	base=$(basename "$script" .sh)
	awk -v base="$base" -v dir="$suite" -v tsv="$out/cases.tsv" -v sname="$base.sh" '
		{ line[NR] = $0 }
		END {
			n = 0; stop = NR + 1
			for (i = 1; i <= NR; i++) {
				if (line[i] ~ /^exit 0/) { stop = i; break }
				if (line[i] ~ /^start_test "/) { start[++n] = i; continue }
				if (line[i] ~ /^if .*; then$/) {
					for (j = i + 1; j <= NR && line[j] ~ /^[ \t]*$/; j++) ;
					if (line[j] ~ /^[ \t]+start_test "/) start[++n] = i
				}
			}
			start[n + 1] = stop
			for (k = 1; k <= n; k++) {
				f = sprintf("%s/case-%s--%02d.sh", dir, base, k)
				for (i = 1; i < start[1]; i++) {
					l = line[i]
					# Cases run alone: what an earlier case found out about
					# the sysfs attributes cannot carry over (SUBSTITUTIONS.md).
					if (l ~ /^HAS_[A-Z_]*_ATTR=0$/) sub(/=0$/, "=1", l)
					print l > f
				}
				name = ""
				for (i = start[k]; i < start[k + 1]; i++) {
					print line[i] > f
					# A guarded block may hold several tests: "a && b".
					if (match(line[i], /start_test "[^"]*"/))
						name = name (name == "" ? "" : " && ") \
						       substr(line[i], RSTART + 12, RLENGTH - 13)
				}
				print "exit 0" > f
				close(f)
				printf "case-%s--%02d.sh\t%s\t%s\n", base, k, sname, name >> tsv
			}
		}' "$script"
done
echo "$out"
