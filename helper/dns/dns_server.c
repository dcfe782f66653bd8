/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dns_server.h"
#include "fs.h"
#include "lock.h"
#include "number.h"
#include "spawn.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#define HOSTS_DIR "hosts.d"
/* dnsmasq returns once its daemon listens (or failed): a generous bound for a loaded VM. */
#define START_TIMEOUT_MS 10000

/* RUN_DIR/NETWORK, created (0700) when @create; an open fd, -2 when missing. */
static int open_net_dir(const struct rci_dns_server *s, bool create, rci_error_t *err)
{
	if (create && rci_mkdir_p(s->run_dir, 0700, false, err) < 0)
		return -1;
	cleanup_close int run = rci_open_dir(s->run_dir, err);
	if (run < 0) {
		if (!create && *err && (*err)->status == ENOENT) {
			rci_error_release(err);
			return -2;
		}
		return -1;
	}
	return rci_open_subdir(run, s->network, create, err);
}

static char *conf_path(const struct rci_dns_server *s)
{
	return xasprintf("%s/%s/dnsmasq.conf", s->run_dir, s->network);
}

/* The whole configuration: a running dnsmasq whose file differs is restarted. */
static char *conf_text(const struct rci_dns_server *s)
{
	cleanup_free char *dir = xasprintf("%s/%s", s->run_dir, s->network);
	char *t = xasprintf("# rootless-cni-dns: the name server of network `%s` (written by the "
			    "plugin)\n"
			    "strict-order\nno-hosts\nexpand-hosts\ndomain=%s\nlocal=/%s/\n"
			    "hostsdir=%s/" HOSTS_DIR "\npid-file=%s/pid\nbind-dynamic\n",
			    s->network, s->domain, s->domain, dir, dir);
	for (size_t i = 0; s->listen && s->listen[i]; i++) {
		char *n = xasprintf("%slisten-address=%s\n", t, s->listen[i]);
		free(t);
		t = n;
	}
	return t;
}

/* The pid in DIR/pid when that process is the dnsmasq of our configuration file, else 0. */
static pid_t running_pid(int dir, const struct rci_dns_server *s)
{
	uint64_t v;
	if (rci_read_u64_at(dir, "pid", RCI_PID_MAX, &v) < 0 || v == 0)
		return 0;
	long pid = (long)v;
	if (kill((pid_t)pid, 0) < 0)
		return 0;
	rci_error_t tmp = NULL;
	/* A pid reused by another process (another network's dnsmasq) is not ours. */
	cleanup_free char *cmdline = NULL, *want = NULL;
	size_t len = 0;
	cleanup_free char *proc = xasprintf("/proc/%ld/cmdline", pid);
	cleanup_close int fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || rci_read_all_fd(fd, 65536, &cmdline, &len, &tmp) < 0) {
		rci_error_release(&tmp);
		return 0;
	}
	cleanup_free char *path = conf_path(s);
	want = xasprintf("--conf-file=%s", path);
	for (size_t off = 0; off < len; off += strlen(cmdline + off) + 1)
		if (strcmp(cmdline + off, want) == 0)
			return (pid_t)pid;
	return 0;
}

static bool conf_current(int dir, const char *text)
{
	cleanup_free char *buf = NULL;
	rci_error_t tmp = NULL;
	int r = rci_read_file_at(dir, "dnsmasq.conf", 1 << 20, &buf, NULL, &tmp);
	rci_error_release(&tmp);
	return r == 0 && strcmp(buf, text) == 0;
}

/* SIGTERM, then SIGKILL after a second: it is not our child, so its end is seen in /proc. */
static void stop(pid_t pid)
{
	kill(pid, SIGTERM);
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
		usleep(10 * 1000);
	if (kill(pid, 0) == 0)
		kill(pid, SIGKILL);
}

static int start(int dir, const struct rci_dns_server *s, const char *text, rci_error_t *err)
{
	/* As PATH finds it: a shim first on PATH (dnsmasq_shim.h) is fine too. */
	cleanup_free char *bin = rci_find_program("dnsmasq");
	if (!bin)
		return rci_make_error(err, ENOENT, "dnsmasq not found in PATH");
	cleanup_close int hosts = rci_open_subdir(dir, HOSTS_DIR, true, err);
	if (hosts < 0 || rci_unlink_at(dir, "pid", 0, err) < 0 ||
	    rci_write_file_atomic_at(dir, "dnsmasq.conf", text, strlen(text), 0600, err) < 0)
		return -1;
	cleanup_free char *path = conf_path(s);
	cleanup_free char *conf_arg = xasprintf("--conf-file=%s", path);
	/* root: the daemon must read the 0700 directories it serves; no group change: a user
	 * namespace that maps one ID refuses setgroups(2). */
	char *argv[] = {bin, conf_arg, "--user=root", "--group=", NULL};
	extern char **environ;
	struct rci_spawn sp;
	rci_spawn_init(&sp);
	sp.path = bin;
	sp.argv = argv;
	sp.envp = environ;
	sp.timeout_ms = START_TIMEOUT_MS;
	sp.max_output = 64 * 1024;
	if (rci_run_checked(&sp, "start dnsmasq", NULL, err) < 0)
		return -1;
	if (!running_pid(dir, s))
		return rci_make_error(err, 0, "dnsmasq started but its pid file names no dnsmasq");
	return 0;
}

int rci_dns_server_ensure(const struct rci_dns_server *s, rci_error_t *err)
{
	cleanup_close int dir = open_net_dir(s, true, err);
	if (dir < 0)
		return rci_error_wrap(err, "name server of network `%s`", s->network);
	cleanup_free char *text = conf_text(s);
	int lk = rci_lock_at(dir, "lock", LOCK_EX, err);
	if (lk < 0)
		return -1;
	int ret = 0;
	pid_t pid = running_pid(dir, s);
	if (!pid || !conf_current(dir, text)) {
		if (pid)
			stop(pid);
		ret = start(dir, s, text, err);
	}
	rci_unlock_at(dir, "lock", lk, false);
	return ret < 0 ? rci_error_wrap(err, "name server of network `%s`", s->network) : 0;
}

bool rci_dns_server_running(const struct rci_dns_server *s)
{
	rci_error_t tmp = NULL;
	cleanup_close int dir = open_net_dir(s, false, &tmp);
	rci_error_release(&tmp);
	if (dir < 0)
		return false;
	cleanup_free char *text = conf_text(s);
	return running_pid(dir, s) && conf_current(dir, text);
}

int rci_dns_hosts_put(const struct rci_dns_server *s, const char *name, const char *text,
		      rci_error_t *err)
{
	cleanup_close int dir = open_net_dir(s, *text != '\0', err);
	if (dir == -2)
		return 0;
	if (dir < 0)
		return -1;
	cleanup_close int hosts = rci_open_subdir(dir, HOSTS_DIR, *text != '\0', err);
	if (hosts == -2)
		return 0;
	if (hosts < 0)
		return -1;
	if (!*text)
		return rci_unlink_at(hosts, name, 0, err);
	/* Hidden until renamed into place: dnsmasq skips dot files (fs.h). */
	return rci_write_file_atomic_at(hosts, name, text, strlen(text), 0644, err);
}

int rci_dns_hosts_get(const struct rci_dns_server *s, const char *name, char **text,
		      rci_error_t *err)
{
	cleanup_close int dir = open_net_dir(s, false, err);
	if (dir < 0)
		return dir;
	cleanup_close int hosts = rci_open_subdir(dir, HOSTS_DIR, false, err);
	if (hosts < 0)
		return hosts;
	return rci_read_file_at(hosts, name, 1 << 20, text, NULL, err);
}
