/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "loop.h"
#include "log.h"
#include "util.h"

#include <sys/epoll.h>

#define BATCH 128

struct deferred {
	void *obj;
	void (*free_fn)(void *);
};

struct fwd_loop {
	int epfd;
	bool running, quit;
	int status;
	struct deferred *graveyard;
	size_t n_dead, cap_dead;
};

struct fwd_loop *fwd_loop_new(rci_error_t *err)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0) {
		rci_make_error(err, errno, "epoll_create1");
		return NULL;
	}
	struct fwd_loop *loop = xmalloc0(sizeof(*loop));
	loop->epfd = fd;
	return loop;
}

static void bury(struct fwd_loop *loop)
{
	/* A free function may defer more (a forward freeing its flows): loop until empty. */
	while (loop->n_dead) {
		struct deferred d = loop->graveyard[--loop->n_dead];
		d.free_fn(d.obj);
	}
}

void fwd_loop_free(struct fwd_loop *loop)
{
	if (!loop)
		return;
	bury(loop);
	free(loop->graveyard);
	close(loop->epfd);
	free(loop);
}

int fwd_loop_add(struct fwd_loop *loop, struct fwd_watch *w, uint32_t events, rci_error_t *err)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return rci_make_error(err, errno, "epoll_ctl add fd %d", w->fd);
	return 0;
}

int fwd_loop_mod(struct fwd_loop *loop, struct fwd_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void fwd_watch_kill(struct fwd_loop *loop, struct fwd_watch *w)
{
	if (w->cb && w->fd >= 0)
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->cb = NULL;
}

void fwd_loop_defer_free(struct fwd_loop *loop, void *obj, void (*free_fn)(void *))
{
	if (!loop->running) {
		free_fn(obj);
		return;
	}
	if (loop->n_dead == loop->cap_dead) {
		loop->cap_dead = loop->cap_dead ? loop->cap_dead * 2 : 64;
		loop->graveyard =
		    xrealloc(loop->graveyard, loop->cap_dead * sizeof(*loop->graveyard));
	}
	loop->graveyard[loop->n_dead++] = (struct deferred){obj, free_fn};
}

int fwd_loop_run(struct fwd_loop *loop)
{
	struct epoll_event evs[BATCH];
	loop->running = true;
	while (!loop->quit) {
		int n = epoll_wait(loop->epfd, evs, BATCH, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rci_error_log("epoll_wait: %m");
			loop->status = 1;
			break;
		}
		for (int i = 0; i < n && !loop->quit; i++) {
			struct fwd_watch *w = evs[i].data.ptr;
			if (w->cb)
				w->cb(w, evs[i].events);
		}
		bury(loop);
	}
	loop->running = false;
	return loop->status;
}

void fwd_loop_quit(struct fwd_loop *loop, int status)
{
	loop->quit = true;
	loop->status = status;
}
