/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fs.h"
#include "hook.h"
#include "hook_record.h"
#include "launcher_commands.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>

#define SYNOPSIS "oci-hook [createRuntime|prestart|poststop] <OCI_STATE"

/* What hooks get as environment is up to the runtime: often nothing (podman's poststop). */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * oci-hook [STAGE]: DESIGN.md Contract 3 (hook.h). Bad input (stage, state, annotations) exits 2
 * having done nothing; the state's id is validated before it names any file.
 */
int lr_cmd_hook(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	if (argc > 2)
		return lr_usage_error(err, SYNOPSIS, "too many arguments");
	if (!getenv("PATH"))
		setenv("PATH", DEFAULT_PATH, 1);
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (rci_read_all_fd(0, LR_HOOK_MAX_STATE, &text, &len, err) < 0)
		return rci_error_wrap(err, "read the OCI state from stdin");
	struct lr_hook_state st;
	if (lr_hook_state_parse(text, len, &st, err) < 0)
		return -1;
	enum lr_hook_stage stage;
	struct lr_hook_req req = {0};
	struct lr_state hooks = {.dfd = -1};
	int logfd = -1;
	int ret = -1;
	if (lr_hook_stage_parse(argc > 1 ? argv[1] : NULL, st.status, &stage, err) < 0)
		goto out;
	if (!lr_hook_wanted(&st)) {
		rci_debug("`%s` has no annotation `%s`: nothing to do", st.id, LR_ANN_NETWORKS);
		ret = 0;
		goto out;
	}
	/* Bad annotations leave nothing behind, not even a log: the runtime shows our stderr. */
	if (stage == LR_HOOK_CREATE && lr_hook_req_parse(&st, &req, err) < 0)
		goto out;
	if (lr_hook_dir_open(ctx, &hooks, err) < 0)
		goto out;
	logfd = lr_hook_log_open(&hooks, st.id, err);
	if (logfd < 0)
		goto out;
	rci_log_tee(logfd);
	rci_debug("%s of `%s` (pid %d, in user namespace `%s`)",
		  stage == LR_HOOK_CREATE ? "createRuntime" : "poststop", st.id, (int)st.pid,
		  ctx->key);
	if (stage == LR_HOOK_CREATE)
		ret = lr_hook_create(ctx, &st, &req, &hooks, err);
	else
		ret = lr_hook_poststop(ctx, &st, &hooks, err);
	if (ret < 0) {
		cleanup_free char *msg = rci_error_text(*err);
		rci_debug("failed: %s", msg);
	}
	rci_log_tee(-1);
	/* A failed createRuntime rolled back everything, and runtimes show its stderr: its log
	 * goes too, unless an earlier container of that ID still has a record. A failed
	 * poststop keeps it: nobody shows a poststop's stderr. */
	if (ret < 0 && stage == LR_HOOK_CREATE)
		lr_hook_log_remove(&hooks, st.id);
out:
	if (logfd >= 0)
		close(logfd);
	lr_state_close(&hooks);
	lr_hook_req_clear(&req);
	lr_hook_state_clear(&st);
	return ret;
}
