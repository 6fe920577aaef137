// SPDX-License-Identifier: Apache-2.0
/* A tenant's content-addressed cache of uploaded blobs (cache.c): one
 * file per SHA-256 in the tenant's own directory, reference-counted by the
 * resources and fresh uploads using them, least recently used unreferenced
 * entries evicted over the tenant's byte budget. The agent hashes every
 * upload itself. Tenants never share entries (one tenant can neither fill
 * another's budget nor learn what it uploaded) unless --cache-shared. */
#pragma once

#include "sha256.h"
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cache;
struct cache_entry;

/* Open the cache in `dir` (created if missing; files left by an earlier
 * run are indexed and hashed again on first use). A `shared` directory is
 * written by every tenant's worker (--cache-shared): an entry another one
 * put there is hashed before it is used. NULL (logged) if the directory
 * cannot be used. */
struct cache *cache_open(const char *dir, bool shared, uint64_t max_bytes);
/* Whether the backends' own cache at `path` (a tenant cache's .cache) is
 * over `max` bytes or the entries it may keep (its bytes and entries, the
 * latter counted up to one past that, in `bytes` and `n`): cache_open
 * removes such a one, and the front at the end of the tenant's worker (on
 * a tmpfs it is memory until the tenant comes back). Its directories
 * owned by a uid of [lo, hi) are taken back as they are counted
 * (dir_take; lo == hi: none). */
bool cache_dotcache_over(const char *path, uint64_t max, uid_t lo, uid_t hi,
			 uint64_t *bytes, uint64_t *n);
void cache_close(struct cache *c);

/* A reference to the entry of `sha` if it is cached with `size` bytes. */
struct cache_entry *
cache_get(struct cache *c, const uint8_t sha[VRPC_SHA256_LEN], uint64_t size);
void cache_put_ref(struct cache *c, struct cache_entry *e);
const char *cache_path(const struct cache_entry *e);
const uint8_t *cache_sha(const struct cache_entry *e);
uint64_t cache_size(const struct cache_entry *e);

/* An upload in progress: bytes are streamed into a temporary file of the
 * cache directory and hashed by the agent itself. */
struct cache_upload {
	struct cache *cache;
	int fd;
	char tmp[PATH_MAX];
	struct vrpc_sha256 hash;
	uint64_t size, written;
	uint32_t err;
};
/* 0, VRPC_E_NOSPC (`size` does not fit the budget, less the entries in
 * use and the uploads in flight: nothing written) or VRPC_E_IO. */
uint32_t cache_upload_begin(struct cache *c, struct cache_upload *u,
			    uint64_t size);
/* Why cache_upload_begin refused (for the client). */
const char *cache_begin_why(uint32_t err);
void cache_upload_write(struct cache_upload *u, const void *data, size_t len);
/* Check the hash against `sha` and insert: returns 0 with a reference in
 * *out, VRPC_E_HASH_MISMATCH, VRPC_E_NOSPC or VRPC_E_IO. */
uint32_t cache_upload_end(struct cache *c, struct cache_upload *u,
			  const uint8_t sha[VRPC_SHA256_LEN],
			  struct cache_entry **out);
void cache_upload_abort(struct cache_upload *u);

struct cache_stats {
	uint64_t entries, bytes, uploads, upload_bytes, hits;
};
void cache_stats(struct cache *c, struct cache_stats *out);
/* A cache hit was used by RES_CREATE. */
void cache_note_hit(struct cache *c);
