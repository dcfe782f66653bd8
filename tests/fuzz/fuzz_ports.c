/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launcher's -p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp] parser (infra/ports.c: lr_port_parse). */
#include "fuzz.h"
#include "ports.h"
#include "util.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	struct lr_port p;
	memset(&p, 0xa5, sizeof(p));
	rci_error_t err = NULL;
	int r = lr_port_parse(s, &p, &err);
	if (r == 0) {
		/* Accepted: both ports in range and a known protocol, or it was a bug. */
		if (err || p.host < 1 || p.host > 65535 || p.ctr < 1 || p.ctr > 65535 ||
		    (strcmp(p.proto, "tcp") != 0 && strcmp(p.proto, "udp") != 0))
			__builtin_trap();
		/* A host IP is a canonical address of its family, or none was given. */
		unsigned char a[sizeof(struct in6_addr)];
		if (p.host_ip_given ? (p.family != AF_INET && p.family != AF_INET6) ||
					  inet_pton(p.family, p.host_ip, a) != 1
				    : p.family != AF_UNSPEC || strcmp(p.host_ip, "0.0.0.0") != 0)
			__builtin_trap();
		char *json = lr_ports_mappings(&p, 1);
		free(json);
	} else if (r != -1 || !err || err->kind != RCI_ERR_USAGE) {
		__builtin_trap(); /* refused: always a usage error (exit 2) */
	}
	rci_error_release(&err);
	free(s);
	return 0;
}
