/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The helper's command line (DESIGN.md, Contract 1): global options, one cmd_<name>.c per
 * subcommand, and the only place that prints an error and maps its kind to the exit status.
 * main() runs it in an exec'd helper; the helper service's workers (cmd_serve.c) run it in a
 * forked copy of the service, with the same arguments, environment and fds.
 */
#include "commands.h"
#include "log.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	rci_command_fn fn;
} commands[] = {
    {"alloc", cmd_alloc},
    {"dealloc", cmd_dealloc},
    {"print-cni-result", cmd_print_cni_result},
    {"print-netns-path", cmd_print_netns_path},
    {"is-idle", cmd_is_idle},
    {"list", cmd_list},
    {"networks", cmd_networks},
    {"check", cmd_check},
    {"gc", cmd_gc},
    {"serve", cmd_serve},
    {"help", cmd_help},
    {"version", cmd_version},
};

int rci_check_argc(const char *name, const char *usage, int argc, int min, int max,
		   rci_error_t *err)
{
	if (argc >= min && argc <= max)
		return 0;
	return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
				   "`%s` takes %d argument%s (%s%s%s), got %d", name, min,
				   min == 1 ? "" : "s", name, *usage ? " " : "", usage, argc);
}

static int fail(rci_error_t err)
{
	cleanup_free char *text = rci_error_text(err);
	fprintf(stderr, "%s: %s\n", rci_log_prog(), text);
	int code = err->kind;
	rci_error_release(&err);
	return code;
}

int rci_helper_main(int argc, char **argv)
{
	rci_log_init("rootless-cni-infra", RCI_LOG_WARNING);
	/* A closed stdout must give an error, not kill us halfway through a state change. */
	signal(SIGPIPE, SIG_IGN);
	struct rci_ctx ctx = {0};
	rci_error_t err = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *opt = argv[i];
		if (strcmp(opt, "--debug") == 0) {
			rci_log_set_level(RCI_LOG_DEBUG);
		} else if (strcmp(opt, "--state-dir") == 0 && i + 1 < argc) {
			free(ctx.state_dir);
			ctx.state_dir = xstrdup(argv[++i]);
		} else if (strcmp(opt, "--config-dir") == 0 && i + 1 < argc) {
			rci_strv_free(ctx.config_dirs);
			ctx.config_dirs = rci_ctx_split_dirs(argv[++i]);
		} else if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			return cmd_help(&ctx, 0, NULL, &err);
		} else if (strcmp(opt, "--version") == 0) {
			return cmd_version(&ctx, 0, NULL, &err) < 0 ? fail(err) : 0;
		} else {
			cleanup_free char *shown = xstrndup(opt, 64);
			rci_make_error_kind(&err, RCI_ERR_USAGE, 0,
					    "unknown option `%s` (see `rootless-cni-infra help`)",
					    shown);
			return fail(err);
		}
	}
	if (i >= argc) {
		rci_make_error_kind(&err, RCI_ERR_USAGE, 0,
				    "missing subcommand (see `rootless-cni-infra help`)");
		return fail(err);
	}
	const char *name = argv[i];
	rci_command_fn fn = NULL;
	for (size_t k = 0; k < RCI_ARRAY_SIZE(commands); k++)
		if (strcmp(commands[k].name, name) == 0)
			fn = commands[k].fn;
	if (!fn) {
		cleanup_free char *shown = xstrndup(name, 64);
		for (char *p = shown; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = '?';
		rci_make_error_kind(&err, RCI_ERR_USAGE, 0,
				    "unknown subcommand `%s` (see `rootless-cni-infra help`)",
				    shown);
		return fail(err);
	}
	int ret = 0;
	if (rci_ctx_init(&ctx, &err) < 0 || fn(&ctx, argc - i - 1, argv + i + 1, &err) < 0)
		ret = fail(err);
	rci_ctx_fini(&ctx);
	return ret;
}
