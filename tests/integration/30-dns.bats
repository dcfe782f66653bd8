#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Name resolution (issue 4): our rootless-cni-dns plugin and dnsmasq in the shipped default network
# (issue 12; Debian's dnsname before), the CNI result's `dns` as the resolv.conf `enter` gives its
# command, names outside through slirp4netns' forwarder (10.0.2.3).
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers
load launcher
load net

setup_file() {
	net_setup_file
}

setup() {
	net_setup
}

teardown() {
	net_teardown
}

# The first nameserver of the host's resolv.conf.
host_nameserver() {
	awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf
}

@test "dns: containers resolve each other by pod name and connect; dealloc removes the name" {
	launcher alloc a default >"$WORK/a.json"
	launcher alloc b default pod-b >"$WORK/b.json"
	b=$(addr_of "$WORK/b.json" 4)
	# The result tells the engine what to put in resolv.conf, and enter does it.
	jq -e '.result.dns.nameservers == ["10.88.0.1"] and .result.dns.search == ["dns.podman"]' \
		"$WORK/a.json"
	run launcher enter a -- cat /etc/resolv.conf
	assert_status 0
	[ "$(grep -v '^#' <<<"$output")" = $'nameserver 10.88.0.1\nsearch dns.podman' ] ||
		fail "resolv.conf: $output"

	run launcher enter a -- getent hosts pod-b
	assert_status 0
	[ "$(awk '{ print $1 }' <<<"$output")" = "$b" ] || fail "pod-b resolved to: $output"
	http_server b 80
	wait_until 10 launcher enter a -- curl -sf -o /dev/null -m 2 http://pod-b/
	run launcher enter a -- curl -sS -m 5 http://pod-b.dns.podman/index.html
	assert_status 0
	[ "$output" = "page of b" ]

	launcher dealloc b default
	run launcher enter a -- getent hosts pod-b
	assert_status 2
	run launcher enter a -- getent hosts pod-b.dns.podman
	assert_status 2
	launcher dealloc a default
	assert_gone
}

@test "dns: an engine that is root of a single-ID user namespace shares it and gets names" {
	# `unshare -r` maps one ID and denies setgroups(): dnsmasq's switch to group "dip" fails
	# there unless the helper's dnsmasq shim is used. Everything runs inside one unshare, as an
	# engine in its own namespace would: the infra joins that namespace (no newuidmap).
	local l
	l=$(printf '%q --root %q' "$L" "$STATE")
	cat >"$WORK/shared.sh" <<-EOF
		set -eu
		$l alloc a default pod-a >$WORK/sa.json
		$l alloc b default pod-b >$WORK/sb.json
		$l status >$WORK/sstatus.json
		$l enter a -- getent hosts pod-b >$WORK/sgetent
		$l dealloc a default >/dev/null
		$l dealloc b default >/dev/null
		$l status >$WORK/sstatus2.json
	EOF
	run unshare -r bash "$WORK/shared.sh"
	assert_status 0
	# The infra shared the caller's namespace: a single-ID mapping, no namespace of its own.
	jq -e '.running == true' "$WORK/sstatus.json"
	jq -e '.uidMappings | length == 1' "$WORK/sa.json"
	b=$(addr_of "$WORK/sb.json" 4)
	[ "$(awk '{ print $1 }' "$WORK/sgetent")" = "$b" ] || fail "pod-b: $(cat "$WORK/sgetent")"
	jq -e '.running == false' "$WORK/sstatus2.json"
	assert_gone
}

@test "dns: names outside resolve through slirp4netns' forwarder as on the host" {
	launcher alloc a default >/dev/null
	pid=$(launcher status | jq .pid)
	# The infra's dnsmasq forwards to slirp4netns, not to the host's resolvers.
	[ "$(grep -v '^#' "/proc/$pid/root/etc/resolv.conf")" = "nameserver 10.0.2.3" ]
	ns=$(host_nameserver)
	[ -n "$ns" ] || fail "the host has no nameserver in /etc/resolv.conf"
	# Whatever the host's resolver says about a name and a non-name, the container hears too
	# (an unanswered query would fail, a dnsmasq without upstream would say REFUSED).
	for name in deb.debian.org no-such-name.invalid; do
		want=$(python3 "$WORK/dns-rcode" "$ns" "$name")
		run launcher enter a -- python3 "$WORK/dns-rcode" 10.88.0.1 "$name"
		assert_status 0
		[ "$output" = "$want" ] || fail "$name: rcode $output in the container, $want on the host"
	done
	launcher dealloc a default
	assert_gone
}

@test "dns: enter gives a network without DNS slirp4netns' forwarder" {
	mkdir -p "$WORK/net.d"
	jq '.name = "nodns" | .plugins[0].bridge = "cni-rci9" |
		.plugins[0].ipam.ranges = [[{subnet: "10.99.0.0/24"}]] |
		.plugins |= map(select(.type != "rootless-cni-dns"))' \
		"$RCI_SRC/image/net.d/default.conflist" >"$WORK/net.d/nodns.conflist"
	"$L" --root "$STATE" --cni-config-dir "$WORK/net.d" alloc a nodns >"$WORK/a.json"
	jq -e '.result | has("dns") | not' "$WORK/a.json" || jq -e '.result.dns == {}' "$WORK/a.json"
	run launcher enter a -- cat /etc/resolv.conf
	assert_status 0
	[ "$(grep -v '^#' <<<"$output")" = "nameserver 10.0.2.3" ] || fail "resolv.conf: $output"
	run launcher enter a -- python3 "$WORK/dns-rcode" 10.0.2.3 no-such-name.invalid
	assert_status 0
	"$L" --root "$STATE" --cni-config-dir "$WORK/net.d" dealloc a nodns
	assert_gone
}
