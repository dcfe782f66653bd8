/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_STATE_H
#define RCI_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/*
 * On-disk state of the helper, under one 0700 directory (default /run/rootless-cni-infra, a
 * tmpfs in the infra container, so a restart forgets everything together with the netns):
 *   netns/<ID>           bind mount pinning the container's network namespace
 *   containers/<ID>.json the attachments of ID (written atomically, under the ID's lock)
 *   locks/<ID>           per-ID flock; removed with the last attachment
 *   lock                 global flock: exclusive only while the set of IDs changes
 *   infra.pid            pid of the infra's init (host PID namespace), for host-side paths
 */
#define RCI_DEFAULT_STATE_DIR "/run/rootless-cni-infra"

struct rci_state {
	char *dir;
	int dirfd;
	int containers_fd;
	int netns_fd;
	int locks_fd;
};

/*
 * Phases of an attachment: "adding" is saved before the first plugin runs, "ready" after the
 * ADD; a crash leaves "adding" for the next alloc of that attachment, dealloc or `gc` to roll
 * back. A DEL needs no phase: the record goes only once the DEL succeeded.
 */
#define RCI_PHASE_ADDING "adding"
#define RCI_PHASE_READY "ready"

struct rci_attachment_rec {
	char *network;
	char *ifname;
	char *pod_name;
	char *ip;
	char *mac;
	char *phase;
	char *config; /* the config file the ADD loaded ("" in older records), for `list` */
};

struct rci_container_rec {
	char *id;
	size_t n;
	struct rci_attachment_rec *att;
};

/* Creates (0700) and opens the state dir; refuses symlinks, foreign owners and loose modes. */
int rci_state_open(struct rci_state *st, const char *dir, rci_error_t *err);
void rci_state_close(struct rci_state *st);

/* 0 and *rec; -2 when ID has no record; -1 with *err. */
int rci_state_load(struct rci_state *st, const char *id, struct rci_container_rec **rec,
		   rci_error_t *err);
/* Writes the record atomically; a record without attachments is removed instead. */
int rci_state_save(struct rci_state *st, const struct rci_container_rec *rec, rci_error_t *err);
/* True when at least one ID has a record (stops at the first: is-idle runs on every dealloc). */
int rci_state_any(struct rci_state *st, bool *any, rci_error_t *err);
/* IDs that have a record, sorted. */
int rci_state_list_ids(struct rci_state *st, char ***ids, rci_error_t *err);

struct rci_container_rec *rci_container_rec_new(const char *id);
void rci_container_rec_free(struct rci_container_rec *rec);
/* Index of the attachment to @network, or -1. */
int rci_container_rec_find(const struct rci_container_rec *rec, const char *network);
struct rci_attachment_rec *rci_container_rec_add(struct rci_container_rec *rec);
void rci_container_rec_remove(struct rci_container_rec *rec, size_t idx);
/* eth<N>: N = attachments already present; if taken (after a dealloc), the lowest free N. */
char *rci_container_rec_next_ifname(const struct rci_container_rec *rec);

#endif
