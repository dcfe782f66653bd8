/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting the infra (infra.h: the lifecycle). */
#include "infra.h"
#include "bundle.h"
#include "image.h"
#include "keys.h"
#include "log.h"
#include "logfile.h"
#include "pasta.h"
#include "portfwd.h"
#include "program.h"
#include "slirp.h"
#include "spawn.h"
#include "state.h"
#include "testpoint.h"
#include "userns.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#define CREATE_TIMEOUT_MS 60000
#define READY_TIMEOUT_MS 15000

/* What every runtime candidate gets: the programs and the user namespace. */
struct start_env {
	char *helper, *init, *net; /* net: slirp4netns or pasta, as --net-driver says */
	struct lr_userns_plan plan;
	int userns_fd;
};

/* The init writes /run/rootless-cni-infra/infra.pid once its signal handling is in place. */
static int wait_init_ready(const struct lr_infra *inf, const char *log, rci_error_t *err)
{
	cleanup_free char *p =
	    xasprintf("/proc/%d/root/run/rootless-cni-infra/infra.pid", (int)inf->pid);
	long long deadline = rci_now_ms() + READY_TIMEOUT_MS;
	struct stat st;
	while (lstat(p, &st) < 0) {
		if (!lr_proc_alive(inf->pid, inf->pid_start)) {
			cleanup_free char *tail = lr_logfile_excerpt(log);
			return rci_make_error(err, 0, "the infra's init exited at once%s%s",
					      *tail ? ": " : "", tail);
		}
		if (rci_now_ms() > deadline)
			return rci_make_error(err, ETIMEDOUT, "the infra's init did not write `%s`",
					      p);
		usleep(10 * 1000);
	}
	return 0;
}

/*
 * Connects the created infra to the host: slirp4netns (which ends on the exit pipe's hang-up,
 * whose write end the init holds) or pasta (pasta.h). Records its pid in @inf.
 */
static int start_net(const struct start_env *se, struct lr_infra *inf, int exit_fd,
		     rci_error_t *err)
{
	if (inf->net_driver == LR_NET_PASTA) {
		cleanup_free char *log = xasprintf("%s/%s", inf->bundle, LR_BUNDLE_PASTA_LOG);
		cleanup_free char *pidfile = xasprintf("%s/%s", inf->bundle, LR_BUNDLE_PASTA_PID);
		struct lr_pasta_opts po = {.path = se->net,
					   .target = inf->pid,
					   .pid_file = pidfile,
					   .log_path = log,
					   .allow_host_loopback = inf->allow_host_loopback,
					   .timeout_ms = READY_TIMEOUT_MS};
		pid_t pid = lr_pasta_start(&po, &inf->net_start, err);
		inf->net_pid = pid < 0 ? 0 : pid;
		return pid < 0 ? -1 : 0;
	}
	cleanup_free char *log = xasprintf("%s/%s", inf->bundle, LR_BUNDLE_SLIRP_LOG);
	struct lr_slirp_opts so = {.path = se->net,
				   .target = inf->pid,
				   .api_socket = inf->api_socket,
				   .log_path = log,
				   .exit_fd = exit_fd,
				   .allow_host_loopback = inf->allow_host_loopback,
				   .timeout_ms = READY_TIMEOUT_MS};
	pid_t pid = lr_slirp_start(&so, err);
	if (pid < 0)
		return -1;
	inf->net_pid = pid;
	inf->net_start = lr_proc_start_time(pid);
	return 0;
}

static int start_with(struct lr_ctx *ctx, struct start_env *se, const struct lr_runtime *rt,
		      struct lr_infra **out, rci_error_t *err)
{
	struct lr_infra *inf = xmalloc0(sizeof(*inf));
	inf->rt = lr_runtime_dup(rt);
	inf->runtime_root = lr_state_path(&ctx->state, LR_STATE_RUNTIME);
	inf->bundle = lr_state_path(&ctx->state, LR_STATE_BUNDLE);
	inf->api_socket = lr_state_path(&ctx->state, LR_STATE_API_SOCKET);
	inf->own_userns = se->userns_fd >= 0;
	inf->allow_host_loopback = ctx->allow_host_loopback;
	inf->port_driver = ctx->port_driver;
	inf->net_driver = ctx->net_driver;
	inf->cni_config_dir = ctx->cni_config_dir ? xstrdup(ctx->cni_config_dir) : NULL;
	inf->cni_shipped_dir = ctx->cni_shipped_dir ? xstrdup(ctx->cni_shipped_dir) : NULL;
	for (size_t i = 0; ctx->plugin_dirs && ctx->plugin_dirs[i]; i++)
		rci_strv_push(&inf->plugin_dirs, ctx->plugin_dirs[i]);
	cleanup_free char *log = xasprintf("%s/%s", inf->bundle, LR_BUNDLE_LOG);
	cleanup_free char *pidfile = xasprintf("%s/%s", inf->bundle, LR_BUNDLE_PID_FILE);
	int exitp[2] = {-1, -1};
	/* Before the first goto: jumping past a cleanup variable's initialisation frees garbage. */
	cleanup_strv char **argv = NULL;
	int logfd = -1;
	int mntns_fd = -1;
	bool created = false;

	if (lr_bundle_build(ctx, se->helper, se->init, inf, err) < 0)
		goto fail;
	int rfd = lr_state_open_dir(&ctx->state, LR_STATE_RUNTIME, true, err);
	if (rfd < 0)
		goto undo;
	close(rfd);
	/* Provisional: a launcher killed from here on leaves what the next one needs to clean. */
	if (lr_infra_save(ctx, inf, err) < 0)
		goto undo;
	if (pipe2(exitp, O_CLOEXEC) < 0) {
		rci_make_error(err, errno, "pipe");
		goto undo;
	}
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (logfd < 0) {
		rci_make_error(err, errno, "open `%s`", log);
		goto undo;
	}

	/* create: the container's init inherits stdio (the log) and fd 3 (the exit pipe). */
	char *cargs[] = {"create",	   "--bundle", inf->bundle,	"--pid-file", pidfile,
			 "--preserve-fds", "1",	       LR_CONTAINER_ID, NULL};
	argv = lr_runtime_argv(rt, inf->runtime_root, cargs);
	struct rci_spawn sp;
	rci_spawn_init_daemon(&sp, rt->path, argv, logfd, &exitp[1], 1);
	sp.child_setup = se->userns_fd >= 0 ? lr_userns_join_hook : NULL;
	sp.child_data = &se->userns_fd;
	sp.die_with_parent = true;
	long long t0 = rci_now_ms();
	pid_t rpid = rci_spawn_start(&sp, err);
	if (rpid < 0)
		goto undo;
	created = true;
	int status = 0;
	int w = rci_spawn_wait(rpid, CREATE_TIMEOUT_MS, &status, err);
	if (w != 0) {
		if (w > 0) {
			rci_spawn_kill_reap(rpid);
			rci_make_error(err, ETIMEDOUT, "%s create did not finish in %d ms",
				       rt->name, CREATE_TIMEOUT_MS);
		}
		goto undo;
	}
	if (status != 0) {
		cleanup_free char *how = rci_describe_wstatus(status);
		cleanup_free char *tail = lr_logfile_excerpt(log);
		rci_make_error(err, 0, "%s create %s%s%s", rt->name, how, *tail ? ": " : "", tail);
		goto undo;
	}
	rci_debug_step("runtime", t0, "%s create: ok (bundle `%s`)", rt->name, inf->bundle);
	close(exitp[1]);
	exitp[1] = -1;
	rci_testpoint("launcher:created");
	if (lr_bundle_pid(&ctx->state, &inf->pid, err) < 0)
		goto undo;
	inf->pid_start = lr_proc_start_time(inf->pid);
	mntns_fd = lr_proc_open_ns(inf->pid, inf->pid_start, "mnt");
	if (mntns_fd < 0) {
		rci_make_error(err, errno, "the mount namespace of the infra (pid %d)",
			       (int)inf->pid);
		goto undo;
	}

	if (start_net(se, inf, exitp[0], err) < 0)
		goto undo;
	close(exitp[0]);
	exitp[0] = -1;
	if (lr_infra_save(ctx, inf, err) < 0)
		goto undo;
	rci_testpoint("launcher:slirp-started");

	char *sargs[] = {"start", LR_CONTAINER_ID, NULL};
	if (lr_runtime_run(rt, inf->runtime_root, se->userns_fd, 30000, sargs, NULL, err) < 0)
		goto undo;
	if (wait_init_ready(inf, log, err) < 0)
		goto undo;
	if (inf->port_driver == LR_PORT_FORWARDER) {
		if (lr_portfwd_start(ctx, inf, err) < 0 || lr_infra_save(ctx, inf, err) < 0)
			goto undo;
		rci_testpoint("launcher:forwarder-started");
	}
	inf->ready = true;
	if (lr_infra_save(ctx, inf, err) < 0)
		goto undo;
	close(logfd);
	close(mntns_fd);
	*out = inf;
	return 0;

undo:
	if (exitp[1] >= 0)
		close(exitp[1]);
	if (exitp[0] >= 0)
		close(exitp[0]);
	if (logfd >= 0)
		close(logfd);
	lr_infra_discard(ctx, inf, rt, created, se->userns_fd, mntns_fd);
	if (mntns_fd >= 0)
		close(mntns_fd);
fail:
	lr_infra_free(inf);
	return -1;
}

static int infra_start(struct lr_ctx *ctx, struct lr_infra **out, rci_error_t *err)
{
	struct start_env se = {.userns_fd = -1};
	struct lr_runtime *list = NULL;
	cleanup_free char *errors = NULL;
	int ret = -1;
	/*
	 * Prepared again here, under the exclusive lock that the prune below also needs: an entry
	 * prepared earlier (lr_netconf_check) may have been pruned by a start since (issue 13).
	 */
	lr_image_free(ctx->img);
	ctx->img = NULL;
	if (lr_image_setup(ctx, err) < 0 || lr_ctx_resolve_cni(ctx, err) < 0)
		goto out;
	if (ctx->img) {
		cleanup_free char *helper = xasprintf("%s%s", ctx->img->rootfs, LR_IN_HELPER);
		if (access(helper, X_OK) < 0) {
			rci_make_error_kind(err, RCI_ERR_USAGE, errno,
					    "--image `%s`: no helper at `%s` in the image",
					    ctx->image, LR_IN_HELPER);
			goto out;
		}
	} else {
		se.helper = lr_ctx_helper(ctx, err);
		if (!se.helper)
			goto out;
		se.init = lr_ctx_init_bin(ctx, err);
		if (!se.init)
			goto out;
	}
	{
		/* No infra runs here now: entries of other images (all, imageless) can go. */
		cleanup_free char *cache = lr_state_path(&ctx->state, LR_STATE_IMAGE_CACHE);
		rci_error_t prune_err = NULL;
		if (lr_image_cache_prune(cache, ctx->img ? ctx->img->digest : NULL, &prune_err) <
		    0) {
			rci_warning("image cache: %s", prune_err->msg);
			rci_error_release(&prune_err);
		}
	}
	{
		const char *net = lr_net_driver_name(ctx->net_driver);
		se.net = lr_find_program(net);
		if (!se.net) {
			rci_make_error_kind(err, RCI_ERR_NOT_FOUND, ENOENT,
					    "`%s` not found in PATH (install the %s package)", net,
					    ctx->net_driver == LR_NET_PASTA ? "passt" : net);
			goto out;
		}
	}
	if (lr_runtime_candidates(ctx->runtime, &list, err) < 0)
		goto out;
	if (lr_userns_plan(&se.plan, err) < 0)
		goto out;
	if (!se.plan.shared) {
		if (se.plan.single)
			rci_warning("%s: mapping only your own IDs into the user namespace; "
				    "containers needing other IDs will fail",
				    se.plan.reason);
		se.userns_fd = lr_userns_create(&se.plan, err);
		if (se.userns_fd < 0)
			goto out;
	}
	for (size_t i = 0; list[i].name; i++) {
		rci_error_t tmp = NULL;
		if (start_with(ctx, &se, &list[i], out, &tmp) == 0) {
			ret = 0;
			goto out;
		}
		cleanup_free char *text = rci_error_text(tmp);
		rci_debug("%s could not start the infra: %s", list[i].name, text);
		char *e = xasprintf("%s%s%s", errors ? errors : "", errors ? "; " : "", text);
		free(errors);
		errors = e;
		/* Usage errors are ours, not the runtime's: another runtime will not help. */
		if (ctx->runtime || tmp->kind != RCI_ERR_FAILED) {
			*err = tmp;
			goto out;
		}
		rci_error_release(&tmp);
	}
	rci_make_error(err, 0, "no OCI runtime could start the infra container: %s", errors);
out:
	if (se.userns_fd >= 0)
		close(se.userns_fd);
	lr_userns_plan_free(&se.plan);
	lr_runtime_list_free(list);
	free(se.helper);
	free(se.init);
	free(se.net);
	return ret;
}

int lr_infra_ensure(struct lr_ctx *ctx, struct lr_infra **out, rci_error_t *err)
{
	struct lr_infra *inf = NULL;
	if (lr_infra_load(ctx, &inf, err) < 0)
		return -1;
	if (lr_infra_alive(inf)) {
		if (lr_infra_check_options(ctx, inf, err) < 0) {
			lr_infra_free(inf);
			return -1;
		}
		*out = inf;
		return 0;
	}
	if (inf || lr_infra_leftovers(ctx)) {
		rci_debug("the infra is gone; cleaning up what is left of it");
		/* Not over a survivor: a new infra would fight it for the host ports. */
		if (lr_infra_stop(ctx, inf, err) < 0) {
			lr_infra_free(inf);
			return rci_error_wrap(err, "clean up the last infra");
		}
	}
	lr_infra_free(inf);
	/* A new user namespace's first infra: what an older one left goes now (keys.h). */
	lr_keys_sweep(ctx);
	return infra_start(ctx, out, err);
}
