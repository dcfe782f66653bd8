#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# rootless-cni-dns (issue 12), our CNI plugin, on its own: the CNI protocol (VERSION, ADD with
# prevResult, DEL twice, CHECK, errors as CNI error objects), one dnsmasq per network that reads
# one file per attachment (no restart, no signal), A and AAAA answers, names gone with DEL, a
# restart when the network's gateways change. Run as root of the infra stand-in (helpers.bash),
# on a bridge made there, as the helper runs plugins.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers

PLUGIN="$BUILD/cni/rootless-cni-dns"
RUN=/run/rootless-cni-dns

setup_file() {
	check_standin_prereqs
	check_files "$PLUGIN"
	check_cmds python3 ip
	PATH="$PATH:/usr/sbin" command -v dnsmasq >/dev/null 2>&1 ||
		prereq_missing "dnsmasq not found (package dnsmasq-base)"
	return 0
}

setup() {
	require_prereqs
	standin_start
	standin_exec sh -euc '
		ip link add br9 type bridge
		ip addr add 10.99.0.1/24 dev br9
		ip addr add fd00:99::1/64 dev br9 nodad
		ip link set br9 up' || fail "no bridge in the stand-in"
	# dns-ask SERVER NAME TYPE(1 A, 28 AAAA): "rcode addr..." of the answer.
	cat >"$BATS_TEST_TMPDIR/dns-ask" <<'PY'
import ipaddress, socket, struct, sys
t = int(sys.argv[3])
q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in sys.argv[2].split(".")) + b"\0"
q += struct.pack(">HH", t, 1)
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(q, (sys.argv[1], 53))
r = s.recv(4096)
n, off, out = struct.unpack(">H", r[6:8])[0], len(q), [str(r[3] & 15)]
for _ in range(n):
    off += 2 if r[off] & 0xC0 == 0xC0 else r.index(b"\0", off) + 1 - off
    rt, _, _, ln = struct.unpack(">HHIH", r[off:off + 10])
    off += 10
    if rt == t:
        out.append(str(ipaddress.ip_address(r[off:off + ln])))
    off += ln
print(" ".join(out))
PY
}

teardown() {
	# dnsmasq lives as long as the infra; here, as long as the test.
	standin_exec sh -c "for p in $RUN/*/pid; do [ -f \"\$p\" ] && kill \$(cat \"\$p\"); done" \
		2>/dev/null || true
	standin_stop
}

# prev ADDR4 ADDR6: a bridge-like prevResult, eth0 in a sandbox, gateways 10.99.0.1 and fd00:99::1.
prev() {
	jq -cn --arg a4 "$1" --arg a6 "$2" '{cniVersion: "1.0.0",
		interfaces: [{name: "br9"}, {name: "vethx"}, {name: "eth0", sandbox: "/x"}],
		ips: [{interface: 2, address: "\($a4)/24", gateway: "10.99.0.1"},
		      {interface: 2, address: "\($a6)/64", gateway: "fd00:99::1"}],
		routes: [{dst: "0.0.0.0/0"}], dns: {}}'
}

# conf [PREV [EXTRA]]: the plugin's stdin for network tnet.
conf() {
	jq -cn --argjson prev "${1:-null}" --argjson extra "${2:-{\}}" '{cniVersion: "1.0.0",
		name: "tnet", type: "rootless-cni-dns", domainName: "dns.podman"} + $extra +
		(if $prev then {prevResult: $prev} else {} end)'
}

# plugin COMMAND ID STDIN [POD_NAME]: the plugin in the stand-in, as the helper runs it.
plugin() {
	standin_exec env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_IFNAME=eth0 CNI_NETNS=/x \
		CNI_ARGS="IgnoreUnknown=1${4:+;K8S_POD_NAME=$4}" CNI_PATH=/nowhere \
		"$PLUGIN" <<<"$3"
}

ask() { standin_exec python3 "$BATS_TEST_TMPDIR/dns-ask" "$@"; }

# answered SERVER NAME TYPE WANT: ask's answer is WANT. dnsmasq reads a hosts file when inotify
# tells it, a moment after the plugin returned: callers poll.
answered() { [ "$(ask "$1" "$2" "$3" 2>/dev/null)" = "$4" ]; }

# The live dnsmasq of each network (their pid files: /proc shows every user's dnsmasq).
dnsmasq_pids() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	standin_exec sh -c 'for f in /run/rootless-cni-dns/*/pid; do
		[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; done; true'
}

@test "dns plugin: VERSION, and what it refuses, as CNI errors on stdout" {
	run plugin VERSION "" '{"cniVersion":"1.0.0"}'
	assert_status 0
	assert_json '.supportedVersions == ["0.3.0", "0.3.1", "0.4.0", "1.0.0"]'
	run plugin ADD c1 "$(conf)" pod1
	assert_status 1
	assert_json '.code == 7 and .msg == "required prevResult missing"'
	run plugin ADD c1 "$(jq -c '.cniVersion = "1.1.0"' <<<"$(conf "$(prev 10.99.0.5 fd00:99::5)")")"
	assert_status 1
	assert_json '.code == 1'
	run plugin ADD c1 "$(conf "$(prev 10.99.0.5 fd00:99::5)" '{"name": "../x"}')" pod1
	assert_status 1
	assert_json '.code == 7 and .msg == "invalid network name"'
	run plugin ADD c1 "$(conf "$(prev 10.99.0.5 fd00:99::5)" '{"domainName": "a\nb"}')" pod1
	assert_status 1
	assert_json '.code == 7 and .msg == "invalid domainName"'
	run plugin ADD "../c1" "$(conf "$(prev 10.99.0.5 fd00:99::5)")" pod1
	assert_status 1
	assert_json '.code == 4'
	run plugin GC c1 "$(conf)"
	assert_status 1
	assert_json '.code == 4'
	# Bad input left nothing behind: no files, no server.
	run standin_exec ls -A /run
	[[ "$output" != *rootless-cni-dns* ]] || fail "$(standin_exec find $RUN)"
	[ -z "$(dnsmasq_pids)" ]
}

@test "dns plugin: ADD names the container, one dnsmasq per network, DEL removes the name" {
	run plugin ADD c1 "$(conf "$(prev 10.99.0.5 fd00:99::5)" \
		'{"runtimeConfig": {"aliases": {"tnet": ["web", "not valid!"]}}}')" pod1
	assert_status 0
	# prevResult, with the gateways and the domain as `dns`.
	assert_json '.dns == {nameservers: ["10.99.0.1", "fd00:99::1"], search: ["dns.podman"]}
		and (.ips | length) == 2 and (.interfaces | length) == 3'
	[ "$(standin_exec cat "$RUN/tnet/hosts.d/c1:eth0")" = \
		"$(printf '10.99.0.5\tpod1 web\nfd00:99::5\tpod1 web')" ]
	pid=$(dnsmasq_pids)
	[ -n "$pid" ] || fail "no dnsmasq"
	wait_until 5 answered 10.99.0.1 pod1.dns.podman 1 "0 10.99.0.5" ||
		fail "A: $(ask 10.99.0.1 pod1.dns.podman 1)"
	run ask fd00:99::1 web.dns.podman 28
	[ "$output" = "0 fd00:99::5" ] || fail "AAAA: $output"
	run ask 10.99.0.1 pod1 1
	[ "$output" = "0 10.99.0.5" ] || fail "plain name: $output"

	# A second container: the same dnsmasq reads its file, no restart.
	run plugin ADD c2 "$(conf "$(prev 10.99.0.6 fd00:99::6)")" pod2
	assert_status 0
	[ "$(dnsmasq_pids)" = "$pid" ] || fail "dnsmasq restarted: $(dnsmasq_pids), was $pid"
	wait_until 5 answered 10.99.0.1 pod2.dns.podman 1 "0 10.99.0.6" ||
		fail "pod2: $(ask 10.99.0.1 pod2.dns.podman 1)"

	run plugin CHECK c1 "$(conf "$(prev 10.99.0.5 fd00:99::5)" \
		'{"runtimeConfig": {"aliases": {"tnet": ["web"]}}}')" pod1
	assert_status 0
	run plugin DEL c1 "$(conf)" pod1
	assert_status 0
	[ -z "$output" ]
	run plugin DEL c1 "$(conf)" pod1
	assert_status 0
	wait_until 5 answered 10.99.0.1 pod1.dns.podman 1 3 ||
		fail "pod1 after DEL: $(ask 10.99.0.1 pod1.dns.podman 1)"
	run plugin CHECK c1 "$(conf "$(prev 10.99.0.5 fd00:99::5)")" pod1
	assert_status 1
	assert_json '.code == 101'
	# The server stays for the next container of the network.
	[ "$(dnsmasq_pids)" = "$pid" ]
	run standin_exec ls "$RUN/tnet/hosts.d"
	[ "$output" = "c2:eth0" ]
}

@test "dns plugin: a dead or outdated dnsmasq is replaced by the next ADD" {
	run plugin ADD c1 "$(conf "$(prev 10.99.0.5 fd00:99::5)")" pod1
	assert_status 0
	pid=$(dnsmasq_pids)
	standin_exec kill "$pid"
	wait_until 5 pid_dead "$pid"
	run plugin CHECK c1 "$(conf "$(prev 10.99.0.5 fd00:99::5)")" pod1
	assert_status 1
	assert_json '.code == 101 and (.msg | test("not running"))'
	run plugin ADD c2 "$(conf "$(prev 10.99.0.6 fd00:99::6)")" pod2
	assert_status 0
	pid2=$(dnsmasq_pids)
	[ -n "$pid2" ] && [ "$pid2" != "$pid" ]
	# Both names, the earlier one too: a new dnsmasq reads every file at start.
	wait_until 5 answered 10.99.0.1 pod1.dns.podman 1 "0 10.99.0.5" ||
		fail "pod1: $(ask 10.99.0.1 pod1.dns.podman 1)"
	# Another domain is another configuration: one dnsmasq still, the new one.
	run plugin ADD c3 "$(conf "$(prev 10.99.0.7 fd00:99::7)" '{"domainName": "other.test"}')" p3
	assert_status 0
	[ "$(dnsmasq_pids | wc -l)" = 1 ] && [ "$(dnsmasq_pids)" != "$pid2" ]
	wait_until 5 answered 10.99.0.1 p3.other.test 1 "0 10.99.0.7" ||
		fail "p3: $(ask 10.99.0.1 p3.other.test 1)"
}
