/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "program.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *lr_find_program(const char *name)
{
	if (strchr(name, '/')) {
		/* `./runc` is recorded and run later from elsewhere: keep it absolute. */
		char *real = realpath(name, NULL);
		if (real && access(real, X_OK) == 0)
			return real;
		free(real);
		return NULL;
	}
	const char *env = getenv("PATH");
	cleanup_free char *path =
	    xasprintf("%s:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", env ? env : "");
	cleanup_strv char **dirs = rci_strv_split(path, ':');
	for (size_t i = 0; dirs && dirs[i]; i++) {
		char *p = xasprintf("%s/%s", dirs[i], name);
		struct stat st;
		if (dirs[i][0] == '/' && stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}
