// SPDX-License-Identifier: Apache-2.0
/* Files and strings for tests and benchmarks (files.c: no cmocka, no
 * libvaccel). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A new directory under $TMPDIR (or /tmp); the caller frees the string and
 * removes the directory (tu_rm_rf). */
char *tu_mkdtemp(void);
void tu_rm_rf(const char *path);
/* The whole file as a NUL-terminated string (the NUL is not counted in
 * *len; NULL if `path` is NULL or unreadable). */
char *tu_read_file(const char *path, size_t *len);
int tu_write_file(const char *path, const void *data, size_t len);
bool tu_exists(const char *path);
bool tu_is_dir(const char *path);
/* Entries of a directory other than . and .. (-1 if it cannot be read). */
int tu_count_entries(const char *dir);
/* Number of (non-overlapping) occurrences of `needle` in `hay`. */
size_t tu_count(const char *hay, const char *needle);
/* A malloc'ed printf. */
char *tu_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif
