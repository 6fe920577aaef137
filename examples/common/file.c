// SPDX-License-Identifier: Apache-2.0
#include "file.h"

#include <vaccel.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int example_read_file(const char *path, void **data, size_t *size)
{
	struct stat st;
	int ret = VACCEL_OK;

	if (!path || !data || !size)
		return VACCEL_EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = errno;
		fprintf(stderr, "Could not open %s: %s\n", path, strerror(ret));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		fprintf(stderr, "%s is not a regular, non-empty file\n", path);
		close(fd);
		return VACCEL_EINVAL;
	}
	size_t n = (size_t)st.st_size;
	unsigned char *buf = malloc(n);
	if (!buf) {
		close(fd);
		return VACCEL_ENOMEM;
	}
	for (size_t off = 0; off < n;) {
		ssize_t r = read(fd, buf + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = r < 0 ? errno : VACCEL_EIO;
			fprintf(stderr, "Could not read %s: %s\n", path,
				strerror(ret));
			free(buf);
			close(fd);
			return ret;
		}
		off += (size_t)r;
	}
	close(fd);
	*data = buf; /* the caller frees it */
	*size = n;
	return VACCEL_OK;
}

bool example_parse_iterations(const char *s, int *iter)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX) {
		fprintf(stderr, "Invalid number of iterations: %s\n", s);
		return false;
	}
	*iter = (int)v;
	return true;
}

int example_write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	int ret = VACCEL_OK;

	if (!f) {
		ret = errno;
		fprintf(stderr, "Could not create %s: %s\n", path,
			strerror(ret));
		return ret;
	}
	if (fwrite(data, 1, size, f) != size)
		ret = VACCEL_EIO;
	if (fclose(f) && !ret)
		ret = VACCEL_EIO;
	if (ret)
		fprintf(stderr, "Could not write %s\n", path);
	return ret;
}

const unsigned char *example_image_png(const unsigned char *out, size_t cap,
				       size_t *len)
{
	size_t text = strnlen((const char *)out, cap);
	const char *rec = (const char *)out;
	unsigned long long n;

	if (text == cap)
		return NULL;
	/* the record `png N`, at the start of a line */
	while (rec && sscanf(rec, "png %llu", &n) != 1) {
		rec = strchr(rec, '\n');
		rec = rec ? rec + 1 : NULL;
	}
	if (!rec || n > cap - text - 1)
		return NULL;
	*len = (size_t)n;
	return out + text + 1;
}
