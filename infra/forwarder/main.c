/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootless-cni-forwarder: published ports of one infra (README.md in this directory).
 *
 * Start-up order matters: the control socket is claimed first (a live one means another
 * forwarder: we stop before touching the infra), then the inner-socket child is forked (it
 * closes every fd it inherited but its socketpair), and only once it reported is "ready"
 * written. Signals arrive through a signalfd; the infra's exit through a pidfd (and a
 * once-a-second check of its start time where pidfds do not exist).
 */
#include "control.h"
#include "forward.h"
#include "inner.h"
#include "log.h"
#include "loop.h"
#include "options.h"
#include "proctable.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

struct daemon {
	struct fwd_ctx ctx;
	struct fwd_options opt;
	struct fwd_control *control;
	struct fwd_watch signals, infra, tick;
	unsigned long long infra_start;
};

static void on_signal(struct fwd_watch *w, uint32_t ev)
{
	struct daemon *d = fwd_container_of(w, struct daemon, signals);
	struct signalfd_siginfo si;
	(void)ev;
	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			rci_debug("stopping on signal %u", si.ssi_signo);
			fwd_loop_quit(d->ctx.loop, 0);
			continue;
		}
		int st;
		pid_t child = fwd_inner_pid(d->ctx.inner);
		if (waitpid(child, &st, WNOHANG) == child) {
			rci_error_log("the inner-socket child (pid %d) exited with status %d",
				      (int)child,
				      WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			fwd_loop_quit(d->ctx.loop, 1);
		}
	}
}

static void on_infra_exit(struct fwd_watch *w, uint32_t ev)
{
	struct daemon *d = fwd_container_of(w, struct daemon, infra);
	(void)ev;
	rci_debug("the infra (pid %d) exited", (int)d->opt.infra_pid);
	fwd_watch_kill(d->ctx.loop, w);
	fwd_loop_quit(d->ctx.loop, 0);
}

static void on_tick(struct fwd_watch *w, uint32_t ev)
{
	struct daemon *d = fwd_container_of(w, struct daemon, tick);
	uint64_t n;
	(void)ev;
	if (read(w->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		rci_warning("read the timer: %m");
	/* Also where pidfds are missing, or a pidfd event was lost. */
	if (!lr_proc_alive(d->opt.infra_pid, d->infra_start)) {
		rci_debug("the infra (pid %d) is gone", (int)d->opt.infra_pid);
		fwd_loop_quit(d->ctx.loop, 0);
		return;
	}
	fwd_forward_tick(&d->ctx, rci_now_ms());
}

static int watch(struct daemon *d, struct fwd_watch *w, int fd,
		 void (*cb)(struct fwd_watch *, uint32_t), rci_error_t *err)
{
	w->fd = fd;
	w->cb = cb;
	return fwd_loop_add(d->ctx.loop, w, EPOLLIN, err);
}

/* Stops: SIGTERM (the launcher), SIGINT, SIGHUP (a terminal); SIGCHLD: the child died. */
static const int handled[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
/* Blocked would turn a crash into a hang: these stay deliverable. */
static const int synchronous[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};

/* @set: the signals of @sigs, or all but them when @all_but. */
static void sigset_of(sigset_t *set, bool all_but, const int *sigs, size_t n)
{
	if (all_but)
		sigfillset(set);
	else
		sigemptyset(set);
	for (size_t i = 0; i < n; i++)
		(all_but ? sigdelset : sigaddset)(set, sigs[i]);
}

static int setup_watches(struct daemon *d, rci_error_t *err)
{
	sigset_t set;
	sigset_of(&set, false, handled, RCI_ARRAY_SIZE(handled));
	int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0)
		return rci_make_error(err, errno, "signalfd");
	if (watch(d, &d->signals, sfd, on_signal, err) < 0)
		return -1;
	/* pidfds are close-on-exec by definition. */
	int pidfd = (int)syscall(SYS_pidfd_open, d->opt.infra_pid, 0);
	if (pidfd >= 0 && watch(d, &d->infra, pidfd, on_infra_exit, err) < 0)
		return -1;
	if (pidfd < 0)
		d->infra.fd = -1;
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec second = {.it_interval = {.tv_sec = 1}, .it_value = {.tv_sec = 1}};
	if (tfd < 0 || timerfd_settime(tfd, 0, &second, NULL) < 0) {
		if (tfd >= 0)
			close(tfd);
		return rci_make_error(err, errno, "timerfd");
	}
	if (watch(d, &d->tick, tfd, on_tick, err) < 0)
		return -1;
	/* Checked after the pidfd exists: from then on the pid cannot be someone else's. */
	if (!lr_proc_alive(d->opt.infra_pid, d->infra_start))
		return rci_make_error(err, ESRCH, "the infra (pid %d) is not running",
				      (int)d->opt.infra_pid);
	return 0;
}

static void raise_nofile(void)
{
	/* Each connection holds two sockets and four pipe ends: 500 of them need 3000 fds. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rci_warning("raise the open file limit to %llu: %m",
				    (unsigned long long)rl.rlim_max);
	}
}

static int open_log(const char *path, rci_error_t *err)
{
	cleanup_close int fd =
	    open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return rci_make_error(err, errno, "open the log `%s`", path);
	if (dup2(fd, STDERR_FILENO) < 0)
		return rci_make_error(err, errno, "dup2 the log");
	return 0;
}

/* The fd number the caller passed: open, and ours from now on only (close-on-exec). */
static int check_ready_fd(int fd, rci_error_t *err)
{
	if (fd < 0)
		return 0;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return rci_make_error_kind(err, RCI_ERR_USAGE, errno, "--ready-fd %d", fd);
	return 0;
}

static void signal_ready(int fd)
{
	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		rci_warning("write to the ready fd: %m");
	close(fd);
}

static int run(struct daemon *d, rci_error_t *err)
{
	sigset_t set;
	sigset_of(&set, true, synchronous, RCI_ARRAY_SIZE(synchronous));
	/* Blocked before the child exists, so no SIGCHLD can be missed; it unblocks its own. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (check_ready_fd(d->opt.ready_fd, err) < 0)
		return -1;
	d->infra_start =
	    d->opt.infra_start ? d->opt.infra_start : lr_proc_start_time(d->opt.infra_pid);
	if (!lr_proc_alive(d->opt.infra_pid, d->infra_start))
		return rci_make_error(err, ESRCH, "the infra (pid %d) is not running",
				      (int)d->opt.infra_pid);
	d->ctx.loop = fwd_loop_new(err);
	if (!d->ctx.loop)
		return -1;
	/* The control socket first: a second forwarder for the same infra stops here, before its
	 * child touches the infra. Clients wait in its backlog until the loop runs. */
	d->control = fwd_control_open(&d->ctx, d->opt.control, d->opt.infra_pid, err);
	if (!d->control)
		return -1;
	d->ctx.inner =
	    fwd_inner_start(d->ctx.loop, d->opt.infra_pid, d->infra_start, d->opt.keep_source, err);
	if (!d->ctx.inner)
		return -1;
	raise_nofile();
	if (setup_watches(d, err) < 0)
		return -1;
	signal_ready(d->opt.ready_fd);
	d->opt.ready_fd = -1;
	rci_debug("ready: control socket `%s`, infra %d", d->opt.control, (int)d->opt.infra_pid);
	if (fwd_loop_run(d->ctx.loop) != 0)
		return rci_make_error(err, 0, "stopped after an error");
	return 0;
}

static void teardown(struct daemon *d)
{
	/* The listeners close first: nothing may listen on a port once we are going. */
	if (d->ctx.loop)
		fwd_forward_remove_all(&d->ctx);
	fwd_control_close(d->control);
	fwd_inner_free(d->ctx.inner);
	struct fwd_watch *ws[] = {&d->signals, &d->infra, &d->tick};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(ws); i++)
		if (ws[i]->fd >= 0)
			close(ws[i]->fd);
	fwd_loop_free(d->ctx.loop);
	if (d->opt.ready_fd >= 0)
		close(d->opt.ready_fd);
}

int main(int argc, char **argv)
{
	struct daemon d;
	rci_error_t err = NULL;
	int ret = 0;
	memset(&d, 0, sizeof(d));
	d.signals.fd = d.infra.fd = d.tick.fd = -1;
	rci_log_init("rootless-cni-forwarder", RCI_LOG_WARNING);
	int r = fwd_options_parse(argc, argv, &d.opt, stdout, &err);
	if (r != 0) {
		if (r < 0)
			rci_error_log("%s (see --help)", err->msg);
		ret = r < 0 ? RCI_ERR_USAGE : 0;
		goto out;
	}
	if (d.opt.debug)
		rci_log_set_level(RCI_LOG_DEBUG);
	d.ctx.opt = &d.opt;
	fwd_list_init(&d.ctx.forwards);
	if ((d.opt.log && open_log(d.opt.log, &err) < 0) || run(&d, &err) < 0) {
		cleanup_free char *text = rci_error_text(err);
		rci_error_log("%s", text);
		ret = err->kind == RCI_ERR_USAGE ? RCI_ERR_USAGE : 1;
	}
	teardown(&d);
out:
	rci_error_release(&err);
	fwd_options_free(&d.opt);
	return ret;
}
