/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_LOG_H
#define RCI_LOG_H

#include <stdbool.h>

enum rci_log_level { RCI_LOG_ERROR = 0, RCI_LOG_WARNING = 1, RCI_LOG_DEBUG = 2 };

/* Program name used as the prefix of every line ("rootless-cni-infra: ..."). */
void rci_log_init(const char *prog, enum rci_log_level level);
void rci_log_set_level(enum rci_log_level level);
bool rci_log_debug_enabled(void);
const char *rci_log_prog(void);

/*
 * rci_log_tee() - also appends every message, whatever the level, to @fd (-1: no more), each
 * line with a UTC timestamp: a per-container log for programs whose stderr nobody reads (OCI
 * hooks). The caller keeps @fd open while it is set.
 */
void rci_log_tee(int fd);

/* All go to stderr (stdout carries only contract JSON) and keep errno intact. */
void rci_error_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rci_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rci_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * rci_debug_step() - one step of --debug, in the one format both programs use:
 * "PROG: debug: STEP: DETAIL (N ms)", N being the milliseconds since @t0_ms (rci_now_ms()).
 * @step is a fixed word saying what kind of step ("config", "infra", "runtime", "exec",
 * "netns", "plugin", "ports", "state"), DETAIL what happened; the launcher forwards the helper's
 * lines as they are (call.h), so a reader (or a test) sees one sequence. Plain rci_debug() lines
 * explain a decision and carry no duration. Nothing when --debug is off; errno is kept.
 */
void rci_debug_step(const char *step, long long t0_ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
