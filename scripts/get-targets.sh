#!/bin/sh
# get-targets.sh - give the integration tests the interpreters pyenv lacks
# (Debian sid's CPython 3.14 and 3.15, in a chroot) by running the shared
# ../shared/targets/get-targets.sh with WITH_DBG=0 WITH_BUILDS=0.  It is
# cached and takes seconds once done.  When it cannot run, the tests report
# the missing versions as skipped; this only says why.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
script=${PEEKPY_GET_TARGETS:-$top/../shared/targets/get-targets.sh}
if [ ! -f "$script" ]; then
  echo "peekpy: $script not found: tests of CPython 3.14 and 3.15 will be skipped" \
       "(set PEEKPY_GET_TARGETS to its path)" >&2
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "peekpy: get-targets.sh needs root: tests of CPython 3.14 and 3.15 will be skipped" >&2
  exit 0
fi
log=${TMPDIR:-/tmp}/peekpy-get-targets.log
echo "peekpy: preparing extra interpreters with $script (log: $log)" >&2
if ! WITH_DBG=${WITH_DBG:-0} WITH_BUILDS=${WITH_BUILDS:-0} bash "$script" >"$log" 2>&1; then
  tail -5 "$log" >&2
  echo "peekpy: get-targets.sh failed: the versions it provides will be reported as skipped" >&2
fi
exit 0
