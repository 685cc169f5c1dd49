#!/bin/sh
# debug-offsets-fixtures.sh - cut the _Py_DebugOffsets block out of real
# interpreters' .PyRuntime sections into tests/data/debug_offsets/VERSION.bin
# (for tests/unit/test_layout.c).  Needs objcopy (binutils).
#   scripts/debug-offsets-fixtures.sh NAME FILE BYTES ...
set -eu
out=$(dirname "$0")/../tests/data/debug_offsets
mkdir -p "$out"
while [ $# -ge 3 ]; do
  name=$1 file=$2 bytes=$3; shift 3
  tmp=$(mktemp)
  objcopy -O binary --only-section=.PyRuntime "$file" "$tmp"
  head -c "$bytes" "$tmp" > "$out/$name.bin"
  rm -f "$tmp"
  echo "wrote $out/$name.bin"
done
