/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "call.h"
#include "launcher_commands.h"
#include "json.h"
#include "log.h"
#include "ports.h"
#include "session.h"
#include "util.h"
#include "validate.h"

int lr_cmd_dealloc(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	if (argc != 3)
		return lr_usage_error(err, "dealloc ID NET", "expected ID and NET");
	const char *id = argv[1], *net = argv[2];
	/* Checked here too: with no infra running, dealloc would otherwise accept anything. */
	if (rci_validate_id(id, err) < 0 || rci_validate_network(net, err) < 0)
		return -1;
	struct lr_session s = {.lock_fd = -1};
	int ret = -1;
	if (lr_session_open(ctx, &s, err) < 0 || lr_session_shared(ctx, &s, false, err) < 0)
		goto out;
	/* No infra: the attachment died with it, which is what dealloc wants. */
	if (s.inf) {
		char *args[] = {"dealloc", (char *)id, (char *)net, NULL};
		cleanup_json json_object *r = lr_call_json(ctx, s.inf, args, err);
		if (!r)
			goto out;
		long long t0 = rci_now_ms();
		lr_ports_unpublish(ctx, s.inf, id, net);
		rci_debug_step("ports", t0, "unpublished what `%s` on `%s` had", id, net);
		/* The helper says whether attachments remain: then no reap (exclusive lock plus an
		 * is-idle exec) is needed now; any later change is reaped by whoever makes it. */
		json_object *idle = rci_json_get_type(r, "idle", json_type_boolean);
		if (idle && !json_object_get_boolean(idle)) {
			ret = 0;
			goto out;
		}
	}
	bool stopped;
	if (lr_session_exclusive(ctx, &s, err) < 0 || lr_session_reap(ctx, &s, &stopped, err) < 0)
		goto out;
	ret = 0;
out:
	lr_session_close(&s);
	return ret;
}
