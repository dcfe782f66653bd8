/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "program.h"
#include "util.h"

char *lr_find_program(const char *name)
{
	return rci_find_program(name);
}
