# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared by the network suites of issue 4 (30-*.bats): published ports, name resolution, IPv6.
# Builds on launcher.bash (state dir per test, launcher, live_pids, new_procs, assert_gone); adds
# servers run in a container's namespaces, killed by the teardown, and small Python tools (no
# more packages than the launcher suites need). Load after both: `load helpers; load launcher;
# load net`, then use net_setup_file, net_setup and net_teardown.

net_setup_file() {
	check_cmds runc slirp4netns newuidmap newgidmap iptables jq curl python3 ping ps ss getent
	check_files "$L" "$BUILD/rootless-cni-infra" "$BUILD/rootless-cni-infra-init" \
		"$RCI_SRC/image/net.d/default.conflist" "$RCI_SRC/image/net.d/dualstack.conflist" \
		/usr/lib/cni/bridge /usr/lib/cni/portmap "$BUILD/cni/rootless-cni-dns" \
		"$BUILD/cni/rootless-cni-ipam"
	[ "${#IMAGE_ARGS[@]}" -eq 0 ] || check_files "${IMAGE_ARGS[1]}/index.json"
	PATH="$PATH:/usr/sbin" command -v dnsmasq >/dev/null 2>&1 ||
		prereq_missing "dnsmasq not found (package dnsmasq-base)"
	if [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then
		prereq_missing "/dev/net/tun is not read-writable"
	fi
	return 0
}

net_setup() {
	require_prereqs
	STATE=$(mktemp -d /tmp/rci-l.XXXXXX)
	WORK=$(mktemp -d /tmp/rci-w.XXXXXX)
	# The shipped networks, whatever the user has in ~/.config/cni/net.d.
	export RCI_DEFAULT_NET_DIR="$RCI_SRC/image/net.d"
	export XDG_CONFIG_HOME="$WORK/config"
	SERVERS=()
	# shellcheck disable=SC2034 # read by new_procs (launcher.bash)
	BEFORE=$(live_pids)
	write_tools
}

net_teardown() {
	local p
	for p in "${SERVERS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	"$L" --root "$STATE" stop >/dev/null 2>&1 || true
	rm -rf "$STATE" "$WORK"
}

# serve ID CMD...: runs CMD in ID's namespaces in the background, killed by the teardown.
serve() {
	local id=$1
	shift
	# Not through a function: $! must be the server itself (enter execs it). 3>&-: bats waits
	# for fd 3 to close.
	"$L" --root "$STATE" enter "$id" -- "$@" >>"$WORK/servers.log" 2>&1 3>&- &
	SERVERS+=("$!")
}

# http_server ID PORT [BIND]: serves `page of ID` as /index.html on PORT.
http_server() {
	mkdir -p "$WORK/www-$1"
	echo "page of $1" >"$WORK/www-$1/index.html"
	serve "$1" python3 -m http.server "$2" --bind "${3:-0.0.0.0}" --directory "$WORK/www-$1"
}

write_tools() {
	# udp-echo ADDR PORT: answers every datagram with its upper-case copy.
	cat >"$WORK/udp-echo" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d.upper(), a)
PY
	# udp-ask ADDR PORT TEXT: sends TEXT until an answer comes (5 s at most) and prints it.
	cat >"$WORK/udp-ask" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.25)
for _ in range(20):
    s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
    try:
        print(s.recv(2048).decode())
        sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)
PY
	# dns-rcode SERVER NAME: the rcode of an A query (0 NOERROR, 3 NXDOMAIN, 5 REFUSED...).
	cat >"$WORK/dns-rcode" <<'PY'
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in sys.argv[2].split(".")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(q, (sys.argv[1], 53))
print(s.recv(4096)[3] & 15)
PY
}

# addr_of FILE FAMILY: the first IPv4 (4) or IPv6 (6) address, without prefix, of the CNI result
# in alloc's output FILE.
addr_of() {
	local re='^[0-9.]+/'
	[ "$2" = 6 ] && re=':'
	jq -er --arg re "$re" '[.result.ips[].address | select(test($re))][0] | split("/")[0]' "$1"
}

# TCP port PORT of the host's 127.0.0.1 accepts connections.
host_port_open() {
	python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)' "$1" 2>/dev/null
}

# A port free for TCP and UDP on the host right now (the kernel's pick), so concurrent runs of
# the suites do not collide.
free_port() {
	python3 -c '
import socket
while True:
    t = socket.socket()
    t.bind(("0.0.0.0", 0))
    p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("0.0.0.0", p))
        break
    except OSError:
        pass
print(p)'
}
