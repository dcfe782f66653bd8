/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_COMMANDS_H
#define RCI_COMMANDS_H

#include "ctx.h"
#include "error.h"

/* Each takes the arguments after the subcommand name; prints its contract JSON on stdout. */
typedef int (*rci_command_fn)(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);

int cmd_alloc(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_dealloc(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_print_cni_result(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_print_netns_path(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_is_idle(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_networks(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_list(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_check(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_gc(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_help(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_version(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);
int cmd_serve(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err);

/*
 * The whole command line (argv[0] included): global options, the subcommand, its error line
 * on stderr. Returns the exit status (DESIGN.md Contract 1).
 */
int rci_helper_main(int argc, char **argv);

/* RCI_ERR_USAGE "`NAME` takes N arguments (USAGE), got M" unless argc is in [min, max]. */
int rci_check_argc(const char *name, const char *usage, int argc, int min, int max,
		   rci_error_t *err);

#endif
