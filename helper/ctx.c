/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctx.h"
#include "caps.h"
#include "discover.h"
#include "dnsmasq_shim.h"
#include "fs.h"
#include "json.h"
#include "lock.h"
#include "log.h"
#include "netns.h"
#include "testpoint.h"
#include "number.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#define DEFAULT_CNI_PATH "/usr/lib/cni:/usr/libexec/cni:/opt/cni/bin"

char **rci_ctx_split_dirs(const char *list)
{
	char **dirs = NULL;
	cleanup_strv char **parts = rci_strv_split(list, ':');
	/* "a::b" or a trailing ':' names no directory (PATH would read it as the cwd: not here). */
	for (size_t i = 0; parts && parts[i]; i++)
		if (*parts[i])
			rci_strv_push(&dirs, parts[i]);
	return dirs;
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

/* A pid as the kernel hands them out: 1 to PID_MAX_LIMIT (2^22). */
static int parse_pid(const char *text, long *pid)
{
	unsigned long v;
	if (rci_parse_ulong(text, 1, RCI_PID_MAX, &v) < 0)
		return -1;
	*pid = (long)v;
	return 0;
}

int rci_ctx_init(struct rci_ctx *ctx, rci_error_t *err)
{
	if (!ctx->state_dir)
		ctx->state_dir = xstrdup(env_or("RCI_STATE_DIR", RCI_DEFAULT_STATE_DIR));
	if (!ctx->config_dirs)
		ctx->config_dirs =
		    rci_ctx_split_dirs(env_or("RCI_CNI_CONFIG_DIR", "/etc/cni/net.d"));
	if (!ctx->rt.cache_dir)
		ctx->rt.cache_dir = xstrdup(env_or("RCI_CNI_CACHE_DIR", "/var/lib/cni"));
	if (!ctx->rt.plugin_dirs)
		ctx->rt.plugin_dirs = rci_strv_split(env_or("CNI_PATH", DEFAULT_CNI_PATH), ':');
	if (cni_timeout_from_env(&ctx->rt.timeout_ms, err) < 0)
		return -1;
	const char *pid = getenv("RCI_INFRA_PID");
	if (pid && *pid && parse_pid(pid, &ctx->infra_pid) < 0) {
		cleanup_free char *shown = rci_printable(pid, 64);
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "invalid RCI_INFRA_PID `%s`: want a process id", shown);
	}
	ctx->rt.max_output = CNI_DEFAULT_MAX_OUTPUT;
	if (rci_caps_plan_for_plugin(&ctx->plugin_caps, err) < 0)
		return -1;
	ctx->rt.child_setup = rci_caps_restrict_for_plugin;
	ctx->rt.child_data = &ctx->plugin_caps;
	return 0;
}

void rci_ctx_fini(struct rci_ctx *ctx)
{
	if (ctx->state_open)
		rci_state_close(&ctx->st);
	free(ctx->state_dir);
	rci_strv_free(ctx->config_dirs);
	free(ctx->rt.cache_dir);
	rci_strv_free(ctx->rt.plugin_dirs);
}

int rci_ctx_open_state(struct rci_ctx *ctx, rci_error_t *err)
{
	if (ctx->state_open)
		return 0;
	if (rci_state_open(&ctx->st, ctx->state_dir, err) < 0)
		return -1;
	ctx->state_open = true;
	/* Plugins run later in this process: make dnsname's dnsmasq work in a single-ID userns. */
	return rci_dnsmasq_shim_install(ctx->state_dir, err);
}

char *rci_ctx_netns_path(const struct rci_ctx *ctx, const char *id)
{
	return xasprintf("%s/netns/%s", ctx->state_dir, id);
}

static bool same_ns(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static long infra_pid(struct rci_ctx *ctx)
{
	long pid = ctx->infra_pid;
	if (!pid && ctx->state_open) {
		cleanup_free char *buf = NULL;
		rci_error_t tmp = NULL;
		/* Written by the launcher (or `echo`): one pid and a newline. */
		if (rci_read_file_at(ctx->st.dirfd, "infra.pid", 64, &buf, NULL, &tmp) == 0 &&
		    parse_pid(rci_trim_end(buf), &pid) < 0) {
			cleanup_free char *shown = rci_printable(buf, 64);
			rci_warning("ignoring infra.pid: `%s` is not a process id", shown);
		}
		rci_error_release(&tmp);
	}
	if (pid <= 0)
		return 0;
	cleanup_free char *mnt = xasprintf("/proc/%ld/ns/mnt", pid);
	/* A stale pid (the infra restarted) must not hand out a path into someone else. */
	if (!same_ns(mnt, "/proc/self/ns/mnt")) {
		rci_warning("infra pid %ld does not share our mount namespace; "
			    "reporting paths inside the infra",
			    pid);
		return 0;
	}
	return pid;
}

void rci_ctx_host_paths(struct rci_ctx *ctx, const char *id, char **netns, char **userns)
{
	cleanup_free char *inner = rci_ctx_netns_path(ctx, id);
	long pid = infra_pid(ctx);
	if (pid > 0) {
		*netns = xasprintf("/proc/%ld/root%s", pid, inner);
		*userns = xasprintf("/proc/%ld/ns/user", pid);
	} else {
		*netns = xstrdup(inner);
		*userns = xstrdup("/proc/self/ns/user");
	}
}

int rci_attachment_args(const struct rci_attachment_rec *a, struct cni_args *args, rci_error_t *err)
{
	if (cni_args_add(args, "IgnoreUnknown", "1", err) < 0)
		return -1;
	if (a->pod_name && *a->pod_name && cni_args_add(args, "K8S_POD_NAME", a->pod_name, err) < 0)
		return -1;
	if (a->ip && *a->ip && cni_args_add(args, "IP", a->ip, err) < 0)
		return -1;
	if (a->mac && *a->mac && cni_args_add(args, "MAC", a->mac, err) < 0)
		return -1;
	return 0;
}

int rci_ctx_is_idle(struct rci_ctx *ctx, bool *idle, rci_error_t *err)
{
	if (rci_ctx_open_state(ctx, err) < 0)
		return -1;
	/* Shared: an alloc adding a new ID holds it exclusively while its record appears. */
	int g = rci_lock_at(ctx->st.dirfd, "lock", LOCK_SH, err);
	if (g < 0)
		return -1;
	bool any = false;
	int r = rci_state_any(&ctx->st, &any, err);
	rci_unlock_at(ctx->st.dirfd, "lock", g, false);
	*idle = !any;
	return r;
}

int rci_ctx_print_idle(struct rci_ctx *ctx, rci_error_t *err)
{
	bool idle;
	if (rci_ctx_is_idle(ctx, &idle, err) < 0)
		return -1;
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "idle", json_object_new_boolean(idle));
	return rci_json_print(o, err);
}

int rci_lock_id(struct rci_ctx *ctx, const char *id, rci_error_t *err)
{
	return rci_lock_at(ctx->st.locks_fd, id, LOCK_EX, err);
}

void rci_unlock_id(struct rci_ctx *ctx, const char *id, int fd, bool remove)
{
	rci_unlock_at(ctx->st.locks_fd, id, fd, remove);
}

int rci_commit_record(struct rci_ctx *ctx, struct rci_container_rec *rec, rci_error_t *err)
{
	if (rec->n > 0)
		return rci_state_save(&ctx->st, rec, err);
	/* The set of attachments changes: exclusive global lock, briefly. */
	int g = rci_lock_at(ctx->st.dirfd, "lock", LOCK_EX, err);
	if (g < 0)
		return -1;
	int r = rci_state_save(&ctx->st, rec, err);
	rci_unlock_at(ctx->st.dirfd, "lock", g, false);
	return r;
}

int rci_release_attachment(struct rci_ctx *ctx, struct rci_container_rec *rec, size_t idx,
			   rci_error_t *err)
{
	struct rci_attachment_rec *a = &rec->att[idx];
	cleanup_free char *netns = rci_ctx_netns_path(ctx, rec->id);
	struct cni_args args = {0};
	if (rci_attachment_args(a, &args, err) < 0)
		return -1;
	/* Today's config is only the fallback: the cache holds what the ADD ran with. */
	struct cni_netconf *conf = NULL;
	rci_error_t cerr = NULL;
	if (cni_conf_find_dirs(ctx->config_dirs, a->network, &conf, &cerr) < 0)
		rci_error_release(&cerr);
	struct cni_attachment att = {
	    .container_id = rec->id,
	    .netns = rci_netns_is_pinned(netns) ? netns : "",
	    .ifname = a->ifname,
	    .args = &args,
	};
	int r = cni_del_network_list(&ctx->rt, a->network, conf, &att, err);
	cni_conf_free(conf);
	cni_args_clear(&args);
	if (r < 0)
		return rci_error_wrap(err, "dealloc `%s` from network `%s`", rec->id, a->network);
	rci_testpoint("dealloc:deleted");
	rci_container_rec_remove(rec, idx);
	if (rec->n == 0 && rci_netns_remove(netns, err) < 0)
		return -1;
	rci_testpoint("dealloc:netns-removed");
	return rci_commit_record(ctx, rec, err);
}

int rci_ctx_load_ready(struct rci_ctx *ctx, const char *id, const char *net,
		       struct rci_container_rec **rec, int *idx, rci_error_t *err)
{
	if (rci_ctx_open_state(ctx, err) < 0)
		return -1;
	int r = rci_state_load(&ctx->st, id, rec, err);
	if (r == -1)
		return -1;
	*idx = -1;
	if (r == 0 && net)
		*idx = rci_container_rec_find(*rec, net);
	bool ready = false;
	for (size_t i = 0; r == 0 && i < (*rec)->n; i++)
		if (strcmp((*rec)->att[i].phase, RCI_PHASE_READY) == 0 && (!net || (int)i == *idx))
			ready = true;
	if (!ready) {
		if (net)
			return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
						   "container `%s` is not attached to network `%s`",
						   id, net);
		return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
					   "container `%s` has no network namespace", id);
	}
	return 0;
}
