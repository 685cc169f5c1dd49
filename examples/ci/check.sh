#!/bin/sh
# examples/ci/check.sh - a plain shell CI step: is NEW slower than BASE?
#
#   examples/ci/check.sh BASE_DIR NEW_DIR [OUT_DIR]
#
# Runs BASE_DIR/app.py and NEW_DIR/app.py under peekpy, alternately, RUNS
# times each, so that the machine's drift falls on both alike; then
# peekpy check (its table on stdout, OUT_DIR/check.json and
# OUT_DIR/summary.md) and peekpy diff (OUT_DIR/diff.svg).  The exit status
# is peekpy check's: 0 no regression, 1 a regression, 2 could not compare.
#
# Settings, from the environment: PEEKPY (default: peekpy on PATH), PYTHON
# (python3), RUNS (6), RATE (100 samples a second), THRESHOLD (5%),
# MIN_SHARE (1%: functions below this share are not compared) and APP_ARGS
# (passed to app.py).
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 BASE_DIR NEW_DIR [OUT_DIR]" >&2
	exit 2
fi
base=$1
new=$2
out=${3:-profiles}
peekpy=${PEEKPY:-peekpy}
python=${PYTHON:-python3}
runs=${RUNS:-6}
rate=${RATE:-100}
threshold=${THRESHOLD:-5%}
min_share=${MIN_SHARE:-1%}

mkdir -p "$out"
rm -f "$out"/base-*.peek "$out"/new-*.peek
i=1
while [ "$i" -le "$runs" ]; do
	# shellcheck disable=SC2086
	"$peekpy" record -r "$rate" -f raw -o "$out/base-$i.peek" -- "$python" "$base/app.py" ${APP_ARGS:-}
	# shellcheck disable=SC2086
	"$peekpy" record -r "$rate" -f raw -o "$out/new-$i.peek" -- "$python" "$new/app.py" ${APP_ARGS:-}
	i=$((i + 1))
done

status=0
"$peekpy" check "$out"/base-*.peek -- "$out"/new-*.peek --threshold "$threshold" \
	--min-share "$min_share" \
	--json "$out/check.json" --markdown "$out/summary.md" || status=$?
"$peekpy" diff "$out"/base-*.peek -- "$out"/new-*.peek -o "$out/diff.svg" || true
exit "$status"
