# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2016 # sh -c scripts take their arguments as $1...
#
# For 35-forwarder.bats: the port forwarder on its own, against an emulated infra. The infra is
# `unshare -U -r -n sleep infinity` (a user and network namespace of the test user, as the real
# infra's), the container a network namespace inside it behind a veth, addressed like the
# default network (10.88.0.2 behind the gateway 10.88.0.1, and fd00:88::2 behind fd00:88::1).
# The forwarder is started and driven through the launcher's client library (tests/tools/
# fwdctl.c); servers and clients are tests/integration/forwarder/netcheck.py. Load after
# helpers: `load helpers; load forwarder`.

FWD="$BUILD/rootless-cni-forwarder"
FWDCTL="$BUILD/tests/tools/fwdctl"
NETCHECK="$RCI_SRC/tests/integration/forwarder/netcheck.py"
CTR4=10.88.0.2
CTR6=fd00:88::2
GW4=10.88.0.1
GW6=fd00:88::1
CTR_PORT=8000

fwd_setup_file() {
	check_cmds unshare nsenter ip python3 ss
	check_files "$FWD" "$FWDCTL" "$NETCHECK"
	if ! unshare -U -r -n true 2>/dev/null; then
		prereq_missing "unprivileged user namespaces are disabled"
	fi
	return 0
}

# Runs CMD in the infra (its user and network namespaces), or in the container.
in_infra() { nsenter -t "$INFRA" -U -n --preserve-credentials "$@"; }
in_ctr() { nsenter -t "$CTR" -U -n --preserve-credentials "$@"; }

ns_differs() { [ "$(readlink "/proc/$1/ns/$2" 2>/dev/null)" != "$3" ]; }

# Starts the infra, the container behind its veth, and the container's server (netcheck serve).
infra_start() {
	# 3>&-: bats waits for fd 3 to close before it finishes a test.
	unshare -U -r -n sleep infinity >/dev/null 2>&1 3>&- &
	INFRA=$!
	wait_until 5 ns_differs "$INFRA" user "$(readlink /proc/self/ns/user)" || return 1
	# Not through in_infra: $! must be the holder itself (nsenter and unshare exec, no fork).
	nsenter -t "$INFRA" -U -n --preserve-credentials unshare -n sleep infinity \
		>/dev/null 2>&1 3>&- &
	CTR=$!
	wait_until 5 ns_differs "$CTR" net "$(readlink "/proc/$INFRA/ns/net")" || return 1
	in_infra sh -euc '
		ip link set lo up
		ip link add veth0 type veth peer name eth0 netns "$1"
		ip addr add "$2/24" dev veth0
		ip -6 addr add "$3/64" dev veth0 nodad
		ip link set veth0 up' sh "$CTR" "$GW4" "$GW6"
	in_ctr sh -euc '
		ip link set lo up
		ip addr add "$1/24" dev eth0
		ip -6 addr add "$2/64" dev eth0 nodad
		ip link set eth0 up
		ip route add default via "$3"
		ip -6 route add default via "$4"' sh "$CTR4" "$CTR6" "$GW4" "$GW6"
	nsenter -t "$CTR" -U -n --preserve-credentials python3 "$NETCHECK" serve "$CTR_PORT" \
		"$W/greeted" >"$W/server.log" 2>&1 3>&- &
	SERVER=$!
	wait_until 10 grep -q ready "$W/server.log" || {
		fail "the container's server did not start: $(cat "$W/server.log")"
		return 1
	}
}

# Starts the forwarder for the infra (lr_fwd_start: waits for its ready fd); sets FWD_PID.
fwd_start() {
	FWD_PID=$("$FWDCTL" start "$FWD" "$W/ctl.sock" "$INFRA" "$W/fwd.log") || {
		fail "the forwarder did not start: $(cat "$W/fwd.log" 2>/dev/null)"
		return 1
	}
}

fwdctl() { "$FWDCTL" "$W/ctl.sock" "$@"; }

# publish PROTO HOSTIP CTRIP [CTRPORT]: publishes a random free host port (a taken one is a
# conflict, exit 4: the next is tried) and prints it.
publish() {
	local port rc
	for _ in $(seq 20); do
		port=$((20000 + RANDOM % 40000))
		rc=0
		fwdctl add "$1" "$2" "$port" "$3" "${4:-$CTR_PORT}" c1 default || rc=$?
		if [ "$rc" -eq 0 ]; then
			echo "$port"
			return 0
		fi
		[ "$rc" -eq 4 ] || return "$rc"
	done
	return 1
}

# The first forward has N open connections (or UDP flows) now.
connections_are() { [ "$(fwdctl list | jq '.[0].connections')" = "$1" ]; }

# Listeners on PORT: `listening tcp|udp PORT` prints ss's lines for them.
listening() {
	local flag=-Hltn
	[ "$1" = udp ] && flag=-Hlun
	ss "$flag" "sport = :$2"
}

# Processes in the infra's user namespace other than the infra, the container and its server.
infra_strays() {
	local ino
	ino=$(readlink "/proc/$INFRA/ns/user" 2>/dev/null) || return 0
	ino=${ino//[!0-9]/}
	ps -e -o pid=,userns=,stat= | awk -v ino="$ino" -v a="$INFRA" -v b="$CTR" -v c="$SERVER" \
		'$2 == ino && $1 != a && $1 != b && $1 != c && $3 !~ /^[ZX]/ { print $1 }'
}

# Stops the forwarder (SIGTERM), then everything else; fails when the forwarder's child or
# anything else was left in the infra.
fwd_teardown() {
	local rc=0 p
	if [ -n "${FWD_PID:-}" ] && pid_alive "$FWD_PID"; then
		kill -TERM "$FWD_PID"
		wait_until 5 pid_dead "$FWD_PID" || rc=1
	fi
	# An instrumented build (make check-asan) reports leaks and undefined behaviour there.
	if grep -E 'Sanitizer|runtime error' "$W/fwd.log" >&2; then
		rc=1
	fi
	if [ -n "${INFRA:-}" ]; then
		for p in $(infra_strays); do
			echo "left in the infra: $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
			kill -KILL "$p" 2>/dev/null
			rc=1
		done
	fi
	for p in ${SERVER:-} ${CTR:-} ${INFRA:-}; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return "$rc"
}
