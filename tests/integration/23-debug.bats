#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `--debug` that debugs (issue 11, section 5): each step on stderr with its duration, in one
# format ("PROGRAM: debug: STEP: DETAIL (N ms)", helper/lib/log.h: rci_debug_step), the
# helper's steps forwarded by the launcher, on success as on failure; stdout keeps only the JSON.

# shellcheck disable=SC2154 # $output, $status and $stderr come from bats' run
# shellcheck disable=SC2016 # backticks in messages and $vars of jq filters are literal
load helpers

load launcher

STEP='\(([0-9]+) ms\)$'

# assert_step PROGRAM STEP DETAIL_REGEX: a step line in $stderr, with its duration.
assert_step() {
	local re="^rootless-cni-$1: debug: $2: $3 $STEP"
	grep -qE "$re" <<<"$stderr" || fail "no line matching \`$re' in:
$stderr"
}

# The plugins of the shipped default network that run, in chain order: portmap is skipped, the
# forwarder (the default port driver) publishes ports without it (issue 12).
CHAIN=(bridge rootless-cni-dns)

@test "debug: alloc shows each step with its duration, stdout stays JSON" {
	run --separate-stderr launcher --debug alloc c1 default -p 18941:80
	assert_status 0
	jq -e '.netns and .result.ips[0].address' <<<"$output" >/dev/null ||
		fail "stdout is not the alloc JSON: $output"
	assert_step launcher config 'network `default` from `[^`]*/default.conflist`'
	assert_step launcher runtime 'runc (create|start): ok.*'
	assert_step launcher infra 'started: pid [0-9]+, runtime runc \(/[^)]*\), slirp4netns pid [0-9]+'
	assert_step launcher exec 'helper alloc via the helper service \(infra pid [0-9]+\): exited with status 0'
	assert_step infra netns 'created `/run/rootless-cni-infra/netns/c1` .*'
	local p
	for p in "${CHAIN[@]}"; do
		assert_step infra plugin "$p ADD exited with status 0.*"
	done
	grep -qF 'plugin portmap ADD skipped: it declares only the portMappings capability' \
		<<<"$stderr" || fail "portmap not said skipped: $stderr"
	assert_step launcher ports 'published 0\.0\.0\.0:18941->80/tcp for `c1` on `default`'
	assert_step infra state 'wrote `/run/rootless-cni-infra/containers/c1.json`'
	assert_step launcher state 'wrote `[^`]*/infra.json` \(ready\)'
	# In order: the helper's lines come before the launcher's line for that call.
	local order
	order=$(grep -nE 'plugin: rootless-cni-dns ADD|exec: helper alloc' <<<"$stderr" | cut -d: -f1 | tr '\n' ' ')
	[[ "$order" =~ ^([0-9]+)\ ([0-9]+)\ $ ]] && [ "${BASH_REMATCH[1]}" -lt "${BASH_REMATCH[2]}" ] ||
		fail "the helper's lines do not come before the exec line: $order"
	# A second alloc finds the infra.
	run --separate-stderr launcher --debug alloc c2 default
	assert_status 0
	assert_step launcher infra 'found running: pid [0-9]+, runtime runc \(/[^)]*\)'
	launcher dealloc c2 default
	launcher dealloc c1 default
	assert_gone
}

@test "debug: dealloc shows each plugin's DEL, the ports and the stop" {
	launcher alloc c1 default -p 18942:80 >/dev/null
	run --separate-stderr launcher --debug dealloc c1 default
	assert_status 0
	assert_stdout_empty
	local p
	for p in "${CHAIN[@]}"; do
		assert_step infra plugin "$p DEL exited with status 0.*"
	done
	# DEL runs the chain backwards.
	[ "$(grep -oE 'plugin:? [a-z-]+ DEL' <<<"$stderr" | awk '{ print $2 }' | tr '\n' ' ')" = \
		"rootless-cni-dns portmap bridge " ] || fail "DEL order: $stderr"
	assert_step infra netns 'removed `/run/rootless-cni-infra/netns/c1`'
	assert_step infra state 'removed `/run/rootless-cni-infra/containers/c1.json`'
	assert_step launcher ports 'unpublished what `c1` on `default` had'
	assert_step launcher infra 'idle, stopped: pid [0-9]+'
	assert_gone
}

@test "debug: a failed alloc shows the steps up to the failure and one error line" {
	mkdir -p "$XDG_CONFIG_HOME/cni/net.d"
	# tuning refuses a sysctl outside net.*: the chain fails at its 2nd plugin and rolls back.
	jq -n '{cniVersion: "1.0.0", name: "bad", plugins: [
		{type: "bridge", bridge: "cni-bad0", ipam: {type: "host-local",
		 ranges: [[{subnet: "10.66.0.0/24"}]]}},
		{type: "tuning", sysctl: {"kernel.domainname": "x"}}]}' \
		>"$XDG_CONFIG_HOME/cni/net.d/bad.conflist"
	launcher start
	run --separate-stderr launcher --debug alloc c1 bad
	assert_status 1
	assert_stdout_empty
	assert_step infra plugin 'bridge ADD exited with status 0.*'
	assert_step infra plugin 'tuning ADD exited with status 1.*'
	assert_step infra plugin 'bridge DEL exited with status 0.*'
	assert_step infra netns 'removed `/run/rootless-cni-infra/netns/c1`'
	assert_step launcher exec 'helper alloc via .*: exited with status 1'
	# The error is one line of its own, the last one, not mixed with the helper's debug lines.
	grep -v ': debug: ' <<<"$stderr" >"$WORK/errors"
	[ "$(wc -l <"$WORK/errors")" -eq 1 ] || fail "error lines: $(cat "$WORK/errors")"
	grep -q '^rootless-cni-launcher: error: alloc `c1` on network `bad`: plugin `tuning` (ADD) failed' \
		"$WORK/errors" || fail "error: $(cat "$WORK/errors")"
	[ "$(tail -n 1 <<<"$stderr")" = "$(cat "$WORK/errors")" ] || fail "not last: $stderr"
	launcher stop
	assert_gone
}

@test "debug: without --debug, a success prints nothing on stderr" {
	run --separate-stderr launcher alloc c1 default
	assert_status 0
	[ -z "$stderr" ] || fail "stderr: $stderr"
	run --separate-stderr launcher dealloc c1 default
	assert_status 0
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_gone
}

@test "debug: exec passes the helper's lines through and times the call" {
	launcher alloc c1 default >/dev/null
	run --separate-stderr launcher --debug exec -- list
	assert_status 0
	jq -e '.[0].id == "c1"' <<<"$output" >/dev/null || fail "stdout: $output"
	assert_step launcher exec 'helper list via the helper service .*: exited with status 0'
	RCI_EXEC=direct run --separate-stderr launcher --debug exec -- list
	assert_status 0
	assert_step launcher exec 'helper list via namespace join \(user, mnt, net\) \(infra pid [0-9]+\): exited with status 0'
	RCI_EXEC=runtime run --separate-stderr launcher --debug exec -- is-idle
	assert_status 0
	assert_step launcher exec 'helper is-idle via runc exec \(infra pid [0-9]+\): exited with status 0'
	launcher dealloc c1 default
	assert_gone
}
