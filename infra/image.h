/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_H
#define LR_IMAGE_H

#include "context.h"
#include "error.h"
#include "image_cache.h" /* lr_image_cache_prune */

/*
 * DOC: --image: the infra from an OCI image layout.
 *
 * The layout's index.json names the manifest (exactly one for linux and this architecture,
 * nested indexes followed, image_layout.h); its digest keys a cache entry
 * <state>/image-cache/<hex>/ (image_cache.h) holding rootfs/ (the layers applied in order,
 * rootless, image_layer.h and image_tar.h), config.json and manifest.json. Unpacking verifies
 * every blob against its descriptor (sha256 and size, image_blob.h) and every layer against the
 * config's diff_ids. Entries of other digests are removed when an infra starts
 * (lr_image_cache_prune): no infra runs from them then.
 *
 * The rootfs is used in place as the bundle's root (read-only): the image provides the helper
 * and the init at the paths of context.h, the plugins at its CNI_PATH, and its own /etc.
 */
struct lr_image {
	char *layout; /* as given to --image */
	char *digest; /* "sha256:<hex>" of the manifest: the cache key */
	char *rootfs; /* <cache>/<hex>/rootfs on the host */
	char **args;  /* config Entrypoint followed by Cmd */
	char **env;   /* config Env */
};

/*
 * Reads @layout and makes sure <@cache_dir>/<hex>/ holds its unpacked rootfs. Returns 0 with
 * *out (free with lr_image_free), -1 with *err: RCI_ERR_USAGE when @layout is no usable layout,
 * RCI_ERR_FAILED when a blob is missing, corrupt or cannot be unpacked.
 */
int lr_image_prepare(const char *layout, const char *cache_dir, struct lr_image **out,
		     rci_error_t *err);
void lr_image_free(struct lr_image *img);

/* The value of @name in the image's Env, or NULL. */
const char *lr_image_getenv(const struct lr_image *img, const char *name);

/*
 * With --image, prepares ctx->img (once) in <state>/image-cache and, unless --cni-plugin-dir
 * was given, points ctx->plugin_dirs at the image's CNI_PATH inside the unpacked rootfs, so the
 * launcher checks the plugins the infra will really run. A no-op without --image.
 */
int lr_image_setup(struct lr_ctx *ctx, rci_error_t *err);

#endif
