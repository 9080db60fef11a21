# Loads a module that makes the kernel report $1 (a kind of lprs_test_warn).
# The script itself succeeds: only the runner's log scanner can (and must)
# fail this run.
insmod /lprs/modules/lprs_test_warn.ko kind=${1:-warn}
