# Loads a module that WARNs. The script itself succeeds: only the runner's
# log scanner can (and must) fail this run.
insmod /lprs/modules/lprs_test_warn.ko
