#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bash completion of both programs (issue 11, section 5; infra/completion.bash, copied to
# $BUILD/completion by make): the script is sourced and its functions called as bash does, with
# COMP_WORDS and COMP_CWORD set; COMPREPLY is what the user would be offered.

# shellcheck disable=SC2154 # $output, $status and $stderr come from bats' run
# shellcheck disable=SC2034 # COMP_WORDS and COMP_CWORD are read by the sourced functions
load helpers

load launcher

# complete FUNCTION WORD...: completes the last WORD (possibly ""), sets REPLY to COMPREPLY
# sorted on one line, and fails when the completion wrote anything on stderr.
complete_words() {
	local fn=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	"$fn" 2>"$WORK/completion.err"
	[ ! -s "$WORK/completion.err" ] || fail "the completion wrote on stderr: $(cat "$WORK/completion.err")"
	REPLY=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ')
	REPLY=${REPLY% }
}

launcher_completes() { complete_words _rootless_cni_launcher "$L" --root "$STATE" "$@"; }

assert_reply() {
	[ "$REPLY" = "$1" ] || fail "offered \`$REPLY', want \`$1'"
}

setup() {
	launcher_test_setup
	# shellcheck source=/dev/null # built from infra/completion.bash
	. "$BUILD/completion/rootless-cni-launcher"
	mkdir -p "$XDG_CONFIG_HOME/cni/net.d"
	cp "$BATS_TEST_DIRNAME/fixtures/podman-gnet.conflist" "$XDG_CONFIG_HOME/cni/net.d/gnet.conflist"
}

@test "completion: both commands are registered" {
	run complete -p rootless-cni-launcher rootless-cni-infra
	[ "${lines[0]}" = "complete -F _rootless_cni_launcher rootless-cni-launcher" ]
	[ "${lines[1]}" = "complete -F _rootless_cni_infra rootless-cni-infra" ]
}

@test "completion: launcher commands, options and option values" {
	complete_words _rootless_cni_launcher "$L" ""
	assert_reply "alloc dealloc doctor enter exec gc networks reap start status stop"
	complete_words _rootless_cni_launcher "$L" st
	assert_reply "start status stop"
	complete_words _rootless_cni_launcher "$L" --debug --c
	assert_reply "--cni-config-dir --cni-plugin-dir"
	complete_words _rootless_cni_launcher "$L" --
	local o
	for o in --root --cni-config-dir --cni-plugin-dir --runtime --image --allow-host-loopback \
		--debug --help --version; do
		[[ " $REPLY " == *" $o "* ]] || fail "$o not offered: $REPLY"
	done
	complete_words _rootless_cni_launcher "$L" --runtime ""
	assert_reply "crun runc"
	mkdir "$WORK/confdir"
	complete_words _rootless_cni_launcher "$L" --cni-config-dir "$WORK/conf"
	assert_reply "$WORK/confdir $WORK/config"
	# The options a command takes.
	launcher_completes alloc c1 default -
	assert_reply "--publish -p"
	launcher_completes exec ""
	assert_reply "--"
}

@test "completion: network names from the user's dir and the shipped ones" {
	launcher_completes alloc c1 ""
	assert_reply "default dualstack gnet"
	launcher_completes alloc c1 d
	assert_reply "default dualstack"
	# --cni-config-dir typed before the command is the user's dir asked.
	mkdir "$WORK/other"
	jq '.name = "othernet"' "$RCI_SRC/image/net.d/default.conflist" >"$WORK/other/o.conflist"
	launcher_completes --cni-config-dir "$WORK/other" alloc c1 ""
	assert_reply "default dualstack othernet"
	# Nothing was started to answer.
	[ ! -e "$STATE/infra.json" ]
}

@test "completion: container IDs of the running infra, nothing when none runs" {
	local t0
	t0=$(now_ms)
	launcher_completes dealloc ""
	assert_reply ""
	launcher_completes enter ""
	assert_reply ""
	[ $(($(now_ms) - t0)) -lt 5000 ] || fail "too slow without an infra: $(($(now_ms) - t0)) ms"
	launcher alloc web default >/dev/null
	launcher alloc db default >/dev/null
	launcher alloc db gnet >/dev/null
	launcher_completes dealloc ""
	assert_reply "db web"
	# The networks of that ID only.
	launcher_completes dealloc db ""
	assert_reply "default gnet"
	launcher_completes dealloc web ""
	assert_reply "default"
	launcher_completes enter w
	assert_reply "web"
	launcher_completes enter web ""
	assert_reply "--"
	launcher_completes gc ""
	assert_reply "db web"
	# The helper's subcommands and their arguments through exec.
	launcher_completes exec -- print-
	assert_reply "print-cni-result print-netns-path"
	launcher_completes exec -- print-cni-result db ""
	assert_reply "default gnet"
	launcher_completes exec -- alloc new ""
	assert_reply "default dualstack gnet"
	launcher dealloc web default
	launcher dealloc db default
	launcher dealloc db gnet
	assert_gone
}

@test "completion: the helper's options, subcommands, networks and IDs" {
	local H="$BUILD/rootless-cni-infra"
	complete_words _rootless_cni_infra "$H" ""
	assert_reply "alloc check dealloc gc help is-idle list networks print-cni-result print-netns-path version"
	complete_words _rootless_cni_infra "$H" --
	assert_reply "--config-dir --debug --help --state-dir --version"
	# Its networks: the dirs of --config-dir, in order.
	complete_words _rootless_cni_infra "$H" --config-dir \
		"$XDG_CONFIG_HOME/cni/net.d:$RCI_SRC/image/net.d" alloc x ""
	assert_reply "default dualstack gnet"
	# Its IDs: `list` in its state dir (empty here, and no error shown).
	mkdir -m 0700 "$WORK/hstate"
	complete_words _rootless_cni_infra "$H" --state-dir "$WORK/hstate" dealloc ""
	assert_reply ""
}
