#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Crash consistency (issue 6): the helper is SIGKILLed at every named point of alloc and dealloc
# (RCI_TEST_CRASH_AT, helper/lib/testpoint.h: the test build's, rci_test_crash) and at random
# moments; after each kill the next
# operations on that container succeed, and once `gc` has run the invariants hold
# (tests/stress/invariants.sh: one netns and one IP per attachment, host-local, cache, records
# and locks agree with `list`, no process left). A long-lived attachment `keep` must survive all
# of it. Real plugins (bridge + host-local, tuning) around the fake one, in the infra stand-in.
#
# Trials: RCI_STRESS_CRASH_TRIALS (default: each named point once, plus 2 timed kills: a bounded
# run for `make check`); `make crash` runs 120.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers

POINTS_ALLOC=(alloc:recorded alloc:netns add:0 add:1 add:2 alloc:added)
POINTS_DEALLOC=(del:2 del:1 del:0 dealloc:deleted dealloc:netns-removed)

setup_file() {
	check_helper_prereqs
}

setup() {
	require_prereqs
	standin_start
	# Three plugins (add:0-2, del:2-0); no iptables-based one: they cost a second per call.
	write_conflist net1 "$(jq -n '{cniVersion: "1.0.0", name: "net1", plugins: [
		{type: "bridge", bridge: "cni-crash", isGateway: true,
		 ipam: {type: "host-local", ranges: [[{subnet: "10.89.7.0/24"}]]}},
		{type: "fake-plugin", fake: {}}, {type: "tuning"}]}')"
	EXPECTED="$BATS_TEST_TMPDIR/expected"
}

teardown() {
	standin_stop
}

# Waits (bounded) until no process but the stand-in is left in its user namespace: a killed
# helper's plugin may still be finishing.
wait_no_strays() {
	wait_until 10 no_strays ||
		fail "processes left: $(standin_stray_pids | xargs -r ps -o pid=,args= -p)"
}

# No live process in the stand-in's user namespace but the stand-in (test -ef: no fork per pid).
no_strays() {
	local p ref=/proc/$STANDIN_PID/ns/user
	for p in /proc/[0-9]*; do
		[[ ${p#/proc/} != "$STANDIN_PID" && $p/ns/user -ef $ref ]] && return 1
	done
	return 0
}

# ok CMD...: the helper call must succeed.
ok() {
	local out
	out=$(rci "$@" 2>&1) || {
		fail "after a crash, \`$*' failed: $out"
		return 1
	}
}

# gc keeping `keep`, then the invariants with {keep/net1} attached.
check_invariants() {
	local what=$1 out
	ok gc keep || return 1
	wait_no_strays || return 1
	rci list >"$BATS_TEST_TMPDIR/list.json"
	out=$(standin_exec sh "$RCI_SRC/tests/stress/invariants.sh" "" \
		"$BATS_TEST_TMPDIR/list.json" "$EXPECTED" 2>&1) || {
		fail "after $what: $out"
		return 1
	}
}

# crash_alloc ID POINT: alloc killed at POINT; then either a retried alloc + dealloc, or a dealloc.
crash_alloc() {
	local id=$1 point=$2 rc=0
	rci_test_crash "$point" alloc "$id" net1 "pod-$id" "" "" >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 137 ] || fail "alloc at $point: exit $rc, not killed"
	if ((RANDOM % 2)); then
		ok alloc "$id" net1 "pod-$id" "" "" || return 1
		[ "$(rci print-cni-result "$id" net1 | jq -r '.ips | length')" = 1 ] ||
			fail "retried alloc of $id has no IP"
	fi
	ok dealloc "$id" net1
}

# crash_dealloc ID POINT: alloc, dealloc killed at POINT; then a dealloc, and a new alloc works.
crash_dealloc() {
	local id=$1 point=$2 rc=0
	ok alloc "$id" net1 "pod-$id" "" "" || return 1
	rci_test_crash "$point" dealloc "$id" net1 >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 137 ] || fail "dealloc at $point: exit $rc, not killed"
	ok dealloc "$id" net1 || return 1
	ok alloc "$id" net1 "pod-$id" "" "" || return 1
	ok dealloc "$id" net1
}

# crash_timed ID: SIGKILL at a random moment of an alloc or a dealloc (0-250 ms in).
crash_timed() {
	local id=$1 pid delay
	local op=alloc
	((RANDOM % 2)) && op=dealloc
	if [ "$op" = dealloc ]; then
		ok alloc "$id" net1 "pod-$id" "" "" || return 1
		rci dealloc "$id" net1 >/dev/null 2>&1 3>&- &
	else
		rci alloc "$id" net1 "pod-$id" "" "" >/dev/null 2>&1 3>&- &
	fi
	pid=$!
	delay=$((RANDOM % 250))
	sleep "$(printf '0.%03d' "$delay")"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# The next operations succeed whatever was interrupted, even with plugins still running.
	wait_no_strays || return 1
	ok dealloc "$id" net1 || return 1
	ok alloc "$id" net1 "pod-$id" "" "" || return 1
	ok dealloc "$id" net1
}

@test "crash consistency: SIGKILL at every point of alloc and dealloc, then gc" {
	ok alloc keep net1 pod-keep "" ""
	echo keep/net1 >"$EXPECTED"
	local points=("${POINTS_ALLOC[@]}" "${POINTS_DEALLOC[@]}")
	local n_points=${#points[@]}
	local trials=${RCI_STRESS_CRASH_TRIALS:-$((n_points + 2))}
	local t point kind
	for t in $(seq 0 $((trials - 1))); do
		# Named points first, round robin; every fourth trial after one round is timed.
		if [ "$t" -lt "$n_points" ] || [ $((t % 4)) -ne 0 ]; then
			point=${points[t % n_points]}
			kind=named
		else
			point=timed
			kind=timed
		fi
		case "$point" in
		alloc:* | add:*) crash_alloc "c$t" "$point" ;;
		timed) crash_timed "c$t" ;;
		*) crash_dealloc "c$t" "$point" ;;
		esac
		# Not after every trial: the invariants also hold across several interrupted ones.
		if [ $((t % 3)) -eq 2 ] || [ "$t" -eq $((trials - 1)) ]; then
			check_invariants "trial $t ($kind $point)"
		fi
	done
	echo "# $trials trials" >&3
	ok dealloc keep net1
	: >"$EXPECTED"
	check_invariants "the end"
	assert_nothing_left
}

@test "crash consistency: gc releases what killed allocs left, without any retry" {
	ok alloc keep net1 pod-keep "" ""
	echo keep/net1 >"$EXPECTED"
	local p i=0
	for p in "${POINTS_ALLOC[@]}"; do
		rci_test_crash "$p" alloc "g$i" net1 pod "" "" >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	for p in "${POINTS_DEALLOC[@]}"; do
		ok alloc "g$i" net1 pod "" ""
		rci_test_crash "$p" dealloc "g$i" net1 >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	run --separate-stderr rci gc keep
	assert_status 0
	# Everything but keep was released; what was only half there is gone as well.
	assert_json '.released | map(startswith("g")) | all'
	check_invariants "gc of interrupted operations"
}

@test "crash points exist in the test build only" {
	# A release helper does not know RCI_TEST_CRASH_AT: the alloc runs through the point.
	RCI_TEST_CRASH_AT=alloc:recorded run --separate-stderr rci alloc rel net1 pod "" ""
	assert_status 0
	ok dealloc rel net1
	local b
	for b in "$HELPER" "$BUILD/rootless-cni-launcher" "$BUILD/rootless-cni-infra-init"; do
		! grep -q RCI_TEST_CRASH_AT "$b" || fail "$b reads RCI_TEST_CRASH_AT"
	done
	# The test build stops there (what the other tests here rely on).
	run rci_test_crash alloc:recorded alloc rel net1 pod "" ""
	[ "$status" -eq 137 ] || fail "the test build did not stop at alloc:recorded: $status $output"
	ok dealloc rel net1
	assert_nothing_left
}
