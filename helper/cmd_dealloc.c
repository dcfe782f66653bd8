/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "commands.h"
#include "json.h"
#include "util.h"
#include "validate.h"

/* dealloc ID NET: idempotent; unknown ID or network is success (Contract 1). */
int cmd_dealloc(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	if (rci_check_argc("dealloc", "ID NET", argc, 2, 2, err) < 0 ||
	    rci_validate_id(argv[0], err) < 0 || rci_validate_network(argv[1], err) < 0)
		return -1;
	if (rci_ctx_open_state(ctx, err) < 0)
		return -1;
	const char *id = argv[0];
	int lk = rci_lock_id(ctx, id, err);
	if (lk < 0)
		return -1;
	struct rci_container_rec *rec = NULL;
	int r = rci_state_load(&ctx->st, id, &rec, err);
	int ret = 0;
	if (r == -1) {
		ret = -1;
	} else if (r == 0) {
		int idx = rci_container_rec_find(rec, argv[1]);
		if (idx >= 0)
			ret = rci_release_attachment(ctx, rec, (size_t)idx, err);
	}
	bool gone = r == -2 || (rec && rec->n == 0);
	rci_container_rec_free(rec);
	rci_unlock_id(ctx, id, lk, gone && ret == 0);
	if (ret < 0)
		return -1;
	/* `idle` (an extra field) lets the launcher skip its is-idle exec when others remain. */
	return rci_ctx_print_idle(ctx, err);
}
