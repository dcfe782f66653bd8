#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Concurrency storm through the launcher (issue 6): WORKERS processes each run OPS random
# operations (alloc, dealloc, print-cni-result) over IDS container IDs and the networks storm1
# and storm2, all at once, against one infra. Then it checks the invariants
# (tests/stress/invariants.sh) on the running infra, that no zombie and no stray process is
# left in it, releases everything with `rootless-cni-launcher gc` and checks that the infra is
# gone. Run as the unprivileged user (tests/integration/51-storm.bats does; `make stress` runs
# that suite with the full counts).
#
# Usage: storm.sh LAUNCHER STATE_DIR WORK_DIR
#   LAUNCHER   the rootless-cni-launcher binary
#   STATE_DIR  --root for the launcher (short: the slirp4netns socket path must fit sun_path)
#   WORK_DIR   scratch directory (configs, logs)
# Env: RCI_STRESS_STORM_WORKERS (8), RCI_STRESS_STORM_OPS (200), RCI_STRESS_STORM_IDS (20)
# Output: a summary line; every unexpected result and violation on its own line. Exit 1 on any.
set -uo pipefail

launcher_bin=$1
state=$2
work=$3
workers=${RCI_STRESS_STORM_WORKERS:-8}
ops=${RCI_STRESS_STORM_OPS:-200}
ids=${RCI_STRESS_STORM_IDS:-20}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
conf=$work/net.d
bad=0

L() { "$launcher_bin" --root "$state" --cni-config-dir "$conf" "$@"; }

mkdir -p "$conf" "$work/logs"
for n in 1 2; do
	jq -n --arg name "storm$n" --arg br "cni-storm$n" --arg subnet "10.89.$((20 + n)).0/24" '{
		cniVersion: "1.0.0", name: $name,
		plugins: [{type: "bridge", bridge: $br, isGateway: true,
			ipam: {type: "host-local", ranges: [[{subnet: $subnet}]]}},
			{type: "tuning"}]}' >"$conf/storm$n.conflist"
done

# One worker: OPS random operations; an unexpected exit status is logged as "BAD ...".
worker() {
	local w=$1 i op id net rc out
	RANDOM=$((w * 7919 + $$))
	for ((i = 0; i < ops; i++)); do
		id=s$((RANDOM % ids))
		net=storm$((RANDOM % 2 + 1))
		op=$((RANDOM % 5))
		case $op in
		0 | 1)
			out=$(L alloc "$id" "$net" 2>&1 >/dev/null)
			rc=$?
			# 4: another worker attached it first.
			[ "$rc" -eq 0 ] || [ "$rc" -eq 4 ] || echo "BAD alloc $id $net: $rc $out"
			;;
		2 | 3)
			out=$(L dealloc "$id" "$net" 2>&1 >/dev/null)
			rc=$?
			[ "$rc" -eq 0 ] || echo "BAD dealloc $id $net: $rc $out"
			;;
		4)
			out=$(L exec -- print-cni-result "$id" "$net" 2>&1)
			rc=$?
			# 3: not attached, or no infra running at that moment.
			if [ "$rc" -eq 0 ]; then
				jq -e '.ips | length == 1' >/dev/null <<<"$out" ||
					echo "BAD print $id $net: result without one IP: $out"
			elif [ "$rc" -ne 3 ]; then
				echo "BAD print $id $net: $rc $out"
			fi
			;;
		esac
	done
}

start=$(date +%s)
pids=()
for ((w = 0; w < workers; w++)); do
	worker "$w" >"$work/logs/worker-$w.log" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p"
done
elapsed=$(($(date +%s) - start))
if grep -h '^BAD' "$work"/logs/worker-*.log; then
	bad=1
fi

# The invariants on the running infra (if the last operations left anything attached).
status=$(L status) || {
	echo "BAD status failed"
	exit 1
}
attached=0
if [ "$(jq -r .running <<<"$status")" = true ]; then
	pid=$(jq -r .pid <<<"$status")
	L exec -- list >"$work/list.json" || {
		echo "BAD list failed"
		bad=1
	}
	attached=$(jq length "$work/list.json")
	"$here/invariants.sh" "/proc/$pid/root" "$work/list.json" || bad=1
	# Processes of the infra (its mount namespace): its init and the init's helper service
	# only (every helper call, in a worker the service forked, and every plugin has ended).
	extra=
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		if [ "$p" != "$pid" ] && [[ /proc/$p/ns/mnt -ef /proc/$pid/ns/mnt ]]; then
			args=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
			ppid=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)
			[[ "$args" == */rootless-cni-infra\ serve\ * && "$ppid" == "$pid" ]] && continue
			extra+="$p $args; "
		fi
	done
	[ -z "$extra" ] || {
		echo "BAD processes left in the infra: $extra"
		bad=1
	}
	zombies=$(ps -u "$(id -u)" -o pid=,ppid=,stat=,args= | awk -v i="$pid" \
		'$3 ~ /^Z/ && $2 == i { print }')
	[ -z "$zombies" ] || {
		echo "BAD zombies: $zombies"
		bad=1
	}
fi

# gc with no live ID releases everything, and the idle infra goes away.
out=$(L gc 2>&1) || {
	echo "BAD gc failed: $out"
	bad=1
}
released=$(jq '.released | length' <<<"$out" 2>/dev/null || echo "?")
[ "$released" = "$attached" ] || {
	echo "BAD gc released $released attachments, list showed $attached"
	bad=1
}
[ "$(L status | jq -r .running)" = false ] || {
	echo "BAD the infra still runs after gc released everything"
	bad=1
}
left=$(find "$state" -mindepth 1 -maxdepth 1 ! -name lock -printf '%f ')
[ -z "$left" ] || {
	echo "BAD state dir holds: $left"
	bad=1
}
# slirp4netns names its socket in the state dir (a zombie has no command line to match).
left=$(pgrep -u "$(id -u)" -f -- "--api-socket=$state/" || true)
[ -z "$left" ] || {
	echo "BAD slirp4netns left: $left"
	bad=1
}

echo "storm: $workers workers x $ops operations over $ids IDs and 2 networks in ${elapsed}s;" \
	"$attached attached at the end; $([ "$bad" -eq 0 ] && echo ok || echo FAILED)"
exit "$bad"
