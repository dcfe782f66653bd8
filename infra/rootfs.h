/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_ROOTFS_H
#define LR_ROOTFS_H

#include <json-c/json.h>

#include "error.h"

/*
 * DOC: the imageless infra rootfs. Nothing is built or pulled: the bundle's rootfs is an empty
 * skeleton of mount points owned by the user, and config.json bind-mounts read-only into it
 * the host's system directories (/usr's subdirectories, /bin-like dirs or their symlinks, the
 * few /etc files the plugins and iptables need), the helper and the init at /usr/local/bin,
 * the CNI plugin dirs at /usr/local/lib/cni, the shipped networks at LR_IN_SHIPPED_CONF and the
 * user's CNI config dir over /etc/cni/net.d (context.h: lr_ctx_resolve_cni). The root
 * itself is read-only; /run, /var/lib/cni and /tmp are tmpfs (a restart leaves no stale IP
 * reservations). With --image (image.h) the unpacked image is the rootfs and provides those
 * paths itself: lr_rootfs_image adds the same system, CNI config and state mounts, and the
 * plugin dirs only when --cni-plugin-dir names some. The image's own networks, in its
 * /etc/cni/net.d, are the shipped ones: bound at LR_IN_SHIPPED_CONF before the user's dir covers
 * /etc/cni/net.d, so that the infra sees both. Callers only see the mounts and the in-container
 * CNI_PATH.
 */
struct lr_rootfs_opts {
	const char *helper;	    /* host path of rootless-cni-infra (imageless) */
	const char *init;	    /* host path of rootless-cni-infra-init (imageless) */
	const char *cni_config_dir; /* the user's dir, over /etc/cni/net.d; NULL or missing: none */
	const char *cni_shipped_dir; /* the shipped networks, at LR_IN_SHIPPED_CONF; ditto */
	char *const *plugin_dirs;    /* host plugin dirs; with an image, --cni-plugin-dir or NULL */
	const char *own_plugin_dir;  /* our plugins (LR_IN_OWN_PLUGINS), after @plugin_dirs */
};

/*
 * Creates the skeleton in the directory @rootfs, appends the OCI mounts to @mounts and returns
 * the in-container CNI_PATH in *cni_path. -1 with *err.
 */
int lr_rootfs_imageless(const char *rootfs, const struct lr_rootfs_opts *o, json_object *mounts,
			char **cni_path, rci_error_t *err);

/*
 * The mounts for the unpacked image at @rootfs (used in place as the root): system dirs, host
 * plugin dirs if any (then CNI_PATH is theirs, else @image_cni_path), the CNI config dir and
 * the tmpfs state dirs. -1 with *err.
 */
int lr_rootfs_image(const char *rootfs, const struct lr_rootfs_opts *o, const char *image_cni_path,
		    json_object *mounts, char **cni_path, rci_error_t *err);

/* Appends {destination, type, source, options} to @mounts; @opts is a comma-separated list. */
void lr_rootfs_add_mount(json_object *mounts, const char *dest, const char *type,
			 const char *source, const char *opts);

#endif
