/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "discover.h"
#include "image.h"
#include "json.h"
#include "launcher_commands.h"
#include "session.h"
#include "util.h"

/*
 * networks: what NET can be, read on the host by the helper's rules (discover.h) from the dirs
 * the infra sees (the running one's, or a start's): [{"name", "file"}], the user's dir first, a
 * name once (the file a lookup loads: a user network shadows a shipped one). For users, and for
 * the bash completion.
 */
int lr_cmd_networks(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	(void)argv;
	if (argc != 1)
		return lr_usage_error(err, "networks", "no arguments expected");
	struct lr_session s = {.lock_fd = -1};
	int ret = -1;
	/* Under the lock: the image (--image) is prepared there, and a running infra's dirs read.
	 */
	if (lr_session_open(ctx, &s, err) == 0 && lr_session_shared(ctx, &s, false, err) == 0 &&
	    lr_image_setup(ctx, err) == 0 && lr_ctx_resolve_cni(ctx, err) == 0) {
		cleanup_json json_object *list = cni_conf_list(ctx->cni_dirs);
		ret = rci_json_print(list, err);
	}
	lr_session_close(&s);
	return ret;
}
