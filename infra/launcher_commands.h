/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_LAUNCHER_COMMANDS_H
#define LR_LAUNCHER_COMMANDS_H

#include "context.h"
#include "error.h"

/*
 * One file per command (cmd_<name>.c). A command returns its exit status (>= 0) or -1 with
 * *err; main() prints the error once and maps its kind to the exit status. argv[0] is the
 * command name.
 */
typedef int (*lr_command_fn)(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);

int lr_cmd_alloc(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_dealloc(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_exec(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_enter(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_start(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_stop(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_status(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_reap(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_networks(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_gc(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_hook(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);
int lr_cmd_doctor(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err);

/* "usage: ..." error (exit 2) naming the command's synopsis. */
int lr_usage_error(rci_error_t *err, const char *synopsis, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
