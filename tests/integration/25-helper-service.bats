#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The helper service (issue 12, section 2): the infra's init starts `rootless-cni-infra serve`,
# and the launcher runs each helper command through it (a fork of a loaded process) instead of
# joining the infra's namespaces and exec'ing the helper. Same answers either way; without the
# service, the launcher joins as before; a bad client does not stop it. Real infra (runc,
# slirp4netns, Debian's plugins, the shipped default network), as the test user.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers
load launcher

infra_pid() { launcher status | jq -r .pid; }

# The pid of the infra's `rootless-cni-infra serve` (none: empty).
service_pid() {
	local ipid p ns
	ipid=$(infra_pid)
	ns=$(readlink "/proc/$ipid/ns/mnt")
	for p in $(pgrep -u "$(id -u)" -f -- 'rootless-cni-infra serve'); do
		[ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$ns" ] && echo "$p"
	done
	return 0
}

@test "helper service: the launcher runs helper commands through it" {
	launcher start >/dev/null
	[ -n "$(service_pid)" ] || fail "no helper service in the infra"
	run --separate-stderr launcher --debug alloc a default
	assert_status 0
	[[ "$stderr" == *"exec: helper alloc via the helper service"* ]] ||
		fail "alloc did not use the service: $stderr"
	[[ "$stderr" != *"namespace join"* ]] || fail "alloc joined the namespaces: $stderr"
	# The helper's own debug lines still reach us, and its answer is the contract's.
	[[ "$stderr" == *"rootless-cni-infra: debug: plugin: bridge ADD"* ]] || fail "$stderr"
	a=$(jq -r '.result.ips[0].address' <<<"$output" | cut -d/ -f1)
	[[ "$a" == 10.88.* ]] || fail "no address: $output"
	run launcher enter a -- ping -c 1 -W 5 10.88.0.1
	assert_status 0
	# Only the user who owns the infra can reach it: 0600 in the helper's 0700 state dir.
	sock="/proc/$(infra_pid)/root/run/rootless-cni-infra/helper.sock"
	[ -S "$sock" ] || fail "no socket at $sock"
	[ "$(stat -c %a "$sock")" = 600 ] && [ "$(stat -c %a "$(dirname "$sock")")" = 700 ]
	launcher dealloc a default
	assert_gone
}

@test "helper service: answers and exit codes are the exec'd helper's" {
	launcher start >/dev/null
	launcher alloc a default >/dev/null
	for mode in service direct; do
		RCI_EXEC=$mode run --separate-stderr launcher exec -- list
		assert_status 0
		echo "$output" >"$WORK/list.$mode"
		RCI_EXEC=$mode run --separate-stderr launcher exec -- alloc "../x" default
		assert_status 2
		echo "$stderr" >"$WORK/bad.$mode"
		RCI_EXEC=$mode run --separate-stderr launcher alloc b no-such-network
		assert_status 3
		echo "$stderr" >"$WORK/missing.$mode"
	done
	for f in list bad missing; do
		diff "$WORK/$f.service" "$WORK/$f.direct" || fail "$f differs"
	done
	# A worker cannot become a second service (it would take the socket over).
	RCI_EXEC=service run --separate-stderr launcher exec -- serve
	assert_status 2
	assert_stderr_contains "cannot run inside the helper service"
	RCI_EXEC=service run launcher exec -- is-idle
	assert_status 0
	jq -e 'length == 1 and .[0].id == "a"' "$WORK/list.service"
	launcher dealloc a default
	assert_gone
}

@test "helper service: without it, the launcher joins the infra as before" {
	launcher start >/dev/null
	p=$(service_pid)
	[ -n "$p" ] || fail "no helper service"
	kill -KILL "$p"
	wait_until 10 test -z "$(service_pid)"
	run --separate-stderr launcher --debug alloc a default
	assert_status 0
	[[ "$stderr" == *"no helper service in the infra, or it refused; joining it"* ]] ||
		fail "$stderr"
	[[ "$stderr" == *"via namespace join"* ]] || fail "$stderr"
	# RCI_EXEC=service insists on it: one line, exit 1, nothing attached.
	RCI_EXEC=service run --separate-stderr launcher alloc b default
	assert_status 1
	assert_one_stderr_line
	assert_stderr_contains "has no helper service"
	run launcher exec -- list
	jq -e 'length == 1 and .[0].id == "a"' <<<"$output"
	launcher dealloc a default
	assert_gone
}

@test "helper service: a malformed request is refused and the service keeps serving" {
	launcher start >/dev/null
	sock="/proc/$(infra_pid)/root/run/rootless-cni-infra/helper.sock"
	# Garbage, a request without fds, and a client that leaves without a word: the first two
	# are refused (exit code -1: nothing ran, the launcher would exec the helper instead).
	run python3 - "$sock" <<'PY'
import socket, sys, struct
out = []
for payload in (b"junk", b"RCI1" + struct.pack("<III", 2, 0, 0o22) + b"x\0list\0", None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    if payload is None:
        s.close()
        continue
    s.send(payload)
    s.settimeout(10)
    out.append(repr(struct.unpack("<4sii", s.recv(64))))
    s.close()
print(" ".join(out))
PY
	assert_status 0
	[ "$output" = "(b'RCI1', -1, 0) (b'RCI1', -1, 0)" ] || fail "answers: $output"
	[ -n "$(service_pid)" ] || fail "the service died"
	run --separate-stderr launcher --debug alloc a default
	assert_status 0
	[[ "$stderr" == *"via the helper service"* ]] || fail "$stderr"
	launcher dealloc a default
	assert_gone
}

@test "helper service: 8 parallel allocs and deallocs through it all succeed" {
	launcher start >/dev/null
	launcher alloc keep default >/dev/null
	local pids=() i
	for i in $(seq 8); do
		launcher alloc "p$i" default >"$WORK/p$i.json" 2>"$WORK/p$i.err" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fail "an alloc failed: $(cat "$WORK"/p*.err)"; done
	[ "$(for i in $(seq 8); do ip_of "$WORK/p$i.json"; done | sort -u | wc -l)" -eq 8 ]
	pids=()
	for i in $(seq 8); do
		launcher dealloc "p$i" default 2>"$WORK/d$i.err" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fail "a dealloc failed: $(cat "$WORK"/d*.err)"; done
	run launcher exec -- list
	jq -e 'length == 1' <<<"$output"
	# The workers (forks of the service, same command line) are gone with their commands.
	[ "$(service_pid | wc -l)" = 1 ] || fail "service processes left: $(service_pid)"
	launcher dealloc keep default
	assert_gone
}
