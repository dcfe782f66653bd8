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
	bool pasta = inf->net_driver == LR_NET_PASTA;
	json_object_object_add(o, "netDriver",
			       json_object_new_string(lr_net_driver_name(inf->net_driver)));
	json_object_object_add(o, pasta ? "pastaPid" : "slirpPid",
			       json_object_new_int(inf->net_pid));
	json_object_object_add(o, pasta ? "pastaStart" : "slirpStart",
			       json_object_new_uint64(inf->net_start));
	json_object_object_add(o, "portDriver",
			       json_object_new_string(lr_port_driver_name(inf->port_driver)));
	if (inf->port_driver == LR_PORT_FORWARDER) {
		json_object_object_add(o, "forwarderPid", json_object_new_int(inf->fwd_pid));
		json_object_object_add(o, "forwarderStart", json_object_new_uint64(inf->fwd_start));
		json_object_object_add(o, "forwarderRestarts",
				       json_object_new_int64(inf->fwd_restarts));
	}
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
	/* A record that names an unknown driver is damaged: its processes are not trusted. */
	const char *nd = rci_json_get_string(o, "netDriver");
	const char *pd = rci_json_get_string(o, "portDriver");
	rci_error_t tmp = NULL;
	bool damaged = (nd && lr_net_driver_parse(nd, &inf->net_driver, &tmp) < 0) ||
		       (pd && lr_port_driver_parse(pd, &inf->port_driver, &tmp) < 0);
	rci_error_release(&tmp);
	if (!pd)
		inf->port_driver = LR_PORT_SLIRP;
	bool pasta = inf->net_driver == LR_NET_PASTA;
	inf->net_pid = (pid_t)get_uint(o, pasta ? "pastaPid" : "slirpPid", LR_PID_MAX);
	inf->net_start = get_uint(o, pasta ? "pastaStart" : "slirpStart", UINT64_MAX);
	inf->fwd_pid = (pid_t)get_uint(o, "forwarderPid", LR_PID_MAX);
	inf->fwd_start = get_uint(o, "forwarderStart", UINT64_MAX);
	inf->fwd_restarts = (unsigned)get_uint(o, "forwarderRestarts", UINT32_MAX);
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
	if (damaged)
		inf->ready = false;
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
