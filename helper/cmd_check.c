/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "commands.h"
#include "discover.h"
#include "json.h"
#include "util.h"
#include "validate.h"

#include <string.h>

/* check ID NET: CNI CHECK of one attachment, with the ADD's cached parameters. */
int cmd_check(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	if (rci_check_argc("check", "ID NET", argc, 2, 2, err) < 0 ||
	    rci_validate_id(argv[0], err) < 0 || rci_validate_network(argv[1], err) < 0)
		return -1;
	if (rci_ctx_open_state(ctx, err) < 0)
		return -1;
	int lk = rci_lock_id(ctx, argv[0], err);
	if (lk < 0)
		return -1;
	struct rci_container_rec *rec = NULL;
	struct cni_netconf *conf = NULL;
	struct cni_args args = {0};
	int idx = -1;
	int r = rci_state_load(&ctx->st, argv[0], &rec, err);
	if (r == 0)
		idx = rci_container_rec_find(rec, argv[1]);
	if (r == -2 || (r == 0 && (idx < 0 || strcmp(rec->att[idx].phase, RCI_PHASE_READY) != 0))) {
		rci_error_release(err);
		r = rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
					"container `%s` is not attached to network `%s`", argv[0],
					argv[1]);
	}
	if (r == 0)
		r = cni_conf_find_dirs(ctx->config_dirs, argv[1], &conf, err);
	if (r == 0)
		r = rci_attachment_args(&rec->att[idx], &args, err);
	if (r == 0) {
		cleanup_free char *netns = rci_ctx_netns_path(ctx, argv[0]);
		struct cni_attachment att = {
		    .container_id = argv[0],
		    .netns = netns,
		    .ifname = rec->att[idx].ifname,
		    .args = &args,
		};
		r = cni_check_network_list(&ctx->rt, conf, &att, err);
		if (r < 0)
			rci_error_wrap(err, "check `%s` on network `%s`", argv[0], argv[1]);
	}
	cni_args_clear(&args);
	cni_conf_free(conf);
	bool gone = r == -2 || rec == NULL;
	rci_container_rec_free(rec);
	rci_unlock_id(ctx, argv[0], lk, gone);
	if (r < 0)
		return -1;
	cleanup_json json_object *o = json_object_new_object();
	return rci_json_print(o, err);
}
