// SPDX-License-Identifier: Apache-2.0
/* The directories of the front's workers (workers.c): as root, each live
 * tenant's worker runs as its own uid (base + slot) and owns its
 * directories (a private one, its cache) only while it runs; a new worker
 * of that slot is another tenant's, so they are given back to root when a
 * worker ends. Nothing here walks a tenant's files on the front's thread
 * (a tenant decides how many there are): trees go to a trash emptied by a
 * thread, and a cache's files are given to its worker by the worker's
 * process. */

#include "workers_int.h"
#include "cache.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

char wk_tenants_root[PATH_MAX];
char wk_caches_root[PATH_MAX];

bool wk_as_root(void)
{
	return geteuid() == 0;
}

uid_t wk_uid(const struct worker *w)
{
	return (uid_t)(cfg.worker_uid_base + (uint64_t)w->slot);
}

/* chown -R of directory `dfd`'s entries to `uid`, to CHOWN_DEPTH levels
 * (what a tenant nests deeper keeps its owner: its worker may lack
 * access to it). In a forked child (system calls only: no allocation, no
 * log), by descriptors: an entry is changed and entered relative to the
 * directory it was read in, never followed if a link, so a tenant that
 * renames or swaps parts of its tree meanwhile (it may hold descriptors
 * into it from outside) changes only its own files. */
#define CHOWN_DEPTH 64
struct dirent64_raw {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* The owners of what a tenant's tree may hold: its worker's uid. */
uid_t wk_uid_lo(void)
{
	return wk_as_root() ? (uid_t)cfg.worker_uid_base : geteuid();
}

uid_t wk_uid_hi(void)
{
	/* the slots' uids end where their shared group is */
	return wk_as_root() ? (uid_t)workers_shared_gid() : geteuid() + 1;
}

/* Whose entries own_tree changes: of the cache's filesystem, owned by a
 * worker uid (a tenant's host process can link or move someone else's
 * file into its tree: not changed). */
struct own {
	dev_t dev;
	uid_t lo, hi, uid;
};

static void own_tree(int dfd, const struct own *o, int depth)
{
	char buf[2048] __attribute__((aligned(8)));
	long n;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64_raw *d = (void *)(buf + off);
			struct stat st;
			off += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			/* a directory: taken back (root's, rwx for root),
			 * opened, its entries given, then itself: root without
			 * CAP_DAC_* (the packaged unit) opens no directory of
			 * another uid's nor one of mode 0, nor looks up a name
			 * in it (an audit: what a tenant nested stayed of its
			 * last uid, uncounted, unreadable to its next worker)
			 */
			int sub = -1,
			    fd = depth < CHOWN_DEPTH
					 ? dir_take(dfd, d->name, o->dev, o->lo,
						    o->hi)
					 : -1;
			if (fd >= 0) {
				sub = openat(fd, ".",
					     O_RDONLY | O_DIRECTORY |
						     O_CLOEXEC);
			} else {
				/* the entry itself (a link not followed),
				 * checked and changed through one descriptor */
				fd = openat(dfd, d->name,
					    O_PATH | O_NOFOLLOW | O_CLOEXEC);
				if (fd < 0)
					continue;
				if (fstat(fd, &st) || st.st_dev != o->dev ||
				    st.st_uid < o->lo || st.st_uid >= o->hi) {
					close(fd);
					continue;
				}
			}
			if (sub >= 0) {
				own_tree(sub, o, depth + 1);
				close(sub);
			}
			int r = fchownat(fd, "", o->uid, o->uid, AT_EMPTY_PATH);
			(void)r; /* (what is not given stays the front's) */
			close(fd);
		}
	}
}

/* ---- the janitor ------------------------------------------------------------
 * A tree a worker leaves (its private directory; an ephemeral tenant's
 * cache) is renamed into the trash of its root, which takes no time
 * whatever it holds, and removed there by a thread of the front: removing
 * or giving away a tenant's 150k files on the front's thread stopped every
 * tenant's connections for seconds. */

static char trash[2][PATH_MAX]; /* in the tenants' root, in --cache-dir */
static pthread_mutex_t jlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jcond = PTHREAD_COND_INITIALIZER;
static unsigned jpending;

static void empty_trash(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[PATH_MAX];
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    path_join(p, sizeof(p), dir, e->d_name) &&
		    !remove_tree(p, wk_uid_lo(), wk_uid_hi()))
			awarn("cannot remove all of %s", p);
	}
	if (d)
		closedir(d);
}

static void *janitor(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&jlock);
	for (;;) {
		while (!jpending)
			pthread_cond_wait(&jcond, &jlock);
		jpending = 0;
		pthread_mutex_unlock(&jlock);
		empty_trash(trash[0]);
		empty_trash(trash[1]);
		pthread_mutex_lock(&jlock);
	}
	return NULL;
}

static void janitor_wake(void)
{
	pthread_mutex_lock(&jlock);
	jpending++;
	pthread_cond_signal(&jcond);
	pthread_mutex_unlock(&jlock);
}

/* Remove `path` (in the root of trash `t`) without waiting for it. */
static void discard(const char *path, int t)
{
	static uint64_t seq;
	char to[PATH_MAX];
	/* a worker's directory: the front's again before it moves (without
	 * CAP_DAC_OVERRIDE, as under the packaged unit, rename needs write
	 * permission on it) */
	take_dir(path, wk_uid_lo(), wk_uid_hi());
	if (snprintf(to, sizeof(to), "%s/%" PRIu64, trash[t], ++seq) <
		    (int)sizeof(to) &&
	    !rename(path, to)) {
		janitor_wake();
		return;
	}
	if (errno != ENOENT && !remove_tree(path, wk_uid_lo(), wk_uid_hi()))
		awarn("cannot remove all of %s", path);
}

/* ---- a worker's directories ------------------------------------------------
 */

/* The worker's private directory (new) and cache, the first owned by its
 * uid; its cache's files are given to it by the worker's process before
 * it runs (wk_own_dirs): they may be many. */
int wk_prepare_dirs(struct worker *w)
{
	char dn[19];
	tenant_dirname(w->tenant, dn);
	if (!path_join(w->dir, sizeof(w->dir), wk_tenants_root, dn) ||
	    !path_join(w->cache, sizeof(w->cache),
		       cfg.cache_shared ? cfg.cache_dir : wk_caches_root,
		       cfg.cache_shared ? "shared" : dn)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	discard(w->dir, 0);
	if (make_dir(w->dir, 0700) ||
	    (!cfg.cache_shared && make_dir(w->cache, 0700)))
		return -1;
	if (w->slot >= 0 && lchown(w->dir, wk_uid(w), wk_uid(w)))
		return -1;
	return 0;
}

void wk_own_dirs(const struct worker *w)
{
	if (w->slot < 0 || cfg.cache_shared)
		return;
	/* its path is root's: cache_dir, then a directory root took back */
	int fd =
		open(w->cache, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	struct own o = { 0, wk_uid_lo(), wk_uid_hi(), wk_uid(w) };
	/* itself last: a name is looked up in it as root's */
	if (!fstat(fd, &st)) {
		o.dev = st.st_dev;
		own_tree(fd, &o, 0);
	}
	int r = fchown(fd, wk_uid(w), wk_uid(w));
	(void)r;
	close(fd);
}

/* A worker ended: its files go; its cache goes back to root (the top
 * directory is enough: what is under it cannot be reached through it), or
 * goes if its tenant never comes back. */
void wk_release_dirs(struct worker *w)
{
	if (w->dir[0])
		discard(w->dir, 0);
	if (cfg.cache_shared || !w->cache[0])
		return;
	if (tenant_ephemeral(w->tenant)) {
		discard(w->cache, 1);
		return;
	}
	/* root's first: without CAP_DAC_READ_SEARCH (the packaged unit)
	 * the count below could not look into it (an audit: 20 MiB kept
	 * under a 1 MiB budget) */
	if (w->slot >= 0 && (lchown(w->cache, 0, 0) || chmod(w->cache, 0700)))
		awarn("cannot take %s back from uid %u: %s", w->cache,
		      (unsigned)wk_uid(w), strerror(errno));
	/* the backends' .cache over the budget goes now, not at the
	 * tenant's next worker: on a tmpfs it is memory meanwhile (an
	 * audit: 200 MiB kept under a 16 MiB budget). Nothing of the
	 * tenant runs now to change the tree under the count */
	char dc[PATH_MAX];
	uint64_t bytes, n;
	if (w->pid > 0 && path_join(dc, sizeof(dc), w->cache, ".cache") &&
	    cache_dotcache_over(dc, cfg.cache_max, wk_uid_lo(), wk_uid_hi(),
				&bytes, &n)) {
		awarn("tenant %s: the backends' .cache is over the cache's "
		      "budget at its worker's end: removed",
		      w->tenant);
		discard(dc, 1);
	}
}

/* What a previous run left: private directories and ephemeral tenants'
 * caches go; the other caches are root's until their tenant comes. */
static void sweep_roots(void)
{
	const char *roots[2] = { wk_tenants_root, wk_caches_root };
	for (int t = 0; t < 2; t++) {
		DIR *d = opendir(roots[t]);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char p[PATH_MAX];
			if (e->d_name[0] == '.' ||
			    !path_join(p, sizeof(p), roots[t], e->d_name))
				continue;
			if (t == 0 || !strncmp(e->d_name, "e-", 2))
				discard(p, t);
			else if (wk_as_root() &&
				 (lchown(p, 0, 0) || chmod(p, 0700)))
				awarn("cannot take %s back: %s", p,
				      strerror(errno));
		}
		if (d)
			closedir(d);
	}
}

/* Tenants' caches were --cache-dir's entries before they had a root of
 * their own (CACHES_SUBDIR): moved there, a tenant's uploads kept. */
static void move_old_caches(void)
{
	DIR *d = opendir(cfg.cache_dir);
	struct dirent *e;
	unsigned moved = 0;
	while (d && (e = readdir(d))) {
		char from[PATH_MAX], to[PATH_MAX];
		if ((strncmp(e->d_name, "t-", 2) &&
		     strncmp(e->d_name, "e-", 2)) ||
		    strlen(e->d_name) != 18 ||
		    !path_join(from, sizeof(from), cfg.cache_dir, e->d_name) ||
		    !path_join(to, sizeof(to), wk_caches_root, e->d_name))
			continue;
		if (!rename(from, to))
			moved++;
		else
			discard(from, 1); /* one there already is newer */
	}
	if (d)
		closedir(d);
	if (moved)
		ainfo("moved %u tenants' caches from %s into %s", moved,
		      cfg.cache_dir, wk_caches_root);
}

void wk_setup_roots(void)
{
	if (!path_join(wk_tenants_root, sizeof(wk_tenants_root), cfg.rundir,
		       "tenants") ||
	    !path_join(wk_caches_root, sizeof(wk_caches_root), cfg.cache_dir,
		       CACHES_SUBDIR))
		die("--rundir or --cache-dir: path too long");
	/* as root, the workers' group may go through the tenants' roots, to
	 * their own directories, and no one else: any local user could stat
	 * a tenant's directory (its name a hash of the tenant's) and see
	 * which tenants the agent serves, its worker's uid and when it starts
	 * and ends (an audit). --cache-dir itself stays root:root: a service
	 * manager's CacheDirectory= gives a tree whose top is not its user's
	 * and group's wholly to them at the next start (systemd: root:root,
	 * so every tenant's cached files became root's and unreadable to its
	 * workers); below its top it leaves the owners alone */
	const char *roots[2] = { wk_tenants_root, wk_caches_root };
	if (make_dir(cfg.cache_dir, wk_as_root() ? 0711 : 0700) ||
	    (wk_as_root() && lchown(cfg.cache_dir, 0, 0)))
		die("cannot create %s: %s", cfg.cache_dir, strerror(errno));
	for (int t = 0; t < 2; t++)
		if (make_dir(roots[t], wk_as_root() ? 0710 : 0700) ||
		    (wk_as_root() && lchown(roots[t], 0, workers_shared_gid())))
			die("cannot create %s: %s", roots[t], strerror(errno));
	const char *trash_in[2] = { wk_tenants_root, cfg.cache_dir };
	for (int t = 0; t < 2; t++)
		if (!path_join(trash[t], sizeof(trash[t]), trash_in[t],
			       ".trash") ||
		    (make_dir(trash[t], 0700)) ||
		    (wk_as_root() && lchown(trash[t], 0, 0)))
			die("cannot create %s/.trash: %s", trash_in[t],
			    strerror(errno ? errno : ENAMETOOLONG));
	/* removing is recursive: a tree as deep as PATH_MAX allows (~2000
	 * levels) needs ~9 MiB of stack */
	pthread_t th;
	pthread_attr_t at;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_attr_init(&at) ||
	    pthread_attr_setstacksize(&at, 32u << 20) ||
	    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) ||
	    pthread_create(&th, &at, janitor, NULL))
		die("cannot start a thread");
	pthread_attr_destroy(&at);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	move_old_caches();
	sweep_roots();
	janitor_wake(); /* what an earlier run left in the trash */
	if (cfg.cache_shared) {
		char shared[PATH_MAX];
		if (!path_join(shared, sizeof(shared), cfg.cache_dir, "shared"))
			die("--cache-dir: path too long");
		/* every tenant's worker adds to it; sticky: none removes
		 * another's entries. As root, the workers' group's only
		 * (world-writable, a local user made a directory there that
		 * a worker moved into its tree, writable from outside) */
		if (make_dir(shared, wk_as_root() ? 01770 : 01700) ||
		    (wk_as_root() && lchown(shared, 0, workers_shared_gid())))
			die("cannot create %s: %s", shared, strerror(errno));
	}
}
