#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# How the helper runs plugins, observed through the fake plugin's record (tests/plugins/
# fake-plugin.c): capabilities, file descriptors, process group, namespace, environment, stdin,
# error reporting, timeouts, output limits, DEL retry, result cache, concurrency.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers

# The capabilities the helper may leave to plugins (the contract's list; the helper may keep fewer
# and documents which in `help`).
CONTRACT_CAPS=cap_chown,cap_dac_override,cap_fowner,cap_kill,cap_net_admin,cap_net_bind_service,cap_net_raw,cap_setgid,cap_setuid,cap_sys_admin

setup_file() {
	check_helper_prereqs
}

setup() {
	require_prereqs
	standin_start
}

teardown() {
	standin_stop
}

# Sorted, comma-separated capability names of a hex mask.
decode_caps() {
	capsh --decode="0x$1" | sed 's/^0x[0-9a-f]*=//' | tr ',' '\n' | sort | paste -sd,
}

# alloc_fails ID NET: runs alloc, which must exit 1 with one line on stderr and nothing on stdout.
alloc_fails() {
	run --separate-stderr rci alloc "$1" "$2" pod "" ""
	assert_status 1
	assert_stdout_empty
	assert_one_stderr_line
}

@test "plugins run with exactly the capabilities help documents" {
	run --separate-stderr rci help
	local documented
	documented=$(sed -nE 's/^Plugins run with only these capabilities: *//p' <<<"$output" |
		tr -d ' ' | tr ',' '\n' | tr '[:upper:]' '[:lower:]' | sort | paste -sd,)
	[ -n "$documented" ] || fail "help does not list the plugin capabilities: $output"
	# Never more than the contract allows.
	local c
	for c in ${documented//,/ }; do
		[[ ",$CONTRACT_CAPS," == *",$c,"* ]] || fail "$c is not in the contract's list"
	done

	fake_net fnet '{}'
	rci alloc ctr-a fnet pod "" "" >/dev/null
	local eff prm amb
	eff=$(calls '.command == "ADD"' | jq -r .capEff)
	prm=$(calls '.command == "ADD"' | jq -r .capPrm)
	amb=$(calls '.command == "ADD"' | jq -r .capAmb)
	[ "$(decode_caps "$eff")" = "$documented" ] ||
		fail "effective: $(decode_caps "$eff"), documented: $documented"
	[ "$(decode_caps "$prm")" = "$documented" ] ||
		fail "permitted: $(decode_caps "$prm"), documented: $documented"
	# Ambient capabilities may only repeat the same set.
	[ -z "$(decode_caps "$amb")" ] || [ "$(decode_caps "$amb")" = "$documented" ]
	rci dealloc ctr-a fnet >/dev/null
	calls '.command == "DEL"' | jq -e --arg e "$eff" '.capEff == $e'
}

@test "plugins see only stdin, stdout and stderr" {
	fake_net fnet '{}' '{}'
	rci alloc ctr-a fnet pod "" "" >/dev/null
	rci dealloc ctr-a fnet >/dev/null
	[ "$(calls_count)" -eq 4 ]
	calls | jq -es 'all(.fds == [0,1,2])' >/dev/null || fail "fds: $(calls | jq -c .fds)"
}

@test "plugins run in their own process group, in the infra's netns, not the container's" {
	fake_net fnet '{}'
	alloc ctr-a fnet
	local infra_netns
	infra_netns=$(readlink "/proc/$STANDIN_PID/ns/net")
	calls '.command == "ADD"' | jq -e --arg n "$infra_netns" \
		'.pgid == .pid and .selfNetns == $n and .uid == 0'
	# CNI_NETNS names the container's netns, which is another one.
	local cni_netns
	cni_netns=$(calls '.command == "ADD"' | jq -r .netns)
	[ "$(standin_exec readlink -f "$cni_netns")" = "$(standin_exec readlink -f "$STATE_DIR/netns/ctr-a")" ] ||
		fail "CNI_NETNS $cni_netns is not the pinned netns"
	[ "$(standin_exec stat -L -c %i "$cni_netns")" != "$(stat -L -c %i "/proc/$STANDIN_PID/ns/net")" ]
}

@test "plugin environment and stdin follow the CNI protocol" {
	fake_net fnet '{"extra":{"kept":[1,2]}}' '{}'
	# The helper's own environment stays with it: plugins get CNI_*, PATH and what Debian's
	# plugins, iptables and dnsmasq read (the man page's list), nothing else.
	SECRET=x XTABLES_LOCKFILE=/run/xtables.lock CNI_PATH="$PLUGIN_DIR:$SYSTEM_CNI_DIR" \
		rci alloc ctr-a fnet pod "" "" >/dev/null
	local keep=HOME,TMPDIR,XDG_RUNTIME_DIR,XTABLES_LOCKFILE,XTABLES_LIBDIR,IPTABLES_LIB_DIR
	keep+=,IP6TABLES_LIB_DIR,DBUS_SYSTEM_BUS_ADDRESS
	calls '.command == "ADD"' | jq -es --arg keep "$keep" '
		($keep | split(",")) as $k
		| all(.[]; .env | keys | all(startswith("CNI_") or . == "PATH" or IN($k[])))
		and all(.[]; .env.XTABLES_LOCKFILE == "/run/xtables.lock" and (.env | has("SECRET") | not))' \
		>/dev/null || fail "plugin environments: $(calls '.command == "ADD"' | jq -c .env)"
	calls '.tag == "p0" and .command == "ADD"' | jq -e --arg p "$PLUGIN_DIR:$SYSTEM_CNI_DIR" '
		.path == $p and .containerId == "ctr-a" and .ifname == "eth0"
		and (.env.PATH | split(":") | index("/usr/sbin") != null)
		and .stdin.name == "fnet" and .stdin.cniVersion == "1.0.0"
		and .stdin.type == "fake-plugin" and .stdin.fake.extra == {"kept": [1, 2]}
		and (.stdin | has("prevResult") | not)'
	# The second plugin gets the first one's result as prevResult.
	calls '.tag == "p1" and .command == "ADD"' | jq -e '.stdin.prevResult.ips[0].address == "10.99.0.2/24"'
	run --separate-stderr rci print-cni-result ctr-a fnet
	assert_json '.cniVersion == "1.0.0" and .ips[0].address == "10.99.0.2/24"'
}

@test "the result cache is libcni's layout and goes away with the attachment" {
	fake_net fnet '{}'
	rci alloc ctr-a fnet pod "" "" >/dev/null
	[ "$(cache_files)" = fnet-ctr-a-eth0 ] || fail "cache: $(cache_files)"
	run standin_exec stat -c %a /var/lib/cni/results/fnet-ctr-a-eth0
	[ "$output" = 600 ] || fail "cache file mode $output"
	run standin_exec cat /var/lib/cni/results/fnet-ctr-a-eth0
	assert_json '.kind == "cniCacheV1" and .containerId == "ctr-a" and .ifName == "eth0"
		and .networkName == "fnet" and .result.ips[0].address == "10.99.0.2/24"'
	rci dealloc ctr-a fnet >/dev/null
	[ -z "$(cache_files)" ] || fail "cache: $(cache_files)"
}

@test "plugin errors are reported with the plugin's message and roll back" {
	local -a cases=(
		'{"failOn":"ADD","error":{"code":150,"msg":"scripted error","details":"more"}}|scripted error'
		'{"failOn":"ADD","garbage":"this is not json"}|this is not json'
		'{"failOn":"ADD","silent":true,"stderr":"complaint on stderr"}|complaint on stderr'
		'{"failOn":"ADD","silent":true,"exitCode":42}|42'
		'{"failOn":"ADD","signal":9}|signal 9'
	)
	local c f want
	for c in "${cases[@]}"; do
		f=${c%|*} want=${c##*|}
		fake_net fnet '{}' "$f"
		alloc_fails ctr-e fnet
		assert_stderr_contains "$want"
		# The first plugin's ADD was undone.
		[ "$(calls_count '.tag == "p0" and .command == "DEL"')" -ge 1 ] || fail "no rollback for $f"
		assert_nothing_left
		: >"$RECORD/calls.jsonl"
	done
}

@test "a missing plugin fails before any plugin runs" {
	write_conflist fnet "$(jq -n --arg rec "$RECORD" '{cniVersion: "1.0.0", name: "fnet", plugins: [
		{type: "fake-plugin", fake: {record: $rec}}, {type: "no-such-plugin"}]}')"
	run --separate-stderr rci alloc ctr-a fnet pod "" ""
	assert_status 1
	assert_stdout_empty
	assert_stderr_contains no-such-plugin
	[ "$(calls_count '.command == "ADD"')" -eq 0 ] || fail "a plugin ran ADD"
	assert_nothing_left
	assert_one_stderr_line
}

@test "a plugin exceeding RCI_PLUGIN_TIMEOUT is killed with its process group" {
	fake_net fnet '{"sleepMs":5000,"sleepOn":"ADD","spawnChild":true,"spawnOn":"ADD"}'
	local t0 elapsed child
	t0=$(now_ms)
	RCI_PLUGIN_TIMEOUT=1 run --separate-stderr rci alloc ctr-t fnet pod "" ""
	elapsed=$(($(now_ms) - t0))
	assert_status 1
	assert_one_stderr_line
	[ "$elapsed" -ge 900 ] && [ "$elapsed" -lt 4000 ] || fail "alloc took ${elapsed} ms"
	[[ "$stderr" == *time* ]] || fail "stderr does not say it timed out: $stderr"
	child=$(cat "$RECORD/child.pid")
	wait_until 2 pid_dead "$child" || fail "the plugin's child $child survived"
	assert_nothing_left
}

@test "a child holding the plugin's stdout open does not hang the helper" {
	fake_net fnet '{"spawnChild":true,"spawnOn":"ADD","childKeepsStdio":true}'
	local t0 elapsed
	t0=$(now_ms)
	RCI_PLUGIN_TIMEOUT=3 run --separate-stderr rci alloc ctr-a fnet pod "" ""
	elapsed=$(($(now_ms) - t0))
	# Either outcome is acceptable (success once the plugin exited, or a timeout), a hang is not,
	# and the child must not outlive the call.
	[ "$elapsed" -lt 6000 ] || fail "alloc took ${elapsed} ms"
	wait_until 2 pid_dead "$(cat "$RECORD/child.pid")" || fail "the plugin's child survived"
	if [ "$status" -eq 0 ]; then
		rci dealloc ctr-a fnet >/dev/null
	fi
	assert_nothing_left
}

@test "a plugin flooding stdout fails clearly without exhausting the helper" {
	fake_net fnet '{"floodBytes":104857600,"floodOn":"ADD"}'
	local t0 elapsed
	t0=$(now_ms)
	run --separate-stderr rci alloc ctr-f fnet pod "" ""
	elapsed=$(($(now_ms) - t0))
	assert_status 1
	assert_one_stderr_line
	[ "${#stderr}" -lt 2048 ] || fail "stderr is ${#stderr} bytes"
	shopt -s nocasematch
	[[ "$stderr" =~ (output|too (large|long|big)|exceed|limit) ]] || fail "unclear error: $stderr"
	shopt -u nocasematch
	[ "$elapsed" -lt 30000 ] || fail "took ${elapsed} ms"
	assert_nothing_left
}

@test "a failing DEL keeps the attachment so that dealloc can be retried" {
	fake_net fnet "$(jq -nc --arg f "$BATS_TEST_TMPDIR/fail-del" '{failOn: "DEL", failIfExists: $f}')"
	alloc ctr-a fnet
	touch "$BATS_TEST_TMPDIR/fail-del"
	run --separate-stderr rci dealloc ctr-a fnet
	assert_status 1
	assert_stderr_contains "fake failure"
	run rci list
	assert_json 'length == 1 and .[0].id == "ctr-a"'
	[ -n "$(netns_files)" ] || fail "the netns was removed although DEL failed"
	rm "$BATS_TEST_TMPDIR/fail-del"
	dealloc ctr-a fnet
	assert_nothing_left
}

@test "parallel allocs and deallocs of different containers all succeed" {
	bridge_net net1 cni-net1 10.89.0.0/24
	# Debian's firewall plugin (1.1.1) creates its CNI-FORWARD chain on first use without
	# tolerating a concurrent creator: two first ADDs at once in a fresh namespace can fail with
	# "CHAIN_USER_ADD failed (File exists)". That race is the plugin's, not ours, so one
	# attachment made and released first creates the chain; what is tested here is our locking.
	alloc warm net1
	dealloc warm net1
	local i pids=() n=6
	for i in $(seq "$n"); do
		rci alloc "par-$i" net1 pod "" "" >"$BATS_TEST_TMPDIR/alloc-$i.out" 2>&1 3>&- &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[i]}" || fail "alloc par-$((i + 1)): $(cat "$BATS_TEST_TMPDIR/alloc-$((i + 1)).out")"
	done
	run rci list
	assert_json "length == $n and ([.[].ips[0]] | unique | length == $n)"
	[ "$(hostlocal_ips net1 | wc -l)" -eq "$n" ]
	pids=()
	for i in $(seq "$n"); do
		rci dealloc "par-$i" net1 >"$BATS_TEST_TMPDIR/dealloc-$i.out" 2>&1 3>&- &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[i]}" || fail "dealloc par-$((i + 1)): $(cat "$BATS_TEST_TMPDIR/dealloc-$((i + 1)).out")"
	done
	assert_nothing_left
}

# gc's DEL of ctr-a's orphaned cache entry has reached p1, which stalls on DEL.
gc_del_stalled() {
	[ -n "$(calls '.command == "DEL" and .tag == "p1" and .containerId == "ctr-a"')" ]
}

@test "gc racing a dealloc and alloc of the same ID never loses the new attachment" {
	fake_net fnet '{}' '{"sleepMs": 2000, "sleepOn": "DEL"}'
	alloc ctr-a fnet
	# State lost for ctr-a: its record is gone, its cache entry is an orphan for gc.
	standin_exec rm "$STATE_DIR/containers/ctr-a.json"
	rci gc >"$BATS_TEST_TMPDIR/gc.out" 2>&1 3>&- &
	local gc=$!
	wait_until 10 gc_del_stalled
	# Meanwhile the engine restarts ctr-a. gc holds ctr-a's lock until its DEL is done, so
	# these wait for it instead of being undone by the rest of that DEL.
	rci dealloc ctr-a fnet >/dev/null
	alloc ctr-a fnet
	wait "$gc" || fail "gc failed: $(cat "$BATS_TEST_TMPDIR/gc.out")"
	jq -e '.released == ["ctr-a/fnet"]' "$BATS_TEST_TMPDIR/gc.out" >/dev/null ||
		fail "gc: $(cat "$BATS_TEST_TMPDIR/gc.out")"
	# The new attachment is whole, and no DEL ran after its ADD.
	run --separate-stderr rci print-cni-result ctr-a fnet
	assert_status 0
	rci check ctr-a fnet
	local seq
	seq=$(calls '.command == "ADD" or .command == "DEL"' | jq -r '.command + ":" + .tag' |
		paste -sd ' ')
	[ "$seq" = "ADD:p0 ADD:p1 DEL:p1 DEL:p0 ADD:p0 ADD:p1" ] || fail "ADD and DEL calls: $seq"
	dealloc ctr-a fnet
	assert_nothing_left
}
