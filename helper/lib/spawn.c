/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "spawn.h"
#include "spawn_core.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

void rci_spawn_init(struct rci_spawn *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->in_fd = sp->out_fd = sp->err_fd = -1;
	sp->etxtbsy_retries = 5;
}

void rci_spawn_result_free(struct rci_spawn_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		p[i] = -1;
	}
}

bool rci_capture_read(struct rci_capture *s, size_t max, bool *overflow)
{
	char chunk[16384];
	ssize_t n = read(s->fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		close(s->fd);
		s->fd = -1;
		return false;
	}
	if (max && s->len + (size_t)n > max) {
		*overflow = true;
		n = (ssize_t)(max - s->len);
	}
	if (s->len + (size_t)n + 1 > s->cap) {
		s->cap = (s->len + (size_t)n + 1) * 2;
		s->buf = xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, chunk, (size_t)n);
	s->len += (size_t)n;
	s->buf[s->len] = '\0';
	return true;
}

static int spawn_once(const struct rci_spawn *sp, struct rci_spawn_result *res, int *exec_errno,
		      rci_error_t *err)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
	int ret = -1;
	pid_t pid = -1;
	int pidfd = -1;
	struct rci_capture so = {.fd = -1}, se = {.fd = -1};

	*exec_errno = 0;
	if ((sp->in_fd < 0 && pipe2(in, O_CLOEXEC) < 0) ||
	    (sp->out_fd < 0 && pipe2(out, O_CLOEXEC) < 0) ||
	    (sp->err_fd < 0 && pipe2(errp, O_CLOEXEC) < 0)) {
		rci_make_error(err, errno, "pipe");
		goto close_pipes;
	}
	struct rci_child c = {.sp = sp,
			      .stdio = {sp->in_fd >= 0 ? sp->in_fd : in[0],
					sp->out_fd >= 0 ? sp->out_fd : out[1],
					sp->err_fd >= 0 ? sp->err_fd : errp[1]},
			      .extra = sp->extra_fds,
			      .n_extra = sp->n_extra};
	pid = rci_child_start(&c, &pidfd, exec_errno, err);
	if (pid < 0) {
		pid = -1;
		goto close_pipes;
	}
	if (in[0] >= 0) {
		close(in[0]);
		in[0] = -1;
	}
	if (out[1] >= 0) {
		close(out[1]);
		out[1] = -1;
	}
	if (errp[1] >= 0) {
		close(errp[1]);
		errp[1] = -1;
	}

	so.fd = out[0];
	se.fd = errp[0];
	out[0] = errp[0] = -1;
	size_t in_off = 0;
	int in_fd = in[1];
	in[1] = -1;
	if (in_fd >= 0) {
		fcntl(in_fd, F_SETFL, O_NONBLOCK);
		if (!sp->input || sp->input_len == 0) {
			close(in_fd);
			in_fd = -1;
		}
	}

	/* A child closing its stdin early must not kill us with SIGPIPE: block it while we write,
	 * and swallow one raised meanwhile (the caller may not ignore SIGPIPE). */
	sigset_t pipe_set, saved_mask;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigset_t pending;
	sigpending(&pending);
	bool pipe_was_pending = sigismember(&pending, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &saved_mask);
	long long deadline = sp->timeout_ms > 0 ? rci_now_ms() + sp->timeout_ms : 0;
	bool exited = false, killed = false;
	int wstatus = 0;
	while (so.fd >= 0 || se.fd >= 0 || in_fd >= 0 || !exited) {
		struct pollfd pfd[4];
		int np = 0, i_so = -1, i_se = -1, i_in = -1, i_pid = -1;
		if (so.fd >= 0) {
			i_so = np;
			pfd[np++] = (struct pollfd){.fd = so.fd, .events = POLLIN};
		}
		if (se.fd >= 0) {
			i_se = np;
			pfd[np++] = (struct pollfd){.fd = se.fd, .events = POLLIN};
		}
		if (in_fd >= 0) {
			i_in = np;
			pfd[np++] = (struct pollfd){.fd = in_fd, .events = POLLOUT};
		}
		if (!exited && pidfd >= 0) {
			i_pid = np;
			pfd[np++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
		}
		int wait_ms = -1;
		if (deadline) {
			long long left = deadline - rci_now_ms();
			wait_ms = left < 0 ? 0 : (int)left;
		}
		if (pidfd < 0 && !exited && (wait_ms < 0 || wait_ms > 20))
			wait_ms = 20;
		int r = np ? poll(pfd, (nfds_t)np, wait_ms) : 0;
		if (r < 0 && errno != EINTR) {
			rci_make_error(err, errno, "poll");
			killed = true;
			kill(-pid, SIGKILL);
			break;
		}
		if (r > 0) {
			if (i_so >= 0 && pfd[i_so].revents)
				rci_capture_read(&so, sp->max_output, &res->overflow);
			if (i_se >= 0 && pfd[i_se].revents)
				rci_capture_read(&se, sp->max_output, &res->overflow);
			if (i_in >= 0 && pfd[i_in].revents) {
				ssize_t w =
				    write(in_fd, sp->input + in_off, sp->input_len - in_off);
				if (w > 0)
					in_off += (size_t)w;
				if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
				    in_off >= sp->input_len) {
					/* EPIPE: the child does not read stdin, which is its right.
					 */
					close(in_fd);
					in_fd = -1;
				}
			}
		}
		if (!exited && (pidfd < 0 || (i_pid >= 0 && r > 0 && pfd[i_pid].revents))) {
			siginfo_t si = {0};
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    si.si_pid == pid) {
				/* Still a zombie, so its pid (and group id) cannot be reused yet:
				 * kill what it left in its group, so no straggler holds our pipes
				 * open. */
				kill(-pid, SIGKILL);
				waitpid(pid, &wstatus, 0);
				exited = true;
			}
		}
		if (res->overflow && !killed) {
			kill(-pid, SIGKILL);
			killed = true;
		}
		if (deadline && rci_now_ms() >= deadline && !killed) {
			res->timed_out = true;
			kill(-pid, SIGKILL);
			killed = true;
		}
		if (killed) {
			/* Stop reading: a killed group's stray writers must not keep us here. */
			if (so.fd >= 0)
				close(so.fd);
			if (se.fd >= 0)
				close(se.fd);
			if (in_fd >= 0)
				close(in_fd);
			so.fd = se.fd = in_fd = -1;
			if (!exited) {
				waitpid(pid, &wstatus, 0);
				exited = true;
			}
		}
	}
	pid = -1;
	sigpending(&pending);
	if (!pipe_was_pending && sigismember(&pending, SIGPIPE)) {
		struct timespec zero = {0, 0};
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);

	if (WIFSIGNALED(wstatus))
		res->term_signal = WTERMSIG(wstatus);
	else
		res->exit_code = WEXITSTATUS(wstatus);
	res->out = so.buf ? so.buf : xstrdup("");
	res->out_len = so.len;
	res->err = se.buf ? se.buf : xstrdup("");
	res->err_len = se.len;
	so.buf = se.buf = NULL;
	ret = err && *err ? -1 : 0;

close_pipes:
	if (pid > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (pidfd >= 0)
		close(pidfd);
	free(so.buf);
	free(se.buf);
	close_pair(in);
	close_pair(out);
	close_pair(errp);
	return ret;
}

int rci_spawn_run(const struct rci_spawn *sp, struct rci_spawn_result *res, rci_error_t *err)
{
	int attempts = sp->etxtbsy_retries > 0 ? sp->etxtbsy_retries : 1;
	for (int i = 0;; i++) {
		int exec_errno = 0;
		memset(res, 0, sizeof(*res));
		rci_error_t tmp = NULL;
		if (spawn_once(sp, res, &exec_errno, &tmp) == 0)
			return 0;
		rci_spawn_result_free(res);
		/* libcni retries "text file busy" and then wrongly reports success; we fail. */
		if (exec_errno == ETXTBSY && i + 1 < attempts) {
			rci_error_release(&tmp);
			usleep(200 * 1000);
			continue;
		}
		*err = tmp;
		return -1;
	}
}

/* The wording of a signal death, shared by both descriptions. */
static char *describe_signal(int sig)
{
	return xasprintf("killed by signal %d (%s)", sig,
			 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
}

char *rci_spawn_describe_status(const struct rci_spawn_result *res, long timeout_ms)
{
	if (res->timed_out)
		return xasprintf("timed out after %ld ms and was killed", timeout_ms);
	if (res->overflow)
		return xstrdup("printed too much output and was killed");
	if (res->term_signal)
		return describe_signal(res->term_signal);
	return xasprintf("exited with status %d", res->exit_code);
}

char *rci_describe_wstatus(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return describe_signal(WTERMSIG(wstatus));
	return xasprintf("exited with status %d", WEXITSTATUS(wstatus));
}

int rci_run_checked(const struct rci_spawn *sp, const char *what, char **out, rci_error_t *err)
{
	struct rci_spawn_result res;
	if (rci_spawn_run(sp, &res, err) < 0)
		return rci_error_wrap(err, "%s", what);
	int ret = 0;
	if (res.exit_code != 0 || res.term_signal || res.timed_out || res.overflow) {
		cleanup_free char *how = rci_spawn_describe_status(&res, sp->timeout_ms);
		/* The program's own words, on one line: they name the real cause. */
		cleanup_free char *line = rci_one_line(res.err, 600);
		ret = rci_make_error(err, 0, "%s %s%s%s", what, how, *line ? ": " : "", line);
	} else if (out) {
		*out = res.out;
		res.out = NULL;
	}
	rci_spawn_result_free(&res);
	return ret;
}
