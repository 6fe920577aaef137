// SPDX-License-Identifier: Apache-2.0
/* Shared memory with a co-located agent (UNIX sockets): sealed memfd
 * arenas, attached to a connection once (SHM_ATTACH) and reused by every
 * call. Buffers from the shm threshold up travel as references to arena
 * bytes: the application's buffer itself when it was allocated with
 * vaccel_rpc_shm_alloc() (no copy at all), else a region of a scratch
 * arena it is copied into (one memcpy instead of two socket copies). */

#include "rpc.h"
#include "shm.h"
#include "vaccel_rpc.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct used {
	uint64_t off, len;
};

struct rpc_arena {
	uint32_t id;
	int fd;
	uint8_t *map;
	size_t size;
	/* one buffer of the application (vaccel_rpc_shm_alloc) */
	bool user;
	/* generation of the link it is attached to (0: none) */
	uint64_t attached;
	/* scratch arenas: regions lent, sorted by offset */
	struct used *used;
	size_t nused, cap;
	struct rpc_arena *next;
};

static struct {
	pthread_mutex_t lock;
	struct rpc_arena *list;
	uint32_t next_id;
	uint64_t total;
} shm = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define SCRATCH_MIN (16u << 20)
#define ALIGN	    4096u

static struct rpc_arena *arena_new(size_t size, bool user)
{
	struct rpc_arena *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	void *map;
	if (vrpc_shm_create(size, &a->fd, &map)) {
		free(a);
		return NULL;
	}
	a->map = map;
	a->size = size;
	a->user = user;
	a->id = ++shm.next_id;
	a->next = shm.list;
	shm.list = a;
	shm.total += size;
	return a;
}

static void arena_free(struct rpc_arena *a)
{
	munmap(a->map, a->size);
	close(a->fd);
	free(a->used);
	free(a);
}

/* Attach `a` to the call's link if it is not (no lock held: this is a
 * call of its own). */
static bool ensure_attached(struct rpc_ctx *x, struct rpc_arena *a)
{
	struct rpc_link *l = x->link;
	if (__atomic_load_n(&a->attached, __ATOMIC_ACQUIRE) == l->gen)
		return true;
	struct rpc_ctx y;
	if (rpc_begin_link(&y, VRPC_T_SHM_ATTACH, l))
		return false;
	y.req.u.shm.arena = a->id;
	y.req.u.shm.size = a->size;
	y.fd = a->fd;
	int ret = rpc_simple(&y);
	rpc_end(&y);
	if (ret && ret != VACCEL_EEXIST) {
		rpc_dbg("shared memory refused by the agent (%s): using the "
			"socket",
			vaccel_strerror(ret));
		return false;
	}
	__atomic_store_n(&a->attached, l->gen, __ATOMIC_RELEASE);
	return true;
}

/* First fit in a scratch arena (shm.lock held). */
static bool arena_take(struct rpc_arena *a, uint64_t len, uint64_t *off)
{
	uint64_t at = 0;
	size_t i = 0;
	for (; i <= a->nused; i++) {
		uint64_t end = i < a->nused ? a->used[i].off : a->size;
		if (end >= at && end - at >= len)
			break;
		if (i < a->nused)
			at = (a->used[i].off + a->used[i].len + ALIGN - 1) &
			     ~(uint64_t)(ALIGN - 1);
	}
	if (i > a->nused)
		return false;
	if (a->nused == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct used *n = realloc(a->used, cap * sizeof(*n));
		if (!n)
			return false;
		a->used = n;
		a->cap = cap;
	}
	memmove(a->used + i + 1, a->used + i,
		(a->nused - i) * sizeof(*a->used));
	a->used[i] = (struct used){ at, len };
	a->nused++;
	*off = at;
	return true;
}

static void arena_give(struct rpc_arena *a, uint64_t off)
{
	for (size_t i = 0; i < a->nused; i++) {
		if (a->used[i].off == off) {
			memmove(a->used + i, a->used + i + 1,
				(a->nused - i - 1) * sizeof(*a->used));
			a->nused--;
			return;
		}
	}
}

/* A scratch region of `len` bytes (a new arena if none has room, within
 * the agent's max_shm). */
static bool region_new(struct rpc_ctx *x, uint64_t len, struct rpc_region *r)
{
	struct rpc_arena *a;
	uint64_t off = 0, largest = 0;
	pthread_mutex_lock(&shm.lock);
	for (a = shm.list; a; a = a->next) {
		if (a->user)
			continue;
		largest = a->size > largest ? a->size : largest;
		if (arena_take(a, len, &off))
			break;
	}
	if (!a) {
		uint64_t size =
			(len + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
		size = size < SCRATCH_MIN ? SCRATCH_MIN : size;
		size = size < 2 * largest ? 2 * largest : size;
		if (size > x->link->lim.max_shm - shm.total)
			size = len;
		if (shm.total + size <= x->link->lim.max_shm &&
		    (a = arena_new((size_t)size, false)) &&
		    !arena_take(a, len, &off))
			a = NULL;
	}
	pthread_mutex_unlock(&shm.lock);
	if (!a)
		return false;
	*r = (struct rpc_region){ a, off, len };
	if (ensure_attached(x, a))
		return true;
	rpc_shm_release(r, 1);
	return false;
}

void rpc_shm_release(struct rpc_region *r, int n)
{
	if (!n)
		return;
	pthread_mutex_lock(&shm.lock);
	for (int i = 0; i < n; i++)
		arena_give(r[i].arena, r[i].off);
	pthread_mutex_unlock(&shm.lock);
}

static struct rpc_arena *user_arena(const void *p, uint64_t len, uint64_t *off)
{
	const uint8_t *b = p;
	struct rpc_arena *a;
	pthread_mutex_lock(&shm.lock);
	for (a = shm.list; a; a = a->next) {
		if (a->user && b >= a->map && b < a->map + a->size &&
		    len <= (uint64_t)(a->map + a->size - b)) {
			*off = (uint64_t)(b - a->map);
			break;
		}
	}
	pthread_mutex_unlock(&shm.lock);
	return a;
}

bool rpc_shm_place(void *ctx, struct vrpc_buf *b)
{
	struct rpc_ctx *x = ctx;
	uint64_t off;
	if (b->len < rpc_cfg.shm_threshold ||
	    b->len < x->link->lim.shm_threshold)
		return false;
	struct rpc_arena *a = user_arena(b->data, b->len, &off);
	if (a && ensure_attached(x, a)) {
		b->kind = VRPC_BUF_SHM;
		b->arena = a->id;
		b->off = off;
		return true;
	}
	struct rpc_region r;
	if (!region_new(x, b->len, &r))
		return false;
	if (!rpc_call_add_region(x, r)) {
		rpc_shm_release(&r, 1);
		return false;
	}
	if (b->kind == VRPC_BUF_INLINE)
		memcpy(r.arena->map + r.off, b->data, b->len);
	b->kind = VRPC_BUF_SHM;
	b->arena = r.arena->id;
	b->off = r.off;
	return true;
}

void *rpc_shm_ptr(uint32_t arena, uint64_t off, uint64_t len)
{
	void *p = NULL;
	pthread_mutex_lock(&shm.lock);
	for (struct rpc_arena *a = shm.list; a; a = a->next) {
		if (a->id == arena) {
			if (off <= a->size && len <= a->size - off)
				p = a->map + off;
			break;
		}
	}
	pthread_mutex_unlock(&shm.lock);
	return p;
}

void rpc_shm_fini(void)
{
	pthread_mutex_lock(&shm.lock);
	for (struct rpc_arena **p = &shm.list; *p;) {
		struct rpc_arena *a = *p;
		a->attached = 0;
		if (a->user || a->nused) {
			p = &a->next;
			continue;
		}
		*p = a->next;
		shm.total -= a->size;
		arena_free(a);
	}
	pthread_mutex_unlock(&shm.lock);
}

/* ---- the zero-copy allocator (vaccel_rpc.h) ---------------------------- */

__attribute__((visibility("default"))) void *vaccel_rpc_shm_alloc(size_t size)
{
	if (!size)
		return NULL;
	size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	pthread_mutex_lock(&shm.lock);
	struct rpc_arena *a = arena_new(size, true);
	pthread_mutex_unlock(&shm.lock);
	return a ? a->map : NULL;
}

__attribute__((visibility("default"))) void vaccel_rpc_shm_free(void *ptr)
{
	struct rpc_arena *a = NULL;
	if (!ptr)
		return;
	pthread_mutex_lock(&shm.lock);
	for (struct rpc_arena **p = &shm.list; *p; p = &(*p)->next) {
		if ((*p)->user && (*p)->map == ptr) {
			a = *p;
			*p = a->next;
			shm.total -= a->size;
			break;
		}
	}
	pthread_mutex_unlock(&shm.lock);
	if (!a)
		return;
	struct rpc_link *l;
	if (a->attached && !rpc_link_get_gen(a->attached, &l)) {
		struct rpc_ctx y;
		if (!rpc_begin_link(&y, VRPC_T_SHM_DETACH, l)) {
			y.req.u.shm.arena = a->id;
			rpc_simple(&y);
			rpc_end(&y);
		}
		rpc_link_put(l);
	}
	arena_free(a);
}
