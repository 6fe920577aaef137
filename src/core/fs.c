// SPDX-License-Identifier: Apache-2.0
/* File helpers of the core (blobs, directory resources); directory trees
 * (mkdir -p, rm -rf) are in src/shared/dirtree.c. */

#include "internal.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *vaccel__fs_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Open `path` read-only and get its size; empty files are an error. */
static int open_sized(const char *path, int *fd, size_t *size)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		vaccel_error("Could not open %s: %s", path, strerror(errno));
		return errno == ENOENT ? VACCEL_ENOENT : VACCEL_EIO;
	}
	struct stat st;
	if (fstat(*fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		vaccel_error("File %s is empty or not a regular file", path);
		close(*fd);
		return VACCEL_EINVAL;
	}
	*size = (size_t)st.st_size;
	return VACCEL_OK;
}

int vaccel__fs_read(const char *path, void **data, size_t *size)
{
	int fd;
	size_t len;
	int ret = open_sized(path, &fd, &len);
	if (ret)
		return ret;
	char *buf = malloc(len);
	if (!buf) {
		close(fd);
		return VACCEL_ENOMEM;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t n = read(fd, buf + off, len - off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			vaccel_error("Could not read %s", path);
			free(buf);
			close(fd);
			return VACCEL_EIO;
		}
		off += (size_t)n;
	}
	close(fd);
	*data = buf;
	*size = len;
	return VACCEL_OK;
}

int vaccel__fs_map(const char *path, void **data, size_t *size)
{
	int fd;
	size_t len;
	int ret = open_sized(path, &fd, &len);
	if (ret)
		return ret;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		vaccel_error("Could not map %s: %s", path, strerror(errno));
		return VACCEL_EIO;
	}
	*data = p;
	*size = len;
	return VACCEL_OK;
}

static int write_all(int fd, const void *data, size_t size)
{
	const char *p = data;
	while (size) {
		ssize_t n = write(fd, p, size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		size -= (size_t)n;
	}
	return VACCEL_OK;
}

/* Create dir/stem_XXXXXX.ext (the extension of `name` is kept). */
static int create_random(const char *dir, const char *name, char *path,
			 size_t len)
{
	const char *dot = strrchr(name, '.');
	int stem = dot && dot != name ? (int)(dot - name) : (int)strlen(name);
	const char *ext = dot && dot != name ? dot : "";
	if (snprintf(path, len, "%s/%.*s_XXXXXX%s", dir, stem, name, ext) >=
	    (int)len)
		return -1;
	return mkostemps(path, (int)strlen(ext), O_CLOEXEC);
}

int vaccel__fs_write_new(const char *dir, const char *name, bool randomize,
			 const void *data, size_t size, char **out_path)
{
	char path[PATH_MAX];
	int fd = -1;

	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		vaccel_error("Invalid file name %s", name);
		return VACCEL_EINVAL;
	}
	if (!randomize) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		    (int)sizeof(path))
			return VACCEL_ENAMETOOLONG;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST)
			vaccel_warn("File %s exists", path);
	}
	if (fd < 0)
		fd = create_random(dir, name, path, sizeof(path));
	if (fd < 0) {
		vaccel_error("Could not create a file for %s in %s: %s", name,
			     dir, strerror(errno));
		return VACCEL_EIO;
	}
	int ret = write_all(fd, data, size);
	close(fd);
	if (ret || !(*out_path = strdup(path))) {
		unlink(path);
		return ret ? VACCEL_EIO : VACCEL_ENOMEM;
	}
	return VACCEL_OK;
}

int vaccel__fs_walk(const char *dir, int (*fn)(const char *path, void *ctx),
		    void *ctx)
{
	DIR *d = opendir(dir);
	if (!d) {
		vaccel_error("Could not open directory %s: %s", dir,
			     strerror(errno));
		return VACCEL_ENOENT;
	}
	int ret = VACCEL_OK;
	struct dirent *de;
	char child[PATH_MAX];
	while (!ret && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(child)) {
			ret = VACCEL_ENAMETOOLONG;
			break;
		}
		/* lstat: symlinks are not followed (a link to a parent would
		 * loop, a link to / would walk the file system) */
		struct stat st;
		if (lstat(child, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			ret = vaccel__fs_walk(child, fn, ctx);
		else if (S_ISREG(st.st_mode))
			ret = fn(child, ctx);
	}
	closedir(d);
	return ret;
}
