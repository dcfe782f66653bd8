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
 * cni_conf_from_json() - the network of one config file, parsed already: @obj (owned from here
 * on, also on failure) from the bytes @buf of the file @path in @dir. @list: a .conflist (its
 * DIR/<name>/ fragments appended, CFG-6), else a single-plugin .conf/.json up-converted into a
 * one-plugin list (CFG-3). Return: 0 and *out, -1 with *err naming @path. Discovery (which file)
 * is discover.h's.
 */
int cni_conf_from_json(json_object *obj, const char *buf, size_t len, const char *path,
		       const char *dir, bool list, struct cni_netconf **out, rci_error_t *err);

size_t cni_conf_plugin_count(const struct cni_netconf *c);
json_object *cni_conf_plugin(const struct cni_netconf *c, size_t i);
const char *cni_conf_plugin_type(const struct cni_netconf *c, size_t i);

void cni_conf_free(struct cni_netconf *c);

#endif
