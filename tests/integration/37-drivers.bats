#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The data-path drivers (issue 10): the default (slirp4netns + the forwarder), --port-driver
# slirp4netns and --net-driver pasta each pass the same connectivity tests (scripts/demo.sh, a
# published port, containers by name, outbound IPv4 and IPv6 to a non-loopback address, DNS
# outside, the host's loopback closed unless asked for); then pasta's own life cycle.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run
# shellcheck disable=SC2016 # jq filters and literal backticks

load helpers
load launcher
load net

setup_file() {
	net_setup_file
	check_cmds pasta
	check_files "$BUILD/rootless-cni-forwarder" "$RCI_SRC/scripts/demo.sh"
}

setup() {
	net_setup
}

teardown() {
	net_teardown
}

# The demo, as a user runs it, with OPTS.
demo() {
	run env BUILD="$BUILD" RCI_DEFAULT_NET_DIR="$RCI_SRC/image/net.d" \
		RCI_DEMO_PORT="$(free_port)" RCI_DEMO_PUBLISH="$(free_port)" \
		bash "$RCI_SRC/scripts/demo.sh" "$@"
	[ "$status" -eq 0 ] || fail "demo $*: exit $status: $output"
	[[ "$output" == *"hello from demo-a"* && "$output" == *"hello from the host's loopback"* ]] ||
		fail "demo $*: $output"
	[ "${lines[-1]}" = "demo: ok" ] || fail "demo $*: $output"
}

# A server on :: (both families) in the client namespace, a "remote" host of this one.
client_server() {
	mkdir -p "$WORK/remote" && echo "remote page" >"$WORK/remote/index.html"
	nsenter -t "$RCI_CLIENT_PID" -U -n --preserve-credentials \
		python3 -m http.server "$1" --bind :: --directory "$WORK/remote" >/dev/null 2>&1 3>&- &
	SERVERS+=("$!")
	wait_until 10 nsenter -t "$RCI_CLIENT_PID" -U -n --preserve-credentials \
		curl -sf -o /dev/null "http://127.0.0.1:$1/"
}

# connectivity OPT...: everything but the demo, on an infra started with OPT...
connectivity() {
	local opts=("$@") port remote host_ip
	port=$(free_port) remote=$(free_port)
	launcher "${opts[@]}" alloc a dualstack -p "$port:80" >"$WORK/a.json"
	launcher alloc b dualstack >/dev/null
	http_server a 80 ::
	# From the host through the published port (whichever driver publishes it).
	wait_until 10 curl -sf -o /dev/null -m 2 "http://127.0.0.1:$port/"
	run curl -sS -m 5 "http://127.0.0.1:$port/index.html"
	[ "$output" = "page of a" ] || fail "published: $output"
	# Container to container, by name, both families.
	run launcher enter b -- curl -sS -m 5 "http://a/index.html"
	[ "$output" = "page of a" ] || fail "by name: $output"
	run launcher enter b -- curl -sS -6 -m 5 "http://a/index.html"
	[ "$output" = "page of a" ] || fail "by name, IPv6: $output"
	# Outbound to an address that is not the host's loopback, IPv4 and IPv6.
	if [ -n "${RCI_CLIENT_PID:-}" ]; then
		client_server "$remote"
		run launcher enter b -- curl -sS -m 10 "http://$RCI_CLIENT_ADDR4:$remote/index.html"
		[ "$output" = "remote page" ] || fail "outbound IPv4: $output"
		run launcher enter b -- curl -sS -m 10 "http://[$RCI_CLIENT_ADDR6]:$remote/index.html"
		[ "$output" = "remote page" ] || fail "outbound IPv6: $output"
	fi
	# Names outside resolve through the infra's DNS forwarder (10.0.2.3) as on the host.
	local ns name want
	ns=$(awk '/^nameserver/ { print $2; exit }' /etc/resolv.conf)
	for name in deb.debian.org no-such-name.invalid; do
		want=$(python3 "$WORK/dns-rcode" "$ns" "$name")
		run launcher enter a -- python3 "$WORK/dns-rcode" 10.89.0.1 "$name"
		[ "$output" = "$want" ] || fail "$name: rcode $output in the container, $want on the host"
	done
	# The host's loopback stays closed without --allow-host-loopback.
	host_ip=$(launcher status | jq -r .netDriver)
	run launcher enter b -- curl -sS -m 3 "http://10.0.2.2:$port/"
	[ "$status" -ne 0 ] || fail "reached the host's loopback through $host_ip: $output"
	launcher dealloc a dualstack
	launcher dealloc b dualstack
	assert_gone
}

@test "drivers: default (slirp4netns, forwarder): the demo and the connectivity tests" {
	demo
	connectivity
}

@test "drivers: --port-driver slirp4netns: the demo and the connectivity tests" {
	demo --port-driver slirp4netns
	connectivity --port-driver slirp4netns
}

@test "drivers: --net-driver pasta: the demo and the connectivity tests" {
	demo --net-driver pasta
	connectivity --net-driver pasta
}

pasta_pid() { jq -r .pastaPid "$STATE/infra.json"; }

@test "drivers: pasta's life cycle: status, doctor, stop, a crashed infra, a survivor" {
	launcher --net-driver pasta start
	local pid
	pid=$(pasta_pid)
	pid_alive "$pid"
	run launcher status
	assert_json --argjson p "$pid" '.netDriver == "pasta" and .pasta.pid == $p
		and .portDriver == "forwarder" and (has("slirp4netns") | not)'
	run launcher --net-driver pasta doctor
	[[ "$output" == *"pasta "*" ok "*"has every option --net-driver pasta uses"* ]] ||
		fail "doctor: $output"
	[[ "$output" == *"net driver "*"pasta for a new infra; the running infra: pasta (pid $pid)"* ]] ||
		fail "doctor: $output"
	# It binds no host port at all: the forwarder publishes, and -t/-u/-T/-U none.
	! ss -Hltnup | grep -q "pid=$pid," || fail "pasta listens: $(ss -Hltnup | grep "pid=$pid,")"
	launcher stop
	pid_dead "$pid"
	assert_gone

	# pasta does not notice a crashed infra (it holds the namespace): the next command ends it.
	launcher --net-driver pasta alloc a default >/dev/null
	pid=$(pasta_pid)
	kill -KILL "$(jq .pid "$STATE/infra.json")"
	launcher --net-driver pasta alloc a default >/dev/null
	wait_until 5 pid_dead "$pid"
	[ "$(pasta_pid)" != "$pid" ]

	# A pasta that survives SIGKILL makes stop fail and keeps the record (pid 1 stands in).
	local start
	pid=$(pasta_pid) start=$(jq .pastaStart "$STATE/infra.json")
	jq --argjson s "$(sed 's/.*) //' /proc/1/stat | awk '{ print $20 }')" \
		'.pastaPid = 1 | .pastaStart = $s' "$STATE/infra.json" >"$WORK/rec"
	mv "$WORK/rec" "$STATE/infra.json"
	run --separate-stderr launcher stop
	assert_status 1
	assert_one_stderr_line
	assert_stderr_contains 'pasta (pid 1) is still running after SIGKILL'
	jq --argjson p "$pid" --argjson s "$start" '.pastaPid = $p | .pastaStart = $s' \
		"$STATE/infra.json" >"$WORK/rec"
	mv "$WORK/rec" "$STATE/infra.json"
	launcher stop
	pid_dead "$pid"
	assert_gone
}

@test "drivers: pasta's failures are one line and leave nothing" {
	# A pasta that refuses to start: the launcher says why, from its output.
	mkdir -p "$WORK/bin"
	printf '#!/bin/sh\necho "pasta: no luck today" >&2\nexit 1\n' >"$WORK/bin/pasta"
	chmod +x "$WORK/bin/pasta"
	PATH="$WORK/bin:$PATH" run --separate-stderr launcher --net-driver pasta start
	assert_status 1
	assert_one_stderr_line
	assert_stderr_contains 'pasta exited with status 1 before it was ready: pasta: no luck today'
	assert_gone
	# One that says it is ready but names no daemon.
	printf '#!/bin/sh\nexit 0\n' >"$WORK/bin/pasta"
	PATH="$WORK/bin:$PATH" run --separate-stderr launcher --net-driver pasta start
	assert_status 1
	assert_one_stderr_line
	assert_stderr_contains "pasta wrote no pid to \`$STATE/bundle/pasta.pid\`"
	assert_gone
}
