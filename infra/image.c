/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image.h"
#include "fs.h"
#include "image_layout.h"
#include "json.h"
#include "log.h"
#include "state.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>

/* The config.json a cache entry keeps is a verified blob of at most this size (image_blob.c). */
#define MAX_CONFIG (4 << 20)

void lr_image_free(struct lr_image *img)
{
	if (!img)
		return;
	free(img->layout);
	free(img->digest);
	free(img->rootfs);
	rci_strv_free(img->args);
	rci_strv_free(img->env);
	free(img);
}

const char *lr_image_getenv(const struct lr_image *img, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; img && img->env && img->env[i]; i++)
		if (!strncmp(img->env[i], name, n) && img->env[i][n] == '=')
			return img->env[i] + n + 1;
	return NULL;
}

static char **json_strv(json_object *arr)
{
	char **v = NULL;
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *s = json_object_array_get_idx(arr, i);
		if (json_object_is_type(s, json_type_string))
			rci_strv_push(&v, json_object_get_string(s));
	}
	return v;
}

/* Entrypoint + Cmd and Env from an image config (the one in the cache entry). */
static int load_config(struct lr_image *img, const char *entry, rci_error_t *err)
{
	cleanup_close int dfd = rci_open_dir(entry, err);
	if (dfd < 0)
		return -1;
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (rci_read_file_at(dfd, "config.json", MAX_CONFIG, &text, &len, err) != 0)
		return rci_make_error(err, 0, "cache entry `%s` has no config.json", entry);
	cleanup_json json_object *o = rci_json_parse(text, len, "config.json", err);
	if (!o)
		return -1;
	json_object *c = rci_json_get_type(o, "config", json_type_object);
	img->args = json_strv(rci_json_get_type(c, "Entrypoint", json_type_array));
	cleanup_strv char **cmd = json_strv(rci_json_get_type(c, "Cmd", json_type_array));
	for (size_t i = 0; cmd && cmd[i]; i++)
		rci_strv_push(&img->args, cmd[i]);
	img->env = json_strv(rci_json_get_type(c, "Env", json_type_array));
	if (!img->args)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "the image has neither Entrypoint nor Cmd");
	return 0;
}

int lr_image_prepare(const char *layout, const char *cache_dir, struct lr_image **out,
		     rci_error_t *err)
{
	*out = NULL;
	cleanup_close int lfd = open(layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0)
		return rci_make_error_kind(err, errno == ENOENT ? RCI_ERR_NOT_FOUND : RCI_ERR_USAGE,
					   errno, "open the image layout `%s`", layout);
	struct lr_desc md;
	cleanup_strv char **keep = NULL;
	if (lr_layout_select_manifest(lfd, layout, &md, &keep, err) < 0)
		return -1;
	if (rci_mkdir_p(cache_dir, 0700, true, err) < 0)
		return rci_error_wrap(err, "image cache");
	cleanup_close int lock = lr_image_cache_lock(cache_dir, err);
	if (lock < 0)
		return -1;
	cleanup_free char *entry = NULL;
	if (lr_image_cache_ensure(cache_dir, lfd, &md, &entry, err) < 0)
		return rci_error_wrap(err, "unpack `%s`", layout);
	struct lr_image *img = xmalloc0(sizeof(*img));
	img->layout = xstrdup(layout);
	img->digest = xstrdup(md.digest);
	img->rootfs = xasprintf("%s/rootfs", entry);
	if (load_config(img, entry, err) < 0) {
		lr_image_free(img);
		return rci_error_wrap(err, "image `%s`", layout);
	}
	*out = img;
	return 0;
}

int lr_image_setup(struct lr_ctx *ctx, rci_error_t *err)
{
	if (!ctx->image || ctx->img)
		return 0;
	cleanup_free char *cache = lr_ctx_path(ctx, LR_STATE_IMAGE_CACHE);
	if (lr_image_prepare(ctx->image, cache, &ctx->img, err) < 0)
		return rci_error_wrap(err, "--image `%s`", ctx->image);
	if (!ctx->plugin_dirs_default)
		return 0;
	const char *cni_path = lr_image_getenv(ctx->img, "CNI_PATH");
	cleanup_strv char **dirs = rci_strv_split(cni_path ? cni_path : "/usr/lib/cni", ':');
	rci_strv_free(ctx->plugin_dirs);
	ctx->plugin_dirs = NULL;
	for (size_t i = 0; dirs && dirs[i]; i++) {
		cleanup_free char *p =
		    xasprintf("%s%s%s", ctx->img->rootfs, dirs[i][0] == '/' ? "" : "/", dirs[i]);
		rci_strv_push(&ctx->plugin_dirs, p);
	}
	return 0;
}
