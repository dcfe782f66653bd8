/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "statekey.h"
#include "proctable.h"
#include "userns.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>

/* True when the live infra of @base/infra.json made its own namespace and it is @self. */
static bool in_host_infra(const char *base, const struct lr_ns_id *self)
{
	struct lr_ctx host;
	struct lr_infra *inf = NULL;
	rci_error_t tmp = NULL;
	struct lr_ns_id theirs;
	lr_ctx_init(&host);
	host.state.dir = xstrdup(base);
	host.state.dfd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* Alive first, then its namespace: the pid cannot be another's by then (start time). */
	bool in = host.state.dfd >= 0 && lr_infra_load(&host, &inf, &tmp) == 0 &&
		  lr_infra_alive(inf) && inf->own_userns &&
		  lr_proc_ns_id(inf->pid, "user", &theirs) == 0 && lr_infra_alive(inf) &&
		  theirs.dev == self->dev && theirs.ino == self->ino;
	rci_error_release(&tmp);
	lr_infra_free(inf);
	lr_ctx_free(&host);
	return in;
}

char *lr_statekey_self(const char *base)
{
	struct lr_ns_id self;
	if (!lr_userns_in_child_ns() || lr_proc_ns_id(getpid(), "user", &self) < 0 ||
	    in_host_infra(base, &self))
		return xstrdup(LR_KEY_HOST);
	return xasprintf(LR_KEY_USERNS_PREFIX "%llu", self.ino);
}

bool lr_statekey_is_userns(const char *name)
{
	size_t n = strlen(LR_KEY_USERNS_PREFIX);
	if (strncmp(name, LR_KEY_USERNS_PREFIX, n) != 0)
		return false;
	const char *d = name + n;
	/* An inode number: 1 to 20 digits, no leading zero. */
	size_t len = strspn(d, "0123456789");
	return len > 0 && len <= 20 && !d[len] && d[0] != '0';
}

int lr_statekey_check_infra(const char *key, const struct lr_infra *inf, rci_error_t *err)
{
	if (!lr_statekey_is_userns(key))
		return 0;
	struct lr_ns_id self, theirs;
	if (lr_proc_ns_id(getpid(), "user", &self) < 0)
		return rci_make_error(err, errno, "read our own user namespace");
	if (lr_proc_ns_id(inf->pid, "user", &theirs) < 0)
		return rci_make_error(err, errno, "the user namespace of the infra `%s` (pid %d)",
				      key, (int)inf->pid);
	if (self.dev != theirs.dev || self.ino != theirs.ino)
		return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
					   "the infra `%s` (pid %d) runs in user namespace %llu, "
					   "not in ours (%llu)",
					   key, (int)inf->pid, theirs.ino, self.ino);
	return 0;
}
