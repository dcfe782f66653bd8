/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * noop-plugin - the fastest valid CNI plugin, for benchmarks of the runtime itself.
 *
 * ADD prints a fixed 1.0.0-shaped result with the request's top-level cniVersion substituted (and
 * CNI_IFNAME / CNI_NETNS as the interface), DEL, CHECK, GC and STATUS print nothing, VERSION
 * answers the supported versions. No JSON library: the only thing it needs from stdin is the
 * top-level "cniVersion", found by a small scanner that skips strings and nested values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VERSIONS "[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]"

static char buf[1 << 20];

static size_t read_stdin(void)
{
	size_t len = 0;

	while (len < sizeof(buf) - 1) {
		ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

/* Skips a JSON string starting at the opening quote; returns the index after the closing one. */
static size_t skip_string(size_t i, size_t len)
{
	for (i++; i < len; i++) {
		if (buf[i] == '\\')
			i++;
		else if (buf[i] == '"')
			return i + 1;
	}
	return len;
}

/*
 * Copies the value of the top-level string key "cniVersion" into @out, or "1.0.0" when there is
 * none (keys of nested objects such as prevResult are ignored).
 */
static void top_level_version(size_t len, char *out, size_t outlen)
{
	static const char key[] = "\"cniVersion\"";
	int depth = 0;

	snprintf(out, outlen, "1.0.0");
	for (size_t i = 0; i < len;) {
		char c = buf[i];

		if (c == '"') {
			size_t end = skip_string(i, len);
			size_t j = end;

			if (depth == 1 && end - i == sizeof(key) - 1 &&
			    !memcmp(buf + i, key, end - i)) {
				while (j < len && strchr(" \t\r\n:", buf[j]))
					j++;
				if (j < len && buf[j] == '"') {
					size_t vend = skip_string(j, len);
					size_t vlen = vend - j - 2;

					if (vend <= len && vlen < outlen &&
					    !memchr(buf + j + 1, '\\', vlen))
						snprintf(out, outlen, "%.*s", (int)vlen,
							 buf + j + 1);
					return;
				}
			}
			i = end;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		i++;
	}
}

/* Writes @s as the inside of a JSON string. */
static void put_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v ? v : "";
}

int main(void)
{
	const char *cmd = env("CNI_COMMAND");
	char version[64];
	size_t len = read_stdin();

	if (!strcmp(cmd, "VERSION")) {
		fputs("{\"cniVersion\":\"1.0.0\",\"supportedVersions\":" VERSIONS "}\n", stdout);
	} else if (!strcmp(cmd, "ADD")) {
		top_level_version(len, version, sizeof(version));
		printf("{\"cniVersion\":\"%s\",\"interfaces\":[{\"name\":\"", version);
		put_escaped(env("CNI_IFNAME"));
		fputs("\",\"sandbox\":\"", stdout);
		put_escaped(env("CNI_NETNS"));
		fputs("\"}],\"ips\":[{\"address\":\"10.99.0.2/24\",\"gateway\":\"10.99.0.1\","
		      "\"interface\":0}],\"dns\":{}}\n",
		      stdout);
	} else if (!strcmp(cmd, "DEL") || !strcmp(cmd, "CHECK") || !strcmp(cmd, "GC") ||
		   !strcmp(cmd, "STATUS")) {
		return 0;
	} else {
		fputs("{\"cniVersion\":\"1.0.0\",\"code\":4,\"msg\":\"unknown CNI_COMMAND\"}\n",
		      stdout);
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
