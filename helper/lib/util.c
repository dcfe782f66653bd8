/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
	static const char msg[] = "fatal: out of memory\n";
	ssize_t unused = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)unused;
	abort();
}

void *xmalloc0(size_t size)
{
	void *p = calloc(1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *n = realloc(p, size ? size : 1);
	if (!n)
		oom();
	return n;
}

char *xstrdup(const char *s)
{
	char *r = strdup(s ? s : "");
	if (!r)
		oom();
	return r;
}

char *xstrndup(const char *s, size_t n)
{
	char *r = strndup(s, n);
	if (!r)
		oom();
	return r;
}

char *xasprintf(const char *fmt, ...)
{
	char *r = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&r, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return r;
}

size_t rci_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void rci_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void rci_cleanup_strvp(char ***v)
{
	rci_strv_free(*v);
}

void rci_strv_push(char ***v, const char *s)
{
	size_t n = rci_strv_len(*v);
	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

char **rci_strv_split(const char *s, char sep)
{
	char **v = xmalloc0(sizeof(char *));
	const char *start = s;
	for (const char *p = s;; p++) {
		if (*p == sep || *p == '\0') {
			if (p > start) {
				cleanup_free char *field = xstrndup(start, (size_t)(p - start));
				rci_strv_push(&v, field);
			}
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	return v;
}

char *rci_strv_join(char *const *v, const char *sep, const char *quote)
{
	const char *q = quote ? quote : "";
	size_t len = 1;
	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + strlen(sep) + 2 * strlen(q);
	char *out = xmalloc0(len);
	char *p = out;
	for (size_t i = 0; v && v[i]; i++)
		p += sprintf(p, "%s%s%s%s", i ? sep : "", q, v[i], q);
	return out;
}

char *rci_printable(const char *s, size_t max)
{
	size_t n = strlen(s);
	size_t keep = n > max ? max : n;
	char *out = xmalloc0(keep + 4);
	for (size_t i = 0; i < keep; i++)
		out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (n > max)
		strcpy(out + keep, "...");
	return out;
}

char *rci_trim_end(char *s)
{
	size_t l = strlen(s);
	while (l && isspace((unsigned char)s[l - 1]))
		s[--l] = '\0';
	return s;
}

/* @text's non-empty lines, each trimmed, joined with "; "; tabs as spaces, other control
 * bytes as `?`: one line whatever the input. */
static char *fold_lines(const char *text)
{
	cleanup_strv char **lines = rci_strv_split(text ? text : "", '\n');
	cleanup_strv char **kept = NULL;
	for (size_t i = 0; lines[i]; i++) {
		char *l = rci_trim_end(lines[i]);
		while (isspace((unsigned char)*l))
			l++;
		for (char *p = l; *p; p++)
			if (*p == '\t')
				*p = ' ';
			else if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		if (*l)
			rci_strv_push(&kept, l);
	}
	return rci_strv_join(kept, "; ", NULL);
}

char *rci_one_line(const char *text, size_t max)
{
	char *out = fold_lines(text);
	size_t len = strlen(out);
	if (max && len > max && max > 3) {
		char *cut = xasprintf("...%s", out + len - (max - 3));
		free(out);
		out = cut;
	}
	return out;
}

char *rci_one_line_head(const char *text, size_t max)
{
	char *out = fold_lines(text);
	if (max && strlen(out) > max && max > 3)
		memcpy(out + max - 3, "...", 4);
	return out;
}

long long rci_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *rci_find_program(const char *name)
{
	if (strchr(name, '/')) {
		/* `./runc` is recorded and run later from elsewhere: keep it absolute. */
		char *real = realpath(name, NULL);
		if (real && access(real, X_OK) == 0)
			return real;
		free(real);
		return NULL;
	}
	const char *env = getenv("PATH");
	cleanup_free char *path =
	    xasprintf("%s:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", env ? env : "");
	cleanup_strv char **dirs = rci_strv_split(path, ':');
	for (size_t i = 0; dirs && dirs[i]; i++) {
		char *p = xasprintf("%s/%s", dirs[i], name);
		struct stat st;
		if (dirs[i][0] == '/' && stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}
