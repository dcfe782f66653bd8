#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The launcher end to end (issue 3): a real OCI runtime, slirp4netns, the user's own user
# namespace, the imageless rootfs, Debian's CNI plugins and the shipped default network. Runs as
# the unprivileged test user (tests/run-integration.sh); each test has its own short state dir
# (the slirp4netns API socket path must fit sun_path).
#
# RCI_TEST_IMAGE=1 (or an OCI layout path) runs every test with `--image` (issue 5): the infra
# from the image `make image` built ($BUILD/image/oci), same assertions.

load helpers

load launcher

@test "launcher: the demo scenario" {
	# The demo fetches a page from the host's loopback: that takes the option (issue 13).
	run launcher --allow-host-loopback start
	[ "$status" -eq 0 ]
	run launcher status
	[ "$(echo "$output" | jq -r .runtime)" = runc ]
	launcher alloc a default >"$WORK/a.json"
	launcher alloc b default >"$WORK/b.json"
	a=$(ip_of "$WORK/a.json")
	b=$(ip_of "$WORK/b.json")
	[[ "$a" == 10.88.* ]] && [[ "$b" == 10.88.* ]] && [ "$a" != "$b" ]
	run launcher enter a -- ping -c 1 -W 5 "$b"
	[ "$status" -eq 0 ]
	mkdir -p "$WORK/www" && echo "host page" >"$WORK/www/index.html"
	python3 -m http.server 18090 --bind 127.0.0.1 --directory "$WORK/www" >/dev/null 2>&1 &
	SERVER=$!
	for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18090/ && break; sleep 0.1; done
	run launcher enter b -- curl -sS -m 10 http://10.0.2.2:18090/index.html
	[ "$status" -eq 0 ]
	[ "$output" = "host page" ]
	kill "$SERVER"; SERVER=
	launcher dealloc a default
	run launcher status
	[ "$(echo "$output" | jq .running)" = true ]
	launcher dealloc b default
	assert_gone
}

# Issue 13, bug 11: slirp4netns gives containers the host's 127.0.0.1 at 10.0.2.2 unless told
# --disable-host-loopback. Closed by default, as podman does; --allow-host-loopback opens it.
@test "launcher: the host's loopback is closed to containers unless --allow-host-loopback" {
	mkdir -p "$WORK/www" && echo "host page" >"$WORK/www/index.html"
	python3 -m http.server 18092 --bind 127.0.0.1 --directory "$WORK/www" >/dev/null 2>&1 3>&- &
	SERVER=$!
	wait_until 10 curl -s -o /dev/null http://127.0.0.1:18092/
	launcher alloc a default >/dev/null
	run launcher enter a -- curl -sS -m 5 http://10.0.2.2:18092/index.html
	[ "$status" -ne 0 ] || fail "reached the host's loopback: $output"
	run launcher status
	assert_json '.allowHostLoopback == false'
	jq -e '.allowHostLoopback == false' "$STATE/infra.json"
	# Against a running infra, the option conflicts like the others.
	run --separate-stderr launcher --allow-host-loopback alloc b default
	assert_status 4
	assert_one_stderr_line
	# shellcheck disable=SC2016 # backticks are literal
	assert_stderr_contains 'the infra runs without --allow-host-loopback; run `rootless-cni-launcher stop` to switch'
	launcher dealloc a default
	assert_gone
	launcher --allow-host-loopback alloc a default >/dev/null
	run launcher enter a -- curl -sS -m 10 http://10.0.2.2:18092/index.html
	assert_status 0
	[ "$output" = "host page" ]
	run launcher status
	assert_json '.allowHostLoopback == true'
	# Commands without the option use the running infra's.
	launcher alloc b default >/dev/null
	launcher dealloc b default
	launcher dealloc a default
	assert_gone
}

@test "launcher: alloc prints netns, userns, OCI mappings and the CNI result" {
	launcher alloc c1 default pod1 >"$WORK/c1.json"
	jq -e '.netns and .userns and (.uidMappings | length > 0) and (.gidMappings | length > 0)
		and .result.cniVersion and (.result.ips | length == 1)
		and (.uidMappings[0] | has("containerID") and has("hostID") and has("size"))' "$WORK/c1.json"
	pid=$(launcher status | jq .pid)
	[ "$(jq -r .userns "$WORK/c1.json")" = "/proc/$pid/ns/user" ]
	[ "$(jq -r .netns "$WORK/c1.json")" = "/proc/$pid/root/run/rootless-cni-infra/netns/c1" ]
	# The host (same user, host mount namespace) can open both.
	[ -r "$(jq -r .netns "$WORK/c1.json")" ]
	launcher dealloc c1 default
	assert_gone
}

@test "launcher: a real runc container joins userns and netns from alloc and reaches another" {
	launcher alloc srv default >"$WORK/srv.json"
	launcher alloc cli default >"$WORK/cli.json"
	srv=$(ip_of "$WORK/srv.json")
	# A rootfs assembled like the infra's: host /usr read-only, merged-/usr symlinks.
	b=$WORK/joiner
	mkdir -p "$b/rootfs"
	for d in bin sbin lib lib64; do
		if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$b/rootfs/$d"; fi
	done
	jq -n --slurpfile c "$WORK/cli.json" --arg ip "$srv" '{
	  ociVersion: "1.0.2", root: {path: "rootfs", readonly: true}, hostname: "joiner",
	  process: {terminal: false, user: {uid: 0, gid: 0}, cwd: "/",
	    args: ["sh", "-c", "readlink /proc/self/ns/net; ping -c 1 -W 5 \($ip)"],
	    env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], noNewPrivileges: true,
	    capabilities: (["CAP_NET_RAW", "CAP_KILL"] as $x |
	      {bounding: $x, effective: $x, permitted: $x, ambient: $x})},
	  mounts: [
	    {destination: "/proc", type: "proc", source: "proc"},
	    {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "mode=755"]},
	    {destination: "/usr", type: "bind", source: "/usr", options: ["rbind", "ro"]},
	    {destination: "/etc", type: "bind", source: "/etc", options: ["rbind", "ro"]}],
	  linux: {
	    namespaces: [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"},
	      {type: "user", path: $c[0].userns}, {type: "network", path: $c[0].netns}],
	    uidMappings: $c[0].uidMappings, gidMappings: $c[0].gidMappings}}' >"$b/config.json"
	run runc --root "$WORK/joiner-runc" run --bundle "$b" joiner </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 received"* ]]
	# It was in the allocated netns, not a new one.
	[ "$(echo "$output" | head -n 1)" = "$(readlink "$(jq -r .netns "$WORK/cli.json")" 2>/dev/null ||
		stat -L -c 'net:[%i]' "$(jq -r .netns "$WORK/cli.json")")" ]
	launcher dealloc srv default
	launcher dealloc cli default
	assert_gone
}

@test "launcher: 8 concurrent allocs on a stopped infra start exactly one" {
	# Our own pids: `jobs -p` would include bats' timeout watcher.
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		launcher alloc "p$i" default >"$WORK/p$i.json" 2>"$WORK/p$i.err" &
		pids+=($!)
	done
	fails=0
	for job in "${pids[@]}"; do wait "$job" || fails=$((fails + 1)); done
	cat "$WORK"/p*.err >&2
	[ "$fails" -eq 0 ]
	[ "$(jq -r .userns "$WORK"/p*.json | sort -u | wc -l)" -eq 1 ]
	[ "$(jq -r '.result.ips[0].address' "$WORK"/p*.json | sort -u | wc -l)" -eq 8 ]
	[ "$(slirps)" -eq 1 ]
	for i in 1 2 3 4 5 6 7 8; do launcher dealloc "p$i" default; done
	assert_gone
}

@test "launcher: stop removes everything, with attachments left" {
	launcher alloc s1 default >/dev/null
	launcher stop
	assert_gone
	# A second stop is a no-op.
	launcher stop
}

@test "launcher: the next alloc recovers from a SIGKILLed infra" {
	launcher alloc old default >/dev/null
	pid=$(launcher status | jq .pid)
	kill -KILL "$pid"
	run launcher alloc new default
	[ "$status" -eq 0 ]
	newpid=$(launcher status | jq .pid)
	[ "$newpid" != "$pid" ]
	[ "$(slirps)" -eq 1 ]
	run launcher dealloc old default
	[ "$status" -eq 0 ]
	launcher dealloc new default
	assert_gone
}

@test "launcher: exec passes stdout, stderr and the exit code through" {
	launcher start
	run launcher exec -- is-idle
	[ "$status" -eq 0 ]
	[ "$output" = '{"idle":true}' ]
	run launcher exec -- dealloc 'a/b' default
	[ "$status" -eq 2 ]
	RCI_EXEC=runtime run launcher exec -- is-idle
	[ "$status" -eq 0 ]
	[ "$output" = '{"idle":true}' ]
	launcher stop
	run launcher exec -- is-idle
	[ "$status" -eq 3 ]
	[[ "$output" == *"the infra is not running"* ]]
}

@test "launcher: actionable errors" {
	run launcher alloc x nosuchnet
	[ "$status" -eq 3 ]
	# Backticks are literal in these messages, not command substitutions.
	# shellcheck disable=SC2016
	[[ "$output" == *'network `nosuchnet` not found'* ]]
	# Both dirs: the user's, and the shipped networks (with --image, the image's own).
	[[ "$output" == *"$XDG_CONFIG_HOME/cni/net.d"* ]]
	if [ "${#IMAGE_ARGS[@]}" -eq 0 ]; then
		[[ "$output" == *"$RCI_SRC/image/net.d"* ]]
	else
		[[ "$output" =~ /image-cache/[0-9a-f]{64}/rootfs/etc/cni/net.d ]]
	fi
	[[ "$output" == *"networks found: default"* ]]
	run launcher --cni-plugin-dir "$STATE" alloc x default
	[ "$status" -eq 3 ]
	# shellcheck disable=SC2016
	[[ "$output" == *'CNI plugin `bridge` not found in `'"$STATE"'`'* ]]
	run launcher alloc '../x' default
	[ "$status" -eq 2 ]
	run launcher alloc only-id
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: rootless-cni-launcher alloc ID NET"* ]]
	# None of these started an infra.
	assert_gone
}

@test "launcher: doctor passes here" {
	run launcher doctor
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"runc"*"runs a rootless container here"* ]]
}
