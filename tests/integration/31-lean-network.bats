#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The shipped networks designed for cost (issue 12): bridge ipMasq off, the helper masquerades
# each network's subnets once (masq.h), no firewall or tuning, portmap skipped without
# mappings, names from rootless-cni-dns. Rootless, real plugins, through the launcher.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers
load launcher
load net

setup_file() {
	net_setup_file
	check_cmds nsenter
}

setup() {
	net_setup
}

teardown() {
	net_teardown
}

# in_infra CMD...: CMD in the infra's user, mount and network namespaces.
in_infra() {
	local pid
	pid=$(launcher status | jq -er .pid) || return 1
	nsenter -t "$pid" -U -m -n --preserve-credentials "$@"
}

# The infra's masquerade rules of network $1 (both families), one per line.
masq_rules() {
	in_infra sh -c 'iptables-save -t nat; ip6tables-save -t nat' |
		grep -F -- "--comment \"rootless-cni-infra $1\" -j MASQUERADE" || true
}

# Every rule and chain of every table of both families in the infra, counted.
rule_count() {
	in_infra sh -c 'iptables-save; ip6tables-save' | grep -cE '^(-A|:)'
}

@test "lean: the shipped networks have bridge ipMasq off, no firewall, no tuning, our DNS, IPAM" {
	for n in default dualstack; do
		jq -e '(.plugins | map(.type)) == ["bridge", "portmap", "rootless-cni-dns"] and
			.plugins[0].ipMasq == false and .plugins[0].ipam.type == "rootless-cni-ipam" and
			.["rootless-cni-infra"].masquerade == true' "$RCI_SRC/image/net.d/$n.conflist"
	done
}

@test "lean: outbound from a container works with bridge ipMasq off" {
	# A server on the host's loopback, reached through slirp4netns at 10.0.2.2: only a
	# masqueraded packet (from the infra's tap0) finds its way back.
	port=$(free_port)
	mkdir -p "$WORK/www"
	echo "host page" >"$WORK/www/index.html"
	python3 -m http.server "$port" --bind 127.0.0.1 --directory "$WORK/www" \
		>"$WORK/host-http.log" 2>&1 3>&- &
	SERVERS+=("$!")
	wait_until 10 host_port_open "$port"
	launcher --allow-host-loopback alloc a default >/dev/null
	run launcher enter a -- curl -sS -m 5 "http://10.0.2.2:$port/index.html"
	assert_status 0
	[ "$output" = "host page" ]
	# And a UDP exchange with slirp4netns' own DNS forwarder, outside the infra.
	run launcher enter a -- python3 "$WORK/dns-rcode" 10.0.2.3 localhost
	assert_status 0
	launcher dealloc a default
	assert_gone
}

@test "lean: one masquerade rule per subnet however many containers, kept until the infra stops" {
	launcher alloc k default >/dev/null
	[ "$(masq_rules default | wc -l)" = 1 ] || fail "rules: $(masq_rules default)"
	masq_rules default | grep -qF -- '-s 10.88.0.0/16 ! -d 10.88.0.0/16'
	for i in 1 2 3 4; do
		launcher alloc "c$i" default >/dev/null
	done
	[ "$(masq_rules default | wc -l)" = 1 ] || fail "rules: $(masq_rules default)"
	# Dual stack: one rule per family, in iptables and ip6tables.
	launcher alloc d1 dualstack >/dev/null
	launcher alloc d2 dualstack >/dev/null
	run masq_rules dualstack
	[ "${#lines[@]}" = 2 ] || fail "rules: $output"
	[[ "$output" == *"-s 10.89.0.0/24 ! -d 10.89.0.0/24"* ]] || fail "rules: $output"
	[[ "$output" == *"-s fd00:89::/64 ! -d fd00:89::/64"* ]] || fail "rules: $output"
	# The rules go with the infra, not with the network's last attachment (masq.h).
	for c in c1 c2 c3 c4; do
		launcher dealloc "$c" default
	done
	launcher dealloc d1 dualstack
	launcher dealloc d2 dualstack
	# Their addresses came from rootless-cni-ipam, and went back to it: only k's lease is left.
	run in_infra sh -c 'grep -hv -e "^rootless-cni-ipam " -e "^last " \
		/var/lib/cni/rootless-cni-ipam/default/leases /var/lib/cni/rootless-cni-ipam/dualstack/leases'
	[ "$output" = "10.88.0.2 k eth0" ] || fail "leases: $output"
	[ "$(masq_rules default | wc -l)" = 1 ]
	[ "$(masq_rules dualstack | wc -l)" = 2 ]
	launcher alloc c5 default >/dev/null
	[ "$(masq_rules default | wc -l)" = 1 ]
	launcher dealloc c5 default
	launcher dealloc k default
	assert_gone
	# A new infra starts without them, until its first alloc on the network.
	launcher start
	[ "$(masq_rules default | wc -l)" = 0 ]
	launcher stop
}

@test "lean: the infra's iptables rules do not grow with attachments on the default network" {
	launcher alloc a1 default >/dev/null
	before=$(rule_count)
	for i in 2 3 4 5 6; do
		launcher alloc "a$i" default >/dev/null
	done
	after=$(rule_count)
	[ "$after" = "$before" ] ||
		fail "$before rules and chains with 1 attachment, $after with 6: $(in_infra iptables-save)"
	for i in 1 2 3 4 5 6; do
		launcher dealloc "a$i" default
	done
	assert_gone
}

@test "lean: portmap runs only for an attachment with published ports (--port-driver slirp4netns)" {
	# slirp4netns' driver publishes through portmap: it must run for -p, and only then.
	port=$(free_port)
	run --separate-stderr launcher --port-driver slirp4netns --debug alloc a default
	assert_status 0
	assert_stderr_contains "plugin portmap ADD skipped: it declares only the portMappings capability"
	run --separate-stderr launcher --debug alloc b default -p "$port:80"
	assert_status 0
	[[ "$stderr" == *"plugin: portmap ADD exited with status 0"* ]] || fail "$stderr"
	run --separate-stderr launcher --debug dealloc b default
	[[ "$stderr" == *"plugin: portmap DEL exited with status 0"* ]] || fail "$stderr"
	run --separate-stderr launcher --debug dealloc a default
	assert_stderr_contains "plugin portmap DEL skipped"
	assert_gone
}

@test "lean: with the forwarder (the default port driver) portmap never runs, even with -p" {
	port=$(free_port)
	run --separate-stderr launcher --debug alloc b default -p "$port:80"
	assert_status 0
	assert_stderr_contains "plugin portmap ADD skipped"
	[[ "$stderr" != *"plugin: portmap ADD exited"* ]] || fail "$stderr"
	launcher dealloc b default
	assert_gone
}

@test "lean: without firewall, networks are not isolated from each other (README says so)" {
	# What the README documents: the infra routes between its bridges, as it did with firewall
	# (whose rules only accept); names stay within their network.
	launcher alloc a default >/dev/null
	launcher alloc b dualstack >"$WORK/b.json"
	bip=$(jq -r '.result.ips[] | select(.address | contains(".")) | .address | split("/")[0]' \
		"$WORK/b.json")
	run launcher enter a -- ping -c1 -W5 "$bip"
	assert_status 0
	[ "$(in_infra iptables -S FORWARD | head -n1)" = "-P FORWARD ACCEPT" ]
	run launcher enter a -- getent hosts b.dns.podman
	[ "$status" -ne 0 ] || fail "b resolved from another network: $output"
	launcher dealloc a default
	launcher dealloc b dualstack
	assert_gone
}
