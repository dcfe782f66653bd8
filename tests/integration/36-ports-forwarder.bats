#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Published ports through the default port driver, the forwarder (issue 10, section 1), end to
# end through the launcher: a real infra, the shipped networks, servers in the containers
# (tests/integration/forwarder/netcheck.py), clients on the host and in the client namespace
# the runner prepares as root (tests/setup-client-netns.sh). TCP and UDP, IPv4 and IPv6 host
# addresses, 500 concurrent connections, half-close, the client's address, conflicts that leave
# nothing, teardown, ports added and removed at run time, and recovery of a killed forwarder.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run
# shellcheck disable=SC2016 # jq filters and literal backticks

load helpers
load launcher
load net

NETCHECK="$RCI_SRC/tests/integration/forwarder/netcheck.py"
CTR_PORT=8000

setup_file() {
	net_setup_file
	check_files "$BUILD/rootless-cni-forwarder" "$NETCHECK"
}

setup() {
	net_setup
}

teardown() {
	net_teardown
}

# ctr_server ID: netcheck's server in ID (TCP and UDP on CTR_PORT, the greeter on the next).
ctr_server() {
	: >"$WORK/servers.log"
	serve "$1" python3 "$NETCHECK" serve "$CTR_PORT" "$WORK/greeted"
	wait_until 10 grep -q ready "$WORK/servers.log" ||
		fail "the server in $1 did not start: $(cat "$WORK/servers.log")"
}

# listening tcp|udp PORT: ss's lines for host listeners on PORT.
listening() {
	local flag=-Hltn
	[ "$1" = udp ] && flag=-Hlun
	ss "$flag" "sport = :$2"
}

fwd_pid() { jq -r .forwarderPid "$STATE/infra.json"; }
fwd_status() { launcher status | jq -c .forwarder; }
# In the client namespace (a "remote" host joined to this one by a veth).
client() { nsenter -t "$RCI_CLIENT_PID" -U -n --preserve-credentials python3 "$NETCHECK" "$@"; }
need_client() {
	[ -n "${RCI_CLIENT_PID:-}" ] ||
		missing_prereq "no client namespace (tests/run-integration.sh prepares it as root)"
}

@test "forwarder: published TCP and UDP ports answer from the host, IPv4 and IPv6; status says so" {
	local t u t6 u6 any6
	t=$(free_port) u=$(free_port) t6=$(free_port) u6=$(free_port) any6=$(free_port)
	launcher alloc a default -p "$t:$CTR_PORT" -p "$u:$CTR_PORT/udp" \
		-p "[::1]:$t6:$CTR_PORT" -p "[::1]:$u6:$CTR_PORT/udp" -p "[::]:$any6:$CTR_PORT" \
		>"$WORK/a.json"
	ctr_server a
	# A loopback client shows as the bridge's gateway (README: what the container sees).
	run python3 "$NETCHECK" tcp 127.0.0.1 "$t" 5
	assert_status 0
	[[ "$output" =~ ^peer\ 10\.88\.0\.1\ [0-9]+\ got\ 5$ ]] || fail "answer: $output"
	# UDP at the host's 127.0.0.1 needs no --allow-host-loopback with the forwarder.
	run python3 "$NETCHECK" udp 127.0.0.1 "$u" hello
	assert_status 0
	[[ "$output" == *" HELLO" ]] || fail "answer: $output"
	run python3 "$NETCHECK" tcp ::1 "$t6" 6
	[[ "$output" == *" got 6" ]] || fail "answer: $output"
	run python3 "$NETCHECK" udp ::1 "$u6" six
	[[ "$output" == *" SIX" ]] || fail "answer: $output"
	# Without a host IP, both families listen; with one, only it.
	[[ "$(listening tcp "$t")" == *"0.0.0.0:$t "* && "$(listening tcp "$t")" == *"[::]:$t "* ]] ||
		fail "listeners: $(listening tcp "$t")"
	run python3 "$NETCHECK" tcp ::1 "$t" 1
	[[ "$output" == *" got 1" ]] || fail "answer on [::]: $output"
	[ "$(listening tcp "$t6" | wc -l)" = 1 ] && [[ "$(listening tcp "$t6")" == *"[::1]:$t6 "* ]]
	[[ "$(listening tcp "$any6")" == *"[::]:$any6 "* ]]
	[[ "$(listening tcp "$any6")" != *"0.0.0.0:$any6 "* ]]

	run launcher status
	assert_json '.portDriver == "forwarder" and .netDriver == "slirp4netns"'
	assert_json --argjson p "$(fwd_pid)" '.forwarder | .pid == $p and .alive and .restarts == 0
		and .sourceAddress and (.forwards | length) == 7'
	assert_json --argjson t "$t" '[.forwarder.forwards[] | select(.host.port == $t)
		| [.proto, .host.ip, .target.ip, .target.port, .owner.id]]
		== [["tcp", "0.0.0.0", "10.88.0.2", 8000, "a"], ["tcp", "::", "10.88.0.2", 8000, "a"]]'
	jq -e '.portDriver == "forwarder" and (.forwarderPid > 0)' "$STATE/infra.json"
	[ "$(stat -c %a "$STATE/forwarder.sock")" = 600 ]
	run launcher doctor
	[[ "$output" == *"the running infra: forwarder (forwarder pid $(fwd_pid), alive, sourceAddress true, 7 forward(s))"* ]] ||
		fail "doctor: $output"
	launcher dealloc a default
	assert_gone
}

@test "forwarder: 500 concurrent connections through one published port all complete" {
	local port
	port=$(free_port)
	launcher alloc a default -p "$port:$CTR_PORT" >/dev/null
	ctr_server a
	# All 500 are open at once (the server answers after each half-close) while status counts
	# them through the forwarder.
	run timeout 100 python3 "$NETCHECK" many 127.0.0.1 "$port" 500 sh -c \
		'"$1" --root "$2" status | jq ".forwarder.forwards[0].connections" | grep -x 500' \
		sh "$L" "$STATE"
	assert_status 0
	[ "${lines[0]}" = 500 ] || fail "open: ${lines[0]}"
	[ "${lines[1]}" = "ok 500" ] || fail "answers: ${lines[1]}"
}

@test "forwarder: a client that half-closes still gets its reply, both ways" {
	local port greet
	port=$(free_port) greet=$(free_port)
	launcher alloc a default -p "$port:$CTR_PORT" -p "$greet:$((CTR_PORT + 1))" >/dev/null
	ctr_server a
	assert_half_close "$port" "$greet" "$WORK/greeted"
}

@test "forwarder: the container sees a remote client's own address (TCP and UDP, IPv4 and IPv6)" {
	need_client
	local t u t6
	t=$(free_port) u=$(free_port) t6=$(free_port)
	launcher alloc a dualstack -p "$t:$CTR_PORT" -p "$u:$CTR_PORT/udp" \
		-p "[::]:$t6:$CTR_PORT" >/dev/null
	ctr_server a
	run client tcp "$RCI_CLIENT_HOST4" "$t" 4
	assert_status 0
	[[ "$output" =~ ^peer\ $RCI_CLIENT_ADDR4\ [0-9]+\ got\ 4$ ]] || fail "answer: $output"
	run client udp "$RCI_CLIENT_HOST4" "$u" four
	[[ "$output" =~ ^peer\ $RCI_CLIENT_ADDR4\ [0-9]+\ FOUR$ ]] || fail "answer: $output"
	# An IPv6 client of a dual-stack container reaches its IPv6 address, and keeps its own.
	run client tcp "$RCI_CLIENT_HOST6" "$t6" 6
	[[ "$output" =~ ^peer\ $RCI_CLIENT_ADDR6\ [0-9]+\ got\ 6$ ]] || fail "answer: $output"
	# A loopback client cannot keep its address: the bridge's gateway instead.
	run python3 "$NETCHECK" tcp 127.0.0.1 "$t" 1
	[[ "$output" =~ ^peer\ 10\.89\.0\.1\  ]] || fail "answer: $output"
}

# Nothing of b: no attachment, no IP, no listener, no record (and no infra when none ran).
assert_nothing_of_b() {
	local p
	run launcher exec -- list
	assert_json '[.[].id] == ["a"]'
	for p in "$@"; do
		[ -z "$(listening tcp "$p")$(listening udp "$p")" ] || fail "listening on $p"
	done
	[ ! -e "$STATE/bundle/ports/b@default.json" ] || fail "b has a port record"
	run launcher status
	assert_json '[.forwarder.forwards[].owner.id] | all(. == "a")'
}

@test "forwarder: a taken port and a duplicate mapping exit 4 and leave nothing behind" {
	local p1 p2 p3 p4
	p1=$(free_port) p2=$(free_port) p3=$(free_port) p4=$(free_port)
	launcher alloc a default -p "$p1:80" >/dev/null
	local ips_before
	ips_before=$(launcher exec -- list | jq -c '[.[].ips]')

	# Published by another container of the infra, here on another address of the family.
	run --separate-stderr launcher alloc b default -p "$p2:80" -p "127.0.0.1:$p1:81"
	assert_status 4
	assert_stdout_empty
	assert_one_stderr_line
	assert_stderr_contains "host port $p1/tcp is already published for \`a\` on \`default\`"
	assert_nothing_of_b "$p2"

	# In use by a process of the host: bound before the CNI ADD, so no ADD happens.
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET6); s.bind(("::1", int(sys.argv[1]))); s.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", int(sys.argv[2])))
print("ok", flush=True); time.sleep(60)' "$p3" "$p4" >"$WORK/holder.out" 3>&- &
	SERVERS+=("$!")
	wait_until 5 grep -q ok "$WORK/holder.out"
	run --separate-stderr launcher alloc b default -p "$p2:80" -p "[::1]:$p3:80"
	assert_status 4
	assert_one_stderr_line
	assert_stderr_contains "host port [::1]:$p3/tcp is already in use"
	run --separate-stderr launcher alloc b default -p "$p2:53" -p "$p4:53/udp"
	assert_status 4
	assert_stderr_contains "host port 0.0.0.0:$p4/udp is already in use"
	assert_nothing_of_b "$p2"
	[ "$(launcher exec -- list | jq -c '[.[].ips]')" = "$ips_before" ]
	# A host address this host does not have is bad input.
	run --separate-stderr launcher alloc b default -p "192.0.2.254:$p2:80"
	assert_status 2
	assert_stderr_contains "host IP \`192.0.2.254\` is not an address of this host"
	assert_nothing_of_b "$p2"
	launcher dealloc a default
	assert_gone

	# On a stopped infra: the port is bound before anything starts, so nothing starts.
	run --separate-stderr launcher alloc b default -p "[::1]:$p3:80"
	assert_status 4
	[ ! -e "$STATE/infra.json" ] || fail "an infra was started: $(cat "$STATE/infra.json")"
	assert_gone
}

@test "forwarder: ports come and go at run time; nothing listens after dealloc or stop" {
	local pa pb ub
	pa=$(free_port) pb=$(free_port) ub=$(free_port)
	launcher alloc a default -p "$pa:$CTR_PORT" >/dev/null
	local fwd
	fwd=$(fwd_pid)
	launcher alloc b default -p "$pb:$CTR_PORT" -p "$ub:$CTR_PORT/udp" >/dev/null
	ctr_server b
	run python3 "$NETCHECK" tcp 127.0.0.1 "$pb" 2
	[[ "$output" == *" got 2" ]] || fail "answer: $output"
	launcher dealloc b default
	[ -z "$(listening tcp "$pb")$(listening udp "$ub")" ] ||
		fail "still listening: $(listening tcp "$pb") $(listening udp "$ub")"
	[ -n "$(listening tcp "$pa")" ]
	# The same forwarder all along: nothing was restarted.
	[ "$(fwd_pid)" = "$fwd" ]
	pid_alive "$fwd"
	run launcher status
	assert_json '.forwarder.restarts == 0 and (.forwarder.forwards | length) == 2'
	# The port is free again for anyone; stop closes the rest with the forwarder.
	launcher alloc c default -p "$pb:$CTR_PORT" >/dev/null
	launcher stop
	[ -z "$(listening tcp "$pa")$(listening tcp "$pb")" ] ||
		fail "still listening after stop: $(listening tcp "$pa") $(listening tcp "$pb")"
	wait_until 5 pid_dead "$fwd"
	assert_gone
}

@test "forwarder: killed, it is restarted with its forwards by the next launcher command" {
	local t u old
	t=$(free_port) u=$(free_port)
	launcher alloc a default -p "$t:$CTR_PORT" -p "$u:$CTR_PORT/udp" >/dev/null
	launcher alloc b default >/dev/null
	ctr_server a
	old=$(fwd_pid)
	kill -KILL "$old"
	wait_until 5 pid_dead "$old"
	[ -z "$(listening tcp "$t")" ]
	# Any command that takes the infra: here `exec`, which has nothing to do with ports.
	run --separate-stderr launcher exec -- is-idle
	assert_status 0
	assert_one_stderr_line
	assert_stderr_contains "the port forwarder (pid $old) was gone: started it again (pid $(fwd_pid)) with 4 forward(s)"
	[ "$(fwd_pid)" != "$old" ]
	run python3 "$NETCHECK" tcp 127.0.0.1 "$t" 3
	[[ "$output" == *" got 3" ]] || fail "answer: $output"
	run python3 "$NETCHECK" udp 127.0.0.1 "$u" x
	[[ "$output" == *" X" ]] || fail "answer: $output"
	run launcher status
	assert_json '.forwarder | .alive and .restarts == 1 and (.forwards | length) == 4'
	# A forwarder that lives but no longer answers (its socket gone) is replaced too.
	rm "$STATE/forwarder.sock"
	old=$(fwd_pid)
	run --separate-stderr launcher status
	assert_status 0
	assert_json '.forwarder | .alive and .restarts == 2 and (.forwards | length) == 4'
	pid_dead "$old"
	# dealloc, and the recorded forwards of a are gone with it.
	launcher dealloc a default
	[ -z "$(listening tcp "$t")$(listening udp "$u")" ]
	launcher dealloc b default
	assert_gone
}

# Issue 13, bug 6, for the forwarder: one that outlives stop keeps the host ports, so its record
# must stay for a later stop. A survivor the launcher cannot kill: the record points at pid 1.
@test "forwarder: stop fails and keeps the record while the forwarder survives" {
	launcher start
	local pid start
	pid=$(fwd_pid)
	start=$(jq .forwarderStart "$STATE/infra.json")
	jq --argjson s "$(sed 's/.*) //' /proc/1/stat | awk '{ print $20 }')" \
		'.forwarderPid = 1 | .forwarderStart = $s' "$STATE/infra.json" >"$WORK/rec"
	mv "$WORK/rec" "$STATE/infra.json"
	run --separate-stderr launcher stop
	assert_status 1
	assert_one_stderr_line
	assert_stderr_contains 'the port forwarder (pid 1) is still running after SIGKILL'
	jq -e '.forwarderPid == 1' "$STATE/infra.json"
	jq --argjson p "$pid" --argjson s "$start" '.forwarderPid = $p | .forwarderStart = $s' \
		"$STATE/infra.json" >"$WORK/rec"
	mv "$WORK/rec" "$STATE/infra.json"
	launcher stop
	assert_gone
}

@test "forwarder: drivers are fixed with the infra; pasta needs the forwarder" {
	launcher alloc a default >/dev/null
	run --separate-stderr launcher --port-driver slirp4netns alloc b default
	assert_status 4
	assert_one_stderr_line
	assert_stderr_contains 'the infra runs with --port-driver `forwarder`; run `rootless-cni-launcher stop` to switch'
	run --separate-stderr launcher --net-driver pasta status
	assert_status 4
	assert_stderr_contains 'the infra runs with --net-driver `slirp4netns`'
	launcher --port-driver forwarder --net-driver slirp4netns alloc b default >/dev/null
	launcher stop
	run --separate-stderr launcher --net-driver pasta --port-driver slirp4netns alloc a default
	assert_status 2
	assert_one_stderr_line
	assert_stderr_contains 'error: --net-driver pasta publishes ports through the forwarder: --port-driver slirp4netns needs --net-driver slirp4netns (see --help)'
	run --separate-stderr launcher --port-driver rootlesskit status
	assert_status 2
	assert_stderr_contains '--port-driver `rootlesskit`: must be `forwarder` or `slirp4netns` (see --help)'
	assert_gone
}
