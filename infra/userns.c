/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "userns.h"
#include "program.h"
#include "fs.h"
#include "log.h"
#include "number.h"
#include "proctable.h"
#include "spawn.h"
#include "util.h"

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/nsfs.h>

int lr_join_userns(int fd)
{
	struct stat a, b;
	if (fd < 0)
		return 0;
	/* setns() into the namespace we are already in fails with EINVAL. */
	if (fstat(fd, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev)
		return 0;
	return setns(fd, CLONE_NEWUSER);
}

/* Deeper than the kernel's 32 levels of nested user namespaces. */
#define MAX_USERNS_DEPTH 40

bool lr_userns_within(int fd, const struct lr_ns_id *want)
{
	for (int depth = 0; fd >= 0 && depth < MAX_USERNS_DEPTH; depth++) {
		struct stat st;
		if (fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == want->dev &&
		    (unsigned long long)st.st_ino == want->ino) {
			close(fd);
			return true;
		}
		/* EPERM above the caller's own namespace: the walk ends there. */
		int parent = ioctl(fd, NS_GET_PARENT);
		close(fd);
		fd = parent;
	}
	if (fd >= 0)
		close(fd);
	return false;
}

int lr_userns_join_hook(void *data)
{
	return lr_join_userns(*(const int *)data);
}

int lr_subid_lookup(const char *file, const char *user, unsigned long id, unsigned long *start,
		    unsigned long *count)
{
	cleanup_file FILE *f = fopen(file, "re");
	if (!f)
		return errno == ENOENT ? 1 : -1;
	char idstr[32];
	snprintf(idstr, sizeof(idstr), "%lu", id);
	cleanup_free char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL;
		char *who = strtok_r(line, ":\n", &save);
		char *s = strtok_r(NULL, ":\n", &save);
		char *c = strtok_r(NULL, ":\n", &save);
		if (!who || !s || !c || who[0] == '#')
			continue;
		if (strcmp(who, idstr) != 0 && (!user || strcmp(who, user) != 0))
			continue;
		/* IDs are 32-bit: the range must end within them (issue 13: bounds). */
		uint64_t vs, vc;
		if (rci_parse_u64(s, UINT32_MAX, &vs) < 0 ||
		    rci_parse_u64(c, UINT32_MAX, &vc) < 0 || vc == 0 ||
		    vs + vc > (uint64_t)UINT32_MAX + 1)
			continue;
		*start = (unsigned long)vs;
		*count = (unsigned long)vc;
		return 0;
	}
	return 1;
}

/*
 * One line of /proc/PID/uid_map or gid_map ("ID-inside ID-outside length", blank-padded) into
 * @v; each a 32-bit number (the length may be 2^32 - 1). -1 for anything else.
 */
static int parse_map_line(char *line, uint64_t v[3])
{
	char *save = NULL;
	char *tok = strtok_r(line, " \t\n", &save);
	for (int i = 0; i < 3; i++, tok = strtok_r(NULL, " \t\n", &save))
		if (!tok || rci_parse_u64(tok, UINT32_MAX, &v[i]) < 0)
			return -1;
	return tok ? -1 : 0;
}

bool lr_userns_in_child_ns(void)
{
	/* The initial user namespace maps the full 32-bit range onto itself. */
	cleanup_file FILE *f = fopen("/proc/self/uid_map", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	uint64_t v[3];
	if (!f || getline(&line, &cap, f) < 0 || parse_map_line(line, v) < 0)
		return false;
	return !(v[0] == 0 && v[1] == 0 && v[2] == UINT32_MAX);
}

uid_t lr_userns_host_uid(void)
{
	uid_t self = geteuid();
	cleanup_file FILE *f = fopen("/proc/self/uid_map", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) > 0) {
		uint64_t v[3];
		if (parse_map_line(line, v) == 0 && self >= v[0] && self - v[0] < v[2])
			return (uid_t)(v[1] + (self - v[0]));
	}
	return self;
}

int lr_userns_check_caller(uid_t euid, bool child_ns, rci_error_t *err)
{
	if (euid == 0 && !child_ns)
		return rci_make_error_kind(
		    err, RCI_ERR_USAGE, 0,
		    "rootless-cni-launcher is for unprivileged users: run it "
		    "as a normal user, or inside a user namespace");
	return 0;
}

void lr_userns_plan_free(struct lr_userns_plan *p)
{
	free(p->newuidmap);
	free(p->newgidmap);
	free(p->reason);
	memset(p, 0, sizeof(*p));
}

int lr_userns_plan(struct lr_userns_plan *p, rci_error_t *err)
{
	uid_t uid = geteuid();
	/* Root anywhere (an engine's namespace, or the host's) needs no namespace of its own. */
	if (uid == 0) {
		memset(p, 0, sizeof(*p));
		p->shared = true;
		return 0;
	}
	struct passwd *pw = getpwuid(uid);
	return lr_userns_plan_for(p, uid, getegid(), pw ? pw->pw_name : NULL, "/etc/subuid",
				  "/etc/subgid", err);
}

int lr_userns_plan_for(struct lr_userns_plan *p, uid_t uid, gid_t gid, const char *name,
		       const char *subuid, const char *subgid, rci_error_t *err)
{
	(void)err;
	memset(p, 0, sizeof(*p));
	unsigned long us = 0, uc = 0, gs = 0, gc = 0;
	/* subgid(5) is keyed by the user (name or uid), like subuid: not by the gid. */
	int ru = lr_subid_lookup(subuid, name, uid, &us, &uc);
	int rg = lr_subid_lookup(subgid, name, uid, &gs, &gc);
	p->newuidmap = lr_find_program("newuidmap");
	p->newgidmap = lr_find_program("newgidmap");
	p->uid[0] = (struct lr_idmap){0, uid, 1};
	p->gid[0] = (struct lr_idmap){0, gid, 1};
	p->n_uid = p->n_gid = 1;
	if (ru == 0 && rg == 0) {
		p->has_ranges = true;
		p->uid[1] = (struct lr_idmap){1, us, uc};
		p->gid[1] = (struct lr_idmap){1, gs, gc};
	}
	if (ru != 0 || rg != 0)
		p->reason =
		    xasprintf("no subordinate %s range for `%s` in %s", ru != 0 ? "UID" : "GID",
			      name ? name : "?", ru != 0 ? subuid : subgid);
	else if (!p->newuidmap || !p->newgidmap)
		p->reason = xasprintf("`%s` not found", !p->newuidmap ? "newuidmap" : "newgidmap");
	if (p->reason) {
		p->single = true;
		return 0;
	}
	p->n_uid = p->n_gid = 2;
	return 0;
}

static int write_proc(pid_t pid, const char *file, const char *text, rci_error_t *err)
{
	cleanup_free char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || rci_write_all(fd, text, strlen(text)) < 0)
		return rci_make_error(err, errno, "write `%s`", path);
	return 0;
}

static int run_idmap_helper(const char *prog, pid_t pid, const struct lr_idmap *m, size_t n,
			    rci_error_t *err)
{
	cleanup_strv char **argv = NULL;
	rci_strv_push(&argv, prog);
	cleanup_free char *ps = xasprintf("%d", (int)pid);
	rci_strv_push(&argv, ps);
	for (size_t i = 0; i < n; i++) {
		char buf[3][32];
		snprintf(buf[0], sizeof(buf[0]), "%lu", m[i].container_id);
		snprintf(buf[1], sizeof(buf[1]), "%lu", m[i].host_id);
		snprintf(buf[2], sizeof(buf[2]), "%lu", m[i].size);
		for (int k = 0; k < 3; k++)
			rci_strv_push(&argv, buf[k]);
	}
	extern char **environ;
	cleanup_free char *what = xasprintf("`%s`", prog);
	struct rci_spawn sp;
	rci_spawn_init(&sp);
	sp.path = prog;
	sp.argv = argv;
	sp.envp = environ;
	sp.timeout_ms = 10000;
	sp.max_output = 65536;
	return rci_run_checked(&sp, what, NULL, err);
}

int lr_userns_create(const struct lr_userns_plan *p, rci_error_t *err)
{
	int ready[2], hold[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return rci_make_error(err, errno, "pipe");
	if (pipe2(hold, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return rci_make_error(err, errno, "pipe");
	}
	pid_t pid = fork();
	if (pid == 0) {
		/* The holder: enter a fresh namespace, report, then wait for the parent to let go.
		 */
		close(ready[0]);
		close(hold[1]);
		int e = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
		if (write(ready[1], &e, sizeof(e)) < 0)
			_exit(1);
		char c;
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	int fork_errno = errno;
	close(ready[1]);
	close(hold[0]);
	int fd = -1;
	if (pid < 0) {
		rci_make_error(err, fork_errno, "fork");
		goto out;
	}
	int e = 0;
	ssize_t n;
	do
		n = read(ready[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(e) || e != 0) {
		rci_make_error(err, n == (ssize_t)sizeof(e) ? e : EIO,
			       "create a user namespace (unshare CLONE_NEWUSER)");
		goto out;
	}
	if (p->single) {
		/* An unprivileged process may map its own IDs, once setgroups is denied. */
		char buf[64];
		snprintf(buf, sizeof(buf), "0 %lu 1\n", p->uid[0].host_id);
		if (write_proc(pid, "uid_map", buf, err) < 0)
			goto out;
		if (write_proc(pid, "setgroups", "deny", err) < 0)
			goto out;
		snprintf(buf, sizeof(buf), "0 %lu 1\n", p->gid[0].host_id);
		if (write_proc(pid, "gid_map", buf, err) < 0)
			goto out;
	} else {
		if (run_idmap_helper(p->newuidmap, pid, p->uid, p->n_uid, err) < 0 ||
		    run_idmap_helper(p->newgidmap, pid, p->gid, p->n_gid, err) < 0)
			goto out;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		rci_make_error(err, errno, "open `%s`", path);
out:
	close(ready[0]);
	close(hold[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return fd;
}

json_object *lr_userns_mappings(pid_t pid, bool gid, rci_error_t *err)
{
	cleanup_free char *path = xasprintf("/proc/%d/%s", (int)pid, gid ? "gid_map" : "uid_map");
	cleanup_file FILE *f = fopen(path, "re");
	if (!f) {
		rci_make_error(err, errno, "open `%s`", path);
		return NULL;
	}
	json_object *arr = json_object_new_array();
	cleanup_free char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		uint64_t v[3];
		if (parse_map_line(line, v) < 0) {
			json_object_put(arr);
			rci_make_error(err, EINVAL, "`%s`: not an ID map line", path);
			return NULL;
		}
		json_object *m = json_object_new_object();
		json_object_object_add(m, "containerID", json_object_new_int64((int64_t)v[0]));
		json_object_object_add(m, "hostID", json_object_new_int64((int64_t)v[1]));
		json_object_object_add(m, "size", json_object_new_int64((int64_t)v[2]));
		json_object_array_add(arr, m);
	}
	return arr;
}
