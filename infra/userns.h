/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_USERNS_H
#define LR_USERNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "error.h"
#include "proctable.h"

/*
 * DOC: user namespace model (DESIGN.md). A netns belongs to the user namespace that created it,
 * and joining it needs CAP_SYS_ADMIN there, so the infra and the engine's containers share one
 * user namespace. A caller that already is root in a non-initial user namespace (an engine in
 * its rootless namespace) shares its own: the runtime runs right here. A plain user gets a new
 * one, mapped by newuidmap/newgidmap from /etc/subuid and /etc/subgid; the runtime is started
 * inside it (setns), so config.json never asks for a user namespace and both cases generate the
 * same bundle. The infra's processes keep that namespace alive; it is /proc/<infra>/ns/user.
 */

struct lr_idmap {
	unsigned long container_id, host_id, size;
};

struct lr_userns_plan {
	bool shared;	 /* run in the caller's own user namespace */
	bool single;	 /* no subordinate range: only the caller's own ID is mapped */
	bool has_ranges; /* uid[1], gid[1] hold the subordinate ranges (used unless single) */
	struct lr_idmap uid[2], gid[2];
	size_t n_uid, n_gid;
	char *newuidmap, *newgidmap; /* found helpers, NULL when missing */
	char *reason;		     /* why single (for warnings and doctor) */
};

/* Decides the model for the calling user. Never fails on missing ranges: plans single. */
int lr_userns_plan(struct lr_userns_plan *p, rci_error_t *err);

/*
 * The same for user @uid (named @name, may be NULL) with group @gid, reading the given
 * subordinate ID files. Both are keyed by user name or uid (shadow's subid(5)): the group's
 * ranges are found by the user, never by the gid. For tests; lr_userns_plan uses the real ones.
 */
int lr_userns_plan_for(struct lr_userns_plan *p, uid_t uid, gid_t gid, const char *name,
		       const char *subuid, const char *subgid, rci_error_t *err);
void lr_userns_plan_free(struct lr_userns_plan *p);

/*
 * Creates the user namespace of @p (not shared) and returns an O_CLOEXEC fd to it: the fd keeps
 * it alive until a process lives in it. -1 with *err, the helper's own message included.
 */
int lr_userns_create(const struct lr_userns_plan *p, rci_error_t *err);

/* True when the calling process is root of a non-initial user namespace. */
bool lr_userns_in_child_ns(void);

/*
 * lr_userns_host_uid() - the UID outside our user namespace of our effective UID, as
 * /proc/self/uid_map says (the UID itself in the initial namespace): inside an engine's
 * namespace, root maps to the user who runs the engine. Return: that UID, or geteuid() when the
 * map does not say.
 */
uid_t lr_userns_host_uid(void);

/*
 * lr_userns_check_caller() - refuses (RCI_ERR_USAGE) a caller with effective uid @euid == 0 in
 * the initial user namespace (@child_ns false): its infra would be privileged on the host (every
 * capability, the host's /proc writable). Root of a non-initial namespace (an engine's) and
 * plain users pass.
 */
int lr_userns_check_caller(uid_t euid, bool child_ns, rci_error_t *err);

/*
 * Reads /proc/@pid/uid_map (or gid_map) as OCI LinuxIDMapping objects
 * ({"containerID","hostID","size"}), the form runc needs to join a user namespace path.
 */
json_object *lr_userns_mappings(pid_t pid, bool gid, rci_error_t *err);

/*
 * Parses /etc/subuid-format @file for @user or @id; returns the first range in *start and *count:
 * 0 found, 1 no range, -1 unreadable file (errno set).
 */
int lr_subid_lookup(const char *file, const char *user, unsigned long id, unsigned long *start,
		    unsigned long *count);

/*
 * setns(@fd, CLONE_NEWUSER) unless it already is ours (setns into one's own namespace fails);
 * nothing when @fd < 0. Async-signal-safe: for children between fork and exec.
 */
int lr_join_userns(int fd);

/*
 * lr_userns_within() - true when the user namespace @fd is @want or one below it (followed up
 * with NS_GET_PARENT, which stops at the caller's own namespace). Closes @fd.
 */
bool lr_userns_within(int fd, const struct lr_ns_id *want);

/* rci_spawn child_setup hook: lr_join_userns(*(int *)@data). */
int lr_userns_join_hook(void *data);

#endif
