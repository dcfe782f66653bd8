/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_SHA256_H
#define LR_IMAGE_SHA256_H

#include <stddef.h>

#include <nettle/sha2.h>

/*
 * SHA-256, streaming, for OCI content digests: the launcher verifies every blob it reads from an
 * image layout. Nettle's, not a hand-written one: libarchive (image_tar.h) already links
 * libnettle on Debian, so it costs no new library, and its context is a plain struct (no
 * allocation, nothing to free on an error path), unlike OpenSSL's EVP_MD_CTX.
 */
struct lr_sha256 {
	struct sha256_ctx ctx;
};

void lr_sha256_init(struct lr_sha256 *s);
void lr_sha256_update(struct lr_sha256 *s, const void *data, size_t len);
/* Writes the digest as 64 lowercase hex digits and a NUL into @hex; @s is reset for reuse. */
void lr_sha256_hex(struct lr_sha256 *s, char hex[65]);

#endif
