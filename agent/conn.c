// SPDX-License-Identifier: Apache-2.0
/* A connection: threads, framing, replies, ownership, teardown.
 *
 * Threads: one thread holds the reader role at a time. It reads a whole
 * request (header, fields, bulk), then serves it. A request that computes
 * first hands the reader role to an idle thread of the connection (or
 * starts one, up to max_inflight), so one connection's requests run in
 * parallel; other requests are served inline, which keeps small calls free
 * of thread hand-offs. When max_inflight requests run, nobody reads: the
 * socket applies back-pressure. The last thread to leave tears the
 * connection down, whatever ended it (BYE, EOF, reset, framing error,
 * SIGTERM). */

#include "agent.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

struct conn {
	uint64_t id;
	struct vrpc_stream s;
	const struct vrpc_transport *t;
	struct vrpc_peer peer;
	char listen_uri[160];
	char identity[VRPC_MAX_IDENTITY + 1];

	pthread_mutex_t lock;
	/* idle threads wait here for the reader role */
	pthread_cond_t cv;
	/* HELLO/BYE wait here for the other requests to finish */
	pthread_cond_t drain_cv;
	int draining;
	pthread_mutex_t send_lock;
	bool hello_done;
	bool shm_ok;
	bool reading;
	bool closing;
	int nthreads;
	int idle;
	int executing;

	/* recent duration of each op on this connection (µs, 0: unknown) */
	uint32_t op_us[64];

	struct obj *objs;
	uint64_t next_id;
	struct conn_usage use;
	char dir[PATH_MAX];
	/* cache references of uploads not used by a resource yet */
	struct cache_entry **uploads;
	size_t nr_uploads;

	/* a large request buffer kept for the next request: fresh memory
	 * costs a page fault per 4 KiB, several times a memcpy */
	uint8_t *spare;
	size_t spare_size;

	uint64_t nreq;
	int64_t t0;
	const char *reason;
	struct conn *next;
};

/* ---- objects ------------------------------------------------------------ */

static struct obj *find_obj(struct conn *c, enum obj_kind kind, uint64_t id)
{
	for (struct obj *o = c->objs; o; o = o->next)
		if (o->kind == kind && o->id == id)
			return o;
	return NULL;
}

/* Hold `o` for the request (c->lock held). */
static bool hold(struct req *r, struct obj *o)
{
	if (r->nheld == r->held_cap) {
		size_t cap = r->held_cap ? r->held_cap * 2 : 4;
		struct obj **n = realloc(r->held, cap * sizeof(*n));
		if (!n)
			return false;
		r->held = n;
		r->held_cap = cap;
	}
	o->users++;
	r->held[r->nheld++] = o;
	return true;
}

uint32_t conn_hold(struct req *r, enum obj_kind kind, uint64_t id,
		   struct obj **out)
{
	struct conn *c = r->c;
	pthread_mutex_lock(&c->lock);
	struct obj *o = find_obj(c, kind, id);
	if (o && !hold(r, o))
		o = NULL;
	pthread_mutex_unlock(&c->lock);
	*out = o;
	if (!o)
		return reply_err(
			r, VRPC_E_NOENT, "no %s %" PRIu64 " on this connection",
			kind == OBJ_SESSION ? "session" : "resource", id);
	return 0;
}

static void release_held(struct req *r)
{
	struct conn *c = r->c;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < r->nheld; i++)
		r->held[i]->users--;
	r->nheld = 0;
	pthread_mutex_unlock(&c->lock);
	free(r->held);
	r->held = NULL;
	r->held_cap = 0;
}

void conn_add(struct conn *c, struct obj *o)
{
	pthread_mutex_lock(&c->lock);
	o->next = c->objs;
	c->objs = o;
	pthread_mutex_unlock(&c->lock);
}

uint32_t conn_remove(struct conn *c, enum obj_kind kind, uint64_t id,
		     struct obj **out)
{
	uint32_t err = VRPC_E_NOENT;
	pthread_mutex_lock(&c->lock);
	for (struct obj **p = &c->objs; *p; p = &(*p)->next) {
		struct obj *o = *p;
		if (o->kind != kind || o->id != id)
			continue;
		if (o->users) {
			err = VRPC_E_BUSY;
		} else {
			*p = o->next;
			*out = o;
			err = 0;
		}
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

uint64_t conn_next_id(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	uint64_t id = ++c->next_id;
	pthread_mutex_unlock(&c->lock);
	return id;
}

struct conn_usage *conn_usage(struct conn *c)
{
	return &c->use;
}

bool conn_shm_ok(const struct conn *c)
{
	return c->shm_ok;
}

const char *conn_dir(struct conn *c)
{
	if (!c->dir[0]) {
		char d[PATH_MAX];
		if (snprintf(d, sizeof(d), "%s/conn.%" PRIu64, agent.conn_root,
			     c->id) >= (int)sizeof(d) ||
		    (mkdir(d, 0700) && errno != EEXIST))
			return NULL;
		strcpy(c->dir, d);
	}
	return c->dir;
}

void *conn_hold_arena(struct req *r, uint32_t arena, uint64_t off, uint64_t len)
{
	struct conn *c = r->c;
	void *p = NULL;
	pthread_mutex_lock(&c->lock);
	struct obj *o = find_obj(c, OBJ_ARENA, arena);
	if (o && off <= o->u.arena.size && len <= o->u.arena.size - off &&
	    hold(r, o))
		p = o->u.arena.map + off;
	pthread_mutex_unlock(&c->lock);
	return p;
}

bool conn_arena_exists(struct conn *c, uint32_t arena)
{
	pthread_mutex_lock(&c->lock);
	bool found = find_obj(c, OBJ_ARENA, arena) != NULL;
	pthread_mutex_unlock(&c->lock);
	return found;
}

/* Release everything the connection owns (no request runs). */
static void free_all(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	struct obj *list = c->objs;
	c->objs = NULL;
	pthread_mutex_unlock(&c->lock);
	/* sessions first: releasing them unregisters their resources */
	for (int pass = 0; pass < 3; pass++) {
		for (struct obj **p = &list; *p;) {
			struct obj *o = *p;
			if ((int)o->kind != pass) {
				p = &o->next;
				continue;
			}
			*p = o->next;
			obj_free(o);
		}
	}
	for (size_t i = 0; i < c->nr_uploads; i++)
		cache_put_ref(c->uploads[i]);
	free(c->uploads);
	c->uploads = NULL;
	c->nr_uploads = 0;
	if (c->dir[0])
		policy_rm_rf(c->dir);
	c->dir[0] = 0;
	pthread_mutex_lock(&agent.lock);
	agent.sessions_now -= c->use.sessions;
	agent.resources_now -= c->use.resources;
	agent.shm_now -= c->use.shm;
	pthread_mutex_unlock(&agent.lock);
	memset(&c->use, 0, sizeof(c->use));
}

int conn_keep_upload(struct conn *c, struct cache_entry *e)
{
	pthread_mutex_lock(&c->lock);
	struct cache_entry **n =
		realloc(c->uploads, (c->nr_uploads + 1) * sizeof(*n));
	if (n) {
		c->uploads = n;
		c->uploads[c->nr_uploads++] = e;
	}
	pthread_mutex_unlock(&c->lock);
	return n ? 0 : VRPC_E_NOMEM;
}

struct cache_entry *conn_take_upload(struct conn *c,
				     const uint8_t sha[VRPC_SHA256_LEN])
{
	struct cache_entry *e = NULL;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->nr_uploads; i++) {
		if (!memcmp(cache_sha(c->uploads[i]), sha, VRPC_SHA256_LEN)) {
			e = c->uploads[i];
			c->uploads[i] = c->uploads[--c->nr_uploads];
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return e;
}

/* ---- replies ------------------------------------------------------------ */

uint32_t reply_err(struct req *r, uint32_t code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->rep.status = code;
	r->rep.message = vrpc_pool_alloc(&r->rpool, strlen(msg) + 1);
	if (r->rep.message)
		strcpy(r->rep.message, msg);
	adebug("conn %" PRIu64 ": %s: %s (%s)", r->c->id,
	       vrpc_type_name(r->hdr.type) ? vrpc_type_name(r->hdr.type) : "?",
	       vrpc_err_name(code), msg);
	return code;
}

void reply_ret(struct req *r, int ret)
{
	if (ret)
		reply_err(r, vrpc_err_to_wire(ret), "%s", vaccel_strerror(ret));
}

static void send_reply(struct req *r)
{
	struct conn *c = r->c;
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	r->rep.type = r->hdr.type;
	r->rep.reply = true;
	vrpc_io_init_enc(&io);
	uint32_t err = vrpc_msg_io(&io, &r->rep);
	if (!err)
		err = vrpc_io_frame(&io, r->hdr.type, VRPC_F_REPLY, r->hdr.id,
				    &iov, &niov);
	if (err) {
		/* the reply itself could not be encoded: say so instead */
		vrpc_io_release(&io);
		struct vrpc_msg e = { .type = r->hdr.type,
				      .reply = true,
				      .status = err,
				      .message = "reply too large" };
		vrpc_io_init_enc(&io);
		vrpc_msg_io(&io, &e);
		err = vrpc_io_frame(&io, r->hdr.type, VRPC_F_REPLY, r->hdr.id,
				    &iov, &niov);
	}
	int w = VACCEL_EIO;
	if (!err) {
		pthread_mutex_lock(&c->send_lock);
		w = vrpc_stream_writev(&c->s, iov, niov, -1, 0);
		pthread_mutex_unlock(&c->send_lock);
	}
	vrpc_io_release(&io);
	if (w) {
		/* the client does not read: end the connection */
		pthread_mutex_lock(&c->lock);
		if (!c->reason)
			c->reason = w == VACCEL_ETIMEDOUT ? "send timeout"
							  : "send failed";
		pthread_mutex_unlock(&c->lock);
		shutdown(c->s.fd, SHUT_RDWR);
	}
}

/* ---- reading a request -------------------------------------------------- */

static void set_timeout(int fd, int opt, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* Request buffers from 1 MiB up are kept, one per connection, within an
 * agent-wide budget. */
#define SPARE_MIN    (1u << 20)
#define SPARE_MAX    (128u << 20)
#define SPARE_BUDGET (512ull << 20)

static uint8_t *mem_get(struct conn *c, size_t size, size_t *got)
{
	uint8_t *p = NULL;
	if (size >= SPARE_MIN) {
		pthread_mutex_lock(&agent.lock);
		pthread_mutex_lock(&c->lock);
		if (c->spare && c->spare_size >= size) {
			p = c->spare;
			*got = c->spare_size;
			c->spare = NULL;
			agent.spare_bytes -= *got;
		}
		pthread_mutex_unlock(&c->lock);
		pthread_mutex_unlock(&agent.lock);
	}
	if (!p && (p = malloc(size)))
		*got = size;
	return p;
}

static void mem_put(struct conn *c, uint8_t *p, size_t size)
{
	bool keep = false;
	if (p && size >= SPARE_MIN && size <= SPARE_MAX) {
		pthread_mutex_lock(&agent.lock);
		pthread_mutex_lock(&c->lock);
		size_t old = c->spare ? c->spare_size : 0;
		if (size > old &&
		    agent.spare_bytes - old + size <= SPARE_BUDGET) {
			agent.spare_bytes = agent.spare_bytes - old + size;
			free(c->spare);
			c->spare = p;
			c->spare_size = size;
			keep = true;
		}
		pthread_mutex_unlock(&c->lock);
		pthread_mutex_unlock(&agent.lock);
	}
	if (!keep)
		free(p);
}

static void spare_free(struct conn *c)
{
	pthread_mutex_lock(&agent.lock);
	agent.spare_bytes -= c->spare ? c->spare_size : 0;
	pthread_mutex_unlock(&agent.lock);
	free(c->spare);
	c->spare = NULL;
}

static void req_free(struct req *r)
{
	if (r->held)
		release_held(r);
	if (r->fd >= 0)
		close(r->fd);
	if (r->upload)
		cache_upload_abort(r->upload);
	free(r->upload);
	vrpc_pool_release(&r->pool);
	vrpc_pool_release(&r->rpool);
	free(r->fields);
	mem_put(r->c, r->mem, r->mem_size);
	free(r);
}

/* Give every buffer of the request its memory: INLINE and NONE buffers a
 * part of one block (NONE zeroed), SHM buffers their arena bytes. */
static uint32_t place_bufs(struct req *r, struct vrpc_io *io)
{
	uint64_t total = 0, max = agent.cfg.lim.max_bulk;
	for (size_t i = 0; i < io->nbufs; i++) {
		struct vrpc_buf *b = io->bufs[i];
		if (b->kind == VRPC_BUF_SHM)
			continue;
		if (b->len > max || total + ((b->len + 63) & ~63ull) > max)
			return reply_err(r, VRPC_E_TOOBIG,
					 "buffers exceed max_bulk");
		total += (b->len + 63) & ~63ull;
	}
	if (total && !(r->mem = mem_get(r->c, (size_t)total, &r->mem_size)))
		return reply_err(r, VRPC_E_NOMEM,
				 "no memory for %" PRIu64 " bytes", total);
	uint64_t off = 0;
	for (size_t i = 0; i < io->nbufs; i++) {
		struct vrpc_buf *b = io->bufs[i];
		if (b->kind == VRPC_BUF_SHM) {
			b->data = conn_hold_arena(r, b->arena, b->off, b->len);
			if (!b->data && b->len)
				return reply_err(r, VRPC_E_INVAL,
						 "bad shared memory reference");
			continue;
		}
		if (!b->len)
			continue;
		b->data = r->mem + off;
		if (b->kind == VRPC_BUF_NONE)
			memset(b->data, 0, b->len);
		off += (b->len + 63) & ~63ull;
	}
	return 0;
}

/* Read the bulk section into the placed INLINE buffers (a BLOB_PUT streams
 * into the cache instead). Returns 0 or VACCEL_E* (connection dead). */
static int read_bulk(struct req *r, struct vrpc_io *io)
{
	struct conn *c = r->c;
	if (r->upload) {
		uint64_t left = r->hdr.bulk_len;
		uint8_t *chunk = malloc(1 << 20);
		if (!chunk)
			return VACCEL_ENOMEM;
		int ret = 0;
		while (left && !ret) {
			size_t n = left < (1 << 20) ? (size_t)left : 1 << 20;
			ret = vrpc_stream_read(&c->s, chunk, n, 0);
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
		int ret = vrpc_stream_read(&c->s, b->data, b->len, 0);
		if (ret)
			return ret;
	}
	return 0;
}

/* Decide how the bulk of a decoded request is consumed. */
static void prepare(struct req *r, struct vrpc_io *io)
{
	struct vrpc_msg *m = &r->msg;
	if (m->type == VRPC_T_BLOB_PUT &&
	    m->u.put.data.kind == VRPC_BUF_INLINE) {
		struct conn_usage *u = &r->c->use;
		uint64_t size = m->u.put.data.len;
		if (size > agent.cfg.lim.max_blob)
			r->early_err = reply_err(r, VRPC_E_TOOBIG,
						 "blob over max_blob");
		else if (u->stored + size > agent.cfg.lim.max_stored)
			r->early_err = reply_err(r, VRPC_E_NOSPC,
						 "upload quota exceeded");
		else if (!(r->upload = calloc(1, sizeof(*r->upload))))
			r->early_err = reply_err(r, VRPC_E_NOMEM, "no memory");
		else if (cache_upload_begin(r->upload, size)) {
			free(r->upload);
			r->upload = NULL;
			r->early_err = reply_err(r, VRPC_E_IO,
						 "cannot write to the cache");
		}
		return;
	}
	r->early_err = place_bufs(r, io);
}

/* Why the connection ends (the first reason given is kept). */
static void set_reason(struct conn *c, const char *why)
{
	pthread_mutex_lock(&c->lock);
	if (!c->reason)
		c->reason = why;
	pthread_mutex_unlock(&c->lock);
}

/* Read one request. NULL: the connection is over (c->reason set). */
static struct req *read_request(struct conn *c)
{
	struct vrpc_hdr h;
	int ret = vrpc_stream_read_hdr(&c->s, &h, 0);
	if (ret) {
		set_reason(c, ret == VACCEL_ETIMEDOUT ? "no HELLO in time"
						      : "eof");
		return NULL;
	}
	bool pre = !c->hello_done;
	const struct vrpc_limits *lim = &agent.cfg.lim;
	uint32_t err =
		vrpc_hdr_check(&h, pre ? 0 : VRPC_MAJOR,
			       pre ? VRPC_PREAUTH_MAX_FIELDS : lim->max_fields,
			       pre ? 0 : lim->max_bulk);
	if (!err && (h.flags & VRPC_F_REPLY))
		err = VRPC_E_PROTO;
	if (!err && pre && h.type != VRPC_T_HELLO)
		err = VRPC_E_AUTH;
	if (err) {
		set_reason(c, err == VRPC_E_TOOBIG
				      ? "framing: length over limit"
			      : err == VRPC_E_AUTH ? "framing: no HELLO first"
			      : err == VRPC_E_VERSION ? "framing: wrong version"
						      : "framing: bad header");
		return NULL;
	}
	struct req *r = calloc(1, sizeof(*r));
	if (!r) {
		set_reason(c, "out of memory");
		return NULL;
	}
	r->c = c;
	r->fd = -1;
	r->hdr = h;
	r->msg.type = h.type;
	if (h.fields_len && !(r->fields = malloc(h.fields_len))) {
		set_reason(c, "out of memory");
		req_free(r);
		return NULL;
	}
	if (vrpc_stream_read(&c->s, r->fields, h.fields_len, 0)) {
		set_reason(c, "eof in a frame");
		req_free(r);
		return NULL;
	}
	if (h.type == VRPC_T_HELLO && h.version != VRPC_MAJOR) {
		r->early_err = VRPC_E_VERSION;
		return r;
	}
	struct vrpc_io io;
	vrpc_io_init_dec(&io, r->fields, h.fields_len, &r->pool, lim);
	vrpc_msg_io(&io, &r->msg);
	err = vrpc_io_finish_dec(&io, h.bulk_len);
	if (err)
		r->early_err = reply_err(r, err, "malformed %s message",
					 vrpc_type_name(h.type)
						 ? vrpc_type_name(h.type)
						 : "(unknown type)");
	else
		prepare(r, &io);
	if (h.flags & VRPC_F_FD)
		r->fd = vrpc_stream_take_fd(&c->s);
	ret = r->early_err ? vrpc_stream_skip(&c->s, h.bulk_len, 0)
			   : read_bulk(r, &io);
	vrpc_io_release(&io);
	if (ret) {
		set_reason(c, "eof in a frame");
		req_free(r);
		return NULL;
	}
	return r;
}

/* Wait until the request of the calling thread is the only one running
 * (c->lock not held). */
static void drain(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->draining++;
	while (c->executing > 1)
		pthread_cond_wait(&c->drain_cv, &c->lock);
	c->draining--;
	pthread_mutex_unlock(&c->lock);
}

/* ---- HELLO -------------------------------------------------------------- */

static bool token_ok(const struct vrpc_hello *h)
{
	/* constant time over the agent's token */
	unsigned diff = (unsigned)(h->token_len != agent.token_len);
	const uint8_t *t = h->token;
	for (size_t i = 0; i < agent.token_len; i++)
		diff |= agent.token[i] ^ (i < h->token_len ? t[i] : 0);
	return diff == 0;
}

/* Returns false if the connection must end after the reply. */
static bool handle_hello(struct req *r)
{
	struct conn *c = r->c;
	struct vrpc_hello *h = &r->msg.u.hello;
	struct vrpc_hello_r *o = &r->rep.u.hello_r;
	if (r->early_err == VRPC_E_VERSION || h->major != VRPC_MAJOR) {
		reply_err(r, VRPC_E_VERSION, "this agent speaks version %d",
			  VRPC_MAJOR);
		o->min_major = o->max_major = VRPC_MAJOR;
		return false;
	}
	bool need = agent.token_len && (c->t->needs_token || h->token_len);
	if (need && !token_ok(h)) {
		usleep(100000);
		awarn("conn %" PRIu64 " from %s: missing or wrong token", c->id,
		      c->peer.desc);
		reply_err(r, VRPC_E_AUTH, "missing or wrong token");
		return false;
	}
	if (c->hello_done) {
		/* a new client of this stream (protocol.md §4.2) */
		drain(c);
		ainfo("conn %" PRIu64 ": new HELLO from %s: state of %s reset",
		      c->id, h->identity, c->identity);
		free_all(c);
	}
	snprintf(c->identity, sizeof(c->identity), "%s", h->identity);
	c->hello_done = true;
	c->shm_ok = c->t->pass_fds && (h->flags & VRPC_HELLO_WANT_SHM) &&
		    !agent.cfg.no_shm;
	set_timeout(c->s.fd, SO_RCVTIMEO, 0);
	struct vrpc_kv *kv =
		vrpc_pool_alloc(&r->rpool, VRPC_NR_LIMITS * sizeof(*kv));
	if (!kv) {
		reply_err(r, VRPC_E_NOMEM, "no memory");
		return false;
	}
	uint16_t minor = VRPC_MINOR;
	if (h->minor < minor)
		minor = h->minor;
	*o = (struct vrpc_hello_r){
		.major = VRPC_MAJOR,
		.minor = minor,
		.flags = (c->shm_ok ? VRPC_AGENT_SHM : 0) |
			 (agent.cfg.nr_exec_dirs ? VRPC_AGENT_EXEC : 0) |
			 (agent.cfg.exec_allow_uploads ? VRPC_AGENT_EXEC_UPLOADS
						       : 0),
		.nonce = h->nonce,
		.conn = c->id,
		.version = VACCEL_VERSION,
		.ops = agent.ops,
		.limits = kv,
		.nr_limits = (uint32_t)vrpc_limits_to_kv(&agent.cfg.lim, kv),
	};
	return true;
}

/* The client leaves. Returns false if the connection must end: always,
 * unless the stream outlives its clients (a vport): then everything is
 * freed and the stream waits for the next client's HELLO. */
static bool handle_bye(struct req *r)
{
	struct conn *c = r->c;
	if (r->early_err || !(r->msg.flags & VRPC_BYE_KEEP_STREAM)) {
		pthread_mutex_lock(&c->lock);
		c->reason = c->reason ? c->reason : "bye";
		pthread_mutex_unlock(&c->lock);
		return false;
	}
	drain(c);
	ainfo("conn %" PRIu64 ": %s left; the stream waits for a new client",
	      c->id, c->identity);
	free_all(c);
	c->hello_done = false;
	c->identity[0] = 0;
	return true;
}

/* ---- serving --------------------------------------------------------------
 */

/* Serve one request and send its reply. Returns false if the connection
 * must end. */
static bool serve(struct req *r)
{
	bool keep = true;
	if (r->hdr.type == VRPC_T_HELLO)
		keep = handle_hello(r);
	else if (r->hdr.type == VRPC_T_BYE)
		keep = handle_bye(r);
	else if (r->early_err)
		;
	else if (r->hdr.type >= VRPC_T_OP)
		handle_op(r);
	else
		handle_control(r);
	/* let go of the request's objects before the client can see the
	 * reply: its next request may release or detach them */
	release_held(r);
	if (r->finish)
		r->finish(r);
	if (r->hdr.type != VRPC_T_BYE)
		send_reply(r);
	if (r->after)
		r->after(r);
	req_free(r);
	pthread_mutex_lock(&agent.lock);
	agent.requests++;
	pthread_mutex_unlock(&agent.lock);
	return keep;
}

static void *conn_thread(void *arg);

/* Called with c->lock held, by the thread that read a computing request:
 * let another thread read meanwhile. */
static bool hand_off(struct conn *c)
{
	if ((uint64_t)c->executing >= agent.cfg.lim.max_inflight)
		return false;
	if (c->idle) {
		c->reading = false;
		pthread_cond_signal(&c->cv);
		return true;
	}
	pthread_t th;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	bool ok = pthread_create(&th, &at, conn_thread, c) == 0;
	pthread_attr_destroy(&at);
	if (ok) {
		c->nthreads++;
		c->reading = false;
	}
	return ok;
}

/* Ops that usually take less than this run on the reader thread without
 * handing the reading over (a hand-off costs a wake-up, several µs). */
#define INLINE_US 100

static bool usually_quick(struct conn *c, uint16_t type)
{
	unsigned op = type - VRPC_T_OP;
	return op < 64 && c->op_us[op] && c->op_us[op] < INLINE_US;
}

static void note_time(struct conn *c, uint16_t type, int64_t ns)
{
	unsigned op = type - VRPC_T_OP;
	uint64_t us = (uint64_t)ns / 1000;
	if (type < VRPC_T_OP || op >= 64)
		return;
	us = us ? us : 1;
	c->op_us[op] = c->op_us[op]
			       ? (uint32_t)((c->op_us[op] * 3 + us) / 4)
			       : (uint32_t)(us > UINT32_MAX ? UINT32_MAX : us);
}

static void conn_end(struct conn *c);

/* One thread of a connection: idle, or the reader (reading a request,
 * then serving it; or handing the reading over and serving it). */
static void *conn_thread(void *arg)
{
	struct conn *c = arg;
	pthread_mutex_lock(&c->lock);
	while (!c->closing) {
		if (c->reading) {
			c->idle++;
			pthread_cond_wait(&c->cv, &c->lock);
			c->idle--;
			continue;
		}
		c->reading = true;
		bool off = false;
		while (!off && !c->closing) {
			pthread_mutex_unlock(&c->lock);
			struct req *r = read_request(c);
			pthread_mutex_lock(&c->lock);
			if (!r) {
				c->closing = true;
				c->reading = false;
				break;
			}
			c->executing++;
			c->nreq++;
			off = vrpc_op_computes(r->hdr.type) && !r->early_err &&
			      !usually_quick(c, r->hdr.type) && hand_off(c);
			uint16_t type = r->hdr.type;
			pthread_mutex_unlock(&c->lock);
			int64_t t0 = vrpc_now_ns();
			bool keep = serve(r);
			int64_t dt = vrpc_now_ns() - t0;
			pthread_mutex_lock(&c->lock);
			note_time(c, type, dt);
			c->executing--;
			if (c->draining)
				pthread_cond_broadcast(&c->drain_cv);
			if (!keep) {
				if (!c->reason)
					c->reason = "closed by the agent";
				c->closing = true;
				if (!off)
					c->reading = false;
				shutdown(c->s.fd, SHUT_RD);
			}
		}
	}
	pthread_cond_broadcast(&c->cv);
	bool last = --c->nthreads == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		conn_end(c);
	return NULL;
}

/* ---- lifecycle ----------------------------------------------------------- */

static void fmt_bytes(uint64_t n, char *buf, size_t size)
{
	if (n >= (1 << 20))
		snprintf(buf, size, "%.1fMiB", (double)n / (1 << 20));
	else if (n >= 1024)
		snprintf(buf, size, "%.1fKiB", (double)n / 1024);
	else
		snprintf(buf, size, "%" PRIu64 "B", n);
}

static void conn_end(struct conn *c)
{
	uint64_t sessions = c->use.sessions, resources = c->use.resources;
	free_all(c);
	spare_free(c);
	/* out of the list first: conn_stop_all must not touch it any more */
	pthread_mutex_lock(&agent.lock);
	for (struct conn **p = &agent.conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&agent.lock);
	char in[32], out[32];
	fmt_bytes(c->s.bytes_in, in, sizeof(in));
	fmt_bytes(c->s.bytes_out, out, sizeof(out));
	double secs = (double)(vrpc_now_ns() - c->t0) / 1e9;
	ainfo("conn %" PRIu64 " %s peer %s id \"%s\": %.3fs, %" PRIu64
	      " requests, in %s, out %s, left %" PRIu64 " sessions %" PRIu64
	      " resources; end: %s",
	      c->id, c->listen_uri, c->peer.desc, c->identity, secs, c->nreq,
	      in, out, sessions, resources, c->reason ? c->reason : "eof");
	vrpc_stream_release(&c->s);
	pthread_mutex_lock(&agent.lock);
	agent.nconns--;
	pthread_cond_broadcast(&agent.cv);
	pthread_mutex_unlock(&agent.lock);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->send_lock);
	pthread_cond_destroy(&c->cv);
	pthread_cond_destroy(&c->drain_cv);
	free(c);
}

void conn_start(int fd, const struct vrpc_transport *t,
		const struct vrpc_peer *peer, const char *listen_uri)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c || vrpc_stream_init(&c->s, fd, 64 << 10)) {
		aerr("out of memory for a new connection");
		if (c)
			vrpc_stream_release(&c->s);
		else
			close(fd);
		free(c);
		return;
	}
	c->t = t;
	c->peer = *peer;
	snprintf(c->listen_uri, sizeof(c->listen_uri), "%s", listen_uri);
	c->t0 = vrpc_now_ns();
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->send_lock, NULL);
	pthread_cond_init(&c->cv, NULL);
	pthread_cond_init(&c->drain_cv, NULL);
	set_timeout(fd, SO_RCVTIMEO, agent.cfg.hello_timeout_ms);
	set_timeout(fd, SO_SNDTIMEO, agent.cfg.send_timeout_ms);

	pthread_mutex_lock(&agent.lock);
	c->id = ++agent.next_conn_id;
	c->next = agent.conns;
	agent.conns = c;
	agent.nconns++;
	agent.conns_total++;
	c->nthreads = 1;
	pthread_mutex_unlock(&agent.lock);
	adebug("conn %" PRIu64 " accepted on %s from %s", c->id, listen_uri,
	       peer->desc);

	pthread_t th;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, conn_thread, c)) {
		aerr("cannot start a thread for conn %" PRIu64, c->id);
		c->reason = "no thread";
		conn_end(c);
	}
	pthread_attr_destroy(&at);
}

void conn_stop_all(void)
{
	pthread_mutex_lock(&agent.lock);
	for (struct conn *c = agent.conns; c; c = c->next) {
		pthread_mutex_lock(&c->lock);
		if (!c->reason)
			c->reason = "agent stopping";
		pthread_mutex_unlock(&c->lock);
		shutdown(c->s.fd, SHUT_RD);
	}
	pthread_mutex_unlock(&agent.lock);
}
