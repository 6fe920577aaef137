// SPDX-License-Identifier: Apache-2.0
/* This process's shared-memory arenas (sealed memfds): scratch arenas that
 * lend regions to calls, and the application's zero-copy buffers
 * (vaccel_rpc_shm_alloc). Memory bookkeeping only: attaching an arena to
 * the agent is shm.c's. */

#include "rpc.h"
#include "shm.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct rpc_arena_used {
	uint64_t off, len;
};

static struct {
	pthread_mutex_t lock;
	struct rpc_arena *list;
	uint32_t next_id;
	uint64_t total;
} shm = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define SCRATCH_MIN (16u << 20)

/* A new arena in the list (shm.lock held). */
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

void rpc_arena_free(struct rpc_arena *a)
{
	munmap(a->map, a->size);
	close(a->fd);
	free(a->used);
	free(a);
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
			at = (a->used[i].off + a->used[i].len +
			      RPC_ARENA_ALIGN - 1) &
			     ~(uint64_t)(RPC_ARENA_ALIGN - 1);
	}
	if (i > a->nused)
		return false;
	if (a->nused == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct rpc_arena_used *n = realloc(a->used, cap * sizeof(*n));
		if (!n)
			return false;
		a->used = n;
		a->cap = cap;
	}
	memmove(a->used + i + 1, a->used + i,
		(a->nused - i) * sizeof(*a->used));
	a->used[i] = (struct rpc_arena_used){ at, len };
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

bool rpc_arena_lend(uint64_t len, uint64_t max_total, struct rpc_region *r)
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
		if (size > max_total - shm.total)
			size = len;
		if (shm.total + size <= max_total &&
		    (a = arena_new((size_t)size, false)) &&
		    !arena_take(a, len, &off))
			a = NULL;
	}
	pthread_mutex_unlock(&shm.lock);
	if (!a)
		return false;
	*r = (struct rpc_region){ a, off, len };
	return true;
}

void rpc_arena_release(struct rpc_region *r, int n)
{
	if (!n)
		return;
	pthread_mutex_lock(&shm.lock);
	for (int i = 0; i < n; i++)
		arena_give(r[i].arena, r[i].off);
	pthread_mutex_unlock(&shm.lock);
}

struct rpc_arena *rpc_arena_of_user(const void *p, uint64_t len, uint64_t *off)
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

void *rpc_arena_ptr(uint32_t arena, uint64_t off, uint64_t len)
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

void rpc_arena_forget(void)
{
	pthread_mutex_lock(&shm.lock);
	for (struct rpc_arena **p = &shm.list; *p;) {
		struct rpc_arena *a = *p;
		__atomic_store_n(&a->attached, 0, __ATOMIC_RELEASE);
		if (a->user || a->nused) {
			p = &a->next;
			continue;
		}
		*p = a->next;
		shm.total -= a->size;
		rpc_arena_free(a);
	}
	pthread_mutex_unlock(&shm.lock);
}

void *rpc_arena_user_new(size_t size)
{
	pthread_mutex_lock(&shm.lock);
	struct rpc_arena *a = arena_new(size, true);
	pthread_mutex_unlock(&shm.lock);
	return a ? a->map : NULL;
}

struct rpc_arena *rpc_arena_user_take(void *ptr)
{
	struct rpc_arena *a = NULL;
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
	return a;
}
