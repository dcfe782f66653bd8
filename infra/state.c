/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "state.h"
#include "fs.h"
#include "log.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

int lr_state_open(struct lr_state *st, rci_error_t *err)
{
	if (rci_mkdir_p(st->dir, 0700, true, err) < 0)
		return rci_error_wrap(err, "state directory");
	st->dfd = rci_open_dir(st->dir, err);
	return st->dfd < 0 ? rci_error_wrap(err, "state directory") : 0;
}

void lr_state_close(struct lr_state *st)
{
	if (st->dfd >= 0)
		close(st->dfd);
	st->dfd = -1;
	free(st->dir);
	st->dir = NULL;
}

char *lr_state_path(const struct lr_state *st, const char *name)
{
	return xasprintf("%s/%s", st->dir, name);
}

bool lr_state_exists(const struct lr_state *st, const char *name)
{
	struct stat sb;
	return fstatat(st->dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

int lr_state_open_dir(const struct lr_state *st, const char *name, bool create, rci_error_t *err)
{
	cleanup_free char *rel = xstrdup(name);
	cleanup_close int dfd = fcntl(st->dfd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return rci_make_error(err, errno, "dup");
	char *save = NULL;
	for (char *c = strtok_r(rel, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		bool last = !save || !*save;
		if (create && last && mkdirat(dfd, c, 0700) < 0 && errno != EEXIST)
			return rci_make_error(err, errno, "create `%s/%s`", st->dir, name);
		int next = openat(dfd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			if (errno == ENOENT && !create)
				return -2;
			return rci_make_error(err, errno, "open `%s/%s`", st->dir, name);
		}
		close(dfd);
		dfd = next;
	}
	int ret = dfd;
	dfd = -1;
	return ret;
}

void lr_state_unlink(const struct lr_state *st, const char *name)
{
	rci_error_t tmp = NULL;
	if (rci_unlink_at(st->dfd, name, 0, &tmp) < 0) {
		rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
	}
}
