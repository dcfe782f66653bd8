/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_SHA256_H
#define LR_IMAGE_SHA256_H

#include <stddef.h>
#include <stdint.h>

/*
 * SHA-256 (FIPS 180-4), streaming, for OCI content digests: the launcher verifies every blob it
 * reads from an image layout. Small enough to own rather than link a crypto library for it.
 */
struct lr_sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t fill;
};

void lr_sha256_init(struct lr_sha256 *s);
void lr_sha256_update(struct lr_sha256 *s, const void *data, size_t len);
/* Writes the digest as 64 lowercase hex digits and a NUL into @hex. */
void lr_sha256_hex(struct lr_sha256 *s, char hex[65]);

#endif
