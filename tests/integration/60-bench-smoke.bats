#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The benchmark harness works (issue 7): a short run of scripts/bench.sh (BENCH_QUICK=1) prints
# its table, writes JSON that parses with a positive number in every timed row, and leaves
# nothing behind. No timing is asserted: the numbers of a smoke run on a busy CI machine mean
# nothing.

load helpers

BENCH="$RCI_SRC/scripts/bench.sh"
# The quick run starts three infras and a trivial container, under ASan too.
if [ "${BATS_TEST_TIMEOUT:-0}" -lt 400 ]; then
	BATS_TEST_TIMEOUT=400
fi

setup_file() {
	check_cmds runc slirp4netns newuidmap newgidmap iptables jq nsenter unshare ps iperf3 python3
	check_files "$BENCH" "$RCI_SRC/scripts/bench/orig-rci-infra.sh" \
		"$BUILD/rootless-cni-launcher" "$BUILD/rootless-cni-infra" \
		"$BUILD/rootless-cni-infra-init" "$BUILD/rootless-cni-forwarder" \
		"$BUILD/tests/bench/rci-bench" "$RCI_SRC/scripts/bench/throughput.sh" \
		"$BUILD/tests/plugins/noop-plugin" /usr/lib/cni/bridge /usr/lib/cni/firewall \
		"$BUILD/cni/rootless-cni-dns" "$BUILD/cni/rootless-cni-ipam" \
		"$RCI_SRC/scripts/bench/lean.sh" \
		"$RCI_SRC/scripts/bench/report.sh"
	if [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then
		prereq_missing "/dev/net/tun is not read-writable"
	fi
	return 0
}

setup() {
	require_prereqs
}

# PIDs of this user's processes whose cwd, root or command line mention @1.
procs_mentioning() {
	local p
	for p in $(pgrep -u "$(id -u)" .); do
		if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$1" ||
			readlink "/proc/$p/root" "/proc/$p/cwd" 2>/dev/null | grep -qF -- "$1"; then
			echo "$p"
		fi
	done
}

@test "bench: a quick run prints the table, writes parseable JSON and cleans up" {
	local json="$BATS_TEST_TMPDIR/bench.json"
	run --separate-stderr env BUILD="$BUILD" BENCH_QUICK=1 BENCH_BUDGET=300 \
		BENCH_JSON="$json" bash "$BENCH"
	assert_status 0

	# The table: the header, every row, the goals.
	[[ "$output" == *"row  what"* ]] || fail "no table header in: $output"
	local id
	for id in 1a 1b 2a 2b 2c 2d 3a 3b 4c 4f 5a 5b 5c 6a 6b 7a 7b 8a 8b 8e 8f 8i 9a 9b 10a 11a 11b 11e 11f; do
		grep -qE "^$id " <<<"$output" || fail "row $id missing from: $output"
	done
	[[ "$output" == *"goal "* ]] || fail "no goals in: $output"
	# 9, the whole cost with other attachments (8f/8e) and parallel allocs on the default
	# network (11e/11f); podman's comparison is not judged in a quick run.
	[ "$(grep -cE ' (met|not met)$' <<<"$output")" -eq 11 ] ||
		fail "expected 11 goals with a verdict in: $output"
	[[ "$output" == *"not judged: BENCH_QUICK=1"* ]] || fail "podman's goal is judged: $output"
	[[ "$output" == *"JSON: $json"* ]] || fail "the JSON file is not named in: $output"

	# The JSON: the same rows, positive timings, every goal judged but podman's.
	[ -s "$json" ] || fail "no JSON written at $json"
	assert_json --json "$(cat "$json")" '.quick == true and (.rows | length) >= 30'
	# Timed rows: measured ones positive; podman's row 11b is not measured in a quick run, and
	# says why.
	assert_json --json "$(cat "$json")" \
		'[.rows[] | select(.unit == "ms" and .n > 0) | .median > 0 and .p90 >= .median] | all'
	assert_json --json "$(cat "$json")" \
		'[.rows[] | select(.unit == "ms" and .n == 0) | .id] == ["11b"]'
	assert_json --json "$(cat "$json")" \
		'.rows[] | select(.id == "11b") | .what | test("not measured \\(BENCH_QUICK=1\\)")'
	assert_json --json "$(cat "$json")" \
		'[.rows[] | select(.unit == "KiB" and (.what | test("RSS (of|/)"))) | .median > 0] | all'
	assert_json --json "$(cat "$json")" \
		'(.goals | length) == 12 and ([.goals[] | select(.met != null)] | length) == 11'
	assert_json --json "$(cat "$json")" \
		'[.goals[] | select(.met == null) | .status] == ["not judged: BENCH_QUICK=1"]'
	assert_json --json "$(cat "$json")" '.scale.attachments >= 8'
	# Row 10 went through a published port of the forwarder, once (no podman in a quick run).
	assert_json --json "$(cat "$json")" \
		'[.rows[] | select(.id == "10a")] | length == 1 and .[0].unit == "Gbit/s" and .[0].median > 0'

	# Nothing left: the work dir (state, configs, bundles) and every process that used it.
	local work
	# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
	work=$(sed -n 's/^# work dir \([^;]*\);.*/\1/p' <<<"$stderr")
	[ -n "$work" ] || fail "no work dir reported on stderr: $stderr"
	[ ! -e "$work" ] || fail "the work dir $work is left: $(ls -R "$work")"
	local left
	left=$(procs_mentioning "$work")
	[ -z "$left" ] || fail "processes left: $(ps -o pid=,args= -p "${left//$'\n'/,}")"
}
