// SPDX-License-Identifier: Apache-2.0
/* The content-addressed cache: one file per SHA-256 (named by its hex
 * digest) in the cache directory, shared by every connection. Entries are
 * reference-counted by the resources (and fresh uploads) using them; the
 * least recently used unreferenced entries are evicted when the byte
 * budget is exceeded. The agent hashes every upload itself: a client's
 * claimed hash is never trusted. */

#include "agent.h"
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cache_entry {
	uint8_t sha[VRPC_SHA256_LEN];
	uint64_t size;
	unsigned refs;
	uint64_t last_use;
	char path[PATH_MAX];
	struct cache_entry *next;
};

static struct {
	pthread_mutex_t lock;
	/* short enough for dir/<64 hex digits> and dir/.upload-XXXXXX */
	char dir[PATH_MAX - 128];
	uint64_t max, bytes, entries, clock;
	uint64_t uploads, upload_bytes, hits;
	struct cache_entry *list;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

const char *cache_path(const struct cache_entry *e)
{
	return e->path;
}

uint64_t cache_size(const struct cache_entry *e)
{
	return e->size;
}

const uint8_t *cache_sha(const struct cache_entry *e)
{
	return e->sha;
}

static struct cache_entry *find(const uint8_t *sha)
{
	for (struct cache_entry *e = cache.list; e; e = e->next)
		if (!memcmp(e->sha, sha, VRPC_SHA256_LEN))
			return e;
	return NULL;
}

static struct cache_entry *insert(const uint8_t *sha, uint64_t size)
{
	struct cache_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	char hex[65];
	vrpc_sha256_hex(sha, hex);
	memcpy(e->sha, sha, VRPC_SHA256_LEN);
	e->size = size;
	snprintf(e->path, sizeof(e->path), "%s/%s", cache.dir, hex);
	e->next = cache.list;
	cache.list = e;
	cache.bytes += size;
	cache.entries++;
	return e;
}

/* Evict unreferenced entries, least recently used first, until `need` more
 * bytes fit. Returns false if they cannot. */
static bool make_room(uint64_t need)
{
	while (cache.bytes + need > cache.max) {
		struct cache_entry **victim = NULL;
		for (struct cache_entry **p = &cache.list; *p; p = &(*p)->next)
			if (!(*p)->refs &&
			    (!victim || (*p)->last_use < (*victim)->last_use))
				victim = p;
		if (!victim)
			return false;
		struct cache_entry *e = *victim;
		*victim = e->next;
		unlink(e->path);
		cache.bytes -= e->size;
		cache.entries--;
		free(e);
	}
	return true;
}

/* Index the files left by a previous run, checking each one's hash. */
static void load_existing(void)
{
	DIR *d = opendir(cache.dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX], hex[65];
		uint8_t sha[VRPC_SHA256_LEN], got[VRPC_SHA256_LEN];
		if (snprintf(path, sizeof(path), "%s/%s", cache.dir,
			     de->d_name) >= (int)sizeof(path))
			continue;
		if (de->d_name[0] == '.')
			continue;
		bool ok = strlen(de->d_name) == 64;
		for (int i = 0; ok && i < 32; i++) {
			unsigned v;
			ok = sscanf(de->d_name + 2 * i, "%2x", &v) == 1;
			sha[i] = (uint8_t)v;
		}
		struct stat st;
		int fd = ok ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		if (fd >= 0 && !fstat(fd, &st)) {
			struct vrpc_sha256 c;
			uint8_t buf[65536];
			ssize_t n;
			vrpc_sha256_init(&c);
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				vrpc_sha256_update(&c, buf, (size_t)n);
			vrpc_sha256_final(&c, got);
			vrpc_sha256_hex(got, hex);
			ok = n == 0 && !strcmp(hex, de->d_name) &&
			     make_room((uint64_t)st.st_size) &&
			     insert(sha, (uint64_t)st.st_size);
		} else {
			ok = false;
		}
		if (fd >= 0)
			close(fd);
		if (!ok)
			unlink(path);
	}
	closedir(d);
}

int cache_init(const char *dir, uint64_t max_bytes)
{
	if (strlen(dir) >= sizeof(cache.dir))
		return VACCEL_ENAMETOOLONG;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return VACCEL_EIO;
	strcpy(cache.dir, dir);
	cache.max = max_bytes;
	load_existing();
	if (cache.entries)
		ainfo("cache %s: %" PRIu64 " entries, %" PRIu64 " bytes kept",
		      dir, cache.entries, cache.bytes);
	return 0;
}

void cache_fini(void)
{
	pthread_mutex_lock(&cache.lock);
	while (cache.list) {
		struct cache_entry *e = cache.list;
		cache.list = e->next;
		free(e);
	}
	pthread_mutex_unlock(&cache.lock);
}

struct cache_entry *cache_get(const uint8_t sha[VRPC_SHA256_LEN], uint64_t size)
{
	pthread_mutex_lock(&cache.lock);
	struct cache_entry *e = find(sha);
	if (e && e->size == size) {
		e->refs++;
		e->last_use = ++cache.clock;
	} else {
		e = NULL;
	}
	pthread_mutex_unlock(&cache.lock);
	return e;
}

void cache_put_ref(struct cache_entry *e)
{
	pthread_mutex_lock(&cache.lock);
	e->refs--;
	e->last_use = ++cache.clock;
	pthread_mutex_unlock(&cache.lock);
}

void cache_note_hit(void)
{
	pthread_mutex_lock(&cache.lock);
	cache.hits++;
	pthread_mutex_unlock(&cache.lock);
}

void cache_stats(uint64_t out[5])
{
	pthread_mutex_lock(&cache.lock);
	out[0] = cache.entries;
	out[1] = cache.bytes;
	out[2] = cache.uploads;
	out[3] = cache.upload_bytes;
	out[4] = cache.hits;
	pthread_mutex_unlock(&cache.lock);
}

int cache_upload_begin(struct cache_upload *u, uint64_t size)
{
	snprintf(u->tmp, sizeof(u->tmp), "%s/.upload-XXXXXX", cache.dir);
	u->fd = mkostemp(u->tmp, O_CLOEXEC);
	if (u->fd < 0)
		return VACCEL_EIO;
	vrpc_sha256_init(&u->hash);
	u->size = size;
	u->written = 0;
	u->err = 0;
	return 0;
}

void cache_upload_write(struct cache_upload *u, const void *data, size_t len)
{
	const uint8_t *p = data;
	/* hash what is written: these are the agent's own bytes */
	vrpc_sha256_update(&u->hash, p, len);
	while (len && !u->err) {
		ssize_t n = write(u->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			u->err = errno == ENOSPC ? VRPC_E_NOSPC : VRPC_E_IO;
			break;
		}
		p += n;
		len -= (size_t)n;
		u->written += (uint64_t)n;
	}
}

void cache_upload_abort(struct cache_upload *u)
{
	if (u->fd >= 0) {
		close(u->fd);
		unlink(u->tmp);
	}
	u->fd = -1;
}

uint32_t cache_upload_end(struct cache_upload *u,
			  const uint8_t sha[VRPC_SHA256_LEN],
			  struct cache_entry **out)
{
	uint8_t got[VRPC_SHA256_LEN];
	vrpc_sha256_final(&u->hash, got);
	uint32_t err = u->err;
	if (!err && u->written != u->size)
		err = VRPC_E_IO;
	if (!err && memcmp(got, sha, VRPC_SHA256_LEN))
		err = VRPC_E_HASH_MISMATCH;
	if (!err && fchmod(u->fd, 0400))
		err = VRPC_E_IO;
	close(u->fd);
	u->fd = -1;
	if (err) {
		unlink(u->tmp);
		return err;
	}
	pthread_mutex_lock(&cache.lock);
	struct cache_entry *e = find(sha);
	if (e) {
		/* the same bytes arrived meanwhile */
		unlink(u->tmp);
	} else if (!make_room(u->size)) {
		unlink(u->tmp);
		err = VRPC_E_NOSPC;
	} else {
		char final[PATH_MAX], hex[65];
		vrpc_sha256_hex(sha, hex);
		snprintf(final, sizeof(final), "%s/%s", cache.dir, hex);
		if (rename(u->tmp, final)) {
			unlink(u->tmp);
			err = VRPC_E_IO;
		} else if (!(e = insert(sha, u->size))) {
			unlink(final);
			err = VRPC_E_NOMEM;
		}
	}
	if (e && !err) {
		e->refs++;
		e->last_use = ++cache.clock;
		cache.uploads++;
		cache.upload_bytes += u->size;
		*out = e;
	}
	pthread_mutex_unlock(&cache.lock);
	return err;
}
