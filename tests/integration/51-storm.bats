#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Concurrency storm through the launcher (issue 6), driven by tests/stress/storm.sh: workers
# doing random alloc, dealloc and print-cni-result over 20 IDs and 2 networks at once against
# one real infra (runc, slirp4netns, Debian's bridge and host-local), then the invariants, no
# zombie or stray process, and `gc` releasing everything. `make check` runs a bounded storm
# (8 workers x 6 operations); `make stress` the full one (8 x 200), through
# RCI_STRESS_STORM_WORKERS, RCI_STRESS_STORM_OPS and RCI_STRESS_STORM_IDS.

load helpers

L="$BUILD/rootless-cni-launcher"

setup_file() {
	check_cmds runc slirp4netns newuidmap newgidmap jq ps pgrep
	check_files "$L" "$BUILD/rootless-cni-infra" "$BUILD/rootless-cni-infra-init" \
		/usr/lib/cni/bridge /usr/lib/cni/host-local /usr/lib/cni/tuning
	if [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then
		prereq_missing "/dev/net/tun is not read-writable"
	fi
	return 0
}

setup() {
	require_prereqs
	STATE=$(mktemp -d /tmp/rci-s.XXXXXX)
	WORK=$(mktemp -d /tmp/rci-sw.XXXXXX)
}

teardown() {
	"$L" --root "$STATE" stop >/dev/null 2>&1 || true
	rm -rf "$STATE" "$WORK"
}

@test "storm: concurrent alloc, dealloc and print through the launcher keep every invariant" {
	RCI_STRESS_STORM_WORKERS=${RCI_STRESS_STORM_WORKERS:-8} \
		RCI_STRESS_STORM_OPS=${RCI_STRESS_STORM_OPS:-6} \
		run "$RCI_SRC/tests/stress/storm.sh" "$L" "$STATE" "$WORK"
	echo "$output"
	echo "# ${output##*$'\n'}" >&3
	[ "$status" -eq 0 ]
}
