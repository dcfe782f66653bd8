#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Published ports (issue 4) with `--port-driver slirp4netns`: `alloc -p
# [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]` through slirp4netns' API and the portmap plugin of the
# shipped default network, rootless, end to end from the host. The default driver, the forwarder,
# has its own suite (36-ports-forwarder.bats).
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers
load launcher
load net

# Every infra of this suite publishes through slirp4netns (launcher.bash's, plus the driver).
launcher() { "$L" --root "$STATE" "${IMAGE_ARGS[@]}" --port-driver slirp4netns "$@"; }

setup_file() {
	net_setup_file
}

setup() {
	net_setup
}

teardown() {
	net_teardown
}

@test "ports: TCP and UDP mappings reach the container from the host; dealloc closes them" {
	local tcp udp
	tcp=$(free_port)
	udp=$(free_port)
	launcher alloc a default -p "$tcp:80" -p "$udp:5353/udp" >"$WORK/a.json"
	http_server a 80
	serve a python3 "$WORK/udp-echo" 0.0.0.0 5353
	# The same user, from the host, through 127.0.0.1.
	wait_until 10 curl -sf -o /dev/null -m 2 "http://127.0.0.1:$tcp/"
	run curl -sS -m 5 "http://127.0.0.1:$tcp/index.html"
	assert_status 0
	[ "$output" = "page of a" ]
	# UDP through the host's 127.0.0.1 needs --allow-host-loopback (libslirp sends the replies
	# to the host's loopback, which --disable-host-loopback refuses): ask at another address of
	# the host, and at 127.0.0.1 see it fail.
	local host_ip
	host_ip=$(ip -4 -o addr show scope global | awk '{ sub("/.*", "", $4); print $4; exit }')
	[ -n "$host_ip" ] || fail "no global IPv4 address on this host"
	run python3 "$WORK/udp-ask" "$host_ip" "$udp" hello
	assert_status 0
	[ "$output" = HELLO ]
	run python3 "$WORK/udp-ask" 127.0.0.1 "$udp" hello
	assert_status 1

	launcher dealloc a default
	# Both host ports are closed and free again: the forwards are gone with the attachment.
	run host_port_open "$tcp"
	assert_status 1
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", int(sys.argv[1])))' "$udp"
	assert_gone
}

# With --allow-host-loopback, UDP through the host's 127.0.0.1 works too.
@test "ports: UDP at the host's 127.0.0.1 with --allow-host-loopback" {
	local udp
	udp=$(free_port)
	launcher --allow-host-loopback alloc a default -p "$udp:5353/udp" >/dev/null
	serve a python3 "$WORK/udp-echo" 0.0.0.0 5353
	run python3 "$WORK/udp-ask" 127.0.0.1 "$udp" hello
	assert_status 0
	[ "$output" = HELLO ]
	launcher dealloc a default
	assert_gone
}

@test "ports: a host IP is honoured on the host side only" {
	local port
	port=$(free_port)
	launcher alloc a default -p "127.0.0.1:$port:80" >/dev/null
	http_server a 80
	wait_until 10 curl -sf -o /dev/null -m 2 "http://127.0.0.1:$port/"
	# slirp4netns listens on 127.0.0.1 only, not on every address.
	run ss -Hltn "sport = :$port"
	[[ "$output" == *"127.0.0.1:$port "* ]] || fail "listeners: $output"
	[[ "$output" != *"0.0.0.0:$port "* && "$output" != *"*:$port "* ]] || fail "listeners: $output"
	launcher dealloc a default
	assert_gone
}

@test "ports: a taken host port fails the alloc, which leaves nothing" {
	local p1 p2 p3
	p1=$(free_port)
	p2=$(free_port)
	p3=$(free_port)
	launcher alloc a default -p "$p1:80" >/dev/null
	ips_before=$(launcher exec -- list | jq -c '[.[].ips]')

	# Published by another container of this infra (also on another host IP).
	run --separate-stderr launcher alloc b default -p "$p2:80" -p "127.0.0.1:$p1:81"
	assert_status 4
	assert_stdout_empty
	assert_one_stderr_line
	# shellcheck disable=SC2016 # literal backticks
	assert_stderr_contains 'host port '"$p1"'/tcp is already published for `a` on `default`'

	# In use by another process on the host.
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
print("ok", flush=True); time.sleep(60)' "$p3" >"$WORK/holder.out" &
	SERVERS+=("$!")
	wait_until 5 grep -q ok "$WORK/holder.out"
	run --separate-stderr launcher alloc b default -p "$p2:80" -p "$p3:80"
	assert_status 4
	assert_one_stderr_line
	assert_stderr_contains "host port 0.0.0.0:$p3/tcp is already in use"

	# Nothing of b: no attachment, no IP, no forward (p2 is free again).
	run launcher exec -- list
	assert_json '[.[].id] == ["a"]'
	[ "$(jq -c '[.[].ips]' <<<"$output")" = "$ips_before" ]
	run host_port_open "$p2"
	assert_status 1
	launcher dealloc a default
	assert_gone

	# On a stopped infra the failed alloc stops the infra it started.
	run --separate-stderr launcher alloc b default -p "$p3:80"
	assert_status 4
	assert_gone
}

@test "ports: malformed and duplicate mappings are bad input and start nothing" {
	local spec
	for spec in 80 x:80 8080:x 0:80 70000:80 8080:80/sctp 1.2.3:8080:80 '[::1]:8080:80' \
		'[::]:8080:80' '::1:8080:80' 8080:; do
		run --separate-stderr launcher alloc a default -p "$spec"
		assert_status 2
		assert_one_stderr_line
		assert_stderr_contains "bad port mapping \`$spec\`"
	done
	# IPv6 host addresses are the forwarder's: slirp4netns says so.
	run --separate-stderr launcher alloc a default -p '[::1]:8080:80'
	assert_stderr_contains 'slirp4netns forwards IPv4 host addresses only (--port-driver forwarder takes IPv6 too)'
	# Its forwards all land on one address: one port and protocol once, whatever HOSTIP.
	run --separate-stderr launcher alloc a default -p 127.0.0.1:8080:80 -p 127.0.0.2:8080:81
	assert_status 2
	assert_stderr_contains "host port 8080/tcp is published twice"
	run --separate-stderr launcher alloc a default -p 8080:80 -p 127.0.0.1:8080:81
	assert_status 2
	assert_stderr_contains "host port 8080/tcp is published twice"
	run --separate-stderr launcher alloc a default -p
	assert_status 2
	assert_gone
}
