/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "commands.h"
#include "json.h"
#include "validate.h"

/* print-cni-result ID NET: the cached final result of the ADD, as the chain returned it. */
int cmd_print_cni_result(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	if (rci_check_argc("print-cni-result", "ID NET", argc, 2, 2, err) < 0 ||
	    rci_validate_id(argv[0], err) < 0 || rci_validate_network(argv[1], err) < 0)
		return -1;
	struct rci_container_rec *rec = NULL;
	int idx;
	int r = rci_ctx_load_ready(ctx, argv[0], argv[1], &rec, &idx, err);
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
