#!/usr/bin/env bash
# rustfmt and clippy are clean on the whole Rust tree, module crate included.
set -u
cd "$(dirname "$0")/../.."
if out=$(rustfmt --edition 2021 --check rust/livepatch/main.rs rust/klp-core/src/lib.rs \
	rust/klpctl/src/lib.rs rust/klpctl/src/main.rs rust/klpctl/tests/cli.rs \
	rust/klp/klp.rs selftests/modules/*.rs selftests/compile/*/*.rs 2>&1); then
	echo "PASS: rustfmt is clean"
else
	echo "FAIL: rustfmt is clean: $(echo "$out" | grep -m1 '^Diff in')"
fi
if out=$(cargo clippy -q --workspace --all-targets -- -D warnings 2>&1); then
	echo "PASS: clippy is clean (host crates)"
else
	echo "FAIL: clippy is clean (host crates): $(echo "$out" | head -n 3 | tr '\n' ' ')"
fi
