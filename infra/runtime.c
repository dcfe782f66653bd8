/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime.h"
#include "program.h"
#include "log.h"
#include "spawn.h"
#include "userns.h"
#include "util.h"

#include <string.h>
#include <sys/stat.h>

extern char **environ;

static const char *const known[] = {"runc", "crun"};

void lr_runtime_clear(struct lr_runtime *rt)
{
	free(rt->name);
	free(rt->path);
	memset(rt, 0, sizeof(*rt));
}

void lr_runtime_list_free(struct lr_runtime *list)
{
	for (size_t i = 0; list && list[i].name; i++)
		lr_runtime_clear(&list[i]);
	free(list);
}

struct lr_runtime lr_runtime_dup(const struct lr_runtime *rt)
{
	return (struct lr_runtime){xstrdup(rt->name), xstrdup(rt->path), rt->crun};
}

static struct lr_runtime make(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	return (struct lr_runtime){xstrdup(base), xstrdup(path), strstr(base, "crun") != NULL};
}

int lr_runtime_candidates(const char *want, struct lr_runtime **out, rci_error_t *err)
{
	struct lr_runtime *list = xmalloc0(sizeof(*list) * (RCI_ARRAY_SIZE(known) + 1));
	size_t n = 0;
	if (want) {
		cleanup_free char *path = lr_find_program(want);
		if (!path) {
			free(list);
			return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, ENOENT,
						   "OCI runtime `%s` not found", want);
		}
		list[n++] = make(path);
	} else {
		for (size_t i = 0; i < RCI_ARRAY_SIZE(known); i++) {
			cleanup_free char *path = lr_find_program(known[i]);
			if (path)
				list[n++] = make(path);
		}
	}
	if (n == 0) {
		free(list);
		return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
					   "no OCI runtime found: install runc or crun, or pass "
					   "--runtime PATH");
	}
	*out = list;
	return 0;
}

char **lr_runtime_argv(const struct lr_runtime *rt, const char *root, char *const *args)
{
	char **argv = NULL;
	rci_strv_push(&argv, rt->path);
	rci_strv_push(&argv, "--root");
	rci_strv_push(&argv, root);
	/* The real root of the host keeps cgroups; anyone else cannot write them (hybrid v1). */
	bool rootless = geteuid() != 0 || lr_userns_in_child_ns();
	if (rootless) {
		if (rt->crun)
			rci_strv_push(&argv, "--cgroup-manager=disabled");
		else
			rci_strv_push(&argv, "--rootless=true");
	}
	for (size_t i = 0; args && args[i]; i++)
		rci_strv_push(&argv, args[i]);
	return argv;
}

int lr_runtime_run(const struct lr_runtime *rt, const char *root, int userns_fd, long timeout_ms,
		   char *const *args, char **out, rci_error_t *err)
{
	cleanup_strv char **argv = lr_runtime_argv(rt, root, args);
	cleanup_free char *what = xasprintf("%s %s", rt->name, args[0]);
	struct rci_spawn sp;
	rci_spawn_init(&sp);
	sp.path = rt->path;
	sp.argv = argv;
	sp.envp = environ;
	sp.timeout_ms = timeout_ms;
	sp.max_output = 1 << 20;
	sp.child_setup = userns_fd >= 0 ? lr_userns_join_hook : NULL;
	sp.child_data = &userns_fd;
	long long t0 = rci_now_ms();
	if (rci_run_checked(&sp, what, out, err) < 0)
		return -1;
	rci_debug_step("runtime", t0, "%s: ok", what);
	return 0;
}
