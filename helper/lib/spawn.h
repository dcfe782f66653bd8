/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_SPAWN_H
#define RCI_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/*
 * DOC: starting programs. One fork/exec core (spawn_core.h: signal reset, process group or
 * session, parent-death signal, fd staging, the close-on-exec sweep, the exec errno pipe, pidfd)
 * under two front ends:
 *
 * - rci_spawn_run() runs a child to completion, the shape of crun's
 *   run_process_with_stdin_timeout_envp: its own process group, fds 0/1/2 only, an explicit
 *   environment, optionally a setup hook run just before execve. The parent feeds stdin and
 *   drains stdout/stderr with poll(), enforces a deadline and an output cap, and on either kills
 *   the whole process group, so a plugin's delegated IPAM child cannot outlive it
 *   (CNI-RUNTIME.md CON-3). Extra fds as 3, 4, ... on request (the launcher hands the helper
 *   an engine's netns that way). rci_run_checked() adds the usual verdict: exit 0 or an error.
 * - rci_spawn_start() starts a child detached, for daemons (slirp4netns) and the OCI runtime's
 *   `create`, whose container inherits stdio: nothing is captured, the child keeps its own
 *   process group or session, extra fds are passed as 3, 4, ...; rci_spawn_wait() waits for it.
 */
struct rci_spawn {
	const char *path;  /* executable (no PATH search) */
	char *const *argv; /* argv[0] included */
	char *const *envp; /* full environment of the child */
	const char *input; /* stdin contents, or NULL (rci_spawn_run) */
	size_t input_len;
	/*
	 * >= 0: the child's stdin, stdout, stderr is this fd. -1: rci_spawn_run captures the
	 * stream (stdin: @input), rci_spawn_start gives /dev/null.
	 */
	int in_fd;
	int out_fd;
	int err_fd;
	size_t max_output; /* per captured stream; 0 = unlimited */
	long timeout_ms;   /* <= 0: no deadline */
	/*
	 * Runs in the child before execve; returns < 0 with errno set to fail the spawn. The child
	 * shares the parent's memory until it execs (CLONE_VM | CLONE_VFORK, spawn_core.h):
	 * syscalls only, no malloc, no write to memory the parent reads afterwards.
	 */
	int (*child_setup)(void *data);
	void *child_data;
	int etxtbsy_retries;  /* exec attempts on "text file busy" (CNI #763; rci_spawn_run) */
	const int *extra_fds; /* become fds 3, 4, ... in the child (at most 16) */
	size_t n_extra;
	/* rci_spawn_start only: */
	bool new_session;     /* setsid() and chdir("/"): no terminal signal reaches a daemon */
	bool die_with_parent; /* PR_SET_PDEATHSIG(SIGKILL), checked against a parent already gone */
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

/* A child's output as we read it: the fd (-1 once at EOF) and what came so far. */
struct rci_capture {
	int fd;
	char *buf; /* NUL-terminated when not NULL */
	size_t len, cap;
};

/*
 * rci_capture_read() - one read() of @c's fd into its buffer, at most @max bytes in all (0: no
 * cap; *@overflow is set when the cap cut it). Returns false at EOF or on an error, with the fd
 * closed and set to -1.
 */
bool rci_capture_read(struct rci_capture *c, size_t max, bool *overflow);

/* Initialises @sp with defaults: fds -1, no timeout, no cap, 5 ETXTBSY retries, no extras. */
void rci_spawn_init(struct rci_spawn *sp);

/*
 * Runs @sp to completion. Returns 0 when the child ran (whatever its status; see @res), -1 with
 * *err when it could not be started (exec failure included: "exec `path`: No such file or
 * directory"). @sp's new_session and die_with_parent are not used.
 */
int rci_spawn_run(const struct rci_spawn *sp, struct rci_spawn_result *res, rci_error_t *err);
void rci_spawn_result_free(struct rci_spawn_result *res);

/*
 * rci_run_checked() - rci_spawn_run(), then anything but exit status 0 becomes *err:
 * "@what exited with status N: <its stderr folded to one line>" (or "killed by signal N",
 * "timed out..."). Returns 0 with *out (when @out is not NULL) the captured stdout, which the
 * caller frees, or -1 with *err.
 */
int rci_run_checked(const struct rci_spawn *sp, const char *what, char **out, rci_error_t *err);

/* "exited with status N" / "killed by signal N (SIGNAME)" / "timed out after N ms"... */
char *rci_spawn_describe_status(const struct rci_spawn_result *res, long timeout_ms);

/*
 * rci_spawn_init_daemon() - initialises @sp for rci_spawn_start() of a daemon: @path with @argv
 * and our environment, stdin /dev/null, stdout and stderr to @log_fd (-1: /dev/null), @extra
 * (@n_extra fds) as its fds 3, 4..., a session of its own.
 */
void rci_spawn_init_daemon(struct rci_spawn *sp, const char *path, char *const *argv, int log_fd,
			   const int *extra, size_t n_extra);

/*
 * Starts @sp detached (see the DOC above) and returns its pid, or -1 with *err (exec failures
 * included, with their errno). The caller waits for it (rci_spawn_wait) or lets it run.
 */
pid_t rci_spawn_start(const struct rci_spawn *sp, rci_error_t *err);

/*
 * Waits for our child @pid at most @timeout_ms (<= 0: forever). Returns 0 with *wstatus the raw
 * waitpid() status, 1 on timeout (the child is left running), -1 with *err.
 */
int rci_spawn_wait(pid_t pid, long timeout_ms, int *wstatus, rci_error_t *err);

/* Kills our child @pid with SIGKILL and reaps it. */
void rci_spawn_kill_reap(pid_t pid);

/*
 * "exited with status N" or "killed by signal N (NAME)" for a raw waitpid() status: never
 * confuses "exit 137" with SIGKILL.
 */
char *rci_describe_wstatus(int wstatus);

/*
 * Every signal back to its default disposition and an empty mask: what a child of ours starts
 * with (its parent's handlers, ignores and blocked signals are not its business).
 * Async-signal-safe.
 */
void rci_signals_reset(void);

/*
 * Marks every fd >= @from close-on-exec (close_range with a /proc/self/fd fallback that does not
 * allocate); for use in children before exec.
 */
int rci_mark_fds_cloexec_from(int from);

#endif
