// SPDX-License-Identifier: Apache-2.0
/* mkdir -p and rm -rf (see dirtree.h). */

#include "dirtree.h"
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vaccel/error.h>
#include <vaccel/log.h>

int vaccel__fs_mkdir_p(const char *path, mode_t parent_mode, mode_t mode)
{
	char buf[PATH_MAX];
	if (!path || !*path ||
	    snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return VACCEL_ENAMETOOLONG;

	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, parent_mode) && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return errno;
	struct stat st;
	if (stat(buf, &st) || !S_ISDIR(st.st_mode))
		return VACCEL_ENOTDIR;
	return VACCEL_OK;
}

int vaccel__fs_rm_rf(const char *path)
{
	struct stat top;
	bool dir = !lstat(path, &top) && S_ISDIR(top.st_mode);
	DIR *d = dir ? opendir(path) : NULL;
	if (!d) {
		if (unlink(path) && errno != ENOENT) {
			vaccel_warn("Could not remove %s: %s", path,
				    strerror(errno));
			return errno;
		}
		return VACCEL_OK;
	}
	struct dirent *de;
	char child[PATH_MAX];
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
		    (int)sizeof(child))
			continue;
		struct stat st;
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			vaccel__fs_rm_rf(child);
		else if (unlink(child))
			vaccel_warn("Could not remove %s: %s", child,
				    strerror(errno));
	}
	closedir(d);
	if (rmdir(path)) {
		vaccel_warn("Could not remove %s: %s", path, strerror(errno));
		return errno;
	}
	return VACCEL_OK;
}
