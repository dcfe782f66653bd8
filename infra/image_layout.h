/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_LAYOUT_H
#define LR_IMAGE_LAYOUT_H

#include <json-c/json.h>
#include <stddef.h>

#include "error.h"
#include "image_blob.h"

/*
 * DOC: reading an OCI image layout (OCI image spec, "Image Layout").
 *
 * oci-layout must say imageLayoutVersion 1.x; index.json lists manifests, nested indexes are
 * followed (4 levels), and exactly one manifest must be for linux and this architecture (a
 * descriptor without a platform matches). The manifest and the config are verified blobs
 * (image_blob.h); the manifest's layers and the config's diff_ids must pair up. Only sha256
 * digests: what the spec requires implementations to support.
 */

/*
 * lr_layout_select_manifest() - the manifest of the layout @layout_fd (@path in messages) for
 * linux and this architecture, in *@d; its strings live in *@keep (free with rci_strv_free).
 * Return: 0, or -1 with *err, RCI_ERR_USAGE when @path is no layout or holds no single image.
 */
int lr_layout_select_manifest(int layout_fd, const char *path, struct lr_desc *d, char ***keep,
			      rci_error_t *err);

/* An image's manifest and config, verified against their descriptors. */
struct lr_layout_image {
	json_object *manifest, *config;
	char *raw_manifest, *raw_config; /* the blobs' exact bytes */
	size_t manifest_len, config_len;
	size_t n_layers; /* as many diff_ids, when the config lists any */
};

/*
 * lr_layout_read_image() - reads the manifest of @md and its config into @img (release with
 * lr_layout_image_release, also on failure). Return: 0, or -1 with *err.
 */
int lr_layout_read_image(int layout_fd, const struct lr_desc *md, struct lr_layout_image *img,
			 rci_error_t *err);

/*
 * lr_layout_layer() - the descriptor of layer @i of @img in *@d (strings borrowed from @img)
 * and its diff_id in *@diff_id (NULL when the config lists no diff_ids). Return: 0, or -1
 * with *err.
 */
int lr_layout_layer(const struct lr_layout_image *img, size_t i, struct lr_desc *d,
		    const char **diff_id, rci_error_t *err);

void lr_layout_image_release(struct lr_layout_image *img);

#endif
