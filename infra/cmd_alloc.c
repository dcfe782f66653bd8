/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "attach.h"
#include "call.h"
#include "launcher_commands.h"
#include "json.h"
#include "log.h"
#include "netconf.h"
#include "ports.h"
#include "session.h"
#include "userns.h"
#include "util.h"
#include "validate.h"

#include <string.h>

#define SYNOPSIS "alloc ID NET [POD_NAME [IP [MAC]]] [-p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]]..."

int lr_cmd_alloc(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	char *pos[5] = {NULL, NULL, NULL, "", ""};
	size_t npos = 0;
	struct lr_port *ports = xmalloc0(sizeof(*ports) * (size_t)argc);
	size_t nports = 0;
	int ret = -1;
	struct lr_session s = {.lock_fd = -1};
	json_object *out = NULL;
	cleanup_json json_object *alloc = NULL;
	cleanup_json json_object *paths = NULL;
	cleanup_free char *userns = NULL;

	for (int i = 1; i < argc; i++) {
		const char *spec = NULL;
		if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--publish")) {
			if (i + 1 >= argc) {
				lr_usage_error(err, SYNOPSIS, "`%s` needs a value", argv[i]);
				goto out;
			}
			spec = argv[++i];
		} else if (!strncmp(argv[i], "--publish=", 10)) {
			spec = argv[i] + 10;
		} else if (!strncmp(argv[i], "-p", 2) && argv[i][2]) {
			spec = argv[i] + 2;
		}
		if (spec) {
			if (lr_port_parse(spec, &ports[nports++], err) < 0)
				goto out;
			continue;
		}
		if (npos == 5) {
			lr_usage_error(err, SYNOPSIS, "too many arguments");
			goto out;
		}
		pos[npos++] = argv[i];
	}
	if (npos < 2) {
		lr_usage_error(err, SYNOPSIS, "ID and NET are required");
		goto out;
	}
	if (lr_ports_check_dups(ports, nports, err) < 0)
		goto out;
	const char *id = pos[0], *net = pos[1];
	/* The pod name is the container's hostname for dnsname: default to the ID. */
	const char *pod = npos > 2 ? pos[2] : id;
	if (!*id || !*net) {
		lr_usage_error(err, SYNOPSIS, "ID and NET must not be empty");
		goto out;
	}
	/* The helper's own validation (shared library): bad input never starts an infra. */
	if (rci_validate_id(id, err) < 0 || rci_validate_network(net, err) < 0 ||
	    rci_validate_pod_name(pod, err) < 0 || (*pos[3] && rci_validate_ip(pos[3], err) < 0) ||
	    (*pos[4] && rci_validate_mac(pos[4], err) < 0))
		goto out;
	/* The network is checked under the lock (netconf.h: --image), before anything starts. */
	if (lr_session_open(ctx, &s, err) < 0 || lr_session_shared(ctx, &s, false, err) < 0 ||
	    lr_netconf_check(ctx, net, err) < 0)
		goto out;
	/* Host ports, the infra (started if need be), CNI ADD, publish (attach.h). */
	struct lr_attach a = {.id = id,
			      .net = net,
			      .pod = pod,
			      .ip = pos[3],
			      .mac = pos[4],
			      .ports = ports,
			      .nports = nports};
	alloc = lr_attach(ctx, &s, &a, err);
	if (!alloc)
		goto reap;
	json_object *result = json_object_get(rci_json_get_type(alloc, "result", json_type_object));
	out = json_object_new_object();
	if (rci_json_get_string(alloc, "userns")) {
		paths = json_object_get(alloc);
	} else {
		char *pargs[] = {"print-netns-path", (char *)id, NULL};
		paths = lr_call_json(ctx, s.inf, pargs, err);
		if (!paths) {
			json_object_put(result);
			goto undo;
		}
	}
	const char *netns = rci_json_get_string(alloc, "ns");
	if (!netns)
		netns = rci_json_get_string(paths, "path");
	userns = lr_infra_userns_path(s.inf);
	const char *u = rci_json_get_string(paths, "userns");
	json_object *uidm = lr_infra_mappings(s.inf, false, err);
	json_object *gidm = uidm ? lr_infra_mappings(s.inf, true, err) : NULL;
	if (!netns || !gidm) {
		if (!netns)
			rci_make_error(err, 0, "helper `alloc` printed no netns path: `%s`",
				       rci_json_str(alloc));
		json_object_put(uidm);
		json_object_put(result);
		goto undo;
	}
	json_object_object_add(out, "netns", json_object_new_string(netns));
	json_object_object_add(out, "userns", json_object_new_string(u ? u : userns));
	json_object_object_add(out, "uidMappings", uidm);
	json_object_object_add(out, "gidMappings", gidm);
	const char *ifname = rci_json_get_string(alloc, "ifname");
	if (ifname)
		json_object_object_add(out, "ifname", json_object_new_string(ifname));
	json_object_object_add(out, "result", result);
	if (rci_json_print(out, err) < 0)
		goto undo;
	ret = 0;
	goto out;
undo:
	lr_attach_undo(ctx, s.inf, id, net);
reap:
	/* A failed first alloc must not leave an idle infra running. */
	if (s.inf) {
		bool stopped;
		rci_error_t tmp = NULL;
		if (lr_session_exclusive(ctx, &s, &tmp) < 0 ||
		    lr_session_reap(ctx, &s, &stopped, &tmp) < 0)
			rci_debug("reap after a failed alloc: %s", tmp->msg);
		rci_error_release(&tmp);
	}
out:
	json_object_put(out);
	lr_session_close(&s);
	free(ports);
	return ret;
}
