/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netconf.h"
#include "fs.h"
#include "json.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Config files in libcni's order (lexical), as parsed objects; unreadable ones skipped. */
static json_object *load_all(const char *dir)
{
	json_object *arr = json_object_new_array();
	cleanup_dir DIR *d = opendir(dir);
	if (!d)
		return arr;
	cleanup_strv char **names = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		if (de->d_name[0] != '.' && dot &&
		    (!strcmp(dot, ".conflist") || !strcmp(dot, ".conf") || !strcmp(dot, ".json")))
			rci_strv_push(&names, de->d_name);
	}
	size_t n = rci_strv_len(names);
	if (n)
		qsort(names, n, sizeof(char *), cmp);
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *text = NULL;
		size_t len = 0;
		rci_error_t tmp = NULL;
		if (rci_read_file_at(dfd, names[i], 1 << 20, &text, &len, &tmp) != 0) {
			rci_error_release(&tmp);
			continue;
		}
		json_object *o = rci_json_parse(text, len, names[i], &tmp);
		rci_error_release(&tmp);
		if (o && json_object_is_type(o, json_type_object))
			json_object_array_add(arr, o);
		else if (o)
			json_object_put(o);
	}
	return arr;
}

char *lr_netconf_list(const struct lr_ctx *ctx)
{
	cleanup_json json_object *all = load_all(ctx->cni_config_dir);
	char *out = xstrdup("");
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		const char *n = rci_json_get_string(json_object_array_get_idx(all, i), "name");
		if (!n)
			continue;
		char *s = xasprintf("%s%s%s", out, *out ? ", " : "", n);
		free(out);
		out = s;
	}
	return out;
}

static char *join(char *const *v)
{
	char *out = xstrdup("");
	for (size_t i = 0; v && v[i]; i++) {
		char *s = xasprintf("%s%s`%s`", out, i ? ", " : "", v[i]);
		free(out);
		out = s;
	}
	return out;
}

static int check_plugin(const struct lr_ctx *ctx, const char *type, rci_error_t *err)
{
	/* A type that could escape the plugin dir is the helper's to reject. */
	if (strchr(type, '/'))
		return 0;
	for (size_t i = 0; ctx->plugin_dirs && ctx->plugin_dirs[i]; i++) {
		cleanup_free char *p = xasprintf("%s/%s", ctx->plugin_dirs[i], type);
		if (access(p, X_OK) == 0)
			return 0;
	}
	cleanup_free char *dirs = join(ctx->plugin_dirs);
	return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
				   "CNI plugin `%s` not found in %s (set --cni-plugin-dir)", type,
				   dirs);
}

int lr_netconf_check(struct lr_ctx *ctx, const char *name, rci_error_t *err)
{
	if (lr_ctx_resolve_cni(ctx, err) < 0)
		return -1;
	cleanup_json json_object *all = load_all(ctx->cni_config_dir);
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *conf = json_object_array_get_idx(all, i);
		const char *n = rci_json_get_string(conf, "name");
		if (!n || strcmp(n, name) != 0)
			continue;
		json_object *plugins = rci_json_get_type(conf, "plugins", json_type_array);
		if (!plugins) {
			const char *type = rci_json_get_string(conf, "type");
			return type ? check_plugin(ctx, type, err) : 0;
		}
		for (size_t k = 0; k < json_object_array_length(plugins); k++) {
			const char *type =
			    rci_json_get_string(json_object_array_get_idx(plugins, k), "type");
			if (type && check_plugin(ctx, type, err) < 0)
				return -1;
		}
		return 0;
	}
	cleanup_free char *dirs = join(ctx->cni_searched);
	cleanup_free char *found = lr_netconf_list(ctx);
	return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
				   "network `%s` not found in %s (networks found: %s)", name, dirs,
				   *found ? found : "none");
}
