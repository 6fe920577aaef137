// SPDX-License-Identifier: Apache-2.0
/* The directories of the front's workers (workers.c): as root, each live
 * tenant's worker runs as its own uid (base + slot) and owns its
 * directories (a private one, its cache) only while it runs; a new worker
 * of that slot is another tenant's, so they are given back to root when a
 * worker ends. */

#include "workers_int.h"
#include "dirtree.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char wk_tenants_root[PATH_MAX];

bool wk_as_root(void)
{
	return geteuid() == 0;
}

uid_t wk_uid(const struct worker *w)
{
	return (uid_t)(cfg.worker_uid_base + (uint64_t)w->slot);
}

/* chown -R without following links (the worker may have made some). A
 * failure is logged: the worker may then lack, or keep, access. */
static void chown_tree(const char *path, uid_t uid)
{
	if (lchown(path, uid, uid)) {
		awarn("cannot give %s to uid %u: %s", path, (unsigned)uid,
		      strerror(errno));
		return;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[PATH_MAX];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !path_join(p, sizeof(p), path, e->d_name))
			continue;
		if (e->d_type == DT_DIR)
			chown_tree(p, uid);
		else if (lchown(p, uid, uid))
			awarn("cannot give %s to uid %u: %s", p, (unsigned)uid,
			      strerror(errno));
	}
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
}

int wk_make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) && errno != EEXIST)
		return -1;
	return chmod(path, mode);
}

/* The worker's private directory (emptied) and cache, owned by its uid. */
int wk_prepare_dirs(struct worker *w)
{
	char dn[19];
	tenant_dirname(w->tenant, dn);
	if (!path_join(w->dir, sizeof(w->dir), wk_tenants_root, dn) ||
	    !path_join(w->cache, sizeof(w->cache), cfg.cache_dir,
		       cfg.cache_shared ? "shared" : dn)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	vaccel__fs_rm_rf(w->dir);
	if (wk_make_dir(w->dir, 0700) ||
	    (!cfg.cache_shared && wk_make_dir(w->cache, 0700)))
		return -1;
	if (w->slot >= 0) {
		chown_tree(w->dir, wk_uid(w));
		if (!cfg.cache_shared)
			chown_tree(w->cache, wk_uid(w));
	}
	return 0;
}

/* A worker ended: its files go, its cache goes back to root. */
void wk_release_dirs(struct worker *w)
{
	if (w->dir[0])
		vaccel__fs_rm_rf(w->dir);
	if (w->slot >= 0 && !cfg.cache_shared && w->cache[0])
		chown_tree(w->cache, 0);
}

/* Every directory a previous run left is root's until its tenant comes. */
void wk_setup_roots(void)
{
	if (!path_join(wk_tenants_root, sizeof(wk_tenants_root), cfg.rundir,
		       "tenants"))
		die("--rundir: path too long");
	if (wk_make_dir(wk_tenants_root, wk_as_root() ? 0711 : 0700) ||
	    wk_make_dir(cfg.cache_dir, wk_as_root() ? 0711 : 0700))
		die("cannot create %s or %s: %s", wk_tenants_root,
		    cfg.cache_dir, strerror(errno));
	if (wk_as_root()) {
		chown_tree(wk_tenants_root, 0);
		chown_tree(cfg.cache_dir, 0);
	}
	if (cfg.cache_shared) {
		char shared[PATH_MAX];
		if (!path_join(shared, sizeof(shared), cfg.cache_dir, "shared"))
			die("--cache-dir: path too long");
		/* every tenant's worker adds to it; sticky: none removes
		 * another's entries */
		if (wk_make_dir(shared, 01777))
			die("cannot create %s: %s", shared, strerror(errno));
	}
}
