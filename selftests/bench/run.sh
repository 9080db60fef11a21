#!/usr/bin/env bash
# `make bench`: livepatch-rs against the upstream C livepatch core, side by
# side. Two kernels of the same source and config, except that "upstream"
# has CONFIG_LIVEPATCH=y (qemu/configs/upstream.config); the same C patch
# modules are built for each. ROUNDS rounds (default 3), each booting both
# kernels in turn (the order alternating), in real time and in QEMU's
# instruction-counting mode. Prints the table and writes it, with the raw
# figures, to build/bench/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/qemu/env.sh"
cd "$root"
rounds=${ROUNDS:-3}
out=$root/build/bench
mkdir -p "$out"

# Kernels, livepatch.ko, the guest programs and the bench modules.
make -s test-modules KCONFIG=default
for k in default upstream; do
	kdir=$(KCONFIG=$k qemu/build-kernel.sh "$k")
	mkdir -p "$out/$k"
	extra=(KBUILD_EXTRA_SYMBOLS="$root/build/default/module/Module.symvers")
	[ $k = upstream ] && extra=(LPRS_UPSTREAM=1)
	KDIR=$kdir qemu/kmake.sh selftests/bench/modules "$out/$k/modules" modules "${extra[@]}" > "$out/$k/build.log" 2>&1 ||
		{ tail -n 20 "$out/$k/build.log"; exit 1; }
	p=$out/$k/payload/lprs
	rm -rf "$out/$k/payload"
	mkdir -p "$p/modules" "$p/bench"
	[ $k = default ] && cp build/default/module/livepatch.ko "$p/modules/"
	cp "$out/$k/modules/"*.ko "$p/bench/"
	cp -r selftests/guest "$p/"
	mkdir -p "$p/guest/bench"
	cp selftests/bench/guest/bench.sh "$p/guest/bench/"
	cp -r build/default/guest-bin "$p/bin"
done

raw=$out/raw.tsv
: > "$raw"
for r in $(seq "$rounds"); do
	order=(default upstream)
	((r % 2)) || order=(upstream default)
	for mode in realtime icount; do
		for k in "${order[@]}"; do
			log=$out/$k/$mode-$r
			echo "bench: round $r/$rounds, $mode, $k" >&2
			flag=()
			[ $mode = icount ] && flag=(--icount)
			KCONFIG=$k qemu/run-vm.sh "${flag[@]}" --timeout 1200 --payload "$out/$k/payload" \
				--log "$log.guest.log" --out "$log.out" guest/bench/bench.sh 2> "$log.runner" ||
				{ cat "$log.out" "$log.runner" | tail -n 30; echo "bench: the $k VM failed" >&2; exit 1; }
			grep -q '^DONE' "$log.out" || { tail -n 30 "$log.out"; echo "bench: the $k VM did not finish" >&2; exit 1; }
			awk -v m=$mode -v k=$k -v r=$r '$1 == "RESULT" { print m "\t" k "\t" r "\t" $2 "\t" $3 }' "$log.out" >> "$raw"
		done
	done
done
python3 selftests/bench/table.py "$raw" | tee "$out/results.md"
echo "bench: raw figures in $raw, table in $out/results.md" >&2
