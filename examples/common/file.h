// SPDX-License-Identifier: Apache-2.0
/* Small helpers shared by the example programs. They use only the public
 * vAccel API (upstream's examples call the library's internal fs_file_read;
 * these do the same job in the example itself). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Read the whole regular file `path` into a new buffer (*data, freed by the
 * caller with free()). VACCEL_EINVAL for an empty or non-regular file,
 * VACCEL_ENOENT/EACCES/EIO... for the errors of open/read, VACCEL_ENOMEM.
 * Errors are printed to stderr. */
int example_read_file(const char *path, void **data, size_t *size);

/* Write `size` bytes to a new or truncated file `path`. Errors are printed
 * to stderr. */
int example_write_file(const char *path, const void *data, size_t size);

/* The PNG that segment and depth put in their output after the records
 * (the record `png N`, the text's NUL, then N bytes; docs/plugins/onnx.md),
 * or NULL if there is none (another plugin, or a buffer too small). */
const unsigned char *example_image_png(const unsigned char *out, size_t cap,
				       size_t *len);

/* The iteration count argument: a decimal integer >= 0. Prints an error
 * and returns false if `s` is not one. */
bool example_parse_iterations(const char *s, int *iter);

#ifdef __cplusplus
}
#endif
