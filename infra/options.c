/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The options a running infra was started with, against this command's (infra.h). */
#include "infra.h"
#include "image.h"
#include "program.h"
#include "statekey.h"
#include "util.h"

#include <string.h>
#include <sys/stat.h>

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
	if (lr_statekey_check_infra(ctx->key, inf, err) < 0)
		return -1;
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
	if (ctx->port_driver_given && ctx->port_driver != inf->port_driver)
		return conflict("--port-driver", lr_port_driver_name(inf->port_driver), err);
	if (ctx->net_driver_given && ctx->net_driver != inf->net_driver)
		return conflict("--net-driver", lr_net_driver_name(inf->net_driver), err);
	if (ctx->allow_host_loopback && !inf->allow_host_loopback)
		return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
					   "the infra runs without --allow-host-loopback; run "
					   "`rootless-cni-launcher stop` to switch");
	return check_image(ctx, inf, err);
}
