/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "call.h"
#include "dnstext.h"
#include "launcher_commands.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "userns.h"
#include "session.h"
#include "state.h"
#include "slirp.h"
#include "util.h"
#include "validate.h"

#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>

#define SYNOPSIS "enter ID -- CMD..."

/*
 * The container's resolv.conf, as an engine would write it from the CNI results (their `dns`:
 * nameservers, search, options) of every network ID is attached to, in attachment order. A
 * network without DNS (no dnsname in its chain) leaves the container slirp4netns' forwarder,
 * which the container reaches through the infra's masquerading.
 */
static char *resolv_conf(const struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
			 rci_error_t *err)
{
	cleanup_strv char **nets = NULL;
	if (lr_call_networks(ctx, inf, id, &nets, err) < 0)
		return NULL;
	size_t n = rci_strv_len(nets), got = 0;
	json_object **results = xmalloc0((n ? n : 1) * sizeof(*results));
	char *text = NULL, *body = NULL;
	for (; got < n; got++) {
		char *rargs[] = {"print-cni-result", (char *)id, nets[got], NULL};
		results[got] = lr_call_json(ctx, inf, rargs, err);
		if (!results[got])
			goto out;
	}
	body = lr_dnstext_resolv(results, got, LR_SLIRP_DNS);
	text = xasprintf("# rootless-cni-launcher enter: DNS of `%s` from its CNI results\n%s", id,
			 body);
out:
	for (size_t i = 0; i < got; i++)
		json_object_put(results[i]);
	free(results);
	free(body);
	return text;
}

/* Removes this process's resolv.conf file of the state dir, if any. */
static void remove_temp(const struct lr_ctx *ctx)
{
	cleanup_free char *name = xasprintf(LR_STATE_ENTER_RESOLV_FMT, (int)getpid());
	unlinkat(ctx->state.dfd, name, 0);
}

/* Writes @text to a new file of the state dir; returns its path (for mount) or NULL with *err. */
static char *write_temp(const struct lr_ctx *ctx, const char *text, rci_error_t *err)
{
	cleanup_free char *name = xasprintf(LR_STATE_ENTER_RESOLV_FMT, (int)getpid());
	/* A file left by a killed enter whose pid we now have: ours to replace. */
	remove_temp(ctx);
	cleanup_close int fd = openat(ctx->state.dfd, name,
				      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || rci_write_all(fd, text, strlen(text)) < 0) {
		rci_make_error(err, errno, "write `%s/%s`", ctx->state.dir, name);
		if (fd >= 0)
			remove_temp(ctx);
		return NULL;
	}
	return lr_state_path(&ctx->state, name);
}

/*
 * After joining the user namespace: a mount namespace of our own (a copy of the host's, its
 * mounts slaves so nothing propagates back) where /etc/resolv.conf is @conf. A host without
 * /etc/resolv.conf keeps its resolver: warned, not fatal.
 */
static int private_resolv_conf(const char *conf, rci_error_t *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return rci_make_error(err, errno, "create a mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return rci_make_error(err, errno, "make the mounts of `/` slaves");
	if (mount(conf, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
		rci_warning("cannot bind the container's DNS configuration over "
			    "/etc/resolv.conf: %s",
			    strerror(errno));
	return 0;
}

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
	if (rci_validate_id(id, err) < 0)
		return -1;
	struct lr_session s = {.lock_fd = -1};
	int ret = -1;
	cleanup_close int userfd = -1;
	cleanup_close int netfd = -1;
	cleanup_json json_object *paths = NULL;
	cleanup_free char *userns = NULL;
	cleanup_free char *text = NULL;
	cleanup_free char *conf = NULL;
	if (lr_session_open(ctx, &s, err) < 0 || lr_session_shared(ctx, &s, false, err) < 0)
		goto out;
	if (!s.inf) {
		rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
				    "the infra is not running for user namespace `%s`", ctx->key);
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
	text = resolv_conf(ctx, s.inf, id, err);
	if (!text)
		goto out;
	/* Opened as the host user first: the paths resolve in the host's mount namespace. */
	userfd = open(userns, O_RDONLY | O_CLOEXEC);
	netfd = open(netns, O_RDONLY | O_CLOEXEC);
	if (userfd < 0 || netfd < 0) {
		rci_make_error(err, errno, "open `%s`", userfd < 0 ? userns : netns);
		goto out;
	}
	/* Opened by pid: still the infra's only if that pid was not reused meanwhile. */
	if (!lr_infra_alive(s.inf)) {
		rci_make_error(err, ESRCH, "the infra (pid %d) exited", (int)s.inf->pid);
		goto out;
	}
	conf = write_temp(ctx, text, err);
	if (!conf)
		goto out;
	if (lr_join_userns(userfd) < 0) {
		rci_make_error(err, errno, "join the user namespace `%s`", userns);
		goto out;
	}
	if (setns(netfd, CLONE_NEWNET) < 0) {
		rci_make_error(err, errno, "join the network namespace `%s`", netns);
		goto out;
	}
	if (private_resolv_conf(conf, err) < 0)
		goto out;
	/* The mount holds the file: its name can go now. */
	remove_temp(ctx);
	/* The lock fd is close-on-exec: CMD does not hold the launcher lock. */
	fflush(stdout);
	execvp(argv[first], argv + first);
	rci_make_error_kind(err, errno == ENOENT ? RCI_ERR_NOT_FOUND : RCI_ERR_FAILED, errno,
			    "exec `%s`", argv[first]);
out:
	if (conf)
		remove_temp(ctx);
	lr_session_close(&s);
	return ret;
}
