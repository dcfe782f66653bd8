/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "call.h"
#include "launcher_commands.h"
#include "infra.h"
#include "json.h"
#include "keys.h"
#include "portfwd.h"
#include "session.h"
#include "userns.h"
#include "util.h"

int lr_cmd_status(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	(void)argv;
	if (argc != 1)
		return lr_usage_error(err, "status", "no arguments expected");
	struct lr_session s = {.lock_fd = -1};
	int ret = -1;
	cleanup_json json_object *o = json_object_new_object();
	if (lr_session_open(ctx, &s, err) < 0 || lr_session_shared(ctx, &s, false, err) < 0)
		goto out;
	json_object_object_add(o, "running", json_object_new_boolean(s.inf != NULL));
	json_object_object_add(o, "stateDir", json_object_new_string(ctx->state.dir));
	json_object_object_add(o, "key", json_object_new_string(ctx->key));
	/* Where networks come from, in lookup order: the running infra's, or a start's. */
	if (lr_ctx_resolve_cni(ctx, err) < 0)
		goto out;
	json_object *dirs = json_object_new_array();
	for (size_t i = 0; ctx->cni_dirs && ctx->cni_dirs[i]; i++)
		json_object_array_add(dirs, json_object_new_string(ctx->cni_dirs[i]));
	json_object_object_add(o, "cniConfigDirs", dirs);
	if (s.inf) {
		cleanup_free char *userns = lr_infra_userns_path(s.inf);
		json_object_object_add(o, "pid", json_object_new_int(s.inf->pid));
		json_object_object_add(o, "runtime", json_object_new_string(s.inf->rt.name));
		json_object_object_add(o, "runtimePath", json_object_new_string(s.inf->rt.path));
		json_object_object_add(o, "bundle", json_object_new_string(s.inf->bundle));
		json_object_object_add(o, "userns", json_object_new_string(userns));
		json_object_object_add(o, "ownUserns", json_object_new_boolean(s.inf->own_userns));
		json_object_object_add(o, "allowHostLoopback",
				       json_object_new_boolean(s.inf->allow_host_loopback));
		if (s.inf->image) /* --image: the manifest digest it runs from */
			json_object_object_add(o, "image", json_object_new_string(s.inf->image));
		rci_error_t tmp = NULL;
		json_object *m = lr_infra_mappings(s.inf, false, &tmp);
		if (m)
			json_object_object_add(o, "uidMappings", m);
		m = lr_infra_mappings(s.inf, true, &tmp);
		if (m)
			json_object_object_add(o, "gidMappings", m);
		rci_error_release(&tmp);
		json_object_object_add(
		    o, "netDriver", json_object_new_string(lr_net_driver_name(s.inf->net_driver)));
		json_object_object_add(
		    o, "portDriver",
		    json_object_new_string(lr_port_driver_name(s.inf->port_driver)));
		json_object *net = json_object_new_object();
		json_object_object_add(net, "pid", json_object_new_int(s.inf->net_pid));
		if (s.inf->net_driver == LR_NET_SLIRP)
			json_object_object_add(net, "apiSocket",
					       json_object_new_string(s.inf->api_socket));
		json_object_object_add(o, lr_net_driver_name(s.inf->net_driver), net);
		if (s.inf->port_driver == LR_PORT_FORWARDER)
			json_object_object_add(o, "forwarder", lr_portfwd_status(ctx, s.inf));
		char *args[] = {"is-idle", NULL};
		cleanup_json json_object *idle = lr_call_json(ctx, s.inf, args, &tmp);
		json_object *b;
		if (idle && json_object_object_get_ex(idle, "idle", &b))
			json_object_object_add(o, "idle", json_object_get(b));
		rci_error_release(&tmp);
	} else {
		json_object_object_add(o, "leftovers",
				       json_object_new_boolean(lr_infra_leftovers(ctx)));
	}
	/* Every user namespace's infra (statekey.h), this one's included. */
	json_object_object_add(o, "infras", lr_keys_status(ctx));
	ret = rci_json_print(o, err);
out:
	lr_session_close(&s);
	return ret;
}
