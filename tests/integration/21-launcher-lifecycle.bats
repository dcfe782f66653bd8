#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The launcher's lifecycle edges (review findings): what a stop must kill, what the bundle may
# hold, crashed launchers, options a running infra cannot honour, input checked up front.
# Same environment as 20-launcher.bats (launcher.bash).

load helpers
load launcher

infra_pid() { launcher status | jq -r .pid; }

# The reviewer's scenario: a process joined to the infra (here with nsenter, in a session of
# its own, as dnsname's dnsmasq would be) pins its namespaces unless stop kills it.
start_sleeper() {
	nsenter -t "$1" -U -m -n --preserve-credentials setsid sleep 777 </dev/null >/dev/null 2>&1 3>&- &
	wait_until 5 pgrep -u "$(id -u)" -x -f "sleep 777" >/dev/null
	SLEEPER=$(pgrep -u "$(id -u)" -x -f "sleep 777" | head -n 1)
	[ -n "$SLEEPER" ]
}

@test "lifecycle: stop kills what runs in the infra's mount namespace" {
	launcher start
	pid=$(infra_pid)
	start_sleeper "$pid"
	[ "$(stat -L -c %i "/proc/$SLEEPER/ns/mnt")" = "$(stat -L -c %i "/proc/$pid/ns/mnt")" ]
	launcher stop
	wait_until 5 pid_dead "$SLEEPER"
	assert_gone
}

# The sleeper joined the infra (nsenter -m), so its root is the infra's root: that, not the
# mount namespace's number, is what marks it as the dead infra's. (It also keeps that namespace
# alive, so its number cannot be reused here: the next test covers the reuse.)
@test "lifecycle: recovery after a SIGKILLed init kills what it left" {
	launcher start
	pid=$(infra_pid)
	start_sleeper "$pid"
	[ "/proc/$SLEEPER/root/" -ef "$(jq -r .bundle "$STATE/infra.json")/rootfs/" ]
	kill -KILL "$pid"
	wait_until 5 pid_dead "$pid"
	pid_alive "$SLEEPER"
	run launcher status
	[ "$(jq .running <<<"$output")" = false ]
	run launcher start
	[ "$status" -eq 0 ]
	wait_until 5 pid_dead "$SLEEPER"
	[ "$(infra_pid)" != "$pid" ]
	launcher stop
	assert_gone
}

# A network whose plugins leave no process behind: once the init is SIGKILLed, nothing keeps the
# infra's mount namespace alive, and the kernel hands its inode number to the next namespace.
plain_network() {
	mkdir -p "$XDG_CONFIG_HOME/cni/net.d"
	jq -n '{cniVersion: "1.0.0", name: "plain", plugins: [{type: "bridge", bridge: "rci-plain0",
		isGateway: true, ipam: {type: "host-local", ranges: [[{subnet: "10.77.0.0/24"}]]}}]}' \
		>"$XDG_CONFIG_HOME/cni/net.d/plain.conflist"
}

mntns_ino() { stat -L -c %i "/proc/$1/ns/mnt" 2>/dev/null; }
own_userns() { [ "$(readlink "/proc/$1/ns/user")" != "$(readlink /proc/self/ns/user)" ]; }
own_mntns() { [ "$(mntns_ino "$1")" != "$(mntns_ino "$2")" ]; }

# Issue 13, bug 1: namespace inode numbers are reused (the lowest free one is handed out), so the
# number infra.json records for a dead infra may be the mount namespace of any other process of
# the user by the time the next command recovers. The outsiders here share nothing with the
# infra: a user namespace of their own (HOLDER's, made before the crash so that each outsider
# takes exactly one new number, its mount namespace), their own mount namespace and session.
# Each trial makes outsiders until one has the dead infra's number (or 8 tried); every outsider
# must survive the recovery `alloc`. A sweep by the recorded number kills the matching one.
@test "lifecycle: recovery after an infra crash kills no unrelated process (20 trials)" {
	plain_network
	unshare -r setsid sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	HOLDER=$!
	# shellcheck disable=SC2034 # read by teardown (launcher.bash)
	KILL_PIDS=$HOLDER
	wait_until 5 own_userns "$HOLDER"
	launcher alloc t0 plain >/dev/null
	local trial o pid ino matched=0 outsiders=()
	for trial in $(seq 20); do
		pid=$(jq .pid "$STATE/infra.json")
		ino=$(mntns_ino "$pid")
		[ -n "$ino" ]
		kill -KILL "$pid"
		wait_until 5 pid_dead "$pid"
		for _ in $(seq 8); do
			nsenter -t "$HOLDER" -U --preserve-credentials unshare -m setsid sleep 1000 \
				</dev/null >/dev/null 2>&1 3>&- &
			o=$!
			outsiders+=("$o")
			# shellcheck disable=SC2034 # read by teardown (launcher.bash)
			KILL_PIDS="$HOLDER ${outsiders[*]}"
			wait_until 5 own_mntns "$o" "$HOLDER"
			if [ "$(mntns_ino "$o")" = "$ino" ]; then
				matched=$((matched + 1))
				break
			fi
		done
		run --separate-stderr launcher alloc "t$trial" plain
		assert_status 0
		for o in "${outsiders[@]}"; do
			pid_alive "$o" || fail "trial $trial: outsider $o (mount namespace $(mntns_ino "$o" || echo ?)) was killed; the dead infra's was $ino"
		done
		kill -KILL "${outsiders[@]}"
		outsiders=()
	done
	kill -KILL "$HOLDER"
	echo "# the dead infra's namespace number was reused in $matched of 20 trials" >&3
	launcher stop
	assert_gone
}

# Start time (field 22 of /proc/PID/stat) of PID; the command name may hold spaces.
start_time() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $20 }'; }

# Issue 13, bug 6: a slirp4netns (or port forwarder) that outlives stop keeps the host ports; its
# record must stay so that a later stop retries. A survivor the launcher cannot kill is made by
# pointing the record at a process of another user (pid 1).
@test "lifecycle: stop fails and keeps the record while slirp4netns survives" {
	launcher start
	local slirp slirp_start
	slirp=$(jq .slirpPid "$STATE/infra.json")
	slirp_start=$(jq .slirpStart "$STATE/infra.json")
	jq --argjson s "$(start_time 1)" '.slirpPid = 1 | .slirpStart = $s' "$STATE/infra.json" \
		>"$WORK/rec" && mv "$WORK/rec" "$STATE/infra.json"
	run --separate-stderr launcher stop
	assert_status 1
	assert_one_stderr_line
	assert_stderr_contains 'slirp4netns (pid 1) is still running after SIGKILL'
	jq -e '.slirpPid == 1' "$STATE/infra.json"
	run launcher status
	[ "$(jq .leftovers <<<"$output")" = true ]
	# No new infra over a survivor: it would fight it for the host ports.
	run --separate-stderr launcher start
	assert_status 1
	assert_one_stderr_line
	assert_stderr_contains 'clean up the last infra: slirp4netns (pid 1) is still running'
	# Once the survivor is gone (the real one ended with the infra), the next stop completes.
	jq --argjson p "$slirp" --argjson s "$slirp_start" '.slirpPid = $p | .slirpStart = $s' \
		"$STATE/infra.json" >"$WORK/rec" && mv "$WORK/rec" "$STATE/infra.json"
	launcher stop
	assert_gone
}

@test "lifecycle: the bundle holds nothing of the command that started the infra" {
	RCI_PLUGIN_TIMEOUT=33 run --separate-stderr launcher --debug alloc a default -p 18731:80
	assert_status 0
	cfg="$STATE/bundle/config.json"
	jq -e '[.process.env[] | select(startswith("RCI_PORT_MAPPINGS=") or
		startswith("RCI_PLUGIN_TIMEOUT="))] | length == 0' "$cfg"
	jq -e '.process.args | index("--debug") | not' "$cfg"
	# A runtime exec (the fallback path) for another container inherits no port mapping.
	RCI_EXEC=runtime launcher alloc b default >"$WORK/b.json"
	jq -e '.result.ips | length == 1' "$WORK/b.json"
	run launcher exec -- print-cni-result b default
	assert_status 0
	[[ "$output" != *18731* ]]
	launcher stop
	assert_gone
}

@test "lifecycle: a launcher killed while starting leaves a record the next one cleans up" {
	for point in launcher:created launcher:slirp-started launcher:forwarder-started; do
		RCI_TEST_CRASH_AT=$point run test_launcher start
		[ "$status" -eq 137 ]
		jq -e '.ready == false and .runtimePath and .bundle' "$STATE/infra.json"
		run launcher status
		[ "$(jq .running <<<"$output")" = false ]
		[ "$(jq .leftovers <<<"$output")" = true ]
		launcher stop
		assert_gone
	done
	RCI_TEST_CRASH_AT=launcher:slirp-started run test_launcher start
	[ "$status" -eq 137 ]
	# The next command starts afresh.
	launcher alloc x default >/dev/null
	launcher dealloc x default
	assert_gone
}

@test "lifecycle: bundle temp dirs of crashed launchers are leftovers and swept" {
	mkdir -p "$STATE/.bundle.tmp-999999/rootfs/etc" "$STATE/.bundle.del-999998-0/rootfs"
	run launcher status
	[ "$(jq .leftovers <<<"$output")" = true ]
	launcher stop
	assert_gone
}

@test "lifecycle: relative paths are made absolute" {
	cp -r "$RCI_SRC/image/net.d" "$WORK/nets"
	ln -s /usr/lib/cni "$WORK/plugins"
	ln -s "$(command -v runc)" "$WORK/runc"
	cp "$BUILD/rootless-cni-infra" "$BUILD/rootless-cni-infra-init" "$WORK/"
	(cd "$WORK" && RCI_HELPER=./rootless-cni-infra RCI_INIT=./rootless-cni-infra-init \
		"$L" --root "$STATE" --cni-config-dir nets --cni-plugin-dir plugins --runtime ./runc \
		alloc a default >/dev/null)
	jq -e --arg w "$WORK" '.cniConfigDir == "\($w)/nets" and .pluginDirs == ["/usr/lib/cni"] and
		(.runtimePath | startswith("/"))' "$STATE/infra.json"
	# A missing one is named.
	# shellcheck disable=SC2016 # arguments of bash -c
	run --separate-stderr bash -c 'cd "$1" && "$2" --root "$3" --cni-config-dir nope status' \
		_ "$WORK" "$L" "$STATE"
	assert_status 3
	assert_one_stderr_line
	# shellcheck disable=SC2016 # backticks are literal
	assert_stderr_contains '--cni-config-dir `nope`: No such file or directory'
	launcher stop
	assert_gone
}

@test "lifecycle: a running infra refuses other config, plugin dirs or runtime" {
	cp -r "$RCI_SRC/image/net.d" "$WORK/a"
	cp -r "$RCI_SRC/image/net.d" "$WORK/b"
	launcher --cni-config-dir "$WORK/a" start
	# The same (or none) is fine.
	launcher --cni-config-dir "$WORK/a" alloc x default >/dev/null
	run --separate-stderr launcher --cni-config-dir "$WORK/b" alloc y default
	assert_status 4
	assert_one_stderr_line
	# shellcheck disable=SC2016 # backticks are literal
	assert_stderr_contains 'the infra runs with --cni-config-dir `'"$WORK/a"'`; run `rootless-cni-launcher stop` to switch'
	mkdir "$WORK/plugins"
	run --separate-stderr launcher --cni-plugin-dir "$WORK/plugins" exec -- is-idle
	assert_status 4
	assert_stderr_contains 'the infra runs with --cni-plugin-dir'
	if command -v crun >/dev/null; then
		run --separate-stderr launcher --runtime crun status
		assert_status 4
		assert_stderr_contains 'the infra runs with --runtime'
	fi
	launcher dealloc x default
	assert_gone
}

# The image `make image` built, and a copy with another manifest digest (same layers).
image_layouts() {
	LAYOUT="$BUILD/image/oci"
	[ -e "$LAYOUT/index.json" ] || fail "no image layout at $LAYOUT (make image)"
	cp -a "$LAYOUT" "$WORK/oci2"
	chmod -R u+w "$WORK/oci2"
	umoci config --no-history --image "$WORK/oci2:latest" --config.label test=21-lifecycle
}

# Issue 13, bug 7: --image was missing from the option check.
@test "lifecycle: a running infra refuses another --image, or one against imageless" {
	image_layouts
	"$L" --root "$STATE" start
	run --separate-stderr "$L" --root "$STATE" --image "$LAYOUT" exec -- is-idle
	assert_status 4
	assert_one_stderr_line
	# shellcheck disable=SC2016 # backticks are literal
	assert_stderr_contains 'the infra runs imageless; run `rootless-cni-launcher stop` to switch'
	"$L" --root "$STATE" stop
	"$L" --root "$STATE" --image "$LAYOUT" start
	d=$(jq -r .image "$STATE/infra.json")
	# The same image, or none given, is fine.
	"$L" --root "$STATE" --image "$LAYOUT" alloc x default >/dev/null
	"$L" --root "$STATE" exec -- is-idle >/dev/null
	run --separate-stderr "$L" --root "$STATE" --image "$WORK/oci2" alloc y default
	assert_status 4
	assert_one_stderr_line
	# shellcheck disable=SC2016 # backticks are literal
	assert_stderr_contains "the infra runs with --image \`$d\`"
	run "$L" --root "$STATE" exec -- list
	assert_json '[.[].id] == ["x"]'
	"$L" --root "$STATE" dealloc x default
	assert_gone
}

# The launcher lock in /proc/locks ("N: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE ..."): held,
# and blocked waiters ("N: -> FLOCK ...").
lock_held() { grep -q -- "^[0-9]*: FLOCK .*:$(stat -c %i "$STATE/lock") " /proc/locks; }
lock_waiters() { grep -q -- "-> FLOCK .*:$(stat -c %i "$STATE/lock") " /proc/locks; }

# Issue 13, bug 7: the image was prepared before the launcher lock, while `start` prunes the
# cache under it. Here the test holds the lock, as a concurrent `start` would, while an alloc
# waits for it, and removes the cache entry, as that start's prune would.
@test "lifecycle: a concurrent start's prune cannot remove the image an alloc is starting" {
	image_layouts
	# The entry exists already, as it usually does.
	"$L" --root "$STATE" --image "$LAYOUT" start
	"$L" --root "$STATE" stop
	d=$(jq -r '.manifests[0].digest' "$LAYOUT/index.json")
	[ -d "$STATE/image-cache/${d#sha256:}" ]
	# The lock goes with the fd, which only the sleep holds.
	sh -c 'exec 9>>"$1" && flock 9 && exec sleep 1000' sh "$STATE/lock" \
		</dev/null >/dev/null 2>&1 3>&- &
	holder=$!
	# shellcheck disable=SC2034 # read by teardown (launcher.bash)
	KILL_PIDS=$holder
	wait_until 5 lock_held
	"$L" --root "$STATE" --image "$LAYOUT" alloc a default >"$WORK/a.json" 2>"$WORK/a.err" &
	alloc=$!
	wait_until 20 lock_waiters
	rm -rf "$STATE/image-cache/${d#sha256:}"
	kill "$holder"
	wait "$alloc" || fail "alloc failed: $(cat "$WORK/a.err")"
	jq -e '.result.ips | length == 1' "$WORK/a.json"
	[ "$(jq -r .image "$STATE/infra.json")" = "$d" ]
	"$L" --root "$STATE" dealloc a default
	assert_gone
}

# As a subordinate user of ours (uid 1 of a user namespace mapped from /etc/subuid).
as_subuser() { unshare --map-auto --map-root-user setpriv --reuid 1 --regid 1 --clear-groups "$@"; }

# The launcher with no XDG_RUNTIME_DIR, so that the state dir falls back to /tmp.
tmp_fallback() { env -u XDG_RUNTIME_DIR "$L" "$@"; }

# Issue 13, bug 10: /tmp/rootless-cni-infra-UID can be made by anyone first. rci_mkdir_p's checks
# of the state dir (a real directory, ours, 0700) already refused that; this pins it.
@test "lifecycle: the /tmp fallback state dir is refused unless it is ours and 0700" {
	local dir
	dir=/tmp/rootless-cni-infra-$(id -u)
	[ ! -e "/run/user/$(id -u)" ] || fail "/run/user/$(id -u) exists: no /tmp fallback to test"
	as_subuser rmdir "$dir" 2>/dev/null || rm -rf "$dir"
	as_subuser mkdir -m 0700 "$dir"
	run --separate-stderr tmp_fallback status
	as_subuser rmdir "$dir"
	assert_status 1
	assert_one_stderr_line
	assert_stderr_contains "state directory: \`$dir\` is owned by uid"
	mkdir -m 0755 "$dir"
	run --separate-stderr tmp_fallback status
	rmdir "$dir"
	assert_status 1
	assert_stderr_contains "has mode 0755; it must not be accessible to group or others (0700)"
	ln -s "$WORK" "$dir"
	run --separate-stderr tmp_fallback status
	rm "$dir"
	assert_status 1
	assert_stderr_contains "is a symlink, refusing to use it"
	# None there: made 0700, ours.
	run --separate-stderr tmp_fallback status
	assert_status 0
	[ "$(stat -c '%u %a' "$dir")" = "$(id -u) 700" ]
	rm -rf "$dir"
}

@test "lifecycle: bad input exits 2 before anything starts" {
	run --separate-stderr launcher dealloc '../../x' default
	assert_status 2
	assert_one_stderr_line
	run --separate-stderr launcher dealloc ok '../net'
	assert_status 2
	run --separate-stderr launcher alloc a default 'bad;pod'
	assert_status 2
	assert_one_stderr_line
	run --separate-stderr launcher enter '../x' -- true
	assert_status 2
	# The environment too (issue 13, bug 9): an unknown RCI_EXEC was taken as "auto".
	RCI_EXEC=bogus run --separate-stderr launcher status
	assert_status 2
	assert_one_stderr_line
	# shellcheck disable=SC2016 # backticks are literal
	assert_stderr_contains '$RCI_EXEC `bogus`: must be `service`, `direct` or `runtime` (or unset)'
	assert_gone
}

@test "lifecycle: runtime errors are one line" {
	printf '#!/bin/sh\necho "first complaint" >&2\necho "the cause" >&2\nexit 1\n' >"$WORK/fake-rt"
	chmod +x "$WORK/fake-rt"
	run --separate-stderr launcher --runtime "$WORK/fake-rt" start
	assert_status 1
	assert_one_stderr_line
	assert_stderr_contains "first complaint; the cause"
	assert_gone
}

@test "lifecycle: root of a user namespace is served, --version is JSON" {
	run unshare -r "$L" --root "$STATE" status
	assert_status 0
	[ "$(jq .running <<<"$output")" = false ]
	run "$L" --version
	assert_status 0
	jq -e '.version and .commit' <<<"$output"
}

@test "lifecycle: doctor sweeps the bundles of killed doctors" {
	mkdir -p "$STATE/doctor-runc-999999/rootfs" "$STATE/.doctor-runtime-999999" \
		"$STATE/.doctor-crun-999999.tmp-999999/rootfs"
	run launcher doctor
	[ ! -e "$STATE/doctor-runc-999999" ]
	[ ! -e "$STATE/.doctor-runtime-999999" ]
	[ ! -e "$STATE/.doctor-crun-999999.tmp-999999" ]
	# Nothing of its own left either.
	local f
	for f in "$STATE"/*doctor* "$STATE"/.*doctor*; do
		[ ! -e "$f" ] || fail "left: $f"
	done
}

@test "lifecycle: networks are found by the helper's rules (symlinks, .conflist first)" {
	d="$XDG_CONFIG_HOME/cni/net.d"
	mkdir -p "$d" "$WORK/elsewhere"
	# A symlinked config (how admins install them) is a network like any other.
	jq -n '{cniVersion: "1.0.0", name: "linked", plugins: [{type: "no-such-plugin-a"}]}' \
		>"$WORK/elsewhere/linked.conflist"
	ln -s "$WORK/elsewhere/linked.conflist" "$d/10-linked.conflist"
	# Same name in a .conf sorting first and in a .conflist: the .conflist wins.
	jq -n '{cniVersion: "1.0.0", name: "dup", type: "no-such-plugin-conf"}' >"$d/00-dup.conf"
	jq -n '{cniVersion: "1.0.0", name: "dup", plugins: [{type: "no-such-plugin-list"}]}' \
		>"$d/99-dup.conflist"
	run --separate-stderr launcher alloc x linked
	assert_status 3
	# shellcheck disable=SC2016 # backticks are literal
	assert_stderr_contains 'CNI plugin `no-such-plugin-a` not found'
	run --separate-stderr launcher alloc x dup
	assert_status 3
	# shellcheck disable=SC2016 # backticks are literal
	assert_stderr_contains 'CNI plugin `no-such-plugin-list` not found'
	run --separate-stderr launcher alloc x nosuch
	assert_status 3
	assert_one_stderr_line
	assert_stderr_contains "networks found: linked, dup"
	assert_gone
}
