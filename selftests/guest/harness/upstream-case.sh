# Run cases of the kernel's livepatch selftests (prepared by
# selftests/upstream/prepare.sh) against livepatch.ko, one after another in
# this boot, loading and unloading the runtime around each:
#   upstream-case.sh CASE_FILE[,CASE_FILE...]
# Prints "PASS: <script> [<case>]", "FAIL: ...: why" or "SKIP: ...: why"
# per case.
. /lprs/guest/lib.sh
suite=/lprs/upstream/livepatch

# functions.sh skips every case unless a kernel build tree seems present;
# the modules are prebuilt, so an empty directory does.
mkdir -p "/lib/modules/$(uname -r)/build"

run_case() { # CASE_FILE
	local file=$1 script name label out rc missing
	IFS=$'\t' read -r _ script name < <(awk -F'\t' -v f="$file" '$1 == f' /lprs/upstream/cases.tsv)
	[ -n "$name" ] || { echo "FAIL: $file: not in cases.tsv"; return 1; }
	label="$script [$name]"
	load_runtime || { echo "FAIL: $label: cannot load livepatch.ko"; return 1; }
	out=$(cd "$suite" && bash "./$file" 2>&1); rc=$?
	echo "$out" | sed 's/^/  | /'
	if [ $rc = 4 ]; then
		echo "SKIP: $label: the suite skipped it (exit 4)"
	elif [ $rc != 0 ]; then
		echo "FAIL: $label: exit $rc"
	elif missing=$(awk -v names="$name" 'BEGIN { n = split(names, want, / && /) }
			{ for (i = 1; i <= n; i++) if ($0 == "TEST: " want[i] " ... ok") seen[i] = 1 }
			END { for (i = 1; i <= n; i++) if (!seen[i]) { print want[i]; bad = 1 }; exit !bad }' <<< "$out"); then
		echo "FAIL: $label: no 'TEST: ... ok' line for: $(echo $missing)"
	elif ! unload_runtime; then
		echo "FAIL: $label: livepatch.ko cannot be unloaded afterwards"
		return 1
	else
		echo "PASS: $label"
	fi
	# A failed case may leave the runtime loaded; the next case needs it gone.
	grep -q '^livepatch ' /proc/modules && ! unload_runtime && return 1
	return 0
}

IFS=, read -ra files <<< "$1"
for f in "${files[@]}"; do
	run_case "$f" || break
done
