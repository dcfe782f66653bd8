/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "forwarder_client.h"
#include "forwarder/fdpass.h"
#include "forwarder/protocol.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "proctable.h"
#include "spawn.h"
#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define MAX_REPLY (16 << 20)

static int unprivileged_port_start(void)
{
	cleanup_file FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	int v = 1024;
	if (!f || fscanf(f, "%d", &v) != 1)
		v = 1024;
	return v;
}

static int parse_proto(const char *proto, rci_error_t *err)
{
	if (proto && !strcmp(proto, "tcp"))
		return IPPROTO_TCP;
	if (proto && !strcmp(proto, "udp"))
		return IPPROTO_UDP;
	return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "protocol `%s` is not tcp or udp",
				   proto ? proto : "");
}

/* Why bind() failed with @e, in the words `alloc -p` users read. */
static int bind_error(int e, const union fwd_addr *a, const char *proto, rci_error_t *err)
{
	char where[FWD_ADDR_STRLEN], ip[INET6_ADDRSTRLEN];
	fwd_addr_str(a, where);
	if (e == EADDRINUSE)
		return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
					   "host port %s/%s is already in use", where, proto);
	if (e == EADDRNOTAVAIL)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "host IP `%s` is not an address of this host",
					   fwd_addr_ip(a, ip));
	if (e == EACCES)
		return rci_make_error(err, 0,
				      "host port %s/%s: ports below %d need privileges (sysctl "
				      "net.ipv4.ip_unprivileged_port_start)",
				      where, proto, unprivileged_port_start());
	return rci_make_error(err, e, "bind host port %s/%s", where, proto);
}

int lr_fwd_bind(const char *host_ip, int port, const char *proto, rci_error_t *err)
{
	union fwd_addr a;
	int p = parse_proto(proto, err);
	if (p < 0)
		return -1;
	if (port < 1 || port > 65535)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "host port %d is not from 1 to 65535", port);
	if (fwd_addr_parse("host", host_ip, port, &a, err) < 0)
		return -1;
	bool tcp = p == IPPROTO_TCP;
	cleanup_close int fd =
	    socket(a.sa.sa_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rci_make_error(err, errno, "socket for host port %d/%s", port, proto);
	int one = 1;
	/* TCP: a port whose last connections linger in TIME_WAIT is free to publish again. UDP
	 * without it: a socket sharing the port through SO_REUSEADDR would steal datagrams. */
	if (tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return rci_make_error(err, errno, "setsockopt SO_REUSEADDR");
	if (a.sa.sa_family == AF_INET6 &&
	    setsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return rci_make_error(err, errno, "setsockopt IPV6_V6ONLY");
	if (bind(fd, &a.sa, fwd_addr_len(&a)) < 0)
		return bind_error(errno, &a, proto, err);
	if (tcp && listen(fd, SOMAXCONN) < 0)
		return rci_make_error(err, errno, "listen on host port %d/%s", port, proto);
	int ret = fd;
	fd = -1;
	return ret;
}

int lr_fwd_connect(const char *path, rci_error_t *err)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path))
		return rci_make_error(err, ENAMETOOLONG, "forwarder control socket `%s`", path);
	strcpy(sun.sun_path, path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rci_make_error(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			return rci_make_error(
			    err, 0, "the forwarder is not running (no listener on `%s`)", path);
		return rci_make_error(err, errno, "connect to the forwarder at `%s`", path);
	}
	int ret = fd;
	fd = -1;
	return ret;
}

static int wait_fd(int fd, short events, long long deadline, rci_error_t *err)
{
	for (;;) {
		long long left = deadline - rci_now_ms();
		if (left <= 0)
			return rci_make_error(err, ETIMEDOUT, "the forwarder did not answer");
		struct pollfd pfd = {.fd = fd, .events = events};
		int r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return rci_make_error(err, errno, "poll the forwarder's socket");
	}
}

/* Sends @line (with @fd in SCM_RIGHTS when >= 0) and reads the one-line reply. */
static char *exchange(int ctl, const char *line, int fd, rci_error_t *err)
{
	long long deadline = rci_now_ms() + LR_FWD_TIMEOUT_MS;
	size_t len = strlen(line), off = 0;
	while (off < len) {
		/* The fd rides with the request's first bytes, as the server expects. */
		ssize_t n =
		    fwd_send_with_fd(ctl, line + off, len - off, off == 0 ? fd : -1, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
			    wait_fd(ctl, POLLOUT, deadline, err) == 0)
				continue;
			rci_make_error(err, errno, "send to the forwarder");
			return NULL;
		}
		off += (size_t)n;
	}
	cleanup_free char *buf = NULL;
	size_t have = 0, cap = 0;
	for (;;) {
		if (have + 4096 + 1 > cap) {
			cap = (have + 4096 + 1) * 2;
			buf = xrealloc(buf, cap);
		}
		if (wait_fd(ctl, POLLIN, deadline, err) < 0)
			return NULL;
		ssize_t n = recv(ctl, buf + have, cap - have - 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			rci_make_error(err, n < 0 ? errno : 0,
				       "the forwarder closed the connection");
			return NULL;
		}
		have += (size_t)n;
		buf[have] = '\0';
		char *nl = memchr(buf, '\n', have);
		if (nl) {
			*nl = '\0';
			char *ret = buf;
			buf = NULL;
			return ret;
		}
		if (have > MAX_REPLY) {
			rci_make_error(err, EMSGSIZE, "the forwarder's reply is too long");
			return NULL;
		}
	}
}

static json_object *call(int ctl, const struct fwd_request *req, int fd, rci_error_t *err)
{
	cleanup_json json_object *o = fwd_request_json(req);
	cleanup_free char *line = xasprintf("%s\n", rci_json_str(o));
	cleanup_free char *reply = exchange(ctl, line, fd, err);
	if (!reply)
		return NULL;
	return fwd_reply_parse(reply, strlen(reply), err);
}

int lr_fwd_add(int ctl, int host_fd, const char *proto, const char *ctr_ip, int ctr_port,
	       const char *id, const char *net, rci_error_t *err)
{
	struct fwd_request req = {
	    .op = FWD_OP_ADD, .owner_id = (char *)id, .owner_net = (char *)net};
	req.proto = parse_proto(proto, err);
	if (req.proto < 0 || fwd_addr_parse("container", ctr_ip, ctr_port, &req.target, err) < 0)
		return -1;
	cleanup_json json_object *r = call(ctl, &req, host_fd, err);
	return r ? 0 : -1;
}

static int removed_count(json_object *r, size_t *removed)
{
	json_object *v = NULL;
	if (removed)
		*removed = json_object_object_get_ex(r, "removed", &v)
			       ? (size_t)json_object_get_int64(v)
			       : 0;
	return 0;
}

int lr_fwd_remove_owner(int ctl, const char *id, const char *net, size_t *removed, rci_error_t *err)
{
	struct fwd_request req = {
	    .op = FWD_OP_REMOVE, .owner_id = (char *)id, .owner_net = (char *)net};
	cleanup_json json_object *r = call(ctl, &req, -1, err);
	return r ? removed_count(r, removed) : -1;
}

int lr_fwd_remove_host(int ctl, const char *proto, const char *host_ip, int port, size_t *removed,
		       rci_error_t *err)
{
	struct fwd_request req = {.op = FWD_OP_REMOVE, .has_host = true};
	req.proto = parse_proto(proto, err);
	if (req.proto < 0 || fwd_addr_parse("host", host_ip, port, &req.host, err) < 0)
		return -1;
	cleanup_json json_object *r = call(ctl, &req, -1, err);
	return r ? removed_count(r, removed) : -1;
}

json_object *lr_fwd_list(int ctl, rci_error_t *err)
{
	struct fwd_request req = {.op = FWD_OP_LIST};
	cleanup_json json_object *r = call(ctl, &req, -1, err);
	json_object *a = r ? rci_json_get_type(r, "forwards", json_type_array) : NULL;
	if (r && !a)
		rci_make_error(err, 0, "the forwarder's `list` reply has no `forwards` array");
	return a ? json_object_get(a) : NULL;
}

json_object *lr_fwd_ping(int ctl, rci_error_t *err)
{
	struct fwd_request req = {.op = FWD_OP_PING};
	return call(ctl, &req, -1, err);
}

/* ---- start ------------------------------------------------------------------------------- */

static char **start_argv(const struct lr_fwd_start *s)
{
	char **argv = NULL;
	cleanup_free char *pid = xasprintf("%d", (int)s->infra_pid);
	cleanup_free char *start = xasprintf("%llu", s->infra_start);
	cleanup_free char *udp = xasprintf("%u", s->udp_timeout);
	rci_strv_push(&argv, s->path);
	rci_strv_push(&argv, "--control");
	rci_strv_push(&argv, s->control);
	rci_strv_push(&argv, "--infra-pid");
	rci_strv_push(&argv, pid);
	if (s->infra_start) {
		rci_strv_push(&argv, "--infra-start-time");
		rci_strv_push(&argv, start);
	}
	if (s->udp_timeout) {
		rci_strv_push(&argv, "--idle-udp-timeout");
		rci_strv_push(&argv, udp);
	}
	rci_strv_push(&argv, "--ready-fd");
	rci_strv_push(&argv, "3");
	if (s->debug)
		rci_strv_push(&argv, "--debug");
	return argv;
}

/* The forwarder did not get ready: reap it and say why, from its log. */
static pid_t start_failed(pid_t pid, const struct lr_fwd_start *s, bool timed_out, rci_error_t *err)
{
	int status = 0;
	rci_error_t tmp = NULL;
	if (timed_out || rci_spawn_wait(pid, 2000, &status, &tmp) != 0)
		rci_spawn_kill_reap(pid);
	rci_error_release(&tmp);
	cleanup_free char *tail = s->log ? rci_read_tail(s->log, 400) : xstrdup("");
	cleanup_free char *line = rci_one_line(tail, 300);
	if (timed_out)
		return rci_make_error(err, ETIMEDOUT, "the forwarder did not get ready%s%s",
				      *line ? ": " : "", line);
	return rci_make_error(err, 0, "the forwarder exited at start%s%s", *line ? ": " : "",
			      *line ? line : "");
}

pid_t lr_fwd_start(const struct lr_fwd_start *s, rci_error_t *err)
{
	cleanup_strv char **argv = start_argv(s);
	cleanup_close int logfd = -1;
	if (s->log) {
		logfd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
		if (logfd < 0)
			return rci_make_error(err, errno, "open the forwarder's log `%s`", s->log);
	}
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return rci_make_error(err, errno, "pipe");
	/* A daemon in a session of its own: no terminal signal of the user's shell reaches it. */
	struct rci_spawn sp;
	rci_spawn_init_daemon(&sp, s->path, argv, logfd, &ready[1], 1);
	pid_t pid = rci_spawn_start(&sp, err);
	close(ready[1]);
	cleanup_close int rfd = ready[0];
	if (pid < 0)
		return -1;
	struct pollfd pfd = {.fd = rfd, .events = POLLIN};
	int r;
	do
		r = poll(&pfd, 1, LR_FWD_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	char c = 0;
	if (r <= 0)
		return start_failed(pid, s, true, err);
	if (read(rfd, &c, 1) != 1 || c != '1')
		return start_failed(pid, s, false, err);
	return pid;
}
