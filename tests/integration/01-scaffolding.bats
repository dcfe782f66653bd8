#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Self-tests of the test scaffolding: the fake CNI plugins (run directly, as a runtime would) and
# the infra stand-in. If these fail, the helper suites' verdicts mean nothing.
# shellcheck disable=SC2016,SC2154 # bash -c scripts; $stderr comes from bats' run

load helpers

setup_file() {
	check_standin_prereqs
}

setup() {
	require_prereqs
	RECORD="$BATS_TEST_TMPDIR/record"
	mkdir -p "$RECORD"
}

# fake CMD [ENV...] <<< STDIN: runs the fake plugin with CNI_COMMAND=CMD.
fake() {
	local cmd=$1
	shift
	env CNI_COMMAND="$cmd" "$@" "$FAKE_PLUGIN"
}

conf() {
	jq -nc --arg rec "$RECORD" --argjson f "${1:-{\}}" \
		'{cniVersion: "0.4.0", name: "n", type: "fake-plugin", fake: ({record: $rec} + $f)}'
}

@test "fake-plugin: VERSION with only a cniVersion on stdin" {
	run --separate-stderr fake VERSION <<<'{"cniVersion":"1.1.0"}'
	assert_status 0
	assert_json '.cniVersion == "1.0.0"'
	assert_json '.supportedVersions == ["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'
	run --separate-stderr fake VERSION </dev/null
	assert_status 0
	assert_json '.supportedVersions | length == 5'
	run --separate-stderr fake VERSION <<<"$(conf '{"versions":["0.4.0"]}')"
	assert_json '.supportedVersions == ["0.4.0"]'
}

@test "fake-plugin: ADD records the call and prints a minimal result in the request's version" {
	run --separate-stderr fake ADD CNI_CONTAINERID=c1 CNI_NETNS=/run/x CNI_IFNAME=eth3 \
		CNI_ARGS='IgnoreUnknown=1;K8S_POD_NAME=p' CNI_PATH=/a:/b <<<"$(conf '{"tag":"t1"}')"
	assert_status 0
	assert_json '.cniVersion == "0.4.0"'
	assert_json '.interfaces == [{"name":"eth3","sandbox":"/run/x"}]'
	assert_json '.ips[0].address == "10.99.0.2/24" and .ips[0].interface == 0'
	run jq -e --arg rec "$RECORD" '
		.command == "ADD" and .containerId == "c1" and .netns == "/run/x" and
		.ifname == "eth3" and .args == "IgnoreUnknown=1;K8S_POD_NAME=p" and .path == "/a:/b" and
		.stdin.fake.record == $rec and .tag == "t1" and (.capEff | test("^[0-9a-f]{16}$")) and
		(.fds | index(0) != null) and .pid > 1 and .pgid > 1 and .env.CNI_COMMAND == "ADD"' \
		"$RECORD/calls.jsonl"
	assert_status 0
}

@test "fake-plugin: fds lists exactly the open descriptors" {
	# Close whatever bats and the shell hold, open exactly 5 and 7.
	conf >"$BATS_TEST_TMPDIR/conf"
	bash -c 'for p in /proc/$$/fd/*; do
			fd=${p##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done 2>/dev/null
		exec 5</dev/null 7</dev/null <"$1"
		CNI_COMMAND=ADD exec "$2"' bash "$BATS_TEST_TMPDIR/conf" "$FAKE_PLUGIN" >/dev/null
	run jq -c .fds "$RECORD/calls.jsonl"
	[ "$output" = "[0,1,2,5,7]" ] || fail "fds: $output"
}

@test "fake-plugin: ADD echoes prevResult, or prints the scripted result" {
	local prev='{"cniVersion":"0.4.0","ips":[{"address":"10.1.0.5/16"}]}'
	run fake ADD <<<"$(jq -c --argjson p "$prev" '. + {prevResult: $p, cniVersion: "1.0.0"}' <<<"$(conf)")"
	assert_status 0
	assert_json '. == {"cniVersion":"1.0.0","ips":[{"address":"10.1.0.5/16"}]}'
	run fake ADD <<<"$(conf '{"result":{"ips":[],"dns":{"nameservers":["10.0.0.1"]}}}')"
	assert_json '. == {"ips":[],"dns":{"nameservers":["10.0.0.1"]},"cniVersion":"0.4.0"}'
	run fake ADD <<<"$(conf '{"result":{"cniVersion":"0.3.1"}}')"
	assert_json '.cniVersion == "0.3.1"'
}

@test "fake-plugin: failOn prints the error, garbage or nothing, with exitCode" {
	run --separate-stderr fake ADD <<<"$(conf '{"failOn":"ADD","stderr":"oops"}')"
	assert_status 1
	assert_json '. == {"cniVersion":"1.0.0","code":100,"msg":"fake failure"}'
	[ "$stderr" = oops ] || fail "stderr: $stderr"
	run --separate-stderr fake ADD <<<"$(conf '{"failOn":["DEL","ADD"],"exitCode":3,"error":{"code":7,"msg":"m"}}')"
	assert_status 3
	assert_json '. == {"code":7,"msg":"m"}'
	run --separate-stderr fake ADD <<<"$(conf '{"failOn":"ADD","garbage":"not json"}')"
	assert_status 1
	[ "$output" = "not json" ] || fail "stdout: $output"
	run --separate-stderr fake ADD <<<"$(conf '{"failOn":"ADD","silent":true}')"
	assert_status 1
	assert_stdout_empty
	# failOn is per command.
	run --separate-stderr fake DEL <<<"$(conf '{"failOn":"ADD"}')"
	assert_status 0
	assert_stdout_empty
}

@test "fake-plugin: signal kills the plugin with that signal" {
	run fake ADD <<<"$(conf '{"failOn":"ADD","signal":15}')"
	assert_status $((128 + 15))
	assert_stdout_empty
}

@test "fake-plugin: sleepMs honours sleepOn" {
	local t0 t1
	t0=$(now_ms)
	fake DEL <<<"$(conf '{"sleepMs":400,"sleepOn":["ADD"]}')"
	t1=$(now_ms)
	[ $((t1 - t0)) -lt 350 ] || fail "DEL slept $((t1 - t0)) ms"
	fake ADD <<<"$(conf '{"sleepMs":400,"sleepOn":["ADD"]}')" >/dev/null
	[ $(($(now_ms) - t1)) -ge 400 ] || fail "ADD did not sleep"
}

@test "fake-plugin: floodBytes writes that many bytes before the answer" {
	local n
	n=$(fake DEL <<<"$(conf '{"floodBytes":3000000}')" | wc -c)
	[ "$n" -eq 3000000 ] || fail "got $n bytes"
}

@test "fake-plugin: spawnChild leaves a sleeper in the plugin's process group" {
	local child pgid
	fake ADD <<<"$(conf '{"spawnChild":true}')" >/dev/null
	child=$(cat "$RECORD/child.pid")
	pid_alive "$child" || fail "child $child is not running"
	pgid=$(jq .pgid "$RECORD/calls.jsonl")
	[ "$(ps -o pgid= -p "$child" | tr -d ' ')" = "$pgid" ] || fail "child not in group $pgid"
	kill -KILL "$child"
	wait_until 5 pid_dead "$child"
}

@test "fake-plugin: unknown command and unparsable stdin fail the CNI way" {
	run fake FROB <<<"$(conf)"
	assert_status 1
	assert_json '.code == 4 and .msg == "unknown CNI_COMMAND: FROB"'
	run --separate-stderr fake ADD <<<'not json'
	assert_status 1
	assert_json '.code == 999'
}

@test "noop-plugin: ADD result carries the request's top-level cniVersion" {
	run env CNI_COMMAND=ADD CNI_IFNAME=eth0 CNI_NETNS=/n "$PLUGIN_DIR/noop-plugin" \
		<<<'{"prevResult":{"cniVersion":"0.3.1"},"cniVersion":"0.4.0","name":"n"}'
	assert_status 0
	assert_json '.cniVersion == "0.4.0" and .interfaces[0].name == "eth0" and (.ips | length == 1)'
	run env CNI_COMMAND=DEL "$PLUGIN_DIR/noop-plugin" <<<'{}'
	assert_status 0
	assert_stdout_empty
	run env CNI_COMMAND=VERSION "$PLUGIN_DIR/noop-plugin" </dev/null
	assert_json '.supportedVersions | index("1.0.0") != null'
}

@test "stand-in: namespaces, tmpfs, infra.pid and slirp4netns are in place, teardown is clean" {
	standin_start
	local pid=$STANDIN_PID slirp=$SLIRP_PID userns=$STANDIN_USERNS
	run standin_exec cat "$STATE_DIR/infra.pid"
	[ "$output" = "$pid" ] || fail "infra.pid: $output"
	standin_exec mountpoint -q /run
	standin_exec mountpoint -q /var/lib
	standin_exec test -d /var/lib/cni
	run standin_exec stat -c %a "$STATE_DIR"
	[ "$output" = 700 ] || fail "state dir mode: $output"
	run standin_exec ip -o -4 addr show dev tap0
	[[ "$output" == *10.0.2.100/24* ]] || fail "tap0: $output"
	run standin_exec id -u
	[ "$output" = 0 ] || fail "uid in stand-in: $output"
	# The host keeps its own /run.
	if [ "$(cat "$STATE_DIR/infra.pid" 2>/dev/null)" = "$pid" ]; then
		fail "the stand-in's /run is visible on the host"
	fi
	# A process left in the stand-in's user namespace makes teardown fail, and is killed.
	standin_exec sleep 600 3>&- &
	# A function, so that each poll looks again (a $(...) argument would be expanded once).
	has_stray() { [ -n "$(standin_stray_pids)" ]; }
	wait_until 5 has_stray
	local rc=0
	standin_stop 2>"$BATS_TEST_TMPDIR/stop.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "standin_stop returned $rc"
	grep -q 'sleep 600' "$BATS_TEST_TMPDIR/stop.err" || fail "teardown did not name the stray"
	pid_dead "$pid"
	pid_dead "$slirp"
	[ -z "$(STANDIN_USERNS=$userns standin_stray_pids)" ]
}

teardown() {
	standin_stop
}
