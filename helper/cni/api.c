/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "api.h"
#include "cache.h"
#include "json.h"
#include "log.h"
#include "result.h"
#include "testpoint.h"
#include "util.h"
#include "version.h"

#include <string.h>

json_object *cni_build_plugin_conf(json_object *plugin, const char *name, const char *version,
				   json_object *prev_result, json_object *capability_args)
{
	json_object *c = rci_json_copy(plugin);
	json_object_object_add(c, "name", json_object_new_string(name));
	json_object_object_add(c, "cniVersion", json_object_new_string(version));
	if (prev_result)
		json_object_object_add(c, "prevResult", rci_json_copy(prev_result));
	else
		json_object_object_del(c, "prevResult");
	/* EXE-5: only capabilities the plugin declares true AND the caller supplied. */
	json_object *caps = rci_json_get_type(plugin, "capabilities", json_type_object);
	json_object *rc = json_object_new_object();
	if (caps && capability_args) {
		json_object_object_foreach(caps, key, val)
		{
			json_object *arg;
			if (json_object_is_type(val, json_type_boolean) &&
			    json_object_get_boolean(val) &&
			    json_object_object_get_ex(capability_args, key, &arg))
				json_object_object_add(rc, key, rci_json_copy(arg));
		}
	}
	if (json_object_object_length(rc))
		json_object_object_add(c, "runtimeConfig", rc);
	else {
		json_object_put(rc);
		json_object_object_del(c, "runtimeConfig");
	}
	/* The 1.0 spec says the runtime removes `capabilities` (libcni does not; plugins accept
	 * both). */
	json_object_object_del(c, "capabilities");
	return c;
}

bool cni_plugin_skipped(json_object *plugin, json_object *capability_args)
{
	json_object *caps = rci_json_get_type(plugin, "capabilities", json_type_object);
	bool ports = false;
	if (!caps)
		return false;
	json_object_object_foreach(caps, key, val)
	{
		if (!json_object_is_type(val, json_type_boolean) || !json_object_get_boolean(val))
			continue;
		if (strcmp(key, "portMappings") != 0)
			return false;
		ports = true;
	}
	json_object *pm = NULL;
	if (capability_args)
		json_object_object_get_ex(capability_args, "portMappings", &pm);
	return ports && (!pm || (json_object_is_type(pm, json_type_array) &&
				 json_object_array_length(pm) == 0));
}

/* A skipped plugin is said once per call, in --debug only: it is no step that took time. */
static bool skip(struct cni_netconf *conf, size_t i, const char *command,
		 const struct cni_attachment *att)
{
	if (!cni_plugin_skipped(cni_conf_plugin(conf, i), att->capability_args))
		return false;
	rci_debug("plugin %s %s skipped: it declares only the portMappings capability and there "
		  "are none",
		  cni_conf_plugin_type(conf, i), command);
	return true;
}

static void fill_call(struct cni_call *call, const struct cni_attachment *att, char *args)
{
	call->container_id = att->container_id;
	call->netns = att->netns ? att->netns : "";
	call->ifname = att->ifname;
	call->args = args;
}

/* CFG-9 REC: with `cniVersions`, use the highest version every plugin of the list supports. */
static int negotiate_version(const struct cni_runtime *rt, struct cni_netconf *conf,
			     rci_error_t *err)
{
	if (!conf->has_cni_versions)
		return 0;
	size_t n = cni_conf_plugin_count(conf);
	char **plugin_versions[n ? n : 1];
	memset(plugin_versions, 0, sizeof(plugin_versions));
	int ret = 0;
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = cni_plugin_versions(rt, cni_conf_plugin_type(conf, i), &plugin_versions[i],
					  err);
	const char *chosen = NULL;
	for (size_t v = 0; ret == 0 && conf->cni_versions[v] && !chosen; v++) {
		bool all = true;
		for (size_t i = 0; i < n && all; i++) {
			bool has = false;
			for (size_t k = 0; plugin_versions[i] && plugin_versions[i][k]; k++)
				has = has ||
				      strcmp(plugin_versions[i][k], conf->cni_versions[v]) == 0;
			all = has;
		}
		if (all)
			chosen = conf->cni_versions[v];
	}
	if (ret == 0 && !chosen)
		ret =
		    rci_make_error(err, 0,
				   "network `%s`: no version in cniVersions is supported by every "
				   "plugin of the list",
				   conf->name);
	if (chosen) {
		free(conf->cni_version);
		conf->cni_version = xstrdup(chosen);
		/* The cache replays these bytes on DEL and CHECK: pin the negotiated version there,
		 * or they would renegotiate (or send 1.1.0 to plugins that stop at 1.0.0). */
		cleanup_json json_object *pinned =
		    rci_json_parse(conf->bytes, conf->len, "config", NULL);
		if (pinned && json_object_is_type(pinned, json_type_object)) {
			json_object_object_del(pinned, "cniVersions");
			json_object_object_add(pinned, "cniVersion",
					       json_object_new_string(chosen));
			free(conf->bytes);
			conf->bytes = xstrdup(rci_json_str(pinned));
			conf->len = strlen(conf->bytes);
		}
		/* Negotiated once: DEL and CHECK use the cached, already-resolved version. */
		conf->has_cni_versions = false;
	}
	for (size_t i = 0; i < n; i++)
		rci_strv_free(plugin_versions[i]);
	return ret;
}

/*
 * DEL over the whole list in reverse (DEL-1). A normal DEL stops at the first error, keeping the
 * cache for a retry (#924: a later plugin could release an IP reused meanwhile). The rollback of
 * our own failed ADD (@keep_going) runs every plugin: no one else can hold that IP yet, and
 * stopping would leak what the earlier plugins set up (#797). The first error is returned.
 */
static int del_chain(const struct cni_runtime *rt, struct cni_netconf *conf,
		     const struct cni_attachment *att, json_object *prev, bool keep_going,
		     rci_error_t *err)
{
	int ret = 0;
	cleanup_free char *args = cni_args_to_string(att->args);
	struct cni_call call;
	fill_call(&call, att, args);
	/* DEL-1: prevResult only for 0.4.0 and later. */
	if (cni_version_cmp(conf->cni_version, "0.4.0") < 0)
		prev = NULL;
	for (size_t i = cni_conf_plugin_count(conf); i-- > 0;) {
		if (skip(conf, i, "DEL", att))
			continue;
		cleanup_json json_object *in =
		    cni_build_plugin_conf(cni_conf_plugin(conf, i), conf->name, conf->cni_version,
					  prev, att->capability_args);
		rci_error_t e = NULL;
		if (cni_exec_plugin(rt, cni_conf_plugin_type(conf, i), "DEL", &call, in, NULL, &e) <
		    0) {
			if (ret == 0)
				*err = e;
			else
				rci_error_release(&e);
			ret = -1;
			if (!keep_going)
				return -1;
		}
		rci_testpointf("del:%zu", i);
	}
	return ret;
}

/* EXE-1: every plugin of the list must exist before anything runs. */
static int find_all_plugins(const struct cni_runtime *rt, struct cni_netconf *conf,
			    rci_error_t *err)
{
	for (size_t i = 0; i < cni_conf_plugin_count(conf); i++) {
		cleanup_free char *path = NULL;
		if (cni_find_plugin(rt, cni_conf_plugin_type(conf, i), &path, err) < 0)
			return rci_error_wrap(err, "network `%s`", conf->name);
	}
	return 0;
}

int cni_add_network_list(const struct cni_runtime *rt, struct cni_netconf *conf,
			 const struct cni_attachment *att, json_object **result, bool *rolled_back,
			 rci_error_t *err)
{
	if (rolled_back)
		*rolled_back = true;
	if (find_all_plugins(rt, conf, err) < 0 || negotiate_version(rt, conf, err) < 0)
		return -1;
	cleanup_free char *args = cni_args_to_string(att->args);
	struct cni_call call;
	fill_call(&call, att, args);
	json_object *prev = NULL;
	int ret = 0;
	size_t n = cni_conf_plugin_count(conf);
	for (size_t i = 0; i < n && ret == 0; i++) {
		/* Skipped, it passes prevResult on unchanged, as portmap does without mappings. */
		if (skip(conf, i, "ADD", att))
			continue;
		cleanup_json json_object *in =
		    cni_build_plugin_conf(cni_conf_plugin(conf, i), conf->name, conf->cni_version,
					  prev, att->capability_args);
		cleanup_json json_object *raw = NULL;
		const char *type = cni_conf_plugin_type(conf, i);
		ret = cni_exec_plugin(rt, type, "ADD", &call, in, &raw, err);
		if (ret < 0)
			break;
		/* EXE-13: chain and cache only results in the list's version. */
		json_object *conv =
		    cni_result_convert(raw, conf->cni_version, conf->cni_version, err);
		if (!conv) {
			ret = rci_error_wrap(err, "plugin `%s` (ADD) returned an unusable result",
					     type);
			break;
		}
		if (prev)
			json_object_put(prev);
		prev = conv;
		rci_testpointf("add:%zu", i);
	}
	if (ret == 0) {
		struct cni_cache_entry e = {
		    .container_id = (char *)att->container_id,
		    .ifname = (char *)att->ifname,
		    .network = conf->name,
		    .netns = (char *)att->netns,
		    .config = conf->bytes,
		    .config_len = conf->len,
		    .args = *att->args,
		    .capability_args = att->capability_args,
		    .result = prev,
		};
		ret = cni_cache_write(rt->cache_dir, &e, err);
	}
	if (ret < 0) {
		/* ADD-3: a failed ADD leaks nothing: DEL the whole chain, then report the ADD
		 * error. */
		rci_error_t derr = NULL;
		/* With the result so far as prevResult: firewall removes its per-IP rules only
		 * when it is told the IPs. */
		if (del_chain(rt, conf, att, prev, true, &derr) < 0) {
			cleanup_free char *t = rci_error_text(derr);
			rci_warning("rollback of failed ADD for `%s`: %s", att->container_id, t);
			rci_error_release(&derr);
			if (rolled_back)
				*rolled_back = false;
		}
		if (prev)
			json_object_put(prev);
		return -1;
	}
	*result = prev;
	return 0;
}

/* Loads the cached entry; a corrupt one is dropped with a warning (CCH-3, CNI #1055). */
static struct cni_cache_entry *load_cache(const struct cni_runtime *rt, const char *network,
					  const struct cni_attachment *att, bool drop_corrupt,
					  rci_error_t *err)
{
	struct cni_cache_entry *e = NULL;
	int r = cni_cache_read(rt->cache_dir, network, att->container_id, att->ifname, &e, err);
	if (r == CNI_CACHE_FOREIGN) {
		/* Another attachment's entry at our name: we have none (DEL-2 without cache). */
		cleanup_free char *t = rci_error_text(*err);
		rci_debug("DEL without a cached entry: %s", t);
		rci_error_release(err);
	}
	if (r == -1 && drop_corrupt) {
		cleanup_free char *t = rci_error_text(*err);
		rci_warning("dropping unusable cache entry: %s", t);
		rci_error_release(err);
		cni_cache_delete(rt->cache_dir, network, att->container_id, att->ifname, NULL);
	}
	return r == 0 ? e : NULL;
}

int cni_del_network_list(const struct cni_runtime *rt, const char *network,
			 struct cni_netconf *conf, const struct cni_attachment *att,
			 rci_error_t *err)
{
	rci_error_t cerr = NULL;
	struct cni_cache_entry *e = load_cache(rt, network, att, true, &cerr);
	struct cni_netconf *cached_conf = NULL;
	struct cni_attachment a = *att;
	cleanup_json json_object *prev = NULL;
	if (e && e->config_len) {
		/* DEL-3: replay what the ADD ran with, not today's config. */
		if (cni_conf_from_bytes(e->config, e->config_len, "cached config", &cached_conf,
					&cerr) < 0) {
			cleanup_free char *t = rci_error_text(cerr);
			rci_warning("ignoring cached config: %s", t);
			rci_error_release(&cerr);
		}
	}
	struct cni_netconf *use = cached_conf ? cached_conf : conf;
	if (!use) {
		cni_cache_entry_free(e);
		return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
					   "cannot DEL `%s` from network `%s`: no configuration "
					   "and no cached one",
					   att->container_id, network);
	}
	if (e) {
		if (e->args.n)
			a.args = &e->args;
		if (e->capability_args)
			a.capability_args = e->capability_args;
		if (e->result) {
			rci_error_t rerr = NULL;
			prev = cni_result_convert(e->result, use->cni_version, use->cni_version,
						  &rerr);
			if (!prev) {
				cleanup_free char *t = rci_error_text(rerr);
				rci_warning("DEL without prevResult: %s", t);
				rci_error_release(&rerr);
			}
		}
	}
	int ret = find_all_plugins(rt, use, err);
	if (ret == 0)
		ret = del_chain(rt, use, &a, prev, false, err);
	if (ret == 0)
		ret = cni_cache_delete(rt->cache_dir, network, att->container_id, att->ifname, err);
	cni_conf_free(cached_conf);
	cni_cache_entry_free(e);
	return ret;
}

int cni_get_cached_result(const struct cni_runtime *rt, const char *network,
			  const struct cni_attachment *att, json_object **result, rci_error_t *err)
{
	struct cni_cache_entry *e = NULL;
	int r = cni_cache_read(rt->cache_dir, network, att->container_id, att->ifname, &e, err);
	if (r == CNI_CACHE_FOREIGN) {
		rci_error_release(err);
		return -2;
	}
	if (r < 0)
		return r;
	if (!e->result) {
		cni_cache_entry_free(e);
		return -2;
	}
	*result = e->result;
	e->result = NULL;
	cni_cache_entry_free(e);
	return 0;
}

int cni_check_network_list(const struct cni_runtime *rt, struct cni_netconf *conf,
			   const struct cni_attachment *att, rci_error_t *err)
{
	struct cni_cache_entry *e = NULL;
	int r = cni_cache_read(rt->cache_dir, conf->name, att->container_id, att->ifname, &e, err);
	if (r == CNI_CACHE_FOREIGN) {
		/* CHK-1: never CHECK an attachment from another one's entry. */
		rci_error_release(err);
		r = -2;
	}
	if (r == -2)
		return rci_make_error_kind(
		    err, RCI_ERR_NOT_FOUND, 0,
		    "no cached result for `%s` on network `%s`: nothing to check",
		    att->container_id, conf->name);
	if (r < 0)
		return -1;
	struct cni_netconf *cached_conf = NULL;
	if (e->config_len &&
	    cni_conf_from_bytes(e->config, e->config_len, "cached config", &cached_conf, err) < 0) {
		cni_cache_entry_free(e);
		return -1;
	}
	struct cni_netconf *use = cached_conf ? cached_conf : conf;
	int ret = 0;
	if (cni_version_cmp(use->cni_version, "0.4.0") < 0) {
		ret = rci_make_error(
		    err, 0, "configuration version `%s` does not support the CHECK command",
		    use->cni_version);
	} else if (!use->disable_check) {
		struct cni_attachment a = *att;
		if (e->args.n)
			a.args = &e->args;
		if (e->capability_args)
			a.capability_args = e->capability_args;
		if (e->netns)
			a.netns = e->netns;
		cleanup_json json_object *prev =
		    e->result
			? cni_result_convert(e->result, use->cni_version, use->cni_version, err)
			: NULL;
		if (!prev) {
			ret = e->result
				  ? -1
				  : rci_make_error(err, 0, "cached entry has no result to check");
		} else {
			cleanup_free char *args = cni_args_to_string(a.args);
			struct cni_call call;
			fill_call(&call, &a, args);
			for (size_t i = 0; i < cni_conf_plugin_count(use) && ret == 0; i++) {
				if (skip(use, i, "CHECK", &a))
					continue;
				cleanup_json json_object *in = cni_build_plugin_conf(
				    cni_conf_plugin(use, i), use->name, use->cni_version, prev,
				    a.capability_args);
				ret = cni_exec_plugin(rt, cni_conf_plugin_type(use, i), "CHECK",
						      &call, in, NULL, err);
			}
		}
	}
	cni_conf_free(cached_conf);
	cni_cache_entry_free(e);
	return ret;
}
