/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_TESTPOINT_H
#define RCI_TESTPOINT_H

/*
 * Crash-consistency testing: when RCI_TEST_CRASH_AT names this point ("alloc:recorded",
 * "add:1", ...), the process kills itself with SIGKILL right there, as a crash at the worst
 * moment would. Test build only (make test-bins: $(BUILD)/test/, -DRCI_TESTPOINTS): in the
 * release programs the calls compile to nothing and RCI_TEST_CRASH_AT is never read.
 */
#ifdef RCI_TESTPOINTS
void rci_testpoint(const char *name);
void rci_testpointf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#else
#define rci_testpoint(name) ((void)0)
#define rci_testpointf(...) ((void)0)
#endif

#endif
