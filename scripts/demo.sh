#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The main job, end to end: start the infra, allocate two containers on the default network (one
# with a published port), print their addresses, show they reach each other, fetch a page from a
# server in a container through its published port, fetch a page from a server on the host's
# loopback through the infra's network driver (10.0.2.2), deallocate both and show the infra is
# gone. The infra runs with --allow-host-loopback for that step: by default containers cannot
# reach the host's 127.0.0.1 (every service listening there would be open to every container).
#
# Usage: scripts/demo.sh [LAUNCHER OPTION]...   e.g. --net-driver pasta, --port-driver slirp4netns
#
# As root (initial user namespace): installs the dependencies (scripts/install-deps.sh),
# prepares an unprivileged user (tests/setup-rootless-user.sh) and runs the demo as that user.
# As any other user: runs the demo directly. `make demo` builds first.
#
# Env: BUILD (default <repo>/build), RCI_DEMO_PORT (default 18080: the host's server),
#      RCI_DEMO_PUBLISH (default 18081: the port published for demo-a).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$src/build}
build=$(cd "$build" && pwd)

step() { printf '\n==> %s\n' "$*"; }
die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

in_initial_userns() {
	[ "$(awk 'NR == 1 { print $1, $2, $3 }' /proc/self/uid_map)" = "0 0 4294967295" ]
}

if [ "$(id -u)" -eq 0 ] && in_initial_userns; then
	step "root: installing dependencies"
	"$src/scripts/install-deps.sh" >&2
	[ -x "$build/rootless-cni-launcher" ] || make -C "$src" all >&2
	user=$("$src/tests/setup-rootless-user.sh")
	group=$(id -gn "$user")
	tmp=$(mktemp -d /tmp/rci-demo-root.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	chown "$user:$group" "$tmp"
	# The user must be able to read the build and the default network where they are.
	if ! runuser -u "$user" -- test -x "$build/rootless-cni-launcher" 2>/dev/null ||
		! runuser -u "$user" -- test -r "$src/image/net.d/default.conflist" 2>/dev/null; then
		mkdir -p "$tmp/build" "$tmp/image"
		cp -a "$build/rootless-cni-launcher" "$build/rootless-cni-infra" \
			"$build/rootless-cni-infra-init" "$build/rootless-cni-forwarder" "$tmp/build/"
		cp -a "$src/image/net.d" "$tmp/image/"
		cp -a "$src/scripts" "$tmp/"
		chown -R "$user:$group" "$tmp"
		demo=$tmp/scripts/demo.sh
		build=$tmp/build
	else
		demo=$src/scripts/demo.sh
	fi
	install -d -m 0700 -o "$user" -g "$group" "$tmp/xdg"
	step "running the demo as the unprivileged user \`$user'"
	runuser -u "$user" -- env -i HOME="$(getent passwd "$user" | cut -d: -f6)" \
		USER="$user" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		XDG_RUNTIME_DIR="$tmp/xdg" BUILD="$build" RCI_DEMO_PORT="${RCI_DEMO_PORT:-18080}" \
		RCI_DEMO_PUBLISH="${RCI_DEMO_PUBLISH:-18081}" bash "$demo" "$@"
	exit
fi

L=$build/rootless-cni-launcher
[ -x "$L" ] || die "$L not found (run make)"
for c in jq curl python3 ping; do
	command -v "$c" >/dev/null || die "\`$c' not found (scripts/install-deps.sh installs it)"
done
port=${RCI_DEMO_PORT:-18080}
published=${RCI_DEMO_PUBLISH:-18081}
state=$(mktemp -d /tmp/rci-demo.XXXXXX)
www=$(mktemp -d /tmp/rci-www.XXXXXX)
export RCI_DEFAULT_NET_DIR=${RCI_DEFAULT_NET_DIR:-$(cd "$build/.." && pwd)/image/net.d}
# The demo shows the shipped default network, whatever the user has configured.
export XDG_CONFIG_HOME=$www/config
# The demo's options (drivers) go with every command; a running infra checks they match.
opts=("$@")
launcher() { "$L" --root "$state" "${opts[@]}" "$@"; }
server='' ctr_server=''
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	[ -n "$ctr_server" ] && kill "$ctr_server" 2>/dev/null
	launcher stop >/dev/null 2>&1 || true
	rm -rf "$state" "$www"
}
trap cleanup EXIT

step "checking prerequisites (rootless-cni-launcher doctor)"
launcher doctor

step "starting the infra container, with --allow-host-loopback"
# The demo fetches a page from a server on the host's 127.0.0.1 below. Without the option,
# slirp4netns runs with --disable-host-loopback and 10.0.2.2 does not lead there: services bound
# to the host's loopback (databases, admin ports) stay closed to containers, as in podman.
launcher --allow-host-loopback start
launcher status | jq '{running, pid, runtime, userns, netDriver, portDriver, allowHostLoopback}'

step "allocating two containers on network \`default': demo-a, its port 8080 published on $published, and demo-b"
launcher alloc demo-a default -p "$published:8080" >"$www/a.json"
launcher alloc demo-b default >"$www/b.json"
ip_a=$(jq -r '.result.ips[0].address' "$www/a.json")
ip_b=$(jq -r '.result.ips[0].address' "$www/b.json")
echo "demo-a: $ip_a  netns $(jq -r .netns "$www/a.json")"
echo "demo-b: $ip_b  netns $(jq -r .netns "$www/b.json")"
echo "userns: $(jq -r .userns "$www/a.json")  uidMappings $(jq -c .uidMappings "$www/a.json")"

step "demo-a pings demo-b (${ip_b%/*}) over the bridge"
launcher enter demo-a -- ping -c 2 -W 2 "${ip_b%/*}"

step "a web server in demo-a on port 8080, fetched from the host at 127.0.0.1:$published"
mkdir -p "$www/a"
echo "hello from demo-a" >"$www/a/index.html"
# Not through the function: $! must be the server itself (enter execs it).
"$L" --root "$state" "${opts[@]}" enter demo-a -- \
	python3 -m http.server 8080 --directory "$www/a" >/dev/null 2>&1 &
ctr_server=$!
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$published/" && break
	sleep 0.1
done
curl -sS -m 10 "http://127.0.0.1:$published/index.html"
kill "$ctr_server"
ctr_server=

step "a web server on the host's loopback, 127.0.0.1:$port"
echo "hello from the host's loopback" >"$www/index.html"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$www" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done

step "demo-b fetches http://10.0.2.2:$port/ through the infra's $(launcher status | jq -r .netDriver) (open by --allow-host-loopback)"
launcher enter demo-b -- curl -sS -m 10 "http://10.0.2.2:$port/index.html"

step "deallocating both"
launcher dealloc demo-a default
launcher dealloc demo-b default

step "the infra is gone"
launcher status | jq -c .
# This infra's processes: slirp4netns serving its socket, pasta and the forwarder naming its
# state dir, anything rooted in its bundle. (Other infras of the same user may be running; an
# exited process may linger as a zombie, with no command line and no root, until its reaper
# collects it.)
infra_procs() {
	local p
	pgrep -u "$(id -u)" -a -f -- "$state/" || true
	for p in $(pgrep -u "$(id -u)" .); do
		case "$(readlink "/proc/$p/root" 2>/dev/null)" in
		"$state"/*) ps -o pid=,args= -p "$p" ;;
		esac
	done
}
if [ -n "$(infra_procs)" ]; then
	infra_procs >&2
	die "infra processes remain"
fi
echo "no infra process, no network driver, no forwarder; state dir holds: $(find "$state" -mindepth 1 -maxdepth 1 -printf '%f ')"
echo
echo "demo: ok"
