#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The port forwarder (issue 10, section 1) on its own: rootless, against an emulated infra
# (forwarder.bash), driven through the launcher's client library. Published TCP and UDP ports,
# 500 concurrent connections, half-close both ways, ports added and removed at run time, the
# client's own address seen by the container (a remote client namespace the runner prepares as
# root: tests/setup-client-netns.sh), IPv6, and the forwarder's life cycle.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run
# shellcheck disable=SC2016 # jq filters and literal backticks
# shellcheck disable=SC2030,SC2031 # FWD_PID= per test: the teardown has no forwarder to stop

load helpers
load forwarder

setup_file() {
	fwd_setup_file
}

setup() {
	require_prereqs
	W=$BATS_TEST_TMPDIR
	infra_start
	fwd_start
}

teardown() {
	fwd_teardown
}

@test "forwarder: published TCP and UDP ports answer from the host; loopback clients show as the gateway" {
	local tcp udp
	tcp=$(publish tcp 127.0.0.1 "$CTR4")
	udp=$(publish udp 127.0.0.1 "$CTR4")
	run python3 "$NETCHECK" tcp 127.0.0.1 "$tcp" 5
	assert_status 0
	# A loopback source is martian on the bridge: the container sees the infra's address.
	[[ "$output" =~ ^peer\ $GW4\ [0-9]+\ got\ 5$ ]] || fail "answer: $output"
	run python3 "$NETCHECK" udp 127.0.0.1 "$udp" hello
	assert_status 0
	[[ "$output" =~ ^peer\ $GW4\ [0-9]+\ HELLO$ ]] || fail "answer: $output"

	# The control socket is the user's alone; the forwarder raised its fd limit for many clients.
	[ "$(stat -c %a "$W/ctl.sock")" = 600 ]
	run awk '/^Max open files/ { print ($4 == $5) }' "/proc/$FWD_PID/limits"
	[ "$output" = 1 ] || fail "soft fd limit not raised: $(grep 'open files' "/proc/$FWD_PID/limits")"
	run fwdctl list
	assert_status 0
	assert_json --argjson t "$tcp" --argjson u "$udp" '[.[] | [.proto, .host.port, .target.ip,
		.target.port, .owner.id, .owner.network, .total]] == [["tcp", $t, "10.88.0.2", 8000,
		"c1", "default", 1], ["udp", $u, "10.88.0.2", 8000, "c1", "default", 1]]'
}

@test "forwarder: 500 concurrent TCP connections through one port all complete" {
	local port
	port=$(publish tcp 127.0.0.1 "$CTR4")
	# All 500 are open at once (the server answers only after each half-close), and the
	# forwarder counts them while they are.
	run timeout 90 python3 "$NETCHECK" many 127.0.0.1 "$port" 500 \
		sh -c '"$1" "$2" list | jq -c ".[0].connections" | grep -x 500' sh "$FWDCTL" "$W/ctl.sock"
	assert_status 0
	[ "${lines[0]}" = 500 ] || fail "open: ${lines[0]}"
	[ "${lines[1]}" = "ok 500" ] || fail "answers: ${lines[1]}"
	wait_until 10 connections_are 0
}

@test "forwarder: half-close both ways; a megabyte each way" {
	local port greet
	port=$(publish tcp 127.0.0.1 "$CTR4")
	greet=$(publish tcp 127.0.0.1 "$CTR4" $((CTR_PORT + 1)))
	assert_half_close "$port" "$greet" "$W/greeted"
}

@test "forwarder: forwards added and removed at run time; nothing listens after remove" {
	local t1 t2 u1
	t1=$(publish tcp 0.0.0.0 "$CTR4")
	u1=$(publish udp 0.0.0.0 "$CTR4")
	run fwdctl add tcp ::1 0 "$CTR6" 80 c2 default
	assert_status 2
	t2=$(fwdctl add tcp 127.0.0.1 $((t1 + 1)) "$CTR4" "$CTR_PORT" c2 other && echo $((t1 + 1))) ||
		t2=$(publish tcp 127.0.0.1 "$CTR4")
	[ -n "$(listening tcp "$t1")" ] && [ -n "$(listening udp "$u1")" ]

	# A port in use fails in the binder, before the forwarder: a conflict naming the port.
	run --separate-stderr fwdctl add tcp 0.0.0.0 "$t1" "$CTR4" 80 c3 default
	assert_status 4
	assert_one_stderr_line
	assert_stderr_contains "host port 0.0.0.0:$t1/tcp is already in use"

	# By owner: both forwards of c1, and only those.
	run fwdctl remove c1 default
	assert_status 0
	[ "$output" = 2 ]
	[ -z "$(listening tcp "$t1")" ] || fail "still listening: $(listening tcp "$t1")"
	[ -z "$(listening udp "$u1")" ] || fail "still listening: $(listening udp "$u1")"
	run python3 "$NETCHECK" tcp 127.0.0.1 "$t2" 1
	assert_status 0
	# Idempotent, and by host address.
	run fwdctl remove c1 default
	[ "$output" = 0 ]
	run fwdctl remove-host tcp 127.0.0.1 "$t2"
	[ "$output" = 1 ]
	[ -z "$(listening tcp "$t2")" ]
	run fwdctl list
	[ "$output" = "[]" ]
	# The port is free again: it can be published anew.
	run fwdctl add tcp 0.0.0.0 "$t1" "$CTR4" "$CTR_PORT" c1 default
	assert_status 0
	run python3 "$NETCHECK" tcp 127.0.0.1 "$t1" 3
	[[ "$output" == *" got 3" ]]
}

@test "forwarder: IPv6 host addresses and an IPv6 container" {
	local p6 pu6 p4to6
	p6=$(publish tcp ::1 "$CTR6")
	pu6=$(publish udp ::1 "$CTR6")
	p4to6=$(publish tcp 127.0.0.1 "$CTR6")
	run python3 "$NETCHECK" tcp ::1 "$p6" 7
	assert_status 0
	[[ "$output" =~ ^peer\ $GW6\ [0-9]+\ got\ 7$ ]] || fail "answer: $output"
	run python3 "$NETCHECK" udp ::1 "$pu6" hi
	[[ "$output" =~ ^peer\ $GW6\ [0-9]+\ HI$ ]] || fail "answer: $output"
	# An IPv4 client of an IPv6 container: the infra's IPv6 address.
	run python3 "$NETCHECK" tcp 127.0.0.1 "$p4to6" 1
	[[ "$output" =~ ^peer\ $GW6\  ]] || fail "answer: $output"
	[[ "$(listening tcp "$p6")" == *"[::1]:$p6 "* ]] || fail "$(listening tcp "$p6")"
}

@test "forwarder: a container sees a remote client's own address (TCP and UDP, IPv4 and IPv6)" {
	if [ -z "${RCI_CLIENT_PID:-}" ]; then
		missing_prereq "no client namespace (tests/run-integration.sh prepares it as root)"
	fi
	local t4 u4 t6 u6
	t4=$(publish tcp 0.0.0.0 "$CTR4")
	u4=$(publish udp 0.0.0.0 "$CTR4")
	t6=$(publish tcp :: "$CTR6")
	u6=$(publish udp :: "$CTR6")
	client() { nsenter -t "$RCI_CLIENT_PID" -U -n --preserve-credentials python3 "$NETCHECK" "$@"; }
	run fwdctl ping
	assert_json '.sourceAddress and .sourceAddressIPv6'
	run client tcp "$RCI_CLIENT_HOST4" "$t4" 4
	assert_status 0
	[[ "$output" =~ ^peer\ $RCI_CLIENT_ADDR4\ [0-9]+\ got\ 4$ ]] || fail "answer: $output"
	run client udp "$RCI_CLIENT_HOST4" "$u4" four
	[[ "$output" =~ ^peer\ $RCI_CLIENT_ADDR4\ [0-9]+\ FOUR$ ]] || fail "answer: $output"
	run client tcp "$RCI_CLIENT_HOST6" "$t6" 6
	[[ "$output" =~ ^peer\ $RCI_CLIENT_ADDR6\ [0-9]+\ got\ 6$ ]] || fail "answer: $output"
	run client udp "$RCI_CLIENT_HOST6" "$u6" six
	[[ "$output" =~ ^peer\ $RCI_CLIENT_ADDR6\ [0-9]+\ SIX$ ]] || fail "answer: $output"
	# The infra's setup that makes it work, as programmed by netlink.
	run in_infra ip rule show
	[[ "$output" == *"fwmark 0x10000000/0x10000000 lookup 3520"* ]] || fail "rules: $output"
}

@test "forwarder: a client on the container's own link shows as the gateway" {
	if [ -z "${RCI_CLIENT_PID:-}" ]; then
		missing_prereq "no client namespace (tests/run-integration.sh prepares it as root)"
	fi
	local t4
	t4=$(publish tcp 0.0.0.0 "$CTR4")
	# As if the container's subnet held the client's address (a rootful bridge of the same
	# subnet on the host): the container would answer it on its link, never through the infra.
	in_infra ip route add "$RCI_CLIENT_ADDR4/32" dev veth0
	in_ctr ip route add "$RCI_CLIENT_ADDR4/32" dev eth0
	run nsenter -t "$RCI_CLIENT_PID" -U -n --preserve-credentials \
		python3 "$NETCHECK" tcp "$RCI_CLIENT_HOST4" "$t4" 4
	assert_status 0
	[[ "$output" =~ ^peer\ $GW4\ [0-9]+\ got\ 4$ ]] || fail "answer: $output"
}

@test "forwarder: an infra without IPv6 gets one warning and still keeps IPv4 clients" {
	kill -TERM "$FWD_PID"
	wait_until 5 pid_dead "$FWD_PID"
	in_infra sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1
	: >"$W/fwd.log"
	fwd_start
	run fwdctl ping
	assert_json '.sourceAddress and (.sourceAddressIPv6 | not)'
	run cat "$W/fwd.log"
	[ "${#lines[@]}" -eq 1 ] || fail "log: $output"
	[[ "$output" == *"warning: the container sees the infra's address, not the client's, for IPv6 clients: add the IPv6 local route: "* ]] ||
		fail "log: $output"
	local t
	t=$(publish tcp 127.0.0.1 "$CTR4")
	run python3 "$NETCHECK" tcp 127.0.0.1 "$t" 1
	[[ "$output" == *" got 1" ]]
}

@test "forwarder: exits when the infra dies, and nothing listens any more" {
	local t u
	t=$(publish tcp 127.0.0.1 "$CTR4")
	u=$(publish udp 127.0.0.1 "$CTR4")
	kill -KILL "$CTR" "$INFRA"
	wait_until 5 pid_dead "$FWD_PID"
	[ -z "$(listening tcp "$t")" ] && [ -z "$(listening udp "$u")" ]
	[ ! -e "$W/ctl.sock" ]
	grep -q . "$W/fwd.log" && fail "log: $(cat "$W/fwd.log")"
	FWD_PID=
}

@test "forwarder: SIGTERM closes every listener and the control socket, status 0" {
	local t
	t=$(publish tcp 0.0.0.0 "$CTR4")
	# A connection in flight does not hold the exit up.
	python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(30)' "$t" 3>&- &
	local holder=$!
	wait_until 5 connections_are 1
	kill -TERM "$FWD_PID"
	wait_until 5 pid_dead "$FWD_PID"
	kill "$holder"
	[ -z "$(listening tcp "$t")" ]
	[ ! -e "$W/ctl.sock" ]
	FWD_PID=
}

@test "forwarder: UDP flows expire after the idle timeout" {
	kill -TERM "$FWD_PID"
	wait_until 5 pid_dead "$FWD_PID"
	# Long enough that a loaded machine cannot expire the flow before it is listed.
	FWD_PID=$(FWDCTL_UDP_TIMEOUT=3 "$FWDCTL" start "$FWD" "$W/ctl.sock" "$INFRA" "$W/fwd.log")
	local u
	u=$(publish udp 127.0.0.1 "$CTR4")
	run python3 "$NETCHECK" udp 127.0.0.1 "$u" a
	assert_status 0
	run fwdctl list
	assert_json '.[0].connections == 1'
	# Checked once a second, idle for three: gone within four (and some slack).
	wait_until 8 connections_are 0
	run python3 "$NETCHECK" udp 127.0.0.1 "$u" b
	[[ "$output" == *" B" ]]
}

@test "forwarder: a container port nobody serves resets the client; others go on" {
	local dead live
	dead=$(publish tcp 127.0.0.1 "$CTR4" 9)
	live=$(publish tcp 127.0.0.1 "$CTR4")
	run python3 "$NETCHECK" refused 127.0.0.1 "$dead"
	assert_status 0
	[ "$output" = reset ] || fail "ended with: $output"
	run python3 "$NETCHECK" tcp 127.0.0.1 "$live" 2
	[[ "$output" == *" got 2" ]]
	run fwdctl list
	assert_json 'map(.connections) == [0, 0]'
}

@test "forwarder: bad control requests get a one-line error and the code of their kind" {
	run fwdctl raw '{"op":"launch"}'
	assert_json '. == {"ok": false, "error": "bad control request: unknown op `launch` (want add, remove, list or ping)", "code": 2}'
	local add='{"op":"add","proto":"tcp","target":{"ip":"10.88.0.2","port":80},"owner":{"id":"x","network":"n"}}'
	run fwdctl raw "$add"
	assert_json '.code == 2 and (.error | test("takes exactly one host socket"))'
	run fwdctl raw "$add" file
	assert_json '.code == 2 and .error == "the tcp host fd is not a socket: Socket operation on non-socket"'
	run fwdctl raw "$add" udp
	assert_json '.code == 2 and .error == "the host fd is not an IPv4 or IPv6 tcp socket"'
	run fwdctl raw "$add" tcp
	assert_json '.code == 2 and .error == "the tcp host socket is not bound"'
	run fwdctl raw '{"op":"list"}' tcp
	assert_json '.code == 2 and .error == "only `add` takes a file descriptor"'
	run fwdctl raw 'not json'
	assert_json '.code == 2 and (.error | startswith("control request: invalid JSON at offset "))'
	# Through the library, the same errors keep their kind as exit status.
	run --separate-stderr fwdctl remove '../x' default
	assert_status 2
	assert_one_stderr_line
	# Nothing was added by any of it.
	run fwdctl list
	[ "$output" = "[]" ]
}

@test "forwarder: bad command lines exit 2 with one line; a missing infra is a failure" {
	run --separate-stderr "$FWD" --control "$W/x.sock" --infra-pid 12x
	assert_status 2
	assert_one_stderr_line
	assert_stderr_contains "option \`--infra-pid\`: \`12x\` is not a number from 1 to 2147483647 (see --help)"
	run --separate-stderr "$FWD" --infra-pid 1
	assert_status 2
	assert_stderr_contains "option \`--control\` is required"
	run --separate-stderr "$FWD" --control "$W/x.sock" --infra-pid "$INFRA" --idle-udp-timeout 0
	assert_status 2
	# A pid that exists, but not with that start time: pid reuse is caught.
	run --separate-stderr "$FWD" --control "$W/x.sock" --infra-pid "$INFRA" --infra-start-time 1
	assert_status 1
	assert_one_stderr_line
	assert_stderr_contains "the infra (pid $INFRA) is not running"
	# A second forwarder on a live control socket: refused, the first one untouched.
	run --separate-stderr "$FWD" --control "$W/ctl.sock" --infra-pid "$INFRA"
	assert_status 1
	assert_stderr_contains "another forwarder serves \`$W/ctl.sock\`"
	run fwdctl ping
	assert_status 0
	[ ! -e "$W/x.sock" ]
}
