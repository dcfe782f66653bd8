# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared by the engine suites of issue 11 (70-engines-*.bats, 71-engines-*.bats): Debian's
# podman 4.3.1 and runc as the engines of the OCI hook and of `--network ns:`. Load after
# helpers, launcher and net (free_port, host_port_open): its setup_file, setup, teardown and
# teardown_file replace launcher.bash's.
#
# Each suite has its own podman: XDG_CONFIG_HOME, XDG_DATA_HOME and XDG_RUNTIME_DIR under $ENG,
# so storage and the pause process (podman's user namespace) are the suite's alone, and
# containers.conf says runc (Debian's crun refuses rootless containers on hybrid cgroups),
# cgroupfs and a file events log. No registry is reachable: containers run from $ENG/rootfs,
# a static busybox, with `podman run --rootfs`. The launcher's state follows XDG_RUNTIME_DIR:
# $ENG/run/rootless-cni-infra, its `host` infra there and podman's `userns-N` below it.
# shellcheck disable=SC2154 # $output, $status come from bats' run

engines_setup_file() {
	check_cmds podman runc slirp4netns newuidmap jq curl nsenter python3
	check_files "$L" /bin/busybox "$RCI_SRC/Makefile" "$RCI_SRC/infra/oci-hook.json.in"
	if [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then
		prereq_missing "/dev/net/tun is not read-writable"
	fi
	[ -n "$PREREQ_MISSING" ] && return 0
	# Short: slirp4netns' API socket below it must fit sun_path.
	ENG=$(mktemp -d /tmp/rci-e.XXXXXX)
	export ENG XDG_CONFIG_HOME="$ENG/config" XDG_DATA_HOME="$ENG/data" XDG_RUNTIME_DIR="$ENG/run"
	export RCI_DEFAULT_NET_DIR="$RCI_SRC/image/net.d"
	mkdir -p "$XDG_CONFIG_HOME/containers" "$XDG_DATA_HOME"
	install -d -m 0700 "$XDG_RUNTIME_DIR"
	cat >"$XDG_CONFIG_HOME/containers/containers.conf" <<-'EOF2'
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	EOF2
	make_rootfs "$ENG/rootfs"
	# The hooks.d entries as `make install` ships them, their path pointed at this build.
	make -s -C "$RCI_SRC" install DESTDIR="$ENG/dest" BUILD="$BUILD" >"$ENG/install.log" 2>&1 ||
		prereq_missing "make install failed: $(tail -n 3 "$ENG/install.log")"
	INSTALLED_HOOKS="$ENG/dest/usr/local/share/containers/oci/hooks.d"
	HOOKS="$ENG/hooks.d"
	mkdir -p "$HOOKS"
	local f
	for f in "$INSTALLED_HOOKS"/*.json; do
		jq --arg l "$L" '.hook.path = $l' "$f" >"$HOOKS/${f##*/}"
	done
	export INSTALLED_HOOKS HOOKS
	# Where the hook keeps its records and logs: the state dir of the UID (no XDG_RUNTIME_DIR).
	local uid
	uid=$(id -u)
	if [ -d "/run/user/$uid" ] && [ -O "/run/user/$uid" ] && [ -w "/run/user/$uid" ]; then
		HOOK_RECORDS="/run/user/$uid/rootless-cni-infra/hooks"
	else
		HOOK_RECORDS="/tmp/rootless-cni-infra-$uid/hooks"
	fi
	export HOOK_RECORDS
	STATE_BASE="$XDG_RUNTIME_DIR/rootless-cni-infra"
	export STATE_BASE
}

# A static busybox rootfs with the tools the tests run and the files podman expects.
make_rootfs() {
	local r=$1 t
	mkdir -p "$r/bin" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/run" "$r/var"
	cp /bin/busybox "$r/bin/"
	for t in sh wget httpd nc ip nslookup ping true sleep cat ls; do
		ln -sf busybox "$r/bin/$t"
	done
	: >"$r/etc/hosts"
	: >"$r/etc/resolv.conf"
	echo rootfs >"$r/etc/hostname"
}

engines_setup() {
	require_prereqs
	WORK=$(mktemp -d /tmp/rci-w.XXXXXX)
	# shellcheck disable=SC2034 # read by new_procs (launcher.bash)
	BEFORE=$(live_pids)
}

# Stops whatever a test left: containers, both user namespaces' infras, podman's pause process.
engines_cleanup() {
	podman rm -a -f -t 0 >/dev/null 2>&1 || true
	"$L" stop >/dev/null 2>&1 || true
	podman unshare "$L" stop >/dev/null 2>&1 || true
	"$L" reap >/dev/null 2>&1 || true
}

engines_teardown() {
	engines_cleanup
	rm -rf "$WORK"
}

engines_teardown_file() {
	[ -n "${ENG:-}" ] || return 0
	engines_cleanup
	local pause
	pause=$(cat "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid" 2>/dev/null) || true
	# Storage files belong to subordinate IDs: removed from inside podman's namespace.
	podman unshare rm -rf "$XDG_DATA_HOME" >/dev/null 2>&1 || true
	[ -n "$pause" ] && kill "$pause" 2>/dev/null
	rm -rf "$ENG"
}

setup_file() { engines_setup_file; }
teardown_file() { engines_teardown_file; }
setup() { engines_setup; }
teardown() { engines_teardown; }

# podman run, as every test runs it: detached, our hooks, no network of podman's own.
prun() {
	podman run -d --hooks-dir "$HOOKS" --network none "$@"
}

# ROOTFS: what `prun ... $ROOTFS CMD` runs (podman's --rootfs takes the image's place).
rootfs_args() { echo --rootfs "$ENG/rootfs"; }

# The IPv4 address of eth0 in container $1 (podman's name).
ctr_ip() {
	podman exec "$1" ip -4 -o addr show eth0 | awk '{ sub("/.*", "", $4); print $4 }'
}

# The helper's attachments of every infra of this suite, as "key id network" lines.
attachments() {
	local key dir
	for dir in "$STATE_BASE" "$STATE_BASE"/userns-*; do
		[ -f "$dir/infra.json" ] || continue
		key=${dir##*/}
		[ "$dir" = "$STATE_BASE" ] && key=host
		if [ "$key" = host ]; then
			"$L" exec -- list
		else
			podman unshare "$L" exec -- list
		fi | jq -r --arg k "$key" '.[] | "\($k) \(.id) \(.network)"'
	done
}

# Running infras of this suite, from the host's `status`: "key pid" lines.
running_infras() {
	"$L" status | jq -r '.infras[] | select(.running) | "\(.key) \(.pid)"'
}

# The state dir holds no infra: records, bundles, sockets, runtime state are gone.
assert_no_infra() {
	run running_infras
	assert_status 0
	[ -z "$output" ] || fail "infras still running: $output"
	local d
	for d in "$STATE_BASE" "$STATE_BASE"/userns-*; do
		[ -d "$d" ] || continue
		run ls -A "$d"
		[ "$(echo "$output" | grep -v -e '^lock$' -e '^userns-' -e '^hooks$' || true)" = "" ] ||
			fail "$d holds: $output"
		[ -z "$(ls -A "$d/hooks" 2>/dev/null)" ] || fail "hook files left in $d/hooks"
	done
}

# The hook's record and log of container $1 (podman's full ID) are gone.
assert_no_hook_files() {
	[ ! -e "$HOOK_RECORDS/$1.json" ] || fail "hook record of $1 left"
	[ ! -e "$HOOK_RECORDS/$1.log" ] || fail "hook log of $1 left"
}
