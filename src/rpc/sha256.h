// SPDX-License-Identifier: Apache-2.0
/* SHA-256 (FIPS 180-4), small and dependency-free: the guest image carries
 * no crypto library. Used to address the agent's content cache, by the
 * client (what it uploads) and the agent (what it stores and allows). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define VRPC_SHA256_LEN 32

struct vrpc_sha256 {
	uint32_t h[8];
	uint64_t nbytes;
	uint8_t buf[64];
	size_t nbuf;
};

void vrpc_sha256_init(struct vrpc_sha256 *c);
void vrpc_sha256_update(struct vrpc_sha256 *c, const void *data, size_t len);
void vrpc_sha256_final(struct vrpc_sha256 *c, uint8_t out[VRPC_SHA256_LEN]);
/* One-shot digest of `len` bytes. */
void vrpc_sha256(const void *data, size_t len, uint8_t out[VRPC_SHA256_LEN]);
/* The digest of what remains to be read from `fd` (read to its end; the
 * descriptor stays open). 0, or VACCEL_EIO on a read error. */
int vrpc_sha256_fd(int fd, uint8_t out[VRPC_SHA256_LEN]);
/* The digest of the file at `path`: 0, or VACCEL_EIO if it cannot be
 * opened or read. */
int vrpc_sha256_file(const char *path, uint8_t out[VRPC_SHA256_LEN]);
/* 64 lower-case hex digits + NUL into `hex`. */
void vrpc_sha256_hex(const uint8_t digest[VRPC_SHA256_LEN], char hex[65]);
