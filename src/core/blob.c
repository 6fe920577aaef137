// SPDX-License-Identifier: Apache-2.0
/* Blobs: the files and buffers that make up a resource. */

#include "internal.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void blob_zero(struct vaccel_blob *b)
{
	memset(b, 0, sizeof(*b));
	b->type = VACCEL_BLOB_MAX;
}

bool vaccel_blob_valid(const struct vaccel_blob *b)
{
	return b && (unsigned)b->type < VACCEL_BLOB_MAX && b->name &&
	       (b->path || (b->size && b->data));
}

int vaccel_blob_init(struct vaccel_blob *blob, const char *path)
{
	if (!blob || !path)
		return VACCEL_EINVAL;
	blob_zero(blob);

	struct stat st;
	if (stat(path, &st) || !S_ISREG(st.st_mode)) {
		vaccel_error("Blob path %s is not a regular file", path);
		return VACCEL_EINVAL;
	}
	blob->path = strdup(path);
	blob->name = strdup(vaccel__fs_basename(path));
	if (!blob->path || !blob->name) {
		free(blob->path);
		free(blob->name);
		blob_zero(blob);
		return VACCEL_ENOMEM;
	}
	blob->type = VACCEL_BLOB_FILE;
	blob->size = (size_t)st.st_size;
	return VACCEL_OK;
}

/* Drop the data of `b` (unmap or free it if owned). */
static void blob_drop_data(struct vaccel_blob *b)
{
	if (b->data && b->data_owned) {
		if (b->type == VACCEL_BLOB_MAPPED)
			munmap(b->data, b->size);
		else
			free(b->data);
	}
	b->data = NULL;
	b->data_owned = false;
}

int vaccel_blob_persist(struct vaccel_blob *blob, const char *dir,
			const char *filename, bool randomize)
{
	if (!blob || !blob->data || !blob->size || !filename || !dir)
		return VACCEL_EINVAL;
	if (blob->path) {
		vaccel_error("Blob %s is already a file (%s)", blob->name,
			     blob->path);
		return VACCEL_EEXIST;
	}
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		vaccel_error("Cannot persist blob: %s is not a directory", dir);
		return VACCEL_ENOENT;
	}

	char *path = NULL;
	int ret = vaccel__fs_write_new(dir, filename, randomize, blob->data,
				       blob->size, &path);
	if (ret)
		return ret;
	void *map;
	size_t size;
	char *name = strdup(vaccel__fs_basename(path));
	ret = name ? vaccel__fs_map(path, &map, &size) : VACCEL_ENOMEM;
	if (ret) {
		unlink(path);
		free(path);
		free(name);
		return ret;
	}
	blob_drop_data(blob);
	free(blob->name);
	blob->name = name;
	blob->path = path;
	blob->path_owned = true;
	blob->data = map;
	blob->data_owned = true;
	blob->size = size;
	blob->type = VACCEL_BLOB_MAPPED;
	return VACCEL_OK;
}

int vaccel_blob_init_from_buf(struct vaccel_blob *blob, const uint8_t *buf,
			      size_t size, bool own, const char *filename,
			      const char *dir, bool randomize)
{
	if (!blob)
		return VACCEL_EINVAL;
	blob_zero(blob);
	if (!buf || !size || !filename)
		return VACCEL_EINVAL;

	blob->name = strdup(filename);
	if (!blob->name)
		return VACCEL_ENOMEM;
	blob->type = VACCEL_BLOB_BUFFER;
	blob->size = size;
	if (own && !dir) {
		/* copied: the blob owns the copy, the caller keeps buf */
		blob->data = malloc(size);
		if (!blob->data) {
			free(blob->name);
			blob_zero(blob);
			return VACCEL_ENOMEM;
		}
		memcpy(blob->data, buf, size);
		blob->data_owned = true;
	} else {
		/* referenced (or about to be persisted from it) */
		blob->data = (uint8_t *)buf;
	}
	if (!dir)
		return VACCEL_OK;

	int ret = vaccel_blob_persist(blob, dir, filename, randomize);
	if (ret) {
		free(blob->name);
		blob_zero(blob);
	}
	return ret;
}

int vaccel_blob_release(struct vaccel_blob *blob)
{
	if (!blob || (unsigned)blob->type >= VACCEL_BLOB_MAX) {
		vaccel_error("Cannot release an uninitialized blob");
		return VACCEL_EINVAL;
	}
	blob_drop_data(blob);
	if (blob->path && blob->path_owned && unlink(blob->path))
		vaccel_warn("Could not remove %s", blob->path);
	free(blob->path);
	free(blob->name);
	blob_zero(blob);
	return VACCEL_OK;
}

int vaccel_blob_new(struct vaccel_blob **blob, const char *path)
{
	if (!blob)
		return VACCEL_EINVAL;
	struct vaccel_blob *b = malloc(sizeof(*b));
	if (!b)
		return VACCEL_ENOMEM;
	int ret = vaccel_blob_init(b, path);
	if (ret) {
		free(b);
		return ret;
	}
	*blob = b;
	return VACCEL_OK;
}

int vaccel_blob_from_buf(struct vaccel_blob **blob, const uint8_t *buf,
			 size_t size, bool own, const char *filename,
			 const char *dir, bool randomize)
{
	if (!blob)
		return VACCEL_EINVAL;
	struct vaccel_blob *b = malloc(sizeof(*b));
	if (!b)
		return VACCEL_ENOMEM;
	int ret = vaccel_blob_init_from_buf(b, buf, size, own, filename, dir,
					    randomize);
	if (ret) {
		free(b);
		return ret;
	}
	*blob = b;
	return VACCEL_OK;
}

int vaccel_blob_delete(struct vaccel_blob *blob)
{
	int ret = vaccel_blob_release(blob);
	if (ret)
		return ret;
	free(blob);
	return VACCEL_OK;
}

/* Plugins of several sessions may read one shared resource's blobs at once. */
static pthread_mutex_t read_lock = PTHREAD_MUTEX_INITIALIZER;

int vaccel_blob_read(struct vaccel_blob *blob)
{
	if (!blob || (unsigned)blob->type >= VACCEL_BLOB_MAX)
		return VACCEL_EINVAL;

	int ret = VACCEL_OK;
	pthread_mutex_lock(&read_lock);
	if (!blob->data && !blob->path) {
		ret = VACCEL_EINVAL;
	} else if (!blob->data) {
		void *map;
		size_t size;
		ret = vaccel__fs_map(blob->path, &map, &size);
		if (!ret) {
			/* Owned, so that release unmaps it (upstream leaked
			 * these maps). */
			blob->data = map;
			blob->size = size;
			blob->data_owned = true;
			blob->type = VACCEL_BLOB_MAPPED;
		}
	}
	pthread_mutex_unlock(&read_lock);
	return ret;
}

uint8_t *vaccel_blob_data(struct vaccel_blob *blob, size_t *size)
{
	if (vaccel_blob_read(blob))
		return NULL;
	if (size)
		*size = blob->size;
	return blob->data;
}

const char *vaccel_blob_path(struct vaccel_blob *blob)
{
	if (!blob || (blob->type != VACCEL_BLOB_FILE &&
		      blob->type != VACCEL_BLOB_MAPPED))
		return NULL;
	return blob->path;
}
