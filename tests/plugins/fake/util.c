/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fake-plugin: environment, output and errors. */
#include "fake.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *fake_env_or_empty(const char *name)
{
	const char *v = getenv(name);
	return v ? v : "";
}

int fake_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

void fake_print_str(int fd, const char *s)
{
	(void)fake_write_all(fd, s, strlen(s));
}

/* Reports an internal failure the CNI way (error object on stdout) and exits. */
void fake_die(const char *what)
{
	int saved = errno;
	json_object *e = json_object_new_object();
	char msg[512];

	snprintf(msg, sizeof(msg), "fake-plugin: %s%s%s", what, saved ? ": " : "",
		 saved ? strerror(saved) : "");
	json_object_object_add(e, "cniVersion", json_object_new_string("1.0.0"));
	json_object_object_add(e, "code", json_object_new_int(999));
	json_object_object_add(e, "msg", json_object_new_string(msg));
	fake_print_str(STDOUT_FILENO, json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
	fake_print_str(STDOUT_FILENO, "\n");
	fprintf(stderr, "%s\n", msg);
	exit(1);
}

char *fake_read_stdin(size_t *len_out)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		fake_die("out of memory");
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				fake_die("out of memory");
			buf = nb;
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EBADF)
				break; /* no stdin at all: treat as empty */
			fake_die("read stdin");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*len_out = len;
	return buf;
}
