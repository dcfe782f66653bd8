/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pasta.h"
#include "fs.h"
#include "log.h"
#include "number.h"
#include "proctable.h"
#include "slirp.h"
#include "spawn.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>

extern char **environ;

/* Options of pasta.h's list, as `pasta --help` of the 2023-03 snapshot spells them. */
static const char *const used[] = {"--config-net", "--ns-ifname",   "--address",   "--netmask",
				   "--gateway",	   "--dns-forward", "--tcp-ports", "--udp-ports",
				   "--tcp-ns",	   "--udp-ns",	    "--no-map-gw", "--no-dhcp",
				   "--no-dhcpv6",  "--no-ra",	    "--userns",	   "--netns",
				   "--pid",	   "--quiet",	    "--ipv4-only"};

static char **pasta_argv(const struct lr_pasta_opts *o)
{
	char **argv = NULL;
	char ns[64];
	rci_strv_push(&argv, o->path);
	const char *const fixed[] = {"--config-net", "-I",	"tap0", "-a",	    "10.0.2.100",
				     "-n",	     "24",	"-g",	"10.0.2.2", "--dns-forward",
				     LR_SLIRP_DNS,   "-t",	"none", "-u",	    "none",
				     "-T",	     "none",	"-U",	"none",	    "--no-dhcp",
				     "--no-dhcpv6",  "--no-ra", "-q"};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(fixed); i++)
		rci_strv_push(&argv, fixed[i]);
	if (lr_slirp_ipv6()) {
		const char *const v6[] = {"-a", "fd00::100", "-g", LR_PASTA_GW6};
		for (size_t i = 0; i < RCI_ARRAY_SIZE(v6); i++)
			rci_strv_push(&argv, v6[i]);
	} else {
		rci_strv_push(&argv, "-4");
	}
	if (!o->allow_host_loopback)
		rci_strv_push(&argv, "--no-map-gw");
	rci_strv_push(&argv, "-P");
	rci_strv_push(&argv, o->pid_file);
	snprintf(ns, sizeof(ns), "/proc/%d/ns/user", (int)o->target);
	rci_strv_push(&argv, "--userns");
	rci_strv_push(&argv, ns);
	snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)o->target);
	rci_strv_push(&argv, "--netns");
	rci_strv_push(&argv, ns);
	return argv;
}

/* The log's last lines, one line, without pasta's "Failed to send N bytes to syslog" (a host
 * without a syslog socket). */
static char *excerpt(const char *path)
{
	cleanup_free char *tail = rci_read_tail(path, 8192);
	cleanup_free char *kept = xstrdup("");
	char *save = NULL;
	for (char *l = strtok_r(tail, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "Failed to send ", 15))
			continue;
		char *k = xasprintf("%s%s%s", kept, *kept ? "\n" : "", l);
		free(kept);
		kept = k;
	}
	return rci_one_line(kept, 600);
}

static pid_t read_pid_file(const char *path, rci_error_t *err)
{
	uint64_t v;
	if (rci_read_u64_file(path, LR_PID_MAX, &v) < 0 || v == 0)
		return rci_make_error(err, 0, "pasta wrote no pid to `%s`", path);
	return (pid_t)v;
}

pid_t lr_pasta_start(const struct lr_pasta_opts *o, unsigned long long *start, rci_error_t *err)
{
	cleanup_strv char **argv = pasta_argv(o);
	cleanup_close int logfd =
	    open(o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (logfd < 0)
		return rci_make_error(err, errno, "open `%s`", o->log_path);
	unlink(o->pid_file);
	struct rci_spawn sp;
	rci_spawn_init_daemon(&sp, o->path, argv, logfd, NULL, 0);
	cleanup_free char *shown = rci_strv_join(argv, " ", NULL);
	rci_debug("starting %s", shown);
	pid_t fg = rci_spawn_start(&sp, err);
	if (fg < 0)
		return -1;
	int status = 0;
	int w = rci_spawn_wait(fg, o->timeout_ms, &status, err);
	if (w != 0) {
		rci_spawn_kill_reap(fg);
		if (w > 0)
			rci_make_error(err, ETIMEDOUT,
				       "pasta did not configure the infra in %ld ms",
				       o->timeout_ms);
		goto fail;
	}
	if (status != 0) {
		cleanup_free char *how = rci_describe_wstatus(status);
		cleanup_free char *tail = excerpt(o->log_path);
		rci_make_error(err, 0, "pasta %s before it was ready%s%s", how, *tail ? ": " : "",
			       tail);
		goto fail;
	}
	pid_t pid = read_pid_file(o->pid_file, err);
	if (pid < 0)
		goto fail;
	*start = lr_proc_start_time(pid);
	if (!*start) {
		cleanup_free char *tail = excerpt(o->log_path);
		rci_make_error(err, 0, "pasta (pid %d) exited once ready%s%s", (int)pid,
			       *tail ? ": " : "", tail);
		goto fail;
	}
	return pid;
fail:
	/* Its daemon, if it got that far: the handshake failed, so it serves nobody. */
	{
		rci_error_t tmp = NULL;
		pid_t daemon = read_pid_file(o->pid_file, &tmp);
		rci_error_release(&tmp);
		if (daemon > 0 && daemon != fg)
			lr_proc_signal(daemon, 0, SIGKILL);
	}
	return -1;
}

char *lr_pasta_missing_option(const char *path)
{
	char *argv[] = {(char *)path, "--help", NULL};
	struct rci_spawn sp;
	rci_spawn_init(&sp);
	sp.path = path;
	sp.argv = argv;
	sp.envp = environ;
	sp.timeout_ms = 10000;
	sp.max_output = 1 << 20;
	struct rci_spawn_result res;
	rci_error_t err = NULL;
	if (rci_spawn_run(&sp, &res, &err) < 0) {
		rci_error_release(&err);
		return NULL;
	}
	/* pasta prints its help on stderr and exits 0 (the snapshot) or 1 (older ones). */
	char *found = NULL;
	for (size_t i = 0; i < RCI_ARRAY_SIZE(used) && !found; i++)
		if (!(res.out && strstr(res.out, used[i])) &&
		    !(res.err && strstr(res.err, used[i])))
			found = xstrdup(used[i]);
	rci_spawn_result_free(&res);
	return found ? found : xstrdup("");
}
