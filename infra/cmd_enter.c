/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "call.h"
#include "commands.h"
#include "json.h"
#include "runtime.h"
#include "session.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <string.h>

#define SYNOPSIS "enter ID -- CMD..."

int lr_cmd_enter(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	if (argc < 2)
		return lr_usage_error(err, SYNOPSIS, "ID is required");
	const char *id = argv[1];
	int first = 2;
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	if (first >= argc)
		return lr_usage_error(err, SYNOPSIS, "no command given");
	struct lr_session s = {.lock_fd = -1};
	int ret = -1;
	cleanup_close int userfd = -1;
	cleanup_close int netfd = -1;
	cleanup_json json_object *paths = NULL;
	cleanup_free char *userns = NULL;
	if (lr_session_open(ctx, &s, err) < 0 || lr_session_shared(ctx, &s, false, err) < 0)
		goto out;
	if (!s.inf) {
		rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0, "the infra is not running");
		goto out;
	}
	char *args[] = {"print-netns-path", (char *)id, NULL};
	paths = lr_call_json(ctx, s.inf, args, err);
	if (!paths)
		goto out;
	const char *netns = rci_json_get_string(paths, "path");
	userns = lr_infra_userns_path(s.inf);
	if (!netns) {
		rci_make_error(err, 0, "helper printed no netns path for `%s`", id);
		goto out;
	}
	/* Opened as the host user first: the paths resolve in the host's mount namespace. */
	userfd = open(userns, O_RDONLY | O_CLOEXEC);
	netfd = open(netns, O_RDONLY | O_CLOEXEC);
	if (userfd < 0 || netfd < 0) {
		rci_make_error(err, errno, "open `%s`", userfd < 0 ? userns : netns);
		goto out;
	}
	if (lr_join_userns(userfd) < 0) {
		rci_make_error(err, errno, "join the user namespace `%s`", userns);
		goto out;
	}
	if (setns(netfd, CLONE_NEWNET) < 0) {
		rci_make_error(err, errno, "join the network namespace `%s`", netns);
		goto out;
	}
	/* The lock fd is close-on-exec: CMD does not hold the launcher lock. */
	fflush(stdout);
	execvp(argv[first], argv + first);
	rci_make_error_kind(err, errno == ENOENT ? RCI_ERR_NOT_FOUND : RCI_ERR_FAILED, errno,
			    "exec `%s`", argv[first]);
out:
	lr_session_close(&s);
	return ret;
}
