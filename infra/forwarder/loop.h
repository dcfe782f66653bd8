/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_LOOP_H
#define FWD_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * The forwarder's single-threaded event loop: one epoll set, every fd carries a struct
 * fwd_watch embedded in the object that owns it, and its callback finds the object with
 * fwd_container_of. An object closed while its events of the same epoll_wait batch are still
 * to be dispatched must not be freed yet: fwd_watch_kill() disarms its watches and
 * fwd_loop_defer_free() frees it once the batch is over.
 */
struct fwd_watch {
	void (*cb)(struct fwd_watch *w, uint32_t events); /* NULL: killed, events dropped */
	int fd;
};

struct fwd_loop;

struct fwd_loop *fwd_loop_new(rci_error_t *err);
void fwd_loop_free(struct fwd_loop *loop);

/* Adds @w->fd with @events (EPOLLIN, EPOLLET...). Returns 0 or -1 with *err. */
int fwd_loop_add(struct fwd_loop *loop, struct fwd_watch *w, uint32_t events, rci_error_t *err);
/* Changes the events of a watched fd; returns 0 or -1 with errno. */
int fwd_loop_mod(struct fwd_loop *loop, struct fwd_watch *w, uint32_t events);
/* Stops watching @w (its fd stays open) and drops its pending events of this batch. */
void fwd_watch_kill(struct fwd_loop *loop, struct fwd_watch *w);

/* @free_fn(@obj) after the current batch (at once outside of fwd_loop_run). */
void fwd_loop_defer_free(struct fwd_loop *loop, void *obj, void (*free_fn)(void *));

/* Dispatches events until fwd_loop_quit(); returns the status given there. */
int fwd_loop_run(struct fwd_loop *loop);
void fwd_loop_quit(struct fwd_loop *loop, int status);

#endif
