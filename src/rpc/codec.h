// SPDX-License-Identifier: Apache-2.0
/* Frame header and field codec (docs/protocol.md §2-3).
 *
 * Fields are written and read by one visitor per message (msg.c): the same
 * function encodes or decodes depending on `io->dec`, so both directions
 * always agree. Decoding never trusts a length: every count and size is
 * checked against what is left of the fields and against the limits before
 * anything is allocated, and the first error sticks (later reads yield
 * zeroes), so visitors need no error checks of their own. */
#pragma once

#include "wire.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct vrpc_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t flags;
	uint32_t fields_len;
	uint64_t id;
	uint64_t bulk_len;
};

void vrpc_hdr_pack(const struct vrpc_hdr *h, uint8_t out[VRPC_HDR_SIZE]);
void vrpc_hdr_unpack(const uint8_t in[VRPC_HDR_SIZE], struct vrpc_hdr *h);
/* Framing checks of a received header: magic, `version` (0: any), flag
 * bits, sizes against the limits. Returns 0 or a VRPC_E_* code (PROTO,
 * VERSION, TOOBIG). */
uint32_t vrpc_hdr_check(const struct vrpc_hdr *h, uint16_t version,
			uint64_t max_fields, uint64_t max_bulk);

/* A data buffer of a message. Encoding: `data`/`len` of an INLINE buffer
 * are sent as they are (the caller keeps the memory alive until the frame
 * is written); a NONE buffer with `data` set is an output the placement
 * hook may give a shared-memory region. Decoding: `data` is NULL until the
 * receiver places the buffer (vrpc_io bufs list) or maps it (SHM). */
struct vrpc_buf {
	uint8_t kind; /* enum vrpc_buf_kind */
	uint64_t len;
	uint32_t arena;
	uint64_t off;
	void *data;
};

/* Allocations of one decoded message, released at once. */
struct vrpc_pool_chunk;
struct vrpc_pool {
	struct vrpc_pool_chunk *chunks;
	size_t used;  /* bytes used in chunks (the newest) */
	size_t total; /* bytes allocated, all chunks */
	/* the caller's storage, used first (vrpc_pool_seed), or NULL */
	uint8_t *seed;
	size_t seed_size, seed_used;
};
/* Zeroed, 16-byte aligned; NULL when out of memory. Owned by the pool. */
void *vrpc_pool_alloc(struct vrpc_pool *p, size_t size);
/* Give an empty pool `size` bytes at `buf` (16-byte aligned, outliving
 * the pool's use) for its first allocations: a small message decodes
 * without malloc. */
void vrpc_pool_seed(struct vrpc_pool *p, void *buf, size_t size);
void vrpc_pool_release(struct vrpc_pool *p);

/* An array of `size`-byte elements that starts in inline storage `in`,
 * grown to `cap` elements (the first `n` kept): the new block, or NULL
 * (the old one is left as it was). */
void *vrpc_grow(void *cur, const void *in, size_t n, size_t cap, size_t size);

struct vrpc_io;
/* Encoding only: may turn an INLINE buffer (or a NONE one with `data`, an
 * output) into an SHM one (shared memory placement). Returns true if it
 * did. */
typedef bool (*vrpc_place_fn)(void *ctx, struct vrpc_buf *b);

#define VRPC_IO_INLINE_FIELDS 1024
#define VRPC_IO_INLINE_IOV    16
#define VRPC_IO_INLINE_BUFS   8

struct vrpc_io {
	bool dec;
	uint32_t err; /* first error (VRPC_E_*), 0 if none */
	const struct vrpc_limits *lim;

	/* encoding: the fields, and the iovecs of header + fields + INLINE
	 * buffers (iov[0] and iov[1] are set by vrpc_io_frame, or iov[1]
	 * alone for both) */
	uint8_t *out;
	size_t len, cap;
	struct iovec *iov;
	size_t niov, iov_cap;
	vrpc_place_fn place;
	void *place_ctx;
	/* encoding a message to send: an INLINE buffer with a size and no
	 * data is the caller's mistake (VRPC_E_INVAL), where a decoded
	 * message re-encodes without its bulk */
	bool sending;

	/* decoding */
	const uint8_t *in;
	size_t in_len, pos;
	struct vrpc_pool *pool;
	/* every buffer decoded, in wire order (pointers into the decoded
	 * structs); the INLINE ones are the bulk section, in this order */
	struct vrpc_buf **bufs;
	size_t nbufs, bufs_cap;

	/* both: sum of INLINE buffer lengths */
	uint64_t bulk;

	/* encoding storage (last: init does not clear it); the header
	 * right before the inline fields: one iovec for both */
	uint8_t hdr[VRPC_HDR_SIZE];
	uint8_t out_inline[VRPC_IO_INLINE_FIELDS];
	struct iovec iov_inline[VRPC_IO_INLINE_IOV];
	/* decoding storage: the first buffers' pointers */
	struct vrpc_buf *bufs_inline[VRPC_IO_INLINE_BUFS];
};
_Static_assert(offsetof(struct vrpc_io, out_inline) ==
		       offsetof(struct vrpc_io, hdr) + VRPC_HDR_SIZE,
	       "the header is contiguous with the inline fields");

/* `lim` bounds decoding (and is unused when encoding). */
void vrpc_io_init_enc(struct vrpc_io *io);
void vrpc_io_init_dec(struct vrpc_io *io, const void *fields, size_t len,
		      struct vrpc_pool *pool, const struct vrpc_limits *lim);
void vrpc_io_release(struct vrpc_io *io);
/* Decoding: after the visitor, check the fields were consumed exactly and
 * the INLINE buffers add up to `bulk_len`. Returns 0 or a VRPC_E_* code. */
uint32_t vrpc_io_finish_dec(struct vrpc_io *io, uint64_t bulk_len);
/* Encoding: fill the header and return the iovecs of the whole frame
 * (valid until the io is released or encodes more): the header, the
 * fields (in the header's iovec when they fit inline), the INLINE
 * buffers. 0 or a VRPC_E_*. */
uint32_t vrpc_io_frame(struct vrpc_io *io, uint16_t type, uint32_t flags,
		       uint64_t id, struct iovec **iov, size_t *niov);

void vrpc_io_fail(struct vrpc_io *io, uint32_t err);
void vrpc_io_u8(struct vrpc_io *io, uint8_t *v);
void vrpc_io_u16(struct vrpc_io *io, uint16_t *v);
void vrpc_io_u32(struct vrpc_io *io, uint32_t *v);
void vrpc_io_u64(struct vrpc_io *io, uint64_t *v);
void vrpc_io_i32(struct vrpc_io *io, int32_t *v);
void vrpc_io_i64(struct vrpc_io *io, int64_t *v);
void vrpc_io_f32(struct vrpc_io *io, float *v);
void vrpc_io_f64(struct vrpc_io *io, double *v);
/* A string of at most `max` bytes (and max_name). Encoding NULL sends "";
 * decoding gives a NUL-terminated copy in the pool. */
void vrpc_io_str(struct vrpc_io *io, char **s, size_t max);
/* Small bytes inside the fields (at most `max`). */
void vrpc_io_bytes(struct vrpc_io *io, void **p, uint32_t *len, size_t max);
void vrpc_io_raw(struct vrpc_io *io, void *p, size_t len);
void vrpc_io_buf(struct vrpc_io *io, struct vrpc_buf *b);
/* An array count: at most `max` elements of at least `min_wire` bytes
 * each. Decoding allocates `*arr` (count * elem, zeroed) from the pool. */
void vrpc_io_array(struct vrpc_io *io, void **arr, uint32_t *count, size_t elem,
		   uint64_t max, size_t min_wire);
/* True when decoding and an error occurred: loops over arrays stop. */
static inline bool vrpc_io_failed(const struct vrpc_io *io)
{
	return io->err != 0;
}

/* Default limits (wire.h) into `lim`. */
void vrpc_limits_default(struct vrpc_limits *lim);
/* Limits as (key, value) pairs: at most VRPC_NR_LIMITS. */
#define VRPC_NR_LIMITS 12
struct vrpc_kv {
	uint16_t key;
	uint64_t val;
};
size_t vrpc_limits_to_kv(const struct vrpc_limits *lim, struct vrpc_kv *kv);
/* Set the limits named by `kv` (unknown keys are ignored). */
void vrpc_limits_from_kv(struct vrpc_limits *lim, const struct vrpc_kv *kv,
			 size_t n);
