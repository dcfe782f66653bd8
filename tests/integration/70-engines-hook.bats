#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The OCI hook (issue 11, section 3; DESIGN.md Contract 3) with real engines: Debian's podman
# 4.3.1 reading the hooks.d entries `make install` ships (`--hooks-dir`), and runc reading the
# hook from config.json. Rootless, as the test user, with Debian's CNI plugins and the shipped
# networks. engines.bash has the suite's own podman. About 60 s.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers
load launcher
load net
load engines

NETS=io.rootless-cni-infra.networks

@test "hook install: one hooks.d entry per stage, naming the installed launcher" {
	local f s
	for s in createRuntime poststop; do
		f="$INSTALLED_HOOKS/rootless-cni-infra-$s.json"
		[ -f "$f" ] || fail "no $f"
		jq -e --arg s "$s" '.version == "1.0.0" and
			.hook.path == "/usr/local/bin/rootless-cni-launcher" and
			.hook.args == ["rootless-cni-launcher", "oci-hook", $s] and
			.when.annotations == {"^io\\.rootless-cni-infra\\.networks$": ".*"} and
			.stages == [$s]' "$f" || fail "$(cat "$f")"
	done
	# HOOKSDIR moves them; PREFIX moves the launcher they name.
	make -s -C "$RCI_SRC" install DESTDIR="$WORK/d" PREFIX=/opt/x HOOKSDIR=/etc/containers/oci/hooks.d \
		BUILD="$BUILD" >/dev/null
	jq -e '.hook.path == "/opt/x/bin/rootless-cni-launcher"' \
		"$WORK/d/etc/containers/oci/hooks.d/rootless-cni-infra-poststop.json"
	make -s -C "$RCI_SRC" uninstall DESTDIR="$WORK/d" PREFIX=/opt/x \
		HOOKSDIR=/etc/containers/oci/hooks.d >/dev/null
	[ -z "$(find "$WORK/d" -name '*.json')" ]
}

@test "podman hook: two containers talk by address and by name, a port answers from the host, rm releases everything" {
	local port web cli wip
	port=$(free_port)
	# shellcheck disable=SC2046 # rootfs_args is two words
	web=$(prun --annotation "$NETS=default" --annotation io.rootless-cni-infra.pod-name=web \
		--annotation "io.rootless-cni-infra.ports=$port:80" $(rootfs_args) \
		sh -c 'echo page of web >/tmp/index.html; exec httpd -f -p 80 -h /tmp')
	# shellcheck disable=SC2046
	cli=$(prun --annotation "$NETS=default" --annotation io.rootless-cni-infra.pod-name=cli \
		$(rootfs_args) sleep 600)
	wip=$(ctr_ip "$web")
	[[ "$wip" == 10.88.* ]] || fail "web has no address on default: $wip"
	[[ "$(ctr_ip "$cli")" == 10.88.* ]]
	run podman exec "$cli" wget -qO- "http://$wip/index.html"
	assert_status 0
	[ "$output" = "page of web" ]
	# By name: the networks' DNS in resolv.conf (the rootfs' own: podman mounts none with
	# --network none), the names in the hosts file podman mounts.
	run podman exec "$cli" cat /etc/resolv.conf
	[[ "$output" == *"nameserver 10.88.0.1"* ]] && [[ "$output" == *"search dns.podman"* ]] ||
		fail "resolv.conf: $output"
	run podman exec "$cli" wget -qO- http://web/index.html
	assert_status 0
	[ "$output" = "page of web" ]
	run podman exec "$web" cat /etc/hosts
	[[ "$output" == *"$wip	web "*"web.dns.podman"* ]] || fail "hosts: $output"
	# From the host, through the published port.
	wait_until 10 curl -sf -o /dev/null -m 2 "http://127.0.0.1:$port/index.html"
	run curl -sS -m 5 "http://127.0.0.1:$port/index.html"
	[ "$output" = "page of web" ]
	# One infra, podman's user namespace's, with both; the hook's records and logs.
	run running_infras
	[[ "$output" == userns-* ]] && [ "$(wc -l <<<"$output")" -eq 1 ] || fail "infras: $output"
	local key=${output%% *}
	[ "$(attachments | sort)" = "$(printf '%s default\n' "$key $cli" "$key $web" | sort)" ]
	[ -f "$HOOK_RECORDS/$web.json" ] && [ -s "$HOOK_RECORDS/$web.log" ]
	grep -q "createRuntime of \`$web\` done" "$HOOK_RECORDS/$web.log"

	podman rm -f -t 0 "$web" >/dev/null
	# Released: no attachment, no forward, no record; the infra keeps serving cli.
	[ "$(attachments)" = "$key $cli default" ]
	run host_port_open "$port"
	assert_status 1
	assert_no_hook_files "$web"
	podman rm -f -t 0 "$cli" >/dev/null
	assert_no_hook_files "$cli"
	# The last one gone, the infra is too.
	assert_no_infra
	[ -z "$(new_procs)" ]
}

@test "podman hook: a container without the annotation is untouched" {
	# shellcheck disable=SC2046
	run podman run --rm --hooks-dir "$HOOKS" --network none $(rootfs_args) ip -o link
	assert_status 0
	[[ "$output" != *eth0* ]] || fail "got an interface: $output"
	assert_no_infra
	[ -z "$(ls -A "$HOOK_RECORDS" 2>/dev/null)" ]
}

@test "podman hook: bad annotations fail podman run with our one line and leave nothing" {
	# podman's status tells the hook's: 127 for our 3 (not found), 126 for our 2 (bad input).
	local -a cases=(
		"127|$NETS=nosuch|network \`nosuch\` not found"
		"126|io.rootless-cni-infra.ports=99999:80|annotation \`io.rootless-cni-infra.ports\`: bad port mapping \`99999:80\`"
		"126|io.rootless-cni-infra.ip=10.88.0.300|annotation \`io.rootless-cni-infra.ip\`: invalid IP address \`10.88.0.300\`"
	)
	local c rc ann msg
	for c in "${cases[@]}"; do
		rc=${c%%|*} c=${c#*|}
		ann=${c%%|*} msg=${c#*|}
		# shellcheck disable=SC2046
		run "-$rc" podman run --rm --hooks-dir "$HOOKS" --network none \
			--annotation "$NETS=default" --annotation "$ann" $(rootfs_args) true
		[[ "$output" == *"rootless-cni-launcher: error: "*"$msg"* ]] || fail "$ann: $output"
		# One line of ours (podman quotes it in its own).
		[ "$(grep -c 'rootless-cni-launcher: error' <<<"$output")" -eq 1 ]
		assert_no_infra
		[ -z "$(ls -A "$HOOK_RECORDS" 2>/dev/null)" ] || fail "$ann left $(ls "$HOOK_RECORDS")"
	done
	# A failure after the infra started rolls back what it did, the infra with it: the port
	# is taken by the first network's portmap, then slirp4netns cannot publish it.
	local port blocker
	port=$(free_port)
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$port" &
	blocker=$!
	wait_until 5 host_port_open "$port"
	# shellcheck disable=SC2046
	run podman run --rm --hooks-dir "$HOOKS" --network none --annotation "$NETS=default" \
		--annotation "io.rootless-cni-infra.ports=$port:80" $(rootfs_args) true
	kill "$blocker"
	[ "$status" -ne 0 ] && [[ "$output" == *"host port 0.0.0.0:$port/tcp is already in use"* ]] ||
		fail "taken port: $output"
	assert_no_infra
	[ -z "$(ls -A "$HOOK_RECORDS" 2>/dev/null)" ]
}

@test "podman hook: one stage-less entry; networks in order, IP and MAC on the first" {
	mkdir -p "$WORK/hooks"
	jq -n --arg l "$L" '{version: "1.0.0", hook: {path: $l, args: ["rootless-cni-launcher", "oci-hook"]},
		when: {annotations: {"^io\\.rootless-cni-infra\\.networks$": ".*"}},
		stages: ["createRuntime", "poststop"]}' >"$WORK/hooks/one.json"
	# podman 4.3.1 splits --annotation values at commas unless quoted as a CSV field.
	# shellcheck disable=SC2046
	run podman run --rm --hooks-dir "$WORK/hooks" --network none \
		--annotation "\"$NETS=default,dualstack\"" \
		--annotation io.rootless-cni-infra.ip=10.88.0.77 \
		--annotation io.rootless-cni-infra.mac=02:42:0a:58:00:4d \
		$(rootfs_args) sh -c 'ip -o addr; ip -o link show eth0; cat /etc/resolv.conf'
	assert_status 0
	[[ "$output" == *"eth0    inet 10.88.0.77/16"* ]] || fail "eth0: $output"
	[[ "$output" == *"eth1    inet 10.89.0."* ]] || fail "eth1: $output"
	[[ "$output" == *"02:42:0a:58:00:4d"* ]] || fail "mac: $output"
	[[ "$output" == *"nameserver 10.88.0.1"*"nameserver 10.89.0.1"* ]] || fail "dns: $output"
	# --rm ran the poststop: everything released.
	assert_no_infra
	[ -z "$(ls -A "$HOOK_RECORDS" 2>/dev/null)" ]
}

@test "oci-hook: bad input exits 2 having made nothing; no annotation, or poststop again, is success" {
	local state='{"id":"c1","status":"creating","pid":1,"annotations":{"io.rootless-cni-infra.networks":"default"}}'
	run --separate-stderr "$L" oci-hook poststart <<<"$state"
	assert_status 2
	assert_one_stderr_line
	assert_stderr_contains "unknown hook stage \`poststart\`"
	run --separate-stderr "$L" oci-hook <<<'{"id":"c1","status":"running","annotations":{}}'
	assert_status 2
	assert_stderr_contains "does not tell one"
	run --separate-stderr "$L" oci-hook createRuntime <<<'{"id":"../x","pid":1}'
	assert_status 2
	assert_one_stderr_line
	assert_stderr_contains "the OCI state's \`id\`: invalid container ID \`../x\`"
	run --separate-stderr "$L" oci-hook createRuntime <<<'{"id": "c1",'
	assert_status 2
	assert_one_stderr_line
	run --separate-stderr "$L" oci-hook createRuntime <<<"${state/\"pid\":1,/}"
	assert_status 2
	assert_stderr_contains "no \`pid\`"
	# The init's netns is not ours to network (pid 1: the host's, another user namespace's).
	run --separate-stderr "$L" oci-hook createRuntime <<<"$state"
	[ "$status" -ne 0 ]
	assert_one_stderr_line
	# Nothing to do, and nothing made.
	run "$L" oci-hook createRuntime <<<'{"id":"c1","pid":1,"annotations":{"x":"y"}}'
	assert_status 0
	run "$L" oci-hook poststop <<<'{"id":"c1","status":"stopped","annotations":{"io.rootless-cni-infra.networks":"default"}}'
	assert_status 0
	run "$L" oci-hook poststop <<<'{"id":"c1","status":"stopped","annotations":{"io.rootless-cni-infra.networks":"default"}}'
	assert_status 0
	assert_no_infra
	[ -z "$(ls -A "$HOOK_RECORDS" 2>/dev/null)" ]
}

# runc config.json for container $1 in the rootfs, with the hook (--root: runc passes hooks no
# environment) and the annotations $2 (a JSON object); the namespaces from $3 (jq filter).
runc_bundle() {
	local b="$WORK/$1"
	mkdir -p "$b" && (cd "$b" && runc spec --rootless)
	jq --arg l "$L" --arg s "$STATE_BASE" --arg r "$ENG/rootfs" --argjson a "$2" "
		.root = {path: \$r, readonly: true} | .process.terminal = false |
		.process.args = [\"sleep\", \"600\"] | .annotations = \$a |
		.hooks = {createRuntime: [{path: \$l, args: [\"rootless-cni-launcher\", \"--root\", \$s, \"oci-hook\", \"createRuntime\"]}],
			poststop: [{path: \$l, args: [\"rootless-cni-launcher\", \"--root\", \$s, \"oci-hook\", \"poststop\"]}]} |
		$3" "$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
}

@test "runc hook: runc in the infra's user namespace gets eth0; deleting the container releases it" {
	"$L" start
	local userns
	userns=$("$L" status | jq -r .userns)
	# runc runs as root of the infra's user namespace, as podman runs it in its own; the
	# container makes its netns there.
	runc_bundle r1 "{\"$NETS\": \"default\"}" '.linux.namespaces = [{type: "pid"}, {type: "ipc"},
		{type: "uts"}, {type: "mount"}, {type: "network"}] | del(.linux.uidMappings, .linux.gidMappings)'
	nsenter --user="$userns" --preserve-credentials runc --root "$WORK/runc" run -d \
		--bundle "$WORK/r1" r1 </dev/null >"$WORK/r1.out" 2>&1 || fail "$(cat "$WORK/r1.out")"
	run nsenter --user="$userns" --preserve-credentials runc --root "$WORK/runc" exec r1 \
		ip -4 -o addr show eth0
	assert_status 0
	[[ "$output" == *"inet 10.88."* ]] || fail "eth0: $output"
	[ "$(attachments)" = "host r1 default" ]
	nsenter --user="$userns" --preserve-credentials runc --root "$WORK/runc" delete -f r1
	# Released, and the infra gone with its last container.
	assert_no_infra
	[ -z "$(ls -A "$STATE_BASE/hooks" 2>/dev/null)" ]
}

@test "runc hook: a container in a user namespace of its own is refused, saying why and what to do" {
	"$L" start
	# runc's rootless default: a new user namespace, which the infra cannot administer.
	runc_bundle r2 "{\"$NETS\": \"default\"}" '.linux.namespaces += [{type: "network"}]'
	run runc --root "$WORK/runc" run -d --bundle "$WORK/r2" r2 </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"the network namespace of \`r2\` belongs to user namespace "*", which the infra \`host\` (user namespace "*") cannot administer: make the container join the infra's user namespace"*"rootless-cni-launcher status"* ]] ||
		fail "$output"
	runc --root "$WORK/runc" delete -f r2 >/dev/null 2>&1 || true
	[ -z "$(attachments)" ]
	[ -z "$(ls -A "$STATE_BASE/hooks" 2>/dev/null)" ]
	"$L" stop
}
