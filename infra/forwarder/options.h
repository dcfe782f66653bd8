/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_OPTIONS_H
#define FWD_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

#define FWD_DEFAULT_UDP_TIMEOUT 60 /* seconds a UDP flow lives without a datagram */
#define FWD_DEFAULT_UDP_FLOWS 1024 /* flows per UDP forward; the least recent goes first */
#define FWD_DEFAULT_PIPE_SIZE                                                                      \
	1048576 /* a busy direction's pipe grows to this (fs.pipe-max-size)                        \
		 */

struct fwd_options {
	char *control;			/* --control PATH: the control socket to create */
	pid_t infra_pid;		/* --infra-pid: the infra's init, a host pid */
	unsigned long long infra_start; /* --infra-start-time (clock ticks); 0: read at start */
	int ready_fd;			/* --ready-fd: "1" is written there once ready; -1: none */
	char *log;			/* --log PATH: stderr goes there (appended) */
	unsigned udp_timeout;		/* --idle-udp-timeout seconds */
	unsigned udp_flows;		/* --max-udp-flows per forward */
	unsigned pipe_size;		/* --pipe-size bytes */
	bool keep_source;		/* false with --no-source-address */
	bool debug;
};

/*
 * fwd_options_parse() - strict: numbers are decimal digits only, within their documented range;
 * --control and --infra-pid are required. Returns 0, 1 when --help or --version printed
 * something (exit 0), or -1 with *err (RCI_ERR_USAGE, one line). fwd_options_free() after.
 */
int fwd_options_parse(int argc, char **argv, struct fwd_options *o, FILE *out, rci_error_t *err);
void fwd_options_free(struct fwd_options *o);

/*
 * fwd_parse_number() - @s as a decimal number from @min to @max: digits only (no sign, space,
 * or base prefix), at most 20 of them. Returns 0, or -1 when it is not such a number.
 */
int fwd_parse_number(const char *s, unsigned long long min, unsigned long long max,
		     unsigned long long *out);

#endif
