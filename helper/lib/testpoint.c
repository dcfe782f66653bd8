/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "testpoint.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rci_testpoint(const char *name)
{
	const char *at = getenv("RCI_TEST_CRASH_AT");
	if (at && strcmp(at, name) == 0)
		raise(SIGKILL);
}

void rci_testpointf(const char *fmt, ...)
{
	if (!getenv("RCI_TEST_CRASH_AT"))
		return;
	char name[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	rci_testpoint(name);
}
