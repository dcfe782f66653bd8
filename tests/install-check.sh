#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What `make install` gives a Debian user (issue 11, section 5): run as `make check-install`.
# Installs into a temporary DESTDIR and checks that
#   - the programs, the shipped networks, both man pages and the bash completion (the launcher's
#     file, the helper's symlink to it) are where Debian's tools look for them;
#   - each man page renders with `man -l` (header, NAME, SYNOPSIS, no raw Markdown left) and
#     `man rootless-cni-launcher` finds the installed page;
#   - each program's --help lists the same options as its man page;
#   - bash-completion's loader finds the completion for both commands by name;
#   - `make uninstall` removes all of it.
# Prints "install-check: ok" or the first failure (exit 1).
# Usage: tests/install-check.sh [BUILD_DIR]   (from anywhere; runs make in the source tree)
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-${BUILD:-build}}
dest=$(mktemp -d /tmp/rci-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
prefix=/usr/local
man1=$dest$prefix/share/man/man1
comp=$dest$prefix/share/bash-completion/completions

fail() {
	echo "install-check: $*" >&2
	exit 1
}

make -s -C "$src" BUILD="$build" PREFIX="$prefix" DESTDIR="$dest" install >/dev/null

for f in bin/rootless-cni-launcher bin/rootless-cni-infra \
	libexec/rootless-cni-infra/rootless-cni-infra-init \
	libexec/rootless-cni-infra/cni/rootless-cni-dns \
	libexec/rootless-cni-infra/cni/rootless-cni-ipam \
	share/rootless-cni-infra/net.d/default.conflist share/rootless-cni-infra/net.d/dualstack.conflist \
	share/man/man1/rootless-cni-launcher.1 share/man/man1/rootless-cni-infra.1 \
	share/bash-completion/completions/rootless-cni-launcher; do
	[ -f "$dest$prefix/$f" ] || fail "\`$prefix/$f' was not installed"
done
[ "$(readlink "$comp/rootless-cni-infra")" = rootless-cni-launcher ] ||
	fail "the helper's completion is not a symlink to the launcher's"

for prog in rootless-cni-launcher rootless-cni-infra; do
	page=$man1/$prog.1
	text=$(MANWIDTH=100 man -l "$page" 2>&1) || fail "man -l $page: $text"
	upper=${prog^^}
	head -n 1 <<<"$text" | grep -qE "^$upper\(1\) +User Commands +$upper\(1\)$" ||
		fail "$prog.1: bad header: $(head -n 1 <<<"$text")"
	tail -n 1 <<<"$text" | grep -qE "^rootless-cni-infra [0-9][^ ]* " ||
		fail "$prog.1: bad footer: $(tail -n 1 <<<"$text")"
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -qx "$section" <<<"$text" || fail "$prog.1: no $section section"
	done
	grep -q "^       $prog - " <<<"$text" || fail "$prog.1: NAME does not name $prog"
	# Markdown that go-md2man did not turn into roff: emphasis markers, headings, links.
	if grep -nE '\*\*|^ *#+ |^%|\]\(' <<<"$text" >&2; then
		fail "$prog.1: raw Markdown in the rendered page (above)"
	fi
	# `man NAME` finds the installed page (MANPATH as /usr/local/share/man is on Debian).
	MANPATH=$dest$prefix/share/man man -w "$prog" | grep -qx "$page" ||
		fail "man $prog does not find $page"

	# --help and the man page's OPTIONS list the same long options.
	# Only the global options (the "Options:" block): a subcommand's own, like the helper's
	# `alloc --netns`, is documented with the subcommand.
	opts_help=$("$dest$prefix/bin/$prog" --help | sed -n '/^Options:/,/^$/p' |
		grep -oE '(^|[ ,])--[a-z][a-z-]*' |
		tr -d ' ,' | sort -u)
	opts_man=$(sed -n '/^# OPTIONS/,/^# [A-Z]/p' "$src/$([ "$prog" = rootless-cni-infra ] &&
		echo helper || echo infra)/$prog.1.md" | grep -oE '^\*\*--[a-z-]+\*\*|, \*\*--[a-z-]+\*\*' |
		grep -oE -- '--[a-z-]+' | sort -u)
	[ "$opts_help" = "$opts_man" ] ||
		fail "$prog: --help and the man page list other options: $(diff <(echo "$opts_help") \
			<(echo "$opts_man") | tr '\n' ' ')"
done

# bash-completion's own loader finds both, by command name, under XDG_DATA_DIRS.
if [ -r /usr/share/bash-completion/bash_completion ]; then
	# shellcheck disable=SC2016 # single quotes: the inner bash expands
	got=$(XDG_DATA_DIRS=$dest$prefix/share bash -c '
		. /usr/share/bash-completion/bash_completion
		for c in rootless-cni-launcher rootless-cni-infra; do
			__load_completion "$c" && complete -p "$c"
		done' 2>&1)
	if ! grep -q '_rootless_cni_launcher rootless-cni-launcher$' <<<"$got" ||
		! grep -q '_rootless_cni_infra rootless-cni-infra$' <<<"$got"; then
		fail "bash-completion does not load the completions: $got"
	fi
else
	fail "bash-completion is not installed (scripts/install-deps.sh installs it)"
fi

make -s -C "$src" BUILD="$build" PREFIX="$prefix" DESTDIR="$dest" uninstall >/dev/null
left=$(find "$dest" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "install-check: ok"
