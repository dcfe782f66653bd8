/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "commands.h"
#include "json.h"
#include "util.h"
#include "validate.h"

/* print-netns-path ID: {"path": ..., "userns": ...}, both openable from the host. */
int cmd_print_netns_path(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	if (rci_check_argc("print-netns-path", "ID", argc, 1, 1, err) < 0 ||
	    rci_validate_id(argv[0], err) < 0)
		return -1;
	struct rci_container_rec *rec = NULL;
	int idx;
	int r = rci_ctx_load_ready(ctx, argv[0], NULL, &rec, &idx, err);
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
