/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootless-cni-infra-init: the infra container's first process, catatonit's shape. It shares
 * the host PID namespace, so it is no pid 1: it makes itself the subreaper of everything the
 * helper leaves behind, reads signals from a signalfd, and on SIGTERM or SIGINT runs
 * `rootless-cni-infra gc` (releasing every attachment: plugins DEL, IPs freed, netns removed)
 * before it exits. It writes its host pid to /run/rootless-cni-infra/infra.pid, which the
 * helper and the launcher read. Inherited fds stay open but close-on-exec: fd 3 is the write
 * end of slirp4netns' exit pipe, and slirp4netns must end exactly when this process does.
 */
#include "error.h"
#include "fs.h"
#include "log.h"
#include "spawn.h"
#include "stdfds.h"
#include "util.h"
#include "teardown.h"

#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
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

static void reap(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		rci_debug("reaped %d", (int)pid);
}

/* True when @pid's parent (field 4 of /proc/PID/stat) is us. */
static bool is_our_child(long pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	char state;
	int ppid;
	return p && sscanf(p + 1, " %c %d", &state, &ppid) == 2 && ppid == (int)getpid();
}

/*
 * Whatever is still our child after the teardown (daemons a plugin started and we adopted as
 * subreaper) would outlive the infra: SIGKILL them and reap, until none is left. We share the
 * host PID namespace, so kill(-1) is out of the question: children are found by their ppid.
 */
static void kill_children(void)
{
	long long deadline = rci_now_ms() + RCI_INIT_KILL_GRACE_MS;
	for (;;) {
		int found = 0;
		cleanup_dir DIR *d = opendir("/proc");
		struct dirent *de;
		while (d && (de = readdir(d))) {
			char *end;
			long pid = strtol(de->d_name, &end, 10);
			if (*end || pid <= 0 || !is_our_child(pid))
				continue;
			rci_debug("killing %ld, left after the teardown", pid);
			kill((pid_t)pid, SIGKILL);
			found++;
		}
		/* Never a blocking wait: an orphan adopted after the scan may still be alive. */
		if (found)
			usleep(10 * 1000);
		pid_t w;
		while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if ((!found && w < 0 && errno == ECHILD) || rci_now_ms() > deadline)
			return;
		if (!found)
			usleep(10 * 1000);
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
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		rci_warning("cannot become a subreaper: %s", strerror(errno));

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
			reap();
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT: {
			rci_debug("signal %d: releasing every attachment", (int)si.ssi_signo);
			int ret = teardown(helper, debug);
			kill_children();
			return ret;
		}
		default:
			/* SIGHUP, SIGUSR*: ignored, as a pause process would. */
			break;
		}
	}
}
