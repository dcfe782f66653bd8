#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Security checks (issue 6): symlinks planted in the helper's state are refused and nothing
# outside it is written; in a real infra (launcher, runc), plugins get only fds 0-2 and the
# documented capabilities, slirp4netns only its stdio, exit pipe and its own sockets, and the
# imageless rootfs exposes nothing of the user's home.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run
# shellcheck disable=SC2016 # sh -c scripts take their arguments as $1...

load helpers

L="$BUILD/rootless-cni-launcher"

setup_file() {
	check_helper_prereqs
	check_cmds runc newuidmap newgidmap capsh
	check_files "$L" "$BUILD/rootless-cni-infra-init"
}

setup() {
	require_prereqs
}

teardown() {
	if [ -n "${STATE:-}" ]; then
		"$L" --root "$STATE" stop >/dev/null 2>&1 || true
		rm -rf "$STATE"
	fi
	[ -z "${SECRET:-}" ] || rm -f "$SECRET"
	if [ -n "${STANDIN_PID:-}" ]; then
		standin_stop
	fi
}

# ---------------------------------------------------------------------------------------------
# Planted symlinks (helper, stand-in)

# The outside target: a directory of the host's /tmp, which the stand-in sees too.
outside_setup() {
	OUT="$BATS_TEST_TMPDIR/outside"
	mkdir -p "$OUT"
	echo original >"$OUT/existing"
}

outside_untouched() {
	local x
	x=$(ls -A "$OUT")
	[ "$x" = existing ] || fail "written outside the state dir: $x"
	[ "$(cat "$OUT/existing")" = original ] || fail "the outside file was modified"
}

@test "security: planted state, lock, netns and cache symlinks are refused, nothing outside written" {
	standin_start
	outside_setup
	fake_net fnet '{}'
	# The state dir exists once anything ran.
	rci list >/dev/null
	local d=$STATE_DIR
	local -a plants=(
		"containers/ctr.json|$OUT/new"
		"containers/ctr.json|$OUT/existing"
		"locks/ctr|$OUT/new"
		"locks/ctr|$OUT/existing"
	)
	local p link target
	for p in "${plants[@]}"; do
		link=${p%%|*} target=${p##*|}
		standin_exec ln -s "$target" "$d/$link"
		run --separate-stderr rci alloc ctr fnet pod "" ""
		[ "$status" -ne 0 ] || fail "alloc followed $link -> $target: $output"
		assert_one_stderr_line
		[[ "$stderr" == *symlink* || "$stderr" == *"symbolic link"* ]] ||
			fail "the refusal does not say why: $stderr"
		run --separate-stderr rci dealloc ctr fnet
		[ "$status" -ne 0 ] || fail "dealloc followed $link -> $target: $output"
		outside_untouched
		# (The refused record leaves its ID's lock file: only the link is ours to remove.)
		standin_exec rm -f "$d/$link" "$d/locks/ctr"
	done
	[ ! -e "$RECORD/calls.jsonl" ] || fail "a plugin ran: $(cat "$RECORD/calls.jsonl")"

	# A netns path planted as a symlink to a file outside: replaced by a pinned netns of ours.
	standin_exec ln -s "$OUT/existing" "$d/netns/ctr"
	alloc ctr fnet
	standin_exec test ! -L "$d/netns/ctr" || fail "the netns is still the planted symlink"
	[ "$(standin_exec stat -f -c %T "$d/netns/ctr")" = nsfs ]
	dealloc ctr fnet
	outside_untouched

	# ... or to another pinned netns: never configured in place of the container's own.
	standin_exec sh -euc 'touch /run/other-ns; unshare -n mount --bind /proc/self/ns/net /run/other-ns'
	standin_exec ln -s /run/other-ns "$d/netns/ctr"
	bridge_net net1 cni-net1 10.89.0.0/24
	alloc ctr net1
	run standin_exec nsenter --net=/run/other-ns ip -o link show dev eth0
	[ "$status" -ne 0 ] || fail "eth0 was created in the planted netns: $output"
	dealloc ctr net1

	# A result cache entry planted as a symlink: replaced, never written through.
	standin_exec sh -c 'mkdir -p /var/lib/cni/results && ln -s "$1" /var/lib/cni/results/fnet-ctr-eth0' \
		sh "$OUT/existing"
	alloc ctr fnet
	dealloc ctr fnet
	outside_untouched
	standin_exec umount /run/other-ns
	assert_nothing_left
}

# ---------------------------------------------------------------------------------------------
# A real infra

launcher() { "$L" --root "$STATE" --cni-config-dir "$CONF" "$@"; }

@test "security: plugins, slirp4netns and the imageless rootfs in a real infra" {
	STATE=$(mktemp -d /tmp/rci-sec.XXXXXX)
	CONF="$BATS_TEST_TMPDIR/net.d"
	mkdir -p "$CONF"
	# Fake plugins recording into the infra's own /tmp (a tmpfs), read from the host.
	jq -n '{cniVersion: "1.0.0", name: "fnet", plugins: [
		{type: "fake-plugin", fake: {record: "/tmp", tag: "p0"}},
		{type: "fake-plugin", fake: {record: "/tmp", tag: "p1"}}]}' >"$CONF/fnet.conflist"
	SECRET="$HOME/.rci-secret-$$"
	echo secret >"$SECRET"

	"$L" --root "$STATE" --cni-config-dir "$CONF" --cni-plugin-dir "$PLUGIN_DIR:/usr/lib/cni" \
		alloc ctr fnet >/dev/null
	local pid slirp
	pid=$(launcher status | jq -r .pid)
	slirp=$(launcher status | jq -r .slirp4netns.pid)
	local rec="/proc/$pid/root/tmp/calls.jsonl"
	[ -r "$rec" ] || fail "no plugin record at $rec"

	# Plugins: fds 0, 1, 2 only; exactly the capabilities `help` documents.
	jq -es 'length == 2 and all(.fds == [0,1,2])' "$rec" >/dev/null || fail "fds: $(jq -c .fds "$rec")"
	local documented eff
	documented=$(launcher exec -- help | sed -nE 's/^Plugins run with only these capabilities: *//p' |
		tr -d ' ' | tr ',' '\n' | tr '[:upper:]' '[:lower:]' | sort | paste -sd,)
	[ -n "$documented" ] || fail "help documents no plugin capabilities"
	for eff in $(jq -r '.capEff, .capPrm' "$rec" | sort -u); do
		[ "$(capsh --decode="0x$eff" | sed 's/^0x[0-9a-f]*=//' | tr ',' '\n' | sort | paste -sd,)" = \
			"$documented" ] || fail "plugin capabilities 0x$eff, documented: $documented"
	done
	[ "$(jq -r .capBnd "$rec" | sort -u | wc -l)" -eq 1 ]
	[ "$(capsh --decode="0x$(jq -r .capBnd "$rec" | head -n 1)" | sed 's/^0x[0-9a-f]*=//' |
		tr ',' '\n' | sort | paste -sd,)" = "$documented" ] || fail "bounding set wider than documented"

	# slirp4netns: 0 /dev/null, 1-2 its log, 3 the exit pipe; beyond that only its own sockets
	# and the tap device: no file, directory or namespace of the launcher leaked to it.
	local fd target
	[ "$(readlink "/proc/$slirp/fd/0")" = /dev/null ] || fail "slirp fd 0: $(readlink "/proc/$slirp/fd/0")"
	[[ "$(readlink "/proc/$slirp/fd/1")" == */slirp4netns.log ]] || fail "slirp fd 1"
	[[ "$(readlink "/proc/$slirp/fd/3")" == pipe:* ]] || fail "slirp fd 3 is not the exit pipe"
	for fd in /proc/"$slirp"/fd/*; do
		target=$(readlink "$fd")
		case "${fd##*/}:$target" in
		0:/dev/null | [12]:*/slirp4netns.log | 3:pipe:*) ;;
		*:socket:* | *:/dev/net/tun | *:anon_inode:*) ;;
		*) fail "slirp4netns holds fd ${fd##*/} -> $target" ;;
		esac
	done

	# The imageless rootfs: no /home, an empty /root, and the secret reachable through no mount
	# (a bind of /, of /home or of the home itself would expose it).
	[ ! -e "/proc/$pid/root/home" ] || [ -z "$(ls -A "/proc/$pid/root/home")" ] ||
		fail "/home in the infra: $(ls -A "/proc/$pid/root/home")"
	[ -z "$(ls -A "/proc/$pid/root/root")" ] || fail "/root in the infra: $(ls -A "/proc/$pid/root/root")"
	local mp name=${SECRET##*/} home_rel=${HOME#/}
	while read -r mp; do
		mp=/proc/$pid/root$mp
		for p in "$mp/$name" "$mp/${HOME##*/}/$name" "$mp/$home_rel/$name"; do
			[ ! -e "$p" ] || fail "the user's home is exposed in the infra at $p"
		done
	done < <(awk '{ print $5 }' "/proc/$pid/mountinfo" | sort -u)

	launcher dealloc ctr fnet >/dev/null
	[ "$(launcher status | jq -r .running)" = false ]
}
