# Run one case of the kernel's livepatch selftests (prepared by
# selftests/upstream/prepare.sh) against livepatch.ko:
#   upstream-case.sh CASE_FILE
# Prints "PASS: <script>: <case>", "FAIL: ...: why" or "SKIP: ...: why".
. /lprs/guest/lib.sh
file=$1
suite=/lprs/upstream/livepatch
IFS=$'\t' read -r _ script name < <(awk -F'\t' -v f="$file" '$1 == f' /lprs/upstream/cases.tsv)
[ -n "$name" ] || { echo "FAIL: $file: not in cases.tsv"; exit 1; }
label="$script [$name]"

# functions.sh skips every case unless a kernel build tree seems present;
# the modules are prebuilt, so an empty directory does.
mkdir -p "/lib/modules/$(uname -r)/build"
load_runtime || { echo "FAIL: $label: cannot load livepatch.ko"; exit 1; }
cd "$suite"
out=$(bash "./$file" 2>&1); rc=$?
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
else
	echo "PASS: $label"
fi
