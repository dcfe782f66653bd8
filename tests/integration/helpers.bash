# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2016 # sh -c scripts take their arguments as $1...
#
# Shared helpers for the bats suites. Load with `load helpers`.
#
# Environment (set by tests/run-integration.sh):
#   BUILD           absolute build dir (rootless-cni-infra, rootless-cni-launcher, tests/plugins/)
#   RCI_SRC         repository root
#   RCI_ALLOW_SKIP  1: a missing prerequisite skips; otherwise it fails (strict, like conmon's
#                   CONMON_TEST_STRICT)
#
# The helper suites run the helper in an "infra stand-in" instead of a real infra container:
# a `sleep infinity` in new user (self-mapped), network and private mount namespaces, with tmpfs
# on /run and /var/lib, /run/rootless-cni-infra/infra.pid, and slirp4netns on tap0. That is what
# the launcher's infra container provides, minus the OCI runtime.

bats_require_minimum_version 1.5.0

: "${RCI_SRC:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
: "${BUILD:=$RCI_SRC/build}"
export RCI_SRC BUILD

HELPER="$BUILD/rootless-cni-infra"
PLUGIN_DIR="$BUILD/tests/plugins"
FAKE_PLUGIN="$PLUGIN_DIR/fake-plugin"
# Debian's plugins live in /usr/lib/cni; the tests put the fake plugins first.
SYSTEM_CNI_DIR=/usr/lib/cni
STATE_DIR=/run/rootless-cni-infra
STANDIN_PATH=/usr/sbin:/usr/bin:/sbin:/bin

# ---------------------------------------------------------------------------------------------
# Generic helpers

# Fails (strict mode) or skips (RCI_ALLOW_SKIP=1) because a prerequisite is missing.
missing_prereq() {
	if [ "${RCI_ALLOW_SKIP:-0}" = 1 ]; then
		skip "$*"
	fi
	echo "missing prerequisite: $* (set RCI_ALLOW_SKIP=1 to skip instead)" >&2
	return 1
}

# Prerequisite checks only collect reasons in PREREQ_MISSING: they run in setup_file (once per
# file), where bats 1.8 cannot skip, and require_prereqs turns them into a verdict per test.
PREREQ_MISSING=${PREREQ_MISSING:-}

prereq_missing() {
	PREREQ_MISSING="${PREREQ_MISSING:+$PREREQ_MISSING; }$*"
	export PREREQ_MISSING
}

check_cmds() {
	local c
	for c in "$@"; do
		PATH="$PATH:$STANDIN_PATH" command -v "$c" >/dev/null 2>&1 ||
			prereq_missing "command \`$c' not found"
	done
}

check_files() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || prereq_missing "\`$f' does not exist"
	done
}

# Prerequisites of the stand-in and the fake plugins; call from setup_file.
check_standin_prereqs() {
	check_cmds unshare nsenter slirp4netns ip iptables iptables-save ping jq capsh mountpoint ps
	check_files "$FAKE_PLUGIN" "$PLUGIN_DIR/noop-plugin"
	if [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then
		prereq_missing "/dev/net/tun is not read-writable (run tests/setup-rootless-user.sh as root)"
	fi
	if ! unshare -U -r true 2>/dev/null; then
		prereq_missing "unprivileged user namespaces are disabled"
	fi
	return 0
}

# Prerequisites of the helper suites: the above, the helper and Debian's plugins.
check_helper_prereqs() {
	check_standin_prereqs
	check_files "$HELPER"
	local p
	for p in bridge host-local portmap firewall tuning loopback; do
		check_files "$SYSTEM_CNI_DIR/$p"
	done
}

# Fails or skips the current test when a checked prerequisite is missing.
require_prereqs() {
	if [ -n "$PREREQ_MISSING" ]; then
		missing_prereq "$PREREQ_MISSING"
	fi
}

# Polls `CMD...` every 50 ms until it succeeds or TIMEOUT seconds (may be fractional) pass.
wait_until() {
	local deadline
	deadline=$(($(now_ms) + $(awk -v t="$1" 'BEGIN { printf "%d", t * 1000 }')))
	local timeout=$1
	shift
	while ! "$@"; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			echo "timed out after ${timeout}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

pid_alive() {
	# A zombie counts as dead: it only waits for its parent to reap it.
	local st
	st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

pid_dead() { ! pid_alive "$1"; }

# Milliseconds since the epoch.
now_ms() {
	local t=${EPOCHREALTIME//[!0-9]/}
	echo $((t / 1000))
}

# `fail MESSAGE`: prints to stderr and fails the test.
fail() {
	printf '%s\n' "$*" >&2
	return 1
}

assert_status() {
	# shellcheck disable=SC2154 # $status, $output and $stderr are set by bats' run
	if [ "$status" -ne "$1" ]; then
		fail "expected exit status $1, got $status" $'\nstdout: '"$output" $'\nstderr: '"${stderr:-}"
	fi
}

# jq -e FILTER on $output (or on the JSON given with --json TEXT).
assert_json() {
	local json=$output
	if [ "$1" = --json ]; then
		json=$2
		shift 2
	fi
	if ! jq -e "$@" >/dev/null <<<"$json"; then
		fail "jq -e $* failed on: $json"
	fi
}

# The stderr of the last `run --separate-stderr` is exactly one non-empty line.
assert_one_stderr_line() {
	local n
	n=$(printf '%s' "${stderr:-}" | awk 'END { print NR }')
	if [ -z "${stderr:-}" ] || [ "$n" -ne 1 ]; then
		fail "expected exactly one line on stderr, got $n: ${stderr:-}"
	fi
}

assert_stderr_contains() {
	if [[ "${stderr:-}" != *"$1"* ]]; then
		fail "stderr does not contain \`$1': ${stderr:-}"
	fi
}

assert_stdout_empty() {
	if [ -n "$output" ]; then
		fail "expected empty stdout, got: $output"
	fi
}

# ---------------------------------------------------------------------------------------------
# The infra stand-in

STANDIN_PID=
STANDIN_USERNS=
SLIRP_PID=

# Starts the stand-in and slirp4netns; sets STANDIN_PID, STANDIN_USERNS, SLIRP_PID, CONFDIR,
# RECORD and exports CNI_PATH. Call from setup.
standin_start() {
	local my_userns
	my_userns=$(readlink /proc/self/ns/user)

	# 3>&-: bats waits for fd 3 to close before it finishes a test.
	unshare -U -r -n -m --propagation private sleep infinity 3>&- &
	STANDIN_PID=$!
	# unshare writes the ID maps before it execs sleep.
	if ! wait_until 5 standin_ready "$my_userns"; then
		fail "the stand-in (pid $STANDIN_PID) did not start"
		return 1
	fi
	STANDIN_USERNS=$(readlink "/proc/$STANDIN_PID/ns/user")

	standin_exec sh -euc '
		mount -t tmpfs -o mode=0755 tmpfs /run
		mount -t tmpfs -o mode=0755 tmpfs /var/lib
		mkdir -p /var/lib/cni
		mkdir -m 0700 "$1"
		echo "$2" >"$1/infra.pid"
	' sh "$STATE_DIR" "$STANDIN_PID" || {
		fail "preparing the stand-in failed"
		return 1
	}

	slirp_start || return 1

	CONFDIR="$BATS_TEST_TMPDIR/net.d"
	RECORD="$BATS_TEST_TMPDIR/record"
	mkdir -p "$CONFDIR" "$RECORD"
	export CNI_PATH="$PLUGIN_DIR:$SYSTEM_CNI_DIR"
	unset RCI_PLUGIN_TIMEOUT RCI_STATE_DIR RCI_CNI_CACHE_DIR RCI_INFRA_PID
}

standin_ready() {
	[ "$(cat "/proc/$STANDIN_PID/comm" 2>/dev/null)" = sleep ] &&
		[ "$(readlink "/proc/$STANDIN_PID/ns/user")" != "$1" ]
}

# slirp4netns --configure on tap0 of the stand-in, waiting (bounded) on its ready fd.
slirp_start() {
	local fifo="$BATS_TEST_TMPDIR/slirp-ready" rfd ready=
	mkfifo "$fifo"
	# Opened read-write so neither side blocks in open().
	exec {rfd}<>"$fifo"
	slirp4netns --configure --mtu=65520 --disable-host-loopback --ready-fd=4 \
		"$STANDIN_PID" tap0 4>"$fifo" 3>&- >"$BATS_TEST_TMPDIR/slirp4netns.log" 2>&1 &
	SLIRP_PID=$!
	read -r -t 10 -N 1 ready <&"$rfd" || true
	exec {rfd}<&-
	rm -f "$fifo"
	if [ "$ready" != 1 ]; then
		fail "slirp4netns did not become ready in 10s:" "$(cat "$BATS_TEST_TMPDIR/slirp4netns.log")"
		return 1
	fi
}

# Live pids (of this user) in the stand-in's user namespace, other than the stand-in itself.
standin_stray_pids() {
	[ -n "$STANDIN_USERNS" ] || return 0
	local ino=${STANDIN_USERNS//[!0-9]/}
	# One ps instead of a readlink per process: forks are what make these suites slow.
	ps -e -o pid=,userns=,stat= | awk -v ino="$ino" -v self="$STANDIN_PID" \
		'$2 == ino && $1 != self && $3 !~ /^[ZX]/ { print $1 }'
}

# Kills slirp4netns and the stand-in; fails when anything else was still alive in the stand-in's
# user namespace (a plugin or a child the helper leaked), after killing it too. Call from teardown.
standin_stop() {
	local rc=0 stray p
	stray=$(standin_stray_pids)
	if [ -n "$stray" ]; then
		echo "processes left in the stand-in's user namespace:" >&2
		for p in $stray; do
			echo "  $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
			kill -KILL "$p" 2>/dev/null || true
		done
		rc=1
	fi
	if [ -n "$SLIRP_PID" ]; then
		kill -TERM "$SLIRP_PID" 2>/dev/null || true
		wait "$SLIRP_PID" 2>/dev/null || true
		if pid_alive "$SLIRP_PID"; then
			echo "slirp4netns $SLIRP_PID survived" >&2
			rc=1
		fi
	fi
	if [ -n "$STANDIN_PID" ]; then
		kill -KILL "$STANDIN_PID" 2>/dev/null || true
		wait "$STANDIN_PID" 2>/dev/null || true
		if pid_alive "$STANDIN_PID"; then
			echo "the stand-in $STANDIN_PID survived" >&2
			rc=1
		fi
	fi
	for p in $stray; do
		wait_until 5 pid_dead "$p" || rc=1
	done
	SLIRP_PID='' STANDIN_PID='' STANDIN_USERNS=''
	return "$rc"
}

# Runs CMD inside the stand-in (user, mount and network namespaces), as its root.
standin_exec() {
	nsenter -t "$STANDIN_PID" -U -m -n --preserve-credentials env PATH="$STANDIN_PATH" "$@"
}

# Runs the helper inside the stand-in. Variables set on the call (VAR=x rci ...) reach it.
rci() {
	nsenter -t "$STANDIN_PID" -U -m -n --preserve-credentials \
		env RCI_CNI_CONFIG_DIR="$CONFDIR" PATH="$STANDIN_PATH" "$HELPER" "$@"
}

# The helper's test build (make test-bins), the only one with crash points (RCI_TEST_CRASH_AT,
# helper/lib/testpoint.h). rci_test_crash POINT ARGS...: runs it in the stand-in; it kills
# itself with SIGKILL at POINT (exit status 137 when the point was reached).
TEST_HELPER="$BUILD/test/rootless-cni-infra"
rci_test_crash() {
	local point=$1
	shift
	nsenter -t "$STANDIN_PID" -U -m -n --preserve-credentials \
		env RCI_TEST_CRASH_AT="$point" RCI_CNI_CONFIG_DIR="$CONFDIR" PATH="$STANDIN_PATH" \
		"$TEST_HELPER" "$@"
}

# Runs CMD inside the stand-in, in the network namespace at PATH (as the stand-in sees it).
in_netns() {
	local path=$1
	shift
	standin_exec nsenter --net="$path" "$@"
}

# ---------------------------------------------------------------------------------------------
# Network configurations

# write_conflist NAME JSON: writes CONFDIR/NAME.conflist.
write_conflist() {
	jq . <<<"$2" >"$CONFDIR/$1.conflist"
}

# A Debian-plugins network: bridge (isGateway, ipMasq, host-local) + portmap + firewall + tuning.
# bridge_net NAME BRIDGE SUBNET
bridge_net() {
	write_conflist "$1" "$(jq -n --arg name "$1" --arg br "$2" --arg subnet "$3" '{
		cniVersion: "1.0.0", name: $name,
		plugins: [
			{type: "bridge", bridge: $br, isGateway: true, ipMasq: true, hairpinMode: true,
			 ipam: {type: "host-local", ranges: [[{subnet: $subnet}]],
				routes: [{dst: "0.0.0.0/0"}]}},
			{type: "portmap", capabilities: {portMappings: true}},
			{type: "firewall"},
			{type: "tuning"}
		]}')"
}

# A network made of fake plugins. fake_net NAME FAKE_OBJECT...: one fake-plugin per object, each
# recording into RECORD with tag p<index> unless the object sets them.
fake_net() {
	local name=$1
	shift
	local plugins='[]' i=0 f
	for f in "$@"; do
		plugins=$(jq -c --argjson f "$f" --arg rec "$RECORD" --arg tag "p$i" \
			'. + [{type: "fake-plugin", fake: ({record: $rec, tag: $tag} + $f)}]' <<<"$plugins")
		i=$((i + 1))
	done
	write_conflist "$name" "$(jq -n --arg name "$name" --argjson p "$plugins" \
		'{cniVersion: "1.0.0", name: $name, plugins: $p}')"
}

# The recorded plugin calls (JSON lines), optionally filtered by a jq select expression.
calls() {
	local filter=${1:-true}
	[ -f "$RECORD/calls.jsonl" ] || return 0
	jq -c "select($filter)" "$RECORD/calls.jsonl"
}

calls_count() {
	calls "$@" | awk 'END { print NR }'
}

# ---------------------------------------------------------------------------------------------
# What the helper leaves in the stand-in

# Netns files under the state dir.
netns_files() {
	standin_exec sh -c 'ls -A "$1/netns" 2>/dev/null || true' sh "$STATE_DIR"
}

# Bind mounts under the state dir's netns directory.
netns_mounts() {
	awk -v d="$STATE_DIR/netns/" 'index($5, d) == 1 { print $5 }' "/proc/$STANDIN_PID/mountinfo"
}

# IP reservations of host-local for NET (every network when NET is omitted).
# shellcheck disable=SC2120 # the suites pass NET
hostlocal_ips() {
	standin_exec sh -c '
		for f in /var/lib/cni/networks/${1:-*}/*; do
			[ -e "$f" ] || continue
			case "${f##*/}" in
			*[!0-9a-f.:]*) ;;  # lock, last_reserved_ip.N
			*) echo "$f" ;;
			esac
		done' sh "${1:-}"
}

# Leases of rootless-cni-ipam (the shipped networks' IPAM) for NET, every network when omitted:
# "NET ADDRESS ID IFNAME" per lease (the lines of its leases file but the header and `last`).
# shellcheck disable=SC2120 # callers may pass NET
ipam_leases() {
	standin_exec sh -c '
		for f in /var/lib/cni/rootless-cni-ipam/${1:-*}/leases; do
			[ -f "$f" ] || continue
			n=${f%/leases}
			grep -v -e "^rootless-cni-ipam " -e "^last " "$f" | sed "s|^|${n##*/} |"
		done; true' sh "${1:-}"
}

# Result cache entries.
cache_files() {
	standin_exec sh -c 'ls -A /var/lib/cni/results 2>/dev/null || true'
}

# veth links left in the stand-in's own netns (the host side of a container interface).
standin_veths() {
	standin_exec ip -o link show type veth
}

# Fails, listing what is there, unless the helper holds no attachment and no resource.
assert_nothing_left() {
	local what=() x
	x=$(rci list 2>&1) || what+=("list failed: $x")
	[ "$(jq -c . <<<"$x" 2>/dev/null)" = "[]" ] || what+=("list: $x")
	x=$(rci is-idle 2>&1) || what+=("is-idle failed: $x")
	[ "$(jq -c .idle <<<"$x" 2>/dev/null)" = true ] || what+=("is-idle: $x")
	x=$(netns_files) && [ -z "$x" ] || what+=("netns files: $x")
	x=$(netns_mounts) && [ -z "$x" ] || what+=("netns mounts: $x")
	x=$(hostlocal_ips '') && [ -z "$x" ] || what+=("host-local reservations: $x")
	x=$(ipam_leases '') && [ -z "$x" ] || what+=("rootless-cni-ipam leases: $x")
	x=$(cache_files) && [ -z "$x" ] || what+=("result cache: $x")
	x=$(standin_veths) && [ -z "$x" ] || what+=("veths: $x")
	x=$(standin_stray_pids) && [ -z "$x" ] || what+=("processes: $x")
	if [ "${#what[@]}" -ne 0 ]; then
		printf 'left behind: %s\n' "${what[@]}" >&2
		return 1
	fi
}

# assert_half_close PORT GREET_PORT GREETED: half-close both ways through 127.0.0.1, against
# netcheck.py's server ($NETCHECK, set by the suite): on PORT the client shuts its side after a
# megabyte and still gets the answer; on GREET_PORT the container shuts its side first and still
# receives the megabyte the client sends after that EOF (its count lands in the file GREETED).
assert_half_close() {
	local port=$1 greet=$2 greeted=$3
	run python3 "$NETCHECK" tcp 127.0.0.1 "$port" 1048576
	assert_status 0
	[[ "$output" == *" got 1048576" ]] || fail "answer: $output"
	run python3 "$NETCHECK" greet 127.0.0.1 "$greet" 1048576
	assert_status 0
	[ "$output" = hi ] || fail "greeting: $output"
	wait_until 10 grep -qx 1048576 "$greeted"
}

# ---------------------------------------------------------------------------------------------
# Attachments

# alloc ID NET [POD [IP [MAC]]]: allocates, asserting success; sets NS (the path alloc returned).
# shellcheck disable=SC2034 # NS is for the suites
alloc() {
	run --separate-stderr rci alloc "$1" "$2" "${3:-pod-$1}" "${4:-}" "${5:-}"
	if [ "$status" -ne 0 ]; then
		fail "alloc $* failed with $status: stdout=$output stderr=$stderr"
		return 1
	fi
	NS=$(jq -er .ns <<<"$output") || {
		fail "alloc $* printed no ns: $output"
		return 1
	}
}

dealloc() {
	run --separate-stderr rci dealloc "$1" "$2"
	if [ "$status" -ne 0 ]; then
		fail "dealloc $* failed with $status: stdout=$output stderr=$stderr"
		return 1
	fi
}

# The first IPv4 address (without prefix) of ID on NET, from print-cni-result.
attachment_ip() {
	local r
	r=$(rci print-cni-result "$1" "$2") || return 1
	jq -er '[.ips[] | .address | select(test("^[0-9.]+/"))][0] | split("/")[0]' <<<"$r"
}

# The netns path as the stand-in sees it, from print-netns-path.
netns_path() {
	rci print-netns-path "$1" | jq -er .path
}
