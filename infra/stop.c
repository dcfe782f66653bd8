/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stopping the infra and removing every trace of it (infra.h: the lifecycle). */
#include "infra.h"
#include "bundle.h"
#include "log.h"
#include "state.h"
#include "tree.h"
#include "spawn.h"
#include "util.h"
#include "init/teardown.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>

/* Longer than the init may take to release every attachment, or stop would cut it short. */
#define STOP_TIMEOUT_MS (RCI_INIT_GC_TIMEOUT_MS + 15000)
_Static_assert(STOP_TIMEOUT_MS > RCI_INIT_GC_TIMEOUT_MS, "stop must outwait the init's teardown");
/* Processes left in the infra's mount namespace: killed and waited for, at most this long. */
#define SWEEP_TIMEOUT_MS 10000

/* Calls @fn for each bundle temp of the state dir (bundle.h): a launcher killed mid-way. */
static bool each_bundle_temp(const struct lr_ctx *ctx,
			     void (*fn)(const struct lr_ctx *, const char *))
{
	int fd = openat(ctx->state.dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_dir DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	bool found = false;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!lr_bundle_is_temp(de->d_name, LR_STATE_BUNDLE))
			continue;
		found = true;
		if (!fn)
			break;
		fn(ctx, de->d_name);
	}
	return found;
}

/*
 * Removes a bundle temp dir of a crashed launcher. Only under the exclusive lock: the bundle is
 * built and removed under it alone, so none of them is in use.
 */
static void remove_temp(const struct lr_ctx *ctx, const char *name)
{
	rci_error_t tmp = NULL;
	rci_debug("removing `%s/%s`, left by a launcher that died", ctx->state.dir, name);
	if (lr_remove_tree_at(ctx->state.dfd, name, &tmp) < 0) {
		rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
	}
}

bool lr_infra_leftovers(const struct lr_ctx *ctx)
{
	static const char *const names[] = {LR_STATE_RECORD, LR_STATE_BUNDLE, LR_STATE_API_SOCKET,
					    LR_STATE_FWD_SOCKET, LR_STATE_RUNTIME};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(names); i++)
		if (lr_state_exists(&ctx->state, names[i]))
			return true;
	return each_bundle_temp(ctx, NULL);
}

/* Runtime state of the container: `delete --force`, or by hand when no runtime will. */
static void delete_container(const struct lr_ctx *ctx, const struct lr_runtime *rt, int userns_fd)
{
	rci_error_t tmp = NULL;
	cleanup_close int rfd = lr_state_open_dir(&ctx->state, LR_STATE_RUNTIME, false, &tmp);
	if (rfd == -1) {
		rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
	}
	if (rfd < 0)
		return;
	if (rt && faccessat(rfd, LR_CONTAINER_ID, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		cleanup_free char *root = lr_state_path(&ctx->state, LR_STATE_RUNTIME);
		char *args[] = {"delete", "--force", LR_CONTAINER_ID, NULL};
		if (lr_runtime_run(rt, root, userns_fd, 20000, args, NULL, &tmp) < 0) {
			rci_debug("%s", tmp->msg);
			rci_error_release(&tmp);
		}
	}
	if (lr_remove_tree_at(rfd, LR_CONTAINER_ID, &tmp) < 0) {
		rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
	}
	/* Only our container lives there; an empty dir is not worth keeping. */
	unlinkat(ctx->state.dfd, LR_STATE_RUNTIME, AT_REMOVEDIR);
}

/* A process of the infra outlived stop: the record stays, so that the next stop retries. */
static int survivor(const char *what, pid_t pid, rci_error_t *err)
{
	return rci_make_error(
	    err, 0,
	    "%s (pid %d) is still running after SIGKILL; the infra's record stays "
	    "for the next `rootless-cni-launcher stop`",
	    what, (int)pid);
}

/*
 * Ends a process of the infra that runs on the host (slirp4netns, pasta, the port forwarder):
 * it gets @grace_ms to exit by itself (slirp4netns on the exit pipe's hang-up, the forwarder
 * with the init), then SIGTERM, then SIGKILL. Fails when it survives: it would keep the host
 * ports (or the network namespace) with nobody tracking it.
 */
static int stop_process(const char *what, pid_t pid, unsigned long long start, long grace_ms,
			rci_error_t *err)
{
	if (pid <= 0 || !lr_proc_alive(pid, start))
		return 0;
	if (grace_ms && lr_proc_wait_gone(pid, start, grace_ms))
		return 0;
	lr_proc_signal(pid, start, SIGTERM);
	if (lr_proc_wait_gone(pid, start, 2000))
		return 0;
	lr_proc_signal(pid, start, SIGKILL);
	if (lr_proc_wait_gone(pid, start, 2000))
		return 0;
	return survivor(what, pid, err);
}

/* The net driver's process and the port forwarder, once the init is gone. */
static int stop_host_side(const struct lr_infra *inf, rci_error_t *err)
{
	bool pasta = inf->net_driver == LR_NET_PASTA;
	/* pasta holds the namespace and never notices the init's end: no grace. */
	if (stop_process(pasta ? "pasta" : "slirp4netns", inf->net_pid, inf->net_start,
			 pasta ? 0 : 3000, err) < 0)
		return -1;
	if (inf->port_driver == LR_PORT_FORWARDER &&
	    stop_process("the port forwarder", inf->fwd_pid, inf->fwd_start, 3000, err) < 0)
		return -1;
	return 0;
}

/*
 * The infra's mount namespace as an fd (lr_proc_open_ns), opened only while the infra's init is
 * verifiably alive: the recorded pid with its start time, or, for a record without a pid (a
 * launcher killed between `create` and completing it), the runtime's pid file, trusted only
 * while that process has the bundle's root as its root. -1 when the init is dead: then its
 * namespace may be gone and its number another process's (issue 13); what the infra left is
 * found by its root instead (remove_files).
 */
static int open_mntns(const struct lr_ctx *ctx, const struct lr_infra *inf)
{
	if (inf->pid > 0)
		return lr_proc_open_ns(inf->pid, inf->pid_start, "mnt");
	cleanup_free char *root = lr_bundle_root(&ctx->state, LR_STATE_BUNDLE);
	pid_t pid;
	rci_error_t tmp = NULL;
	if (!root || lr_bundle_pid(&ctx->state, &pid, &tmp) < 0) {
		rci_error_release(&tmp);
		return -1;
	}
	unsigned long long start = lr_proc_start_time(pid);
	if (!start || !lr_proc_rooted_at(pid, start, root))
		return -1;
	return lr_proc_open_ns(pid, start, "mnt");
}

/* Everything still in the infra's mount namespace (@mntns_fd, from open_mntns), once its init
 * is gone or being killed. */
static void sweep_mntns(int mntns_fd)
{
	if (mntns_fd < 0)
		return;
	int n = lr_proc_kill_mntns(mntns_fd, SWEEP_TIMEOUT_MS);
	if (n)
		rci_debug("killed %d process(es) left in the infra", n);
}

static void remove_files(const struct lr_ctx *ctx)
{
	/*
	 * Daemons plugins start in the infra (dnsname's dnsmasq) outlive a SIGKILLed init: a
	 * runtime cannot kill what a rootless container without a cgroup leaves. They are the
	 * processes whose root is the bundle's root.path, which config.json still names.
	 */
	cleanup_free char *root = lr_bundle_root(&ctx->state, LR_STATE_BUNDLE);
	if (root)
		lr_proc_kill_rooted_at(root);
	rci_error_t tmp = NULL;
	if (lr_bundle_remove(&ctx->state, LR_STATE_BUNDLE, &tmp) < 0) {
		rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
	}
	lr_state_unlink(&ctx->state, LR_STATE_API_SOCKET);
	lr_state_unlink(&ctx->state, LR_STATE_FWD_SOCKET);
	lr_state_unlink(&ctx->state, LR_STATE_RECORD);
	each_bundle_temp(ctx, remove_temp);
}

int lr_infra_stop(struct lr_ctx *ctx, struct lr_infra *inf, rci_error_t *err)
{
	cleanup_close int userns_fd = -1;
	/* Opened first, while the init still lives: the fd keeps the namespace for the sweep. */
	cleanup_close int mntns_fd = inf ? open_mntns(ctx, inf) : -1;
	if (lr_infra_alive(inf)) {
		/* Held across the stop: the namespace must outlive the init for `delete`. */
		if (inf->own_userns)
			userns_fd = lr_proc_open_ns(inf->pid, inf->pid_start, "user");
		rci_debug("stopping the infra (pid %d)", (int)inf->pid);
		char *term[] = {"kill", LR_CONTAINER_ID, "TERM", NULL};
		rci_error_t tmp = NULL;
		if (lr_runtime_run(&inf->rt, inf->runtime_root, userns_fd, 20000, term, NULL,
				   &tmp) < 0) {
			rci_debug("%s; signalling directly", tmp->msg);
			rci_error_release(&tmp);
			lr_proc_signal(inf->pid, inf->pid_start, SIGTERM);
		}
		if (!lr_proc_wait_gone(inf->pid, inf->pid_start, STOP_TIMEOUT_MS)) {
			rci_warning("the infra did not stop within %d ms; killing it",
				    STOP_TIMEOUT_MS);
			lr_proc_signal(inf->pid, inf->pid_start, SIGKILL);
			if (!lr_proc_wait_gone(inf->pid, inf->pid_start, 5000))
				return survivor("the infra's init", inf->pid, err);
		}
	}
	if (inf) {
		/* Daemons, stragglers, nsenter'ed shells: they would pin its namespaces. */
		sweep_mntns(mntns_fd);
		delete_container(ctx, &inf->rt, userns_fd);
		if (stop_host_side(inf, err) < 0)
			return -1;
	} else {
		/* No record (a launcher died mid-start): any runtime that has the state. */
		struct lr_runtime *list = NULL;
		rci_error_t tmp = NULL;
		if (lr_runtime_candidates(NULL, &list, &tmp) < 0)
			rci_error_release(&tmp);
		delete_container(ctx, list ? &list[0] : NULL, -1);
		lr_runtime_list_free(list);
	}
	remove_files(ctx);
	return 0;
}

void lr_infra_discard(struct lr_ctx *ctx, struct lr_infra *inf, const struct lr_runtime *rt,
		      bool created, int userns_fd, int mntns_fd)
{
	cleanup_close int opened = -1;
	if (created && mntns_fd < 0)
		mntns_fd = opened = open_mntns(ctx, inf);
	if (created && inf->pid > 0)
		lr_proc_signal(inf->pid, inf->pid_start, SIGKILL);
	sweep_mntns(mntns_fd);
	delete_container(ctx, created ? rt : NULL, userns_fd);
	/* Our children (pasta's daemon is not: it forked away): killed and reaped here. */
	if (inf->net_pid > 0 && inf->net_driver == LR_NET_SLIRP)
		rci_spawn_kill_reap(inf->net_pid);
	else if (inf->net_pid > 0)
		lr_proc_signal(inf->net_pid, inf->net_start, SIGKILL);
	if (inf->fwd_pid > 0)
		rci_spawn_kill_reap(inf->fwd_pid);
	remove_files(ctx);
}
