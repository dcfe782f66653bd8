#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The contract outputs (DESIGN.md Contracts 1 and 2) of one fixed scenario, normalised, on
# stdout: every command's stdout, stderr and exit status, byte for byte, except what differs
# from run to run (pids, MACs, temp dirs, the user's IDs, the commit). tests/contract/expected.txt
# is a recorded run; 02-contract.bats compares. A restructuring must leave it unchanged; a change
# of contract output updates expected.txt in the same commit, so the diff shows it.
#
# Runs as an unprivileged user with the launcher's prerequisites (as the integration suites do).
# Usage: tests/contract/scenario.sh [BUILD_DIR]
set -uo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-${BUILD:-$src/build}}
L="$build/rootless-cni-launcher"
STATE=$(mktemp -d /tmp/rci-c.XXXXXX)
WORK=$(mktemp -d /tmp/rci-cw.XXXXXX)
trap '"$L" --root "$STATE" stop >/dev/null 2>&1; rm -rf "$STATE" "$WORK"' EXIT
export RCI_DEFAULT_NET_DIR="$src/image/net.d"
export XDG_CONFIG_HOME="$WORK/config"
unset RCI_EXEC RCI_PLUGIN_TIMEOUT

normalise() {
	sed -E \
		-e "s#$STATE#<STATE>#g" -e "s#$WORK#<WORK>#g" -e "s#$src#<SRC>#g" -e "s#$build#<BUILD>#g" \
		-e 's#/proc/[0-9]+/#/proc/<PID>/#g' \
		-e 's#"(pid|hostID)": ?[0-9]+#"\1": <N>#g' \
		-e 's#([0-9a-f]{2}:){5}[0-9a-f]{2}#<MAC>#g' \
		-e 's#"commit": ?"[^"]*"#"commit": "<COMMIT>"#g' \
		-e 's#pid [0-9]+#pid <N>#g' \
		-e 's#veth[0-9a-f]{8}#veth<X>#g'
}

# step CMD...: one command's stdout, stderr and status, normalised.
step() {
	local out err rc
	out=$(mktemp) err=$(mktemp)
	"$@" >"$out" 2>"$err"
	rc=$?
	local shown
	shown=$(printf ' %q' "$@")
	printf '$%s\n' "$shown" | sed -e "s#$L#launcher#" -e "s#--root $STATE ##" | normalise
	normalise <"$out"
	[ -s "$out" ] && [ -n "$(tail -c 1 "$out")" ] && echo
	if [ -s "$err" ]; then
		sed 's/^/[stderr] /' "$err" | normalise
	fi
	echo "[exit $rc]"
	rm -f "$out" "$err"
}

l() { "$L" --root "$STATE" "$@"; }

# Contract 2 with no infra running.
step l version
step l status
step l networks
step l dealloc nobody default
step l --bogus status
step l nosuchcommand
step l alloc
step l alloc ../x default
step l alloc c1 nosuchnet
step l alloc c1 default pod1 10.88.0.300
step l alloc c1 default pod1 "" 02:42:zz:00:00:01
step l alloc c1 default -p 70000:80
step l exec -- is-idle

# An infra, two containers.
step l alloc c1 default
step l alloc c2 default pod2 10.88.0.50 02:42:ac:11:00:02 -p 18931:80 -p 18931:53/udp
step l alloc c1 default
step l alloc c3 default -p 18931:81

# Contract 1 through the debugging door.
step l exec -- print-cni-result c1 default
step l exec -- print-cni-result c2 default
step l exec -- print-netns-path c1
step l exec -- is-idle
step l exec -- list
step l exec -- networks
step l exec -- version
step l exec -- help
step l exec -- print-cni-result c9 default
step l exec -- print-netns-path ../etc
step l exec -- alloc c4 default
step l exec -- alloc c4 default pod4 "" "" extra
step l exec -- alloc c4 default "pod 4" "" ""
step l exec -- alloc c4 default pod4 10.88.0.1/24 ""
step l exec -- alloc c4 default pod4 "" 02:42
step l exec -- dealloc c9 default
step l exec -- dealloc c1 nosuchnet
step l exec -- nosuch
step l exec -- check c1 default

# Teardown: dealloc is idempotent, the last one stops the infra.
step l dealloc c2 default
step l dealloc c2 default
step l exec -- is-idle
step l dealloc c1 default
step l status
