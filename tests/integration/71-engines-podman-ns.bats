#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Issue 11, sections 2 and 4: podman 4 through `--network ns:` (the launcher run inside
# podman's user namespace with `podman unshare`), and one infra per user namespace: the user's
# shell and podman's namespace each have theirs, side by side; a new podman pause process (a new
# namespace) gets a new one, and what the old one left is cleaned. engines.bash has the suite's
# own podman. About 60 s.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers
load launcher
load net
load engines

# The launcher inside podman's user namespace, as podman's own commands run.
pl() { podman unshare "$L" "$@"; }

pause_pid() { cat "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid"; }

@test "podman --network ns: two containers by address and by name, a published port, dealloc stops the infra" {
	local port
	port=$(free_port)
	pl alloc web default web -p "$port:80" >"$WORK/web.json"
	pl alloc cli default >"$WORK/cli.json"
	local web_ns cli_ns wip
	web_ns=$(jq -r .netns "$WORK/web.json")
	cli_ns=$(jq -r .netns "$WORK/cli.json")
	wip=$(ip_of "$WORK/web.json")
	# The result's DNS, as an engine puts it in resolv.conf.
	local -a dns=(--dns "$(jq -r '.result.dns.nameservers[0]' "$WORK/cli.json")"
		--dns-search "$(jq -r '.result.dns.search[0]' "$WORK/cli.json")")
	# shellcheck disable=SC2046 # rootfs_args is two words
	podman run -d --name web --network "ns:$web_ns" $(rootfs_args) \
		sh -c 'echo page of web >/tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null
	# shellcheck disable=SC2046
	podman run -d --name cli --network "ns:$cli_ns" "${dns[@]}" $(rootfs_args) sleep 600 \
		>/dev/null
	[ "$(ctr_ip cli)" = "$(ip_of "$WORK/cli.json")" ]
	run podman exec cli wget -qO- "http://$wip/index.html"
	assert_status 0
	[ "$output" = "page of web" ]
	run podman exec cli wget -qO- http://web/index.html
	assert_status 0
	[ "$output" = "page of web" ]
	wait_until 10 curl -sf -o /dev/null -m 2 "http://127.0.0.1:$port/index.html"
	run curl -sS -m 5 "http://127.0.0.1:$port/index.html"
	[ "$output" = "page of web" ]
	# The infra is podman's namespace's, not the shell's.
	run running_infras
	[[ "$output" == userns-* ]] && [ "$(wc -l <<<"$output")" -eq 1 ] || fail "infras: $output"
	podman rm -f -t 0 web cli >/dev/null
	pl dealloc web default
	run host_port_open "$port"
	assert_status 1
	pl dealloc cli default
	assert_no_infra
}

@test "two user namespaces: the shell's infra and podman's serve at once, each stops with its last container" {
	# The shell's: the launcher makes its own user namespace (key `host`).
	"$L" alloc h1 default >"$WORK/h1.json"
	# podman's: a hooked container and a `podman unshare` alloc (key `userns-N`).
	local p1 ukey
	# shellcheck disable=SC2046 # rootfs_args is two words
	p1=$(prun --annotation io.rootless-cni-infra.networks=default --annotation \
		io.rootless-cni-infra.pod-name=p1 $(rootfs_args) \
		sh -c 'echo page of p1 >/tmp/index.html; exec httpd -f -p 80 -h /tmp')
	pl alloc u1 default >"$WORK/u1.json"
	run running_infras
	assert_status 0
	[ "$(wc -l <<<"$output")" -eq 2 ] && [[ "$output" == *"host "* ]] || fail "infras: $output"
	ukey=$(awk '/^userns-/ { print $1 }' <<<"$output")
	[ -n "$ukey" ] || fail "no podman infra: $output"
	[ "$(attachments | sort)" = "$(printf '%s\n' "host h1 default" "$ukey $p1 default" \
		"$ukey u1 default" | sort)" ]
	# Both serve, each its own containers.
	run "$L" enter h1 -- ping -c 1 -W 5 10.88.0.1
	assert_status 0
	run pl enter u1 -- curl -sS -m 5 "http://$(ctr_ip "$p1")/index.html"
	assert_status 0
	[ "$output" = "page of p1" ]
	# Each `status` says which infra is its own, and lists both.
	run "$L" status
	assert_json '.key == "host" and .running and (.infras | length) == 2'
	run pl status
	assert_json ".key == \"$ukey\" and .running and .ownUserns == false"
	# The shell's stops with its last container; podman's keeps serving.
	"$L" dealloc h1 default
	run running_infras
	[ "${output%% *}" = "$ukey" ] && [ "$(wc -l <<<"$output")" -eq 1 ] || fail "infras: $output"
	run pl enter u1 -- curl -sS -m 5 http://p1/index.html
	assert_status 0
	[ "$output" = "page of p1" ]
	podman rm -f -t 0 "$p1" >/dev/null
	[ "$(attachments)" = "$ukey u1 default" ]
	pl dealloc u1 default
	assert_no_infra
}

@test "a new podman pause process gets an infra of its own; reap from the host stops the orphaned one" {
	pl alloc u1 default >/dev/null
	local old old_pid
	read -r old old_pid < <(running_infras)
	[[ "$old" == userns-* ]] || fail "infras: $old"
	# The pause process gone, its user namespace lives on only through the infra.
	local pause
	pause=$(pause_pid)
	kill "$pause"
	wait_until 10 pid_dead "$pause"
	run "$L" status
	assert_json ".infras[] | select(.key == \"$old\") | .orphaned"
	# podman's next command makes a new namespace: a new key, a new infra.
	pl alloc u2 default >/dev/null
	local new
	new=$(pl status | jq -r .key)
	[[ "$new" == userns-* ]] && [ "$new" != "$old" ] || fail "keys $old, $new"
	run "$L" status
	assert_json "[.infras[] | select(.running)] | length == 2"
	assert_json ".infras[] | select(.key == \"$new\") | .orphaned == false"
	# From the host, reap stops what nothing uses any more, and nothing else.
	"$L" reap
	pid_dead "$old_pid"
	run running_infras
	[ "${output%% *}" = "$new" ] && [ "$(wc -l <<<"$output")" -eq 1 ] || fail "infras: $output"
	[ "$(ls -A "$STATE_BASE/$old")" = lock ]
	pl dealloc u2 default
	assert_no_infra
}

@test "a dead infra of another user namespace is cleaned when an infra starts; errors name the infra" {
	pl alloc u1 default >/dev/null
	local key pid slirp
	key=$(pl status | jq -r .key)
	pid=$(jq .pid "$STATE_BASE/$key/infra.json")
	slirp=$(jq .slirpPid "$STATE_BASE/$key/infra.json")
	kill -KILL "$pid" "$slirp"
	wait_until 10 pid_dead "$pid"
	run "$L" status
	assert_json ".infras[] | select(.key == \"$key\") | .running == false and .leftovers"
	# The shell's infra starts: the sweep removes what the dead one left.
	"$L" alloc h1 default >/dev/null
	[ "$(ls -A "$STATE_BASE/$key")" = lock ]
	run "$L" status
	assert_json '[.infras[].key] == ["host"]'
	"$L" dealloc h1 default
	run --separate-stderr pl exec -- is-idle
	assert_status 3
	assert_one_stderr_line
	assert_stderr_contains "the infra is not running for user namespace \`$key\`"
	assert_no_infra
	[ -z "$(new_procs)" ]
}
