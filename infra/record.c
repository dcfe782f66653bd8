/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "record.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "state.h"
#include "userns.h"
#include "util.h"

#include <string.h>

void lr_infra_free(struct lr_infra *inf)
{
	if (!inf)
		return;
	lr_runtime_clear(&inf->rt);
	free(inf->runtime_root);
	free(inf->bundle);
	free(inf->api_socket);
	free(inf->cni_path);
	free(inf->image);
	free(inf->cni_config_dir);
	free(inf->cni_shipped_dir);
	rci_strv_free(inf->plugin_dirs);
	free(inf);
}

char *lr_infra_userns_path(const struct lr_infra *inf)
{
	return xasprintf("/proc/%d/ns/user", (int)inf->pid);
}

bool lr_infra_alive(const struct lr_infra *inf)
{
	return inf && inf->ready && lr_proc_alive(inf->pid, inf->pid_start);
}

int lr_infra_save(const struct lr_ctx *ctx, const struct lr_infra *inf, rci_error_t *err)
{
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "runtime", json_object_new_string(inf->rt.name));
	json_object_object_add(o, "runtimePath", json_object_new_string(inf->rt.path));
	json_object_object_add(o, "runtimeRoot", json_object_new_string(inf->runtime_root));
	json_object_object_add(o, "bundle", json_object_new_string(inf->bundle));
	json_object_object_add(o, "apiSocket", json_object_new_string(inf->api_socket));
	json_object_object_add(o, "cniPath", json_object_new_string(inf->cni_path));
	json_object_object_add(o, "pid", json_object_new_int(inf->pid));
	json_object_object_add(o, "pidStart", json_object_new_uint64(inf->pid_start));
	json_object_object_add(o, "slirpPid", json_object_new_int(inf->slirp_pid));
	json_object_object_add(o, "slirpStart", json_object_new_uint64(inf->slirp_start));
	json_object_object_add(o, "ownUserns", json_object_new_boolean(inf->own_userns));
	json_object_object_add(o, "allowHostLoopback",
			       json_object_new_boolean(inf->allow_host_loopback));
	json_object_object_add(o, "ready", json_object_new_boolean(inf->ready));
	if (inf->image)
		json_object_object_add(o, "image", json_object_new_string(inf->image));
	if (inf->cni_config_dir)
		json_object_object_add(o, "cniConfigDir",
				       json_object_new_string(inf->cni_config_dir));
	if (inf->cni_shipped_dir)
		json_object_object_add(o, "cniShippedDir",
				       json_object_new_string(inf->cni_shipped_dir));
	json_object *dirs = json_object_new_array();
	for (size_t i = 0; inf->plugin_dirs && inf->plugin_dirs[i]; i++)
		json_object_array_add(dirs, json_object_new_string(inf->plugin_dirs[i]));
	json_object_object_add(o, "pluginDirs", dirs);
	const char *text = rci_json_str(o);
	long long t0 = rci_now_ms();
	if (rci_write_file_atomic_at(ctx->state.dfd, LR_STATE_RECORD, text, strlen(text), 0600,
				     err) < 0)
		return -1;
	rci_debug_step("state", t0, "wrote `%s/%s` (%s)", ctx->state.dir, LR_STATE_RECORD,
		       inf->ready ? "ready" : "provisional");
	return 0;
}

static char *get_str(json_object *o, const char *key)
{
	const char *s = rci_json_get_string(o, key);
	return xstrdup(s ? s : "");
}

/* A number of the record, 0 when absent or out of bounds (a damaged record is a dead infra). */
static uint64_t get_uint(json_object *o, const char *key, uint64_t max)
{
	uint64_t v = 0;
	return rci_json_get_uint(o, key, max, &v) == 0 ? v : 0;
}

int lr_infra_load(const struct lr_ctx *ctx, struct lr_infra **out, rci_error_t *err)
{
	*out = NULL;
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = rci_read_file_at(ctx->state.dfd, LR_STATE_RECORD, 1 << 20, &text, &len, err);
	if (r == -2)
		return 0;
	if (r < 0)
		return -1;
	cleanup_free char *what = xasprintf("`%s/%s`", ctx->state.dir, LR_STATE_RECORD);
	cleanup_json json_object *o = rci_json_parse(text, len, what, err);
	if (!o)
		return -1;
	struct lr_infra *inf = xmalloc0(sizeof(*inf));
	inf->rt.name = get_str(o, "runtime");
	inf->rt.path = get_str(o, "runtimePath");
	inf->rt.crun = strstr(inf->rt.name, "crun") != NULL;
	inf->runtime_root = get_str(o, "runtimeRoot");
	inf->bundle = get_str(o, "bundle");
	inf->api_socket = get_str(o, "apiSocket");
	inf->cni_path = get_str(o, "cniPath");
	inf->pid = (pid_t)get_uint(o, "pid", LR_PID_MAX);
	inf->pid_start = get_uint(o, "pidStart", UINT64_MAX);
	inf->slirp_pid = (pid_t)get_uint(o, "slirpPid", LR_PID_MAX);
	inf->slirp_start = get_uint(o, "slirpStart", UINT64_MAX);
	const char *conf = rci_json_get_string(o, "cniConfigDir");
	inf->cni_config_dir = conf ? xstrdup(conf) : NULL;
	const char *shipped = rci_json_get_string(o, "cniShippedDir");
	inf->cni_shipped_dir = shipped ? xstrdup(shipped) : NULL;
	json_object *dirs = rci_json_get_type(o, "pluginDirs", json_type_array);
	for (size_t i = 0; dirs && i < json_object_array_length(dirs); i++) {
		json_object *d = json_object_array_get_idx(dirs, i);
		if (json_object_is_type(d, json_type_string))
			rci_strv_push(&inf->plugin_dirs, json_object_get_string(d));
	}
	json_object *b;
	inf->own_userns =
	    json_object_object_get_ex(o, "ownUserns", &b) && json_object_get_boolean(b);
	/* Records of older launchers do not say: their slirp4netns served the host's loopback. */
	inf->allow_host_loopback = json_object_object_get_ex(o, "allowHostLoopback", &b)
				       ? json_object_get_boolean(b)
				       : true;
	/* Records without the field predate provisional ones: complete when they have a pid. */
	inf->ready =
	    json_object_object_get_ex(o, "ready", &b) ? json_object_get_boolean(b) : inf->pid > 0;
	const char *image = rci_json_get_string(o, "image");
	inf->image = image ? xstrdup(image) : NULL;
	*out = inf;
	return 0;
}

json_object *lr_infra_mappings(const struct lr_infra *inf, bool gid, rci_error_t *err)
{
	json_object *m = lr_userns_mappings(inf->pid, gid, err);
	if (m && !lr_infra_alive(inf)) {
		json_object_put(m);
		rci_make_error(err, ESRCH, "the infra (pid %d) exited", (int)inf->pid);
		return NULL;
	}
	return m;
}
