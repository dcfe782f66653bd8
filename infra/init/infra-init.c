/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootless-cni-infra-init: the infra container's first process, catatonit's shape. It reads
 * signals from a signalfd, and on SIGTERM or SIGINT runs `rootless-cni-infra gc` (releasing
 * every attachment: plugins DEL, IPs freed, netns removed) before it exits. It writes its host
 * pid to /run/rootless-cni-infra/infra.pid, which the helper and the launcher read. Inherited
 * fds stay open but close-on-exec: fd 3 is the write end of slirp4netns' exit pipe, and
 * slirp4netns must end exactly when this process does.
 *
 * It starts the helper service (`rootless-cni-infra serve`, svc.h) before it writes its pid, so
 * the launcher's first helper call finds it; a service that cannot start or dies only costs
 * speed: the launcher then joins the namespaces and execs the helper, as before. On SIGTERM the
 * service stops first (SERVICE_STOP_MS at most: it closes its socket, then waits for the
 * commands it runs), so that no helper command runs during the teardown.
 *
 * It is no subreaper (issue 13): the helpers that attach containers are the service's workers
 * or the launcher's children joined to the infra's namespaces from outside (or the runtime's,
 * by `exec`), and the daemons they start (dnsmasq) leave their sessions, so nothing would be
 * adopted here that the launcher's stop does not kill (its mount namespace and root sweeps). It
 * still reaps whatever the kernel gives it, as pid 1 of a PID namespace of its own must (an engine
 * running the image without --pid=host).
 */
#include "error.h"
#include "fs.h"
#include "log.h"
#include "spawn.h"
#include "stdfds.h"
#include "util.h"
#include "teardown.h"

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define STATE_DIR "/run/rootless-cni-infra"

extern char **environ;

static int write_pid(rci_error_t *err)
{
	if (rci_mkdir_p(STATE_DIR, 0700, false, err) < 0)
		return -1;
	cleanup_close int dfd = rci_open_dir(STATE_DIR, err);
	if (dfd < 0)
		return -1;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	return rci_write_file_atomic_at(dfd, "infra.pid", buf, (size_t)n, 0644, err);
}

/* How long the init waits for the service to listen; without it the launcher only is slower. */
#define SERVICE_READY_MS 2000
/* How long the teardown waits for the service's running commands (each plugin has 60 s). */
#define SERVICE_STOP_MS 30000

/*
 * Starts `HELPER serve --ready-fd 3` and waits until it listens (it writes a byte on fd 3).
 * Returns its pid, or -1 after a warning: the infra works without it.
 */
static pid_t start_service(const char *helper)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0) {
		rci_warning("helper service: pipe: %s", strerror(errno));
		return -1;
	}
	char *argv[] = {(char *)helper, "serve", "--ready-fd", "3", NULL};
	struct rci_spawn sp;
	rci_spawn_init_daemon(&sp, helper, argv, 2, &ready[1], 1);
	sp.die_with_parent = true;
	rci_error_t err = NULL;
	pid_t pid = rci_spawn_start(&sp, &err);
	close(ready[1]);
	if (pid < 0) {
		cleanup_free char *text = rci_error_text(err);
		rci_warning("helper service: %s", text);
		rci_error_release(&err);
		close(ready[0]);
		return -1;
	}
	struct pollfd p = {.fd = ready[0], .events = POLLIN};
	char c;
	if (poll(&p, 1, SERVICE_READY_MS) != 1 || read(ready[0], &c, 1) != 1)
		rci_warning("helper service (pid %d) is not ready", (int)pid);
	close(ready[0]);
	return pid;
}

static void stop_service(pid_t service)
{
	int ws;
	rci_error_t err = NULL;
	kill(service, SIGTERM);
	if (rci_spawn_wait(service, SERVICE_STOP_MS, &ws, &err) == 0)
		return;
	if (err) {
		cleanup_free char *text = rci_error_text(err);
		rci_warning("helper service: %s", text);
		rci_error_release(&err);
	}
	rci_warning("helper service (pid %d) still runs commands; releasing anyway", (int)service);
}

static void reap(pid_t *service)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == *service) {
			cleanup_free char *how = rci_describe_wstatus(status);
			rci_warning("helper service %s; helpers are exec'd from now on", how);
			*service = -1;
		}
		rci_debug("reaped %d", (int)pid);
	}
}

static int teardown(const char *helper, bool debug)
{
	char *argv[4] = {(char *)helper, NULL, NULL, NULL};
	int i = 1;
	if (debug)
		argv[i++] = "--debug";
	argv[i] = "gc";
	struct rci_spawn sp;
	struct rci_spawn_result res;
	rci_spawn_init(&sp);
	sp.path = helper;
	sp.argv = argv;
	sp.envp = environ;
	sp.in_fd = 0;
	sp.out_fd = 1;
	sp.err_fd = 2;
	sp.timeout_ms = RCI_INIT_GC_TIMEOUT_MS;
	rci_error_t err = NULL;
	if (rci_spawn_run(&sp, &res, &err) < 0) {
		cleanup_free char *text = rci_error_text(err);
		rci_error_log("release the attachments: %s", text);
		rci_error_release(&err);
		return 1;
	}
	int ret = 0;
	if (res.exit_code || res.term_signal) {
		cleanup_free char *how = rci_spawn_describe_status(&res, sp.timeout_ms);
		rci_error_log("`%s gc` %s", helper, how);
		ret = 1;
	}
	rci_spawn_result_free(&res);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"helper", required_argument, NULL, 'H'},
	    {"debug", no_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	const char *helper = "/usr/local/bin/rootless-cni-infra";
	bool debug = false;
	int c;
	/* Before anything opens a file: the pid file must not become a closed stdio (issue 13). */
	if (rci_stdfds_ensure() < 0)
		return 1;
	rci_log_init("rootless-cni-infra-init", RCI_LOG_WARNING);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'H') {
			helper = optarg;
		} else if (c == 'd') {
			debug = true;
			rci_log_set_level(RCI_LOG_DEBUG);
		} else {
			return 2;
		}
	}

	/* Kept open, never inherited: the helper's children must not hold slirp4netns' pipe. */
	rci_mark_fds_cloexec_from(3);
	signal(SIGPIPE, SIG_IGN);

	sigset_t set;
	sigemptyset(&set);
	int sigs[] = {SIGTERM, SIGINT, SIGCHLD, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(sigs); i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		rci_error_log("sigprocmask: %s", strerror(errno));
		return 1;
	}
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		rci_error_log("signalfd: %s", strerror(errno));
		return 1;
	}
	pid_t service = start_service(helper);
	rci_error_t err = NULL;
	if (write_pid(&err) < 0) {
		cleanup_free char *text = rci_error_text(err);
		rci_error_log("write the pid file: %s", text);
		rci_error_release(&err);
		return 1;
	}
	rci_debug("running as pid %d", (int)getpid());

	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si)) {
			rci_error_log("read signalfd: %s", strerror(errno));
			return 1;
		}
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(&service);
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT: {
			rci_debug("signal %d: releasing every attachment", (int)si.ssi_signo);
			if (service > 0)
				stop_service(service);
			return teardown(helper, debug);
		}
		default:
			/* SIGHUP, SIGUSR*: ignored, as a pause process would. */
			break;
		}
	}
}
