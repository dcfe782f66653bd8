/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "call.h"
#include "json.h"
#include "log.h"
#include "runtime.h"
#include "service_call.h"
#include "userns.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

/* Joined in this order: the user namespace grants the rights to join the other two. */
static const struct {
	const char *name;
	int type;
} infra_ns[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}, {"net", CLONE_NEWNET}};

static int join_infra(void *data)
{
	const int *fds = data;
	if (lr_join_userns(fds[0]) < 0)
		return -1;
	for (size_t i = 1; i < RCI_ARRAY_SIZE(infra_ns); i++)
		if (setns(fds[i], infra_ns[i].type) < 0)
			return -1;
	return chdir("/");
}

static char **helper_argv(const struct lr_ctx *ctx, char *const *args)
{
	char **argv = NULL;
	rci_strv_push(&argv, LR_IN_HELPER);
	if (ctx->debug)
		rci_strv_push(&argv, "--debug");
	for (size_t i = 0; args && args[i]; i++)
		rci_strv_push(&argv, args[i]);
	return argv;
}

static int open_ns(const struct lr_infra *inf, const char *which)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)inf->pid, which);
	return open(p, O_RDONLY | O_CLOEXEC);
}

static void setup_io(struct rci_spawn *sp, bool passthrough)
{
	if (passthrough) {
		sp->in_fd = 0;
		sp->out_fd = 1;
		sp->err_fd = 2;
	} else {
		sp->timeout_ms = LR_SERVICE_TIMEOUT_MS;
		sp->max_output = LR_SERVICE_MAX_OUTPUT;
	}
}

static int call_direct(const struct lr_ctx *ctx, const struct lr_infra *inf, char *const *args,
		       bool passthrough, struct rci_spawn_result *res, rci_error_t *err)
{
	int fds[RCI_ARRAY_SIZE(infra_ns)];
	int ret = -1;
	/* Declared before the first goto: a jump past their initialisation would free garbage. */
	cleanup_strv char **argv = NULL;
	cleanup_strv char **env = NULL;
	for (size_t i = 0; i < RCI_ARRAY_SIZE(infra_ns); i++)
		fds[i] = open_ns(inf, infra_ns[i].name);
	for (size_t i = 0; i < RCI_ARRAY_SIZE(infra_ns); i++) {
		if (fds[i] < 0) {
			rci_make_error(err, errno,
				       "open the %s namespace of the infra `%s` (pid %d)",
				       infra_ns[i].name, ctx->key, (int)inf->pid);
			goto out;
		}
	}
	/* Opened by pid: still the infra's only if that pid was not reused meanwhile. */
	if (!lr_infra_alive(inf)) {
		rci_make_error(err, ESRCH, "the infra (pid %d) exited", (int)inf->pid);
		goto out;
	}
	argv = helper_argv(ctx, args);
	env = lr_infra_env(ctx, inf);
	struct rci_spawn sp;
	rci_spawn_init(&sp);
	sp.path = LR_IN_HELPER;
	sp.argv = argv;
	sp.envp = env;
	sp.child_setup = join_infra;
	sp.child_data = fds;
	sp.etxtbsy_retries = 1;
	if (ctx->helper_fd >= 0) {
		sp.extra_fds = &ctx->helper_fd;
		sp.n_extra = 1;
	}
	setup_io(&sp, passthrough);
	ret = rci_spawn_run(&sp, res, err);
out:
	for (size_t i = 0; i < RCI_ARRAY_SIZE(infra_ns); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

static int call_runtime(const struct lr_ctx *ctx, const struct lr_infra *inf, char *const *args,
			bool passthrough, struct rci_spawn_result *res, rci_error_t *err)
{
	cleanup_strv char **env = lr_infra_env(ctx, inf);
	cleanup_strv char **hargv = helper_argv(ctx, args);
	cleanup_strv char **rargs = NULL;
	rci_strv_push(&rargs, "exec");
	if (ctx->helper_fd >= 0)
		rci_strv_push(&rargs, "--preserve-fds=1");
	for (size_t i = 0; env[i]; i++) {
		rci_strv_push(&rargs, "--env");
		rci_strv_push(&rargs, env[i]);
	}
	rci_strv_push(&rargs, LR_CONTAINER_ID);
	for (size_t i = 0; hargv[i]; i++)
		rci_strv_push(&rargs, hargv[i]);
	cleanup_strv char **argv = lr_runtime_argv(&inf->rt, inf->runtime_root, rargs);
	cleanup_close int user = inf->own_userns ? open_ns(inf, "user") : -1;
	if (inf->own_userns && (user < 0 || !lr_infra_alive(inf)))
		return rci_make_error(err, user < 0 ? errno : ESRCH,
				      "open the user namespace of the infra `%s` (pid %d)",
				      ctx->key, (int)inf->pid);
	extern char **environ;
	struct rci_spawn sp;
	rci_spawn_init(&sp);
	sp.path = inf->rt.path;
	sp.argv = argv;
	sp.envp = environ;
	sp.child_setup = lr_userns_join_hook;
	sp.child_data = &user;
	if (ctx->helper_fd >= 0) {
		sp.extra_fds = &ctx->helper_fd;
		sp.n_extra = 1;
	}
	setup_io(&sp, passthrough);
	if (rci_spawn_run(&sp, res, err) < 0)
		return rci_error_wrap(err, "%s exec", inf->rt.name);
	return 0;
}

#define HELPER_DEBUG_PREFIX "rootless-cni-infra: debug: "

/*
 * The helper's --debug lines out of its captured stderr, in order, onto ours (with --debug:
 * stdout stays the contract's); what is left is its message, which lr_call_json reads.
 */
static void forward_debug(const struct lr_ctx *ctx, struct rci_spawn_result *res)
{
	char *keep = res->err;
	for (char *line = res->err; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (!strncmp(line, HELPER_DEBUG_PREFIX, strlen(HELPER_DEBUG_PREFIX))) {
			if (ctx->debug)
				fprintf(stderr, "%.*s%s", (int)len, line, nl ? "" : "\n");
		} else {
			memmove(keep, line, len);
			keep += len;
		}
		line += len;
	}
	if (res->err) {
		*keep = '\0';
		res->err_len = (size_t)(keep - res->err);
	}
}

/* "exec: helper alloc via ... (N ms)", once the helper's own lines are out. */
static void debug_call(const struct lr_ctx *ctx, const struct lr_infra *inf, char *const *args,
		       const char *via, long long t0, const struct rci_spawn_result *res)
{
	if (!ctx->debug)
		return;
	cleanup_free char *how = rci_spawn_describe_status(res, LR_SERVICE_TIMEOUT_MS);
	rci_debug_step("exec", t0, "helper %s via %s (infra pid %d): %s", args[0], via,
		       (int)inf->pid, how);
}

/* 0: the service ran the helper; 1: there is none (nothing ran); -1 with *err. */
static int call_service(const struct lr_ctx *ctx, const struct lr_infra *inf, char *const *args,
			bool passthrough, struct rci_spawn_result *res, rci_error_t *err)
{
	cleanup_strv char **argv = helper_argv(ctx, args);
	cleanup_strv char **env = lr_infra_env(ctx, inf);
	return lr_call_service(inf, argv, env, ctx->helper_fd, passthrough, res, err);
}

int lr_call_helper(const struct lr_ctx *ctx, const struct lr_infra *inf, char *const *args,
		   bool passthrough, struct rci_spawn_result *res, rci_error_t *err)
{
	long long t0 = rci_now_ms();
	if (ctx->exec_mode == LR_EXEC_AUTO || ctx->exec_mode == LR_EXEC_SERVICE) {
		int r = call_service(ctx, inf, args, passthrough, res, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			forward_debug(ctx, res);
			debug_call(ctx, inf, args, "the helper service", t0, res);
			return 0;
		}
		if (ctx->exec_mode == LR_EXEC_SERVICE)
			return rci_make_error(err, ENOENT,
					      "the infra `%s` (pid %d) has no helper service that "
					      "takes the request",
					      ctx->key, (int)inf->pid);
		rci_debug_step("exec", t0,
			       "no helper service in the infra, or it refused; joining it");
	}
	if (ctx->exec_mode != LR_EXEC_RUNTIME) {
		rci_error_t tmp = NULL;
		if (call_direct(ctx, inf, args, passthrough, res, &tmp) == 0) {
			forward_debug(ctx, res);
			debug_call(ctx, inf, args, "namespace join (user, mnt, net)", t0, res);
			return 0;
		}
		if (ctx->exec_mode == LR_EXEC_DIRECT) {
			*err = tmp;
			return -1;
		}
		cleanup_free char *text = rci_error_text(tmp);
		rci_debug_step("exec", t0, "joining the infra directly failed (%s); using %s exec",
			       text, inf->rt.name);
		rci_error_release(&tmp);
	}
	if (call_runtime(ctx, inf, args, passthrough, res, err) < 0)
		return -1;
	forward_debug(ctx, res);
	cleanup_free char *via = xasprintf("%s exec", inf->rt.name);
	debug_call(ctx, inf, args, via, t0, res);
	return 0;
}

json_object *lr_call_json(const struct lr_ctx *ctx, const struct lr_infra *inf, char *const *args,
			  rci_error_t *err)
{
	struct rci_spawn_result res;
	if (lr_call_helper(ctx, inf, args, false, &res, err) < 0)
		return NULL;
	json_object *obj = NULL;
	if (res.exit_code != 0 || res.term_signal || res.timed_out) {
		/* The helper's own message, without its program prefix: we print ours. */
		char *msg = res.err;
		static const char *const prefixes[] = {"rootless-cni-infra: error: ",
						       "rootless-cni-infra: "};
		for (size_t i = 0; i < RCI_ARRAY_SIZE(prefixes); i++) {
			char *p = strstr(msg, prefixes[i]);
			if (p) {
				msg = p + strlen(prefixes[i]);
				break;
			}
		}
		cleanup_free char *line = rci_one_line(msg, 0);
		cleanup_free char *how = rci_spawn_describe_status(&res, LR_SERVICE_TIMEOUT_MS);
		int kind =
		    res.exit_code >= 1 && res.exit_code <= 4 ? res.exit_code : RCI_ERR_FAILED;
		if (*line)
			rci_make_error_kind(err, kind, 0, "%s", line);
		else
			rci_make_error_kind(err, kind, 0, "helper `%s` %s", args[0], how);
	} else {
		cleanup_free char *what = xasprintf("output of helper `%s`", args[0]);
		obj = rci_json_parse(res.out, res.out_len, what, err);
	}
	rci_spawn_result_free(&res);
	return obj;
}

int lr_call_networks(const struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
		     char ***nets, rci_error_t *err)
{
	char *args[] = {"list", NULL};
	cleanup_json json_object *list = lr_call_json(ctx, inf, args, err);
	*nets = xmalloc0(sizeof(char *));
	if (!list)
		return -1;
	if (!json_object_is_type(list, json_type_array))
		return rci_make_error(err, 0, "helper `list`: not an array: `%s`",
				      rci_json_str(list));
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *a = json_object_array_get_idx(list, i);
		const char *aid = rci_json_get_string(a, "id");
		const char *net = rci_json_get_string(a, "network");
		if (aid && net && !strcmp(aid, id))
			rci_strv_push(nets, net);
	}
	return 0;
}
