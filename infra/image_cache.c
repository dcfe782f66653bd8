/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_cache.h"
#include "tree.h"
#include "fs.h"
#include "image_layer.h"
#include "image_layout.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#define CACHE_LOCK "lock"

int lr_image_cache_lock(const char *cache_dir, rci_error_t *err)
{
	cleanup_close int dfd = rci_open_dir(cache_dir, err);
	if (dfd < 0)
		return -1;
	int fd = openat(dfd, CACHE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return rci_make_error(err, errno, "open `%s/%s`", cache_dir, CACHE_LOCK);
	int r;
	do
		r = flock(fd, LOCK_EX);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		rci_make_error(err, errno, "lock `%s/%s`", cache_dir, CACHE_LOCK);
		close(fd);
		return -1;
	}
	return fd;
}

/* Applies every layer of @img to @rootfs_fd, in order. */
static int apply_layers(int layout, const struct lr_layout_image *img, int rootfs_fd,
			rci_error_t *err)
{
	for (size_t i = 0; i < img->n_layers; i++) {
		struct lr_desc ld;
		const char *diff_id;
		if (lr_layout_layer(img, i, &ld, &diff_id, err) < 0 ||
		    lr_layer_apply(layout, &ld, diff_id, rootfs_fd, err) < 0)
			return -1;
	}
	return 0;
}

/* Fills the fresh directory @tmp (its fd @tfd) with the image of @md. */
static int fill(int layout, const struct lr_desc *md, const char *tmp, int tfd, rci_error_t *err)
{
	struct lr_layout_image img;
	int rootfs_fd = -1;
	int ret = -1;
	long long t0 = rci_now_ms();
	if (lr_layout_read_image(layout, md, &img, err) < 0)
		goto out;
	if (mkdirat(tfd, "rootfs", 0755) < 0) {
		rci_make_error(err, errno, "create `%s/rootfs`", tmp);
		goto out;
	}
	rootfs_fd = rci_open_subdir(tfd, "rootfs", true, err);
	if (rootfs_fd < 0 || apply_layers(layout, &img, rootfs_fd, err) < 0 ||
	    rci_write_file_atomic_at(tfd, "config.json", img.raw_config, img.config_len, 0600,
				     err) < 0 ||
	    rci_write_file_atomic_at(tfd, "manifest.json", img.raw_manifest, img.manifest_len, 0600,
				     err) < 0)
		goto out;
	rci_debug("unpacked %s (%zu layers) in %lld ms", md->digest, img.n_layers,
		  rci_now_ms() - t0);
	ret = 0;
out:
	if (rootfs_fd >= 0)
		close(rootfs_fd);
	lr_layout_image_release(&img);
	return ret;
}

int lr_image_cache_ensure(const char *cache_dir, int layout, const struct lr_desc *md, char **entry,
			  rci_error_t *err)
{
	const char *hex = md->digest + 7;
	cleanup_close int cfd = rci_open_dir(cache_dir, err);
	if (cfd < 0)
		return -1;
	struct stat st;
	if (fstatat(cfd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		rci_debug("image %s: cached in `%s/%s`", md->digest, cache_dir, hex);
		*entry = xasprintf("%s/%s", cache_dir, hex);
		return 0;
	}
	rci_debug("unpacking %s into `%s/%s`", md->digest, cache_dir, hex);
	cleanup_free char *name = xasprintf(".tmp-%s-%d", hex, (int)getpid());
	cleanup_free char *tmp = xasprintf("%s/%s", cache_dir, name);
	rci_error_t tmp_err = NULL;
	/* A launcher killed mid-unpack leaves its temp dir: a pid reused later removes it. */
	if (lr_remove_tree(tmp, &tmp_err) < 0)
		rci_error_release(&tmp_err);
	cleanup_close int tfd = rci_open_subdir(cfd, name, true, err);
	if (tfd < 0)
		return rci_error_wrap(err, "image cache `%s`", cache_dir);
	if (fill(layout, md, tmp, tfd, err) < 0)
		goto undo;
	if (renameat(cfd, name, cfd, hex) < 0) {
		rci_make_error(err, errno, "rename `%s` to `%s`", tmp, hex);
		goto undo;
	}
	*entry = xasprintf("%s/%s", cache_dir, hex);
	return 0;
undo:
	if (lr_remove_tree(tmp, &tmp_err) < 0)
		rci_error_release(&tmp_err);
	return -1;
}

int lr_image_cache_prune(const char *cache_dir, const char *keep, rci_error_t *err)
{
	struct stat st;
	if (stat(cache_dir, &st) < 0)
		return errno == ENOENT ? 0 : rci_make_error(err, errno, "stat `%s`", cache_dir);
	cleanup_close int lock = lr_image_cache_lock(cache_dir, err);
	if (lock < 0)
		return -1;
	cleanup_dir DIR *d = opendir(cache_dir);
	if (!d)
		return rci_make_error(err, errno, "open `%s`", cache_dir);
	cleanup_strv char **doomed = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		/* Under the lock nobody unpacks: leftover .tmp-* entries are dead too. */
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, CACHE_LOCK) ||
		    (keep && strlen(keep) > 7 && !strcmp(de->d_name, keep + 7)))
			continue;
		rci_strv_push(&doomed, de->d_name);
	}
	for (size_t i = 0; doomed && doomed[i]; i++) {
		cleanup_free char *p = xasprintf("%s/%s", cache_dir, doomed[i]);
		rci_debug("image cache: removing `%s`", p);
		if (lr_remove_tree(p, err) < 0)
			return -1;
	}
	return 0;
}
