// SPDX-License-Identifier: Apache-2.0
/* A connection handed to this worker: its threads, HELLO and BYE, its
 * lifecycle.
 *
 * Threads: one thread holds the reader role at a time. It reads a whole
 * request (intake.c), then serves it. A request that computes first hands
 * the reader role to an idle thread of the connection (or starts one, up
 * to max_inflight), so one connection's requests run in parallel; other
 * requests are served inline, which keeps small calls free of thread
 * hand-offs. When max_inflight requests run, nobody reads: the socket
 * applies back-pressure. The last thread to leave tears the connection
 * down, whatever ended it (BYE, EOF, reset, framing error, deadline,
 * SIGTERM).
 *
 * The front read, checked and answered the connection's first HELLO (its
 * token included): the connection arrives here ready for requests. A
 * later HELLO on the same stream (a new client of a vport) is answered
 * here. */

#include "conn_int.h"
#include "ctl.h"
#include "hello.h"
#include "dirtree.h"
#include "ring.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Release everything the connection owns (no request runs). */
static void free_all(struct conn *c)
{
	objects_free_all(&c->objs);
	if (c->dir[0])
		vaccel__fs_rm_rf(c->dir);
	c->dir[0] = 0;
	tenant_add(c->tn, TS_SESSIONS, -(int64_t)c->use.sessions);
	tenant_add(c->tn, TS_RESOURCES, -(int64_t)c->use.resources);
	tenant_add(c->tn, TS_SHM_BYTES, -(int64_t)c->use.shm);
	memset(&c->use, 0, sizeof(c->use));
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

/* ---- HELLO, BYE -----------------------------------------------------------
 */

/* Constant time over the connection's token. */
static bool token_ok(const struct conn *c, const struct vrpc_hello *h)
{
	unsigned diff = (unsigned)(h->token_len != c->token_len);
	const uint8_t *t = h->token;
	for (size_t i = 0; i < c->token_len; i++)
		diff |= c->token[i] ^ (i < h->token_len ? t[i] : 0);
	return diff == 0;
}

static void hello_reply(struct req *r, const struct vrpc_hello *h)
{
	struct vrpc_kv *kv =
		vrpc_pool_alloc(&r->rpool, VRPC_NR_LIMITS * sizeof(*kv));
	if (!kv) {
		reply_err(r, VRPC_E_NOMEM, "no memory");
		return;
	}
	hello_answer(&r->rep.u.hello_r, h, r->c->shm_ok, r->c->id, serve_ops,
		     kv);
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
	if (r->early_err)
		return false;
	/* the first HELLO was the front's; a later one (a new client of the
	 * same stream) brings the token that authenticated the stream, if
	 * one did (a stream its transport authorises, a UNIX socket, needs
	 * none) */
	if ((c->token_len || c->needs_token) && !token_ok(c, h)) {
		awarn("conn %" PRIu64 " from %s: a new HELLO with a missing or "
		      "wrong token",
		      c->id, c->peer);
		reply_err(r, VRPC_E_AUTH, "missing or wrong token");
		return false;
	}
	if (c->hello_done) {
		/* a new client of this stream (protocol.md §4.2) */
		char id[sizeof(c->identity)];
		drain(c);
		ident_clean(id, sizeof(id), h->identity);
		ainfo("conn %" PRIu64 ": new HELLO from %s: state of %s reset",
		      c->id, id, c->identity);
		free_all(c);
	}
	ident_clean(c->identity, sizeof(c->identity), h->identity);
	c->hello_done = true;
	c->shm_ok =
		c->pass_fds && (h->flags & VRPC_HELLO_WANT_SHM) && !cfg.no_shm;
	hello_reply(r, h);
	return true;
}

/* The client leaves. Returns false if the connection must end: always,
 * unless the stream outlives its clients (a vport): then everything is
 * freed and the stream waits for the next client's HELLO. */
static bool handle_bye(struct req *r)
{
	struct conn *c = r->c;
	if (r->early_err || !(r->msg.flags & VRPC_BYE_KEEP_STREAM)) {
		conn_set_reason(c, "bye");
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

/* ---- serving ---------------------------------------------------------------
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
	req_release_held(r);
	if (r->finish)
		r->finish(r);
	near_before_reply(r->c);
	if (r->hdr.type != VRPC_T_BYE)
		reply_send(r);
	if (r->after)
		r->after(r);
	return keep;
}

static void *conn_thread(void *arg);

/* A new thread's connection, and the CPUs it runs on when they are not
 * its starter's (near.c pinned that one to the CPU it waits on for its
 * client). The thread sets them itself: the filter lets a worker change
 * no other thread's (sandbox.c), and glibc sets an attribute's from the
 * starter. */
struct thread_start {
	struct conn *c;
	bool unpin;
	cpu_set_t base;
};

static bool start_thread(struct conn *c)
{
	struct thread_start *ts = malloc(sizeof(*ts));
	if (!ts)
		return false;
	ts->c = c;
	const cpu_set_t *base = near_base();
	ts->unpin = base != NULL;
	if (base)
		ts->base = *base;
	pthread_t th;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	bool ok = pthread_create(&th, &at, conn_thread, ts) == 0;
	pthread_attr_destroy(&at);
	if (!ok)
		free(ts);
	return ok;
}

/* Let the watcher's wait end when input arrives (`on`), or only when the
 * connection ends (off). A one-shot event: once it fired, the stream stays
 * disarmed until armed again. On a ring the watcher waits on the ring
 * itself (watch_wait), and the lender ends that wait when it took the role
 * back (read_and_serve): otherwise the client's next request would wake
 * the watcher too, and the lender would run after it. */
static void watch_arm(struct conn *c, bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN | EPOLLONESHOT : 0,
				  .data.u64 = 0 };
	if (!c->s.ring && c->watch_fd >= 0)
		epoll_ctl(c->watch_fd, EPOLL_CTL_MOD, c->s.fd, &ev);
}

/* Called with c->lock held, by the thread that read a computing request:
 * lend the reader role while it serves it. A watcher (an idle thread, or
 * a new one up to max_inflight) waits for input meanwhile and takes the
 * role if a request arrives; otherwise the lender takes it back, so that
 * a client calling one op after another has them all run on one thread
 * (its caches and the backend's per-thread state stay warm, and no wake-up
 * of a second thread lies between two calls: a watcher that stays after a
 * call sleeps on a disarmed stream). */
static bool lend(struct conn *c, bool *signal)
{
	if ((uint64_t)c->executing >= cfg.lim.max_inflight)
		return false;
	if (!c->watching) {
		/* signalled once the lock is released (run): a watcher woken
		 * now would wait for the lock first, two switches more */
		if (c->idle)
			*signal = true;
		else if (start_thread(c))
			c->nthreads++;
		else
			return false;
	}
	c->busy = true;
	watch_arm(c, true);
	return true;
}

static void watch_close(struct conn *c)
{
	if (c->watch_fd >= 0)
		close(c->watch_fd);
	if (c->end_fd >= 0)
		close(c->end_fd);
	c->watch_fd = c->end_fd = -1;
}

/* The watcher's epoll set: the stream (disarmed) and end_fd. Without it
 * (no descriptors left), the watcher polls the stream as before. */
static void watch_init(struct conn *c)
{
	struct epoll_event ev = { .events = 0, .data.u64 = 0 },
			   end = { .events = EPOLLIN, .data.u64 = 1 };
	c->watch_fd = epoll_create1(EPOLL_CLOEXEC);
	c->end_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->watch_fd < 0 || c->end_fd < 0 ||
	    epoll_ctl(c->watch_fd, EPOLL_CTL_ADD, c->s.fd, &ev) ||
	    epoll_ctl(c->watch_fd, EPOLL_CTL_ADD, c->end_fd, &end))
		watch_close(c);
}

/* Wait for input (or the end) on behalf of a lender; > 0 when some came.
 * A ring's input never shows on the socket: the watcher waits on the ring
 * (without spinning; at most 100 ms at a time, so that it sees the role
 * given back or the connection's end). */
static int watch_wait(struct conn *c)
{
	if (c->watch_fd < 0 || c->s.ring)
		return vrpc_stream_poll_in(&c->s, -1);
	struct epoll_event ev;
	return epoll_wait(c->watch_fd, &ev, 1, -1);
}

/* Watch the input while the reader role is lent (c->lock held). True if
 * a request arrived and this thread took the role; false when the lender
 * took it back or the connection closes. */
static bool watch(struct conn *c)
{
	bool took = false;
	c->watching = true;
	while (c->busy && !c->closing) {
		if (c->s.rlen > c->s.rpos) {
			took = true;
			break;
		}
		uint64_t seen = c->returned;
		pthread_mutex_unlock(&c->lock);
		int n = watch_wait(c);
		pthread_mutex_lock(&c->lock);
		/* input that the lender did not come back for meanwhile */
		if (n > 0 && c->busy && !c->closing && c->returned == seen) {
			took = true;
			break;
		}
		/* the event of an earlier lending (a one-shot one): armed
		 * again for this one */
		if (n > 0 && c->busy && !c->closing)
			watch_arm(c, true);
	}
	c->watching = false;
	if (took) {
		c->busy = false;
		c->taken++;
	}
	return took;
}

/* Ops that usually take less than this run on the reader thread without
 * handing the reading over (a hand-off costs a wake-up, several µs). */
#define INLINE_US 100

static bool usually_quick(struct conn *c, uint16_t type)
{
	uint32_t us = vrpc_optime_get(&c->optime, type);
	return us && us < INLINE_US;
}

static void unlink_running(struct conn *c, struct req *r)
{
	for (struct req **p = &c->running; *p; p = &(*p)->run_next) {
		if (*p == r) {
			*p = r->run_next;
			return;
		}
	}
}

/* Serve `r` (read by this thread; c->lock held, and held again on
 * return); `signal`: wake an idle thread to watch meanwhile. Returns false
 * if the connection must end. */
static bool run(struct conn *c, struct req *r, bool signal)
{
	uint16_t type = r->hdr.type;
	r->t_start = vrpc_now_ns();
	r->run_next = c->running;
	c->running = r;
	pthread_mutex_unlock(&c->lock);
	if (signal)
		pthread_cond_signal(&c->cv);
	int64_t t0 = r->t_start;
	bool keep = serve(r);
	int64_t dt = vrpc_now_ns() - t0;
	uint32_t status = r->rep.status;
	uint64_t in = VRPC_HDR_SIZE + r->hdr.fields_len + r->hdr.bulk_len;
	uint64_t out = r->sent;
	pthread_mutex_lock(&c->lock);
	unlink_running(c, r);
	pthread_mutex_unlock(&c->lock);
	req_free(r);
	op_stats_note(type, status, dt);
	tenant_add(c->tn, TS_REQUESTS, 1);
	tenant_add(c->tn, TS_BYTES_IN, (int64_t)in);
	tenant_add(c->tn, TS_BYTES_OUT, (int64_t)out);
	pthread_mutex_lock(&c->lock);
	vrpc_optime_note(&c->optime, type, dt);
	c->executing--;
	if (c->draining)
		pthread_cond_broadcast(&c->drain_cv);
	if (!keep) {
		if (!c->reason)
			c->reason = "closed by the agent";
		c->closing = true;
		shutdown(c->s.fd, SHUT_RD);
	}
	return keep;
}

static void conn_end(struct conn *c);

/* The reader role (c->lock held): read a request, serve it, again, until
 * the connection ends or a watcher took the role while this thread served
 * a request. */
static void read_and_serve(struct conn *c)
{
	bool kick = false;
	while (!c->closing) {
		pthread_mutex_unlock(&c->lock);
		/* outside the lock, which the watcher takes at once */
		if (kick)
			vrpc_ring_kick(c->s.ring);
		kick = false;
		near_before_wait(c);
		struct req *r = intake_read(c);
		if (r)
			near_after_read(c, r->hdr.type);
		pthread_mutex_lock(&c->lock);
		if (!r) {
			c->closing = true;
			c->reading = false;
			near_leave();
			return;
		}
		c->executing++;
		c->nreq++;
		uint64_t taken = c->taken;
		bool signal = false;
		bool lent = vrpc_op_computes(r->hdr.type) && !r->early_err &&
			    !usually_quick(c, r->hdr.type) && lend(c, &signal);
		bool keep = run(c, r, signal);
		if (lent && c->taken != taken) {
			near_leave();
			return; /* the watcher reads now */
		}
		if (lent) {
			c->busy = false;
			c->returned++;
			watch_arm(c, false);
			kick = c->s.ring && c->watching;
		}
		if (!keep) {
			c->reading = false;
			near_leave();
			return;
		}
	}
	c->reading = false;
	near_leave();
}

/* One thread of a connection: idle, the reader (reading requests and
 * serving them), or the watcher of a reader that serves one. */
static void *conn_thread(void *arg)
{
	struct thread_start *ts = arg;
	struct conn *c = ts->c;
	if (ts->unpin)
		sched_setaffinity(0, sizeof(ts->base), &ts->base);
	free(ts);
	pthread_mutex_lock(&c->lock);
	while (!c->closing) {
		if (!c->reading) {
			c->reading = true;
			read_and_serve(c);
		} else if (c->busy && !c->watching) {
			if (watch(c))
				read_and_serve(c);
		} else {
			c->idle++;
			pthread_cond_wait(&c->cv, &c->lock);
			c->idle--;
		}
	}
	pthread_cond_broadcast(&c->cv);
	/* a watcher still waiting on a disarmed stream */
	if (c->watching && c->end_fd >= 0 && eventfd_write(c->end_fd, 1) < 0)
		awarn("conn %" PRIu64 ": cannot end a watcher's wait", c->id);
	bool last = --c->nthreads == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		conn_end(c);
	return NULL;
}

/* ---- lifecycle ------------------------------------------------------------
 */

static void fmt_bytes(uint64_t n, char *buf, size_t size)
{
	if (n >= (1 << 20))
		snprintf(buf, size, "%.1fMiB", (double)n / (1 << 20));
	else if (n >= 1024)
		snprintf(buf, size, "%.1fKiB", (double)n / 1024);
	else
		snprintf(buf, size, "%" PRIu64 "B", n);
}

static void log_end(struct conn *c, uint64_t sessions, uint64_t resources)
{
	char in[32], out[32];
	ring_log_end(c->id, &c->s, c->nreq, atomic_load(&c->near_pins),
		     atomic_load(&c->near_backoffs));
	fmt_bytes(c->s.bytes_in, in, sizeof(in));
	fmt_bytes(c->s.bytes_out, out, sizeof(out));
	double secs = (double)(vrpc_now_ns() - c->t0) / 1e9;
	ainfo("conn %" PRIu64 " %s peer %s tenant %s id \"%s\": %.3fs, %" PRIu64
	      " requests, in %s, out %s, left %" PRIu64 " sessions %" PRIu64
	      " resources; end: %s",
	      c->id, c->listen_uri, c->peer, c->tn->name, c->identity, secs,
	      c->nreq, in, out, sessions, resources,
	      c->reason ? c->reason : "eof");
}

static void conn_end(struct conn *c)
{
	uint64_t sessions = c->use.sessions, resources = c->use.resources;
	free_all(c);
	conn_spare_free(c);
	/* out of the list first: conn_stop_all must not touch it any more;
	 * still counted (conns_alive) until all below is done: a worker told
	 * to exit waits for that count, and its exit's teardown ran under a
	 * connection still ending here (ASan: a write to freed memory in a
	 * CI run, a connection that had just ended at the agent's stop) */
	pthread_mutex_lock(&conns_lock);
	for (struct conn **p = &conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&conns_lock);
	log_end(c, sessions, resources);
	/* the front keeps a copy of the descriptor: end the stream for the
	 * client now */
	shutdown(c->s.fd, SHUT_RDWR);
	watch_close(c);
	vrpc_stream_release(&c->s);
	tenant_add(c->tn, TS_CONNS, -1);
	c->closed(c->id);
	objects_release(&c->objs);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->send_lock);
	pthread_cond_destroy(&c->cv);
	pthread_cond_destroy(&c->drain_cv);
	free(c);
	pthread_mutex_lock(&conns_lock);
	nconns--;
	pthread_mutex_unlock(&conns_lock);
}

static struct conn *conn_new(int fd, const struct ctl_msg *m, struct tenant *tn)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c || vrpc_stream_init(&c->s, fd, 64 << 10)) {
		if (c)
			vrpc_stream_release(&c->s);
		else
			close(fd);
		free(c);
		return NULL;
	}
	c->id = m->conn;
	c->hello_done = true;
	c->shm_ok = m->shm_ok;
	ident_clean(c->identity, sizeof(c->identity), m->identity);
	c->tn = tn;
	c->pass_fds = m->pass_fds && c->s.pass_fds;
	c->needs_token = m->needs_token;
	memcpy(c->token, m->token, m->token_len);
	c->token_len = m->token_len;
	snprintf(c->peer, sizeof(c->peer), "%s", m->peer);
	snprintf(c->listen_uri, sizeof(c->listen_uri), "%s", m->listen);
	c->t0 = vrpc_now_ns();
	objects_init(&c->objs, tn->cache);
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->send_lock, NULL);
	pthread_cond_init(&c->cv, NULL);
	pthread_cond_init(&c->drain_cv, NULL);
	c->nthreads = 1;
	watch_init(c);
	return c;
}

void conn_start(int fd, const struct ctl_msg *m, void (*closed)(uint64_t id))
{
	struct tenant *tn = tenant_get(m->tenant);
	struct conn *c = tn ? conn_new(fd, m, tn) : NULL;
	if (!c) {
		aerr("cannot serve conn %" PRIu64 " of %s", m->conn, m->tenant);
		if (!tn)
			close(fd);
		closed(m->conn);
		return;
	}
	c->closed = closed;
	tenant_add(tn, TS_CONNS, 1);
	tenant_add(tn, TS_CONNS_TOTAL, 1);
	pthread_mutex_lock(&conns_lock);
	c->next = conns;
	conns = c;
	nconns++;
	pthread_mutex_unlock(&conns_lock);
	adebug("conn %" PRIu64 " of %s from %s on %s", c->id, tn->name, c->peer,
	       c->listen_uri);
	if (!start_thread(c)) {
		aerr("cannot start a thread for conn %" PRIu64, c->id);
		c->reason = "no thread";
		conn_end(c);
	}
}

void conn_stop_all(void)
{
	pthread_mutex_lock(&conns_lock);
	for (struct conn *c = conns; c; c = c->next) {
		conn_set_reason(c, "agent stopping");
		shutdown(c->s.fd, SHUT_RD);
	}
	pthread_mutex_unlock(&conns_lock);
}

int64_t conn_oldest_call(uint16_t *type, uint64_t *id)
{
	int64_t oldest = 0;
	pthread_mutex_lock(&conns_lock);
	for (struct conn *c = conns; c; c = c->next) {
		pthread_mutex_lock(&c->lock);
		for (struct req *r = c->running; r; r = r->run_next) {
			if (!oldest || r->t_start < oldest) {
				oldest = r->t_start;
				*type = r->hdr.type;
				*id = c->id;
			}
		}
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&conns_lock);
	return oldest;
}
