/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cache.h"
#include "commands.h"
#include "discover.h"
#include "json.h"
#include "lock.h"
#include "log.h"
#include "masq.h"
#include "netns.h"
#include "testpoint.h"
#include "util.h"
#include "validate.h"

#include <string.h>
#include <sys/file.h>

/*
 * alloc [--netns PATH] ID NET POD_NAME IP MAC: attach ID to NET as eth<N>.
 * Order matters for rollback: everything is validated and the config found before anything
 * is created; the record says "adding" before the first plugin runs, so a crash is visible to gc.
 * With --netns (the OCI hook's engines, which make the netns themselves), ID's netns is the one
 * at PATH, pinned like our own, instead of a new one: the first alloc pins it, later ones must
 * name the same namespace.
 */
static int alloc_locked(struct rci_ctx *ctx, struct cni_netconf *conf, char **argv,
			const char *netns_src, json_object *capargs, rci_error_t *err)
{
	const char *id = argv[0], *net = argv[1];
	struct rci_container_rec *rec = NULL;
	int r = rci_state_load(&ctx->st, id, &rec, err);
	if (r == -1)
		return -1;
	if (r == -2)
		rec = rci_container_rec_new(id);
	int ret = -1;
	cleanup_free char *netns = rci_ctx_netns_path(ctx, id);
	cleanup_free char *ifname = NULL;
	bool created_netns = false, recorded = false, rolled_back = true;
	struct cni_args args = {0};
	json_object *result = NULL;

	int prev = rci_container_rec_find(rec, net);
	if (prev >= 0 && strcmp(rec->att[prev].phase, RCI_PHASE_READY) != 0) {
		/* We hold the ID's lock, so whoever left this half-done attachment is dead (flocks
		 * die with their holder): roll its attempt back, then allocate afresh. */
		rci_warning("rolling back an interrupted operation on `%s` network `%s`", id, net);
		if (rci_release_attachment(ctx, rec, (size_t)prev, err) < 0)
			goto out;
		prev = -1;
	}
	if (prev >= 0) {
		rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
				    "container `%s` is already attached to network `%s`", id, net);
		goto out;
	}
	ifname = rci_container_rec_next_ifname(rec);
	/* The cache name NET-ID-IFNAME can be another attachment's (names allow `-`): refuse it
	 * before anything exists. cni_cache_write checks again, locked, for a concurrent alloc. */
	if (cni_cache_check_owner(ctx->rt.cache_dir, net, id, ifname, err) < 0)
		goto out;
	struct rci_attachment_rec *a = rci_container_rec_add(rec);
	a->network = xstrdup(net);
	a->ifname = xstrdup(ifname);
	a->pod_name = xstrdup(argv[2]);
	a->ip = xstrdup(argv[3]);
	a->mac = xstrdup(argv[4]);
	a->phase = xstrdup(RCI_PHASE_ADDING);
	a->config = xstrdup(conf->path);
	if (rci_attachment_args(a, &args, err) < 0)
		goto out;

	if (rec->n == 1) {
		/* A new ID changes the set of attachments: hold the global lock while it appears.
		 */
		int g = rci_lock_at(ctx->st.dirfd, "lock", LOCK_EX, err);
		if (g < 0)
			goto out;
		r = rci_state_save(&ctx->st, rec, err);
		rci_unlock_at(ctx->st.dirfd, "lock", g, false);
	} else {
		r = rci_state_save(&ctx->st, rec, err);
	}
	if (r < 0)
		goto out;
	recorded = true;
	rci_testpoint("alloc:recorded");

	if (!rci_netns_is_pinned(netns)) {
		/* A leftover plain file from an interrupted create is removed first. */
		rci_netns_remove(netns, NULL);
		if ((netns_src ? rci_netns_pin(netns, netns_src, err)
			       : rci_netns_create(netns, err)) < 0)
			goto out;
		created_netns = true;
	} else if (netns_src && !rci_netns_same(netns, netns_src)) {
		rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
				    "container `%s` already has a network namespace, not `%s`", id,
				    netns_src);
		goto out;
	}
	rci_testpoint("alloc:netns");

	struct cni_attachment att = {
	    .container_id = id,
	    .netns = netns,
	    .ifname = ifname,
	    .args = &args,
	    .capability_args = capargs,
	};
	if (cni_add_network_list(&ctx->rt, conf, &att, &result, &rolled_back, err) < 0) {
		rci_error_wrap(err, "alloc `%s` on network `%s`", id, net);
		if (!rolled_back) {
			/* Keep the "adding" record and the netns: the next alloc of this
			 * attachment, or gc, retries the DEL instead of leaking what the plugins
			 * set up. */
			rci_error_wrap(err, "rollback incomplete, left for `gc`");
			rci_container_rec_free(rec);
			cni_args_clear(&args);
			return -1;
		}
		goto out;
	}
	rci_testpoint("alloc:added");
	free(rec->att[rec->n - 1].phase);
	rec->att[rec->n - 1].phase = xstrdup(RCI_PHASE_READY);
	/* Outbound needs it (masq.h): without the rule, nobody could use this attachment. */
	if (rci_masq_ensure(ctx->st.dirfd, &ctx->rt, conf, result, err) < 0 ||
	    rci_state_save(&ctx->st, rec, err) < 0) {
		/* Without a record nobody could ever DEL it: undo the ADD now. */
		rci_error_t derr = NULL;
		cni_del_network_list(&ctx->rt, net, conf, &att, &derr);
		rci_error_release(&derr);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		if (created_netns)
			rci_netns_remove(netns, NULL);
		if (recorded) {
			rec->n > 0 ? rci_container_rec_remove(rec, rec->n - 1) : (void)0;
			rci_error_t serr = NULL;
			if (rci_commit_record(ctx, rec, &serr) < 0) {
				cleanup_free char *t = rci_error_text(serr);
				rci_warning("rollback of the state record: %s", t);
				rci_error_release(&serr);
			}
		}
	} else {
		cleanup_free char *host_ns = NULL, *userns = NULL;
		rci_ctx_host_paths(ctx, id, &host_ns, &userns);
		cleanup_json json_object *o = json_object_new_object();
		json_object_object_add(o, "ns", json_object_new_string(host_ns));
		json_object_object_add(o, "ifname", json_object_new_string(ifname));
		/* Extra fields (Contract 1 allows them) spare the launcher two more execs:
		 * print-netns-path's userns, and print-cni-result's result. */
		json_object_object_add(o, "userns", json_object_new_string(userns));
		if (result)
			json_object_object_add(o, "result", json_object_get(result));
		ret = rci_json_print(o, err);
	}
	if (result)
		json_object_put(result);
	cni_args_clear(&args);
	rci_container_rec_free(rec);
	return ret;
}

/* The launcher passes -p mappings as the portMappings capability: RCI_PORT_MAPPINGS, a JSON array.
 */
static int port_mappings(json_object **capargs, rci_error_t *err)
{
	const char *pm = getenv("RCI_PORT_MAPPINGS");
	*capargs = NULL;
	if (!pm || !*pm)
		return 0;
	json_object *arr = rci_json_parse(pm, strlen(pm), "RCI_PORT_MAPPINGS", err);
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		if (arr)
			json_object_put(arr);
		rci_error_release(err);
		return rci_make_error_kind(
		    err, RCI_ERR_USAGE, 0,
		    "RCI_PORT_MAPPINGS must be a JSON array of port mappings");
	}
	*capargs = json_object_new_object();
	json_object_object_add(*capargs, "portMappings", arr);
	return 0;
}

/* --netns PATH: an absolute path, shown in messages. */
static int netns_option(int *argc, char ***argv, const char **src, rci_error_t *err)
{
	*src = NULL;
	if (*argc < 1 || strcmp((*argv)[0], "--netns") != 0)
		return 0;
	if (*argc < 2 || (*argv)[1][0] != '/' || strlen((*argv)[1]) > 4096) {
		cleanup_free char *shown = rci_printable(*argc < 2 ? "" : (*argv)[1], 64);
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "`alloc --netns` needs an absolute path, got `%s`",
					   shown);
	}
	*src = (*argv)[1];
	*argc -= 2;
	*argv += 2;
	return 0;
}

int cmd_alloc(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	const char *netns_src;
	if (netns_option(&argc, &argv, &netns_src, err) < 0 ||
	    rci_check_argc("alloc", "ID NET POD_NAME IP MAC", argc, 5, 5, err) < 0 ||
	    rci_validate_id(argv[0], err) < 0 || rci_validate_network(argv[1], err) < 0 ||
	    rci_validate_pod_name(argv[2], err) < 0 || rci_validate_ip(argv[3], err) < 0 ||
	    rci_validate_mac(argv[4], err) < 0)
		return -1;
	cleanup_json json_object *capargs = NULL;
	if (port_mappings(&capargs, err) < 0)
		return -1;
	struct cni_netconf *conf = NULL;
	long long t0 = rci_now_ms();
	if (cni_conf_find_dirs(ctx->config_dirs, argv[1], &conf, err) < 0)
		return -1;
	rci_debug_step("config", t0, "network `%s` from `%s`", argv[1], conf->path);
	if (rci_ctx_open_state(ctx, err) < 0) {
		cni_conf_free(conf);
		return -1;
	}
	int lk = rci_lock_id(ctx, argv[0], err);
	if (lk < 0) {
		cni_conf_free(conf);
		return -1;
	}
	int r = alloc_locked(ctx, conf, argv, netns_src, capargs, err);
	/* The lock file goes when the ID has no record left (a failed first alloc). */
	struct rci_container_rec *rec = NULL;
	rci_error_t tmp = NULL;
	bool gone = rci_state_load(&ctx->st, argv[0], &rec, &tmp) == -2;
	rci_error_release(&tmp);
	rci_container_rec_free(rec);
	rci_unlock_id(ctx, argv[0], lk, gone);
	cni_conf_free(conf);
	return r;
}
