#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Both CLIs started with fd 0, 1 or 2 closed (issue 13, bug 5). A program started that way gets
# its next opened files as 0, 1 or 2: the launcher then wrote its JSON or its log into its lock
# file, and the helper into its state. Both now open /dev/null onto a closed 0-2 first thing.
# The launcher runs as in 20-launcher.bats (launcher.bash), the helper in the infra stand-in.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run
# shellcheck disable=SC2016 # sh -c scripts take their arguments as $1...

load helpers
load launcher

setup_file() {
	check_helper_prereqs
	check_cmds runc slirp4netns newuidmap newgidmap jq
	check_files "$L" "$BUILD/rootless-cni-infra-init"
}

# closed FD CMD...: runs CMD with fd FD (0, 1 or 2) closed, as a caller that closed it would.
closed() {
	local fd=$1
	shift
	sh -c 'fd=$1; shift; case $fd in 0) exec "$@" <&- ;; 1) exec "$@" >&- ;; 2) exec "$@" 2>&- ;; esac' \
		sh "$fd" "$@"
}

# The helper in the stand-in with fd FD closed (nsenter itself runs with it open).
rci_closed() {
	local fd=$1
	shift
	nsenter -t "$STANDIN_PID" -U -m -n --preserve-credentials \
		env RCI_CNI_CONFIG_DIR="$CONFDIR" PATH="$STANDIN_PATH" \
		sh -c 'fd=$1; shift; case $fd in 0) exec "$@" <&- ;; 1) exec "$@" >&- ;; 2) exec "$@" 2>&- ;; esac' \
		sh "$fd" "$HELPER" "$@"
}

# Every file the helper keeps in the stand-in is valid: nothing it printed landed in one.
helper_state_clean() {
	standin_exec sh -c 'for f in $(find "$1" /var/lib/cni -type f); do
		case $f in
		*.json | */results/*) jq -e . "$f" >/dev/null || { echo "corrupt: $f"; cat "$f"; exit 1; } ;;
		*) if grep -l -e "\"ns\"" -e "rootless-cni-infra" "$f"; then exit 1; fi ;;
		esac
	done' sh "$STATE_DIR"
}

@test "closed stdio: the launcher's output and log never land in its lock file" {
	# stdout closed: alloc's JSON has nowhere to go, and must not go into <state>/lock.
	run closed 1 "$L" --root "$STATE" alloc a default
	assert_status 0
	[ ! -s "$STATE/lock" ] || fail "lock file holds: $(cat "$STATE/lock")"
	# stderr closed: --debug's log likewise.
	run closed 2 "$L" --root "$STATE" --debug alloc b default
	assert_status 0
	[ ! -s "$STATE/lock" ] || fail "lock file holds: $(cat "$STATE/lock")"
	jq -e '.ready' "$STATE/infra.json"
	# stdin closed: a command run by enter gets /dev/null, not whatever the launcher opened.
	run closed 0 "$L" --root "$STATE" enter a -- readlink /proc/self/fd/0
	assert_status 0
	[ "$output" = /dev/null ]
	run closed 0 "$L" --root "$STATE" exec -- is-idle
	assert_status 0
	assert_json '.idle == false'
	"$L" --root "$STATE" dealloc a default
	"$L" --root "$STATE" dealloc b default
	assert_gone
}

@test "closed stdio: the helper works and keeps its state intact" {
	standin_start
	# Killed by the teardown (launcher.bash) should the test fail before standin_stop.
	# shellcheck disable=SC2034 # read by teardown
	KILL_PIDS="$STANDIN_PID $SLIRP_PID"
	bridge_net net1 cni-net1 10.89.0.0/24
	run rci_closed 1 alloc c1 net1 pod1 "" ""
	assert_status 0
	helper_state_clean
	run --separate-stderr rci print-cni-result c1 net1
	assert_status 0
	assert_json '.ips | length == 1'
	run rci_closed 2 --debug alloc c2 net1 pod2 "" ""
	assert_status 0
	helper_state_clean
	run rci_closed 0 alloc c3 net1 pod3 "" ""
	assert_status 0
	helper_state_clean
	run --separate-stderr rci list
	assert_status 0
	assert_json '[.[].id] | sort == ["c1", "c2", "c3"]'
	for c in c1 c2 c3; do
		run rci_closed 1 dealloc "$c" net1
		assert_status 0
	done
	run --separate-stderr rci is-idle
	assert_json '.idle == true'
	helper_state_clean
	standin_stop
}
