/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_sha256.h"

#include <stdio.h>

void lr_sha256_init(struct lr_sha256 *s)
{
	sha256_init(&s->ctx);
}

void lr_sha256_update(struct lr_sha256 *s, const void *data, size_t len)
{
	sha256_update(&s->ctx, len, data);
}

void lr_sha256_hex(struct lr_sha256 *s, char hex[65])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(&s->ctx, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}
