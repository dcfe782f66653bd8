/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI hook's poststop (hook.h). */
#include "call.h"
#include "hook.h"
#include "hook_record.h"
#include "json.h"
#include "log.h"
#include "ports.h"
#include "session.h"
#include "util.h"

#include <string.h>

/* Every attachment of @id the infra lists: dealloc, then its forwards. */
static int release_all(struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
		       rci_error_t *err)
{
	cleanup_strv char **nets = NULL;
	if (lr_call_networks(ctx, inf, id, &nets, err) < 0)
		return -1;
	for (size_t i = 0; nets[i]; i++) {
		char *args[] = {"dealloc", (char *)id, nets[i], NULL};
		cleanup_json json_object *r = lr_call_json(ctx, inf, args, err);
		if (!r)
			return -1;
		lr_ports_unpublish(ctx, inf, id, nets[i]);
		rci_debug("`%s` released from `%s`", id, nets[i]);
	}
	return 0;
}

int lr_hook_poststop(struct lr_ctx *ctx, const struct lr_hook_state *st,
		     const struct lr_state *hooks, rci_error_t *err)
{
	struct lr_hook_record rec;
	int r = lr_hook_record_load(hooks, st->id, &rec, err);
	if (r == -2) {
		rci_debug("poststop of `%s`: no record, nothing attached", st->id);
		lr_hook_record_remove(hooks, st->id, true);
		return 0;
	}
	if (r < 0)
		return -1;
	struct lr_session s = {.lock_fd = -1};
	int ret = -1;
	if (strcmp(rec.key, ctx->key) != 0) {
		/* Not ours to reach: its attachments live and die with that infra, which the
		 * sweep of keys.h stops once nothing else uses its namespace. */
		rci_warning("container `%s` was networked by the infra `%s`, and this hook runs in "
			    "user namespace `%s`: leaving it to that infra",
			    st->id, rec.key, ctx->key);
		ret = 0;
		goto done;
	}
	if (lr_ctx_set_base(ctx, rec.state_base, err) < 0 || lr_session_open(ctx, &s, err) < 0 ||
	    lr_session_shared(ctx, &s, false, err) < 0)
		goto out;
	if (s.inf && release_all(ctx, s.inf, st->id, err) < 0)
		goto out;
	bool stopped;
	if (lr_session_exclusive(ctx, &s, err) < 0 || lr_session_reap(ctx, &s, &stopped, err) < 0)
		goto out;
	rci_debug("poststop of `%s` done%s", st->id, stopped ? "; the infra stopped" : "");
	ret = 0;
done:
	lr_hook_record_remove(hooks, st->id, true);
out:
	if (ret < 0)
		rci_error_wrap(err, "container `%s`", st->id);
	lr_session_close(&s);
	lr_hook_record_clear(&rec);
	return ret;
}
