#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs cmocka unit-test binaries and sums their results.
#
# Usage: tests/run-unit.sh BINARY...
# Each binary runs with CMOCKA_MESSAGE_OUTPUT=TAP; its TAP lines are shown as they come. A binary
# that exits non-zero without reporting a failed test (a crash, a sanitizer abort, a timeout)
# counts as one failure. The last line is "N passed, N failed"; the exit status is 1 when anything
# failed (or no binary was given), else 0.
# Env: RCI_UNIT_TIMEOUT  seconds per binary (default 300)
#      RCI_UNIT_WRAPPER  command prefix, e.g. "valgrind --error-exitcode=99 --leak-check=full"
set -uo pipefail

timeout_s=${RCI_UNIT_TIMEOUT:-300}
read -r -a wrapper <<<"${RCI_UNIT_WRAPPER:-}"

if [ "$#" -eq 0 ]; then
	echo "usage: $0 BINARY..." >&2
	echo "0 passed, 0 failed"
	exit 1
fi

passed=0 failed=0 skipped=0
failed_bins=()

for bin in "$@"; do
	name=$(basename "$bin")
	echo "# $name"
	if [ ! -x "$bin" ]; then
		echo "not ok - $name: not an executable file"
		failed=$((failed + 1))
		failed_bins+=("$name")
		continue
	fi
	out=$(mktemp)
	CMOCKA_MESSAGE_OUTPUT=TAP timeout --kill-after=5 "$timeout_s" \
		"${wrapper[@]}" "$bin" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -cE '^ok [0-9]+' "$out")
	s=$(grep -cE '^not ok [0-9]+ # SKIP' "$out")
	f=$(grep -E '^not ok [0-9]+' "$out" | grep -cvE '^not ok [0-9]+ # SKIP')
	rm -f "$out"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "not ok - $name: timed out after ${timeout_s}s"
		elif [ "$rc" -gt 128 ]; then
			echo "not ok - $name: killed by signal $((rc - 128))"
		else
			echo "not ok - $name: exited with status $rc"
		fi
		f=1
	fi
	passed=$((passed + p))
	skipped=$((skipped + s))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failed_bins+=("$name")
done

[ "$skipped" -eq 0 ] || echo "# $skipped skipped"
[ "${#failed_bins[@]}" -eq 0 ] || echo "# failing: ${failed_bins[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
