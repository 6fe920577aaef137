// SPDX-License-Identifier: Apache-2.0
/* A blob is one file or buffer of a resource. */
#pragma once

#include "utils/enum.h"
#include "utils/path.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	VACCEL_BLOB_FILE = 0,	/* a file on disk, data not read (yet) */
	VACCEL_BLOB_BUFFER = 1, /* bytes in memory, no file */
	VACCEL_BLOB_MAPPED = 2, /* a file on disk, mapped into memory */
	VACCEL_BLOB_MAX = 3,
} vaccel_blob_type_t;

/* The full name of a value ("VACCEL_..."); "..._MAX" if unknown. */
const char *vaccel_blob_type_name(vaccel_blob_type_t t);

static inline const char *vaccel_blob_type_to_str(vaccel_blob_type_t t)
{
	return vaccel_blob_type_name(t);
}

static inline const char *vaccel_blob_type_to_base_str(vaccel_blob_type_t t)
{
	return vaccel_enum_base(vaccel_blob_type_to_str(t), "VACCEL_BLOB_");
}

struct vaccel_blob {
	vaccel_blob_type_t type;
	/* file name (no directory) */
	char *name;
	/* file path; NULL for pure buffers */
	char *path;
	/* true: the file is ours and is deleted on release */
	bool path_owned;
	/* contents, when in memory */
	uint8_t *data;
	/* true: `data` is ours (freed or unmapped on release) */
	bool data_owned;
	size_t size;
};

/* Write the blob's data to `dir`/`filename` (a random suffix is added when
 * `randomize` or when the name exists); the blob becomes MAPPED. */
int vaccel_blob_persist(struct vaccel_blob *blob, const char *dir,
			const char *filename, bool randomize);
/* A FILE blob for an existing regular file (nothing is read). */
int vaccel_blob_init(struct vaccel_blob *blob, const char *path);
int vaccel_blob_new(struct vaccel_blob **blob, const char *path);
/* A blob from memory. dir == NULL: a BUFFER blob that copies `buf` when
 * `own`, else references it (the caller keeps it alive). dir != NULL: the
 * bytes are written to a file in `dir` and the blob becomes MAPPED. */
int vaccel_blob_init_from_buf(struct vaccel_blob *blob, const uint8_t *buf,
			      size_t size, bool own, const char *filename,
			      const char *dir, bool randomize);
int vaccel_blob_from_buf(struct vaccel_blob **blob, const uint8_t *buf,
			 size_t size, bool own, const char *filename,
			 const char *dir, bool randomize);
int vaccel_blob_release(struct vaccel_blob *blob);
int vaccel_blob_delete(struct vaccel_blob *blob);
/* Map the file into memory if the data is not there yet. */
int vaccel_blob_read(struct vaccel_blob *blob);
/* The data (read on demand) and its size; NULL on error. */
uint8_t *vaccel_blob_data(struct vaccel_blob *blob, size_t *size);
/* The file path for FILE and MAPPED blobs, NULL otherwise. */
const char *vaccel_blob_path(struct vaccel_blob *blob);
bool vaccel_blob_valid(const struct vaccel_blob *blob);

#ifdef __cplusplus
}
#endif
