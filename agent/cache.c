// SPDX-License-Identifier: Apache-2.0
/* A tenant's content-addressed cache (cache.h). Entries found on disk
 * (left by an earlier worker of the tenant, or uploaded by another tenant
 * with --cache-shared) are hashed before their first use: a file whose
 * content is not its name is removed, never served. */

#include "cache.h"
#include "agent.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

struct cache_entry {
	uint8_t sha[VRPC_SHA256_LEN];
	uint64_t size;
	unsigned refs;
	uint64_t last_use;
	bool verified;
	char path[PATH_MAX];
	struct cache_entry *next;
};

struct cache {
	pthread_mutex_t lock;
	/* short enough for dir/<64 hex digits> and dir/.upload-XXXXXX */
	char dir[PATH_MAX - 128];
	bool shared;
	uint64_t max, bytes, entries, clock;
	/* bytes of uploads in flight: what they claim, held from their
	 * start (a claimed size past the budget is refused before a byte is
	 * written) */
	uint64_t reserved;
	uint64_t uploads, upload_bytes, hits;
	struct cache_stats last; /* cache_stats's, under last_lock */
	pthread_mutex_t last_lock;
	struct cache_entry *list;
};

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

static struct cache_entry *find(struct cache *c, const uint8_t *sha)
{
	for (struct cache_entry *e = c->list; e; e = e->next)
		if (!memcmp(e->sha, sha, VRPC_SHA256_LEN))
			return e;
	return NULL;
}

static struct cache_entry *insert(struct cache *c, const uint8_t *sha,
				  uint64_t size, bool verified)
{
	struct cache_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	char hex[65];
	vrpc_sha256_hex(sha, hex);
	memcpy(e->sha, sha, VRPC_SHA256_LEN);
	e->size = size;
	e->verified = verified;
	snprintf(e->path, sizeof(e->path), "%s/%s", c->dir, hex);
	e->next = c->list;
	c->list = e;
	c->bytes += size;
	c->entries++;
	return e;
}

static void drop(struct cache *c, struct cache_entry **link, bool unlink_file)
{
	struct cache_entry *e = *link;
	*link = e->next;
	if (unlink_file)
		unlink(e->path);
	c->bytes -= e->size;
	c->entries--;
	free(e);
}

/* Evict unreferenced entries, least recently used first, until `need` more
 * bytes fit. Returns false if they cannot. */
static bool make_room(struct cache *c, uint64_t need)
{
	if (need > c->max || c->reserved > c->max - need)
		return false;
	while (c->bytes + c->reserved + need > c->max) {
		struct cache_entry **victim = NULL;
		for (struct cache_entry **p = &c->list; *p; p = &(*p)->next)
			if (!(*p)->refs &&
			    (!victim || (*p)->last_use < (*victim)->last_use))
				victim = p;
		if (!victim)
			return false;
		drop(c, victim, true);
	}
	return true;
}

/* Exactly `size` bytes of `src` hashed into `out` (and written to `dst`
 * if >= 0), and no byte more: a file that is shorter, or longer, or grows
 * meanwhile (a tenant's code grew one to 8 TiB while another tenant's
 * worker hashed it to its end) fails. 0 or -1. */
#define HASH_BUF (1 << 16)

static int hash_into(int src, int dst, uint64_t size,
		     uint8_t out[VRPC_SHA256_LEN], uint8_t *buf)
{
	struct vrpc_sha256 h;
	vrpc_sha256_init(&h);
	for (uint64_t left = size; left;) {
		size_t want = left < HASH_BUF ? (size_t)left : HASH_BUF;
		ssize_t n = read(src, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		vrpc_sha256_update(&h, buf, (size_t)n);
		for (ssize_t w, off = 0; dst >= 0 && off < n; off += w)
			if ((w = write(dst, buf + off, (size_t)(n - off))) <= 0)
				return -1;
		left -= (uint64_t)n;
	}
	vrpc_sha256_final(&h, out);
	return read(src, buf, 1) == 0 ? 0 : -1;
}

/* The buffer is the call's, not the thread's: a 64 KiB _Thread_local
 * one was in every thread's static TLS, and the front's reaper threads
 * (64 KiB stacks, which hold it) could not start at all (audit 23). */
static int hash_n(int src, int dst, uint64_t size, uint8_t out[VRPC_SHA256_LEN])
{
	uint8_t *buf = malloc(HASH_BUF);
	int r = buf ? hash_into(src, dst, size, out, buf) : -1;
	free(buf);
	return r;
}

/* A regular file of `size` bytes, opened without following a link or
 * waiting on a lease: its descriptor, or -1. */
static int open_entry(const char *path, uint64_t size, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd >= 0 && (fstat(fd, st) || !S_ISREG(st->st_mode) ||
			(uint64_t)st->st_size != size)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The file has `size` bytes and the SHA-256 of its name. */
static bool content_ok(const char *path, const uint8_t *sha, uint64_t size)
{
	uint8_t got[VRPC_SHA256_LEN];
	struct stat st;
	int fd = open_entry(path, size, &st);
	bool ok = fd >= 0 && !hash_n(fd, -1, size, got) &&
		  !memcmp(got, sha, VRPC_SHA256_LEN);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* "<64 hex digits>" -> sha; false for any other name. */
static bool parse_name(const char *name, uint8_t sha[VRPC_SHA256_LEN])
{
	if (strlen(name) != 64)
		return false;
	for (int i = 0; i < VRPC_SHA256_LEN; i++) {
		unsigned v;
		if (sscanf(name + 2 * i, "%2x", &v) != 1)
			return false;
		sha[i] = (uint8_t)v;
	}
	return true;
}

/* Whose directories du takes back as it enters them (lo == hi: none). */
struct du_take {
	dev_t dev;
	uid_t lo, hi;
};

/* Directory `name` of `dfd` opened for reading (a link not followed),
 * taken back first if it is one of `t`'s; -1 if it cannot be. */
static int du_open(int dfd, const char *name, const struct du_take *t)
{
	int p = t->lo < t->hi ? dir_take(dfd, name, t->dev, t->lo, t->hi) : -1;
	if (p < 0)
		return openat(dfd, name,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int fd = openat(p, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(p);
	return fd;
}

/* Bytes and entries under the directory `path`, counting up to `max`
 * entries and DU_DEPTH levels: a deeper tree, or a directory in it that
 * cannot be read, counts as `max` entries (no backend's cache is that
 * deep; root without CAP_DAC_READ_SEARCH, as under the packaged unit,
 * counted a worker's unreadable directories as empty: an audit kept 20
 * MiB under a 1 MiB budget). A walk through descriptors with a level
 * array, not a recursion: a tenant's chain of 2000 directories, each
 * level a PATH_MAX buffer on the stack, overflowed the front's stack when
 * its worker ended (an audit; every tenant's connections went with the
 * front). */
#define DU_DEPTH 32
static void du(const char *path, uint64_t *bytes, uint64_t *n, uint64_t max,
	       const struct du_take *t)
{
	DIR *lv[DU_DEPTH];
	int depth = 0, fd = du_open(AT_FDCWD, path, t);
	if (fd < 0 || !(lv[0] = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		else if (errno == EACCES)
			*n = max;
		return;
	}
	while (depth >= 0) {
		struct dirent *de = *n < max ? readdir(lv[depth]) : NULL;
		struct stat st;
		if (!de) {
			closedir(lv[depth--]);
			continue;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd(lv[depth]), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW))
			continue;
		(*n)++;
		*bytes += (uint64_t)st.st_blocks * 512;
		if (!S_ISDIR(st.st_mode))
			continue;
		if (depth + 1 == DU_DEPTH) {
			*n = max;
			continue;
		}
		int sub = du_open(dirfd(lv[depth]), de->d_name, t);
		DIR *d = sub >= 0 ? fdopendir(sub) : NULL;
		if (d)
			lv[++depth] = d;
		else if (sub >= 0)
			close(sub);
		else if (errno == EACCES)
			*n = max;
	}
}

/* The backends' own caches (.cache: XDG_CACHE_HOME, e.g. pocl's compiled
 * kernels) persist for the tenant's next worker, within the cache's
 * budget, CACHE_DIR_ENTRIES entries and DU_DEPTH levels; past any they go
 * (a backend builds them again). Any other directory is not the agent's. */
#define CACHE_DIR_ENTRIES 4096
bool cache_dotcache_over(const char *path, uint64_t max, uid_t lo, uid_t hi,
			 uint64_t *bytes, uint64_t *n)
{
	struct stat st;
	struct du_take t = { 0, lo, hi };
	*bytes = *n = 0;
	if (lstat(path, &st))
		return false;
	t.dev = st.st_dev;
	du(path, bytes, n, CACHE_DIR_ENTRIES + 1, &t);
	return *n > CACHE_DIR_ENTRIES || *bytes > max;
}

static void check_dir(struct cache *c, const char *path, const char *name)
{
	uint64_t bytes = 0, n = 0;
	if (c->shared)
		return;
	if (!strcmp(name, ".cache")) {
		if (!cache_dotcache_over(path, c->max, 0, 0, &bytes, &n))
			return;
		awarn("cache %s: the backends' .cache (%s%" PRIu64
		      " entries, %" PRIu64
		      " bytes) is over the budget: removed",
		      c->dir, n > CACHE_DIR_ENTRIES ? "over " : "",
		      n > CACHE_DIR_ENTRIES ? (uint64_t)CACHE_DIR_ENTRIES : n,
		      bytes);
	}
	if (!remove_tree(path, geteuid(), geteuid() + 1))
		awarn("cache %s: cannot remove all of %s", c->dir, path);
}

/* Index the files left by an earlier run (not hashed yet: that happens on
 * first use, so a worker starts without reading its whole cache). Files
 * that cannot be entries (and stale uploads) are removed. */
static void load_existing(struct cache *c)
{
	DIR *d = opendir(c->dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		uint8_t sha[VRPC_SHA256_LEN];
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", c->dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			check_dir(c, path, de->d_name);
			continue;
		}
		bool ok = parse_name(de->d_name, sha) && S_ISREG(st.st_mode) &&
			  !find(c, sha) && make_room(c, (uint64_t)st.st_size) &&
			  insert(c, sha, (uint64_t)st.st_size, false);
		if (!ok && !c->shared)
			unlink(path);
	}
	closedir(d);
}

struct cache *cache_open(const char *dir, bool shared, uint64_t max_bytes)
{
	struct cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (strlen(dir) >= sizeof(c->dir) ||
	    (mkdir(dir, 0700) && errno != EEXIST) || access(dir, W_OK | X_OK)) {
		aerr("cannot use the cache directory %s: %s", dir,
		     strerror(errno ? errno : ENAMETOOLONG));
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->last_lock, NULL);
	strcpy(c->dir, dir);
	c->shared = shared;
	c->max = max_bytes;
	if (!shared)
		load_existing(c);
	if (c->entries)
		adebug("cache %s: %" PRIu64 " entries, %" PRIu64 " bytes kept",
		       dir, c->entries, c->bytes);
	return c;
}

void cache_close(struct cache *c)
{
	if (!c)
		return;
	while (c->list)
		drop(c, &c->list, false);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->last_lock);
	free(c);
}

/* Rename `tmp` to `dir`/HEX.RANDOM (HEX: `sha`'s), a name no one can
 * take first: into `out`. */
static bool rename_unique(const char *tmp, const char *dir, const uint8_t *sha,
			  char *out, size_t size)
{
	char hex[65];
	vrpc_sha256_hex(sha, hex);
	for (int i = 0; i < 4; i++) {
		uint64_t r;
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r) ||
		    snprintf(out, size, "%s/%s.%016" PRIx64, dir, hex, r) >=
			    (int)size)
			return false;
		if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE))
			return true;
		if (errno != EEXIST)
			return false;
	}
	return false;
}

/* Its copy of another tenant's file `fd` of a shared directory, hashed
 * as it is copied: the owner of that file may change it at any time (its
 * mode is its own to change), and a tenant that used it in place ran the
 * other's code as its own. The copy is in the worker's private directory
 * (gone with the worker, whatever ends it; in the shared one for the
 * in-process worker). Its path, or false. */
static bool copy_shared(struct cache *c, int fd, const uint8_t *sha,
			uint64_t size, char *out, size_t out_size)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	uint8_t got[VRPC_SHA256_LEN];
	if (!cfg.worker_dir)
		snprintf(dir, sizeof(dir), "%s", c->dir);
	else if (snprintf(dir, sizeof(dir), "%s/adopted", cfg.worker_dir) >=
			 (int)sizeof(dir) ||
		 (mkdir(dir, 0700) && errno != EEXIST))
		return false;
	if (snprintf(tmp, sizeof(tmp), "%s/.adopt-XXXXXX", dir) >=
	    (int)sizeof(tmp))
		return false;
	int dst = mkostemp(tmp, O_CLOEXEC);
	if (dst < 0)
		return false;
	bool ok = !hash_n(fd, dst, size, got) &&
		  !memcmp(got, sha, VRPC_SHA256_LEN) && !fchmod(dst, 0400) &&
		  rename_unique(tmp, dir, sha, out, out_size);
	close(dst);
	if (!ok)
		unlink(tmp);
	return ok;
}

/* An entry another worker put in a shared directory: kept in this
 * tenant's index (charged to its budget) once hashed, in place if it is
 * this worker's uid's file, else as this tenant's own copy. Lock held
 * (the work is bounded by `size`, which the budget bounds). */
static struct cache_entry *adopt_shared(struct cache *c, const uint8_t *sha,
					uint64_t size)
{
	char hex[65], path[PATH_MAX], copy[PATH_MAX] = "";
	uint8_t got[VRPC_SHA256_LEN];
	struct stat st;
	vrpc_sha256_hex(sha, hex);
	snprintf(path, sizeof(path), "%s/%s", c->dir, hex);
	int fd = open_entry(path, size, &st);
	if (fd < 0 || !make_room(c, size)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	bool ok = st.st_uid == geteuid()
			  ? !hash_n(fd, -1, size, got) &&
				    !memcmp(got, sha, VRPC_SHA256_LEN)
			  : copy_shared(c, fd, sha, size, copy, sizeof(copy));
	close(fd);
	struct cache_entry *e = ok ? insert(c, sha, size, true) : NULL;
	if (e && copy[0])
		snprintf(e->path, sizeof(e->path), "%s", copy);
	else if (!e && copy[0])
		unlink(copy);
	return e;
}

struct cache_entry *cache_get(struct cache *c,
			      const uint8_t sha[VRPC_SHA256_LEN], uint64_t size)
{
	pthread_mutex_lock(&c->lock);
	struct cache_entry **link = &c->list, *e;
	while (*link && memcmp((*link)->sha, sha, VRPC_SHA256_LEN))
		link = &(*link)->next;
	e = *link;
	if (e && (e->size != size || access(e->path, R_OK))) {
		/* gone (evicted by another tenant of a shared cache) */
		if (!e->refs && access(e->path, R_OK))
			drop(c, link, false);
		e = NULL;
	} else if (e && !e->verified) {
		e->verified = content_ok(e->path, sha, size);
		if (!e->verified) {
			awarn("cache %s: %s is not what its name says: "
			      "removed",
			      c->dir, e->path);
			if (!e->refs)
				drop(c, link, true);
			e = NULL;
		}
	} else if (!e && c->shared) {
		e = adopt_shared(c, sha, size);
	}
	if (e) {
		e->refs++;
		e->last_use = ++c->clock;
	}
	pthread_mutex_unlock(&c->lock);
	return e;
}

void cache_put_ref(struct cache *c, struct cache_entry *e)
{
	pthread_mutex_lock(&c->lock);
	e->refs--;
	e->last_use = ++c->clock;
	pthread_mutex_unlock(&c->lock);
}

void cache_note_hit(struct cache *c)
{
	pthread_mutex_lock(&c->lock);
	c->hits++;
	pthread_mutex_unlock(&c->lock);
}

void cache_stats(struct cache *c, struct cache_stats *out)
{
	/* the worker's ticker asks, which also keeps the call deadline: it
	 * never waits on a call that holds the lock (hashing or copying an
	 * entry), and says what it saw last then */
	bool now = !pthread_mutex_trylock(&c->lock);
	struct cache_stats st = { 0 };
	if (now) {
		st = (struct cache_stats){ c->entries, c->bytes, c->uploads,
					   c->upload_bytes, c->hits };
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_lock(&c->last_lock);
	if (now)
		c->last = st;
	*out = c->last;
	pthread_mutex_unlock(&c->last_lock);
}

const char *cache_begin_why(uint32_t err)
{
	return err == VRPC_E_NOSPC
		       ? "does not fit the tenant's cache budget "
			 "(--cache-max-bytes, less the entries in use and "
			 "the uploads in flight)"
		       : "cannot write to the cache";
}

static void unreserve(struct cache_upload *u)
{
	pthread_mutex_lock(&u->cache->lock);
	u->cache->reserved -= u->size;
	pthread_mutex_unlock(&u->cache->lock);
}

uint32_t cache_upload_begin(struct cache *c, struct cache_upload *u,
			    uint64_t size)
{
	pthread_mutex_lock(&c->lock);
	bool room = make_room(c, size);
	if (room)
		c->reserved += size;
	pthread_mutex_unlock(&c->lock);
	u->fd = -1;
	if (!room)
		return VRPC_E_NOSPC;
	u->cache = c;
	u->size = size;
	snprintf(u->tmp, sizeof(u->tmp), "%s/.upload-XXXXXX", c->dir);
	u->fd = mkostemp(u->tmp, O_CLOEXEC);
	if (u->fd < 0) {
		aerr("cannot create an upload in %s: %s", c->dir,
		     strerror(errno));
		unreserve(u);
		return VRPC_E_IO;
	}
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
			u->err = errno == ENOSPC || errno == EDQUOT
					 ? VRPC_E_NOSPC
					 : VRPC_E_IO;
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
		unreserve(u);
	}
	u->fd = -1;
}

/* Move a complete upload into place and index it. Lock held. */
static uint32_t install(struct cache *c, struct cache_upload *u,
			const uint8_t *sha, struct cache_entry **out)
{
	struct cache_entry *e = find(c, sha);
	if (e) {
		/* the same bytes arrived meanwhile */
		unlink(u->tmp);
	} else if (!make_room(c, u->size)) {
		unlink(u->tmp);
		return VRPC_E_NOSPC;
	} else {
		char final[PATH_MAX], hex[65];
		vrpc_sha256_hex(sha, hex);
		snprintf(final, sizeof(final), "%s/%s", c->dir, hex);
		/* in a shared directory (sticky), a file of another tenant's
		 * can hold the name: what its name says or not (it is
		 * hashed before use), it cannot be replaced, so this tenant's
		 * copy is kept under a name of its own */
		bool placed = !rename(u->tmp, final);
		if (!placed && c->shared &&
		    (errno == EPERM || errno == EACCES || errno == EEXIST))
			placed = rename_unique(u->tmp, c->dir, sha, final,
					       sizeof(final));
		if (!placed) {
			unlink(u->tmp);
			return VRPC_E_IO;
		}
		if (!(e = insert(c, sha, u->size, true))) {
			unlink(final);
			return VRPC_E_NOMEM;
		}
		snprintf(e->path, sizeof(e->path), "%s", final);
	}
	e->refs++;
	e->last_use = ++c->clock;
	c->uploads++;
	c->upload_bytes += u->size;
	*out = e;
	return 0;
}

uint32_t cache_upload_end(struct cache *c, struct cache_upload *u,
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
	/* shared entries are read by the other tenants' workers */
	if (!err && fchmod(u->fd, c->shared ? 0444 : 0400))
		err = VRPC_E_IO;
	close(u->fd);
	u->fd = -1;
	if (err) {
		unlink(u->tmp);
		unreserve(u);
		return err;
	}
	pthread_mutex_lock(&c->lock);
	c->reserved -= u->size; /* it is now what it claimed: installed */
	err = install(c, u, sha, out);
	pthread_mutex_unlock(&c->lock);
	return err;
}
