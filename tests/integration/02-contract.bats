#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The contract outputs (DESIGN.md Contracts 1 and 2) are byte-identical to the recorded run in
# tests/contract/expected.txt, volatile parts normalised (tests/contract/scenario.sh). A change
# that alters what an engine or a user reads must update expected.txt in the same commit.

# shellcheck disable=SC2154 # $output, $status and $stderr come from bats' run
load helpers

load launcher

@test "contract: the recorded scenario's outputs are unchanged" {
	run --separate-stderr "$RCI_SRC/tests/contract/scenario.sh" "$BUILD"
	[ "$status" -eq 0 ] || fail "scenario.sh exited $status: $stderr"
	echo "$output" >"$BATS_TEST_TMPDIR/got.txt"
	run diff -u "$RCI_SRC/tests/contract/expected.txt" "$BATS_TEST_TMPDIR/got.txt"
	[ "$status" -eq 0 ] || fail "contract outputs changed:
$output"
}
