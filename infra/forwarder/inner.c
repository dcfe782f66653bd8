/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parent's side of the inner-socket child (inner.h): start, request queue, replies. */
#include "fdpass.h"
#include "inner.h"
#include "list.h"
#include "log.h"
#include "proctable.h"
#include "tproxy.h"
#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define HELLO_TIMEOUT_MS 10000

struct fwd_inner_req {
	struct fwd_list link; /* in unsent, then in unanswered */
	struct fwd_inner_request msg;
	fwd_inner_done done; /* NULL once cancelled */
	void *owner;
};

struct fwd_inner {
	struct fwd_loop *loop;
	struct fwd_watch watch; /* our end of the socketpair */
	pid_t pid;
	unsigned families;
	bool keep_source;
	bool want_out; /* EPOLLOUT armed: unsent requests wait */
	uint32_t next_id;
	struct fwd_list unsent, unanswered;
};

static void on_socket(struct fwd_watch *w, uint32_t events);

static int open_ns(pid_t pid, const char *which, rci_error_t *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, which);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rci_make_error(err, errno, "open `%s`", path);
	return fd;
}

/* The child's first message, within HELLO_TIMEOUT_MS. */
static int wait_hello(struct fwd_inner *in, rci_error_t *err)
{
	struct fwd_inner_hello h;
	struct pollfd pfd = {.fd = in->watch.fd, .events = POLLIN};
	int r;
	do
		r = poll(&pfd, 1, HELLO_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return rci_make_error(err, r < 0 ? errno : ETIMEDOUT,
				      "the inner-socket child did not report");
	ssize_t n = recv(in->watch.fd, &h, sizeof(h), MSG_DONTWAIT);
	if (n != (ssize_t)sizeof(h))
		return rci_make_error(err, n < 0 ? errno : 0,
				      "the inner-socket child exited early");
	h.msg[sizeof(h.msg) - 1] = '\0';
	if (h.error)
		return rci_make_error(err, h.error, "%s", h.msg);
	in->families = h.families;
	unsigned missing = (FWD_TPROXY_V4 | FWD_TPROXY_V6) & ~h.families;
	if (in->keep_source && missing)
		rci_warning("the container sees the infra's address, not the client's, for %s "
			    "clients: %s",
			    missing == FWD_TPROXY_V6   ? "IPv6"
			    : missing == FWD_TPROXY_V4 ? "IPv4"
						       : "all",
			    h.msg[0] ? h.msg : "unknown reason");
	return 0;
}

struct fwd_inner *fwd_inner_start(struct fwd_loop *loop, pid_t infra_pid,
				  unsigned long long infra_start, bool keep_source,
				  rci_error_t *err)
{
	cleanup_close int userns = open_ns(infra_pid, "user", err);
	cleanup_close int netns = userns < 0 ? -1 : open_ns(infra_pid, "net", err);
	if (netns < 0)
		return NULL;
	/* Opened by pid: they are the infra's only if that pid was not reused meanwhile. */
	if (!lr_proc_alive(infra_pid, infra_start)) {
		rci_make_error(err, ESRCH, "the infra (pid %d) is not running", (int)infra_pid);
		return NULL;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		rci_make_error(err, errno, "socketpair");
		return NULL;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		rci_make_error(err, errno, "fork");
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0) {
		close(sv[0]);
		if (getppid() != parent)
			_exit(1);
		fwd_inner_child(sv[1], userns, netns, keep_source);
	}
	close(sv[1]);
	struct fwd_inner *in = xmalloc0(sizeof(*in));
	in->loop = loop;
	in->watch.fd = sv[0];
	in->watch.cb = on_socket;
	in->pid = pid;
	in->keep_source = keep_source;
	fwd_list_init(&in->unsent);
	fwd_list_init(&in->unanswered);
	if (wait_hello(in, err) < 0 || fcntl(in->watch.fd, F_SETFL, O_NONBLOCK) < 0 ||
	    fwd_loop_add(loop, &in->watch, EPOLLIN, err) < 0) {
		rci_error_wrap(err, "start the inner-socket child in the infra (pid %d)",
			       (int)infra_pid);
		fwd_inner_free(in);
		return NULL;
	}
	rci_debug("inner-socket child %d joined the infra %d (keeps %s%s%s addresses)", (int)pid,
		  (int)infra_pid, in->families & FWD_TPROXY_V4 ? "IPv4" : "",
		  in->families == (FWD_TPROXY_V4 | FWD_TPROXY_V6) ? " and " : "",
		  in->families & FWD_TPROXY_V6 ? "IPv6"
		  : in->families	       ? ""
					       : "no");
	return in;
}

static void drop_all(struct fwd_list *head)
{
	struct fwd_list *pos, *n;
	fwd_list_for_each_safe(pos, n, head)
	{
		fwd_list_del(pos);
		free(fwd_container_of(pos, struct fwd_inner_req, link));
	}
}

void fwd_inner_free(struct fwd_inner *in)
{
	if (!in)
		return;
	fwd_watch_kill(in->loop, &in->watch);
	close(in->watch.fd);
	/* The child exits when we hang up; SIGKILL in case it is stuck in a send. */
	kill(in->pid, SIGKILL);
	while (waitpid(in->pid, NULL, 0) < 0 && errno == EINTR)
		;
	drop_all(&in->unsent);
	drop_all(&in->unanswered);
	free(in);
}

pid_t fwd_inner_pid(const struct fwd_inner *in)
{
	return in->pid;
}

unsigned fwd_inner_families(const struct fwd_inner *in)
{
	return in->families;
}

static void arm_out(struct fwd_inner *in, bool on)
{
	if (in->want_out == on)
		return;
	in->want_out = on;
	if (fwd_loop_mod(in->loop, &in->watch, EPOLLIN | (on ? EPOLLOUT : 0)) < 0)
		rci_warning("epoll_ctl on the inner-socket child: %m");
}

/* Sends queued requests until the socketpair is full. */
static void flush(struct fwd_inner *in)
{
	while (!fwd_list_empty(&in->unsent)) {
		struct fwd_inner_req *r =
		    fwd_container_of(in->unsent.next, struct fwd_inner_req, link);
		ssize_t n =
		    send(in->watch.fd, &r->msg, sizeof(r->msg), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				rci_error_log("send to the inner-socket child: %m");
			break; /* a dead child shows up as EOF and SIGCHLD */
		}
		fwd_list_del(&r->link);
		fwd_list_add_tail(&in->unanswered, &r->link);
	}
	arm_out(in, !fwd_list_empty(&in->unsent));
}

struct fwd_inner_req *fwd_inner_dial(struct fwd_inner *in, int proto, const union fwd_addr *client,
				     const union fwd_addr *target, fwd_inner_done done, void *owner)
{
	struct fwd_inner_req *r = xmalloc0(sizeof(*r));
	unsigned fam = target->sa.sa_family == AF_INET6 ? FWD_TPROXY_V6 : FWD_TPROXY_V4;
	r->msg.id = ++in->next_id;
	r->msg.proto = (uint8_t)proto;
	r->msg.target = *target;
	if (client && (in->families & fam) && fwd_addr_can_keep(client, target->sa.sa_family)) {
		r->msg.keep_source = 1;
		r->msg.client = *client;
	}
	r->done = done;
	r->owner = owner;
	fwd_list_add_tail(&in->unsent, &r->link);
	flush(in);
	return r;
}

void fwd_inner_cancel(struct fwd_inner_req *req)
{
	if (req)
		req->done = NULL;
}

/* One reply: its fd (if any) from SCM_RIGHTS. Returns 1 on a reply, 0 when none is
 * waiting, -1 when the child is gone. */
static int read_reply(struct fwd_inner *in)
{
	struct fwd_inner_reply rep;
	int fd = -1;
	size_t n_fds;
	bool lost;
	ssize_t n =
	    fwd_recv_with_fds(in->watch.fd, &rep, sizeof(rep), &fd, 1, &n_fds, &lost, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	if (n != (ssize_t)sizeof(rep) || fwd_list_empty(&in->unanswered)) {
		if (fd >= 0)
			close(fd);
		rci_error_log("unexpected message from the inner-socket child");
		return -1;
	}
	struct fwd_inner_req *r = fwd_container_of(in->unanswered.next, struct fwd_inner_req, link);
	fwd_list_del(&r->link);
	if (r->msg.id != rep.id) {
		if (fd >= 0)
			close(fd);
		free(r);
		rci_error_log("the inner-socket child answered out of order");
		return -1;
	}
	if (!rep.error && fd < 0)
		rep.error = EPROTO;
	if (r->done)
		r->done(r->owner, fd, rep.error, rep.transparent);
	else if (fd >= 0)
		close(fd);
	free(r);
	return 1;
}

static void on_socket(struct fwd_watch *w, uint32_t events)
{
	struct fwd_inner *in = fwd_container_of(w, struct fwd_inner, watch);
	if (events & EPOLLOUT)
		flush(in);
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	/* Bounded per turn, so a flood of replies cannot starve the data path. */
	for (int i = 0; i < 256; i++) {
		int r = read_reply(in);
		if (r == 0)
			return;
		if (r < 0) {
			rci_error_log("the inner-socket child (pid %d) is gone", (int)in->pid);
			fwd_watch_kill(in->loop, &in->watch);
			fwd_loop_quit(in->loop, 1);
			return;
		}
	}
}
