// SPDX-License-Identifier: Apache-2.0
/* The shared-memory ring (ring.h, docs/protocol.md §11).
 *
 * Waking: a consumer that is about to sleep adds itself to the
 * direction's sleeper count, checks the producer's index again and sleeps
 * on that index with FUTEX_WAIT; a producer publishes its index, then
 * (after a full barrier) calls FUTEX_WAKE only if the count is not zero.
 * Space for a producer works the same way on the consumer's index.
 *
 * Spinning (the rule docs/protocol.md states): before sleeping a waiter
 * spins for its budget, which tunes itself: a wait that ended during the
 * spin keeps it; a wait that slept sets it to twice the wait when the
 * wait was shorter than VRPC_RING_SPIN_MAX (spinning would have caught
 * it), else halves it (to 0 under 1 µs). It does not spin at all when
 * the peer last waited on the same CPU (it would only delay the peer),
 * or for 50 ms after a spin was preempted (a gap of over 30 µs between
 * two clock readings: another task wanted this CPU, the machine is
 * loaded). Sleeps last at most 100 ms at a time (1 s once a wait without
 * a deadline has lasted a second: an idle connection): between them the
 * socket is checked for hang-up, so a dead peer ends the wait. */

#include "ring.h"
#include "shm.h"
#include "transport.h"
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <vaccel/error.h>

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield")
#else
#define cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

/* Offsets in the header page: one block per direction (0: client to
 * agent, 1: agent to client), each word on its own cache line; then the
 * CPU each side last waited on. */
#define DIR_BLOCK  512
#define OFF_TAIL   0
#define OFF_HEAD   64
#define OFF_DWAIT  128
#define OFF_SWAIT  192
#define OFF_CPU(s) (2048 + 64 * (s))
/* the CPU the client asks the worker to wait on, plus 1 (0: none) */
#define OFF_NEAR 2176

#define SLEEP_SLICE_NS 100000000
/* a wait without a deadline (a worker waiting for a connection's next
 * request) that lasted a second: an idle connection, checked every second */
#define IDLE_SLICE_NS	 1000000000
#define PREEMPT_GAP_NS	 30000
#define LOADED_BACKOFF	 50000000
#define SPIN_INITIAL_NS	 50000
#define SPIN_CHECK_EVERY 8

typedef _Atomic uint32_t aword;

struct half {
	aword *tail, *head, *dwait, *swait;
	uint8_t *data;
	uint32_t size;
	/* our own index: the head of the ring we read, the tail of the one
	 * we write (never read back from the mapping; atomic: an agent's
	 * watcher thread checks for input while the reader reads) */
	aword pos;
	/* the waits of this half's one waiter (the reader of `in`, the
	 * writer of `out`): spin budget, and no spinning before
	 * loaded_until */
	int64_t budget, loaded_until;
	struct vrpc_ring_stats st;
};

struct vrpc_ring {
	uint8_t *map;
	size_t map_size;
	struct half in, out;
	aword *my_cpu, *peer_cpu;
	/* the near word, and what this client last wrote there (+1) */
	aword *near;
	uint32_t near_set;
	int64_t spin_max;
	/* vrpc_ring_kick calls so far (this process's own, not shared) */
	aword kicks;
};

static aword *word(uint8_t *map, unsigned dir, unsigned off)
{
	return (aword *)(map + dir * DIR_BLOCK + off);
}

static void half_init(struct half *h, uint8_t *map, unsigned dir, uint8_t *data,
		      uint32_t size)
{
	h->tail = word(map, dir, OFF_TAIL);
	h->head = word(map, dir, OFF_HEAD);
	h->dwait = word(map, dir, OFF_DWAIT);
	h->swait = word(map, dir, OFF_SWAIT);
	h->data = data;
	h->size = size;
	atomic_init(&h->pos, 0);
	h->budget = SPIN_INITIAL_NS;
}

static bool size_ok(uint32_t n)
{
	return n >= VRPC_RING_MIN && n <= VRPC_RING_MAX && !(n & (n - 1));
}

/* side 0: the client (writes direction 0), 1: the agent */
static struct vrpc_ring *ring_new(uint8_t *map, uint32_t to_agent,
				  uint32_t to_client, unsigned side)
{
	struct vrpc_ring *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->map = map;
	r->map_size = VRPC_RING_HDR + (size_t)to_agent + to_client;
	uint8_t *d0 = map + VRPC_RING_HDR, *d1 = d0 + to_agent;
	half_init(side ? &r->in : &r->out, map, 0, d0, to_agent);
	half_init(side ? &r->out : &r->in, map, 1, d1, to_client);
	r->my_cpu = (aword *)(map + OFF_CPU(side));
	r->peer_cpu = (aword *)(map + OFF_CPU(!side));
	r->near = (aword *)(map + OFF_NEAR);
	r->spin_max = VRPC_RING_SPIN_MAX;
	return r;
}

int vrpc_ring_create(uint32_t size, int *fd, struct vrpc_ring **out)
{
	void *map;
	if (!size_ok(size))
		return VACCEL_EINVAL;
	int ret = vrpc_shm_create_named(
		"vaccel-ring", VRPC_RING_HDR + 2 * (size_t)size, fd, &map);
	if (ret)
		return ret;
	*out = ring_new(map, size, size, 0);
	if (*out) {
		/* no side has waited on a CPU yet */
		atomic_store((aword *)((uint8_t *)map + OFF_CPU(0)),
			     UINT32_MAX);
		atomic_store((aword *)((uint8_t *)map + OFF_CPU(1)),
			     UINT32_MAX);
		return 0;
	}
	munmap(map, VRPC_RING_HDR + 2 * (size_t)size);
	close(*fd);
	return VACCEL_ENOMEM;
}

int vrpc_ring_attach(int fd, uint32_t to_agent, uint32_t to_client,
		     struct vrpc_ring **out)
{
	void *map;
	if (!size_ok(to_agent) || !size_ok(to_client))
		return VACCEL_EINVAL;
	size_t total = VRPC_RING_HDR + (size_t)to_agent + to_client;
	int ret = vrpc_shm_map_peer(fd, total, &map);
	if (ret)
		return ret;
	*out = ring_new(map, to_agent, to_client, 1);
	if (*out)
		return 0;
	munmap(map, total);
	return VACCEL_ENOMEM;
}

void vrpc_ring_free(struct vrpc_ring *r)
{
	if (!r)
		return;
	munmap(r->map, r->map_size);
	free(r);
}

void vrpc_ring_set_spin(struct vrpc_ring *r, int64_t ns)
{
	r->spin_max = ns < 0			? 0
		      : ns > VRPC_RING_SPIN_MAX ? VRPC_RING_SPIN_MAX
						: ns;
	if (r->in.budget > r->spin_max)
		r->in.budget = r->spin_max;
	if (r->out.budget > r->spin_max)
		r->out.budget = r->spin_max;
}

static void futex_wake(aword *w)
{
	syscall(SYS_futex, (void *)w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void futex_wait(aword *w, uint32_t val, int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000),
			       (long)(ns % 1000000000) };
	syscall(SYS_futex, (void *)w, FUTEX_WAIT, val, &ts, NULL, 0);
}

/* Publish index `v` at `w`, then wake the sleepers counted at `sleepers`
 * (the barrier orders our store before reading their count; they count
 * themselves before reading our index again). */
static void publish(aword *w, uint32_t v, aword *sleepers)
{
	atomic_store_explicit(w, v, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(sleepers, memory_order_relaxed))
		futex_wake(w);
}

/* Bytes readable: -1 if the peer's tail claims more than the ring. */
static int64_t readable(const struct half *h)
{
	uint32_t n = atomic_load_explicit(h->tail, memory_order_acquire) -
		     atomic_load_explicit(&h->pos, memory_order_relaxed);
	return n > h->size ? -1 : (int64_t)n;
}

/* Bytes writable: -1 if the peer's head is ahead of us or too far
 * behind. */
static int64_t writable(const struct half *h)
{
	uint32_t used = atomic_load_explicit(&h->pos, memory_order_relaxed) -
			atomic_load_explicit(h->head, memory_order_acquire);
	return used > h->size ? -1 : (int64_t)(h->size - used);
}

long vrpc_ring_read(struct vrpc_ring *r, void *dst, size_t len)
{
	struct half *h = &r->in;
	int64_t avail = readable(h);
	if (avail <= 0)
		return (long)avail;
	size_t n = len < (size_t)avail ? len : (size_t)avail;
	uint32_t pos = atomic_load_explicit(&h->pos, memory_order_relaxed);
	uint32_t at = pos & (h->size - 1);
	size_t first = n < h->size - at ? n : h->size - at;
	memcpy(dst, h->data + at, first);
	memcpy((uint8_t *)dst + first, h->data, n - first);
	pos += (uint32_t)n;
	atomic_store_explicit(&h->pos, pos, memory_order_relaxed);
	publish(h->head, pos, h->swait);
	return (long)n;
}

long vrpc_ring_write(struct vrpc_ring *r, const struct iovec *iov, size_t niov)
{
	struct half *h = &r->out;
	int64_t room = writable(h);
	if (room <= 0)
		return (long)room;
	uint32_t pos = atomic_load_explicit(&h->pos, memory_order_relaxed);
	size_t done = 0;
	for (size_t i = 0; i < niov && room; i++) {
		const uint8_t *src = iov[i].iov_base;
		size_t n = iov[i].iov_len < (size_t)room ? iov[i].iov_len
							 : (size_t)room;
		uint32_t at = (pos + (uint32_t)done) & (h->size - 1);
		size_t first = n < h->size - at ? n : h->size - at;
		memcpy(h->data + at, src, first);
		memcpy(h->data, src + first, n - first);
		done += n;
		room -= (int64_t)n;
	}
	pos += (uint32_t)done;
	atomic_store_explicit(&h->pos, pos, memory_order_relaxed);
	publish(h->tail, pos, h->dwait);
	return (long)done;
}

/* What a wait is for: the word to sleep on, the sleeper count, and
 * whether it is there (1), not yet (0) or impossible (-1). */
static int ready(struct vrpc_ring *r, bool space)
{
	int64_t n = space ? writable(&r->out) : readable(&r->in);
	return n < 0 ? -1 : n > 0;
}

/* Say where we wait; true if spinning may help (a budget unless
 * `any_budget`, no recent preemption, the peer last waited on another
 * CPU and the client did not ask the worker to wait on this one). */
static bool may_spin(struct vrpc_ring *r, struct half *h, int64_t now,
		     bool any_budget)
{
	int cpu = sched_getcpu();
	if (cpu >= 0)
		atomic_store_explicit(r->my_cpu, (uint32_t)cpu,
				      memory_order_relaxed);
	if ((!any_budget && !h->budget) || !r->spin_max ||
	    now < h->loaded_until)
		return false;
	if (cpu < 0)
		return true;
	/* the peer waits here: as the client asked (near), or last time */
	return atomic_load_explicit(r->near, memory_order_relaxed) !=
		       (uint32_t)cpu + 1 &&
	       atomic_load_explicit(r->peer_cpu, memory_order_relaxed) !=
		       (uint32_t)cpu;
}

/* Spin from `t0` until `until`: 1 ready, 0 not, -1 a bad index. */
static int spin(struct vrpc_ring *r, struct half *h, bool space, int64_t t0,
		int64_t until)
{
	int64_t last = t0, now = t0;
	int got = 0;
	while (now < until) {
		for (int i = 0; i < SPIN_CHECK_EVERY && !got; i++) {
			cpu_relax();
			got = ready(r, space);
		}
		now = vrpc_now_ns();
		if (got)
			break;
		if (now - last > PREEMPT_GAP_NS) {
			h->loaded_until = now + LOADED_BACKOFF;
			break;
		}
		last = now;
	}
	h->st.spin_ns += (uint64_t)(now - t0);
	return got;
}

/* The socket beside the ring: input a client reads there (1; a NOTICE,
 * or the end of the stream), hang-up (-1), nothing (0). */
static int sock_state(int sock, bool sock_input)
{
	struct pollfd p = { .fd = sock, .events = POLLIN | POLLRDHUP };
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (sock_input && (p.revents & POLLIN))
		return 1;
	if (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))
		return -1;
	return 0;
}

/* Whether vrpc_ring_kick was called since a read wait read `kicks`. */
static bool kicked(struct vrpc_ring *r, bool space, uint32_t kicks)
{
	return !space &&
	       atomic_load_explicit(&r->kicks, memory_order_acquire) != kicks;
}

/* Sleep until ready, the deadline, something on the socket, or (a read
 * wait) a kick since `kicks`. */
static int sleep_until_ready(struct vrpc_ring *r, bool space, int sock,
			     bool sock_input, int64_t deadline, uint32_t kicks,
			     struct vrpc_ring_stats *st)
{
	aword *w = space ? r->out.head : r->in.tail;
	aword *sleepers = space ? r->out.swait : r->in.dwait;
	int64_t t0 = vrpc_now_ns();
	for (;;) {
		uint32_t seen = atomic_load_explicit(w, memory_order_relaxed);
		atomic_fetch_add(sleepers, 1);
		int got = ready(r, space);
		int64_t now = vrpc_now_ns();
		int64_t ns = !deadline && now - t0 > IDLE_SLICE_NS
				     ? IDLE_SLICE_NS
				     : SLEEP_SLICE_NS;
		if (deadline && deadline - now < ns)
			ns = deadline - now;
		if (!got && ns > 0 && !kicked(r, space, kicks)) {
			st->sleeps++;
			futex_wait(w, seen, ns);
			got = ready(r, space);
		}
		atomic_fetch_sub(sleepers, 1);
		if (got)
			return got > 0 ? VRPC_RING_READY : VACCEL_EIO;
		if (kicked(r, space, kicks))
			return VACCEL_ETIMEDOUT;
		int s = sock_state(sock, sock_input);
		if (s < 0)
			return VACCEL_EIO;
		if (s > 0)
			return VRPC_RING_SOCK;
		if (deadline && vrpc_now_ns() >= deadline)
			return VACCEL_ETIMEDOUT;
	}
}

/* Tune the budget after a wait that slept for `waited` ns in all. */
static void tune_after_sleep(struct vrpc_ring *r, struct half *h,
			     int64_t waited)
{
	if (waited <= r->spin_max)
		h->budget = 2 * waited < r->spin_max ? 2 * waited : r->spin_max;
	else
		h->budget = h->budget / 2 < 1000 ? 0 : h->budget / 2;
}

int vrpc_ring_wait(struct vrpc_ring *r, bool space, int sock, bool sock_input,
		   bool spin_ok, int64_t deadline)
{
	uint32_t kicks = atomic_load_explicit(&r->kicks, memory_order_acquire);
	int got = ready(r, space);
	if (got)
		return got > 0 ? VRPC_RING_READY : VACCEL_EIO;
	/* a watcher (!spin_ok) leaves the waiter's state alone */
	struct vrpc_ring_stats idle = { 0 };
	struct half *h = space ? &r->out : &r->in;
	struct vrpc_ring_stats *st = spin_ok ? &h->st : &idle;
	st->waits++;
	int64_t t0 = vrpc_now_ns();
	if (spin_ok && may_spin(r, h, t0, false) &&
	    (got = spin(r, h, space, t0, t0 + h->budget))) {
		st->spin_hits += got > 0;
		return got > 0 ? VRPC_RING_READY : VACCEL_EIO;
	}
	int ret = sleep_until_ready(r, space, sock, sock_input, deadline, kicks,
				    st);
	int64_t now = vrpc_now_ns();
	if (spin_ok && r->spin_max && now >= h->loaded_until)
		tune_after_sleep(r, h, now - t0);
	return ret;
}

int vrpc_ring_spin_read(struct vrpc_ring *r, int64_t until)
{
	struct half *h = &r->in;
	int got = ready(r, false);
	int64_t t0 = vrpc_now_ns();
	if (got || t0 >= until || !may_spin(r, h, t0, true))
		return got;
	got = spin(r, h, false, t0, until);
	h->st.waits += got > 0;
	h->st.spin_hits += got > 0;
	return got;
}

bool vrpc_ring_broken(struct vrpc_ring *r)
{
	return readable(&r->in) < 0 || writable(&r->out) < 0;
}

void vrpc_ring_kick(struct vrpc_ring *r)
{
	atomic_fetch_add_explicit(&r->kicks, 1, memory_order_release);
	/* ordered against the sleeper's count as publish() is */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(r->in.dwait, memory_order_relaxed))
		futex_wake(r->in.tail);
}

void vrpc_ring_stats(const struct vrpc_ring *r, struct vrpc_ring_stats *st)
{
	st->waits = r->in.st.waits + r->out.st.waits;
	st->spin_hits = r->in.st.spin_hits + r->out.st.spin_hits;
	st->sleeps = r->in.st.sleeps + r->out.st.sleeps;
	st->spin_ns = r->in.st.spin_ns + r->out.st.spin_ns;
}

void vrpc_ring_set_near(struct vrpc_ring *r, int cpu)
{
	uint32_t v = cpu < 0 ? 0 : (uint32_t)cpu + 1;
	if (v == r->near_set)
		return;
	r->near_set = v;
	atomic_store_explicit(r->near, v, memory_order_relaxed);
}

int vrpc_ring_near(const struct vrpc_ring *r, int ncpus)
{
	uint32_t v = atomic_load_explicit(r->near, memory_order_relaxed);
	return v && v <= (uint32_t)ncpus ? (int)(v - 1) : -1;
}

bool vrpc_ring_peer_on(const struct vrpc_ring *r, int cpu)
{
	return cpu >= 0 &&
	       atomic_load_explicit(r->peer_cpu, memory_order_relaxed) ==
		       (uint32_t)cpu;
}
