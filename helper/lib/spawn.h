/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_SPAWN_H
#define RCI_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/*
 * Runs one child process to completion: the shape of crun's run_process_with_stdin_timeout_envp.
 * The child gets its own process group, a default signal mask, fds 0/1/2 only (everything else
 * is close-on-exec), an explicit environment, and optionally a setup hook (capability drop,
 * setns) run just before execve. The parent feeds stdin and drains stdout/stderr with poll(),
 * enforces a deadline and an output cap, and on either kills the whole process group, so a
 * plugin's delegated IPAM child cannot outlive it (CNI-RUNTIME.md CON-3).
 */
struct rci_spawn {
	const char *path;  /* executable (no PATH search) */
	char *const *argv; /* argv[0] included */
	char *const *envp; /* full environment of the child */
	const char *input; /* stdin contents, or NULL */
	size_t input_len;
	int in_fd;	   /* >= 0: child's stdin is this fd instead (input must be NULL) */
	int out_fd;	   /* >= 0: child's stdout goes there, not captured */
	int err_fd;	   /* >= 0: child's stderr goes there, not captured */
	size_t max_output; /* per captured stream; 0 = unlimited */
	long timeout_ms;   /* <= 0: no deadline */
	/* Runs in the child before execve; returns < 0 with errno set to fail the spawn. */
	int (*child_setup)(void *data);
	void *child_data;
	int etxtbsy_retries; /* exec attempts on "text file busy" (CNI #763) */
};

struct rci_spawn_result {
	int exit_code;	 /* valid when term_signal == 0 */
	int term_signal; /* signal that killed it, or 0 */
	bool timed_out;	 /* killed at the deadline */
	bool overflow;	 /* killed for printing more than max_output */
	char *out;	 /* captured stdout, NUL-terminated (may be "") */
	size_t out_len;
	char *err; /* captured stderr, NUL-terminated (may be "") */
	size_t err_len;
};

/* Initialises @sp with defaults: fds -1, no timeout, no cap, 5 ETXTBSY retries. */
void rci_spawn_init(struct rci_spawn *sp);

/*
 * Returns 0 when the child ran (whatever its status; see @res), -1 with *err when it could not be
 * started (exec failure included: "exec `path`: No such file or directory").
 */
int rci_spawn_run(const struct rci_spawn *sp, struct rci_spawn_result *res, rci_error_t *err);
void rci_spawn_result_free(struct rci_spawn_result *res);

/* "exited with status N" / "killed by signal N (SIGNAME)" / "timed out after N ms"... */
char *rci_spawn_describe_status(const struct rci_spawn_result *res, long timeout_ms);

/*
 * Marks every fd >= @from close-on-exec (close_range with a /proc/self/fd fallback); for use in
 * children before exec.
 */
int rci_mark_fds_cloexec_from(int from);

#endif
