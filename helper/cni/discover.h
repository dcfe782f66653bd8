/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CNI_DISCOVER_H
#define CNI_DISCOVER_H

#include <json-c/json.h>

#include "conf.h"
#include "error.h"

/*
 * DOC: configuration discovery (CNI-RUNTIME.md section 1, CFG-1..6) over an ordered list of
 * directories. Within one directory: .conflist files first, sorted byte-wise, the first whose
 * `name` matches wins; then the single-plugin .conf and .json files together, sorted, each
 * up-converted into a one-plugin list. Files that do not parse are skipped (CFG-5, as ocicni
 * does) and named in a not-found error. Across directories the first one holding the name wins,
 * so that a user's network shadows a shipped one of the same name (DESIGN.md, "Networks the
 * user sees"). A missing directory counts as an empty one.
 */

/*
 * cni_conf_find_dirs() - network @name in the NULL-terminated @dirs, first match wins.
 * Return: 0 and *out (free with cni_conf_free); -1 with *err: RCI_ERR_NOT_FOUND "network `x`
 * not found: ..." naming every directory with the networks found in it (or that it holds no
 * configuration), RCI_ERR_FAILED for a matching file that is invalid (file name and reason).
 * With one directory the messages are cni_conf_find's.
 */
int cni_conf_find_dirs(char *const *dirs, const char *name, struct cni_netconf **out,
		       rci_error_t *err);

/*
 * cni_conf_find() - cni_conf_find_dirs() with the one directory @dir. Not found: "network `x` not
 * found: no configuration named `x` in `DIR` (networks found: a, b)", or "...: no configurations
 * found in `DIR`" when it holds no configuration file.
 */
int cni_conf_find(const char *dir, const char *name, struct cni_netconf **out, rci_error_t *err);

/*
 * cni_conf_list() - every network @dirs offer, each once, in discovery order: a JSON array of
 * {"name": NAME, "file": PATH}, PATH being the file a lookup of NAME loads. Files that do not
 * parse or have no name are left out. Return: the array (caller puts it); never fails.
 */
json_object *cni_conf_list(char *const *dirs);

#endif
