#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn `make bench`'s raw figures (mode, kernel, round, metric, value) into
a Markdown table: per metric and mode, the median and range over the rounds
for each core, and the ratio livepatch-rs / upstream of the medians."""
import statistics
import sys
from collections import defaultdict

ROWS = [
    # metric, label, unit divisor, unit[, upstream's metric when it differs]
    ("call_unpatched_ps", "call of a function, unpatched (floor)", 1000, "ns"),
    ("call_patched_ps", "call of a patched function, steady state", 1000, "ns"),
    ("call_overhead_ps", "overhead of a patched function's call, steady state (patched - floor)", 1000, "ns"),
    # The upstream core has one path: its steady state.
    ("call_handler_ps", "call of a patched function, steady state, livepatch-rs on the ftrace handler (direct_calls=0)",
     1000, "ns", "call_patched_ps"),
    ("call_transition_ps", "call of a patched function, during a transition", 1000, "ns"),
    ("call_batch_ps", "call of one of 1000 patched functions (one patch), steady state", 1000, "ns"),
    ("getpid_unpatched_ps", "getpid(), unpatched (floor)", 1000, "ns"),
    ("getpid_patched_ps", "getpid(), patched, steady state", 1000, "ns"),
    ("getpid_overhead_ps", "overhead of getpid() patched, steady state (patched - floor)", 1000, "ns"),
    ("getpid_transition_ps", "getpid(), patched, during a transition", 1000, "ns"),
    ("enable_1_us", "insmod to transition complete, 1 function, idle", 1000, "ms"),
    ("enable_10_us", "insmod to transition complete, 10 functions, idle", 1000, "ms"),
    ("enable_100_us", "insmod to transition complete, 100 functions, idle", 1000, "ms"),
    ("enable_1000_us", "insmod to transition complete, 1000 functions, idle", 1000, "ms"),
    ("enable_loaded_us", "insmod to transition complete, 200 threads calling it", 1000, "ms"),
    ("transition_loaded_us", "of which the transition (start to complete)", 1000, "ms"),
    ("disable_1_us", "disable to unpatching complete, 1 function, idle", 1000, "ms"),
    ("disable_10_us", "disable to unpatching complete, 10 functions, idle", 1000, "ms"),
    ("disable_100_us", "disable to unpatching complete, 100 functions, idle", 1000, "ms"),
    ("mem_per_func_bytes", "kernel memory per patched function (slab, vmalloc, per-cpu)", 1, "bytes"),
]


def main(path):
    vals = defaultdict(list)  # (mode, kernel, metric) -> [values]
    per_round = defaultdict(dict)  # (mode, kernel, round) -> {metric: value}
    with open(path) as f:
        for line in f:
            mode, kernel, rnd, metric, value = line.split()
            vals[(mode, kernel, metric)].append(int(value))
            per_round[(mode, kernel, rnd)][metric] = int(value)
    for (mode, kernel, _), m in per_round.items():
        for what in ("call", "getpid"):
            if f"{what}_patched_ps" in m and f"{what}_unpatched_ps" in m:
                vals[(mode, kernel, f"{what}_overhead_ps")].append(
                    m[f"{what}_patched_ps"] - m[f"{what}_unpatched_ps"])
        if "kmem_1000_bytes" in m and "kmem_1_bytes" in m:
            vals[(mode, kernel, "mem_per_func_bytes")].append(
                (m["kmem_1000_bytes"] - m["kmem_1_bytes"]) // 999)
    rounds = len({r for (_, _, r) in per_round})
    print(f"livepatch-rs (default kernel + livepatch.ko) against the upstream core "
          f"(same kernel with CONFIG_LIVEPATCH=y); median and range of {rounds} rounds; "
          f"ratio = livepatch-rs / upstream (< 1: livepatch-rs is faster or smaller).\n")
    for mode, title in (("realtime", "real time (TCG, wall clock)"),
                        ("icount", "instruction counting (-icount shift=0: 1 ns per guest instruction, repeatable)")):
        print(f"### {title}\n")
        print("| measure | livepatch-rs | upstream | ratio |")
        print("| --- | --- | --- | --- |")
        for metric, label, div, unit, *up in ROWS:
            a = vals.get((mode, "default", metric))
            b = vals.get((mode, "upstream", up[0] if up else metric))
            if not a or not b:
                continue

            def cell(v):
                med = statistics.median(v) / div
                return f"{med:.2f} {unit} ({min(v) / div:.2f}–{max(v) / div:.2f})"
            ratio = statistics.median(a) / statistics.median(b) if statistics.median(b) else float("nan")
            print(f"| {label} | {cell(a)} | {cell(b)} | {ratio:.2f} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1])
