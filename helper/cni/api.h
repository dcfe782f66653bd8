/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CNI_API_H
#define CNI_API_H

#include <json-c/json.h>

#include "args.h"
#include "conf.h"
#include "error.h"
#include "exec.h"

/* One (container, interface) attachment to a network, as the runtime sees it. */
struct cni_attachment {
	const char *container_id;
	const char *netns; /* may be "" on DEL (DEL-2) */
	const char *ifname;
	const struct cni_args *args;
	json_object *capability_args; /* {"portMappings": [...], ...} or NULL */
};

/*
 * ADD (ADD-1..3): runs the chain in order with prevResult chaining, converting each result to the
 * list's version. On failure at plugin k it runs DEL over the whole list in reverse (with the
 * results so far as prevResult, same parameters), then returns the ADD error; *rolled_back (if
 * not NULL) says whether that DEL fully succeeded. On success it caches the result and returns it
 * in *result.
 */
int cni_add_network_list(const struct cni_runtime *rt, struct cni_netconf *conf,
			 const struct cni_attachment *att, json_object **result, bool *rolled_back,
			 rci_error_t *err);

/*
 * DEL (DEL-1..3): replays the cached config, CNI_ARGS and capability args when a cache entry
 * exists (@conf, which may be NULL, is the fallback when there is none); prevResult is the
 * cached result for versions >= 0.4.0. Stops at the first error and keeps the cache so the DEL
 * can be retried; removes the entry on success. A corrupt entry is dropped (CNI #1055).
 */
int cni_del_network_list(const struct cni_runtime *rt, const char *network,
			 struct cni_netconf *conf, const struct cni_attachment *att,
			 rci_error_t *err);

/* CHECK (CHK-1): needs cniVersion >= 0.4.0 and a cached result; honours disableCheck. */
int cni_check_network_list(const struct cni_runtime *rt, struct cni_netconf *conf,
			   const struct cni_attachment *att, rci_error_t *err);

/* The cached result of an attachment, converted to its list's version; -2 when not cached. */
int cni_get_cached_result(const struct cni_runtime *rt, const char *network,
			  const struct cni_attachment *att, json_object **result, rci_error_t *err);

/*
 * cni_plugin_skipped() - true when @plugin declares no capability but `portMappings` (issue 12)
 * and @capability_args holds no mapping (absent or an empty array). ADD, DEL and CHECK then do
 * not run it: such a plugin (portmap) has nothing to do, yet costs a process and, for portmap
 * 1.1.1, iptables chains. Its ADD would pass prevResult on unchanged, and so does the skip. DEL
 * and CHECK decide on the ADD's cached capability args (DEL-3), so they skip what ADD skipped.
 */
bool cni_plugin_skipped(json_object *plugin, json_object *capability_args);

/* The stdin a plugin gets (EXE-4, EXE-5). Exposed for unit tests. */
json_object *cni_build_plugin_conf(json_object *plugin, const char *name, const char *version,
				   json_object *prev_result, json_object *capability_args);

#endif
