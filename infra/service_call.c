/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher's side of the helper service (svc.h): one connection per helper command, through
 * the infra's root (/proc/PID/root), which a process of ours may enter as it may its
 * namespaces. The helper's stdout and stderr come back on pipes of ours, read as rci_spawn_run
 * reads a child's, with the same deadline and output cap; giving up closes the connection,
 * which makes the service kill the worker.
 */
#include "record.h"
#include "service_call.h"
#include "svc.h"
#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Connected to the infra's service, or -1 with errno. */
static int connect_service(const struct lr_infra *inf)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/%d/root%s", (int)inf->pid,
			 RCI_SVC_SOCKET);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Reads both pipes and the answer until all three are done, the deadline or the cap. Returns 0,
 * 2 when the service refused the request (it ran nothing), or -1 with *err. At the deadline or
 * the cap we hang up, which makes the service kill the worker: reported as rci_spawn_run
 * reports its own kill.
 */
static int collect(int sock, struct rci_capture *out, struct rci_capture *errs, long timeout_ms,
		   size_t max_output, struct rci_spawn_result *res, rci_error_t *err)
{
	long long deadline = timeout_ms > 0 ? rci_now_ms() + timeout_ms : 0;
	bool answered = false;
	while (!answered || out->fd >= 0 || errs->fd >= 0) {
		struct pollfd p[3] = {{.fd = answered ? -1 : sock, .events = POLLIN},
				      {.fd = out->fd, .events = POLLIN},
				      {.fd = errs->fd, .events = POLLIN}};
		int wait_ms = -1;
		if (deadline) {
			long long left = deadline - rci_now_ms();
			wait_ms = left < 0 ? 0 : (int)left;
		}
		int r = poll(p, 3, wait_ms);
		if (r < 0 && errno != EINTR)
			return rci_make_error(err, errno, "poll");
		if (r == 0) {
			res->timed_out = true;
			res->term_signal = SIGKILL;
			return 0;
		}
		if (p[1].revents)
			rci_capture_read(out, max_output, &res->overflow);
		if (p[2].revents)
			rci_capture_read(errs, max_output, &res->overflow);
		if (res->overflow) {
			res->term_signal = SIGKILL;
			return 0;
		}
		if (!answered && p[0].revents) {
			int st = rci_svc_recv_status(sock, &res->exit_code, &res->term_signal, err);
			if (st < 0 || st == 2)
				return st;
			if (st == 1)
				return rci_make_error(err, ECONNRESET,
						      "the helper service ended without an answer");
			answered = true;
		}
	}
	return 0;
}

int lr_call_service(const struct lr_infra *inf, char *const *argv, char *const *envp, int helper_fd,
		    bool passthrough, struct rci_spawn_result *res, rci_error_t *err)
{
	memset(res, 0, sizeof(*res));
	cleanup_close int sock = connect_service(inf);
	if (sock < 0)
		return 1;
	/* Connected by pid: still the infra's only if that pid was not reused meanwhile. */
	if (!lr_infra_alive(inf))
		return 1;
	int out_p[2] = {-1, -1}, err_p[2] = {-1, -1};
	cleanup_close int devnull = -1;
	int fds[4] = {0, 1, 2, helper_fd};
	if (!passthrough) {
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull < 0 || pipe2(out_p, O_CLOEXEC) < 0 || pipe2(err_p, O_CLOEXEC) < 0) {
			rci_make_error(err, errno, "pipe");
			goto fail;
		}
		fds[0] = devnull;
		fds[1] = out_p[1];
		fds[2] = err_p[1];
	}
	if (rci_svc_send_request(sock, argv, envp, fds, helper_fd >= 0 ? 4 : 3, err) < 0)
		goto fail;
	if (passthrough) {
		int st = rci_svc_recv_status(sock, &res->exit_code, &res->term_signal, err);
		if (st == 1)
			rci_make_error(err, ECONNRESET,
				       "the helper service ended without an answer");
		return st == 2 ? 1 : st == 0 ? 0 : -1;
	}
	close(out_p[1]);
	close(err_p[1]);
	struct rci_capture so = {.fd = out_p[0]}, se = {.fd = err_p[0]};
	int ret = collect(sock, &so, &se, LR_SERVICE_TIMEOUT_MS, LR_SERVICE_MAX_OUTPUT, res, err);
	if (so.fd >= 0)
		close(so.fd);
	if (se.fd >= 0)
		close(se.fd);
	res->out = so.buf ? so.buf : xstrdup("");
	res->out_len = so.len;
	res->err = se.buf ? se.buf : xstrdup("");
	res->err_len = se.len;
	if (ret != 0)
		rci_spawn_result_free(res);
	return ret == 2 ? 1 : ret;
fail:
	for (int i = 0; i < 2; i++) {
		if (out_p[i] >= 0)
			close(out_p[i]);
		if (err_p[i] >= 0)
			close(err_p[i]);
	}
	return -1;
}
