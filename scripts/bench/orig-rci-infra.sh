#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The "original design" of scripts/bench.sh (issue 7), emulated: the shell helper that engines
# ran with one OCI-runtime `exec` per subcommand. Each container's netns is held by an
# `unshare -n sleep infinity` process found again by its pid, the loopback is set up with
# nsenter + ip, and the plugin chain is driven by one CNI runtime process per call
# (`rci-bench cni`, standing in for the Go cnitool, which Debian does not ship). Written for
# this benchmark from the design's description, not a copy of any script. It runs inside the
# infra container.
#
# Usage: orig-rci-infra.sh alloc ID NET POD_NAME | dealloc ID NET | print-cni-result ID NET |
#        print-netns-path ID | is-idle
# Env: ORIG_BASE (default /run/orig-rci-infra), ORIG_CNI (default /tmp/rci-bench),
#      ORIG_CONF (default /etc/cni/net.d; NET is ORIG_CONF/NET.conflist)
set -eu

base=${ORIG_BASE:-/run/orig-rci-infra}
cni=${ORIG_CNI:-/tmp/rci-bench}
conf=${ORIG_CONF:-/etc/cni/net.d}

die() {
	echo "orig-rci-infra: $*" >&2
	exit 1
}

# The holder's netns differs from ours once unshare has run; checked, then polled every 100 ms.
wait_unshared() {
	i=0
	while [ "$(readlink /proc/self/ns/net)" = "$(readlink "/proc/$1/ns/net")" ]; do
		[ "$i" -lt 10 ] || die "/proc/$1/ns/net was not unshared"
		sleep 0.1
		i=$((i + 1))
	done
}

cmd_alloc() {
	[ "$#" -eq 3 ] || die "usage: alloc ID NET POD_NAME"
	dir=$base/$1
	mkdir -p "$dir/attached" "$dir/attached-args"
	if [ ! -f "$dir/pid" ]; then
		unshare -n sleep infinity </dev/null >/dev/null 2>&1 &
		pid=$!
		wait_unshared "$pid"
		echo "$pid" >"$dir/pid"
		nsenter -t "$pid" -n ip link set lo up
	fi
	pid=$(cat "$dir/pid")
	n=$(find "$dir/attached" -mindepth 1 -maxdepth 1 | wc -l)
	args="IgnoreUnknown=1;K8S_POD_NAME=$3"
	"$cni" cni add -i "eth$n" -a "$args" "$conf/$2.conflist" "/proc/$pid/ns/net" "$1" \
		>"$dir/attached/$2.tmp"
	mv "$dir/attached/$2.tmp" "$dir/attached/$2"
	printf '%s\n%s\n' "eth$n" "$args" >"$dir/attached-args/$2"
	printf '{"ns":"/proc/%s/ns/net"}\n' "$pid"
}

cmd_dealloc() {
	[ "$#" -eq 2 ] || die "usage: dealloc ID NET"
	dir=$base/$1
	if [ -f "$dir/attached/$2" ]; then
		pid=$(cat "$dir/pid")
		ifname=$(sed -n 1p "$dir/attached-args/$2")
		args=$(sed -n 2p "$dir/attached-args/$2")
		"$cni" cni del -i "$ifname" -a "$args" "$conf/$2.conflist" "/proc/$pid/ns/net" \
			"$1" "$dir/attached/$2"
		rm -f "$dir/attached/$2" "$dir/attached-args/$2"
	fi
	if [ -d "$dir" ] && [ -z "$(ls -A "$dir/attached")" ]; then
		if [ -f "$dir/pid" ]; then
			kill "$(cat "$dir/pid")" 2>/dev/null || true
		fi
		rm -rf "$dir"
	fi
	echo '{}'
}

cmd_is_idle() {
	if [ -d "$base" ] && [ -n "$(ls -A "$base")" ]; then
		echo '{"idle": false}'
	else
		echo '{"idle": true}'
	fi
}

cmd="${1:-}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
alloc) cmd_alloc "$@" ;;
dealloc) cmd_dealloc "$@" ;;
print-cni-result) cat "$base/$1/attached/$2" ;;
print-netns-path) printf '{"path":"/proc/%s/ns/net"}\n' "$(cat "$base/$1/pid")" ;;
is-idle) cmd_is_idle ;;
*) die "unknown subcommand \`$cmd'" ;;
esac
