#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Acceptance tests of the helper CLI (DESIGN.md, Contract 1) with Debian's real CNI plugins, run
# rootless inside the infra stand-in (see helpers.bash). Networks:
#   net1  bridge cni-net1 10.89.0.0/24 (isGateway, ipMasq) + portmap + firewall + tuning
#   net2  bridge cni-net2 10.89.1.0/24, same chain
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers

NET1_PREFIX=10.89.0.
NET2_PREFIX=10.89.1.

setup_file() {
	check_helper_prereqs
}

setup() {
	require_prereqs
	standin_start
	bridge_net net1 cni-net1 10.89.0.0/24
	bridge_net net2 cni-net2 10.89.1.0/24
}

teardown() {
	standin_stop
}

# The IPv4 address of DEV in the netns at PATH (stand-in view), without prefix.
netns_ipv4() {
	in_netns "$1" ip -o -4 addr show dev "$2" | awk '{ split($4, a, "/"); print a[1] }'
}

@test "version and help" {
	run --separate-stderr rci version
	assert_status 0
	assert_json '(.version | type == "string" and length > 0) and (.commit | type == "string")'
	run --separate-stderr rci help
	assert_status 0
	[[ "$output" == *"alloc ID NET POD_NAME IP MAC"* ]] || fail "help: $output"
	[[ "$output" == *"print-netns-path ID"* ]] || fail "help: $output"
}

@test "a fresh infra is idle and lists nothing" {
	run --separate-stderr rci is-idle
	assert_status 0
	assert_json '. == {"idle": true}'
	run --separate-stderr rci list
	assert_status 0
	assert_json '. == []'
}

@test "two containers on net1 get eth0 and reach each other over the bridge" {
	alloc ctr-a net1
	local ns_a=$NS
	assert_json '.ifname == "eth0"'
	alloc ctr-b net1
	local ns_b=$NS
	[ "$ns_a" != "$ns_b" ] || fail "both got netns $ns_a"

	local ip_a ip_b
	ip_a=$(attachment_ip ctr-a net1)
	ip_b=$(attachment_ip ctr-b net1)
	[[ "$ip_a" == "$NET1_PREFIX"* && "$ip_b" == "$NET1_PREFIX"* ]] || fail "ips: $ip_a $ip_b"
	[ "$ip_a" != "$ip_b" ] || fail "same ip $ip_a"
	# The addresses really are on eth0 in each netns.
	[ "$(netns_ipv4 "$ns_a" eth0)" = "$ip_a" ] || fail "eth0 of ctr-a: $(netns_ipv4 "$ns_a" eth0)"
	[ "$(netns_ipv4 "$ns_b" eth0)" = "$ip_b" ] || fail "eth0 of ctr-b"

	in_netns "$ns_a" ping -c1 -W2 "$ip_b"
	in_netns "$ns_b" ping -c1 -W2 "$ip_a"
	# ... and the gateway on the bridge.
	in_netns "$ns_a" ping -c1 -W2 "${NET1_PREFIX}1"
}

@test "a container on net2 gets eth0 in net2's subnet" {
	alloc ctr-a net1
	local ip_a
	ip_a=$(attachment_ip ctr-a net1)
	alloc ctr-c net2
	assert_json '.ifname == "eth0"'
	local ns_c=$NS ip_c
	ip_c=$(attachment_ip ctr-c net2)
	[[ "$ip_c" == "$NET2_PREFIX"* ]] || fail "ip on net2: $ip_c"
	[ "$(netns_ipv4 "$ns_c" eth0)" = "$ip_c" ] || fail "eth0 of ctr-c"
	in_netns "$ns_c" ping -c1 -W2 "${NET2_PREFIX}1"
	run in_netns "$ns_c" ip -o link show dev eth1
	[ "$status" -ne 0 ] || fail "unexpected eth1: $output"
}

@test "a container on net1 and net2 gets eth0 and eth1, one per network" {
	alloc ctr-d net1
	assert_json '.ifname == "eth0"'
	local ns1=$NS
	alloc ctr-d net2
	assert_json '.ifname == "eth1"'
	[ "$NS" = "$ns1" ] || fail "second network moved the netns: $ns1 -> $NS"

	local ip1 ip2
	ip1=$(attachment_ip ctr-d net1)
	ip2=$(attachment_ip ctr-d net2)
	[[ "$ip1" == "$NET1_PREFIX"* && "$ip2" == "$NET2_PREFIX"* ]] || fail "ips: $ip1 $ip2"
	[ "$(netns_ipv4 "$NS" eth0)" = "$ip1" ] || fail "eth0: $(netns_ipv4 "$NS" eth0)"
	[ "$(netns_ipv4 "$NS" eth1)" = "$ip2" ] || fail "eth1: $(netns_ipv4 "$NS" eth1)"
	in_netns "$NS" ping -c1 -W2 "${NET1_PREFIX}1"
	in_netns "$NS" ping -c1 -W2 "${NET2_PREFIX}1"

	run --separate-stderr rci list
	assert_status 0
	assert_json '[.[] | select(.id == "ctr-d") | [.network, .ifname]] | sort == [["net1","eth0"],["net2","eth1"]]'
	run --separate-stderr rci print-cni-result ctr-d net2
	assert_json '[.interfaces[] | select(.sandbox != null and .sandbox != "") | .name] == ["eth1"]'
}

@test "interface names never collide after a network is detached" {
	bridge_net net3 cni-net3 10.89.4.0/24
	alloc ctr-d net1
	alloc ctr-d net2
	assert_json '.ifname == "eth1"'
	dealloc ctr-d net1
	# eth<N> with N = attachments left (1) is taken by net2: another free name must be used.
	alloc ctr-d net3
	local ifname
	ifname=$(jq -r .ifname <<<"$output")
	[ "$ifname" != eth1 ] || fail "net3 got eth1, which net2 uses"
	[[ "$ifname" =~ ^eth[0-9]+$ ]] || fail "ifname $ifname"
	in_netns "$NS" ip -o link show dev "$ifname" >/dev/null
	in_netns "$NS" ip -o link show dev eth1 >/dev/null
	run rci list
	assert_json '[.[] | .ifname] | (length == 2) and (unique | length == 2)'
}

@test "dealloc removes the netns and frees every IP, firewall and NAT rule" {
	alloc ctr-a net1
	alloc ctr-a net2
	local ns=$NS ip1 ip2 inner
	ip1=$(attachment_ip ctr-a net1)
	ip2=$(attachment_ip ctr-a net2)
	inner=$(standin_exec sh -c 'ls /run/rootless-cni-infra/netns')
	[ "$inner" = ctr-a ] || fail "netns files: $inner"
	[ -n "$(hostlocal_ips net1)" ] || fail "no net1 reservation"
	[ -n "$(hostlocal_ips net2)" ] || fail "no net2 reservation"
	standin_exec iptables-save | grep -q "$ip1" || fail "no iptables rule mentions $ip1"

	dealloc ctr-a net1
	assert_json '. == {"idle": false}'
	# Still attached to net2: the netns stays, net1's IP is free.
	standin_exec test -e "$ns"
	[ -z "$(hostlocal_ips net1)" ] || fail "net1 reservations: $(hostlocal_ips net1)"
	[ -n "$(hostlocal_ips net2)" ] || fail "net2 reservation gone too early"
	run in_netns "$ns" ip -o link show dev eth0
	[ "$status" -ne 0 ] || fail "eth0 still there: $output"

	dealloc ctr-a net2
	assert_json '. == {"idle": true}'
	run standin_exec test -e "$ns"
	[ "$status" -ne 0 ] || fail "netns $ns still exists"
	[ -z "$(netns_files)" ] || fail "netns files: $(netns_files)"
	[ -z "$(hostlocal_ips net2)" ] || fail "net2 reservations: $(hostlocal_ips net2)"
	run standin_exec iptables-save
	[[ "$output" != *"$ip1"* && "$output" != *"$ip2"* ]] || fail "rules left: $output"
	assert_nothing_left
}

@test "is-idle goes false with the first attachment and true after the last dealloc" {
	run rci is-idle
	assert_json '.idle == true'
	alloc ctr-a net1
	run rci is-idle
	assert_json '.idle == false'
	alloc ctr-b net2
	dealloc ctr-a net1
	run rci is-idle
	assert_json '.idle == false'
	dealloc ctr-b net2
	run rci is-idle
	assert_status 0
	assert_json '. == {"idle": true}'
}

@test "a plugin failing in the middle of the chain rolls everything back" {
	write_conflist netf "$(jq -n --arg rec "$RECORD" '{cniVersion: "1.0.0", name: "netf", plugins: [
		{type: "bridge", bridge: "cni-netf", isGateway: true,
		 ipam: {type: "host-local", ranges: [[{subnet: "10.89.2.0/24"}]]}},
		{type: "fake-plugin", fake: {record: $rec, tag: "mid", failOn: "ADD",
		 error: {cniVersion: "1.0.0", code: 123, msg: "scripted mid-chain failure"}}},
		{type: "tuning"}]}')"
	run --separate-stderr rci alloc ctr-f netf pod "" ""
	assert_status 1
	assert_stdout_empty
	assert_stderr_contains "scripted mid-chain failure"
	assert_one_stderr_line
	# The fake plugin saw the ADD with bridge's result as prevResult, then the rollback DEL.
	[ "$(calls_count '.command == "ADD"')" -eq 1 ]
	calls '.command == "ADD"' | jq -e '.stdin.prevResult.ips[0].address | startswith("10.89.2.")'
	[ "$(calls_count '.command == "DEL"')" -ge 1 ] || fail "no rollback DEL reached the fake plugin"
	calls '.command == "DEL"' | jq -e '.containerId == "ctr-f" and .ifname == "eth0"'
	assert_nothing_left
	# The ID is usable afterwards.
	alloc ctr-f net1
	assert_json '.ifname == "eth0"'
}

@test "print-netns-path: the path opens from the host while attached, and is gone after dealloc" {
	alloc ctr-a net1
	local ip path userns
	ip=$(attachment_ip ctr-a net1)
	run --separate-stderr rci print-netns-path ctr-a
	assert_status 0
	path=$(jq -r .path <<<"$output")
	userns=$(jq -r .userns <<<"$output")
	[ "$path" = "$NS" ] || fail "alloc said $NS, print-netns-path says $path"
	[ "$path" = "/proc/$STANDIN_PID/root$STATE_DIR/netns/ctr-a" ] || fail "path: $path"
	[ "$userns" = "/proc/$STANDIN_PID/ns/user" ] || fail "userns: $userns"

	# Host side, same unprivileged user, host mount namespace.
	[ "$(stat -f -c %T "$path")" = nsfs ] || fail "$path is not an nsfs file"
	[ "$(stat -L -c %i "$path")" = "$(standin_exec stat -L -c %i "$STATE_DIR/netns/ctr-a")" ]
	run nsenter --user="$userns" --net="$path" --preserve-credentials ip -o -4 addr show dev eth0
	assert_status 0
	[[ "$output" == *" $ip/24 "* ]] || fail "eth0 seen from the host: $output"

	dealloc ctr-a net1
	[ ! -e "$path" ] || fail "$path still exists on the host"
	run --separate-stderr rci print-netns-path ctr-a
	assert_status 3
	assert_stdout_empty
}

@test "CNI_ARGS reach the plugins and are replayed on DEL" {
	fake_net fnet '{}' '{}'
	run --separate-stderr rci alloc ctr-x fnet mypod 10.89.3.5 02:42:ac:11:00:05
	assert_status 0
	local want='IgnoreUnknown=1;K8S_POD_NAME=mypod;IP=10.89.3.5;MAC=02:42:ac:11:00:05'
	[ "$(calls_count '.command == "ADD"')" -eq 2 ]
	calls '.command == "ADD"' | jq -es --arg w "$want" \
		'all(.args == $w and .containerId == "ctr-x" and .ifname == "eth0" and .netns != "")'
	rci dealloc ctr-x fnet
	[ "$(calls_count '.command == "DEL"')" -eq 2 ]
	calls '.command == "DEL"' | jq -es --arg w "$want" \
		'all(.args == $w and .containerId == "ctr-x" and .ifname == "eth0")'
	# DEL runs the chain in reverse, with the cached result as prevResult.
	[ "$(calls '.command == "DEL"' | jq -r .tag | paste -sd,)" = "p1,p0" ]
	calls '.command == "DEL"' | jq -es 'all(.stdin.prevResult.ips[0].address == "10.99.0.2/24")'

	# Without IP and MAC only the pod name is sent.
	: >"$RECORD/calls.jsonl"
	rci alloc ctr-y fnet pod2 "" ""
	calls '.command == "ADD"' | jq -es 'all(.args == "IgnoreUnknown=1;K8S_POD_NAME=pod2")'
	rci dealloc ctr-y fnet
}

@test "a static IP request gets that IP from host-local" {
	alloc ctr-s net1 pod 10.89.0.77 ""
	[ "$(attachment_ip ctr-s net1)" = 10.89.0.77 ] || fail "got $(attachment_ip ctr-s net1)"
	[ "$(netns_ipv4 "$NS" eth0)" = 10.89.0.77 ]
	hostlocal_ips net1 | grep -qx '/var/lib/cni/networks/net1/10.89.0.77'
	dealloc ctr-s net1
	assert_nothing_left
}

@test "a static MAC request sets eth0's address" {
	alloc ctr-m net1 pod "" 02:42:ac:11:00:99
	# Not /sys/class/net: the stand-in's sysfs still shows the host's network namespace.
	run in_netns "$NS" ip -j link show eth0
	[ "$(jq -r '.[0].address' <<<"$output")" = 02:42:ac:11:00:99 ] || fail "eth0: $output"
	run rci print-cni-result ctr-m net1
	assert_json '[.interfaces[] | select(.name == "eth0") | .mac] | index("02:42:ac:11:00:99") != null'
}

@test "bad input exits 2 with one stderr line and changes nothing" {
	fake_net fnet '{}'
	local long
	long=$(printf 'a%.0s' {1..300})
	local -a cases=(
		"alloc|../x|fnet|pod||"
		"alloc|a/b|fnet|pod||"
		"alloc||fnet|pod||"
		"alloc|$long|fnet|pod||"
		"alloc|-a|fnet|pod||"
		"alloc|ok|../fnet|pod||"
		"alloc|ok|f/net|pod||"
		"alloc|ok|fnet|pod|10.1.2|"
		"alloc|ok|fnet|pod|10.1.2.300|"
		"alloc|ok|fnet|pod|10.1.2.3/24|"
		"alloc|ok|fnet|pod||zz:zz:zz:zz:zz:zz"
		"alloc|ok|fnet|pod||02:42:ac:11:00"
		"alloc|ok|fnet|po;d||"
		"alloc|ok|fnet|p=d||"
		"alloc|ok|fnet|pod|"
		"alloc|ok|fnet|pod|||extra"
		"alloc|ok"
		"dealloc|ok"
		"dealloc|../x|fnet"
		"dealloc|ok|fnet|extra"
		"print-cni-result|ok"
		"print-cni-result|../x|fnet"
		"print-netns-path"
		"print-netns-path|../x"
		"print-netns-path|a|b"
		"is-idle|extra"
		"check|ok"
		"frobnicate"
	)
	local c args
	for c in "${cases[@]}"; do
		IFS='|' read -r -a args <<<"$c|"
		# read drops the trailing empty field we added, keeping intentional empty ones.
		run --separate-stderr rci "${args[@]}"
		if [ "$status" -ne 2 ]; then
			fail "rci ${args[*]@Q}: exit $status (want 2): $output $stderr"
		fi
		assert_stdout_empty
		assert_one_stderr_line
	done
	[ ! -e "$RECORD/calls.jsonl" ] || fail "a plugin ran: $(cat "$RECORD/calls.jsonl")"
	assert_nothing_left
}

@test "a second alloc of the same ID and network exits 4 and keeps the first working" {
	alloc ctr-a net1
	local ns=$NS ip first
	ip=$(attachment_ip ctr-a net1)
	first=$(rci print-cni-result ctr-a net1)
	run --separate-stderr rci alloc ctr-a net1 pod "" ""
	assert_status 4
	assert_stdout_empty
	assert_one_stderr_line
	[ "$(rci print-cni-result ctr-a net1)" = "$first" ] || fail "the result changed"
	[ "$(netns_ipv4 "$ns" eth0)" = "$ip" ] || fail "eth0 lost its address"
	[ "$(hostlocal_ips net1 | wc -l)" -eq 1 ] || fail "reservations: $(hostlocal_ips net1)"
	in_netns "$ns" ping -c1 -W2 "${NET1_PREFIX}1"
	run rci list
	assert_json 'length == 1'
}

@test "dealloc of an unknown ID or network succeeds and touches nothing" {
	run --separate-stderr rci dealloc nosuch net1
	assert_status 0
	assert_json '. == {"idle": true}'
	run --separate-stderr rci dealloc nosuch nosuchnet
	assert_status 0
	assert_json '. == {"idle": true}'
	alloc ctr-a net1
	run --separate-stderr rci dealloc ctr-a net2
	assert_status 0
	assert_json '. == {"idle": false}'
	run --separate-stderr rci dealloc ctr-a nosuchnet
	assert_status 0
	[ -n "$(hostlocal_ips net1)" ] || fail "net1 attachment was released"
	run rci list
	assert_json 'length == 1 and .[0].network == "net1"'
	# Twice is fine too.
	dealloc ctr-a net1
	dealloc ctr-a net1
	assert_json '. == {"idle": true}'
}

@test "unknown attachments: print-cni-result, print-netns-path and check exit 3" {
	run --separate-stderr rci print-cni-result nosuch net1
	assert_status 3
	assert_stdout_empty
	run --separate-stderr rci print-netns-path nosuch
	assert_status 3
	run --separate-stderr rci check nosuch net1
	assert_status 3
	alloc ctr-a net1
	run --separate-stderr rci print-cni-result ctr-a net2
	assert_status 3
	run --separate-stderr rci check ctr-a net2
	assert_status 3
}

@test "alloc on a network that has no configuration fails and leaves nothing" {
	run --separate-stderr rci alloc ctr-a nosuchnet pod "" ""
	[ "$status" -ne 0 ] || fail "alloc on an unknown network succeeded: $output"
	assert_stdout_empty
	assert_one_stderr_line
	assert_stderr_contains nosuchnet
	assert_nothing_left
}

@test "check passes on a healthy attachment and fails once the interface is gone" {
	alloc ctr-a net1
	run --separate-stderr rci check ctr-a net1
	assert_status 0
	assert_json '. == {}'
	in_netns "$NS" ip link del eth0
	run --separate-stderr rci check ctr-a net1
	assert_status 1
	assert_one_stderr_line
}

@test "gc releases every attachment whose ID is not listed" {
	alloc keep net1
	alloc drop1 net1
	alloc drop2 net2
	local keep_ip
	keep_ip=$(attachment_ip keep net1)
	run --separate-stderr rci gc keep
	assert_status 0
	run rci list
	assert_json '[.[].id] == ["keep"]'
	[ "$(netns_files)" = keep ] || fail "netns files: $(netns_files)"
	[ "$(hostlocal_ips net1)" = "/var/lib/cni/networks/net1/$keep_ip" ] || fail "$(hostlocal_ips net1)"
	[ -z "$(hostlocal_ips net2)" ]
	run --separate-stderr rci gc
	assert_status 0
	assert_nothing_left
}

@test "port mappings reach portmap on ADD and are replayed on DEL" {
	RCI_PORT_MAPPINGS='[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]' \
		rci alloc ctr-p net1 pod "" "" >/dev/null
	local ip
	ip=$(attachment_ip ctr-p net1)
	run standin_exec iptables-save -t nat
	[[ "$output" == *"--dport 18080"* && "$output" == *"$ip:80"* ]] || fail "no DNAT rule: $output"
	# DEL gets the mappings from the cache, not from the environment.
	rci dealloc ctr-p net1 >/dev/null
	run standin_exec iptables-save -t nat
	[[ "$output" != *"18080"* ]] || fail "DNAT rule left: $output"
	assert_nothing_left
}

@test "a container reaches the outside through the infra's slirp4netns" {
	alloc ctr-a net1
	# 10.0.2.2 is slirp4netns' virtual gateway: the packet is masqueraded by the infra's netns.
	in_netns "$NS" ping -c1 -W2 10.0.2.2
}

@test "compatibility: stdout parses the way podman's Go client reads it" {
	run --separate-stderr rci alloc ctr-a net1 pod "" ""
	assert_status 0
	assert_json 'type == "object" and (.ns | type == "string" and startswith("/"))'

	# json.Unmarshal into cnitypes.Result (types/current): the typed fields must have the Go types,
	# addresses must parse as CIDRs and IPs.
	run --separate-stderr rci print-cni-result ctr-a net1
	assert_status 0
	assert_json '
		def cidr: type == "string" and test("^([0-9]{1,3}\\.){3}[0-9]{1,3}/[0-9]{1,2}$|^[0-9a-fA-F:]+/[0-9]{1,3}$");
		def ip: type == "string" and test("^([0-9]{1,3}\\.){3}[0-9]{1,3}$|^[0-9a-fA-F:]+$");
		type == "object"
		and (.cniVersion | type == "string")
		and (.interfaces | type == "array" and length >= 1)
		and all(.interfaces[]; (.name | type == "string")
			and ((.mac // "") | type == "string") and ((.sandbox // "") | type == "string"))
		and (.ips | type == "array" and length >= 1)
		and all(.ips[]; (.address | cidr) and ((.gateway // "0.0.0.0") | ip)
			and ((.interface // 0) | type == "number"))
		and ((.routes // []) | type == "array")
		and all((.routes // [])[]; (.dst | cidr) and ((.gw // "0.0.0.0") | ip))
		and ((.dns // {}) | type == "object")'
	assert_json '[.ips[].address] | any(startswith("10.89.0."))'

	run --separate-stderr rci print-netns-path ctr-a
	assert_status 0
	assert_json '(.path | type == "string") and (.userns | type == "string")'
	run --separate-stderr rci is-idle
	assert_json '.idle | type == "boolean"'
	run --separate-stderr rci list
	assert_json '
		type == "array" and length == 1
		and all(.[]; (.id == "ctr-a") and (.network == "net1") and (.ifname == "eth0")
			and (.ips | type == "array" and all(.[]; type == "string" and test("/")))
			and (.netns | type == "string"))'
	run --separate-stderr rci dealloc ctr-a net1
	assert_json '. == {"idle": true}'
}
