#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# IPv6 (issue 4): the shipped dual-stack example network (image/net.d/dualstack.conflist) end to
# end, with slirp4netns' IPv6 enabled in the infra (containers reach its gateway fd00::2).
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers
load launcher
load net

setup_file() {
	net_setup_file
	[ -e /proc/sys/net/ipv6 ] || prereq_missing "the kernel has no IPv6 (ipv6.disable=1)"
	return 0
}

setup() {
	net_setup
}

teardown() {
	net_teardown
}

@test "ipv6: dual stack: both addresses in the result, A reaches B over IPv6 by address and name" {
	launcher alloc a dualstack >"$WORK/a.json"
	launcher alloc b dualstack >"$WORK/b.json"
	# print-cni-result lists both families; so does alloc's copy of it.
	run launcher exec -- print-cni-result b dualstack
	assert_status 0
	assert_json '[.ips[].address] | (map(select(startswith("10.89.0."))) | length == 1) and
		(map(select(startswith("fd00:89::"))) | length == 1)'
	b6=$(addr_of "$WORK/b.json" 6)
	[ "$(jq -c .result.ips <<<"$(cat "$WORK/b.json")")" = "$(jq -c .ips <<<"$output")" ]

	run launcher enter a -- ping -6 -c 1 -W 5 "$b6"
	assert_status 0
	http_server b 80 ::
	wait_until 10 launcher enter a -- curl -sf -o /dev/null -m 2 -g "http://[$b6]/"
	run launcher enter a -- curl -sS -m 5 -g "http://[$b6]/index.html"
	assert_status 0
	[ "$output" = "page of b" ]
	# dnsname answers AAAA too.
	run launcher enter a -- getent ahostsv6 b
	assert_status 0
	[[ "$output" == "$b6 "* ]] || fail "b resolved to: $output"

	# Out through slirp4netns' IPv6 (its gateway fd00::2; tap0 configures itself from
	# slirp4netns' router advertisements, hence the bounded wait).
	wait_until 10 launcher enter a -- ping -6 -c 1 -W 1 fd00::2 >/dev/null
	launcher dealloc a dualstack
	launcher dealloc b dualstack
	assert_gone
}
