#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bad input, table-driven (issue 6): both CLIs, configurations, misbehaving plugins, broken state
# and config directories. Every case asserts the exit status, that stdout is empty, that stderr is
# exactly one line (no usage dump, no stack of messages) and that nothing was left behind: no
# netns, no state record, no lock, no IP reservation, no cache entry, no process, no infra.
#
# Helper cases run in the infra stand-in (helpers.bash); launcher cases run the launcher with a
# private XDG_RUNTIME_DIR and must never start an infra.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run
# shellcheck disable=SC2016 # sh -c scripts take their arguments as $1...

load helpers

L="$BUILD/rootless-cni-launcher"

setup_file() {
	check_helper_prereqs
	check_files "$L"
}

setup() {
	require_prereqs
	CASES=0
}

teardown() {
	[ -z "${LXDG:-}" ] || rm -rf "$LXDG"
	if [ -n "${STANDIN_PID:-}" ]; then
		standin_stop
	fi
	echo "# $CASES cases" >&3
}

# ---------------------------------------------------------------------------------------------
# Helper cases

# Runs "$@" (the helper) inside the stand-in, then lists what the helper left there, one line per
# kind (nothing when nothing is left): state files, host-local reservations and
# rootless-cni-ipam leases (the shipped networks' IPAM), cache entries,
# veths, netns mounts and live processes of the stand-in's user namespace (found with test -ef:
# no fork per process; the script itself is excluded and forks nothing during the scan). One
# nsenter for both: forks are what make a table of cases slow.
# Arguments: STATE_DIR STANDIN_PID OUT ERR LEFT CMD...; exits with CMD's status.
RUN_AND_CHECK='
	state=$1 standin=$2 out=$3 err=$4 left=$5
	shift 5
	"$@" >"$out" 2>"$err"
	rc=$?
	{
		for p in /proc/[0-9]*; do
			pid=${p#/proc/}
			if [ "$pid" != "$$" ] && [ "$pid" != "$standin" ] &&
				[ "$p/ns/user" -ef /proc/self/ns/user ]; then
				echo "process: $pid $(tr "\0" " " <"$p/cmdline" 2>/dev/null)"
			fi
		done
		for d in containers netns locks; do
			x=$(ls -A "$state/$d" 2>/dev/null)
			[ -z "$x" ] || echo "$d: $x"
		done
		# shims: the dnsmasq shim dir (helper/dnsmasq_shim.c), made once like the others.
		x=$(ls -A "$state" 2>/dev/null | grep -v -x -e containers -e netns -e locks \
			-e shims -e lock -e infra.pid)
		[ -z "$x" ] || echo "state dir: $x"
		for f in /var/lib/cni/networks/*/*; do
			[ -e "$f" ] || continue
			case "${f##*/}" in
			*[!0-9a-f.:]*) ;;
			*) echo "host-local: $f" ;;
			esac
		done
		for f in /var/lib/cni/rootless-cni-ipam/*/leases; do
			[ -f "$f" ] || continue
			x=$(grep -v -e "^rootless-cni-ipam " -e "^last " "$f")
			[ -z "$x" ] || echo "rootless-cni-ipam: $f: $x"
		done
		x=$(ls -A /var/lib/cni/results 2>/dev/null)
		[ -z "$x" ] || echo "cache: $x"
		x=$(ip -o link show type veth)
		[ -z "$x" ] || echo "veth: $x"
		awk -v d="$state/netns/" "index(\$5, d) == 1 { print \"mount: \" \$5 }" \
			/proc/self/mountinfo
	} >"$left"
	exit "$rc"'

standin_leftovers() {
	standin_exec sh -c "$RUN_AND_CHECK" sh "${LEFT_STATE_DIR:-$STATE_DIR}" "$STANDIN_PID" \
		/dev/null /dev/null /dev/stdout true
}

# `rci_cap ARGS...` and the leftover check in one nsenter; check_case uses its LEFT.
rci_cap() {
	local t=$BATS_TEST_TMPDIR
	if nsenter -t "$STANDIN_PID" -U -m -n --preserve-credentials \
		env RCI_CNI_CONFIG_DIR="$CONFDIR" PATH="$STANDIN_PATH" sh -c "$RUN_AND_CHECK" sh \
		"${LEFT_STATE_DIR:-$STATE_DIR}" "$STANDIN_PID" "$t/cap.out" "$t/cap.err" "$t/cap.left" \
		"$HELPER" "$@"; then
		status=0
	else
		status=$?
	fi
	output='' stderr='' LEFT=''
	IFS= read -r -d '' output <"$t/cap.out" || true
	IFS= read -r -d '' stderr <"$t/cap.err" || true
	IFS= read -r -d '' LEFT <"$t/cap.left" || true
	output=${output%$'\n'} stderr=${stderr%$'\n'} LEFT_SET=1
}

# `run --separate-stderr` without bats' cost (~100 ms a call, which a table of cases multiplies):
# sets status, output and stderr (trailing newline stripped, as bats does).
cap() {
	if "$@" >"$BATS_TEST_TMPDIR/cap.out" 2>"$BATS_TEST_TMPDIR/cap.err"; then
		status=0
	else
		status=$?
	fi
	output='' stderr=''
	IFS= read -r -d '' output <"$BATS_TEST_TMPDIR/cap.out" || true
	IFS= read -r -d '' stderr <"$BATS_TEST_TMPDIR/cap.err" || true
	output=${output%$'\n'} stderr=${stderr%$'\n'}
}

# check_case EXPECTED_STATUS DESCRIPTION: the last `run --separate-stderr` exited with
# EXPECTED_STATUS, printed nothing on stdout and one line on stderr, and left nothing behind.
check_case() {
	CASES=$((CASES + 1))
	local want=$1 what=$2 n left nl
	# Lines without a fork: bats strips the trailing newline.
	nl=${stderr//[!$'\n']/}
	n=$((${#nl} + 1))
	[ -n "${stderr:-}" ] || n=0
	if [ "$status" -ne "$want" ] || [ -n "$output" ] || [ -z "${stderr:-}" ] || [ "$n" -ne 1 ]; then
		fail "$what: exit $status (want $want), stdout \`$output', $n stderr lines: ${stderr:-}"
		return 1
	fi
	if [ -n "${STANDIN_PID:-}" ]; then
		if [ -n "${LEFT_SET:-}" ]; then
			left=$LEFT
		else
			left=$(standin_leftovers)
		fi
		LEFT_SET=''
		[ -z "$left" ] || {
			fail "$what: left behind: $left"
			return 1
		}
	fi
}

# helper_cases STATUS CASE...: each CASE is the helper's argument list joined by `|` (empty
# fields allowed); runs it and checks it like check_case.
helper_cases() {
	local want=$1 c args
	shift
	for c in "$@"; do
		# The appended `|` keeps trailing empty fields; "" is no argument at all.
		IFS='|' read -r -d '' -a args < <(printf '%s|' "$c") || true
		[ -n "$c" ] || args=()
		rci_cap "${args[@]}"
		check_case "$want" "rci ${args[*]@Q}" || return 1
	done
}

@test "helper: IDs and network names that could escape, control characters, empty, 4 KiB" {
	standin_start
	fake_net fnet '{}'
	local k4 ctl nl
	k4=$(printf 'a%.0s' $(seq 4096))
	ctl=$'a\x01b' nl=$'a\nb'
	helper_cases 2 \
		"alloc|a/b|fnet|pod||" "alloc|..|fnet|pod||" "alloc|../x|fnet|pod||" \
		"alloc||fnet|pod||" "alloc|$k4|fnet|pod||" "alloc|$ctl|fnet|pod||" \
		"alloc|$nl|fnet|pod||" "alloc|a b|fnet|pod||" "alloc|-x|fnet|pod||" \
		"alloc|.hidden|fnet|pod||" "alloc|ok|a/b|pod||" "alloc|ok|..|pod||" \
		"alloc|ok||pod||" "alloc|ok|$k4|pod||" "alloc|ok|$ctl|pod||" "alloc|ok|$nl|pod||" \
		"alloc|ok|fnet|po;d||" "alloc|ok|fnet|p=d||" "alloc|ok|fnet|p d||" \
		"alloc|ok|fnet|$ctl||" "alloc|ok|fnet|$k4||" \
		"dealloc|../x|fnet" "dealloc|ok|a/b" "dealloc|$k4|fnet" "dealloc||fnet" \
		"print-cni-result|..|fnet" "print-cni-result|ok|$ctl" "print-netns-path|a/b" \
		"print-netns-path|$k4" "check|../x|fnet" "gc|ok|../x" "gc|$nl"
	[ ! -e "$RECORD/calls.jsonl" ] || fail "a plugin ran: $(cat "$RECORD/calls.jsonl")"
}

@test "helper: malformed IPv4, IPv6 and MAC addresses" {
	standin_start
	fake_net fnet '{}'
	helper_cases 2 \
		"alloc|ok|fnet|pod|10.1.2|" "alloc|ok|fnet|pod|10.1.2.300|" \
		"alloc|ok|fnet|pod|10.1.2.3/24|" "alloc|ok|fnet|pod|10.1.2.3.4|" \
		"alloc|ok|fnet|pod| 10.1.2.3|" "alloc|ok|fnet|pod|fd00::g|" \
		"alloc|ok|fnet|pod|1:2:3:4:5:6:7:8:9|" "alloc|ok|fnet|pod|fd00::1/64|" \
		"alloc|ok|fnet|pod|fe80::1%eth0|" "alloc|ok|fnet|pod|:::|" \
		"alloc|ok|fnet|pod||zz:zz:zz:zz:zz:zz" "alloc|ok|fnet|pod||02:42:ac:11:00" \
		"alloc|ok|fnet|pod||02:42:ac:11:00:02:03" "alloc|ok|fnet|pod||02-42-ac-11-00-02" \
		"alloc|ok|fnet|pod||0242ac110002" "alloc|ok|fnet|pod||02:42:ac:11:00:2"
	[ ! -e "$RECORD/calls.jsonl" ] || fail "a plugin ran: $(cat "$RECORD/calls.jsonl")"
}

@test "helper: unknown subcommands, options and wrong argument counts" {
	standin_start
	fake_net fnet '{}'
	helper_cases 2 \
		"frobnicate" "ALLOC|ok|fnet|pod||" "" "--bogus|list" "--state-dir" \
		"alloc" "alloc|ok|fnet|pod|" "alloc|ok|fnet|pod|||extra" "alloc|ok" \
		"dealloc|ok" "dealloc|ok|fnet|extra" "print-cni-result|ok" \
		"print-cni-result|ok|fnet|x" "print-netns-path" "print-netns-path|a|b" \
		"is-idle|x" "list|x" "check|ok" "check|ok|fnet|x"
	# The environment is input too.
	RCI_PLUGIN_TIMEOUT=soon rci_cap alloc ok fnet pod "" ""
	check_case 2 "RCI_PLUGIN_TIMEOUT=soon"
	RCI_PLUGIN_TIMEOUT=-1 rci_cap alloc ok fnet pod "" ""
	check_case 2 "RCI_PLUGIN_TIMEOUT=-1"
	RCI_INFRA_PID=12x rci_cap alloc ok fnet pod "" ""
	check_case 2 "RCI_INFRA_PID=12x"
	RCI_INFRA_PID=" 12" rci_cap print-netns-path ok
	check_case 2 "RCI_INFRA_PID=\` 12'"
	RCI_PORT_MAPPINGS='[{' rci_cap alloc ok fnet pod "" ""
	check_case 2 "RCI_PORT_MAPPINGS=[{"
	RCI_PORT_MAPPINGS='{"hostPort":80}' rci_cap alloc ok fnet pod "" ""
	check_case 2 "RCI_PORT_MAPPINGS is an object"
	[ ! -e "$RECORD/calls.jsonl" ] || fail "a plugin ran: $(cat "$RECORD/calls.jsonl")"
}

@test "helper and launcher: RCI_PLUGIN_TIMEOUT must be plain seconds, 0.001 to 86400" {
	standin_start
	fake_net fnet '{}'
	launcher_setup
	local v
	# strtod took nan and " 5" (and the launcher forwarded anything): every one must be refused
	# before anything starts, the launcher's too.
	for v in nan inf -1 1e9 " 5" 5s 0 0x10 -nan "5 " 1e999; do
		RCI_PLUGIN_TIMEOUT=$v rci_cap alloc ok fnet pod "" ""
		check_case 2 "helper, RCI_PLUGIN_TIMEOUT=\`$v'"
		[[ "$stderr" == *RCI_PLUGIN_TIMEOUT* ]] || fail "helper, \`$v': $stderr"
		RCI_PLUGIN_TIMEOUT=$v cap launcher status
		check_case 2 "launcher status, RCI_PLUGIN_TIMEOUT=\`$v'"
		[[ "$stderr" == *RCI_PLUGIN_TIMEOUT* ]] || fail "launcher, \`$v': $stderr"
	done
	RCI_PLUGIN_TIMEOUT=nan launcher_cases 2 "alloc|a|default" "exec|--|is-idle" "start"
	[ ! -e "$RECORD/calls.jsonl" ] || fail "a plugin ran: $(cat "$RECORD/calls.jsonl")"
	# The bounds and a fraction are fine.
	RCI_PLUGIN_TIMEOUT=0.5 rci_cap alloc ok fnet pod "" ""
	[ "$status" -eq 0 ] || fail "RCI_PLUGIN_TIMEOUT=0.5: $status $stderr"
	RCI_PLUGIN_TIMEOUT=86400 rci_cap dealloc ok fnet
	[ "$status" -eq 0 ] || fail "RCI_PLUGIN_TIMEOUT=86400: $status $stderr"
}

# conf_case STATUS FILE TEXT [NET]: CONFDIR holds only FILE with TEXT; alloc on NET (default bad)
# must fail with STATUS and leave nothing.
conf_case() {
	rm -f "$CONFDIR"/*
	printf '%s' "$3" >"$CONFDIR/$2"
	rci_cap alloc ctr "${4:-bad}" pod "" ""
	check_case "$1" "config $2: $(head -c 80 <<<"$3")"
}

@test "helper: invalid configuration files" {
	standin_start
	local p='{"type":"fake-plugin"}'
	conf_case 3 bad.conflist '{"cniVersion": "1.0.0", "name": "bad", "plugins": ['
	conf_case 3 bad.conflist 'not json at all'
	conf_case 3 bad.conflist '["cniVersion", "name"]'
	conf_case 3 bad.conflist '{"cniVersion": "1.0.0", "name": 5, "plugins": ['"$p"']}'
	conf_case 1 bad.conflist '{"cniVersion": "1.0.0", "name": "bad", "plugins": {}}'
	conf_case 1 bad.conflist '{"cniVersion": "1.0.0", "name": "bad", "plugins": []}'
	conf_case 1 bad.conflist '{"cniVersion": "1.0.0", "name": "bad", "plugins": [5]}'
	conf_case 1 bad.conflist '{"cniVersion": 1, "name": "bad", "plugins": ['"$p"']}'
	conf_case 1 bad.conflist '{"cniVersion": "1.0.0", "name": "bad", "plugins": [{"type": 7}]}'
	conf_case 1 bad.conflist '{"cniVersion": "1.0.0", "name": "bad", "plugins": [{}]}'
	conf_case 3 bad.conflist '{"cniVersion": "1.0.0", "plugins": ['"$p"']}'
	conf_case 1 bad.conf '{"cniVersion": "1.0.0", "name": "bad"}'
	conf_case 1 bad.conflist '{"cniVersion": "9.9.9", "name": "bad", "plugins": ['"$p"']}'
	conf_case 1 bad.conflist '{"cniVersion": "1.0.0", "cniVersions": "1.0.0", "name": "bad", "plugins": ['"$p"']}'
	conf_case 1 bad.conflist '{"cniVersion": "1.0.0", "name": "bad", "disableCheck": "maybe", "plugins": ['"$p"']}'
	conf_case 1 bad.conflist '{"cniVersion": "1.0.0", "name": "bad", "plugins": [{"type": "../../bin/sh"}]}'
	conf_case 1 bad.conflist '{"cniVersion": "1.0.0", "name": "bad", "plugins": [{"type": ""}]}'
	# 10 MiB: refused as too large, not read into memory whole.
	rm -f "$CONFDIR"/*
	{
		printf '{"cniVersion": "1.0.0", "name": "bad", "pad": "'
		head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' x
		printf '", "plugins": [{"type": "fake-plugin"}]}'
	} >"$CONFDIR/bad.conflist"
	rci_cap alloc ctr bad pod "" ""
	check_case 3 "10 MiB config"
	# Two files naming the same network: the first in lexical order wins (libcni), so the
	# broken second one is never used.
	rm -f "$CONFDIR"/*
	fake_net dup '{"failOn": "ADD"}'
	mv "$CONFDIR/dup.conflist" "$CONFDIR/20-dup.conflist"
	fake_net dup '{}'
	mv "$CONFDIR/dup.conflist" "$CONFDIR/10-dup.conflist"
	rci_cap alloc ctr dup pod "" ""
	assert_status 0
	rci dealloc ctr dup >/dev/null
	[ -z "$(standin_leftovers)" ] || fail "left: $(standin_leftovers)"
	# An invalid file next to a valid network does not break it, nor add lines to stderr.
	rm -f "$CONFDIR"/*
	fake_net good '{}'
	echo '{broken' >"$CONFDIR/00-broken.conflist"
	rci_cap alloc ctr good pod "" ""
	assert_status 0
	[ -z "$stderr" ] || fail "stderr on success: $stderr"
	rci dealloc ctr good >/dev/null
	rci_cap alloc ctr nosuch pod "" ""
	check_case 3 "unknown network next to an invalid file"
}

@test "helper: missing, non-executable and misbehaving plugins" {
	standin_start
	write_conflist fnet '{"cniVersion": "1.0.0", "name": "fnet", "plugins": [{"type": "no-such-plugin"}]}'
	rci_cap alloc ctr fnet pod "" ""
	check_case 1 "missing plugin binary"
	# Not executable: a copy without x bits in a directory of its own, first in CNI_PATH.
	local noexec="$BATS_TEST_TMPDIR/noexec"
	mkdir -p "$noexec"
	cp "$FAKE_PLUGIN" "$noexec/fake-noexec"
	chmod 0644 "$noexec/fake-noexec"
	write_conflist fnet '{"cniVersion": "1.0.0", "name": "fnet", "plugins": [{"type": "fake-noexec"}]}'
	CNI_PATH="$noexec:$CNI_PATH" rci_cap alloc ctr fnet pod "" ""
	check_case 1 "non-executable plugin"

	local -a cases=(
		'{"failOn":"ADD","error":{"cniVersion":"1.0.0","code":150,"msg":"scripted error","details":"more"}}|scripted error'
		'{"failOn":"ADD","garbage":"<html>garbage</html>"}|garbage'
		'{"failOn":"ADD","silent":true}|exit'
		'{"failOn":"ADD","silent":true,"exitCode":0}|'
		'{"floodBytes":104857600,"floodOn":"ADD"}|'
		'{"sleepMs":600000,"sleepOn":"ADD"}|tim'
		'{"failOn":"ADD","signal":11}|signal 11'
		'{"failOn":"ADD","signal":9}|signal 9'
		'{"result":{"cniVersion":"1.0.0","ips":[{"address":"not-an-ip"}]}}|'
		'{"result":{"cniVersion":"1.0.0","ips":"nope"}}|'
	)
	local c f want
	for c in "${cases[@]}"; do
		f=${c%|*} want=${c##*|}
		fake_net fnet '{}' "$f"
		RCI_PLUGIN_TIMEOUT=1 rci_cap alloc ctr fnet pod "" ""
		check_case 1 "plugin $f"
		assert_stderr_contains "$want"
		[ "${#stderr}" -lt 4096 ] || fail "plugin $f: stderr is ${#stderr} bytes"
		# The first plugin, which succeeded, was rolled back.
		[ "$(calls_count '.tag == "p0" and .command == "DEL"')" -ge 1 ] || fail "no rollback for $f"
		rm -f "$RECORD/calls.jsonl"
	done
}

@test "helper: a state directory that is a symlink, foreign, too open, read-only or full" {
	standin_start
	fake_net fnet '{}'
	standin_exec sh -euc '
		mkdir -m 0700 /run/real
		ln -s /run/real /run/link
		mkdir -m 0755 /run/open
		mkdir -m 0700 /run/ro /run/full
		mount -t tmpfs -o ro,size=64k tmpfs /run/ro
		mount -t tmpfs -o size=64k,mode=0700 tmpfs /run/full
		mkdir -m 0700 /run/full/state
		head -c 1M /dev/zero >/run/full/fill 2>/dev/null || true
	'
	local d
	for d in /run/link /run/open /tmp /run/ro/state; do
		RCI_STATE_DIR=$d rci_cap alloc ctr fnet pod "" ""
		check_case 1 "RCI_STATE_DIR=$d"
		RCI_STATE_DIR=$d rci_cap list
		check_case 1 "list with RCI_STATE_DIR=$d"
	done
	# The full tmpfs: the first write fails, before any plugin ran.
	LEFT_STATE_DIR=/run/full/state RCI_STATE_DIR=/run/full/state rci_cap alloc ctr fnet pod "" ""
	check_case 1 "full state dir"
	standin_exec test ! -e /run/real/containers || fail "the symlink was followed"
	[ ! -e "$RECORD/calls.jsonl" ] || fail "a plugin ran: $(cat "$RECORD/calls.jsonl")"
}

@test "helper: a full result cache rolls the ADD back and releases the IP" {
	standin_start
	bridge_net net1 cni-net1 10.89.0.0/24
	standin_exec sh -euc '
		mkdir -p /run/fullcache
		mount -t tmpfs -o size=16k tmpfs /run/fullcache
		mkdir /run/fullcache/results
		head -c 1M /dev/zero >/run/fullcache/fill 2>/dev/null || true
	'
	RCI_CNI_CACHE_DIR=/run/fullcache rci_cap alloc ctr net1 pod "" ""
	check_case 1 "full cache dir"
	# firewall's per-IP rules too (its global CNI-FORWARD chain stays, as after any dealloc):
	# the rollback DEL must get the chain's result as prevResult.
	local rules
	rules=$(standin_exec iptables-save | grep -e 10.89.0 || true)
	[ -z "$rules" ] || fail "iptables rules left: $rules"
}

@test "helper: a CNI config dir that does not exist, or is a file" {
	standin_start
	CONFDIR=/nonexistent rci_cap alloc ctr fnet pod "" ""
	check_case 3 "missing config dir"
	CONFDIR=$BATS_TEST_TMPDIR/file
	: >"$CONFDIR"
	rci_cap alloc ctr fnet pod "" ""
	check_case 3 "config dir is a file"
}

# ---------------------------------------------------------------------------------------------
# Launcher cases

# Runs the launcher with this test's own runtime dir and the shipped default network.
launcher() {
	XDG_RUNTIME_DIR="$LXDG" XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config" \
		RCI_DEFAULT_NET_DIR="$RCI_SRC/image/net.d" "$L" "$@"
}

launcher_setup() {
	LXDG=$(mktemp -d /tmp/rci-bad.XXXXXX)
	chmod 0700 "$LXDG"
}

# No infra was started: the state dir holds at most the launcher's lock (an infra, even a
# half-started one, leaves its record, bundle, socket or runtime state there).
launcher_nothing_left() {
	local f
	for f in "$LXDG"/rootless-cni-infra/* "$LXDG"/rootless-cni-infra/.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		[ "${f##*/}" = lock ] || echo "state dir holds: ${f##*/}"
	done
}

# Once per test: no process of this user names the test's runtime dir.
launcher_no_process() {
	local p
	p=$(pgrep -u "$(id -u)" -f -- "$LXDG" || true)
	[ -z "$p" ] || fail "processes left: $(ps -o pid=,args= -p "$p")"
}

# launcher_cases STATUS CASE...: like helper_cases, for the launcher.
launcher_cases() {
	local want=$1 c args left
	shift
	for c in "$@"; do
		# The appended `|` keeps trailing empty fields; "" is no argument at all.
		IFS='|' read -r -d '' -a args < <(printf '%s|' "$c") || true
		[ -n "$c" ] || args=()
		cap launcher "${args[@]}"
		check_case "$want" "launcher ${args[*]@Q}" || return 1
		left=$(launcher_nothing_left)
		[ -z "$left" ] || fail "launcher ${args[*]@Q}: left $left"
	done
	launcher_no_process
}

@test "launcher: bad options, commands, argument counts, IDs, addresses and port specs" {
	launcher_setup
	local k4 ctl
	k4=$(printf 'a%.0s' $(seq 4096))
	ctl=$'a\x01b'
	launcher_cases 2 \
		"--bogus|status" "-x|status" "--root" "--root|relative|status" "" "frobnicate" \
		"--root=" "--root|" \
		"alloc" "alloc|a" "alloc|a|default|p|10.1.2.3|02:42:ac:11:00:02|extra" \
		"alloc|a/b|default" "alloc|..|default" "alloc||default" "alloc|a|" \
		"alloc|$k4|default" "alloc|$ctl|default" "alloc|a|$k4" "alloc|a|de/fault" \
		"alloc|a|default|p|10.1.2" "alloc|a|default|p|fd00::g" \
		"alloc|a|default|p|10.0.0.1/8" "alloc|a|default|p||02:42" \
		"alloc|a|default|-p" "alloc|a|default|-p|0:80" "alloc|a|default|-p|65536:80" \
		"alloc|a|default|-p|80:70000" "alloc|a|default|-p|80" "alloc|a|default|-p|:80" \
		"alloc|a|default|-p|80:" "alloc|a|default|-p|-1:80" "alloc|a|default|-p|80:80/sctp" \
		"alloc|a|default|-p|80:80/" "alloc|a|default|-p|a:b" "alloc|a|default|-p|8080:80:90" \
		"alloc|a|default|-p|1000000:80" "alloc|a|default|--publish=x" \
		"dealloc|a" "dealloc|a|b|c" "dealloc|../x|default" "exec" "exec|--" "enter" \
		"enter|a" "start|x" "stop|x" "status|x" "reap|x" "gc|../x" "gc|-x" "gc|$k4"
}

@test "launcher: missing networks, plugins, runtimes and config dirs" {
	launcher_setup
	launcher_cases 3 "alloc|a|nosuchnet" "--cni-config-dir|/nonexistent|alloc|a|default" \
		"--cni-plugin-dir|/nonexistent|alloc|a|default" \
		"--runtime|/nonexistent/runc|alloc|a|default" "--image|/nonexistent|alloc|a|default"
	# A config dir with only broken files: a network only it could hold is not found (the
	# shipped `default` would be: it is always there beside the user's dir).
	local conf="$BATS_TEST_TMPDIR/net.d"
	mkdir -p "$conf"
	echo '{broken' >"$conf/a.conflist"
	printf '{"cniVersion": "1.0.0", "name": 5}' >"$conf/b.conflist"
	launcher_cases 3 "--cni-config-dir|$conf|alloc|a|mine"
}

@test "launcher: a state directory that is a symlink, foreign or too open" {
	launcher_setup
	mkdir -m 0700 "$LXDG/real"
	ln -s "$LXDG/real" "$LXDG/link"
	mkdir -m 0755 "$LXDG/open"
	launcher_cases 1 "--root|$LXDG/link|status" "--root|$LXDG/open|status" "--root|/|status" \
		"--root|$LXDG/link|alloc|a|default" "--root|$LXDG/open|gc"
	[ -z "$(ls -A "$LXDG/real")" ] || fail "the symlinked dir was written: $(ls -A "$LXDG/real")"
	# The default state dir under a runtime dir whose rootless-cni-infra is a symlink.
	ln -s "$LXDG/real" "$LXDG/rootless-cni-infra"
	cap launcher status
	check_case 1 "default state dir is a symlink"
	[ -z "$(ls -A "$LXDG/real")" ] || fail "the symlinked dir was written: $(ls -A "$LXDG/real")"
}
