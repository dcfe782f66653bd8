/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "number.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int rci_parse_u64_n(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int over = 0;
	if (!s || len == 0) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			errno = EINVAL;
			return -1;
		}
		unsigned d = (unsigned)(s[i] - '0');
		/* Scanning goes on after an overflow: junk further on is EINVAL, not ERANGE. */
		if (over || v > max / 10 || (v == max / 10 && d > max % 10))
			over = 1;
		else
			v = v * 10 + d;
	}
	if (over) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int rci_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	return rci_parse_u64_n(s, s ? strlen(s) : 0, max, out);
}

int rci_read_u64_file(const char *path, uint64_t max, uint64_t *out)
{
	return rci_read_u64_at(AT_FDCWD, path, max, out);
}

int rci_read_u64_at(int dirfd, const char *name, uint64_t max, uint64_t *out)
{
	char buf[65];
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len == sizeof(buf)) {
		errno = EINVAL;
		return -1;
	}
	if (len && buf[len - 1] == '\n')
		len--;
	return rci_parse_u64_n(buf, len, max, out);
}

int rci_parse_double(const char *text, double min, double max, double *out)
{
	/* Decimal syntax only: strtod alone would also take " 5", "nan", "inf" and "0x10". */
	if (!text || !*text || text[strspn(text, "0123456789.eE+-")] != '\0' ||
	    !(isdigit((unsigned char)text[0]) || strchr("+-.", text[0]))) {
		errno = EINVAL;
		return -1;
	}
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || *end) {
		errno = EINVAL;
		return -1;
	}
	if (!isfinite(v) || v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int rci_parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
	uint64_t v;
	if (!text) {
		errno = EINVAL;
		return -1;
	}
	if (rci_parse_u64(text, max, &v) < 0)
		return -1;
	if (v < min) {
		errno = ERANGE;
		return -1;
	}
	*out = (unsigned long)v;
	return 0;
}
