#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prepares, as root, a "remote client" for the rootless suites: a network namespace joined to
# the host by a veth, with documentation addresses of its own, whose user namespace belongs to
# the test user, so that user can run clients in it (nsenter -U -n) though it could never
# create the veth. Used by tests/run-integration.sh for the forwarder's source-address tests.
#
# Usage: tests/setup-client-netns.sh USER
# Prints shell assignments on stdout, everything else on stderr:
#   RCI_CLIENT_PID=N        the namespace holder (running as USER); kill it to remove
#                           the namespace, the veth and every address below
#   RCI_CLIENT_HOST4/6=IP   the host's end (198.51.100.0/24, 2001:db8::/32 ranges)
#   RCI_CLIENT_ADDR4/6=IP   the client's own addresses (default routes point at the host)
# The slot (a /30 of 198.51.100.0/24 and a /64 of 2001:db8:5243::/48) is the first whose veth
# name is free and whose addresses no route of the host covers, so parallel runs of other users
# and the host's own networks never collide. The holder also exits within a second once the
# caller (the script's parent process) is gone, so a killed runner leaves nothing behind.
set -euo pipefail

log() { printf 'setup-client-netns: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ "$#" -eq 1 ] || die "usage: $0 USER"
user=$1
uid=$(id -u "$user") || die "no user \`$user'"
gid=$(id -g "$user")

# Covered by a route of the host other than the default one?
routed() {
	local r
	r=$(ip -"$1" route show to match "$2" 2>/dev/null | grep -v '^default' || true)
	[ -n "$r" ]
}

pid=
cleanup_failed() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	return 0
}
trap cleanup_failed ERR

# setpriv and unshare exec (no fork), so $! is the holder itself: a shell that lives while the
# caller does (/proc, not kill -0: the caller is root's, the holder the user's).
# shellcheck disable=SC2016 # arguments of sh -c
setpriv --reuid="$uid" --regid="$gid" --init-groups unshare -U -r -n \
	sh -c 'while [ -d "/proc/$1" ]; do sleep 1; done' sh "$PPID" </dev/null >/dev/null 2>&1 &
pid=$!
self_userns=$(readlink /proc/self/ns/user)
for _ in $(seq 100); do
	[ "$(readlink "/proc/$pid/ns/user" 2>/dev/null)" != "$self_userns" ] && break
	sleep 0.05
done
[ "$(readlink "/proc/$pid/ns/user" 2>/dev/null)" != "$self_userns" ] ||
	die "the namespace holder did not start"

slot=
for i in $(seq 1 60); do
	h4=198.51.100.$((i * 4 + 1)) c4=198.51.100.$((i * 4 + 2))
	h6=2001:db8:5243:$i::1 c6=2001:db8:5243:$i::2
	routed 4 "$c4" || routed 6 "$c6" && continue
	# The veth name is the lock between concurrent runs.
	if ip link add "rcic$i" type veth peer name eth0 netns "$pid" 2>/dev/null; then
		slot=$i
		break
	fi
done
[ -n "$slot" ] || die "no free client slot in 198.51.100.0/24"
ip addr add "$h4/30" dev "rcic$slot"
ip -6 addr add "$h6/64" dev "rcic$slot" nodad
ip link set "rcic$slot" up
# shellcheck disable=SC2016 # arguments of sh -c
nsenter -t "$pid" -n sh -euc '
	ip link set lo up
	ip addr add "$1/30" dev eth0
	ip -6 addr add "$2/64" dev eth0 nodad
	ip link set eth0 up
	ip route add default via "$3"
	ip -6 route add default via "$4"
' sh "$c4" "$c6" "$h4" "$h6"
log "client namespace $pid: $c4, $c6 via rcic$slot ($h4, $h6)"
printf 'RCI_CLIENT_PID=%s\nRCI_CLIENT_HOST4=%s\nRCI_CLIENT_ADDR4=%s\n' "$pid" "$h4" "$c4"
printf 'RCI_CLIENT_HOST6=%s\nRCI_CLIENT_ADDR6=%s\n' "$h6" "$c6"
