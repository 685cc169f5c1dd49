#!/bin/sh
# run-fuzzers.sh DIR SECONDS NAME... - run each libFuzzer harness DIR/NAME:
# first over its committed cases (tests/data/fuzz/NAME/: seeds and inputs
# that once failed; each must pass), then fuzzing for SECONDS from them in
# a scratch corpus under build/.  A finding is kept in
# build/fuzz/findings/NAME/ and fails the run: add it to tests/data/fuzz/
# once fixed.
set -eu
dir=$1 seconds=$2
shift 2
status=0
for name in "$@"; do
  cases=tests/data/fuzz/${name#fuzz_}
  corpus=build/fuzz/corpus/$name
  findings=build/fuzz/findings/$name
  mkdir -p "$corpus" "$findings"
  echo "fuzz: $name: $(ls "$cases" | wc -l) committed cases, then ${seconds}s"
  if ! "$dir/$name" -runs=0 "$cases" >"$findings/cases.log" 2>&1; then
    tail -30 "$findings/cases.log" >&2
    echo "fuzz: $name fails on a committed case" >&2
    status=1
    continue
  fi
  if ! "$dir/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
      -artifact_prefix="$findings/" "$corpus" "$cases" >"$findings/run.log" 2>&1; then
    tail -30 "$findings/run.log" >&2
    echo "fuzz: $name found a failing input: $(ls "$findings" | grep -v '\.log$' | head -3)" >&2
    status=1
    continue
  fi
  grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$findings/run.log" | tail -1 | sed "s/^/fuzz: $name: /"
done
exit $status
