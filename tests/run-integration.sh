#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs the bats integration suites (default: tests/integration/*.bats) and prints bats' TAP
# output followed by a summary line "N passed, N failed".
#
# Usage: tests/run-integration.sh [SUITE.bats...]
#
# As root in the initial user namespace, the suites must not run as root: the script prepares the
# unprivileged test user (tests/setup-rootless-user.sh) and runs bats as that user. When the build
# or the sources are not readable by that user (say, under /root), they are copied to a temporary
# directory the user owns. As root it also prepares a remote client for the user, a network
# namespace joined to the host by a veth (tests/setup-client-netns.sh, RCI_CLIENT_* in the
# suites' environment). As any other user (or as root inside a user namespace, `unshare -r`),
# bats runs directly.
#
# Env: BUILD           build dir (default: <repo>/build), made absolute
#      RCI_ALLOW_SKIP  1: a missing prerequisite skips the test; otherwise it fails, and a skipped
#                      test counts as a failure
#      RCI_TEST_USER   the unprivileged user (default rcitest)
#      RCI_TEST_TIMEOUT seconds per test (default 120), RCI_SUITE_TIMEOUT for the run (default 1800)
#      RCI_STRESS_*    passed to the suites (trial counts of 51-storm and 52-crash)
#      RCI_TEST_IMAGE  1 or an OCI layout: the launcher suite runs the infra with --image
set -uo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$src/build}
case "$build" in
/*) ;;
*) build=$(cd "$build" 2>/dev/null && pwd) || build=$PWD/$build ;;
esac
allow_skip=${RCI_ALLOW_SKIP:-0}
test_timeout=${RCI_TEST_TIMEOUT:-120}
suite_timeout=${RCI_SUITE_TIMEOUT:-1800}

die() {
	echo "run-integration: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

command -v bats >/dev/null 2>&1 || die "bats not found (scripts/install-deps.sh installs it)"
[ -d "$build" ] || die "build directory \`$build' does not exist (run make test-bins)"

suites=()
if [ "$#" -eq 0 ]; then
	for f in "$src"/tests/integration/*.bats; do
		[ -e "$f" ] && suites+=("$f")
	done
else
	for f in "$@"; do
		[ -f "$f" ] || die "no such suite: $f"
		suites+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
	done
fi
[ "${#suites[@]}" -gt 0 ] || die "no suites in $src/tests/integration"

tmp=
client_pid=
cleanup() {
	[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_initial_userns() {
	[ "$(awk 'NR == 1 { print $1, $2, $3 }' /proc/self/uid_map)" = "0 0 4294967295" ]
}

run_as=()
client_vars=()
bats_src=$src
bats_build=$build
xdg_runtime=${XDG_RUNTIME_DIR:-}
if [ "$(id -u)" -eq 0 ] && in_initial_userns; then
	user=$("$src/tests/setup-rootless-user.sh") || die "tests/setup-rootless-user.sh failed"
	group=$(id -gn "$user")
	tmp=$(mktemp -d /tmp/rci-integration.XXXXXX)
	chown "$user:$group" "$tmp"
	# Can the user read the sources and run the build where they are?
	# shellcheck disable=SC2016 # arguments of sh -c
	if ! runuser -u "$user" -- sh -c 'test -r "$1/tests/integration/helpers.bash" &&
		test -r "$2" && test -x "$2"' sh "$src" "$build" 2>/dev/null; then
		echo "# copying the build and tests to $tmp (not readable by $user in place)"
		mkdir -p "$tmp/src" "$tmp/build"
		cp -a "$src/tests" "$src/VERSION" "$tmp/src/"
		# The bench smoke suite runs scripts/bench.sh.
		[ -d "$src/scripts" ] && cp -a "$src/scripts" "$tmp/src/"
		[ -d "$src/image" ] && cp -a "$src/image" "$tmp/src/"
		cp -a "$build/." "$tmp/build/"
		chown -R "$user:$group" "$tmp/src" "$tmp/build"
		bats_src=$tmp/src
		bats_build=$tmp/build
		for i in "${!suites[@]}"; do
			suites[i]=$bats_src/tests/integration/$(basename "${suites[i]}")
		done
	fi
	# runuser opens no login session, so there is no /run/user/UID: give the suites their own.
	install -d -m 0700 -o "$user" -g "$group" "$tmp/xdg-runtime"
	xdg_runtime=$tmp/xdg-runtime
	home=$(getent passwd "$user" | cut -d: -f6)
	run_as=(runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user"
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin
		LANG=C.UTF-8 TERM="${TERM:-dumb}")
	echo "# running as $user (uid $(id -u "$user"))"
	# Only root can make the veth; the suites that need the client say so when it is missing.
	if client_env=$("$src/tests/setup-client-netns.sh" "$user"); then
		mapfile -t client_vars <<<"$client_env"
		client_pid=$(sed -n 's/^RCI_CLIENT_PID=//p' <<<"$client_env")
	fi
fi

env_args=(BUILD="$bats_build" RCI_SRC="$bats_src" RCI_ALLOW_SKIP="$allow_skip"
	BATS_TEST_TIMEOUT="$test_timeout" RCI_TEST_IMAGE="${RCI_TEST_IMAGE:-}")
[ -n "$xdg_runtime" ] && env_args+=(XDG_RUNTIME_DIR="$xdg_runtime")
env_args+=("${client_vars[@]}")
# Trial counts of the stress suites (make stress, make crash) reach them through env -i too.
for v in ${!RCI_STRESS_@}; do
	env_args+=("$v=${!v}")
done

out=$(mktemp)
# The tap output goes to the terminal as it comes, and to a file for the summary.
(cd / && timeout --kill-after=10 "$suite_timeout" \
	"${run_as[@]}" env "${env_args[@]}" bats --tap "${suites[@]}") | tee "$out"
rc=${PIPESTATUS[0]}

passed=$(grep -E '^ok [0-9]+' "$out" | grep -cviE '^ok [0-9]+ .*# skip')
skipped=$(grep -ciE '^ok [0-9]+ .*# skip' "$out")
failed=$(grep -cE '^not ok [0-9]+' "$out")
planned=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$out" | head -n 1)
rm -f "$out"

if [ "$skipped" -gt 0 ]; then
	if [ "$allow_skip" = 1 ]; then
		echo "# $skipped skipped (RCI_ALLOW_SKIP=1)"
	else
		echo "# $skipped skipped: counted as failures (set RCI_ALLOW_SKIP=1 to allow skips)"
		failed=$((failed + skipped))
	fi
fi
ran=$((passed + failed + (allow_skip == 1 ? skipped : 0)))
if [ -n "$planned" ] && [ "$ran" -lt "$planned" ]; then
	echo "# only $ran of $planned planned tests reported (bats aborted or timed out)"
	failed=$((failed + planned - ran))
elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "# bats exited with status $rc"
	failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
