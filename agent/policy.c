// SPDX-License-Identifier: Apache-2.0
/* What clients may name and run: the exec allowlist (a library is found
 * under an --exec-allow directory by name or by content hash; a client
 * path is never opened as sent), client names of resource files. */

#define _XOPEN_SOURCE 700
#include "dirtree.h"
#include "policy.h"
#include "agent.h"
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <vaccel.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* `path` resolved, a regular file strictly inside the directory `dir`
 * (itself a real path). */
static int inside(const char *dir, const char *path, char *out, size_t size)
{
	char real[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);
	if (!realpath(path, real) || stat(real, &st) || !S_ISREG(st.st_mode))
		return VACCEL_ENOENT;
	if (strncmp(real, dir, n) || (real[n] != '/' && dir[n - 1] != '/'))
		return VACCEL_EPERM;
	if (strlen(real) >= size)
		return VACCEL_ENAMETOOLONG;
	strcpy(out, real);
	return 0;
}

int policy_exec_library(const char *name, char *out, size_t size)
{
	if (!cfg.nr_exec_dirs)
		return VACCEL_EPERM;
	/* an absolute path names a file of the client's system: only its
	 * base name is looked up here */
	const char *rel = name;
	if (*name == '/') {
		rel = strrchr(name, '/') + 1;
	}
	if (!*rel || strlen(rel) > NAME_MAX * 4)
		return VACCEL_EPERM;
	for (int i = 0; i < cfg.nr_exec_dirs; i++) {
		char cand[PATH_MAX * 2];
		snprintf(cand, sizeof(cand), "%s/%s", cfg.exec_dirs[i], rel);
		if (inside(cfg.exec_dirs[i], cand, out, size) == 0)
			return 0;
	}
	return VACCEL_EPERM;
}

/* ---- content hashes of the allowlisted files (cached by inode/mtime) ---- */

struct hashed {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	uint8_t sha[VRPC_SHA256_LEN];
	struct hashed *next;
};

static struct hashed *hashed;
static pthread_mutex_t hash_lock = PTHREAD_MUTEX_INITIALIZER;

static int hash_file(const char *path, uint8_t sha[VRPC_SHA256_LEN])
{
	return vrpc_sha256_file(path, sha);
}

/* The (cached) hash of a regular file; hash_lock held. */
static struct hashed *hash_of(const char *path, const struct stat *st)
{
	for (struct hashed *h = hashed; h; h = h->next) {
		if (!strcmp(h->path, path)) {
			if (h->dev == st->st_dev && h->ino == st->st_ino &&
			    h->size == st->st_size &&
			    h->mtime.tv_sec == st->st_mtim.tv_sec &&
			    h->mtime.tv_nsec == st->st_mtim.tv_nsec)
				return h;
			if (hash_file(path, h->sha))
				return NULL;
			h->dev = st->st_dev, h->ino = st->st_ino;
			h->size = st->st_size, h->mtime = st->st_mtim;
			return h;
		}
	}
	struct hashed *h = calloc(1, sizeof(*h));
	if (!h || strlen(path) >= sizeof(h->path) || hash_file(path, h->sha)) {
		free(h);
		return NULL;
	}
	strcpy(h->path, path);
	h->dev = st->st_dev, h->ino = st->st_ino;
	h->size = st->st_size, h->mtime = st->st_mtim;
	h->next = hashed;
	hashed = h;
	return h;
}

/* Look for `sha` among the regular files of `dir` and its subdirectories
 * (4 levels). */
static int scan(const char *dir, int depth, const uint8_t *sha, char *out,
		size_t size)
{
	DIR *d = opendir(dir);
	if (!d)
		return VACCEL_ENOENT;
	int ret = VACCEL_ENOENT;
	struct dirent *e;
	while (ret && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[PATH_MAX];
		struct stat st;
		if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >=
			    (int)sizeof(p) ||
		    lstat(p, &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 4) {
			ret = scan(p, depth + 1, sha, out, size);
		} else if (S_ISREG(st.st_mode)) {
			struct hashed *h = hash_of(p, &st);
			if (h && !memcmp(h->sha, sha, VRPC_SHA256_LEN) &&
			    strlen(p) < size) {
				strcpy(out, p);
				ret = 0;
			}
		}
	}
	closedir(d);
	return ret;
}

int policy_exec_by_hash(const uint8_t sha[VRPC_SHA256_LEN], char *out,
			size_t size)
{
	int ret = VACCEL_ENOENT;
	pthread_mutex_lock(&hash_lock);
	for (int i = 0; ret && i < cfg.nr_exec_dirs; i++)
		ret = scan(cfg.exec_dirs[i], 0, sha, out, size);
	pthread_mutex_unlock(&hash_lock);
	return ret;
}

/* ---- names -------------------------------------------------------------- */

int policy_sanitize_name(const char *in, int max_parts, char *out, size_t size)
{
	size_t o = 0;
	int parts = 0;
	const char *p = in;
	if (!*in || *in == '/')
		return VACCEL_EINVAL;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (!n || n > 255 || ++parts > max_parts ||
		    (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return VACCEL_EINVAL;
		if (o + n + 2 > size)
			return VACCEL_ENAMETOOLONG;
		if (o)
			out[o++] = '/';
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)p[i];
			if (ch < 0x20 || ch == 0x7f)
				return VACCEL_EINVAL;
			bool ok = (ch >= 'a' && ch <= 'z') ||
				  (ch >= 'A' && ch <= 'Z') ||
				  (ch >= '0' && ch <= '9') || ch == '.' ||
				  ch == '_' || ch == '-' || ch == '+';
			out[o++] = ok ? (char)ch : '_';
		}
		p += n;
		if (*p == '/' && !*++p)
			return VACCEL_EINVAL; /* trailing slash */
	}
	out[o] = 0;
	return 0;
}
