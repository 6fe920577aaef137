// SPDX-License-Identifier: Apache-2.0
/* Small helpers of every part of the agent (agent.h): dying with a
 * message, bounded string copies and joins, a tenant's directory name. */

#include "agent.h"
#include "sha256.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

void die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	aerr("%s", msg);
	exit(2);
}

bool tenant_ephemeral(const char *tenant)
{
	return !strncmp(tenant, "conn:", 5);
}

void tenant_dirname(const char *tenant, char out[19])
{
	/* this run's: a connection's number starts at 1 in every run */
	static uint8_t salt[16];
	static bool salted;
	uint8_t sha[VRPC_SHA256_LEN];
	char hex[65], in[16 + TENANT_MAX + 1];
	bool eph = tenant_ephemeral(tenant);
	size_t n = strnlen(tenant, TENANT_MAX), off = 0;
	if (eph && !salted) {
		if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
			die("getrandom: %s", strerror(errno));
		salted = true;
	}
	if (eph) {
		memcpy(in, salt, sizeof(salt));
		off = sizeof(salt);
	}
	memcpy(in + off, tenant, n);
	vrpc_sha256(in, off + n, sha);
	vrpc_sha256_hex(sha, hex);
	snprintf(out, 19, "%c-%.16s", eph ? 'e' : 't', hex);
}

void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

bool path_join(char *dst, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la + lb + 2 > size)
		return false;
	memcpy(dst, a, la);
	dst[la] = '/';
	memcpy(dst + la + 1, b, lb + 1);
	return true;
}

/* Empty directory `fd` (taken), by descriptors and without recursion: a
 * tenant's tree may be deeper than PATH_MAX or a stack allows. A
 * non-empty directory is entered; one emptied is left through "..", and
 * removed when its parent is read again. Going up with nothing removed
 * since the last time up ends it (an entry that cannot be removed would
 * be entered again and again). True if all went. */
static bool empty_dir(int fd)
{
	int depth = 0;
	uint64_t removed = 0, at_last_up = 0;
	bool done = false;
	while (fd >= 0) {
		int sub = -1, dfd = dup(fd);
		DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
		struct dirent *e;
		if (!d) {
			if (dfd >= 0)
				close(dfd);
			break;
		}
		bool left = false;
		while (sub < 0 && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (!unlinkat(fd, e->d_name, 0) ||
			    !unlinkat(fd, e->d_name, AT_REMOVEDIR)) {
				removed++;
				continue;
			}
			if (errno == ENOTEMPTY || errno == EEXIST)
				sub = openat(fd, e->d_name,
					     O_RDONLY | O_DIRECTORY |
						     O_NOFOLLOW | O_CLOEXEC);
			left = left || sub < 0;
		}
		closedir(d);
		if (sub >= 0) {
			close(fd);
			fd = sub;
			depth++;
			continue;
		}
		if (depth == 0) {
			done = !left;
			break;
		}
		if (removed == at_last_up)
			break; /* stuck */
		at_last_up = removed;
		int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = up;
		depth--;
	}
	if (fd >= 0)
		close(fd);
	return done;
}

bool remove_tree(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return !unlink(path) || errno == ENOENT;
	return empty_dir(fd) && !rmdir(path);
}
