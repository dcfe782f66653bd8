/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "version.h"
#include "number.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

bool cni_version_parse(const char *v, int out[3])
{
	out[0] = 0;
	out[1] = 1;
	out[2] = 0;
	if (!v || !*v)
		return true;
	int parts[3] = {0, 0, 0};
	const char *p = v;
	for (int n = 0; n < 3; n++) {
		/* Each part: up to 6 digits (at most 100000), then a dot or the end. */
		size_t len = strcspn(p, ".");
		char part[8];
		unsigned long x;
		if (len >= sizeof(part))
			return false;
		memcpy(part, p, len);
		part[len] = '\0';
		if (rci_parse_ulong(part, 0, 100000, &x) < 0)
			return false;
		parts[n] = (int)x;
		if (p[len] == '\0') {
			memcpy(out, parts, sizeof(parts));
			return true;
		}
		p += len + 1;
	}
	return false; /* a fourth part */
}

int cni_version_cmp(const char *a, const char *b)
{
	int va[3], vb[3];
	bool oka = cni_version_parse(a, va), okb = cni_version_parse(b, vb);
	if (!oka || !okb)
		return (int)oka - (int)okb;
	for (int i = 0; i < 3; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	return 0;
}

static const char *const known[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

bool cni_version_known(const char *v)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (v && strcmp(v, known[i]) == 0)
			return true;
	return false;
}

int cni_version_family(const char *v)
{
	if (!cni_version_known(v))
		return 0;
	if (v[0] == '1')
		return 10;
	if (strcmp(v, "0.1.0") == 0 || strcmp(v, "0.2.0") == 0)
		return 1;
	return 3;
}
