/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_TESTPOINT_H
#define RCI_TESTPOINT_H

/*
 * Crash-consistency testing: when RCI_TEST_CRASH_AT names this point ("alloc:recorded",
 * "add:1", ...), the process kills itself with SIGKILL right there, as a crash at the worst
 * moment would. Costs one getenv when unset; the variable is documented as test-only.
 */
void rci_testpoint(const char *name);
void rci_testpointf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
