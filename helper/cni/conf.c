/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "conf.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "version.h"

#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

void cni_conf_free(struct cni_netconf *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->cni_version);
	rci_strv_free(c->cni_versions);
	free(c->path);
	free(c->bytes);
	if (c->list)
		json_object_put(c->list);
	if (c->plugins)
		json_object_put(c->plugins);
	free(c);
}

static void cleanup_confp(struct cni_netconf **c)
{
	cni_conf_free(*c);
}
#define cleanup_conf __attribute__((cleanup(cleanup_confp)))

size_t cni_conf_plugin_count(const struct cni_netconf *c)
{
	return json_object_array_length(c->plugins);
}

json_object *cni_conf_plugin(const struct cni_netconf *c, size_t i)
{
	return json_object_array_get_idx(c->plugins, i);
}

const char *cni_conf_plugin_type(const struct cni_netconf *c, size_t i)
{
	return rci_json_get_string(cni_conf_plugin(c, i), "type");
}

/* CFG-7: booleans may be JSON booleans or "true"/"false" strings in any case. */
static int parse_flag(json_object *list, const char *key, bool *out, const char *what,
		      rci_error_t *err)
{
	json_object *v;
	*out = false;
	if (!json_object_object_get_ex(list, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_boolean)) {
		*out = json_object_get_boolean(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
			*out = strcasecmp(s, "true") == 0;
			return 0;
		}
	}
	return rci_make_error(err, 0, "%s: `%s` must be a boolean, got %s", what, key,
			      json_object_to_json_string(v));
}

static int check_plugin(json_object *p, const char *what, size_t idx, rci_error_t *err)
{
	if (!json_object_is_type(p, json_type_object))
		return rci_make_error(err, 0, "%s: plugin %zu is not an object", what, idx);
	const char *type = rci_json_get_string(p, "type");
	if (!type || !*type)
		return rci_make_error(err, 0, "%s: plugin %zu has no `type`", what, idx);
	if (strchr(type, '/'))
		return rci_make_error(err, 0, "%s: plugin type `%s` must not contain `/`", what,
				      type);
	return 0;
}

/* CFG-9: pick the highest of cniVersions (and cniVersion) not above the runtime's maximum. */
static int select_versions(struct cni_netconf *c, const char *what, rci_error_t *err)
{
	const char *cv = rci_json_get_string(c->list, "cniVersion");
	json_object *v;
	if (json_object_object_get_ex(c->list, "cniVersion", &v) &&
	    !json_object_is_type(v, json_type_string))
		return rci_make_error(err, 0, "%s: `cniVersion` must be a string", what);
	json_object *versions = NULL;
	if (json_object_object_get_ex(c->list, "cniVersions", &versions)) {
		if (!json_object_is_type(versions, json_type_array))
			return rci_make_error(err, 0, "%s: `cniVersions` must be an array", what);
		c->has_cni_versions = true;
		c->cni_versions = xmalloc0(sizeof(char *));
		size_t n = json_object_array_length(versions);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(versions, i);
			int parsed[3];
			if (!json_object_is_type(e, json_type_string) ||
			    !cni_version_parse(json_object_get_string(e), parsed))
				return rci_make_error(
				    err, 0, "%s: invalid entry %zu in `cniVersions`", what, i);
			const char *s = json_object_get_string(e);
			if (cni_version_known(s) &&
			    cni_version_cmp(s, CNI_RUNTIME_MAX_VERSION) <= 0)
				rci_strv_push(&c->cni_versions, s);
		}
		if (cv && cni_version_known(cv) &&
		    cni_version_cmp(cv, CNI_RUNTIME_MAX_VERSION) <= 0)
			rci_strv_push(&c->cni_versions, cv);
		size_t m = rci_strv_len(c->cni_versions);
		/* Highest first; lists are tiny, insertion sort. */
		for (size_t i = 1; i < m; i++)
			for (size_t j = i; j > 0 && cni_version_cmp(c->cni_versions[j - 1],
								    c->cni_versions[j]) < 0;
			     j--) {
				char *t = c->cni_versions[j];
				c->cni_versions[j] = c->cni_versions[j - 1];
				c->cni_versions[j - 1] = t;
			}
		if (m == 0)
			return rci_make_error(err, 0,
					      "%s: no supported version in `cniVersions` (this "
					      "runtime supports up to %s)",
					      what, CNI_RUNTIME_MAX_VERSION);
		c->cni_version = xstrdup(c->cni_versions[0]);
		return 0;
	}
	const char *sel = cv && *cv ? cv : "0.1.0";
	/* libcni passes an unknown version through unchecked; we refuse it here, clearly, rather
	 * than let every plugin fail with "incompatible CNI versions". */
	if (!cni_version_known(sel))
		return rci_make_error(err, 0,
				      "%s: unsupported cniVersion `%s` (supported: 0.1.0 to %s)",
				      what, sel, CNI_RUNTIME_MAX_VERSION);
	c->cni_version = xstrdup(sel);
	return 0;
}

/* CFG-6: the `.conf` files of DIR/<name>, in filename order, appended after the inlined plugins. */
static int load_fragments(struct cni_netconf *c, const char *dir, rci_error_t *err)
{
	cleanup_free char *fragdir = xasprintf("%s/%s", dir, c->name);
	cleanup_close int dfd = -1;
	struct dirent **names = NULL;
	int n = rci_list_dir(fragdir, alphasort, &dfd, &names);
	int ret = 0;
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		size_t l = strlen(nm);
		if (ret == 0 && l > 5 && strcmp(nm + l - 5, ".conf") == 0) {
			cleanup_free char *path = xasprintf("%s/%s", fragdir, nm);
			cleanup_free char *buf = NULL;
			size_t len = 0;
			json_object *p = NULL;
			int r = rci_read_file_at(dfd, nm, CNI_CONF_MAX_BYTES, &buf, &len, err);
			if (r == 0)
				p = rci_json_parse(buf, len, path, err);
			if (!p || check_plugin(p, path, 0, err) < 0) {
				if (p)
					json_object_put(p);
				if (r == -2)
					rci_make_error(err, ENOENT, "`%s`", path);
				ret = -1;
			} else {
				json_object_array_add(c->plugins, p);
			}
		}
	}
	rci_free_dirents(names, n);
	return ret;
}

static int conf_from_list(json_object *list, char *bytes, size_t len, const char *what,
			  const char *dir, struct cni_netconf **out, rci_error_t *err)
{
	cleanup_conf struct cni_netconf *c = xmalloc0(sizeof(*c));
	c->list = list;
	c->bytes = bytes;
	c->len = len;
	c->path = xstrdup(what);
	if (!json_object_is_type(list, json_type_object))
		return rci_make_error(err, 0, "%s: the top level is not a JSON object", what);
	json_object *name;
	if (!json_object_object_get_ex(list, "name", &name) ||
	    !json_object_is_type(name, json_type_string) || !*json_object_get_string(name))
		return rci_make_error(err, 0, "%s: missing or invalid `name`", what);
	c->name = xstrdup(json_object_get_string(name));
	if (select_versions(c, what, err) < 0)
		return -1;
	bool only_inlined = false;
	if (parse_flag(list, "disableCheck", &c->disable_check, what, err) < 0 ||
	    parse_flag(list, "disableGC", &c->disable_gc, what, err) < 0 ||
	    parse_flag(list, "loadOnlyInlinedPlugins", &only_inlined, what, err) < 0)
		return -1;
	c->plugins = json_object_new_array();
	json_object *plugins = NULL;
	if (json_object_object_get_ex(list, "plugins", &plugins)) {
		if (!json_object_is_type(plugins, json_type_array) ||
		    json_object_array_length(plugins) == 0)
			return rci_make_error(err, 0, "%s: `plugins` must be a non-empty array",
					      what);
		for (size_t i = 0; i < json_object_array_length(plugins); i++) {
			json_object *p = json_object_array_get_idx(plugins, i);
			if (check_plugin(p, what, i, err) < 0)
				return -1;
			json_object_array_add(c->plugins, json_object_get(p));
		}
	} else if (only_inlined) {
		return rci_make_error(err, 0, "%s: `loadOnlyInlinedPlugins` without `plugins`",
				      what);
	}
	size_t inlined = cni_conf_plugin_count(c);
	if (!only_inlined && dir && load_fragments(c, dir, err) < 0)
		return -1;
	if (cni_conf_plugin_count(c) != inlined) {
		/* The cache must hold what really ran: store the effective list, fragments inlined.
		 */
		cleanup_json json_object *eff = rci_json_copy(list);
		json_object_object_add(eff, "plugins", rci_json_copy(c->plugins));
		json_object_object_add(eff, "loadOnlyInlinedPlugins", json_object_new_boolean(1));
		free(c->bytes);
		c->bytes = xstrdup(rci_json_str(eff));
		c->len = strlen(c->bytes);
	}
	if (cni_conf_plugin_count(c) == 0)
		return rci_make_error(err, 0, "%s: no plugins in network `%s`", what, c->name);
	*out = c;
	c = NULL;
	return 0;
}

int cni_conf_from_bytes(const char *buf, size_t len, const char *what, struct cni_netconf **out,
			rci_error_t *err)
{
	json_object *list = rci_json_parse(buf, len, what, err);
	if (!list)
		return -1;
	return conf_from_list(list, xstrndup(buf, len), len, what, NULL, out, err);
}

/* CFG-3: a single-plugin file becomes {name, cniVersion, plugins: [the whole file]}. */
static int conf_from_single(json_object *obj, const char *what, const char *dir,
			    struct cni_netconf **out, rci_error_t *err)
{
	json_object *list = json_object_new_object();
	json_object *v;
	if (json_object_object_get_ex(obj, "name", &v))
		json_object_object_add(list, "name", json_object_get(v));
	if (json_object_object_get_ex(obj, "cniVersion", &v))
		json_object_object_add(list, "cniVersion", json_object_get(v));
	json_object *arr = json_object_new_array();
	json_object_array_add(arr, obj);
	json_object_object_add(list, "plugins", arr);
	/* A single plugin needs no fragments: it is complete by definition. */
	json_object_object_add(list, "loadOnlyInlinedPlugins", json_object_new_boolean(1));
	const char *s = rci_json_str(list);
	(void)dir;
	return conf_from_list(list, xstrdup(s), strlen(s), what, NULL, out, err);
}

int cni_conf_from_json(json_object *obj, const char *buf, size_t len, const char *path,
		       const char *dir, bool list, struct cni_netconf **out, rci_error_t *err)
{
	if (list)
		return conf_from_list(obj, xstrndup(buf, len), len, path, dir, out, err);
	return conf_from_single(obj, path, dir, out, err);
}
