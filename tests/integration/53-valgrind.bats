#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The helper's alloc, dealloc, rollback and gc paths under valgrind memcheck (issue 6): no
# invalid access, no use of uninitialised memory, no definite or indirect leak. Fake plugins
# (not traced: valgrind follows the helper only), in the infra stand-in. In the ASan build
# (make check-asan) valgrind cannot run a sanitized binary; the same calls then run bare and
# AddressSanitizer with LeakSanitizer does the checking.
# shellcheck disable=SC2154 # $output, $status, $stderr come from bats' run

load helpers

setup_file() {
	check_helper_prereqs
	check_cmds valgrind
}

setup() {
	require_prereqs
	standin_start
	VG_LOG="$BATS_TEST_TMPDIR/valgrind"
	mkdir -p "$VG_LOG"
	VG=()
	if ! readelf -d "$HELPER" | grep -q 'libasan'; then
		# shellcheck disable=SC2054 # the commas are valgrind's
		VG=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
			--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
			--suppressions="$BATS_TEST_DIRNAME/valgrind.supp"
			--log-file="$VG_LOG/%p.log")
	fi
}

teardown() {
	standin_stop
}

# vg ARGS...: the helper under valgrind in the stand-in; sets status, output, stderr.
vg() {
	run --separate-stderr nsenter -t "$STANDIN_PID" -U -m -n --preserve-credentials \
		env RCI_CNI_CONFIG_DIR="$CONFDIR" PATH="$STANDIN_PATH" "${VG[@]}" "$HELPER" "$@"
	if [ "$status" -eq 99 ]; then
		fail "memcheck errors in \`$*': $(cat "$VG_LOG"/*.log)"
		return 1
	fi
}

@test "valgrind: alloc, list, a rolled-back alloc, dealloc and gc are clean" {
	fake_net fnet '{}' '{}'
	fake_net ffail '{}' '{"failOn":"ADD","error":{"code":150,"msg":"scripted"}}'
	vg alloc ctr-a fnet pod 10.99.0.9 02:42:ac:11:00:09
	assert_status 0
	vg list
	assert_status 0
	assert_json 'length == 1 and .[0].ips == ["10.99.0.2/24"]'
	vg alloc ctr-b ffail pod "" ""
	assert_status 1
	assert_stderr_contains scripted
	vg dealloc ctr-a fnet
	assert_status 0
	# An alloc killed after its ADD: gc DELs it from the record and the cache.
	rci_test_crash alloc:added alloc ctr-c fnet pod "" "" || true
	vg gc
	assert_status 0
	assert_json '.released == ["ctr-c/fnet"]'
	assert_nothing_left
	if [ "${#VG[@]}" -gt 0 ]; then
		# Every call was checked (a log per helper; the forks that exec plugins log too,
		# without a summary), none with an error.
		[ "$(grep -l 'ERROR SUMMARY: 0 errors' "$VG_LOG"/*.log | wc -l)" -ge 5 ] ||
			fail "fewer than 5 clean summaries: $(cat "$VG_LOG"/*.log)"
		! grep -l 'ERROR SUMMARY: [1-9]' "$VG_LOG"/*.log || fail "$(cat "$VG_LOG"/*.log)"
	fi
}
