// SPDX-License-Identifier: Apache-2.0
/* Calls on the link: request ids, sending, waiting for the reply.
 *
 * A call sends its request under the send lock, then waits for its reply.
 * There is no reader thread: a waiting thread reads the stream itself when
 * nobody else does, so a single-threaded application reads its own reply
 * with no hand-off. A reader that gets another call's reply hands it over;
 * if that reply has bulk data, the stream stays with its call, which reads
 * the bulk straight into its destination (reply.c; an application buffer,
 * so no other thread ever writes there after that call returned).
 *
 * Deadline: waiting for the first byte of a frame honours the call's
 * deadline and leaves the stream intact; a call that times out is
 * abandoned (its reply will be skipped, its shared memory kept until
 * then). A frame that stops in the middle, a closed or reset connection,
 * a malformed reply: the link is dead (link.c). */

#include "rpc.h"
#include "ring.h"
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* Lends shared memory to large request buffers (shm.c), if set. */
static vrpc_place_fn place;

void rpc_call_set_place(vrpc_place_fn fn)
{
	place = fn;
}

int rpc_begin(struct rpc_ctx *x, uint16_t type, uint64_t gen)
{
	struct rpc_link *l;
	int ret = gen ? rpc_link_get_gen(gen, &l) : rpc_link_get(&l);
	if (ret) {
		memset(x, 0, sizeof(*x));
		return ret;
	}
	ret = rpc_begin_link(x, type, l);
	rpc_link_put(l);
	return ret;
}

/* Zero `size` bytes at `p` but [from, to) (storage that is written before
 * it is read: clearing it was about a tenth of a small call's work). */
static void clear_but(void *p, size_t size, size_t from, size_t to)
{
	memset(p, 0, from);
	memset((uint8_t *)p + to, 0, size - to);
}

/* rpc_begin_link leaves [the decoder's encoding storage, the pool's seed]
 * alone: nothing may lie between them but padding. */
_Static_assert(offsetof(struct rpc_ctx, pool_seed) -
			       (offsetof(struct rpc_ctx, dec) +
				sizeof(struct vrpc_io)) <
		       16,
	       "pool_seed follows dec");

int rpc_begin_link(struct rpc_ctx *x, uint16_t type, struct rpc_link *l)
{
	/* all but the decoder's encoding storage (1.3 KiB, unused) and the
	 * pool's seed (written before it is read) */
	const size_t dec = offsetof(struct rpc_ctx, dec);
	clear_but(x, sizeof(*x), dec + offsetof(struct vrpc_io, hdr),
		  offsetof(struct rpc_ctx, pool_seed) + sizeof(x->pool_seed));
	vrpc_pool_seed(&x->pool, x->pool_seed, sizeof(x->pool_seed));
	x->req.type = type;
	x->fd = -1;
	atomic_fetch_add(&l->refs, 1);
	x->link = l;
	/* not calloc: its shared regions (0.8 KiB) are used up to nregions */
	x->call = atomic_exchange(&l->spare_call, NULL);
	if (!x->call)
		x->call = malloc(sizeof(*x->call));
	if (!x->call) {
		rpc_link_put(x->link);
		x->link = NULL;
		return VACCEL_ENOMEM;
	}
	const size_t reg = offsetof(struct rpc_call, regions);
	clear_but(x->call, sizeof(*x->call), reg,
		  reg + sizeof(x->call->regions));
	return 0;
}

/* A window caught its reply only if no other thread ran on this CPU
 * while it polled: one that did was most likely the worker (the
 * scheduler put it next to this client), and there polling adds system
 * calls to the switch a sleep would have cost (TCP on one vCPU: up to
 * +5.5 µs over the raw ping-pong); such windows pause like missed
 * ones. */
static void note_window(struct rpc_link *l, bool caught)
{
	vrpc_spinwin_note(&l->spinwin, caught && !l->s.ready_ran_other);
}

/* When the reply to `x` is due, by the recent durations of its op: wait
 * for it by polling from a little before to a little after (a spin of at
 * most 1/32 of the call's time and VACCEL_RPC_SPIN_US, twice that before),
 * so that a reply arriving then does not pay for waking an idle CPU
 * (40-190 µs in this VM). Twice before: a duration measured by a client
 * that slept includes its own wake-up, which would put the window after
 * the reply for good. A short call on a socket (a usual time of at most
 * a quarter of VACCEL_RPC_SPIN_US: 50 µs) is polled for from the start
 * to twice its usual time: its reply comes about when an idle CPU would
 * wake, and a reply sent to a client that is still running costs the
 * worker no IPI either (a UNIX noop across vCPUs: 29 -> 17-22 µs, +4 µs
 * of the client's CPU per call; docs/benchmarks.md, "Short calls").
 * Windows that keep missing pause it (vrpc_spinwin_open). */
static void spin_for_reply(struct rpc_link *l, struct rpc_ctx *x)
{
	/* a near call: the worker runs on this CPU, a window's wake-up
	 * would only preempt it */
	if (!rpc_cfg.spin_us || x->near_cpu >= 0)
		return;
	int64_t expect =
		(int64_t)vrpc_optime_get(&l->optime, x->req.type) * 1000;
	if (!expect)
		return;
	int64_t due = x->t0 + expect;
	if (!l->s.ring && 4 * expect <= rpc_cfg.spin_us * 1000) {
		/* the ring spins by itself (VACCEL_RPC_RING_SPIN_US) */
		if (vrpc_spinwin_open(&l->spinwin))
			note_window(l, vrpc_stream_ready_by(&l->s, 0,
							    due + expect));
		return;
	}
	int64_t spin = expect / 32 < rpc_cfg.spin_us * 1000
			       ? expect / 32
			       : rpc_cfg.spin_us * 1000;
	if (spin < 2000 || due + spin <= vrpc_now_ns() ||
	    !vrpc_spinwin_open(&l->spinwin))
		return;
	note_window(l, vrpc_stream_ready_by(&l->s, due - 2 * spin, due + spin));
}

/* The agent's word on this connection (a NOTICE: id 0, no bulk): its
 * tenant's worker is gone, and why. Every call in flight fails with that
 * reason; the next call connects again (to a new worker). */
static int notice(struct rpc_link *l, const struct vrpc_hdr *h, uint8_t *fields)
{
	struct vrpc_msg m = { .type = VRPC_T_NOTICE, .reply = true };
	struct vrpc_pool pool = { 0 };
	struct vrpc_io io;
	vrpc_io_init_dec(&io, fields, h->fields_len, &pool, NULL);
	vrpc_msg_io(&io, &m);
	bool ok = !vrpc_io_finish_dec(&io, h->bulk_len) && m.status;
	pthread_mutex_lock(&l->lock);
	snprintf(l->why, sizeof(l->why), "%s",
		 ok && m.message ? m.message : "the agent ended it");
	rpc_link_fail(l, l->why,
		      ok ? vrpc_err_from_wire(m.status) : VACCEL_EIO);
	pthread_mutex_unlock(&l->lock);
	vrpc_io_release(&io);
	vrpc_pool_release(&pool);
	free(fields);
	return ok ? 0 : RPC_EPROTO;
}

/* Read one frame and give it to its call (l->reading held by us). Returns
 * 0, VACCEL_ETIMEDOUT when no frame started before `deadline` (the stream
 * is intact), or another error (the link is dead). */
static int read_one(struct rpc_link *l, struct rpc_ctx *x)
{
	int64_t frame_dl = vrpc_deadline(rpc_cfg.timeout_ms);
	if (l->discard) {
		int ret = vrpc_stream_skip(&l->s, l->discard, frame_dl);
		if (ret)
			return ret;
		l->discard = 0;
	}
	spin_for_reply(l, x);
	int ret = vrpc_stream_fill(&l->s, x->deadline);
	if (ret)
		return ret == VACCEL_ETIMEDOUT ? ret : VACCEL_EIO;
	struct vrpc_hdr h;
	uint8_t *fields = NULL;
	ret = rpc_read_frame(l, &h, &fields, frame_dl);
	if (ret)
		return ret == VACCEL_ETIMEDOUT ? VACCEL_EIO : ret;
	if (h.type == VRPC_T_NOTICE && !h.id)
		return notice(l, &h, fields);
	pthread_mutex_lock(&l->lock);
	struct rpc_call **p = &l->pending, *c = NULL;
	for (; *p; p = &(*p)->next) {
		if ((*p)->id == h.id) {
			c = *p;
			break;
		}
	}
	if (c && !c->abandoned && c->state == RPC_CALL_WAIT) {
		/* answered: off the list now (rpc_end need not lock for it) */
		*p = c->next;
		c->hdr = h;
		c->fields = fields;
		c->state = RPC_CALL_GOT;
		/* with bulk, the stream stays with the call */
		l->reading = h.bulk_len != 0;
	} else {
		if (c) {
			*p = c->next;
			rpc_call_free(l, c);
		}
		rpc_fields_free(l, fields, h.fields_len);
		l->discard = h.bulk_len;
		l->reading = false;
	}
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->lock);
	return 0;
}

/* Wait until the reply of `c` arrived (its fields, and with bulk, the
 * stream), reading frames ourselves when nobody else does. */
static int wait_reply(struct rpc_ctx *x)
{
	struct rpc_link *l = x->link;
	struct rpc_call *c = x->call;
	int ret = 0;
	pthread_mutex_lock(&l->lock);
	while (c->state == RPC_CALL_WAIT) {
		if (l->dead) {
			c->state = RPC_CALL_FAILED;
			c->err = VACCEL_EIO;
			break;
		}
		if (!l->reading) {
			l->reading = true;
			pthread_mutex_unlock(&l->lock);
			ret = read_one(l, x);
			pthread_mutex_lock(&l->lock);
			if (ret == VACCEL_ETIMEDOUT) {
				l->reading = false;
				pthread_cond_broadcast(&l->cv);
				break;
			}
			if (ret) {
				l->reading = false;
				rpc_link_kill(l, ret == RPC_EPROTO
							 ? "malformed reply"
							 : "end of stream");
			}
			ret = 0;
			continue;
		}
		if (x->deadline) {
			struct timespec ts;
			int64_t ns = x->deadline - vrpc_now_ns();
			if (ns <= 0) {
				ret = VACCEL_ETIMEDOUT;
				break;
			}
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(ns / 1000000000);
			ts.tv_nsec += (long)(ns % 1000000000);
			if (ts.tv_nsec >= 1000000000)
				ts.tv_sec++, ts.tv_nsec -= 1000000000;
			pthread_cond_timedwait(&l->cv, &l->lock, &ts);
		} else {
			pthread_cond_wait(&l->cv, &l->lock);
		}
	}
	if (c->state == RPC_CALL_GOT)
		ret = 0;
	else if (c->state == RPC_CALL_FAILED && l->why[0])
		/* the agent said why (NOTICE): the application's reason */
		ret = vaccel_fail(c->err, LOG_PREFIX "%s: %s",
				  vrpc_type_name(x->req.type), l->why);
	else if (c->state == RPC_CALL_FAILED)
		ret = c->err;
	else if (ret == VACCEL_ETIMEDOUT) {
		/* the reply will be skipped by whoever reads it; the call
		 * (and the shared memory it lent) is freed then */
		c->abandoned = true;
		x->call = NULL;
		rpc_err("%s: no reply within %" PRId64 " ms "
			"(VACCEL_RPC_TIMEOUT_MS)",
			vrpc_type_name(x->req.type), rpc_cfg.timeout_ms);
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

/* Calls with this much data in shared memory, and calls of ops that
 * usually take VRPC_NEAR_LONG_US, ask the ring's worker to wait for the next
 * request on this thread's CPU: the bytes this thread copies in and out
 * stay in one CPU's cache (a 1 MiB copy crossing between two vCPUs here
 * costs several times a memcpy), and neither side wakes an idle CPU
 * (15-85 µs each way on a VM) while this thread sleeps through the op.
 * Other calls leave both sides on their own CPUs, spinning (small calls:
 * a few µs across vCPUs, where one CPU takes ~13 µs). Long calls were
 * tried before with their ops unpinned once read: no gain beyond the
 * noise; with the op kept on this CPU, bench-rpc infer-free went from
 * 1.010-1.044 to 0.968-1.036 (docs/benchmarks.md, "Near for long
 * calls"). */
#define NEAR_MIN_BYTES (256u << 10)

static void ask_near(struct rpc_link *l, struct rpc_ctx *x)
{
	int cpu = -1;
	if (rpc_cfg.near &&
	    (x->shm_bytes >= NEAR_MIN_BYTES ||
	     vrpc_optime_get(&l->optime, x->req.type) >= VRPC_NEAR_LONG_US))
		cpu = sched_getcpu();
	vrpc_ring_set_near(l->s.ring, cpu);
	x->near_cpu = cpu;
}

/* A near call whose worker waits on this CPU: stay on it until the reply
 * (a reply can wake this thread on another, idle CPU, since the worker is
 * still running when it wakes it; the worker then follows it there, and
 * the data crosses between CPUs again). Only near calls (made on a ring)
 * get here. Three system calls (~5 µs in a
 * VM), so only for a while after this thread was seen woken elsewhere
 * (STAY_CALLS near calls). The application's mask is saved in `saved` and
 * put back by unstay(). */
#define STAY_CALLS 64

static bool stay(struct rpc_link *l, struct rpc_ctx *x, cpu_set_t *saved)
{
	cpu_set_t one;
	if (x->near_cpu < 0 ||
	    atomic_load_explicit(&l->stay_calls, memory_order_relaxed) <= 0 ||
	    !vrpc_ring_peer_on(l->s.ring, x->near_cpu) ||
	    sched_getaffinity(0, sizeof(*saved), saved) ||
	    CPU_COUNT(saved) < 2 || !CPU_ISSET(x->near_cpu, saved))
		return false;
	atomic_fetch_sub_explicit(&l->stay_calls, 1, memory_order_relaxed);
	CPU_ZERO(&one);
	CPU_SET(x->near_cpu, &one);
	return !sched_setaffinity(0, sizeof(one), &one);
}

static void unstay(const cpu_set_t *saved)
{
	sched_setaffinity(0, sizeof(*saved), saved);
}

static int send_request(struct rpc_ctx *x)
{
	struct rpc_link *l = x->link;
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	vrpc_io_init_enc(&io);
	io.sending = true;
	if (l->shm && place) {
		io.place = place;
		io.place_ctx = x;
	}
	vrpc_msg_io(&io, &x->req);
	pthread_mutex_lock(&l->lock);
	x->call->id = ++l->next_id;
	uint32_t err =
		vrpc_io_frame(&io, x->req.type, x->fd >= 0 ? VRPC_F_FD : 0,
			      x->call->id, &iov, &niov);
	int ret = l->dead ? VACCEL_EIO : 0;
	if (!ret && !err) {
		x->call->next = l->pending;
		l->pending = x->call;
	}
	pthread_mutex_unlock(&l->lock);
	if (err)
		ret = vaccel_fail(vrpc_err_from_wire(err),
				  LOG_PREFIX
				  "%s: cannot encode the request: %s",
				  vrpc_type_name(x->req.type),
				  err == VRPC_E_INVAL
					  ? "a buffer with a nonzero size and "
					    "no address (NULL)"
					  : vrpc_err_name(err));
	if (!ret) {
		pthread_mutex_lock(&l->send_lock);
		if (l->s.ring)
			ask_near(l, x);
		ret = vrpc_stream_writev(&l->s, iov, niov, x->fd, x->deadline);
		pthread_mutex_unlock(&l->send_lock);
		if (ret) {
			/* a partly written frame: the stream is lost */
			pthread_mutex_lock(&l->lock);
			rpc_link_kill(l, "cannot send");
			pthread_mutex_unlock(&l->lock);
			ret = VACCEL_EIO;
		}
	}
	vrpc_io_release(&io);
	return ret;
}

/* Remove the call from the link's list (it is answered or failed). */
void rpc_call_unlink(struct rpc_link *l, struct rpc_call *c)
{
	pthread_mutex_lock(&l->lock);
	for (struct rpc_call **p = &l->pending; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&l->lock);
}

int rpc_call(struct rpc_ctx *x)
{
	x->t0 = vrpc_now_ns();
	x->deadline =
		rpc_cfg.timeout_ms ? x->t0 + rpc_cfg.timeout_ms * 1000000 : 0;
	x->near_cpu = -1;
	int ret = send_request(x);
	if (!ret) {
		cpu_set_t saved;
		bool stayed = stay(x->link, x, &saved);
		ret = wait_reply(x);
		if (stayed)
			unstay(&saved);
		else if (x->near_cpu >= 0 && sched_getcpu() != x->near_cpu)
			atomic_store_explicit(&x->link->stay_calls, STAY_CALLS,
					      memory_order_relaxed);
	}
	if (ret)
		return ret;
	vrpc_optime_note(&x->link->optime, x->req.type, vrpc_now_ns() - x->t0);
	struct rpc_call *c = x->call;
	x->rep.type = x->req.type;
	x->rep.reply = true;
	vrpc_io_init_dec(&x->dec, c->fields, c->hdr.fields_len, &x->pool, NULL);
	vrpc_msg_io(&x->dec, &x->rep);
	/* at most one copy and one allocation per buffer of the reply */
	if (x->dec.nbufs <= RPC_INLINE_SLOTS) {
		x->copies = x->copies_inline;
		x->owned = x->owned_inline;
	} else {
		x->copies = vrpc_pool_alloc(&x->pool,
					    x->dec.nbufs * sizeof(*x->copies));
		x->owned = vrpc_pool_alloc(&x->pool,
					   x->dec.nbufs * sizeof(*x->owned));
	}
	if (!x->copies || !x->owned ||
	    vrpc_io_finish_dec(&x->dec, c->hdr.bulk_len)) {
		pthread_mutex_lock(&x->link->lock);
		rpc_link_kill(x->link, "malformed reply");
		pthread_mutex_unlock(&x->link->lock);
		return VACCEL_EIO;
	}
	return 0;
}

bool rpc_call_add_region(struct rpc_ctx *x, struct rpc_region r)
{
	struct rpc_call *c = x->call;
	if (!c || c->nregions == RPC_MAX_REGIONS)
		return false;
	c->regions[c->nregions++] = r;
	return true;
}
