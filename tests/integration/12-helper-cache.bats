#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The result cache names an attachment's entry NET-ID-IFNAME, as libcni does (CNI-RUNTIME.md
# CCH-1), and both names allow `-`: network `a` with ID `b-c` and network `a-b` with ID `c` share
# "a-b-c-eth0" (issue 13, bug 8). The entry's own fields say whose it is; the helper refuses the
# second attachment and never reads, replaces or removes another's entry. Debian's plugins, in
# the infra stand-in (helpers.bash). Networks:
#   a    bridge cni-a  10.89.5.0/24 (isGateway, ipMasq) + portmap + firewall + tuning
#   a-b  bridge cni-ab 10.89.6.0/24, same chain
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers

setup_file() {
	check_helper_prereqs
}

setup() {
	require_prereqs
	standin_start
	bridge_net a cni-a 10.89.5.0/24
	bridge_net a-b cni-ab 10.89.6.0/24
}

teardown() {
	standin_stop
}

# Who owns the shared entry, from its own fields.
cache_owner() {
	standin_exec cat /var/lib/cni/results/a-b-c-eth0 | jq -c '[.networkName, .containerId]'
}

@test "IDs and networks whose cache names collide: the second alloc exits 4 and leaves nothing" {
	alloc b-c a
	run --separate-stderr rci alloc c a-b pod-c "" ""
	assert_status 4
	assert_stdout_empty
	assert_one_stderr_line
	assert_stderr_contains 'a-b-c-eth0'
	assert_stderr_contains "\`b-c\`"
	# Nothing of c: no record, netns, IP, veth or cache entry; b-c's entry is untouched.
	run --separate-stderr rci list
	assert_json '[.[] | [.id, .network]] == [["b-c", "a"]]'
	[ "$(netns_files)" = b-c ] || fail "netns files: $(netns_files)"
	[ -z "$(hostlocal_ips a-b)" ] || fail "a-b reservations: $(hostlocal_ips a-b)"
	[ "$(hostlocal_ips a | wc -l)" -eq 1 ] || fail "a reservations: $(hostlocal_ips a)"
	[ "$(cache_files)" = a-b-c-eth0 ] || fail "cache: $(cache_files)"
	[ "$(cache_owner)" = '["a","b-c"]' ] || fail "cache entry now: $(cache_owner)"
	[ "$(standin_veths | wc -l)" -eq 1 ] || fail "veths: $(standin_veths)"
	rci check b-c a
	dealloc b-c a
	assert_nothing_left
}

@test "DEL never acts on a colliding cache entry of another attachment" {
	# c's alloc on a-b dies before its ADD (a record in phase "adding", no cache entry yet),
	# then b-c's alloc on a takes the shared name.
	run rci_test_crash alloc:recorded alloc c a-b pod-c "" ""
	[ "$status" -eq 137 ] || fail "the crash point was not reached: $status $output"
	alloc b-c a
	local ip
	ip=$(attachment_ip b-c a)
	# Rolling c back runs DEL with today's a-b config, nothing from b-c's entry.
	dealloc c a-b
	[ "$(cache_owner)" = '["a","b-c"]' ] || fail "b-c's cache entry: $(cache_owner)"
	run --separate-stderr rci print-cni-result b-c a
	assert_status 0
	rci check b-c a
	in_netns "$NS" ping -c1 -W2 10.89.5.1
	[ "$(attachment_ip b-c a)" = "$ip" ] || fail "b-c's address changed"
	dealloc b-c a
	assert_nothing_left
}
