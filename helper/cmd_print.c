/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "commands.h"
#include "json.h"
#include "util.h"
#include "validate.h"

#include <string.h>

static int load_ready(struct rci_ctx *ctx, const char *id, const char *net,
		      struct rci_container_rec **rec, int *idx, rci_error_t *err)
{
	if (rci_ctx_open_state(ctx, err) < 0)
		return -1;
	int r = rci_state_load(&ctx->st, id, rec, err);
	if (r == -1)
		return -1;
	*idx = -1;
	if (r == 0 && net)
		*idx = rci_container_rec_find(*rec, net);
	bool ready = false;
	for (size_t i = 0; r == 0 && i < (*rec)->n; i++)
		if (strcmp((*rec)->att[i].phase, RCI_PHASE_READY) == 0 && (!net || (int)i == *idx))
			ready = true;
	if (!ready) {
		if (net)
			return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
						   "container `%s` is not attached to network `%s`",
						   id, net);
		return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
					   "container `%s` has no network namespace", id);
	}
	return 0;
}

/* print-cni-result ID NET: the cached final result of the ADD, as the chain returned it. */
int cmd_print_cni_result(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	if (rci_check_argc("print-cni-result", "ID NET", argc, 2, 2, err) < 0 ||
	    rci_validate_id(argv[0], err) < 0 || rci_validate_network(argv[1], err) < 0)
		return -1;
	struct rci_container_rec *rec = NULL;
	int idx;
	int r = load_ready(ctx, argv[0], argv[1], &rec, &idx, err);
	if (r == 0) {
		struct cni_attachment att = {.container_id = argv[0],
					     .ifname = rec->att[idx].ifname};
		json_object *result = NULL;
		r = cni_get_cached_result(&ctx->rt, argv[1], &att, &result, err);
		if (r == -2)
			r = rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
						"no cached CNI result for `%s` on network `%s`",
						argv[0], argv[1]);
		if (r == 0) {
			r = rci_json_print(result, err);
			json_object_put(result);
		}
	}
	rci_container_rec_free(rec);
	return r;
}

/* print-netns-path ID: {"path": ..., "userns": ...}, both openable from the host. */
int cmd_print_netns_path(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	if (rci_check_argc("print-netns-path", "ID", argc, 1, 1, err) < 0 ||
	    rci_validate_id(argv[0], err) < 0)
		return -1;
	struct rci_container_rec *rec = NULL;
	int idx;
	int r = load_ready(ctx, argv[0], NULL, &rec, &idx, err);
	rci_container_rec_free(rec);
	if (r < 0)
		return -1;
	cleanup_free char *path = NULL, *userns = NULL;
	rci_ctx_host_paths(ctx, argv[0], &path, &userns);
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "userns", json_object_new_string(userns));
	return rci_json_print(o, err);
}
