/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "call.h"
#include "launcher_commands.h"
#include "json.h"
#include "ports.h"
#include "session.h"
#include "util.h"
#include "validate.h"

#include <string.h>

#define SYNOPSIS "gc [LIVE_ID]..."

/* Removes the slirp4netns forwards of each released "ID/NET" (the helper already DELeted it). */
static void unpublish_released(const struct lr_ctx *ctx, const struct lr_infra *inf,
			       json_object *out)
{
	json_object *released = rci_json_get_type(out, "released", json_type_array);
	for (size_t i = 0; released && i < json_object_array_length(released); i++) {
		const char *what = json_object_get_string(json_object_array_get_idx(released, i));
		const char *slash = what ? strchr(what, '/') : NULL;
		if (!slash)
			continue;
		cleanup_free char *id = xstrndup(what, (size_t)(slash - what));
		lr_ports_unpublish(ctx, inf, id, slash + 1);
	}
}

/*
 * gc [LIVE_ID...]: the helper's `gc` in the running infra (CNI GC semantics: every attachment
 * whose ID is not listed is released, with what interrupted operations left behind); then, like
 * dealloc, the infra stops when nothing is attached any more. No infra: nothing to collect.
 */
int lr_cmd_gc(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && strcmp(argv[i], "--") != 0)
			return lr_usage_error(err, SYNOPSIS, "unknown option `%s`", argv[i]);
		if (strcmp(argv[i], "--") != 0 && rci_validate_id(argv[i], err) < 0)
			return -1;
	}
	struct lr_session s = {.lock_fd = -1};
	cleanup_strv char **args = NULL;
	cleanup_json json_object *out = NULL;
	int ret = -1;
	rci_strv_push(&args, "gc");
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") != 0)
			rci_strv_push(&args, argv[i]);
	if (lr_session_open(ctx, &s, err) < 0 || lr_session_shared(ctx, &s, false, err) < 0)
		goto out;
	if (s.inf) {
		out = lr_call_json(ctx, s.inf, args, err);
		if (!out)
			goto out;
		unpublish_released(ctx, s.inf, out);
	} else {
		out = json_object_new_object();
		json_object_object_add(out, "released", json_object_new_array());
	}
	bool stopped;
	if (lr_session_exclusive(ctx, &s, err) < 0 || lr_session_reap(ctx, &s, &stopped, err) < 0)
		goto out;
	ret = rci_json_print(out, err);
out:
	lr_session_close(&s);
	return ret;
}
