/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "context.h"
#include "exec.h"
#include "program.h"
#include "fs.h"
#include "image.h"
#include "log.h"
#include "statekey.h"
#include "userns.h"
#include "util.h"
#include "validate.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

static const char *const default_plugin_dirs[] = {"/usr/lib/cni", "/usr/libexec/cni",
						  "/opt/cni/bin"};

void lr_ctx_init(struct lr_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->state.dfd = -1;
	ctx->helper_fd = -1;
}

void lr_ctx_free(struct lr_ctx *ctx)
{
	lr_state_close(&ctx->state);
	free(ctx->state_base);
	free(ctx->key);
	free(ctx->cni_config_dir);
	free(ctx->cni_shipped_dir);
	rci_strv_free(ctx->cni_dirs);
	rci_strv_free(ctx->plugin_dirs);
	free(ctx->own_plugin_dir);
	free(ctx->runtime);
	free(ctx->image);
	lr_image_free(ctx->img);
	free(ctx->self_dir);
	rci_strv_free(ctx->extra_env);
	lr_ctx_init(ctx);
}

char *lr_ctx_path(const struct lr_ctx *ctx, const char *name)
{
	return lr_state_path(&ctx->state, name);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *lr_ctx_uid_state_dir(void)
{
	/* In an engine's user namespace we are root, the user is root's UID on the host. */
	unsigned uid = (unsigned)lr_userns_host_uid();
	char run[64];
	snprintf(run, sizeof(run), "/run/user/%u", uid);
	struct stat st;
	/* Owned by us: the host UID seen from inside the namespace is our own euid. */
	if (stat(run, &st) == 0 && st.st_uid == geteuid() && access(run, W_OK) == 0)
		return xasprintf("%s/rootless-cni-infra", run);
	return xasprintf("/tmp/rootless-cni-infra-%u", uid);
}

static char *default_state_dir(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg && is_dir(xdg))
		return xasprintf("%s/rootless-cni-infra", xdg);
	/* su/runuser sessions and hooks often lack XDG_RUNTIME_DIR: found from the UID. */
	return lr_ctx_uid_state_dir();
}

/* Opens the state dir of ctx->key below ctx->state_base (statekey.h), creating both. */
static int open_key_state(struct lr_ctx *ctx, rci_error_t *err)
{
	free(ctx->state.dir);
	if (!strcmp(ctx->key, LR_KEY_HOST)) {
		ctx->state.dir = xstrdup(ctx->state_base);
	} else {
		/* The base first, private: lr_state_open makes missing parents 0755. */
		if (rci_mkdir_p(ctx->state_base, 0700, true, err) < 0)
			return rci_error_wrap(err, "state directory");
		ctx->state.dir = xasprintf("%s/%s", ctx->state_base, ctx->key);
	}
	return lr_state_open(&ctx->state, err);
}

int lr_ctx_set_base(struct lr_ctx *ctx, const char *base, rci_error_t *err)
{
	if (base[0] != '/')
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "state dir `%s` is not absolute",
					   base);
	lr_state_close(&ctx->state);
	free(ctx->state_base);
	ctx->state_base = xstrdup(base);
	return open_key_state(ctx, err);
}

int lr_ctx_for_key(const struct lr_ctx *src, const char *key, struct lr_ctx *dst, rci_error_t *err)
{
	lr_ctx_init(dst);
	dst->state_base = xstrdup(src->state_base);
	dst->key = xstrdup(key);
	dst->state.dir = !strcmp(key, LR_KEY_HOST) ? xstrdup(src->state_base)
						   : xasprintf("%s/%s", src->state_base, key);
	dst->debug = src->debug;
	dst->exec_mode = src->exec_mode;
	dst->self_dir = src->self_dir ? xstrdup(src->self_dir) : NULL;
	dst->plugin_dirs_default = true;
	dst->state.dfd = open(dst->state.dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst->state.dfd < 0)
		return errno == ENOENT ? -2
				       : rci_make_error(err, errno, "open `%s`", dst->state.dir);
	return 0;
}

/* Replaces *@path by its realpath(); a missing one is a not-found error naming @option. */
static int absolutize(char **path, const char *option, rci_error_t *err)
{
	char *real = realpath(*path, NULL);
	if (!real)
		return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, errno, "%s `%s`", option, *path);
	free(*path);
	*path = real;
	return 0;
}

static int read_exec_mode(struct lr_ctx *ctx, rci_error_t *err)
{
	const char *mode = getenv("RCI_EXEC");
	if (!mode || !*mode)
		ctx->exec_mode = LR_EXEC_AUTO;
	else if (!strcmp(mode, "service"))
		ctx->exec_mode = LR_EXEC_SERVICE;
	else if (!strcmp(mode, "direct"))
		ctx->exec_mode = LR_EXEC_DIRECT;
	else if (!strcmp(mode, "runtime"))
		ctx->exec_mode = LR_EXEC_RUNTIME;
	else {
		cleanup_free char *shown = rci_printable(mode, 64);
		return rci_make_error_kind(
		    err, RCI_ERR_USAGE, 0,
		    "$RCI_EXEC `%s`: must be `service`, `direct` or `runtime` (or unset)", shown);
	}
	return 0;
}

/*
 * The dir of our plugins (rootless-cni-dns and rootless-cni-ipam, built and installed side by
 * side; the shipped networks use both): cni/ beside the launcher (the build tree), else
 * $(LIBEXECDIR)/cni, or $RCI_DNS_PLUGIN's dir. NULL when not found: a network that uses one is
 * then refused by name (netconf.h), and doctor checks that the IPAM is there too.
 */
static char *own_plugin_dir(const struct lr_ctx *ctx)
{
	rci_error_t tmp = NULL;
	cleanup_free char *dns =
	    lr_ctx_find_shipped(ctx, "RCI_DNS_PLUGIN", "cni/rootless-cni-dns", &tmp);
	if (!dns) {
		rci_debug("no plugins of our own: %s", tmp->msg);
		rci_error_release(&tmp);
		return NULL;
	}
	return xstrdup(dirname(dns));
}

int lr_ctx_setup(struct lr_ctx *ctx, rci_error_t *err)
{
	/* Forwarded into the infra (lr_infra_env): refuse what the helper would, before a start. */
	long timeout_ms;
	if (cni_timeout_from_env(&timeout_ms, err) < 0)
		return -1;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		ctx->self_dir = xstrdup(dirname(exe));
	}
	ctx->root_given = ctx->state.dir != NULL;
	ctx->state_base = ctx->state.dir ? ctx->state.dir : default_state_dir();
	ctx->state.dir = NULL;
	if (ctx->state_base[0] != '/')
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "--root `%s` must be absolute",
					   ctx->state_base);
	ctx->key = lr_statekey_self(ctx->state_base);
	if (!ctx->plugin_dirs) {
		ctx->plugin_dirs_default = true;
		for (size_t i = 0; i < RCI_ARRAY_SIZE(default_plugin_dirs); i++)
			if (is_dir(default_plugin_dirs[i]))
				rci_strv_push(&ctx->plugin_dirs, default_plugin_dirs[i]);
		if (!ctx->plugin_dirs)
			rci_strv_push(&ctx->plugin_dirs, default_plugin_dirs[0]);
	}
	ctx->own_plugin_dir = own_plugin_dir(ctx);
	if (open_key_state(ctx, err) < 0)
		return -1;
	/*
	 * Relative paths would be resolved later against other directories (runc resolves bind
	 * sources against the bundle) and recorded as given: make them absolute now.
	 */
	if (ctx->cni_config_dir) {
		ctx->cni_config_dir_given = true;
		if (absolutize(&ctx->cni_config_dir, "--cni-config-dir", err) < 0)
			return -1;
	}
	for (size_t i = 0; !ctx->plugin_dirs_default && ctx->plugin_dirs[i]; i++)
		if (absolutize(&ctx->plugin_dirs[i], "--cni-plugin-dir", err) < 0)
			return -1;
	return read_exec_mode(ctx, err);
}

/* True when @dir holds at least one CNI configuration file. */
static bool has_config(const char *dir)
{
	cleanup_dir DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		if (de->d_name[0] != '.' && dot &&
		    (!strcmp(dot, ".conflist") || !strcmp(dot, ".conf") || !strcmp(dot, ".json")))
			return true;
	}
	return false;
}

static char *shipped_net_dir(const struct lr_ctx *ctx)
{
	const char *env = getenv("RCI_DEFAULT_NET_DIR");
	if (env && *env)
		return xstrdup(env);
	if (ctx->self_dir) {
		/* Running from the build tree: build/rootless-cni-launcher -> image/net.d. */
		char *p = xasprintf("%s/../image/net.d", ctx->self_dir);
		char real[PATH_MAX];
		if (has_config(p) && realpath(p, real)) {
			free(p);
			return xstrdup(real);
		}
		free(p);
	}
	return xstrdup(RCI_DATADIR "/net.d");
}

/* $XDG_CONFIG_HOME/cni/net.d, else ~/.config/cni/net.d; NULL without either variable. */
static char *default_user_dir(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		return xasprintf("%s/cni/net.d", xdg);
	if (home && *home)
		return xasprintf("%s/.config/cni/net.d", home);
	return NULL;
}

int lr_ctx_resolve_cni(struct lr_ctx *ctx, rci_error_t *err)
{
	rci_strv_free(ctx->cni_dirs);
	ctx->cni_dirs = NULL;
	if (!ctx->cni_config_dir)
		ctx->cni_config_dir = default_user_dir();
	else if (ctx->cni_config_dir_given && !is_dir(ctx->cni_config_dir))
		return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, ENOENT, "CNI config dir `%s`",
					   ctx->cni_config_dir);
	if (ctx->cni_config_dir)
		rci_strv_push(&ctx->cni_dirs, ctx->cni_config_dir);
	/* The image's own networks, at the path image/build.sh gives them. */
	char *shipped = NULL;
	if (ctx->img)
		shipped = xasprintf("%s%s", ctx->img->rootfs, LR_IN_CNI_CONF);
	else if (ctx->cni_shipped_dir)
		shipped = xstrdup(ctx->cni_shipped_dir);
	else if (!ctx->image)
		shipped = shipped_net_dir(ctx);
	free(ctx->cni_shipped_dir);
	ctx->cni_shipped_dir = shipped;
	if (shipped)
		rci_strv_push(&ctx->cni_dirs, shipped);
	return 0;
}

void lr_ctx_adopt_cni(struct lr_ctx *ctx, const char *user, const char *shipped)
{
	if (user && *user && !ctx->cni_config_dir_given) {
		free(ctx->cni_config_dir);
		ctx->cni_config_dir = xstrdup(user);
	}
	if (shipped && *shipped) {
		free(ctx->cni_shipped_dir);
		ctx->cni_shipped_dir = xstrdup(shipped);
	}
}

bool lr_ctx_make_user_cni_dir(const struct lr_ctx *ctx)
{
	const char *dir = ctx->cni_config_dir;
	if (!dir)
		return false;
	if (is_dir(dir) || ctx->cni_config_dir_given)
		return is_dir(dir);
	rci_error_t tmp = NULL;
	if (rci_mkdir_p(dir, 0700, false, &tmp) < 0) {
		rci_debug("the infra runs without `%s`: %s", dir, tmp->msg);
		rci_error_release(&tmp);
		return false;
	}
	return true;
}

char *lr_ctx_find_shipped(const struct lr_ctx *ctx, const char *env, const char *name,
			  rci_error_t *err)
{
	const char *e = getenv(env);
	if (e && *e) {
		/* Absolute: it becomes a bind mount source, resolved against the bundle. */
		char *real = realpath(e, NULL);
		if (real && access(real, X_OK) == 0)
			return real;
		rci_make_error_kind(err, RCI_ERR_NOT_FOUND, errno, "$%s `%s`", env, e);
		free(real);
		return NULL;
	}
	char *cands[2] = {ctx->self_dir ? xasprintf("%s/%s", ctx->self_dir, name) : NULL,
			  xasprintf("%s/%s", RCI_LIBEXECDIR, name)};
	char *found = NULL;
	for (int i = 0; i < 2 && !found; i++)
		if (cands[i] && access(cands[i], X_OK) == 0)
			found = xstrdup(cands[i]);
	if (!found)
		found = lr_find_program(name);
	if (!found)
		rci_make_error_kind(err, RCI_ERR_NOT_FOUND, ENOENT,
				    "`%s` not found next to the launcher (`%s`), in `%s` or in "
				    "PATH; set $%s",
				    name, ctx->self_dir ? ctx->self_dir : "?", RCI_LIBEXECDIR, env);
	for (int i = 0; i < 2; i++)
		free(cands[i]);
	return found;
}

char *lr_ctx_helper(const struct lr_ctx *ctx, rci_error_t *err)
{
	return lr_ctx_find_shipped(ctx, "RCI_HELPER", "rootless-cni-infra", err);
}

char *lr_ctx_init_bin(const struct lr_ctx *ctx, rci_error_t *err)
{
	return lr_ctx_find_shipped(ctx, "RCI_INIT", "rootless-cni-infra-init", err);
}
