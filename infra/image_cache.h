/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_CACHE_H
#define LR_IMAGE_CACHE_H

#include "error.h"
#include "image_blob.h"

/*
 * DOC: the image cache, <state>/image-cache/.
 *
 * One entry per manifest digest, <cache>/<hex>/, holding rootfs/ (the layers applied in order,
 * image_layer.h), config.json and manifest.json (the verified blobs' bytes). An entry is built
 * under ".tmp-<hex>-<pid>" and renamed into place, so it exists only complete; while the digest
 * is unchanged it is reused as is. Concurrent launchers serialise on the flock of <cache>/lock:
 * nobody unpacks while entries are pruned.
 */

/*
 * lr_image_cache_lock() - takes the cache's lock (blocking) in the existing @cache_dir.
 * Return: the lock's fd (close it to unlock), or -1 with *err.
 */
int lr_image_cache_lock(const char *cache_dir, rci_error_t *err);

/*
 * lr_image_cache_ensure() - with the lock held, makes sure @cache_dir holds the entry of the
 * manifest @md of the layout @layout_fd, unpacking it when missing; its path in *@entry.
 * Return: 0, or -1 with *err (and nothing of the entry left behind).
 */
int lr_image_cache_ensure(const char *cache_dir, int layout_fd, const struct lr_desc *md,
			  char **entry, rci_error_t *err);

/* Removes every entry of @cache_dir except @keep ("sha256:<hex>"). -1 with *err. */
int lr_image_cache_prune(const char *cache_dir, const char *keep, rci_error_t *err);

#endif
