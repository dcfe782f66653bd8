/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "infra.h"
#include "program.h"
#include "bundle.h"
#include "fs.h"
#include "image.h"
#include "json.h"
#include "log.h"
#include "logfile.h"
#include "number.h"
#include "proctable.h"
#include "rootfs.h"
#include "slirp.h"
#include "spawn.h"
#include "testpoint.h"
#include "userns.h"
#include "util.h"
#include "init/teardown.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#define RECORD "infra.json"
/* Longer than the init may take to release every attachment, or stop would cut it short. */
#define STOP_TIMEOUT_MS (RCI_INIT_GC_TIMEOUT_MS + RCI_INIT_KILL_GRACE_MS + 10000)
_Static_assert(STOP_TIMEOUT_MS > RCI_INIT_GC_TIMEOUT_MS + RCI_INIT_KILL_GRACE_MS,
	       "stop must outwait the init's teardown");
/* Processes left in the infra's mount namespace: killed and waited for, at most this long. */
#define SWEEP_TIMEOUT_MS 10000
#define CREATE_TIMEOUT_MS 60000
#define READY_TIMEOUT_MS 15000

void lr_infra_free(struct lr_infra *inf)
{
	if (!inf)
		return;
	lr_runtime_clear(&inf->rt);
	free(inf->runtime_root);
	free(inf->bundle);
	free(inf->api_socket);
	free(inf->cni_path);
	free(inf->image);
	free(inf->cni_config_dir);
	rci_strv_free(inf->plugin_dirs);
	free(inf);
}

char *lr_infra_userns_path(const struct lr_infra *inf)
{
	return xasprintf("/proc/%d/ns/user", (int)inf->pid);
}

bool lr_infra_alive(const struct lr_infra *inf)
{
	return inf && inf->ready && lr_proc_alive(inf->pid, inf->pid_start);
}

/* The infra's own variables: what config.json gives the init. */
static char **base_env(const struct lr_infra *inf)
{
	char **env = NULL;
	char *s;
	rci_strv_push(&env, "PATH=" LR_IN_PATH);
	rci_strv_push(&env, "HOME=/root");
	rci_strv_push(&env, "container=rootless-cni-infra");
	rci_strv_push(&env, "RCI_CNI_CONFIG_DIR=" LR_IN_CNI_CONF);
	s = xasprintf("CNI_PATH=%s", inf->cni_path);
	rci_strv_push(&env, s);
	free(s);
	if (inf->pid > 0) {
		s = xasprintf("RCI_INFRA_PID=%d", (int)inf->pid);
		rci_strv_push(&env, s);
		free(s);
	}
	return env;
}

char **lr_infra_env(const struct lr_ctx *ctx, const struct lr_infra *inf)
{
	char **env = base_env(inf);
	char *s;
	for (size_t i = 0; ctx && ctx->extra_env && ctx->extra_env[i]; i++)
		rci_strv_push(&env, ctx->extra_env[i]);
	const char *t = getenv("RCI_PLUGIN_TIMEOUT");
	if (t && *t) {
		s = xasprintf("RCI_PLUGIN_TIMEOUT=%s", t);
		rci_strv_push(&env, s);
		free(s);
	}
	return env;
}

/* ---- the record ------------------------------------------------------------------------- */

static int record_write(const struct lr_ctx *ctx, const struct lr_infra *inf, rci_error_t *err)
{
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "runtime", json_object_new_string(inf->rt.name));
	json_object_object_add(o, "runtimePath", json_object_new_string(inf->rt.path));
	json_object_object_add(o, "runtimeRoot", json_object_new_string(inf->runtime_root));
	json_object_object_add(o, "bundle", json_object_new_string(inf->bundle));
	json_object_object_add(o, "apiSocket", json_object_new_string(inf->api_socket));
	json_object_object_add(o, "cniPath", json_object_new_string(inf->cni_path));
	json_object_object_add(o, "pid", json_object_new_int(inf->pid));
	json_object_object_add(o, "pidStart", json_object_new_uint64(inf->pid_start));
	json_object_object_add(o, "slirpPid", json_object_new_int(inf->slirp_pid));
	json_object_object_add(o, "slirpStart", json_object_new_uint64(inf->slirp_start));
	json_object_object_add(o, "ownUserns", json_object_new_boolean(inf->own_userns));
	json_object_object_add(o, "allowHostLoopback",
			       json_object_new_boolean(inf->allow_host_loopback));
	json_object_object_add(o, "ready", json_object_new_boolean(inf->ready));
	if (inf->image)
		json_object_object_add(o, "image", json_object_new_string(inf->image));
	if (inf->cni_config_dir)
		json_object_object_add(o, "cniConfigDir",
				       json_object_new_string(inf->cni_config_dir));
	json_object *dirs = json_object_new_array();
	for (size_t i = 0; inf->plugin_dirs && inf->plugin_dirs[i]; i++)
		json_object_array_add(dirs, json_object_new_string(inf->plugin_dirs[i]));
	json_object_object_add(o, "pluginDirs", dirs);
	cleanup_close int dfd = rci_open_dir(ctx->state_dir, err);
	if (dfd < 0)
		return -1;
	const char *text = rci_json_str(o);
	return rci_write_file_atomic_at(dfd, RECORD, text, strlen(text), 0600, err);
}

static char *get_str(json_object *o, const char *key)
{
	const char *s = rci_json_get_string(o, key);
	return xstrdup(s ? s : "");
}

/* A number of the record, 0 when absent or out of bounds (a damaged record is a dead infra). */
static uint64_t get_uint(json_object *o, const char *key, uint64_t max)
{
	uint64_t v = 0;
	return rci_json_get_uint(o, key, max, &v) == 0 ? v : 0;
}

int lr_infra_load(const struct lr_ctx *ctx, struct lr_infra **out, rci_error_t *err)
{
	*out = NULL;
	cleanup_close int dfd = rci_open_dir(ctx->state_dir, err);
	if (dfd < 0)
		return -1;
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = rci_read_file_at(dfd, RECORD, 1 << 20, &text, &len, err);
	if (r == -2)
		return 0;
	if (r < 0)
		return -1;
	cleanup_free char *what = xasprintf("`%s/%s`", ctx->state_dir, RECORD);
	cleanup_json json_object *o = rci_json_parse(text, len, what, err);
	if (!o)
		return -1;
	struct lr_infra *inf = xmalloc0(sizeof(*inf));
	inf->rt.name = get_str(o, "runtime");
	inf->rt.path = get_str(o, "runtimePath");
	inf->rt.crun = strstr(inf->rt.name, "crun") != NULL;
	inf->runtime_root = get_str(o, "runtimeRoot");
	inf->bundle = get_str(o, "bundle");
	inf->api_socket = get_str(o, "apiSocket");
	inf->cni_path = get_str(o, "cniPath");
	inf->pid = (pid_t)get_uint(o, "pid", LR_PID_MAX);
	inf->pid_start = get_uint(o, "pidStart", UINT64_MAX);
	inf->slirp_pid = (pid_t)get_uint(o, "slirpPid", LR_PID_MAX);
	inf->slirp_start = get_uint(o, "slirpStart", UINT64_MAX);
	const char *conf = rci_json_get_string(o, "cniConfigDir");
	inf->cni_config_dir = conf ? xstrdup(conf) : NULL;
	json_object *dirs = rci_json_get_type(o, "pluginDirs", json_type_array);
	for (size_t i = 0; dirs && i < json_object_array_length(dirs); i++) {
		json_object *d = json_object_array_get_idx(dirs, i);
		if (json_object_is_type(d, json_type_string))
			rci_strv_push(&inf->plugin_dirs, json_object_get_string(d));
	}
	json_object *b;
	inf->own_userns =
	    json_object_object_get_ex(o, "ownUserns", &b) && json_object_get_boolean(b);
	/* Records of older launchers do not say: their slirp4netns served the host's loopback. */
	inf->allow_host_loopback = json_object_object_get_ex(o, "allowHostLoopback", &b)
				       ? json_object_get_boolean(b)
				       : true;
	/* Records without the field predate provisional ones: complete when they have a pid. */
	inf->ready =
	    json_object_object_get_ex(o, "ready", &b) ? json_object_get_boolean(b) : inf->pid > 0;
	const char *image = rci_json_get_string(o, "image");
	inf->image = image ? xstrdup(image) : NULL;
	*out = inf;
	return 0;
}

/* ---- stop and cleanup ------------------------------------------------------------------- */

static bool exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

/* Temp names of the bundle (bundle.h): a launcher killed while building or removing it. */
static bool is_bundle_temp(const char *name)
{
	return !strncmp(name, ".bundle.tmp-", 12) || !strncmp(name, ".bundle.del-", 12);
}

/*
 * Removes the bundle temp dirs of crashed launchers. Only under the exclusive lock: the bundle
 * is built and removed under it alone, so none of them is in use.
 */
static void sweep_bundle_temps(const struct lr_ctx *ctx)
{
	cleanup_dir DIR *d = opendir(ctx->state_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!is_bundle_temp(de->d_name))
			continue;
		cleanup_free char *p = lr_ctx_path(ctx, de->d_name);
		rci_error_t tmp = NULL;
		rci_debug("removing `%s`, left by a launcher that died", p);
		if (lr_remove_tree(p, &tmp) < 0) {
			rci_warning("%s", tmp->msg);
			rci_error_release(&tmp);
		}
	}
}

bool lr_infra_leftovers(const struct lr_ctx *ctx)
{
	static const char *const names[] = {RECORD, "bundle", "slirp4netns.sock", "runtime"};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(names); i++) {
		cleanup_free char *p = lr_ctx_path(ctx, names[i]);
		if (exists(p))
			return true;
	}
	cleanup_dir DIR *d = opendir(ctx->state_dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (is_bundle_temp(de->d_name))
			return true;
	return false;
}

/* Runtime state of the container: `delete --force`, or by hand when no runtime will. */
static void delete_container(const struct lr_ctx *ctx, const struct lr_runtime *rt, int userns_fd)
{
	cleanup_free char *root = lr_ctx_path(ctx, "runtime");
	cleanup_free char *state = xasprintf("%s/%s", root, LR_CONTAINER_ID);
	rci_error_t tmp = NULL;
	if (rt && exists(state)) {
		char *args[] = {"delete", "--force", LR_CONTAINER_ID, NULL};
		if (lr_runtime_run(rt, root, userns_fd, 20000, args, NULL, &tmp) < 0) {
			rci_debug("%s", tmp->msg);
			rci_error_release(&tmp);
		}
	}
	if (lr_remove_tree(state, &tmp) < 0) {
		rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
	}
	/* Only our container lives there; an empty dir is not worth keeping. */
	rmdir(root);
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

/* Fails when slirp4netns survives: it would keep the host ports with nobody tracking it. */
static int stop_slirp(pid_t pid, unsigned long long start, rci_error_t *err)
{
	if (pid <= 0 || !lr_proc_alive(pid, start))
		return 0;
	/* It exits by itself on the exit pipe's hang-up; insist if it does not. */
	if (lr_proc_wait_gone(pid, start, 3000))
		return 0;
	lr_proc_signal(pid, start, SIGTERM);
	if (lr_proc_wait_gone(pid, start, 2000))
		return 0;
	lr_proc_signal(pid, start, SIGKILL);
	if (lr_proc_wait_gone(pid, start, 2000))
		return 0;
	return survivor("slirp4netns", pid, err);
}

/*
 * Daemons plugins start in the infra (dnsname's dnsmasq) outlive a SIGKILLed init: a runtime
 * cannot kill what a rootless container without a cgroup leaves. They are the processes whose
 * root is the bundle's root.path, which config.json still names.
 */
static char *bundle_root(const char *bundle)
{
	cleanup_close int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_free char *text = NULL;
	size_t len = 0;
	rci_error_t tmp = NULL;
	if (dfd < 0 || rci_read_file_at(dfd, "config.json", 1 << 20, &text, &len, &tmp) != 0) {
		rci_error_release(&tmp);
		return NULL;
	}
	cleanup_json json_object *cfg = rci_json_parse(text, len, "config.json", &tmp);
	const char *path =
	    rci_json_get_string(rci_json_get_type(cfg, "root", json_type_object), "path");
	rci_error_release(&tmp);
	if (!path)
		return NULL;
	return path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", bundle, path);
}

static void kill_leftovers(const char *bundle)
{
	cleanup_free char *root = bundle_root(bundle);
	if (root)
		lr_proc_kill_rooted_at(root);
}

/* The runtime's pid file: one pid, nothing else (issue 13: numbers with bounds). */
static int read_pid_file(const char *path, pid_t *pid, rci_error_t *err)
{
	uint64_t v;
	if (rci_read_u64_file(path, LR_PID_MAX, &v) < 0 || v == 0)
		return rci_make_error(err, errno, "no pid in `%s`", path);
	*pid = (pid_t)v;
	return 0;
}

/*
 * The infra's mount namespace as an fd (lr_proc_open_ns), opened only while the infra's init is
 * verifiably alive: the recorded pid with its start time, or, for a record without a pid (a
 * launcher killed between `create` and completing it), the runtime's pid file, trusted only
 * while that process has the bundle's root as its root. -1 when the init is dead: then its
 * namespace may be gone and its number another process's (issue 13); what the infra left is
 * found by its root instead (kill_leftovers).
 */
static int open_mntns(const struct lr_infra *inf)
{
	if (inf->pid > 0)
		return lr_proc_open_ns(inf->pid, inf->pid_start, "mnt");
	cleanup_free char *pidfile = xasprintf("%s/infra.pid", inf->bundle);
	cleanup_free char *root = bundle_root(inf->bundle);
	pid_t pid;
	rci_error_t tmp = NULL;
	if (!root || read_pid_file(pidfile, &pid, &tmp) < 0) {
		rci_error_release(&tmp);
		return -1;
	}
	unsigned long long start = lr_proc_start_time((pid_t)pid);
	if (!start || !lr_proc_rooted_at((pid_t)pid, start, root))
		return -1;
	return lr_proc_open_ns((pid_t)pid, start, "mnt");
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
	rci_error_t tmp = NULL;
	cleanup_free char *bundle = lr_ctx_path(ctx, "bundle");
	kill_leftovers(bundle);
	cleanup_free char *sock = lr_ctx_path(ctx, "slirp4netns.sock");
	cleanup_free char *rec = lr_ctx_path(ctx, RECORD);
	if (lr_bundle_remove(bundle, &tmp) < 0) {
		rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
	}
	unlink(sock);
	unlink(rec);
	sweep_bundle_temps(ctx);
}

int lr_infra_stop(struct lr_ctx *ctx, struct lr_infra *inf, rci_error_t *err)
{
	cleanup_close int userns_fd = -1;
	/* Opened first, while the init still lives: the fd keeps the namespace for the sweep. */
	cleanup_close int mntns_fd = inf ? open_mntns(inf) : -1;
	if (lr_infra_alive(inf)) {
		/* Held across the stop: the namespace must outlive the init for `delete`. */
		if (inf->own_userns) {
			cleanup_free char *p = lr_infra_userns_path(inf);
			userns_fd = open(p, O_RDONLY | O_CLOEXEC);
		}
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
		if (stop_slirp(inf->slirp_pid, inf->slirp_start, err) < 0)
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

/* ---- start ------------------------------------------------------------------------------ */

struct start_env {
	char *helper, *init, *slirp;
	struct lr_userns_plan plan;
	int userns_fd;
};

static int build_bundle(struct lr_ctx *ctx, struct start_env *se, struct lr_infra *inf,
			rci_error_t *err)
{
	cleanup_free char *tmp = lr_bundle_begin(ctx->state_dir, "bundle", err);
	if (!tmp)
		return -1;
	cleanup_free char *rootfs = xasprintf("%s/rootfs", tmp);
	cleanup_json json_object *mounts = json_object_new_array();
	struct lr_rootfs_opts ro = {.helper = se->helper,
				    .init = se->init,
				    .cni_config_dir = ctx->cni_config_dir,
				    .plugin_dirs = ctx->plugin_dirs};
	rci_error_t tmp_err = NULL;
	cleanup_strv char **args = NULL;
	cleanup_strv char **env = NULL;
	cleanup_json json_object *config = NULL;
	if (ctx->img) {
		/* --image: its rootfs in place; --cni-plugin-dir still overrides its plugins. */
		const char *image_cni = lr_image_getenv(ctx->img, "CNI_PATH");
		struct lr_rootfs_opts io = {.cni_config_dir = ctx->cni_config_dir,
					    .plugin_dirs =
						ctx->plugin_dirs_default ? NULL : ctx->plugin_dirs};
		if (lr_rootfs_image(ctx->img->rootfs, &io, image_cni ? image_cni : "/usr/lib/cni",
				    mounts, &inf->cni_path, err) < 0)
			goto undo;
	} else if (lr_rootfs_imageless(rootfs, &ro, mounts, &inf->cni_path, err) < 0) {
		goto undo;
	}
	if (lr_slirp_resolv_conf(tmp, inf->bundle, mounts, err) < 0)
		goto undo;
	/*
	 * The bundle outlives this command: nothing of it goes in (no --debug, no
	 * RCI_PORT_MAPPINGS, no RCI_PLUGIN_TIMEOUT), or every later runtime `exec` and the
	 * init's teardown would inherit it.
	 */
	if (ctx->img) {
		/* The image's command, as an engine would run it. */
		for (size_t i = 0; ctx->img->args[i]; i++)
			rci_strv_push(&args, ctx->img->args[i]);
	} else {
		rci_strv_push(&args, LR_IN_INIT);
		rci_strv_push(&args, "--helper");
		rci_strv_push(&args, LR_IN_HELPER);
	}
	pid_t saved = inf->pid;
	inf->pid = 0; /* the init learns its pid itself */
	env = base_env(inf);
	inf->pid = saved;
	/* The image's other variables too; ours (PATH, CNI_PATH...) win. */
	for (size_t i = 0; ctx->img && ctx->img->env && ctx->img->env[i]; i++) {
		const char *kv = ctx->img->env[i];
		size_t klen = strcspn(kv, "=");
		bool ours = false;
		for (size_t k = 0; env[k] && !ours; k++)
			ours = !strncmp(env[k], kv, klen + 1);
		if (!ours)
			rci_strv_push(&env, kv);
	}
	struct lr_bundle_opts bo = {
	    .args = args, .env = env, .mounts = mounts, .hostname = "rootless-cni-infra"};
	config = lr_bundle_config(&bo);
	lr_slirp_sysctls(config);
	if (ctx->img) {
		/* An absolute root: runc refuses a symlinked rootfs, and the cache is shared. */
		json_object *root = rci_json_get_type(config, "root", json_type_object);
		json_object_object_add(root, "path", json_object_new_string(ctx->img->rootfs));
		inf->image = xstrdup(ctx->img->digest);
	}
	if (lr_bundle_commit(tmp, ctx->state_dir, "bundle", config, err) < 0)
		goto undo;
	return 0;
undo:
	if (lr_bundle_remove(tmp, &tmp_err) < 0)
		rci_error_release(&tmp_err);
	return -1;
}

/* The init writes /run/rootless-cni-infra/infra.pid once its signal handling is in place. */
static int wait_init_ready(const struct lr_infra *inf, const char *log, rci_error_t *err)
{
	cleanup_free char *p =
	    xasprintf("/proc/%d/root/run/rootless-cni-infra/infra.pid", (int)inf->pid);
	long long deadline = rci_now_ms() + READY_TIMEOUT_MS;
	while (!exists(p)) {
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

static int start_with(struct lr_ctx *ctx, struct start_env *se, const struct lr_runtime *rt,
		      struct lr_infra **out, rci_error_t *err)
{
	struct lr_infra *inf = xmalloc0(sizeof(*inf));
	inf->rt = lr_runtime_dup(rt);
	inf->runtime_root = lr_ctx_path(ctx, "runtime");
	inf->bundle = lr_ctx_path(ctx, "bundle");
	inf->api_socket = lr_ctx_path(ctx, "slirp4netns.sock");
	inf->own_userns = se->userns_fd >= 0;
	inf->allow_host_loopback = ctx->allow_host_loopback;
	inf->cni_config_dir = xstrdup(ctx->cni_config_dir);
	for (size_t i = 0; ctx->plugin_dirs && ctx->plugin_dirs[i]; i++)
		rci_strv_push(&inf->plugin_dirs, ctx->plugin_dirs[i]);
	cleanup_free char *log = xasprintf("%s/infra.log", inf->bundle);
	cleanup_free char *slirp_log = xasprintf("%s/slirp4netns.log", inf->bundle);
	cleanup_free char *pidfile = xasprintf("%s/infra.pid", inf->bundle);
	int exitp[2] = {-1, -1};
	/* Before the first goto: jumping past a cleanup variable's initialisation frees garbage. */
	cleanup_strv char **argv = NULL;
	int logfd = -1;
	int mntns_fd = -1;
	bool created = false;

	if (build_bundle(ctx, se, inf, err) < 0)
		goto fail;
	if (rci_mkdir_p(inf->runtime_root, 0700, true, err) < 0)
		goto undo;
	/* Provisional: a launcher killed from here on leaves what the next one needs to clean. */
	if (record_write(ctx, inf, err) < 0)
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
	extern char **environ;
	struct rci_spawn sp;
	rci_spawn_init(&sp);
	sp.path = rt->path;
	sp.argv = argv;
	sp.envp = environ;
	sp.out_fd = sp.err_fd = logfd;
	sp.extra_fds = &exitp[1];
	sp.n_extra = 1;
	sp.child_setup = se->userns_fd >= 0 ? lr_userns_join_hook : NULL;
	sp.child_data = &se->userns_fd;
	sp.new_session = true;
	sp.die_with_parent = true;
	rci_debug("%s create (bundle `%s`)", rt->name, inf->bundle);
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
	close(exitp[1]);
	exitp[1] = -1;
	rci_testpoint("launcher:created");
	if (read_pid_file(pidfile, &inf->pid, err) < 0)
		goto undo;
	inf->pid_start = lr_proc_start_time(inf->pid);
	mntns_fd = lr_proc_open_ns(inf->pid, inf->pid_start, "mnt");
	if (mntns_fd < 0) {
		rci_make_error(err, errno, "the mount namespace of the infra (pid %d)",
			       (int)inf->pid);
		goto undo;
	}

	struct lr_slirp_opts so = {.path = se->slirp,
				   .target = inf->pid,
				   .api_socket = inf->api_socket,
				   .log_path = slirp_log,
				   .exit_fd = exitp[0],
				   .allow_host_loopback = inf->allow_host_loopback,
				   .timeout_ms = READY_TIMEOUT_MS};
	inf->slirp_pid = lr_slirp_start(&so, err);
	if (inf->slirp_pid < 0) {
		inf->slirp_pid = 0;
		goto undo;
	}
	inf->slirp_start = lr_proc_start_time(inf->slirp_pid);
	close(exitp[0]);
	exitp[0] = -1;
	if (record_write(ctx, inf, err) < 0)
		goto undo;
	rci_testpoint("launcher:slirp-started");

	char *sargs[] = {"start", LR_CONTAINER_ID, NULL};
	if (lr_runtime_run(rt, inf->runtime_root, se->userns_fd, 30000, sargs, NULL, err) < 0)
		goto undo;
	if (wait_init_ready(inf, log, err) < 0)
		goto undo;
	inf->ready = true;
	if (record_write(ctx, inf, err) < 0)
		goto undo;
	close(logfd);
	close(mntns_fd);
	rci_debug("infra running: pid %d, runtime %s, slirp4netns pid %d", (int)inf->pid, rt->name,
		  (int)inf->slirp_pid);
	*out = inf;
	return 0;

undo:
	if (exitp[1] >= 0)
		close(exitp[1]);
	if (exitp[0] >= 0)
		close(exitp[0]);
	if (logfd >= 0)
		close(logfd);
	if (created && mntns_fd < 0)
		mntns_fd = open_mntns(inf);
	if (created && inf->pid > 0)
		lr_proc_signal(inf->pid, inf->pid_start, SIGKILL);
	sweep_mntns(mntns_fd);
	if (mntns_fd >= 0)
		close(mntns_fd);
	delete_container(ctx, created ? rt : NULL, se->userns_fd);
	if (inf->slirp_pid > 0) {
		/* Our child: kill and reap it here, no zombie left behind. */
		rci_spawn_kill_reap(inf->slirp_pid);
	}
	remove_files(ctx);
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
	if (lr_ctx_resolve_cni(ctx, err) < 0 || lr_image_setup(ctx, err) < 0)
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
		cleanup_free char *cache = lr_ctx_path(ctx, "image-cache");
		rci_error_t prune_err = NULL;
		if (lr_image_cache_prune(cache, ctx->img ? ctx->img->digest : NULL, &prune_err) <
		    0) {
			rci_warning("image cache: %s", prune_err->msg);
			rci_error_release(&prune_err);
		}
	}
	se.slirp = lr_find_program("slirp4netns");
	if (!se.slirp) {
		rci_make_error_kind(err, RCI_ERR_NOT_FOUND, ENOENT,
				    "`slirp4netns` not found in PATH (install the slirp4netns "
				    "package)");
		goto out;
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
	free(se.slirp);
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
	return infra_start(ctx, out, err);
}

/* True when @a and @b name the same file (or are equal strings). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!strcmp(a, b))
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int conflict(const char *option, const char *running, rci_error_t *err)
{
	return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
				   "the infra runs with %s `%s`; run `rootless-cni-launcher stop` "
				   "to switch",
				   option, running);
}

/* --image against the running infra's: the manifest digests, the image prepared for it. */
static int check_image(struct lr_ctx *ctx, const struct lr_infra *inf, rci_error_t *err)
{
	if (!ctx->image)
		return 0;
	if (!inf->image)
		return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
					   "the infra runs imageless; run `rootless-cni-launcher "
					   "stop` to switch");
	if (lr_image_setup(ctx, err) < 0)
		return -1;
	if (strcmp(ctx->img->digest, inf->image) != 0)
		return conflict("--image", inf->image, err);
	return 0;
}

int lr_infra_check_options(struct lr_ctx *ctx, const struct lr_infra *inf, rci_error_t *err)
{
	/* Records of older launchers do not say: nothing to compare with. */
	if (ctx->cni_config_dir_given && inf->cni_config_dir && *inf->cni_config_dir &&
	    !same_file(ctx->cni_config_dir, inf->cni_config_dir))
		return conflict("--cni-config-dir", inf->cni_config_dir, err);
	if (!ctx->plugin_dirs_default && inf->plugin_dirs) {
		size_t n = rci_strv_len(ctx->plugin_dirs);
		bool same = n == rci_strv_len(inf->plugin_dirs);
		for (size_t i = 0; same && i < n; i++)
			same = same_file(ctx->plugin_dirs[i], inf->plugin_dirs[i]);
		if (!same) {
			cleanup_free char *dirs = rci_strv_join(inf->plugin_dirs, ":", NULL);
			return conflict("--cni-plugin-dir", dirs, err);
		}
	}
	if (ctx->runtime && *inf->rt.path) {
		cleanup_free char *want = lr_find_program(ctx->runtime);
		if (!want || !same_file(want, inf->rt.path))
			return conflict("--runtime", inf->rt.path, err);
	}
	if (ctx->allow_host_loopback && !inf->allow_host_loopback)
		return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
					   "the infra runs without --allow-host-loopback; run "
					   "`rootless-cni-launcher stop` to switch");
	return check_image(ctx, inf, err);
}

json_object *lr_infra_mappings(const struct lr_infra *inf, bool gid, rci_error_t *err)
{
	json_object *m = lr_userns_mappings(inf->pid, gid, err);
	if (m && !lr_infra_alive(inf)) {
		json_object_put(m);
		rci_make_error(err, ESRCH, "the infra (pid %d) exited", (int)inf->pid);
		return NULL;
	}
	return m;
}
