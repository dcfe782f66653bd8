/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_UTIL_H
#define RCI_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <json-c/json.h>

/* Scope-bound cleanup, as crun's utils.h: a variable frees itself on every return path. */
static inline void rci_cleanup_freep(void *p)
{
	void **pp = p;
	free(*pp);
}
static inline void rci_cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void rci_cleanup_filep(FILE **f)
{
	if (*f)
		fclose(*f);
}
static inline void rci_cleanup_dirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
static inline void rci_cleanup_jsonp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
void rci_cleanup_strvp(char ***v);

#define cleanup_free __attribute__((cleanup(rci_cleanup_freep)))
#define cleanup_close __attribute__((cleanup(rci_cleanup_closep)))
#define cleanup_file __attribute__((cleanup(rci_cleanup_filep)))
#define cleanup_dir __attribute__((cleanup(rci_cleanup_dirp)))
#define cleanup_json __attribute__((cleanup(rci_cleanup_jsonp)))
#define cleanup_strv __attribute__((cleanup(rci_cleanup_strvp)))

#define RCI_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation failure is not recoverable in a short-lived CLI: abort loudly. */
void *xmalloc0(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* NULL-terminated string vectors. */
size_t rci_strv_len(char *const *v);
void rci_strv_free(char **v);
/* Appends a copy of @s; *v may be NULL. */
void rci_strv_push(char ***v, const char *s);
/* Splits @s on @sep, skipping empty fields. */
char **rci_strv_split(const char *s, char sep);

/*
 * rci_strv_join() - @v's strings joined by @sep, each wrapped in @quote (NULL: none), e.g.
 * ("a","b") with ", " and "`" gives "`a`, `b`". Returns a new string ("" for an empty vector).
 */
char *rci_strv_join(char *const *v, const char *sep, const char *quote);

/* A copy of @s fit for a one-line message: control bytes as `?`, cut at @max with "...". */
char *rci_printable(const char *s, size_t max);

/* rci_trim_end() - cuts trailing whitespace (spaces, tabs, newlines) off @s in place; returns @s.
 */
char *rci_trim_end(char *s);

/*
 * rci_one_line() - @text folded to one line for an error message: its non-empty lines, each
 * trimmed, joined with "; " (tabs as spaces, other control bytes as `?`). When that exceeds @max
 * bytes (0: no limit), the end is kept (the last lines of a tool's output name the cause) behind
 * "...". Returns a new string.
 * rci_one_line_head() - the same, keeping the start instead, followed by "..." (a message, or a
 * crash whose first line says what happened and whose stack trace follows).
 */
char *rci_one_line(const char *text, size_t max);
char *rci_one_line_head(const char *text, size_t max);

/* Milliseconds on CLOCK_MONOTONIC. */
long long rci_now_ms(void);

/*
 * rci_find_program() - the program @name: with a '/', that path made absolute (it is recorded
 * and run later from elsewhere); else the first regular executable file of that name in $PATH,
 * /usr/local/bin, /usr/bin, /bin, /usr/sbin or /sbin (the s-dirs are missing from many users'
 * PATH, and newuidmap, runc, iptables or dnsmasq live there). A new string, or NULL.
 */
char *rci_find_program(const char *name);

#endif
