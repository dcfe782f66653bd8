#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The networks a user sees (issue 11, section 1): the shipped `default` and `dualstack` stay
# available beside the user's own config dir, a user network of the same name wins, and every
# "not found" names both dirs. fixtures/podman-gnet.conflist is the file Debian's podman 4.3.1
# wrote for `podman --network-backend cni network create gnet` (with its cni.lock beside it,
# as podman leaves it), byte for byte: the case of the issue, where `alloc c1 default` failed
# with "network `default` not found ... (networks found: gnet)".

# shellcheck disable=SC2154 # $output, $status and $stderr come from bats' run
# shellcheck disable=SC2016 # backticks in messages and $vars of jq filters are literal
load helpers

load launcher

# The user's dir as podman's CNI backend leaves it.
podman_dir() {
	USERDIR="$XDG_CONFIG_HOME/cni/net.d"
	mkdir -p "$USERDIR"
	cp "$BATS_TEST_DIRNAME/fixtures/podman-gnet.conflist" "$USERDIR/gnet.conflist"
	: >"$USERDIR/cni.lock"
}

# A user network named NAME on bridge BRIDGE, subnet 10.77.N.0/24.
user_net() {
	jq --arg n "$1" --arg b "$2" --arg s "10.77.$3.0/24" --arg g "10.77.$3.1" \
		'.name = $n | .plugins[0].bridge = $b |
		 .plugins[0].ipam.ranges = [[{subnet: $s, gateway: $g}]]' \
		"$RCI_SRC/image/net.d/default.conflist" >"$4"
}

@test "networks: podman's network and the shipped default both work" {
	podman_dir
	launcher alloc c1 default >"$WORK/c1.json"
	launcher alloc c2 gnet >"$WORK/c2.json"
	[[ "$(ip_of "$WORK/c1.json")" == 10.88.* ]]
	[[ "$(ip_of "$WORK/c2.json")" == 10.89.0.* ]]
	# Each network's bridge in the infra: ours and podman's.
	run launcher exec -- list
	assert_json '[.[] | {id, network, config}] == [
		{id: "c1", network: "default",
		 config: "/usr/local/share/rootless-cni-infra/net.d/default.conflist"},
		{id: "c2", network: "gnet", config: "/etc/cni/net.d/gnet.conflist"}]'
	# What NET can be: the user's first, then the shipped ones, on the host and in the infra.
	run launcher networks
	assert_json --json "$output" --arg u "$USERDIR" --arg s "$RCI_SRC/image/net.d" '. == [
		{name: "gnet", file: "\($u)/gnet.conflist"},
		{name: "default", file: "\($s)/default.conflist"},
		{name: "dualstack", file: "\($s)/dualstack.conflist"}]'
	run launcher exec -- networks
	assert_json '[.[].file] == ["/etc/cni/net.d/gnet.conflist",
		"/usr/local/share/rootless-cni-infra/net.d/default.conflist",
		"/usr/local/share/rootless-cni-infra/net.d/dualstack.conflist"]'
	run launcher status
	assert_json --json "$output" --arg u "$USERDIR" --arg s "$RCI_SRC/image/net.d" \
		'.running and .cniConfigDirs == [$u, $s]'
	launcher dealloc c1 default
	launcher dealloc c2 gnet
	assert_gone
}

@test "networks: a user network named default wins over the shipped one" {
	podman_dir
	user_net default cni-user0 1 "$USERDIR/zz-my-default.conflist"
	launcher alloc c1 default >"$WORK/c1.json"
	[[ "$(ip_of "$WORK/c1.json")" == 10.77.1.* ]]
	run launcher exec -- list
	assert_json '.[0].config == "/etc/cni/net.d/zz-my-default.conflist"'
	run launcher networks
	assert_json '[.[] | select(.name == "default") | .file] ==
		["'"$USERDIR"'/zz-my-default.conflist"]'
	# The shipped dualstack is still there.
	launcher alloc c2 dualstack >"$WORK/c2.json"
	[[ "$(ip_of "$WORK/c2.json")" == 10.89.0.* ]]
	launcher dealloc c2 dualstack
	launcher dealloc c1 default
	assert_gone
}

@test "networks: not found names both dirs, on the host and in the infra" {
	podman_dir
	local want='network `nosuch` not found: no configuration named `nosuch` in `'"$USERDIR"'` (networks found: gnet) or `'"$RCI_SRC/image/net.d"'` (networks found: default, dualstack)'
	run --separate-stderr launcher alloc c1 nosuch
	assert_status 3
	assert_one_stderr_line
	[ "$stderr" = "rootless-cni-launcher: error: $want" ] || fail "got: $stderr"
	# No user dir at all: it says that it holds nothing.
	rm -rf "$XDG_CONFIG_HOME"
	run --separate-stderr launcher alloc c1 nosuch
	assert_status 3
	assert_stderr_contains 'in `'"$USERDIR"'` (no configurations) or `'"$RCI_SRC/image/net.d"'` (networks found: default, dualstack)'
	# The helper's own lookup, inside the infra, names the dirs it sees.
	podman_dir
	launcher start
	run --separate-stderr launcher exec -- alloc c1 nosuch "" "" ""
	assert_status 3
	[ "$stderr" = 'rootless-cni-infra: network `nosuch` not found: no configuration named `nosuch` in `/etc/cni/net.d` (networks found: gnet) or `/usr/local/share/rootless-cni-infra/net.d` (networks found: default, dualstack)' ] ||
		fail "got: $stderr"
	launcher stop
	assert_gone
}

@test "networks: the user dir is made at start, and a network written there later is used" {
	[ ! -e "$XDG_CONFIG_HOME" ]
	launcher alloc c1 default >/dev/null
	[ "$(stat -c %a "$XDG_CONFIG_HOME/cni/net.d")" = 700 ]
	# As `podman network create` would, with the infra running.
	podman_dir
	launcher alloc c2 gnet >"$WORK/c2.json"
	[[ "$(ip_of "$WORK/c2.json")" == 10.89.0.* ]]
	launcher dealloc c2 gnet
	launcher dealloc c1 default
	assert_gone
}

@test "networks: --cni-config-dir against a running infra, and commands without it" {
	mkdir -p "$WORK/a" "$WORK/b"
	user_net anet cni-anet 2 "$WORK/a/anet.conflist"
	launcher --cni-config-dir "$WORK/a" alloc c1 anet >/dev/null
	# Without the option, the running infra's dirs are used: its network is found on the host.
	launcher alloc c2 anet >/dev/null
	launcher alloc c3 default >/dev/null
	run launcher status
	assert_json --arg a "$WORK/a" '.cniConfigDirs[0] == $a'
	run --separate-stderr launcher --cni-config-dir "$WORK/b" alloc c4 default
	assert_status 4
	assert_one_stderr_line
	assert_stderr_contains 'the infra runs with --cni-config-dir `'"$WORK/a"'`; run `rootless-cni-launcher stop` to switch'
	launcher stop
	assert_gone
}

@test "networks: with --image, the image's shipped networks beside the user's" {
	local layout="$BUILD/image/oci"
	[ -e "$layout/index.json" ] || fail "no image layout at $layout (make image)"
	podman_dir
	user_net mine cni-mine 3 "$USERDIR/mine.conflist"
	"$L" --root "$STATE" --image "$layout" alloc c1 default >"$WORK/c1.json"
	"$L" --root "$STATE" --image "$layout" alloc c2 mine >"$WORK/c2.json"
	[[ "$(ip_of "$WORK/c1.json")" == 10.88.* ]]
	[[ "$(ip_of "$WORK/c2.json")" == 10.77.3.* ]]
	run launcher status
	assert_json --arg u "$USERDIR" '.cniConfigDirs[0] == $u and
		(.cniConfigDirs[1] | test("/image-cache/[0-9a-f]{64}/rootfs/etc/cni/net.d$"))'
	run launcher exec -- networks
	assert_json '[.[].name] == ["gnet", "mine", "default", "dualstack"]'
	launcher dealloc c1 default
	launcher dealloc c2 mine
	assert_gone
}
