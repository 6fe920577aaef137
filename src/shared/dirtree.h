// SPDX-License-Identifier: Apache-2.0
/* Directory trees: mkdir -p and rm -rf, for libvaccel (run directories)
 * and vaccel-agent (its run and connection directories). Internal: a
 * static library linked into both, never exported. */
#pragma once

#include <sys/types.h>

/* mkdir -p: the missing parents get `parent_mode`, the last component
 * `mode` (both less the umask). VACCEL_OK if `path` is a directory now;
 * VACCEL_ENAMETOOLONG, an errno value, or VACCEL_ENOTDIR otherwise. */
int vaccel__fs_mkdir_p(const char *path, mode_t parent_mode, mode_t mode);
/* Remove a file or a directory tree (best effort: what cannot be removed
 * is logged with vaccel_warn). VACCEL_OK if `path` is gone (or never
 * was), else the errno of its own removal. Symlinks are removed, never
 * followed. */
int vaccel__fs_rm_rf(const char *path);
