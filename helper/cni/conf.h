/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CNI_CONF_H
#define CNI_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "error.h"

/* Largest config file we read: a 10 MiB file is an attack, not a network. */
#define CNI_CONF_MAX_BYTES (1024 * 1024)

/* A network configuration list, loaded and validated (CNI-RUNTIME.md section 1). */
struct cni_netconf {
	char *name;
	char *cni_version;     /* as selected by CFG-9 */
	bool has_cni_versions; /* `cniVersions` was given: negotiate with the plugins */
	char **cni_versions;   /* candidate versions, highest first (when has_cni_versions) */
	bool disable_check;
	bool disable_gc;
	char *path;  /* the file it came from ("" when loaded from bytes) */
	char *bytes; /* the list's exact bytes (a .conf is up-converted first) */
	size_t len;
	json_object *list;    /* parsed list, owned */
	json_object *plugins; /* array: inlined plugins, then DIR/<name>/ fragments; owned */
};

/* Loads a list from @buf (already known to be a list, not a single-plugin file). */
int cni_conf_from_bytes(const char *buf, size_t len, const char *what, struct cni_netconf **out,
			rci_error_t *err);

/*
 * Finds network @name in @dir: .conflist files first (sorted byte-wise, first match wins), then
 * single-plugin .conf/.json files up-converted into a one-plugin list (CFG-1..6). Files that do not
 * parse are skipped with a warning (CFG-5, as ocicni does) and named in a not-found error.
 * Errors: RCI_ERR_NOT_FOUND "no configuration named ..." (naming the dir and the networks found),
 * RCI_ERR_FAILED for a matching file that is invalid (file name and reason).
 */
int cni_conf_find(const char *dir, const char *name, struct cni_netconf **out, rci_error_t *err);

size_t cni_conf_plugin_count(const struct cni_netconf *c);
json_object *cni_conf_plugin(const struct cni_netconf *c, size_t i);
const char *cni_conf_plugin_type(const struct cni_netconf *c, size_t i);

void cni_conf_free(struct cni_netconf *c);

#endif
