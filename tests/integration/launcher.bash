# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared by the launcher suites (20-launcher.bats, 21-launcher-*.bats): a state dir per test,
# the prerequisites, and the checks that a stopped infra left nothing behind. Load after
# helpers: `load helpers; load launcher`.
# shellcheck disable=SC2154 # $status and $output are set by bats' run

L="$BUILD/rootless-cni-launcher"
IMAGE_ARGS=()
case "${RCI_TEST_IMAGE:-}" in
"" | 0) ;;
1) IMAGE_ARGS=(--image "$BUILD/image/oci") ;;
*) IMAGE_ARGS=(--image "$RCI_TEST_IMAGE") ;;
esac

setup_file() {
	check_cmds runc slirp4netns newuidmap newgidmap iptables jq curl python3 ping ps
	check_files "$L" "$BUILD/rootless-cni-infra" "$BUILD/rootless-cni-infra-init" \
		"$RCI_SRC/image/net.d/default.conflist" /usr/lib/cni/bridge
	[ "${#IMAGE_ARGS[@]}" -eq 0 ] || check_files "${IMAGE_ARGS[1]}/index.json"
	if [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then
		prereq_missing "/dev/net/tun is not read-writable"
	fi
	return 0
}

# A suite with a setup of its own calls this first.
launcher_test_setup() {
	if [ -n "${PREREQ_MISSING:-}" ]; then
		missing_prereq "$PREREQ_MISSING"
	fi
	STATE=$(mktemp -d /tmp/rci-l.XXXXXX)
	WORK=$(mktemp -d /tmp/rci-w.XXXXXX)
	# The shipped default network, whatever the user has in ~/.config/cni/net.d.
	export RCI_DEFAULT_NET_DIR="$RCI_SRC/image/net.d"
	export XDG_CONFIG_HOME="$WORK/config"
	BEFORE=$(live_pids)
}

setup() { launcher_test_setup; }

teardown() {
	[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null
	# Processes a test started outside the infra (KILL_PIDS: a space-separated list).
	# shellcheck disable=SC2086 # split on purpose
	[ -n "${KILL_PIDS:-}" ] && kill -KILL $KILL_PIDS 2>/dev/null
	"$L" --root "$STATE" stop >/dev/null 2>&1 || true
	[ -d "$WORK/joiner-runc" ] && runc --root "$WORK/joiner-runc" delete -f joiner >/dev/null 2>&1
	rm -rf "$STATE" "$WORK"
}

launcher() { "$L" --root "$STATE" "${IMAGE_ARGS[@]}" "$@"; }
# The test build (make test-bins), with the crash points RCI_TEST_CRASH_AT names; it runs the
# test build's helper and init, beside it.
test_launcher() { "$BUILD/test/rootless-cni-launcher" --root "$STATE" "${IMAGE_ARGS[@]}" "$@"; }

# Live (non-zombie) processes of this user outside this test's session: the test's own
# processes (bats, its subshells, ps) share its session; the infra's init and slirp4netns are
# started in sessions of their own. Sorted as comm(1) wants (lexically).
live_pids() {
	local sid
	sid=$(ps -o sid= -p $$ | tr -d ' ')
	ps -u "$(id -u)" -o pid=,sid=,stat= | awk -v sid="$sid" '$3 !~ /^Z/ && $2 != sid { print $1 }' |
		LC_ALL=C sort
}

# Processes that appeared since setup and are still alive, waiting (bounded) for stragglers.
# Other suites of the same user may run concurrently, so a process counts as ours when it
# names this state dir (slirp4netns' socket, the runtime's --root, a launcher) or lives in a
# root of its own (the infra's init and anything in the infra container). Builtins only in the
# loop: a concurrent stress suite makes hundreds of short-lived processes.
new_procs() {
	local _ p extra args root
	for _ in $(seq 50); do
		extra=
		for p in $(LC_ALL=C comm -13 <(echo "$BEFORE") <(live_pids)); do
			mapfile -d '' args <"/proc/$p/cmdline" 2>/dev/null || continue
			[ -e "/proc/$p/root/" ] || continue
			root=same
			[ "/proc/$p/root/" -ef / ] || root=other
			if [[ "${args[*]}" == *"$STATE"* ]] || [ "$root" = other ]; then
				extra+="$p: ${args[*]}; "
			fi
		done
		[ -z "$extra" ] && return 0
		sleep 0.1
	done
	echo "$extra"
}

assert_gone() {
	local extra
	extra=$(new_procs)
	[ -z "$extra" ] || {
		echo "processes left: $extra" >&2
		return 1
	}
	# Nothing but the lock file (and --image's cache): no bundle, socket, record or runtime state;
	# the same in the state of each user namespace a test ran the launcher in (userns-N).
	local d
	for d in "$STATE" "$STATE"/userns-*; do
		[ -d "$d" ] || continue
		run ls -A "$d"
		[ "$status" -eq 0 ]
		[ "$(echo "$output" | grep -v -e '^lock$' -e '^image-cache$' -e '^userns-[0-9]*$' ||
			true)" = "" ] || {
			echo "state dir $d holds: $output" >&2
			return 1
		}
	done
	run launcher status
	[ "$(echo "$output" | jq .running)" = false ]
}

# slirp4netns processes serving this state dir (a zombie has no command line to match).
slirps() { pgrep -c -u "$(id -u)" -f -- "--api-socket=$STATE/" || true; }

ip_of() { jq -r '.result.ips[0].address' "$1" | cut -d/ -f1; }
