// SPDX-License-Identifier: Apache-2.0
/* Reading a request: framing under deadlines (a connection may stay idle
 * between messages, but a message that has started must arrive whole
 * within --frame-timeout), decoding, and the request's memory.
 *
 * Memory is charged to the connection's budget (--max-conn-memory) as it
 * is used: a frame whose bulk claims more than the budget left is refused
 * before anything is allocated, received bytes land in memory that is only
 * committed as they arrive, and pure outputs (NONE buffers: a size and no
 * bytes) get memory only from a handler that checked the size against
 * real inputs (req_alloc). A client can fail its own calls, never make
 * the worker allocate what it merely claims. */

#include "serve.h"
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Request buffers and outputs from 1 MiB up are kept, one of each per
 * connection, within a worker-wide budget: fresh memory costs a page
 * fault per 4 KiB (10-15 µs here), several times a memcpy. */
#define SPARE_MIN    (1u << 20)
#define SPARE_MAX    (128u << 20)
#define SPARE_BUDGET (512ull << 20)
/* a freed request keeps its fields buffer up to this size */
#define KEEP_FIELDS 4096u
/* inputs (all of a request's) and outputs (each) of at most this size
 * come from the request's pools */
#define SMALL_IN  256u
#define SMALL_OUT 256u

static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t spare_bytes;

/* The connection's kept block `slot` if it holds `size` bytes (its size
 * in *got), else NULL. */
static uint8_t *spare_take(struct conn *c, int slot, size_t size, size_t *got)
{
	uint8_t *p = NULL;
	struct spare *s = &conn_spare(c)[slot];
	if (size < SPARE_MIN)
		return NULL;
	pthread_mutex_lock(&spare_lock);
	if (s->p && s->size >= size) {
		p = s->p;
		*got = s->size;
		s->p = NULL;
		spare_bytes -= *got;
	}
	pthread_mutex_unlock(&spare_lock);
	return p;
}

static uint8_t *mem_get(struct conn *c, size_t size, size_t *got)
{
	uint8_t *p = spare_take(c, SPARE_IN, size, got);
	if (!p && (p = malloc(size)))
		*got = size;
	return p;
}

/* Keep `p` as block `slot` if it is larger than the one kept, else free
 * it. */
static void mem_put(struct conn *c, int slot, uint8_t *p, size_t size)
{
	if (!p)
		return;
	struct spare *s = &conn_spare(c)[slot];
	bool keep = false;
	if (size >= SPARE_MIN && size <= SPARE_MAX) {
		pthread_mutex_lock(&spare_lock);
		size_t old = s->p ? s->size : 0;
		if (size > old && spare_bytes - old + size <= SPARE_BUDGET) {
			spare_bytes = spare_bytes - old + size;
			free(s->p);
			s->p = p;
			s->size = size;
			keep = true;
		}
		pthread_mutex_unlock(&spare_lock);
	}
	if (!keep)
		free(p);
}

void conn_spare_free(struct conn *c)
{
	for (int i = 0; i < SPARE_SLOTS; i++) {
		struct spare *s = &conn_spare(c)[i];
		pthread_mutex_lock(&spare_lock);
		spare_bytes -= s->p ? s->size : 0;
		pthread_mutex_unlock(&spare_lock);
		free(s->p);
		s->p = NULL;
	}
	struct req *r = atomic_exchange(conn_spare_req(c), NULL);
	if (r) {
		free(r->fields);
		free(r);
	}
}

/* Zero `size` bytes of a kept block: the pages earlier requests touched
 * with memset (memory already there: a fraction of the cost of faulting in
 * fresh pages), the others with MADV_DONTNEED, which makes them read as
 * zeros without committing them (a client that claims a large output
 * capacity twice must not make the worker commit what it claimed). Pages
 * out of memory (swapped) are dropped the same way. */
static void zero_kept(uint8_t *p, size_t size)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = ((uintptr_t)p + pg - 1) & ~(pg - 1),
		  to = ((uintptr_t)p + size) & ~(pg - 1);
	if (to <= from) {
		memset(p, 0, size);
		return;
	}
	memset(p, 0, from - (uintptr_t)p);
	memset((void *)to, 0, (uintptr_t)p + size - to);
	unsigned char in[4096];
	while (from < to) {
		size_t n = (to - from) / pg;
		n = n < sizeof(in) ? n : sizeof(in);
		if (mincore((void *)from, n * pg, in))
			memset(in, 1, n);
		for (size_t i = 0, j; i < n; i = j) {
			for (j = i + 1; j < n && (in[j] & 1) == (in[i] & 1);)
				j++;
			void *q = (void *)(from + i * pg);
			size_t len = (j - i) * pg;
			if (!(in[i] & 1) && !madvise(q, len, MADV_DONTNEED))
				continue;
			memset(q, 0, len);
		}
		from += n * pg;
	}
}

/* A large output in the connection's kept block, zeroed, or NULL. */
static void *big_out(struct req *r, uint64_t size)
{
	size_t got;
	if (r->big_out ||
	    !(r->big_out = spare_take(r->c, SPARE_OUT, (size_t)size, &got)))
		return NULL;
	r->big_out_size = got;
	zero_kept(r->big_out, (size_t)size);
	return r->big_out;
}

void *req_alloc(struct req *r, uint64_t size)
{
	if (size > SIZE_MAX || !conn_charge(r->c, size)) {
		reply_err(r, VRPC_E_TOOBIG,
			  "%" PRIu64 " bytes of outputs exceed this "
			  "connection's memory budget",
			  size);
		return NULL;
	}
	r->charged += size;
	if (size <= SMALL_OUT) {
		/* zeroed, in the request's reply pool (its seed, mostly) */
		void *p = vrpc_pool_alloc(&r->rpool, size ? (size_t)size : 1);
		if (!p)
			reply_err(r, VRPC_E_NOMEM, "no memory");
		return p;
	}
	if (r->nouts == r->outs_cap) {
		size_t cap = r->outs_cap ? 2 * r->outs_cap : 4;
		void **n = realloc(r->outs, cap * sizeof(*n));
		if (!n) {
			reply_err(r, VRPC_E_NOMEM, "no memory");
			return NULL;
		}
		r->outs = n;
		r->outs_cap = cap;
	}
	void *p = big_out(r, size);
	if (p)
		return p;
	/* calloc of a large block maps fresh zero pages: nothing is
	 * committed until the backend writes */
	p = calloc(1, size ? (size_t)size : 1);
	if (!p) {
		reply_err(r, VRPC_E_NOMEM, "no memory for %" PRIu64 " bytes",
			  size);
		return NULL;
	}
	if (size >= SPARE_MIN && !r->big_out) {
		/* kept for the connection's next large output */
		r->big_out = p;
		r->big_out_size = (size_t)size;
		return p;
	}
	r->outs[r->nouts++] = p;
	return p;
}

void req_free(struct req *r)
{
	req_release_held(r);
	if (r->fd >= 0)
		close(r->fd);
	if (r->upload)
		cache_upload_abort(r->upload);
	free(r->upload);
	vrpc_pool_release(&r->pool);
	vrpc_pool_release(&r->rpool);
	mem_put(r->c, SPARE_IN, r->mem, r->mem_size);
	mem_put(r->c, SPARE_OUT, r->big_out, r->big_out_size);
	for (size_t i = 0; i < r->nouts; i++)
		free(r->outs[i]);
	free(r->outs);
	conn_uncharge(r->c, r->charged);
	/* kept for the connection's next request, with its fields buffer
	 * when that is small */
	if (r->fields_cap > KEEP_FIELDS) {
		free(r->fields);
		r->fields = NULL;
		r->fields_cap = 0;
	}
	struct req *none = NULL;
	if (!atomic_compare_exchange_strong(conn_spare_req(r->c), &none, r)) {
		free(r->fields);
		free(r);
	}
}

/* Pure outputs (NONE: a capacity, no bytes) are meaningful only where a
 * handler knows their size from real inputs: the FPGA and MINMAX outputs,
 * and PING (echoed as a size). */
static bool none_allowed(uint16_t type)
{
	switch (type) {
	case VRPC_T_PING:
	case VRPC_T_OP + VACCEL_OP_FPGA_ARRAYCOPY:
	case VRPC_T_OP + VACCEL_OP_FPGA_MMULT:
	case VRPC_T_OP + VACCEL_OP_FPGA_PARALLEL:
	case VRPC_T_OP + VACCEL_OP_FPGA_VECTORADD:
	case VRPC_T_OP + VACCEL_OP_MINMAX:
		return true;
	default:
		return false;
	}
}

/* Inputs a decoder parses (an image: its format checked, then decoded):
 * in the client's shared memory they could change between the two (a
 * PNG's inflated size checked, then a larger one decoded), so they are
 * copied first. The other ops' inputs are numbers, read as they are. */
static bool copies_shm(uint16_t type)
{
	switch (type) {
	case VRPC_T_OP + VACCEL_OP_IMAGE_CLASSIFY:
	case VRPC_T_OP + VACCEL_OP_IMAGE_DETECT:
	case VRPC_T_OP + VACCEL_OP_IMAGE_SEGMENT:
	case VRPC_T_OP + VACCEL_OP_IMAGE_POSE:
	case VRPC_T_OP + VACCEL_OP_IMAGE_DEPTH:
		return true;
	default:
		return false;
	}
}

/* Give every buffer its memory: INLINE ones a part of one block (charged
 * to the budget: the bytes come with the frame), SHM ones their arena
 * bytes (or a copy of them in that block: copies_shm), NONE ones none
 * (handlers allocate them). */
static uint32_t place_bufs(struct req *r, struct vrpc_io *io)
{
	uint64_t total = 0;
	bool copy = copies_shm(r->hdr.type);
	for (size_t i = 0; i < io->nbufs; i++) {
		struct vrpc_buf *b = io->bufs[i];
		if (copy && b->kind == VRPC_BUF_SHM) {
			if (b->len > cfg.lim.max_shm)
				return reply_err(r, VRPC_E_INVAL,
						 "bad shared memory reference");
			total += (b->len + 63) & ~63ull;
		}
		if (b->kind == VRPC_BUF_NONE && b->len &&
		    !none_allowed(r->hdr.type))
			return reply_err(r, VRPC_E_INVAL,
					 "a buffer without data (NONE) is "
					 "not an input of %s",
					 vrpc_type_name(r->hdr.type));
		if (b->kind == VRPC_BUF_INLINE)
			total += (b->len + 63) & ~63ull;
	}
	if (total > SIZE_MAX || !conn_charge(r->c, total))
		return reply_err(r, VRPC_E_TOOBIG,
				 "%" PRIu64 " bytes of buffers exceed this "
				 "connection's memory budget",
				 total);
	r->charged += total;
	/* a few small buffers: in the request's pool (its seed, mostly) */
	uint8_t *base = NULL;
	if (total && total <= SMALL_IN)
		base = vrpc_pool_alloc(&r->pool, (size_t)total);
	else if (total)
		base = r->mem = mem_get(r->c, (size_t)total, &r->mem_size);
	if (total && !base)
		return reply_err(r, VRPC_E_NOMEM,
				 "no memory for %" PRIu64 " bytes", total);
	uint64_t off = 0;
	for (size_t i = 0; i < io->nbufs; i++) {
		struct vrpc_buf *b = io->bufs[i];
		if (b->kind == VRPC_BUF_SHM) {
			b->data = req_hold_arena(r, b->arena, b->off, b->len);
			if (!b->data && b->len)
				return reply_err(r, VRPC_E_INVAL,
						 "bad shared memory reference");
			if (copy && b->len) {
				memcpy(base + off, b->data, (size_t)b->len);
				b->data = base + off;
				off += (b->len + 63) & ~63ull;
			}
		} else if (b->kind == VRPC_BUF_INLINE && b->len) {
			b->data = base + off;
			off += (b->len + 63) & ~63ull;
		}
	}
	return 0;
}

/* Read the bulk section into the placed INLINE buffers (a BLOB_PUT streams
 * into the cache instead). Returns 0 or VACCEL_E* (connection dead). */
static int read_bulk(struct req *r, struct vrpc_io *io, int64_t deadline)
{
	struct vrpc_stream *s = conn_stream(r->c);
	if (r->upload) {
		uint64_t left = r->hdr.bulk_len;
		uint8_t *chunk = malloc(1 << 20);
		if (!chunk)
			return VACCEL_ENOMEM;
		int ret = 0;
		while (left && !ret) {
			size_t n = left < (1 << 20) ? (size_t)left : 1 << 20;
			ret = vrpc_stream_read(s, chunk, n, deadline);
			if (!ret)
				cache_upload_write(r->upload, chunk, n);
			left -= n;
		}
		free(chunk);
		return ret;
	}
	for (size_t i = 0; i < io->nbufs; i++) {
		struct vrpc_buf *b = io->bufs[i];
		if (b->kind != VRPC_BUF_INLINE || !b->len)
			continue;
		int ret = vrpc_stream_read(s, b->data, b->len, deadline);
		if (ret)
			return ret;
	}
	return 0;
}

/* A BLOB_PUT of inline bytes streams into the tenant's cache. */
static void prepare_upload(struct req *r)
{
	const struct conn_usage *u = conn_usage(r->c);
	struct cache *cache = conn_tenant(r->c)->cache;
	uint64_t size = r->msg.u.put.data.len;
	uint32_t err;
	if (size > cfg.lim.max_blob)
		r->early_err =
			reply_err(r, VRPC_E_TOOBIG, "blob over max_blob");
	else if (u->stored + size > cfg.lim.max_stored)
		r->early_err =
			reply_err(r, VRPC_E_NOSPC, "upload quota exceeded");
	else if (!(r->upload = calloc(1, sizeof(*r->upload))))
		r->early_err = reply_err(r, VRPC_E_NOMEM, "no memory");
	else if ((err = cache_upload_begin(cache, r->upload, size))) {
		free(r->upload);
		r->upload = NULL;
		r->early_err = reply_err(r, err, "%s", cache_begin_why(err));
	}
}

static void prepare(struct req *r, struct vrpc_io *io)
{
	if (r->msg.type == VRPC_T_BLOB_PUT &&
	    r->msg.u.put.data.kind == VRPC_BUF_INLINE)
		prepare_upload(r);
	else
		r->early_err = place_bufs(r, io);
}

/* Framing checks; 0 or the reason the connection ends. */
static const char *check_hdr(struct conn *c, const struct vrpc_hdr *h)
{
	bool pre = !conn_hello_done(c);
	uint32_t err = vrpc_hdr_check(h, pre ? 0 : VRPC_MAJOR,
				      pre ? VRPC_PREAUTH_MAX_FIELDS
					  : cfg.lim.max_fields,
				      pre ? 0 : cfg.lim.max_bulk);
	if (!err && (h->flags & VRPC_F_REPLY))
		err = VRPC_E_PROTO;
	if (!err && pre && h->type != VRPC_T_HELLO)
		err = VRPC_E_AUTH;
	if (!err)
		return NULL;
	return err == VRPC_E_TOOBIG    ? "framing: length over limit"
	       : err == VRPC_E_AUTH    ? "framing: no HELLO first"
	       : err == VRPC_E_VERSION ? "framing: wrong version"
				       : "framing: bad header";
}

static struct req *new_req(struct conn *c, const struct vrpc_hdr *h)
{
	struct req *r = atomic_exchange(conn_spare_req(c), NULL);
	uint8_t *fields = NULL;
	size_t cap = 0;
	if (r) {
		fields = r->fields;
		cap = r->fields_cap;
		memset(r, 0, offsetof(struct req, pool_seed));
	} else if (!(r = calloc(1, sizeof(*r)))) {
		return NULL;
	}
	vrpc_pool_seed(&r->pool, r->pool_seed, sizeof(r->pool_seed));
	vrpc_pool_seed(&r->rpool, r->rpool_seed, sizeof(r->rpool_seed));
	/* a length checked against --max-fields (check_hdr), read at once */
	if (h->fields_len > cap) {
		free(fields);
		cap = h->fields_len;
		if (!(fields = malloc(cap))) {
			free(r);
			return NULL;
		}
	}
	r->fields = fields;
	r->fields_cap = cap;
	r->c = c;
	r->fd = -1;
	r->hdr = *h;
	r->msg.type = h->type;
	return r;
}

/* Decode the fields and place the bulk (or note why not). */
static void decode(struct req *r, struct vrpc_io *io)
{
	vrpc_io_init_dec(io, r->fields, r->hdr.fields_len, &r->pool, &cfg.lim);
	vrpc_msg_io(io, &r->msg);
	uint32_t err = vrpc_io_finish_dec(io, r->hdr.bulk_len);
	if (err)
		r->early_err = reply_err(r, err, "malformed %s message",
					 vrpc_type_name(r->hdr.type)
						 ? vrpc_type_name(r->hdr.type)
						 : "(unknown type)");
	else
		prepare(r, io);
}

struct req *intake_read(struct conn *c)
{
	struct vrpc_stream *s = conn_stream(c);
	struct vrpc_hdr h;
	int64_t deadline;
	int ret = vrpc_stream_next_hdr(s, &h, cfg.frame_timeout_ms, &deadline);
	if (ret) {
		conn_set_reason(c, ret == VACCEL_ETIMEDOUT
					   ? "a message did not arrive whole "
					     "in time (--frame-timeout)"
				   : ring_broken(s) ? RING_BROKEN
						    : "eof");
		return NULL;
	}
	const char *bad = check_hdr(c, &h);
	struct req *r = bad ? NULL : new_req(c, &h);
	if (!r) {
		conn_set_reason(c, bad ? bad : "out of memory");
		return NULL;
	}
	ret = vrpc_stream_read(s, r->fields, h.fields_len, deadline);
	if (!ret && h.type == VRPC_T_HELLO && h.version != VRPC_MAJOR) {
		r->early_err = VRPC_E_VERSION;
		return r;
	}
	struct vrpc_io io;
	if (!ret) {
		decode(r, &io);
		if (h.flags & VRPC_F_FD)
			r->fd = vrpc_stream_take_fd(s);
		ret = r->early_err ? vrpc_stream_skip(s, h.bulk_len, deadline)
				   : read_bulk(r, &io, deadline);
		vrpc_io_release(&io);
		/* never one for a later message */
		if (!ret && vrpc_stream_drop_stale_fds(s))
			adebug("conn %" PRIu64 ": closed descriptors that came "
			       "with a message claiming none",
			       conn_id(c));
	}
	if (ret) {
		conn_set_reason(c, ret == VACCEL_ETIMEDOUT
					   ? "a message did not arrive whole "
					     "in time (--frame-timeout)"
				   : ring_broken(s) ? RING_BROKEN
						    : "eof in a frame");
		req_free(r);
		return NULL;
	}
	return r;
}
