/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_HOOK_DNS_H
#define LR_HOOK_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "error.h"

/*
 * DOC: where createRuntime writes the container's DNS (dnstext.h has what). For each of
 * /etc/resolv.conf and /etc/hosts: the file the bundle's config.json bind-mounts there (the last
 * such mount; podman's userdata/hosts), else that file of the container's rootfs when the root
 * is not read-only (reached below the rootfs without following a symlink, and created when
 * missing), else nothing but a warning. Files are rewritten in place, never replaced: a bind
 * mount holds the inode. Every change is kept to be undone (lr_hook_dns_restore) when a later
 * step fails: a container that does not start keeps its files as they were.
 */
struct lr_hook_dns_change {
	int fd;	   /* the file, open read-write */
	char *old; /* its content before; NULL when we created it */
	size_t old_len;
	int dirfd; /* when created: its directory and name, to remove it */
	char *name;
};

struct lr_hook_dns {
	struct lr_hook_dns_change c[2];
	size_t n;
};

/*
 * lr_hook_dns_write() - writes resolv.conf and hosts of the container of @bundle (NULL: skipped
 * with a warning), naming it @pod_name and config.json's hostname, from @results (@n CNI
 * results, interface order). On failure restores what it wrote and returns -1 with *err; on
 * success @undo holds the changes (lr_hook_dns_restore or lr_hook_dns_done).
 */
int lr_hook_dns_write(const char *bundle, const char *pod_name, json_object *const *results,
		      size_t n, struct lr_hook_dns *undo, rci_error_t *err);

/* Puts every file of @undo back as it was (best effort, warns), then frees it. */
void lr_hook_dns_restore(struct lr_hook_dns *undo);

/* Keeps the changes; frees @undo. */
void lr_hook_dns_done(struct lr_hook_dns *undo);

#endif
