/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by the cmocka unit tests (included, not compiled on its own): temporary
 * directories, file I/O, the fake plugin's location and its calls.jsonl records, error checks.
 * Everything is static inline so a test file that uses only part of it still builds with -Werror.
 */
#ifndef RCI_UNIT_H
#define RCI_UNIT_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "error.h"

/* A fresh private directory under $TMPDIR (or /tmp); abort the test when it cannot be made. */
/*
 * Asserts that @pid is gone within @ms (a test that is a subreaper may have to reap it). If it
 * is not, kills it, so no test leaves a process behind, and fails naming it as "@what %d".
 */
static inline void ut_assert_gone(pid_t pid, int ms, const char *what)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		int st;

		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return;
		usleep(10 * 1000);
	}
	kill(pid, SIGKILL);
	fail_msg("%s %d is still alive after %d ms", what, (int)pid, ms);
}

static inline char *ut_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = NULL;

	if (asprintf(&tmpl, "%s/rci-unit-XXXXXX", base && *base ? base : "/tmp") < 0)
		abort();
	assert_non_null(mkdtemp(tmpl));
	return tmpl;
}

static inline int ut_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0; /* best effort: keep going */
}

/* rm -rf, never following symlinks. */
static inline void ut_rm_rf(const char *path)
{
	if (path)
		nftw(path, ut_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline char *ut_path(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

static inline void ut_write_file_mode(const char *dir, const char *name, const char *content,
				      mode_t mode)
{
	char *p = ut_path(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(content);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	free(p);
}

static inline void ut_write_file(const char *dir, const char *name, const char *content)
{
	ut_write_file_mode(dir, name, content, 0644);
}

/* The whole of @path as a NUL-terminated string, or NULL when it cannot be read. */
static inline char *ut_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = (len + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static inline bool ut_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Absolute build directory: $BUILD (tests/run-unit.sh passes it), else "build". */
static inline char *ut_build_dir(void)
{
	const char *b = getenv("BUILD");
	char *abs = realpath(b && *b ? b : "build", NULL);

	if (!abs) {
		fprintf(stderr, "unit: build directory `%s` not found (set BUILD)\n",
			b && *b ? b : "build");
		abort();
	}
	return abs;
}

/* Absolute path of build/tests/plugins/fake-plugin; fails the test when it was not built. */
static inline char *ut_fake_plugin(void)
{
	char *b = ut_build_dir();
	char *p = ut_path(b, "tests/plugins/fake-plugin");

	free(b);
	if (access(p, X_OK) != 0) {
		fprintf(stderr, "unit: `%s` missing: make build/tests/plugins/fake-plugin\n", p);
		fail();
	}
	return p;
}

/* Installs an executable shell script @name into @dir. */
static inline void ut_write_script(const char *dir, const char *name, const char *body)
{
	char *s = NULL;

	if (asprintf(&s, "#!/bin/sh\n%s", body) < 0)
		abort();
	ut_write_file_mode(dir, name, s, 0755);
	free(s);
}

/*
 * The fake plugin's records: <dir>/calls.jsonl as a JSON array (one element per invocation,
 * in order). An absent file gives an empty array.
 */
static inline json_object *ut_read_calls(const char *dir)
{
	char *p = ut_path(dir, "calls.jsonl");
	char *buf = ut_read_file(p);
	json_object *arr = json_object_new_array();

	free(p);
	if (!buf)
		return arr;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		json_object *o = json_tokener_parse(line);

		assert_non_null(o);
		json_object_array_add(arr, o);
	}
	free(buf);
	return arr;
}

static inline void ut_clear_calls(const char *dir)
{
	char *p = ut_path(dir, "calls.jsonl");

	unlink(p);
	free(p);
}

static inline json_object *ut_get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o && json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

/* o[key] as a string, "" when absent or not a string (never NULL: safe for assert_string_*). */
static inline const char *ut_str(json_object *o, const char *key)
{
	json_object *v = ut_get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static inline bool ut_has(json_object *o, const char *key)
{
	return ut_get(o, key) != NULL;
}

/* Deep equality of two JSON values (json_object_equal, with NULL == NULL). */
static inline void ut_assert_json_equal(json_object *a, json_object *b)
{
	if (!json_object_equal(a, b)) {
		fprintf(stderr, "JSON differs:\n  %s\n  %s\n",
			a ? json_object_to_json_string(a) : "(null)",
			b ? json_object_to_json_string(b) : "(null)");
		fail();
	}
}

/* Parses a JSON literal of the test itself; fails the test when it is malformed. */
static inline json_object *ut_json(const char *s)
{
	json_object *o = json_tokener_parse(s);

	if (!o) {
		fprintf(stderr, "bad JSON literal in test: %s\n", s);
		fail();
	}
	return o;
}

/* Asserts that *err is set, that its full text contains every NULL-terminated needle. */
static inline void ut_assert_err_contains_v(rci_error_t err, va_list ap)
{
	const char *needle;
	char *txt;

	assert_non_null(err);
	txt = rci_error_text(err);
	while ((needle = va_arg(ap, const char *))) {
		if (!strstr(txt, needle)) {
			fprintf(stderr, "error text `%s`\n  does not contain `%s`\n", txt, needle);
			free(txt);
			fail();
		}
	}
	free(txt);
}

static inline void ut_assert_err_contains(rci_error_t err, ...)
{
	va_list ap;

	va_start(ap, err);
	ut_assert_err_contains_v(err, ap);
	va_end(ap);
}
#define UT_ERR_CONTAINS(err, ...) ut_assert_err_contains((err), __VA_ARGS__, (const char *)NULL)

/* Prints the error (if any) before failing: makes a surprise failure readable. */
static inline void ut_assert_ok(int r, rci_error_t *err)
{
	if (r < 0) {
		char *t = rci_error_text(err ? *err : NULL);

		fprintf(stderr, "unexpected failure: %s\n", t);
		free(t);
		fail();
	}
}

/*
 * Runs @fn in a forked child (for checks that change the process: closed stdio, seccomp
 * filters) and asserts that it returned 0; its other return values name the failed check.
 */
static inline void ut_assert_child_ok(int (*fn)(void))
{
	pid_t pid = fork();
	int ws = 0;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
}

#endif
