/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "svc.h"
#include "util.h"

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

static const char magic[4] = {'R', 'C', 'I', '1'};

static void put_u32(char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t get_u32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t strings_size(char *const *v, size_t *count)
{
	size_t n = 0;
	*count = 0;
	for (; v && v[*count]; (*count)++)
		n += strlen(v[*count]) + 1;
	return n;
}

int rci_svc_send_request(int sock, char *const *argv, char *const *envp, const int *fds,
			 size_t n_fds, rci_error_t *err)
{
	size_t argc, envc;
	size_t len = 16 + strings_size(argv, &argc) + strings_size(envp, &envc);
	if (len > RCI_SVC_MAX_MSG || n_fds > RCI_SVC_MAX_FDS || argc == 0)
		return rci_make_error(err, E2BIG, "helper service request");
	cleanup_free char *buf = xmalloc0(len);
	memcpy(buf, magic, 4);
	put_u32(buf + 4, (uint32_t)argc);
	put_u32(buf + 8, (uint32_t)envc);
	mode_t mask = umask(0);
	umask(mask);
	put_u32(buf + 12, (uint32_t)mask);
	char *p = buf + 16;
	for (size_t i = 0; i < argc; i++)
		p = stpcpy(p, argv[i]) + 1;
	for (size_t i = 0; i < envc; i++)
		p = stpcpy(p, envp[i]) + 1;

	struct iovec iov = {.iov_base = buf, .iov_len = len};
	union {
		char raw[CMSG_SPACE(sizeof(int) * RCI_SVC_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (n_fds) {
		msg.msg_control = ctl.raw;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len)
		return rci_make_error(err, n < 0 ? errno : EIO, "send to the helper service");
	return 0;
}

void rci_svc_request_clear(struct rci_svc_request *req)
{
	rci_strv_free(req->argv);
	rci_strv_free(req->envp);
	req->argv = req->envp = NULL;
	for (size_t i = 0; i < req->n_fds; i++)
		if (req->fds[i] >= 0)
			close(req->fds[i]);
	req->n_fds = 0;
}

/* @count NUL-terminated strings from *@p (not past @end) into a new vector. */
static char **take_strings(const char **p, const char *end, uint32_t count)
{
	char **v = xmalloc0(sizeof(char *));
	for (uint32_t i = 0; i < count; i++) {
		const char *nul = memchr(*p, '\0', (size_t)(end - *p));
		if (!nul) {
			rci_strv_free(v);
			return NULL;
		}
		rci_strv_push(&v, *p);
		*p = nul + 1;
	}
	return v;
}

int rci_svc_recv_request(int sock, struct rci_svc_request *req, rci_error_t *err)
{
	memset(req, 0, sizeof(*req));
	cleanup_free char *buf = xmalloc0(RCI_SVC_MAX_MSG);
	struct iovec iov = {.iov_base = buf, .iov_len = RCI_SVC_MAX_MSG};
	union {
		char raw[CMSG_SPACE(sizeof(int) * RCI_SVC_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.raw,
			     .msg_controllen = sizeof(ctl)};
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return rci_make_error(err, errno, "receive a request");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		const int *in = (const int *)CMSG_DATA(c);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, in + i, sizeof(fd));
			if (req->n_fds < RCI_SVC_MAX_FDS)
				req->fds[req->n_fds++] = fd;
			else
				close(fd);
		}
	}
	const char *p = buf + 16, *end = buf + n;
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || n < 16 || memcmp(buf, magic, 4) != 0)
		goto bad;
	uint32_t argc = get_u32(buf + 4), envc = get_u32(buf + 8);
	req->umask = get_u32(buf + 12) & 0777;
	if (argc == 0 || argc > RCI_SVC_MAX_MSG || envc > RCI_SVC_MAX_MSG)
		goto bad;
	req->argv = take_strings(&p, end, argc);
	req->envp = req->argv ? take_strings(&p, end, envc) : NULL;
	if (req->envp && p == end && req->n_fds >= 3)
		return 0;
bad:
	rci_svc_request_clear(req);
	return rci_make_error(err, EPROTO, "malformed request (%zd bytes)", n);
}

int rci_svc_send_status(int sock, int exit_code, int term_signal)
{
	char buf[12];
	memcpy(buf, magic, 4);
	put_u32(buf + 4, (uint32_t)exit_code);
	put_u32(buf + 8, (uint32_t)term_signal);
	return send(sock, buf, sizeof(buf), MSG_NOSIGNAL) == (ssize_t)sizeof(buf) ? 0 : -1;
}

int rci_svc_recv_status(int sock, int *exit_code, int *term_signal, rci_error_t *err)
{
	char buf[16];
	ssize_t n;
	do
		n = recv(sock, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	/* Reset: the service closed its listener before it accepted us (it was stopping). */
	if (n < 0 && errno == ECONNRESET)
		return 2;
	if (n == 0)
		return 1;
	if (n < 0)
		return rci_make_error(err, errno, "receive from the helper service");
	if (n != 12 || memcmp(buf, magic, 4) != 0)
		return rci_make_error(err, EPROTO, "malformed answer from the helper service");
	*exit_code = (int)get_u32(buf + 4);
	*term_signal = (int)get_u32(buf + 8);
	return *exit_code == RCI_SVC_REFUSED ? 2 : 0;
}
