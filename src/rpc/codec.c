// SPDX-License-Identifier: Apache-2.0

#include "codec.h"
#include <endian.h>
#include <stdlib.h>
#include <string.h>

/* ---- header ------------------------------------------------------------ */

/* Little-endian fields at any alignment: one load or store each. */
static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

void vrpc_hdr_pack(const struct vrpc_hdr *h, uint8_t out[VRPC_HDR_SIZE])
{
	put32(out, h->magic);
	put16(out + 4, h->version);
	put16(out + 6, h->type);
	put32(out + 8, h->flags);
	put32(out + 12, h->fields_len);
	put64(out + 16, h->id);
	put64(out + 24, h->bulk_len);
}

void vrpc_hdr_unpack(const uint8_t in[VRPC_HDR_SIZE], struct vrpc_hdr *h)
{
	h->magic = get32(in);
	h->version = get16(in + 4);
	h->type = get16(in + 6);
	h->flags = get32(in + 8);
	h->fields_len = get32(in + 12);
	h->id = get64(in + 16);
	h->bulk_len = get64(in + 24);
}

uint32_t vrpc_hdr_check(const struct vrpc_hdr *h, uint16_t version,
			uint64_t max_fields, uint64_t max_bulk)
{
	if (h->magic != VRPC_MAGIC || (h->flags & ~VRPC_F_ALL))
		return VRPC_E_PROTO;
	if (version && h->version != version)
		return VRPC_E_VERSION;
	if (h->fields_len > max_fields || h->bulk_len > max_bulk)
		return VRPC_E_TOOBIG;
	return 0;
}

/* ---- pool -------------------------------------------------------------- */

struct vrpc_pool_chunk {
	struct vrpc_pool_chunk *next;
	size_t size;
	_Alignas(16) uint8_t data[];
};

#define POOL_CHUNK 4096

void *vrpc_pool_alloc(struct vrpc_pool *p, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (p->seed && size <= p->seed_size - p->seed_used) {
		void *r = p->seed + p->seed_used;
		p->seed_used += size;
		memset(r, 0, size);
		return r;
	}
	struct vrpc_pool_chunk *c = p->chunks;
	if (!c || c->size - p->used < size) {
		size_t csize = size > POOL_CHUNK ? size : POOL_CHUNK;
		c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->size = csize;
		c->next = p->chunks;
		p->chunks = c;
		p->used = 0;
		p->total += csize;
	}
	void *r = c->data + p->used;
	p->used += size;
	memset(r, 0, size);
	return r;
}

void vrpc_pool_seed(struct vrpc_pool *p, void *buf, size_t size)
{
	p->seed = buf;
	p->seed_size = size & ~(size_t)15;
	p->seed_used = 0;
}

void vrpc_pool_release(struct vrpc_pool *p)
{
	p->seed_used = 0;
	while (p->chunks) {
		struct vrpc_pool_chunk *n = p->chunks->next;
		free(p->chunks);
		p->chunks = n;
	}
	p->used = 0;
	p->total = 0;
}

/* ---- io ---------------------------------------------------------------- */

void vrpc_io_init_enc(struct vrpc_io *io)
{
	memset(io, 0, offsetof(struct vrpc_io, hdr));
	io->out = io->out_inline;
	io->cap = sizeof(io->out_inline);
	io->iov = io->iov_inline;
	io->iov_cap = VRPC_IO_INLINE_IOV;
	io->niov = 2; /* header, fields */
}

void vrpc_io_init_dec(struct vrpc_io *io, const void *fields, size_t len,
		      struct vrpc_pool *pool, const struct vrpc_limits *lim)
{
	memset(io, 0, offsetof(struct vrpc_io, hdr));
	io->out = io->out_inline;
	io->iov = io->iov_inline;
	io->bufs = io->bufs_inline;
	io->bufs_cap = VRPC_IO_INLINE_BUFS;
	io->dec = true;
	io->in = fields;
	io->in_len = len;
	io->pool = pool;
	io->lim = lim;
}

void vrpc_io_release(struct vrpc_io *io)
{
	if (io->out != io->out_inline)
		free(io->out);
	if (io->iov != io->iov_inline)
		free(io->iov);
	if (io->bufs != io->bufs_inline)
		free(io->bufs);
	io->out = io->out_inline;
	io->iov = io->iov_inline;
	io->bufs = NULL;
}

void vrpc_io_fail(struct vrpc_io *io, uint32_t err)
{
	if (!io->err)
		io->err = err;
}

void *vrpc_grow(void *cur, const void *in, size_t n, size_t cap, size_t size)
{
	void *o = cur == in ? NULL : cur;
	void *nb = realloc(o, cap * size);
	if (nb && !o)
		memcpy(nb, in, n * size);
	return nb;
}

/* Encoding: room for `n` more bytes of fields. */
static uint8_t *enc_room(struct vrpc_io *io, size_t n)
{
	if (io->err)
		return NULL;
	if (io->cap - io->len < n) {
		size_t cap = io->cap * 2;
		while (cap - io->len < n)
			cap *= 2;
		uint8_t *nb =
			vrpc_grow(io->out, io->out_inline, io->len, cap, 1);
		if (!nb) {
			vrpc_io_fail(io, VRPC_E_NOMEM);
			return NULL;
		}
		io->out = nb;
		io->cap = cap;
	}
	uint8_t *p = io->out + io->len;
	io->len += n;
	return p;
}

/* Decoding: the next `n` bytes of fields, or NULL (error set). */
static const uint8_t *dec_take(struct vrpc_io *io, size_t n)
{
	if (io->err)
		return NULL;
	if (io->in_len - io->pos < n) {
		vrpc_io_fail(io, VRPC_E_PROTO);
		return NULL;
	}
	const uint8_t *p = io->in + io->pos;
	io->pos += n;
	return p;
}

#define IO_INT(name, T, N, PUT, GET)                        \
	void vrpc_io_##name(struct vrpc_io *io, T *v)       \
	{                                                   \
		if (io->dec) {                              \
			const uint8_t *p = dec_take(io, N); \
			*v = p ? (T)GET(p) : 0;             \
		} else {                                    \
			uint8_t *p = enc_room(io, N);       \
			if (p)                              \
				PUT(p, *v);                 \
		}                                           \
	}

#define GET8(p)	   ((p)[0])
#define PUT8(p, v) ((p)[0] = (uint8_t)(v))
IO_INT(u8, uint8_t, 1, PUT8, GET8)
IO_INT(u16, uint16_t, 2, put16, get16)
IO_INT(u32, uint32_t, 4, put32, get32)
IO_INT(u64, uint64_t, 8, put64, get64)
IO_INT(i32, int32_t, 4, put32, get32)
IO_INT(i64, int64_t, 8, put64, get64)

void vrpc_io_f32(struct vrpc_io *io, float *v)
{
	uint32_t u;
	memcpy(&u, v, 4);
	vrpc_io_u32(io, &u);
	memcpy(v, &u, 4);
}

void vrpc_io_f64(struct vrpc_io *io, double *v)
{
	uint64_t u;
	memcpy(&u, v, 8);
	vrpc_io_u64(io, &u);
	memcpy(v, &u, 8);
}

void vrpc_io_raw(struct vrpc_io *io, void *p, size_t len)
{
	if (!len)
		return;
	if (io->dec) {
		const uint8_t *s = dec_take(io, len);
		if (s)
			memcpy(p, s, len);
		else
			memset(p, 0, len);
	} else {
		uint8_t *d = enc_room(io, len);
		if (d)
			memcpy(d, p, len);
	}
}

void vrpc_io_bytes(struct vrpc_io *io, void **p, uint32_t *len, size_t max)
{
	vrpc_io_u32(io, len);
	if (*len > max) {
		vrpc_io_fail(io, VRPC_E_TOOBIG);
		*len = 0;
	}
	if (!io->dec) {
		vrpc_io_raw(io, *p, *len);
		return;
	}
	const uint8_t *s = dec_take(io, *len);
	/* one spare byte: a NUL, so byte strings can be used as C strings */
	uint8_t *d = s ? vrpc_pool_alloc(io->pool, *len + 1) : NULL;
	if (s && !d)
		vrpc_io_fail(io, VRPC_E_NOMEM);
	if (d)
		memcpy(d, s, *len);
	else
		*len = 0;
	*p = d;
}

void vrpc_io_str(struct vrpc_io *io, char **s, size_t max)
{
	if (io->lim && io->lim->max_name < max)
		max = io->lim->max_name;
	uint32_t len = 0;
	if (!io->dec) {
		size_t n = *s ? strlen(*s) : 0;
		if (n > max || n > UINT32_MAX) {
			vrpc_io_fail(io, VRPC_E_TOOBIG);
			return;
		}
		len = (uint32_t)n;
		void *p = *s;
		vrpc_io_bytes(io, &p, &len, max);
		return;
	}
	void *p = NULL;
	vrpc_io_bytes(io, &p, &len, max);
	if (p && memchr(p, 0, len)) {
		vrpc_io_fail(io, VRPC_E_PROTO);
		p = NULL;
	}
	*s = p ? p : (char *)"";
}

static void dec_note_buf(struct vrpc_io *io, struct vrpc_buf *b)
{
	uint64_t max = io->lim ? io->lim->max_bulk : UINT64_MAX;
	if (b->kind == VRPC_BUF_INLINE) {
		if (b->len > max || io->bulk + b->len > max) {
			vrpc_io_fail(io, VRPC_E_TOOBIG);
			return;
		}
		io->bulk += b->len;
	}
	if (io->nbufs == io->bufs_cap) {
		size_t cap = io->bufs_cap * 2;
		struct vrpc_buf **n = vrpc_grow(io->bufs, io->bufs_inline,
						io->nbufs, cap, sizeof(*n));
		if (!n) {
			vrpc_io_fail(io, VRPC_E_NOMEM);
			return;
		}
		io->bufs = n;
		io->bufs_cap = cap;
	}
	io->bufs[io->nbufs++] = b;
}

static void enc_add_iov(struct vrpc_io *io, void *data, size_t len)
{
	if (io->err || !len)
		return;
	if (io->niov == io->iov_cap) {
		size_t cap = io->iov_cap * 2;
		struct iovec *n = vrpc_grow(io->iov, io->iov_inline, io->niov,
					    cap, sizeof(*n));
		if (!n) {
			vrpc_io_fail(io, VRPC_E_NOMEM);
			return;
		}
		io->iov = n;
		io->iov_cap = cap;
	}
	io->iov[io->niov].iov_base = data;
	io->iov[io->niov].iov_len = len;
	io->niov++;
	io->bulk += len;
}

void vrpc_io_buf(struct vrpc_io *io, struct vrpc_buf *b)
{
	if (!io->dec && b->kind != VRPC_BUF_SHM && b->len && b->data &&
	    io->place)
		io->place(io->place_ctx, b);
	vrpc_io_u8(io, &b->kind);
	vrpc_io_u64(io, &b->len);
	switch (b->kind) {
	case VRPC_BUF_INLINE:
		/* bytes to send from no address: the caller's mistake */
		if (io->sending && b->len && !b->data)
			vrpc_io_fail(io, VRPC_E_INVAL);
		if (!io->dec)
			enc_add_iov(io, b->data, b->len);
		break;
	case VRPC_BUF_SHM:
		vrpc_io_u32(io, &b->arena);
		vrpc_io_u64(io, &b->off);
		break;
	case VRPC_BUF_NONE:
		break;
	default:
		vrpc_io_fail(io, VRPC_E_PROTO);
	}
	if (io->dec && !io->err)
		dec_note_buf(io, b);
	if (io->dec && io->err) {
		b->kind = VRPC_BUF_NONE;
		b->len = 0;
	}
}

void vrpc_io_array(struct vrpc_io *io, void **arr, uint32_t *count, size_t elem,
		   uint64_t max, size_t min_wire)
{
	vrpc_io_u32(io, count);
	if (!io->dec)
		return;
	*arr = NULL;
	if (*count > max) {
		vrpc_io_fail(io, VRPC_E_TOOBIG);
	} else if ((uint64_t)*count * min_wire > io->in_len - io->pos) {
		vrpc_io_fail(io, VRPC_E_PROTO);
	} else if (*count) {
		*arr = vrpc_pool_alloc(io->pool, (size_t)*count * elem);
		if (!*arr)
			vrpc_io_fail(io, VRPC_E_NOMEM);
	}
	if (io->err)
		*count = 0;
}

uint32_t vrpc_io_finish_dec(struct vrpc_io *io, uint64_t bulk_len)
{
	if (io->err)
		return io->err;
	if (io->pos != io->in_len || io->bulk != bulk_len)
		return VRPC_E_PROTO;
	return 0;
}

uint32_t vrpc_io_frame(struct vrpc_io *io, uint16_t type, uint32_t flags,
		       uint64_t id, struct iovec **iov, size_t *niov)
{
	if (io->err)
		return io->err;
	if (io->len > UINT32_MAX)
		return VRPC_E_TOOBIG;
	struct vrpc_hdr h = {
		.magic = VRPC_MAGIC,
		.version = VRPC_MAJOR,
		.type = type,
		.flags = flags,
		.fields_len = (uint32_t)io->len,
		.id = id,
		.bulk_len = io->bulk,
	};
	vrpc_hdr_pack(&h, io->hdr);
	if (io->out == io->out_inline) {
		/* header and fields adjacent: one iovec, so that a device
		 * that makes a transfer of each (a virtio-serial port) makes
		 * one */
		io->iov[1].iov_base = io->hdr;
		io->iov[1].iov_len = VRPC_HDR_SIZE + io->len;
		*iov = io->iov + 1;
		*niov = io->niov - 1;
		return 0;
	}
	io->iov[0].iov_base = io->hdr;
	io->iov[0].iov_len = VRPC_HDR_SIZE;
	io->iov[1].iov_base = io->out;
	io->iov[1].iov_len = io->len;
	*iov = io->iov;
	*niov = io->niov;
	return 0;
}

/* ---- limits ------------------------------------------------------------ */

void vrpc_limits_default(struct vrpc_limits *lim)
{
#define X(key, name, def) lim->name = def;
	VRPC_LIMITS(X)
#undef X
}

size_t vrpc_limits_to_kv(const struct vrpc_limits *lim, struct vrpc_kv *kv)
{
	size_t n = 0;
#define X(k, name, def) kv[n++] = (struct vrpc_kv){ k, lim->name };
	VRPC_LIMITS(X)
#undef X
	return n;
}

void vrpc_limits_from_kv(struct vrpc_limits *lim, const struct vrpc_kv *kv,
			 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (kv[i].key) {
#define X(k, name, def)                \
	case k:                        \
		lim->name = kv[i].val; \
		break;
			VRPC_LIMITS(X)
#undef X
		default:
			break;
		}
	}
}
