/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FAKE_PLUGIN_H
#define FAKE_PLUGIN_H

#include <json-c/json.h>
#include <stddef.h>

/* fake-plugin's shared pieces (tests/plugins/fake-plugin.c says what the plugin does). */

/* getenv(@name), or "" when unset. */
const char *fake_env_or_empty(const char *name);
/* Writes all of @buf to @fd, retrying EINTR; -1 with errno on failure. */
int fake_write_all(int fd, const char *buf, size_t len);
/* Writes @s to @fd, ignoring errors (a closed stdout is the test's business). */
void fake_print_str(int fd, const char *s);
/* Reports an internal failure the CNI way (error object on stdout, code 999) and exits 1. */
void fake_die(const char *what) __attribute__((noreturn));
/* All of stdin, NUL-terminated; a closed stdin reads as empty. */
char *fake_read_stdin(size_t *len_out);

/* The open fds, sorted: listed before the plugin opens anything of its own. */
json_object *fake_list_fds(void);
/*
 * Appends one JSON line describing this invocation to @dir/calls.jsonl in one O_APPEND write
 * (see the "record" key in fake-plugin.c).
 */
void fake_record_call(const char *dir, json_object *fds, json_object *stdin_obj,
		      const char *stdin_raw, json_object *fake);

#endif
