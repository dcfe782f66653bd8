/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "validate.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

int rci_validate_name(const char *what, const char *s, size_t max, rci_error_t *err)
{
	if (!s || !*s)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "invalid %s: must not be empty",
					   what);
	size_t n = strlen(s);
	cleanup_free char *shown = rci_printable(s, 40);
	if (n > max)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "invalid %s `%s`: longer than %zu characters", what,
					   shown, max);
	if (!isalnum((unsigned char)s[0]))
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "invalid %s `%s`: must start with a letter or digit",
					   what, shown);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return rci_make_error_kind(
			    err, RCI_ERR_USAGE, 0,
			    "invalid %s `%s`: only letters, digits, `_`, `.` and `-` are allowed",
			    what, shown);
	}
	return 0;
}

int rci_validate_id(const char *s, rci_error_t *err)
{
	return rci_validate_name("container ID", s, RCI_ID_MAX, err);
}

int rci_validate_network(const char *s, rci_error_t *err)
{
	return rci_validate_name("network name", s, RCI_NETWORK_MAX, err);
}

int rci_validate_pod_name(const char *s, rci_error_t *err)
{
	size_t n = strlen(s);
	cleanup_free char *shown = rci_printable(s, 40);
	if (n > RCI_POD_NAME_MAX)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "invalid pod name `%s`: longer than %d characters",
					   shown, RCI_POD_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isgraph(c) || c == ';' || c == '=')
			return rci_make_error_kind(
			    err, RCI_ERR_USAGE, 0,
			    "invalid pod name `%s`: no spaces, control characters, `;` or `=`",
			    shown);
	}
	return 0;
}

int rci_validate_ip(const char *s, rci_error_t *err)
{
	unsigned char buf[16];
	if (!*s)
		return 0;
	if (strlen(s) < INET6_ADDRSTRLEN &&
	    (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1))
		return 0;
	cleanup_free char *shown = rci_printable(s, 40);
	return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
				   "invalid IP address `%s`: expected IPv4 (10.88.0.5) or IPv6 "
				   "(fd00::5), without prefix length",
				   shown);
}

int rci_validate_mac(const char *s, rci_error_t *err)
{
	if (!*s)
		return 0;
	bool ok = strlen(s) == 17;
	for (int i = 0; ok && i < 17; i++)
		ok = (i % 3 == 2) ? s[i] == ':' : isxdigit((unsigned char)s[i]) != 0;
	if (ok)
		return 0;
	cleanup_free char *shown = rci_printable(s, 40);
	return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
				   "invalid MAC address `%s`: expected six hex octets like "
				   "02:42:ac:11:00:02",
				   shown);
}
