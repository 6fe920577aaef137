// SPDX-License-Identifier: Apache-2.0
/* Tenants as a worker sees them: their cache and counters. A worker of
 * --isolation process has one tenant; the in-process worker of
 * --isolation none has them all, each with its own cache directory and
 * budget, as if they had workers of their own. */

#include "ctl.h"
#include "serve.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pthread_mutex_t tenants_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tenant *tenants;
uint64_t serve_ops;

/* The tenant's cache directory: given on a worker's command line, or
 * (one worker for all) a directory of its own under --cache-dir. */
static int cache_dir_of(const char *name, char *out, size_t size)
{
	char dn[19];
	if (cfg.cache_shared)
		return snprintf(out, size, "%s/shared", cfg.cache_dir) >=
		       (int)size;
	if (cfg.isolation == ISOLATION_PROCESS)
		return snprintf(out, size, "%s", cfg.worker_cache) >= (int)size;
	tenant_dirname(name, dn);
	return snprintf(out, size, "%s/%s", cfg.cache_dir, dn) >= (int)size;
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

void serve_stats(uint64_t *st)
{
	memset(st, 0, CST_MAX * sizeof(*st));
	pthread_mutex_lock(&tenants_lock);
	for (struct tenant *t = tenants; t; t = t->next) {
		struct cache_stats cs;
		cache_stats(t->cache, &cs);
		st[CST_CONNS] += t->conns;
		st[CST_SESSIONS] += t->sessions;
		st[CST_RESOURCES] += t->resources;
		st[CST_SHM_BYTES] += t->shm;
		st[CST_REQUESTS] += t->requests;
		st[CST_CACHE_ENTRIES] += cs.entries;
		st[CST_CACHE_BYTES] += cs.bytes;
		st[CST_CACHE_HITS] += cs.hits;
		st[CST_UPLOADS] += cs.uploads;
		st[CST_UPLOAD_BYTES] += cs.upload_bytes;
	}
	pthread_mutex_unlock(&tenants_lock);
}
