/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `serve`: the helper service (svc.h, issue 12). The infra's init starts it once; the launcher
 * then runs each helper command through it instead of joining the infra's namespaces and
 * exec'ing the helper. A request costs one fork of this small, already loaded process: no
 * namespace join, no exec, no dynamic loading. Each worker runs rci_helper_main() on the
 * request's argv, environment and fds, so what it does and prints is what an exec'd helper
 * would do and print; all state stays in the files and locks that exec'd helpers use, so both
 * kinds of helper can run at the same time.
 */
#include "commands.h"
#include "fs.h"
#include "log.h"
#include "spawn.h"
#include "svc.h"
#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

struct worker {
	pid_t pid;
	int conn; /* -1 once the client is gone */
};

struct server {
	int listen_fd;
	int sig_fd;
	struct worker *w;
	size_t n, cap;
};

/* Worker side: the request's fds become 0, 1, 2, 3..., every other fd is closed. */
static int install_fds(const struct rci_svc_request *req)
{
	int staged[RCI_SVC_MAX_FDS];
	for (size_t i = 0; i < req->n_fds; i++) {
		staged[i] = fcntl(req->fds[i], F_DUPFD_CLOEXEC, 64);
		if (staged[i] < 0)
			return -1;
	}
	for (size_t i = 0; i < req->n_fds; i++)
		if (dup2(staged[i], (int)i) < 0)
			return -1;
	/*
	 * The listening socket, the signalfd and every client connection are the service's: a
	 * worker holding the listener would keep clients connecting to a service that is gone.
	 */
	if (syscall(SYS_close_range, (unsigned)req->n_fds, ~0U, 0) == 0)
		return 0;
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = (long)req->n_fds; fd < (max > 0 ? max : 65536); fd++)
		close((int)fd);
	return 0;
}

/* Set in workers: `serve` there would take the service's socket over. */
static bool in_worker;

static __attribute__((noreturn)) void run_worker(struct rci_svc_request *req)
{
	in_worker = true;
	rci_signals_reset();
	/* Its own group, as an exec'd helper has: the service kills it with what it started. */
	if (setpgid(0, 0) < 0 || install_fds(req) < 0 || chdir("/") < 0)
		_exit(127);
	/* The files it creates get the modes an exec'd helper of that client would give them. */
	umask((mode_t)req->umask);
	clearenv();
	for (size_t i = 0; req->envp[i]; i++)
		putenv(req->envp[i]);
	int argc = (int)rci_strv_len(req->argv);
	exit(rci_helper_main(argc, req->argv));
}

static bool same_user(int conn)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	/* Root of the infra's user namespace: the user who owns it, as seen from here. */
	return cred.uid == getuid();
}

static void accept_one(struct server *s)
{
	int conn = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return;
	/*
	 * A client sends its request right after connecting; none may stall the service for
	 * long. What we cannot read, or may not serve, is refused: the client then runs the
	 * command another way (exec'ing the helper), since nothing ran here.
	 */
	struct timeval tv = {.tv_usec = 500000};
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct rci_svc_request req;
	rci_error_t err = NULL;
	if (!same_user(conn) || rci_svc_recv_request(conn, &req, &err) < 0) {
		if (err) {
			cleanup_free char *text = rci_error_text(err);
			rci_warning("helper service: %s", text);
			rci_error_release(&err);
		}
		rci_svc_send_status(conn, RCI_SVC_REFUSED, 0);
		close(conn);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(s->listen_fd);
		run_worker(&req);
	}
	int fork_errno = errno;
	rci_svc_request_clear(&req);
	if (pid < 0) {
		rci_warning("helper service: fork: %s", strerror(fork_errno));
		rci_svc_send_status(conn, RCI_SVC_REFUSED, 0);
		close(conn);
		return;
	}
	/* From here too: a client that hangs up at once must find the group to kill. */
	setpgid(pid, pid);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->w = xrealloc(s->w, s->cap * sizeof(*s->w));
	}
	s->w[s->n++] = (struct worker){.pid = pid, .conn = conn};
}

/* Reaps every worker that exited and answers its client. */
static void reap_workers(struct server *s)
{
	for (;;) {
		siginfo_t si = {0};
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			return;
		/* Still a zombie, so its group id is not reused yet: what it left there goes too.
		 */
		kill(-si.si_pid, SIGKILL);
		int status = 0;
		waitpid(si.si_pid, &status, 0);
		for (size_t i = 0; i < s->n; i++) {
			if (s->w[i].pid != si.si_pid)
				continue;
			if (s->w[i].conn >= 0) {
				rci_svc_send_status(s->w[i].conn,
						    WIFEXITED(status) ? WEXITSTATUS(status) : 0,
						    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
				close(s->w[i].conn);
			}
			s->w[i] = s->w[--s->n];
			break;
		}
	}
}

/* A client that closed its end gave up (its deadline, a signal): so does its worker. */
static void drop_client(struct server *s, size_t i)
{
	close(s->w[i].conn);
	s->w[i].conn = -1;
	kill(-s->w[i].pid, SIGKILL);
	kill(s->w[i].pid, SIGKILL);
}

static int listen_on(const char *path, rci_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return rci_make_error(err, ENAMETOOLONG, "socket `%s`", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rci_make_error(err, errno, "socket");
	struct stat st;
	/* A socket left by a service that died; anything else at that path is not ours to remove.
	 */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 128) < 0) {
		rci_make_error(err, errno, "listen on `%s`", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int parse_ready_fd(int argc, char **argv, int *ready_fd, rci_error_t *err)
{
	*ready_fd = -1;
	if (rci_check_argc("serve", "[--ready-fd FD]", argc, 0, 2, err) < 0)
		return -1;
	if (argc == 0)
		return 0;
	char *end = NULL;
	long v = argc == 2 && !strcmp(argv[0], "--ready-fd") ? strtol(argv[1], &end, 10) : -1;
	if (!end || *end || v < 3 || v > 1024 || fcntl((int)v, F_GETFD) < 0)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "`serve` takes [--ready-fd FD], FD an open fd above 2");
	*ready_fd = (int)v;
	return 0;
}

int cmd_serve(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	int ready_fd;
	if (in_worker)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "`serve` cannot run inside the helper service");
	if (parse_ready_fd(argc, argv, &ready_fd, err) < 0)
		return -1;
	cleanup_free char *path = xasprintf("%s/helper.sock", ctx->state_dir);
	struct server s = {.listen_fd = -1, .sig_fd = -1};
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (s.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return rci_make_error(err, errno, "signalfd");
	/* The init starts us before anything else made the state dir. */
	if (rci_mkdir_p(ctx->state_dir, 0700, false, err) < 0 ||
	    (s.listen_fd = listen_on(path, err)) < 0) {
		close(s.sig_fd);
		return -1;
	}
	if (ready_fd >= 0) {
		if (write(ready_fd, "1", 1) < 0)
			rci_warning("helper service: ready fd: %s", strerror(errno));
		close(ready_fd);
	}
	rci_debug("helper service listening on `%s`", path);
	/*
	 * On SIGTERM the listener goes first (no new command starts), then the service waits for
	 * its workers and answers them: their clients wait for what the commands did.
	 */
	for (bool stopping = false; !stopping || s.n > 0;) {
		size_t n = s.n;
		struct pollfd *pfd = xmalloc0((2 + n) * sizeof(*pfd));
		pfd[0] = (struct pollfd){.fd = s.listen_fd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = s.sig_fd, .events = POLLIN};
		for (size_t i = 0; i < n; i++)
			pfd[2 + i] = (struct pollfd){.fd = s.w[i].conn, .events = POLLIN};
		if (poll(pfd, 2 + n, -1) > 0) {
			for (size_t i = n; i-- > 0;)
				if (pfd[2 + i].revents && s.w[i].conn == pfd[2 + i].fd)
					drop_client(&s, i);
			struct signalfd_siginfo si;
			while (read(s.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				stopping |= si.ssi_signo != SIGCHLD;
			reap_workers(&s);
			if (stopping && s.listen_fd >= 0) {
				unlink(path);
				close(s.listen_fd);
				s.listen_fd = -1;
			} else if (!stopping && pfd[0].revents) {
				accept_one(&s);
			}
		}
		free(pfd);
	}
	close(s.sig_fd);
	free(s.w);
	return 0;
}
