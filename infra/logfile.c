/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "logfile.h"
#include "fs.h"
#include "log.h"
#include "util.h"

char *lr_logfile_excerpt(const char *path)
{
	cleanup_free char *tail = rci_read_tail(path, 8192);
	if (*tail)
		rci_debug("`%s` ends with:\n%s", path, tail);
	return rci_one_line(tail, 600);
}
