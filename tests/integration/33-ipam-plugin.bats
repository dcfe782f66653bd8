#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# rootless-cni-ipam (issue 12), our IPAM plugin, on its own: the CNI protocol (VERSION, ADD,
# DEL twice, CHECK, errors as CNI error objects), host-local's defaults and round robin, static
# requests (CNI_ARGS IP=, the ips capability), exhaustion, dual stack, symlinks refused, 32
# parallel ADDs and DELs on one network, a network with 1000 leases. Run as root of the infra
# stand-in (helpers.bash), as bridge runs it there; its state is the one leases file per network.
# shellcheck disable=SC2154 # $output, $status come from bats' run
# shellcheck disable=SC2016 # backticks in jq strings and scripts for the stand-in's shell

load helpers

PLUGIN="$BUILD/cni/rootless-cni-ipam"
DATA=/var/lib/cni/rootless-cni-ipam
LEASES=$DATA/tnet/leases

setup_file() {
	check_standin_prereqs
	check_files "$PLUGIN"
	return 0
}

setup() {
	require_prereqs
	standin_start
}

teardown() {
	standin_stop
}

# conf [EXTRA_IPAM [EXTRA_TOP]]: the plugin's stdin for network tnet, 10.99.0.0/24 by default.
conf() {
	jq -cn --argjson ipam "${1:-{\}}" --argjson top "${2:-{\}}" '{cniVersion: "1.0.0",
		name: "tnet", type: "bridge",
		ipam: ({type: "rootless-cni-ipam", ranges: [[{subnet: "10.99.0.0/24"}]],
			routes: [{dst: "0.0.0.0/0"}]} + $ipam)} + $top'
}

# plugin COMMAND ID STDIN [CNI_ARGS_EXTRA]: the plugin in the stand-in, as bridge runs it.
plugin() {
	standin_exec env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_IFNAME=eth0 CNI_NETNS=/x \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p${4:+;$4}" CNI_PATH=/nowhere \
		"$PLUGIN" <<<"$3"
}

# The leases of tnet, "ADDRESS ID IFNAME" per line (ipam_leases in helpers.bash, less the name).
leases() { ipam_leases tnet | cut -d' ' -f2-; }

@test "ipam plugin: VERSION, and bad config refused with code 7, nothing created" {
	run plugin VERSION "" '{"cniVersion":"1.0.0"}'
	assert_status 0
	assert_json '.supportedVersions == ["0.3.0", "0.3.1", "0.4.0", "1.0.0"]'
	run plugin ADD c1 "$(jq -c '.cniVersion = "1.1.0"' <<<"$(conf)")"
	assert_status 1
	assert_json '.code == 1'
	run plugin ADD c1 "$(conf '{"ranges": [[{"subnet": "10.99.0.0/33"}]]}')"
	assert_status 1
	assert_json '.code == 7 and .msg == "invalid IPAM ranges" and
		.details == "range set 0: invalid subnet `10.99.0.0/33`"'
	run plugin ADD c1 "$(conf '{"ranges": [[{"subnet": "10.99.0.0/24",
		"rangeStart": "10.98.0.5"}]]}')"
	assert_status 1
	assert_json '.code == 7 and (.details | test("rangeStart `10.98.0.5` is outside"))'
	run plugin ADD c1 "$(conf '{"ranges": [[{"subnet": "10.99.0.0/24"}],
		[{"subnet": "10.99.0.128/25"}]]}')"
	assert_status 1
	assert_json '.code == 7 and (.details | test("overlaps range set 1"))'
	run plugin ADD c1 "$(conf '{"routes": [{"dst": "nowhere"}]}')"
	assert_status 1
	assert_json '.code == 7 and .msg == "invalid IPAM routes"'
	run plugin ADD c1 "$(conf '{"dataDir": "relative"}')"
	assert_status 1
	assert_json '.code == 7'
	run plugin ADD c1 "$(conf '{}' '{"name": "../x"}')"
	assert_status 1
	assert_json '.code == 7 and .msg == "invalid network name"'
	run plugin ADD "../c1" "$(conf)"
	assert_status 1
	assert_json '.code == 4'
	run plugin ADD c1 "$(conf '{}' '{"ipam": null}')"
	assert_status 1
	assert_json '.code == 7'
	run standin_exec ls -A /var/lib/cni
	[ -z "$output" ] || fail "bad config left: $output"
	# DEL with nothing stored: success, still nothing created.
	run plugin DEL c1 "$(conf)"
	assert_status 0
	[ -z "$output" ]
	run standin_exec ls -A /var/lib/cni
	[ -z "$output" ] || fail "DEL created: $output"
}

@test "ipam plugin: ADD hands out the first free address, ADD is idempotent, DEL frees it" {
	run plugin ADD c1 "$(conf)"
	assert_status 0
	assert_json '. == {cniVersion: "1.0.0",
		ips: [{address: "10.99.0.2/24", gateway: "10.99.0.1"}], routes: [{dst: "0.0.0.0/0"}]}'
	run plugin ADD c2 "$(conf)"
	assert_status 0
	assert_json '.ips == [{address: "10.99.0.3/24", gateway: "10.99.0.1"}]'
	run plugin ADD c1 "$(conf)"
	assert_status 0
	assert_json '.ips[0].address == "10.99.0.2/24"'
	[ "$(leases)" = "$(printf '10.99.0.2 c1 eth0\n10.99.0.3 c2 eth0')" ] || fail "$(leases)"
	[ "$(standin_exec stat -c %a "$DATA" "$DATA/tnet" "$LEASES" | tr '\n' ' ')" = \
		"700 700 600 " ]
	run plugin CHECK c1 "$(conf)"
	assert_status 0

	run plugin DEL c1 "$(conf)"
	assert_status 0
	[ -z "$output" ]
	[ "$(leases)" = "10.99.0.3 c2 eth0" ] || fail "after DEL: $(leases)"
	run plugin DEL c1 "$(conf)"
	assert_status 0
	run plugin CHECK c1 "$(conf)"
	assert_status 1
	assert_json '.code == 102'
	# CHECK also compares prevResult's addresses with the leases.
	run plugin CHECK c2 "$(conf '{}' '{"prevResult": {"cniVersion": "1.0.0",
		"ips": [{"address": "10.99.0.9/24"}]}}')"
	assert_status 1
	assert_json '.code == 102 and (.details | test("no lease of `10.99.0.9/24`"))'

	# Round robin: the freed .2 is not next, .4 is.
	run plugin ADD c3 "$(conf)"
	assert_status 0
	assert_json '.ips[0].address == "10.99.0.4/24"'
}

@test "ipam plugin: static IPs from CNI_ARGS and the ips capability, refused when taken or outside" {
	run plugin ADD c1 "$(conf)" "IP=10.99.0.77"
	assert_status 0
	assert_json '.ips[0].address == "10.99.0.77/24"'
	run plugin ADD c2 "$(conf '{}' '{"runtimeConfig": {"ips": ["10.99.0.78/24"]}}')"
	assert_status 0
	assert_json '.ips[0].address == "10.99.0.78/24"'
	# Round robin goes on after the last address reserved.
	run plugin ADD c3 "$(conf)"
	assert_status 0
	assert_json '.ips[0].address == "10.99.0.79/24"'
	before=$(leases)
	run plugin ADD c4 "$(conf)" "IP=10.99.0.77"
	assert_status 1
	assert_json '.code == 101 and
		.details == "requested IP `10.99.0.77` is already allocated to `c1`"'
	run plugin ADD c4 "$(conf)" "IP=10.98.0.5"
	assert_status 1
	assert_json '.code == 101 and (.details | test("`10.98.0.5` is in no free range set"))'
	run plugin ADD c4 "$(conf)" "IP=10.99.0.1"
	assert_status 1
	assert_json '.code == 101 and (.details | test("is reserved"))'
	run plugin ADD c4 "$(conf)" "IP=10.99.0.300"
	assert_status 1
	assert_json '.code == 4'
	[ "$(leases)" = "$before" ] || fail "a failed request changed the leases: $(leases)"
}

@test "ipam plugin: a full range is an error that reserves nothing" {
	small='{"ranges": [[{"subnet": "10.99.0.0/24", "rangeStart": "10.99.0.10",
		"rangeEnd": "10.99.0.11"}]]}'
	run plugin ADD c1 "$(conf "$small")"
	assert_status 0
	assert_json '.ips[0].address == "10.99.0.10/24"'
	run plugin ADD c2 "$(conf "$small")"
	assert_status 0
	assert_json '.ips[0].address == "10.99.0.11/24"'
	run plugin ADD c3 "$(conf "$small")"
	assert_status 1
	assert_json '.code == 101 and (.details | test("no free address left in range set 0"))'
	[ "$(leases | wc -l)" -eq 2 ] && [[ "$(leases)" != *c3* ]] || fail "$(leases)"
	# A /30 holds one address: the gateway is .1, .3 the broadcast.
	run plugin ADD d1 "$(conf '{"ranges": [[{"subnet": "10.97.0.0/30"}]]}' '{"name": "tiny"}')"
	assert_status 0
	assert_json '.ips[0] == {address: "10.97.0.2/30", gateway: "10.97.0.1"}'
	run plugin ADD d2 "$(conf '{"ranges": [[{"subnet": "10.97.0.0/30"}]]}' '{"name": "tiny"}')"
	assert_status 1
	assert_json '.code == 101'
	[ "$(ipam_leases tiny)" = "tiny 10.97.0.2 d1 eth0" ] || fail "$(ipam_leases tiny)"
}

@test "ipam plugin: dual stack gives one IPv4 and one IPv6 address; 0.4.0 results name the family" {
	dual='{"ranges": [[{"subnet": "10.99.0.0/24"}], [{"subnet": "fd00:99::/64"}]],
		"routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0", "gw": "fd00:99::1"}]}'
	run plugin ADD c1 "$(conf "$dual")"
	assert_status 0
	assert_json '.ips == [{address: "10.99.0.2/24", gateway: "10.99.0.1"},
		{address: "fd00:99::2/64", gateway: "fd00:99::1"}] and
		.routes == [{dst: "0.0.0.0/0"}, {dst: "::/0", gw: "fd00:99::1"}]'
	run plugin ADD c2 "$(jq -c '.cniVersion = "0.4.0"' <<<"$(conf "$dual")")"
	assert_status 0
	assert_json '.cniVersion == "0.4.0" and (.ips | map(.version)) == ["4", "6"] and
		(.ips | map(.address)) == ["10.99.0.3/24", "fd00:99::3/64"]'
	run plugin DEL c1 "$(conf "$dual")"
	assert_status 0
	[ "$(leases)" = "$(printf '10.99.0.3 c2 eth0\nfd00:99::3 c2 eth0')" ] || fail "$(leases)"
}

@test "ipam plugin: a symlinked leases file or network dir is refused" {
	standin_exec sh -euc 'mkdir -m 0700 -p "$1" "$1/tnet" /var/lib/cni/elsewhere
		echo keep >/var/lib/cni/elsewhere/file
		ln -s /var/lib/cni/elsewhere/file "$1/tnet/leases"
		ln -s /var/lib/cni/elsewhere "$1/snet"' sh "$DATA"
	run plugin ADD c1 "$(conf)"
	assert_status 1
	assert_json '.code == 100 and (.details | test("symlink"))'
	run plugin DEL c1 "$(conf)"
	assert_status 1
	assert_json '.code == 100'
	run plugin ADD c1 "$(conf '{}' '{"name": "snet"}')"
	assert_status 1
	assert_json '.code == 100 and (.details | test("not a directory"))'
	[ "$(standin_exec cat /var/lib/cni/elsewhere/file)" = keep ]
	[ "$(standin_exec ls -A /var/lib/cni/elsewhere)" = file ]
}

@test "ipam plugin: 32 parallel ADDs get 32 distinct addresses, 32 parallel DELs free them all" {
	local c
	c=$(conf)
	# One nsenter, 32 plugin processes at once.
	standin_exec bash -c 'mkdir -p /run/out
		for i in $(seq 1 32); do
			CNI_COMMAND=ADD CNI_CONTAINERID=p$i CNI_IFNAME=eth0 CNI_NETNS=/x \
				CNI_PATH=/nowhere "$1" <<<"$2" >/run/out/$i 2>&1 &
		done; wait' sh "$PLUGIN" "$c"
	run standin_exec sh -c 'cat /run/out/*'
	addrs=$(jq -r '.ips[0].address' <<<"$output" | sort -u)
	[ "$(wc -l <<<"$addrs")" -eq 32 ] || fail "addresses: $output"
	[ "$(leases | wc -l)" -eq 32 ] || fail "leases: $(leases)"
	[ "$(leases | cut -d' ' -f1 | sed 's|$|/24|' | sort -u)" = "$addrs" ]
	standin_exec bash -c 'for i in $(seq 1 32); do
			CNI_COMMAND=DEL CNI_CONTAINERID=p$i CNI_IFNAME=eth0 CNI_NETNS=/x \
				CNI_PATH=/nowhere "$1" <<<"$2" >/run/out/d$i 2>&1 &
		done; wait; cat /run/out/d*' sh "$PLUGIN" "$c" >"$BATS_TEST_TMPDIR/del.out"
	[ ! -s "$BATS_TEST_TMPDIR/del.out" ] || fail "DEL printed: $(cat "$BATS_TEST_TMPDIR/del.out")"
	[ -z "$(leases)" ] || fail "left: $(leases)"
	[ "$(standin_exec ls -A "$DATA/tnet")" = leases ] || fail "$(standin_exec ls -A "$DATA/tnet")"
}

@test "ipam plugin: a network with 1000 leases still allocates the next free address" {
	wide='{"ranges": [[{"subnet": "10.99.0.0/16"}]]}'
	# 1000 leases, 10.99.0.2 to 10.99.3.233, with .0.50 free and the last one at .3.233.
	standin_exec sh -euc 'mkdir -m 0700 -p "$1" "$1/tnet"
		{ echo "rootless-cni-ipam leases 1"; echo "last 0 10.99.3.233"
		  i=2; while [ $i -le 1001 ]; do
			[ $i -eq 50 ] || echo "10.99.$((i / 256)).$((i % 256)) x$i eth0"
			i=$((i + 1)); done
		  echo "10.99.3.234 x1002 eth0"; } >"$1/tnet/leases"' sh "$DATA"
	[ "$(leases | wc -l)" -eq 1000 ]
	run plugin ADD c1 "$(conf "$wide")"
	assert_status 0
	assert_json '.ips[0].address == "10.99.3.235/16"'
	run plugin ADD c2 "$(conf "$wide")" "IP=10.99.0.50"
	assert_status 0
	run plugin ADD c3 "$(conf "$wide")" "IP=10.99.0.60"
	assert_status 1
	assert_json '.details == "requested IP `10.99.0.60` is already allocated to `x60`"'
	[ "$(leases | wc -l)" -eq 1002 ]
	run plugin DEL x500 "$(conf "$wide")"
	assert_status 0
	[ "$(leases | wc -l)" -eq 1001 ] && ! leases | grep -q ' x500 '
	# A damaged file is refused whole, not read in part.
	standin_exec sh -c 'echo "garbage" >>"$1"' sh "$LEASES"
	run plugin ADD c4 "$(conf "$wide")"
	assert_status 1
	assert_json '.code == 100 and (.details | test("line 1004: not `ADDRESS ID IFNAME`"))'
}
