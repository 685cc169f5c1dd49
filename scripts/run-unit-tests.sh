#!/bin/sh
# run-unit-tests.sh BINARY... - run each CMocka test program, stop at the first failure.
set -u
failed=0
for test in "$@"; do
  if ! "$test"; then
    echo "FAILED: $test" >&2
    failed=1
  fi
done
exit $failed
