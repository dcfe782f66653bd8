# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Bash completion for rootless-cni-launcher and rootless-cni-infra, installed by `make install`
# as $(PREFIX)/share/bash-completion/completions/rootless-cni-launcher, and rootless-cni-infra as
# a symlink to it (bash-completion loads a command's file on first use). Completes the commands,
# the options, network names (`networks`: for the launcher, the user's config dir and the
# shipped one, read on the host by the helper's rules; for the helper, its config dirs) and
# container IDs (`list`, through the running infra's `exec -- list` for the launcher: nothing,
# silently, when none runs). The program asked is the one being completed (COMP_WORDS[0]), with
# the options typed so far that choose the infra or the dirs (--root, --cni-config-dir;
# --state-dir, --config-dir).

_rcl_commands="alloc dealloc exec enter start stop status reap gc networks doctor"
_rcl_options="--root --cni-config-dir --cni-plugin-dir --runtime --image --allow-host-loopback
--port-driver --net-driver --debug --help --version"
_rcl_helper_commands="alloc dealloc print-cni-result print-netns-path is-idle list networks
check gc help version"
_rcl_helper_options="--debug --state-dir --config-dir --help --version"

# _rcl_json_field TEXT FIELD: the values of "FIELD":"..." in our compact JSON, one per line,
# each once. Names and IDs are [A-Za-z0-9][A-Za-z0-9_.-]* (the helper refuses others), so they
# need no unescaping; anything else is left out.
_rcl_json_field() {
	local text=$1 re="\"$2\":\"([A-Za-z0-9][A-Za-z0-9_.-]*)\"" v
	local -A seen=()
	while [[ $text =~ $re ]]; do
		v=${BASH_REMATCH[1]}
		[ -n "${seen[$v]:-}" ] || printf '%s\n' "$v"
		seen[$v]=1
		text=${text#*"${BASH_REMATCH[0]}"}
	done
}

# _rcl_run ARGS...: the program being completed (_rcl_cmd, set by the completion function),
# with the options that choose the infra or the dirs (_rcl_global), quiet and never waiting.
_rcl_run() {
	"${_rcl_cmd[@]}" "${_rcl_global[@]}" "$@" 2>/dev/null </dev/null
}

# `list` is the helper's: the launcher runs it in the infra (_rcl_list).
_rcl_networks() { _rcl_json_field "$(_rcl_run networks)" name; }
_rcl_ids() { _rcl_json_field "$(_rcl_run "${_rcl_list[@]}")" id; }

# The networks ID is attached to ("id":"ID","network":"NET" in `list`), else every network.
_rcl_networks_of() {
	local out re
	local -a nets=()
	out=$(_rcl_run "${_rcl_list[@]}") || true
	re="\"id\":\"$1\",\"network\":\"([A-Za-z0-9][A-Za-z0-9_.-]*)\""
	while [[ $out =~ $re ]]; do
		nets+=("${BASH_REMATCH[1]}")
		out=${out#*"${BASH_REMATCH[0]}"}
	done
	if [ "${#nets[@]}" -gt 0 ]; then
		printf '%s\n' "${nets[@]}"
	else
		_rcl_networks
	fi
}

# The program's path: as typed when it runs, else the installed one.
_rcl_program() {
	_rcl_cmd=("${COMP_WORDS[0]}")
	command -v "${COMP_WORDS[0]}" >/dev/null 2>&1 || _rcl_cmd=("$1")
}

# Every function returns 0: a caller may run with `set -e` (bats does), and compgen's 1 means
# only "no match".
_rcl_reply() {
	local IFS=$'\n'
	# shellcheck disable=SC2207 # one word per line, split on newlines only
	COMPREPLY=($(compgen -W "$1" -- "$2")) || true
}

_rcl_dirs() {
	local IFS=$'\n'
	# shellcheck disable=SC2207 # compgen prints one name per line
	COMPREPLY=($(compgen -d -- "$1")) || true
	# Outside a completion (a test calling the function) compopt fails: nothing to set then.
	compopt -o filenames 2>/dev/null || true
}

# Arguments of the helper's subcommands (after `exec --`): positional N of SUBCOMMAND.
_rcl_helper_arg() {
	local sub=$1 n=$2 cur=$3 id=$4
	case "$sub:$n" in
	alloc:1 | dealloc:1 | print-cni-result:1 | print-netns-path:1 | check:1 | gc:*)
		_rcl_reply "$(_rcl_ids)" "$cur" ;;
	alloc:2) _rcl_reply "$(_rcl_networks)" "$cur" ;;
	dealloc:2 | print-cni-result:2 | check:2) _rcl_reply "$(_rcl_networks_of "$id")" "$cur" ;;
	*) COMPREPLY=() ;;
	esac
}

_rootless_cni_launcher() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=''
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	local -a _rcl_cmd=() _rcl_global=() _rcl_list=(exec -- list)
	_rcl_program rootless-cni-launcher
	COMPREPLY=()

	# The global options, up to the command.
	local i=1 w cmd='' ci=0
	while [ "$i" -lt "$COMP_CWORD" ]; do
		w=${COMP_WORDS[i]}
		case "$w" in
		--root | --cni-config-dir)
			_rcl_global+=("$w" "${COMP_WORDS[i + 1]:-}")
			i=$((i + 1))
			;;
		--root=* | --cni-config-dir=*) _rcl_global+=("$w") ;;
		--cni-plugin-dir | --runtime | --image | --port-driver | --net-driver) i=$((i + 1)) ;;
		-*) ;;
		*)
			cmd=$w ci=$i
			break
			;;
		esac
		i=$((i + 1))
	done

	if [ -z "$cmd" ]; then
		case "$prev" in
		--root | --cni-config-dir | --cni-plugin-dir | --image)
			_rcl_dirs "$cur"
			return 0
			;;
		--runtime)
			_rcl_reply "runc
crun" "$cur"
			return 0
			;;
		--port-driver)
			_rcl_reply "forwarder
slirp4netns" "$cur"
			return 0
			;;
		--net-driver)
			_rcl_reply "slirp4netns
pasta" "$cur"
			return 0
			;;
		esac
		if [[ $cur == -* ]]; then
			_rcl_reply "${_rcl_options//[[:space:]]/$'\n'}" "$cur"
		else
			_rcl_reply "${_rcl_commands// /$'\n'}" "$cur"
		fi
		return 0
	fi

	# The command's words so far: positionals counted, `-p VALUE` skipped, `--` noted.
	local n=0 dash=0 sub='' subn=0 id=''
	for ((i = ci + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$dash" -gt 0 ]; then
			if [ -z "$sub" ]; then
				sub=$w
			else
				subn=$((subn + 1))
				[ "$subn" -eq 1 ] && id=$w
			fi
			continue
		fi
		case "$w" in
		--) dash=$i ;;
		-p | --publish) i=$((i + 1)) ;;
		-*) ;;
		*)
			n=$((n + 1))
			[ "$n" -eq 1 ] && id=$w
			;;
		esac
	done

	case "$cmd" in
	alloc)
		[ "$prev" = -p ] || [ "$prev" = --publish ] && return 0
		if [[ $cur == -* ]]; then
			_rcl_reply "-p
--publish" "$cur"
		elif [ "$n" -eq 0 ]; then
			_rcl_reply "$(_rcl_ids)" "$cur"
		elif [ "$n" -eq 1 ]; then
			_rcl_reply "$(_rcl_networks)" "$cur"
		fi
		;;
	dealloc)
		if [ "$n" -eq 0 ]; then
			_rcl_reply "$(_rcl_ids)" "$cur"
		elif [ "$n" -eq 1 ]; then
			_rcl_reply "$(_rcl_networks_of "$id")" "$cur"
		fi
		;;
	enter)
		if [ "$dash" -gt 0 ]; then
			local IFS=$'\n'
			# shellcheck disable=SC2207 # compgen prints one name per line
			[ -n "$sub" ] || COMPREPLY=($(compgen -c -- "$cur")) || true
		elif [ "$n" -eq 0 ]; then
			_rcl_reply "$(_rcl_ids)" "$cur"
		else
			_rcl_reply "--" "$cur"
		fi
		;;
	exec)
		if [ "$dash" -eq 0 ]; then
			_rcl_reply "--" "$cur"
		elif [ -z "$sub" ]; then
			_rcl_reply "${_rcl_helper_commands//[[:space:]]/$'\n'}" "$cur"
		else
			_rcl_helper_arg "$sub" $((subn + 1)) "$cur" "$id"
		fi
		;;
	gc) _rcl_reply "$(_rcl_ids)" "$cur" ;;
	esac
	return 0
}

# The helper, inside the infra (or wherever an engine runs it): its options, subcommands, and
# the IDs and networks of its own state and config dirs.
_rootless_cni_infra() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=''
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	local -a _rcl_cmd=() _rcl_global=() _rcl_list=(list)
	_rcl_program rootless-cni-infra
	COMPREPLY=()
	local i=1 w sub='' n=0 id=''
	while [ "$i" -lt "$COMP_CWORD" ]; do
		w=${COMP_WORDS[i]}
		if [ -n "$sub" ]; then
			n=$((n + 1))
			[ "$n" -eq 1 ] && id=$w
		else
			case "$w" in
			--state-dir | --config-dir)
				_rcl_global+=("$w" "${COMP_WORDS[i + 1]:-}")
				i=$((i + 1))
				;;
			-*) ;;
			*) sub=$w ;;
			esac
		fi
		i=$((i + 1))
	done
	if [ -n "$sub" ]; then
		_rcl_helper_arg "$sub" $((n + 1)) "$cur" "$id"
	elif [ "$prev" = --state-dir ] || [ "$prev" = --config-dir ]; then
		_rcl_dirs "$cur"
	elif [[ $cur == -* ]]; then
		_rcl_reply "${_rcl_helper_options// /$'\n'}" "$cur"
	else
		_rcl_reply "${_rcl_helper_commands//[[:space:]]/$'\n'}" "$cur"
	fi
	return 0
}

complete -F _rootless_cni_launcher rootless-cni-launcher
complete -F _rootless_cni_infra rootless-cni-infra
