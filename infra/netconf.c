/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netconf.h"
#include "discover.h"
#include "log.h"
#include "image.h"
#include "util.h"

#include <string.h>

static int check_plugin(const struct lr_ctx *ctx, const char *type, rci_error_t *err)
{
	/* A type that could escape the plugin dir is the helper's to reject. */
	if (!type || strchr(type, '/'))
		return 0;
	for (size_t i = 0; ctx->plugin_dirs && ctx->plugin_dirs[i]; i++) {
		cleanup_free char *p = xasprintf("%s/%s", ctx->plugin_dirs[i], type);
		if (access(p, X_OK) == 0)
			return 0;
	}
	/* The infra has ours too (rootfs.h), after the others. */
	cleanup_free char *own =
	    ctx->own_plugin_dir ? xasprintf("%s/%s", ctx->own_plugin_dir, type) : NULL;
	if (own && access(own, X_OK) == 0)
		return 0;
	cleanup_free char *dirs = rci_strv_join(ctx->plugin_dirs, ", ", "`");
	return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
				   "CNI plugin `%s` not found in %s (set --cni-plugin-dir)", type,
				   dirs);
}

int lr_netconf_find(struct lr_ctx *ctx, const char *name, struct cni_netconf **out,
		    rci_error_t *err)
{
	*out = NULL;
	long long t0 = rci_now_ms();
	if (lr_ctx_resolve_cni(ctx, err) < 0 ||
	    cni_conf_find_dirs(ctx->cni_dirs, name, out, err) < 0)
		return -1;
	rci_debug_step("config", t0, "network `%s` from `%s`", name, (*out)->path);
	return 0;
}

int lr_netconf_check(struct lr_ctx *ctx, const char *name, rci_error_t *err)
{
	/* With --image, the plugins and the shipped networks to check are the image's (image.h). */
	if (lr_image_setup(ctx, err) < 0)
		return -1;
	struct cni_netconf *conf = NULL;
	if (lr_netconf_find(ctx, name, &conf, err) < 0)
		return -1;
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < cni_conf_plugin_count(conf); i++)
		ret = check_plugin(ctx, cni_conf_plugin_type(conf, i), err);
	cni_conf_free(conf);
	return ret;
}
