// SPDX-License-Identifier: Apache-2.0
/* What a connection owns, by client-visible id: sessions, resources,
 * shared-memory arenas, and the cache references of its fresh uploads.
 * Ids are per connection: another connection's ids name nothing here. A
 * request holds the objects it uses; an object in use cannot be removed. */

#include "dirtree.h"
#include "serve.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void objects_init(struct objects *t, struct cache *cache)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->cache = cache;
}

static struct obj *find_obj(struct objects *t, enum obj_kind kind, uint64_t id)
{
	for (struct obj *o = t->list; o; o = o->next)
		if (o->kind == kind && o->id == id)
			return o;
	return NULL;
}

/* Hold `o` for the request (t->lock held). */
static bool hold(struct req *r, struct obj *o)
{
	if (!r->held_cap) {
		r->held = r->held_inline;
		r->held_cap =
			sizeof(r->held_inline) / sizeof(r->held_inline[0]);
	}
	if (r->nheld == r->held_cap) {
		size_t cap = r->held_cap * 2;
		struct obj **n = vrpc_grow(r->held, r->held_inline, r->nheld,
					   cap, sizeof(*n));
		if (!n)
			return false;
		r->held = n;
		r->held_cap = cap;
	}
	o->users++;
	r->held[r->nheld++] = o;
	return true;
}

static bool held_by(const struct req *r, const struct obj *o)
{
	for (size_t i = 0; i < r->nheld; i++)
		if (r->held[i] == o)
			return true;
	return false;
}

static const char *kind_name(enum obj_kind kind)
{
	return kind == OBJ_SESSION    ? "session"
	       : kind == OBJ_RESOURCE ? "resource"
				      : "arena";
}

uint32_t req_hold(struct req *r, enum obj_kind kind, uint64_t id, bool alone,
		  struct obj **out)
{
	struct objects *t = conn_objects(r->c);
	pthread_mutex_lock(&t->lock);
	struct obj *o = find_obj(t, kind, id);
	bool busy = o && alone && o->users > (held_by(r, o) ? 1u : 0u);
	if (o && !busy && !hold(r, o))
		o = NULL;
	pthread_mutex_unlock(&t->lock);
	*out = busy ? NULL : o;
	if (busy)
		return reply_err(r, VRPC_E_BUSY,
				 "%s %" PRIu64 " is in use by a call in flight",
				 kind_name(kind), id);
	if (!o)
		return reply_err(r, VRPC_E_NOENT,
				 "no %s %" PRIu64 " on this connection",
				 kind_name(kind), id);
	return 0;
}

void req_release_held(struct req *r)
{
	if (!r->held)
		return;
	struct objects *t = conn_objects(r->c);
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < r->nheld; i++)
		r->held[i]->users--;
	r->nheld = 0;
	pthread_mutex_unlock(&t->lock);
	if (r->held != r->held_inline)
		free(r->held);
	r->held = NULL;
	r->held_cap = 0;
}

void objects_add(struct objects *t, struct obj *o)
{
	pthread_mutex_lock(&t->lock);
	o->next = t->list;
	t->list = o;
	pthread_mutex_unlock(&t->lock);
}

uint32_t objects_remove(struct objects *t, enum obj_kind kind, uint64_t id,
			struct obj **out)
{
	uint32_t err = VRPC_E_NOENT;
	pthread_mutex_lock(&t->lock);
	for (struct obj **p = &t->list; *p; p = &(*p)->next) {
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
	pthread_mutex_unlock(&t->lock);
	return err;
}

uint64_t objects_next_id(struct objects *t)
{
	pthread_mutex_lock(&t->lock);
	uint64_t id = ++t->next_id;
	pthread_mutex_unlock(&t->lock);
	return id;
}

void *req_hold_arena(struct req *r, uint32_t arena, uint64_t off, uint64_t len)
{
	struct objects *t = conn_objects(r->c);
	void *p = NULL;
	pthread_mutex_lock(&t->lock);
	struct obj *o = find_obj(t, OBJ_ARENA, arena);
	if (o && off <= o->u.arena.size && len <= o->u.arena.size - off &&
	    hold(r, o))
		p = o->u.arena.map + off;
	pthread_mutex_unlock(&t->lock);
	return p;
}

bool objects_arena_exists(struct objects *t, uint32_t arena)
{
	pthread_mutex_lock(&t->lock);
	bool found = find_obj(t, OBJ_ARENA, arena) != NULL;
	pthread_mutex_unlock(&t->lock);
	return found;
}

uint32_t objects_keep_upload(struct objects *t, struct cache_entry *e)
{
	pthread_mutex_lock(&t->lock);
	struct cache_entry **n =
		realloc(t->uploads, (t->nr_uploads + 1) * sizeof(*n));
	if (n) {
		t->uploads = n;
		t->uploads[t->nr_uploads++] = e;
	}
	pthread_mutex_unlock(&t->lock);
	return n ? 0 : VRPC_E_NOMEM;
}

struct cache_entry *objects_take_upload(struct objects *t,
					const uint8_t sha[VRPC_SHA256_LEN])
{
	struct cache_entry *e = NULL;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nr_uploads; i++) {
		if (!memcmp(cache_sha(t->uploads[i]), sha, VRPC_SHA256_LEN)) {
			e = t->uploads[i];
			t->uploads[i] = t->uploads[--t->nr_uploads];
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return e;
}

void obj_free(struct obj *o, struct cache *cache)
{
	switch (o->kind) {
	case OBJ_SESSION:
		vaccel_session_delete(o->u.sess);
		break;
	case OBJ_RESOURCE:
		if (o->u.r.res)
			vaccel_resource_delete(o->u.r.res);
		for (size_t i = 0; i < o->u.r.nr_refs; i++) {
			if (o->u.r.maps && o->u.r.maps[i])
				munmap(o->u.r.maps[i], o->u.r.map_sizes[i]);
			if (o->u.r.refs[i])
				cache_put_ref(cache, o->u.r.refs[i]);
		}
		free(o->u.r.refs);
		free(o->u.r.maps);
		free(o->u.r.map_sizes);
		if (o->u.r.dir[0])
			vaccel__fs_rm_rf(o->u.r.dir);
		break;
	case OBJ_ARENA:
		munmap(o->u.arena.map, o->u.arena.size);
		break;
	}
	free(o);
}

void objects_free_all(struct objects *t)
{
	pthread_mutex_lock(&t->lock);
	struct obj *list = t->list;
	t->list = NULL;
	pthread_mutex_unlock(&t->lock);
	/* sessions first: releasing them unregisters their resources */
	for (int pass = 0; pass < 3; pass++) {
		for (struct obj **p = &list; *p;) {
			struct obj *o = *p;
			if ((int)o->kind != pass) {
				p = &o->next;
				continue;
			}
			*p = o->next;
			obj_free(o, t->cache);
		}
	}
	for (size_t i = 0; i < t->nr_uploads; i++)
		cache_put_ref(t->cache, t->uploads[i]);
	free(t->uploads);
	t->uploads = NULL;
	t->nr_uploads = 0;
}

void objects_release(struct objects *t)
{
	objects_free_all(t);
	pthread_mutex_destroy(&t->lock);
}
