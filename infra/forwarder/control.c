/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control.h"
#include "fdpass.h"
#include "json.h"
#include "log.h"
#include "tproxy.h"
#include "util.h"

#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define MAX_CLIENTS 64
#define MAX_FDS FWD_FDPASS_MAX /* received per request; one is all `add` takes */

struct fwd_control {
	struct fwd_ctx *ctx;
	struct fwd_watch watch;
	char *path;
	pid_t infra_pid;
	struct fwd_list clients;
	size_t n_clients;
};

struct client {
	struct fwd_list link;
	struct fwd_control *ctl;
	struct fwd_watch watch;
	char in[FWD_PROTO_MAX_LINE + 1];
	size_t in_len;
	int fds[MAX_FDS];
	size_t n_fds;
	bool too_many_fds;
	char *out; /* reply not yet written */
	size_t out_len, out_off;
	bool eof, closing; /* closing: close once the output is written */
};

static void client_free(void *p)
{
	struct client *c = p;
	free(c->out);
	free(c);
}

static void drop_fds(struct client *c)
{
	for (size_t i = 0; i < c->n_fds; i++)
		close(c->fds[i]);
	c->n_fds = 0;
	c->too_many_fds = false;
}

static void client_close(struct client *c)
{
	struct fwd_control *ctl = c->ctl;
	fwd_watch_kill(ctl->ctx->loop, &c->watch);
	close(c->watch.fd);
	drop_fds(c);
	fwd_list_del(&c->link);
	ctl->n_clients--;
	fwd_loop_defer_free(ctl->ctx->loop, c, client_free);
}

/* ---- requests ---------------------------------------------------------------------------- */

static json_object *do_add(struct client *c, const struct fwd_request *req, rci_error_t *err)
{
	if (c->n_fds != 1 || c->too_many_fds) {
		rci_make_error_kind(err, RCI_ERR_USAGE, 0,
				    "`add` takes exactly one host socket (SCM_RIGHTS), got %zu",
				    c->n_fds);
		return NULL;
	}
	union fwd_addr host;
	if (fwd_forward_add(c->ctl->ctx, c->fds[0], req, &host, err) < 0)
		return NULL;
	c->n_fds = 0; /* the forward owns it now */
	json_object *r = fwd_reply_ok();
	json_object_object_add(r, "host", fwd_addr_json(&host));
	return r;
}

static json_object *do_request(struct client *c, const struct fwd_request *req, rci_error_t *err)
{
	struct fwd_ctx *ctx = c->ctl->ctx;
	json_object *r;
	if (req->op == FWD_OP_ADD)
		return do_add(c, req, err);
	if (c->n_fds || c->too_many_fds) {
		rci_make_error_kind(err, RCI_ERR_USAGE, 0, "only `add` takes a file descriptor");
		return NULL;
	}
	switch (req->op) {
	case FWD_OP_REMOVE: {
		size_t n = req->has_host
			       ? fwd_forward_remove_host(ctx, req->proto, &req->host)
			       : fwd_forward_remove_owner(ctx, req->owner_id, req->owner_net);
		r = fwd_reply_ok();
		json_object_object_add(r, "removed", json_object_new_int64((int64_t)n));
		return r;
	}
	case FWD_OP_LIST:
		r = fwd_reply_ok();
		json_object_object_add(r, "forwards", fwd_forward_list_json(ctx));
		return r;
	default:
		r = fwd_reply_ok();
		json_object_object_add(r, "pid", json_object_new_int(getpid()));
		json_object_object_add(r, "infraPid", json_object_new_int(c->ctl->infra_pid));
		json_object_object_add(
		    r, "sourceAddress",
		    json_object_new_boolean(fwd_inner_families(ctx->inner) & FWD_TPROXY_V4));
		json_object_object_add(
		    r, "sourceAddressIPv6",
		    json_object_new_boolean(fwd_inner_families(ctx->inner) & FWD_TPROXY_V6));
		json_object_object_add(r, "forwards",
				       json_object_new_int64((int64_t)ctx->n_forwards));
		json_object_object_add(r, "version", json_object_new_string(RCI_VERSION));
		return r;
	}
}

static void queue_reply(struct client *c, json_object *reply)
{
	const char *s = rci_json_str(reply);
	size_t len = strlen(s);
	c->out = xrealloc(c->out, c->out_len + len + 1);
	memcpy(c->out + c->out_len, s, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
}

static void handle_line(struct client *c, const char *line, size_t len)
{
	struct fwd_request req;
	rci_error_t err = NULL;
	cleanup_json json_object *reply = NULL;
	if (fwd_request_parse(line, len, &req, &err) == 0)
		reply = do_request(c, &req, &err);
	if (!reply) {
		reply = fwd_reply_error(err);
		rci_debug("control: %s", err ? err->msg : "?");
	}
	queue_reply(c, reply);
	rci_error_release(&err);
	fwd_request_free(&req);
	drop_fds(c); /* what a request did not take is not kept for the next one */
}

/* ---- I/O --------------------------------------------------------------------------------- */

/* Reads what is there; returns -1 when the client must go. */
static int client_read(struct client *c)
{
	while (c->in_len < FWD_PROTO_MAX_LINE && !c->eof) {
		size_t got = 0;
		bool lost = false;
		ssize_t n = fwd_recv_with_fds(c->watch.fd, c->in + c->in_len,
					      FWD_PROTO_MAX_LINE - c->in_len, c->fds + c->n_fds,
					      MAX_FDS - c->n_fds, &got, &lost, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		c->n_fds += got;
		c->too_many_fds |= lost;
		if (n == 0)
			c->eof = true;
		c->in_len += (size_t)n;
		/* One request at a time: stop at the first complete line. */
		if (memchr(c->in, '\n', c->in_len))
			break;
	}
	return 0;
}

/* Writes pending output; returns -1 on an error, 1 while some remains. */
static int client_write(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->watch.fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
		}
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	return 0;
}

/* Serves complete lines while no reply is pending (one request at a time). */
static void serve_lines(struct client *c)
{
	while (!c->out_len && !c->closing) {
		char *nl = memchr(c->in, '\n', c->in_len);
		if (!nl) {
			if (c->in_len >= FWD_PROTO_MAX_LINE) {
				rci_error_t err = NULL;
				rci_make_error_kind(&err, RCI_ERR_USAGE, 0,
						    "request longer than %d bytes",
						    FWD_PROTO_MAX_LINE);
				cleanup_json json_object *r = fwd_reply_error(err);
				rci_error_release(&err);
				queue_reply(c, r);
				c->closing = true;
			} else if (c->eof) {
				c->closing = true; /* a last request without '\n' is not one */
			}
			return;
		}
		size_t len = (size_t)(nl - c->in);
		handle_line(c, c->in, len);
		c->in_len -= len + 1;
		memmove(c->in, nl + 1, c->in_len);
		if (client_write(c) < 0)
			c->closing = true;
	}
}

static void on_client(struct fwd_watch *w, uint32_t ev)
{
	struct client *c = fwd_container_of(w, struct client, watch);
	if (ev & EPOLLERR) {
		client_close(c);
		return;
	}
	int wr = client_write(c);
	if (wr < 0 || (!c->closing && !c->out_len && client_read(c) < 0)) {
		client_close(c);
		return;
	}
	serve_lines(c);
	wr = client_write(c);
	if (wr < 0 || (wr == 0 && c->closing)) {
		client_close(c);
		return;
	}
	/* Read only while no reply waits: a client that stops reading stops its requests. */
	uint32_t want = wr > 0 ? EPOLLOUT : (c->eof ? 0 : EPOLLIN);
	if (!want && !wr) {
		client_close(c);
		return;
	}
	fwd_loop_mod(c->ctl->ctx->loop, &c->watch, want);
}

static bool same_user(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == geteuid();
}

static void on_listen(struct fwd_watch *w, uint32_t ev)
{
	struct fwd_control *ctl = fwd_container_of(w, struct fwd_control, watch);
	(void)ev;
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				rci_warning("accept on the control socket: %m");
			return;
		}
		if (ctl->n_clients >= MAX_CLIENTS || !same_user(fd)) {
			close(fd);
			continue;
		}
		struct client *c = xmalloc0(sizeof(*c));
		rci_error_t err = NULL;
		c->ctl = ctl;
		c->watch.fd = fd;
		c->watch.cb = on_client;
		if (fwd_loop_add(ctl->ctx->loop, &c->watch, EPOLLIN, &err) < 0) {
			rci_warning("%s", err->msg);
			rci_error_release(&err);
			close(fd);
			free(c);
			continue;
		}
		fwd_list_add_tail(&ctl->clients, &c->link);
		ctl->n_clients++;
	}
}

/* A socket file at @path: a live forwarder's (conflict) or a stale one (removed). */
static int clear_stale(const struct sockaddr_un *sun, rci_error_t *err)
{
	struct stat st;
	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : rci_make_error(err, errno, "stat `%s`", sun->sun_path);
	if (!S_ISSOCK(st.st_mode))
		return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
					   "`%s` exists and is not a socket", sun->sun_path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rci_make_error(err, errno, "socket");
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
					   "another forwarder serves `%s`", sun->sun_path);
	if (unlink(sun->sun_path) < 0 && errno != ENOENT)
		return rci_make_error(err, errno, "remove the stale socket `%s`", sun->sun_path);
	return 0;
}

struct fwd_control *fwd_control_open(struct fwd_ctx *ctx, const char *path, pid_t infra_pid,
				     rci_error_t *err)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		rci_make_error_kind(err, RCI_ERR_USAGE, 0, "control socket path `%s` is too long",
				    path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if (clear_stale(&sun, err) < 0)
		return NULL;
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rci_make_error(err, errno, "socket");
		return NULL;
	}
	/* 0600 from birth: no moment in which another user could connect. */
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	int bind_errno = errno;
	umask(old);
	if (r < 0) {
		rci_make_error(err, bind_errno, "bind the control socket `%s`", path);
		return NULL;
	}
	if (listen(fd, 16) < 0) {
		rci_make_error(err, errno, "listen on `%s`", path);
		unlink(path);
		return NULL;
	}
	struct fwd_control *ctl = xmalloc0(sizeof(*ctl));
	ctl->ctx = ctx;
	ctl->path = xstrdup(path);
	ctl->infra_pid = infra_pid;
	ctl->watch.fd = fd;
	ctl->watch.cb = on_listen;
	fwd_list_init(&ctl->clients);
	if (fwd_loop_add(ctx->loop, &ctl->watch, EPOLLIN, err) < 0) {
		unlink(path);
		free(ctl->path);
		free(ctl);
		return NULL;
	}
	fd = -1;
	return ctl;
}

void fwd_control_close(struct fwd_control *ctl)
{
	if (!ctl)
		return;
	struct fwd_list *pos, *n;
	fwd_list_for_each_safe(pos, n, &ctl->clients)
	    client_close(fwd_container_of(pos, struct client, link));
	fwd_watch_kill(ctl->ctx->loop, &ctl->watch);
	close(ctl->watch.fd);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
