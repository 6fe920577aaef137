// SPDX-License-Identifier: Apache-2.0
/* Tenants as a worker sees them: their cache and counters. A worker of
 * --isolation process has one tenant; the in-process worker of
 * --isolation none has them all, each with its own cache directory and
 * budget, as if they had workers of their own. */

#include "serve.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the list of tenants */
static pthread_mutex_t tenants_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tenant *tenants;
uint64_t serve_ops;

/* The tenant's cache directory: given on a worker's command line, or
 * (one worker for all) a directory of its own under --cache-dir. */
static int cache_dir_of(const char *name, char *out, size_t size)
{
	char dn[19];
	/* (the front gives a worker its directory, the shared one too: it
	 * may have chosen --cache-dir itself) */
	if (cfg.isolation == ISOLATION_PROCESS)
		return snprintf(out, size, "%s", cfg.worker_cache) >= (int)size;
	if (cfg.cache_shared)
		return snprintf(out, size, "%s/shared", cfg.cache_dir) >=
		       (int)size;
	tenant_dirname(name, dn);
	return snprintf(out, size, "%s/" CACHES_SUBDIR "/%s", cfg.cache_dir,
			dn) >= (int)size;
}

static struct tenant *tenant_new(const char *name)
{
	char dir[PATH_MAX];
	struct tenant *t = calloc(1, sizeof(*t));
	if (!t || cache_dir_of(name, dir, sizeof(dir)) ||
	    !(t->cache = cache_open(dir, cfg.cache_shared, cfg.cache_max))) {
		free(t);
		return NULL;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	return t;
}

struct tenant *tenant_get(const char *name)
{
	pthread_mutex_lock(&tenants_lock);
	struct tenant *t = tenants;
	while (t && strcmp(t->name, name))
		t = t->next;
	if (!t && (t = tenant_new(name))) {
		t->next = tenants;
		tenants = t;
	}
	pthread_mutex_unlock(&tenants_lock);
	return t;
}

void tenants_fini(void)
{
	pthread_mutex_lock(&tenants_lock);
	while (tenants) {
		struct tenant *t = tenants;
		tenants = t->next;
		cache_close(t->cache);
		free(t);
	}
	pthread_mutex_unlock(&tenants_lock);
}

void tenant_add(struct tenant *t, enum tenant_stat k, int64_t delta)
{
	__atomic_fetch_add(&t->st[k], (uint64_t)delta, __ATOMIC_RELAXED);
}

void tenant_stats(struct tenant *t, uint64_t st[TS_MAX])
{
	struct cache_stats cs;
	for (int k = 0; k < TS_MAX; k++)
		st[k] = __atomic_load_n(&t->st[k], __ATOMIC_RELAXED);
	cache_stats(t->cache, &cs);
	st[TS_CACHE_ENTRIES] = cs.entries;
	st[TS_CACHE_BYTES] = cs.bytes;
	st[TS_CACHE_HITS] = cs.hits;
	st[TS_UPLOADS] = cs.uploads;
	st[TS_UPLOAD_BYTES] = cs.upload_bytes;
}

void tenants_each(void (*fn)(const char *name, const uint64_t *st, void *ctx),
		  void *ctx)
{
	pthread_mutex_lock(&tenants_lock);
	for (struct tenant *t = tenants; t; t = t->next) {
		uint64_t st[TS_MAX];
		tenant_stats(t, st);
		fn(t->name, st, ctx);
	}
	pthread_mutex_unlock(&tenants_lock);
}
