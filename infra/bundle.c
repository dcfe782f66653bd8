/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bundle.h"
#include "fs.h"
#include "image.h"
#include "json.h"
#include "number.h"
#include "rootfs.h"
#include "slirp.h"
#include "tree.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* Every capability libcap and the kernel know, by OCI name ("CAP_NET_ADMIN"). */
static json_object *all_caps(void)
{
	json_object *a = json_object_new_array();
	cap_value_t max = (cap_value_t)cap_max_bits();
	for (cap_value_t c = 0; c < max; c++) {
		char *name = cap_to_name(c);
		/* Unnamed (numeric) capabilities are unknown to runtimes: they would refuse them.
		 */
		if (name && !isdigit((unsigned char)name[0])) {
			char up[64];
			size_t i;
			for (i = 0; name[i] && i < sizeof(up) - 1; i++)
				up[i] = (char)toupper((unsigned char)name[i]);
			up[i] = '\0';
			json_object_array_add(a, json_object_new_string(up));
		}
		cap_free(name);
	}
	return a;
}

static json_object *ns(const char *type)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(type));
	return o;
}

json_object *lr_bundle_config(const struct lr_bundle_opts *o)
{
	json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "ociVersion", json_object_new_string("1.0.2"));

	json_object *root = json_object_new_object();
	json_object_object_add(root, "path", json_object_new_string("rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(1));
	json_object_object_add(cfg, "root", root);
	json_object_object_add(cfg, "hostname", json_object_new_string(o->hostname));

	json_object *proc = json_object_new_object();
	json_object_object_add(proc, "terminal", json_object_new_boolean(0));
	json_object *user = json_object_new_object();
	json_object_object_add(user, "uid", json_object_new_int(0));
	json_object_object_add(user, "gid", json_object_new_int(0));
	json_object_object_add(proc, "user", user);
	json_object_object_add(proc, "args", strv_json(o->args));
	json_object_object_add(proc, "env", strv_json(o->env));
	json_object_object_add(proc, "cwd", json_object_new_string("/"));
	json_object *caps = json_object_new_object();
	static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
					   "ambient"};
	json_object *list = all_caps();
	for (size_t i = 0; i < RCI_ARRAY_SIZE(sets); i++)
		json_object_object_add(caps, sets[i], rci_json_copy(list));
	json_object_put(list);
	json_object_object_add(proc, "capabilities", caps);
	json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(0));
	json_object_object_add(cfg, "process", proc);

	json_object_object_add(cfg, "mounts", rci_json_copy(o->mounts));

	json_object *linux_ = json_object_new_object();
	json_object *nss = json_object_new_array();
	/* No "pid": the host PID namespace. No "user": see userns.h. */
	json_object_array_add(nss, ns("mount"));
	json_object_array_add(nss, ns("network"));
	json_object_array_add(nss, ns("ipc"));
	json_object_array_add(nss, ns("uts"));
	json_object_object_add(linux_, "namespaces", nss);
	json_object_object_add(linux_, "maskedPaths", json_object_new_array());
	json_object_object_add(linux_, "readonlyPaths", json_object_new_array());
	json_object_object_add(cfg, "linux", linux_);
	return cfg;
}

/* ".<name>.tmp-<pid>": the bundle @name this process is building. */
static char *temp_name(const char *name)
{
	return xasprintf(".%s.tmp-%d", name, (int)getpid());
}

char *lr_bundle_begin(const struct lr_state *st, const char *name, rci_error_t *err)
{
	cleanup_free char *tmp = temp_name(name);
	cleanup_close int dfd = -1;
	rci_error_t tmp_err = NULL;
	/* A launcher killed mid-build leaves its temp dir behind: a pid reused later removes it. */
	if (lr_remove_tree_at(st->dfd, tmp, &tmp_err) < 0)
		rci_error_release(&tmp_err);
	if (mkdirat(st->dfd, tmp, 0700) < 0) {
		rci_make_error(err, errno, "create bundle `%s/%s`", st->dir, tmp);
		return NULL;
	}
	dfd = openat(st->dfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || mkdirat(dfd, "rootfs", 0755) < 0) {
		rci_make_error(err, errno, "create `%s/%s/rootfs`", st->dir, tmp);
		lr_bundle_abort(st, name);
		return NULL;
	}
	return lr_state_path(st, tmp);
}

int lr_bundle_commit(const struct lr_state *st, const char *name, json_object *config,
		     rci_error_t *err)
{
	cleanup_free char *tmp = temp_name(name);
	cleanup_close int fd =
	    openat(st->dfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rci_make_error(err, errno, "open `%s/%s`", st->dir, tmp);
	const char *text = json_object_to_json_string_ext(
	    config, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (rci_write_file_atomic_at(fd, "config.json", text, strlen(text), 0600, err) < 0)
		return rci_error_wrap(err, "write config.json");
	if (renameat(st->dfd, tmp, st->dfd, name) < 0)
		return rci_make_error(err, errno, "rename bundle to `%s/%s`", st->dir, name);
	return 0;
}

void lr_bundle_abort(const struct lr_state *st, const char *name)
{
	cleanup_free char *tmp = temp_name(name);
	rci_error_t err = NULL;
	if (lr_remove_tree_at(st->dfd, tmp, &err) < 0)
		rci_error_release(&err);
}

int lr_bundle_remove(const struct lr_state *st, const char *name, rci_error_t *err)
{
	static unsigned counter;
	cleanup_free char *hidden = xasprintf(".%s.del-%d-%u", name, (int)getpid(), counter++);
	if (renameat(st->dfd, name, st->dfd, hidden) < 0) {
		if (errno == ENOENT)
			return 0;
		return rci_make_error(err, errno, "rename `%s/%s`", st->dir, name);
	}
	return lr_remove_tree_at(st->dfd, hidden, err);
}

bool lr_bundle_is_temp(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return entry[0] == '.' && !strncmp(entry + 1, name, n) &&
	       (!strncmp(entry + 1 + n, ".tmp-", 5) || !strncmp(entry + 1 + n, ".del-", 5));
}

char *lr_bundle_root(const struct lr_state *st, const char *name)
{
	rci_error_t tmp = NULL;
	cleanup_close int dfd = lr_state_open_dir(st, name, false, &tmp);
	cleanup_free char *text = NULL;
	size_t len = 0;
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
	return path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s/%s", st->dir, name, path);
}

int lr_bundle_pid(const struct lr_state *st, pid_t *pid, rci_error_t *err)
{
	cleanup_free char *path = lr_state_path(st, LR_STATE_BUNDLE "/" LR_BUNDLE_PID_FILE);
	uint64_t v;
	/* One pid, nothing else (issue 13: numbers with bounds). */
	if (rci_read_u64_file(path, LR_PID_MAX, &v) < 0 || v == 0)
		return rci_make_error(err, errno, "no pid in `%s`", path);
	*pid = (pid_t)v;
	return 0;
}

int lr_bundle_build(struct lr_ctx *ctx, const char *helper, const char *init, struct lr_infra *inf,
		    rci_error_t *err)
{
	cleanup_free char *tmp = lr_bundle_begin(&ctx->state, LR_STATE_BUNDLE, err);
	if (!tmp)
		return -1;
	cleanup_free char *rootfs = xasprintf("%s/rootfs", tmp);
	cleanup_json json_object *mounts = json_object_new_array();
	/* Made now, so that networks an engine writes there later are seen by this infra. */
	bool user_dir = lr_ctx_make_user_cni_dir(ctx);
	struct lr_rootfs_opts ro = {.helper = helper,
				    .init = init,
				    .cni_config_dir = user_dir ? ctx->cni_config_dir : NULL,
				    .cni_shipped_dir = ctx->cni_shipped_dir,
				    .plugin_dirs = ctx->plugin_dirs,
				    .own_plugin_dir = ctx->own_plugin_dir};
	cleanup_strv char **args = NULL;
	cleanup_strv char **env = NULL;
	cleanup_json json_object *config = NULL;
	if (ctx->img) {
		/* --image: its rootfs in place; --cni-plugin-dir still overrides its plugins. */
		const char *image_cni = lr_image_getenv(ctx->img, "CNI_PATH");
		struct lr_rootfs_opts io = {.cni_config_dir = ro.cni_config_dir,
					    .cni_shipped_dir = ctx->cni_shipped_dir,
					    .plugin_dirs =
						ctx->plugin_dirs_default ? NULL : ctx->plugin_dirs,
					    .own_plugin_dir = ctx->own_plugin_dir};
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
	env = lr_infra_base_env(inf);
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
	if (lr_bundle_commit(&ctx->state, LR_STATE_BUNDLE, config, err) < 0)
		goto undo;
	return 0;
undo:
	lr_bundle_abort(&ctx->state, LR_STATE_BUNDLE);
	return -1;
}
