// SPDX-License-Identifier: Apache-2.0
/* Small helpers of every part of the agent (agent.h): dying with a
 * message, bounded string copies and joins, a tenant's directory name. */

#include "agent.h"
#include "sha256.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/random.h>

/* Exit 2 before the agent serves (its options, its files: starting it
 * again the same way fails the same way, and the packaged unit does not
 * restart it, RestartPreventExitStatus=2), 1 after. */
bool die_serving;

void die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	aerr("%s", msg);
	exit(die_serving ? 1 : 2);
}

bool rate_over(int64_t due, int64_t now, int burst, int64_t every_ns)
{
	return due - now > burst * every_ns;
}

void rate_add(int64_t *due, int64_t now, int64_t every_ns)
{
	*due = (*due > now ? *due : now) + every_ns;
}

int64_t accept_pause(int err, const char *what, int64_t *said, int64_t now)
{
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return 0;
	if (now - *said >= 1000000000ll) {
		*said = now;
		awarn("%s: cannot accept: %s; not accepting for %lld ms", what,
		      strerror(err), ACCEPT_PAUSE_NS / 1000000);
	}
	return now + ACCEPT_PAUSE_NS;
}

bool tenant_per_conn(const char *tenant)
{
	return !strncmp(tenant, "conn:", 5);
}

bool tenant_ephemeral(const char *tenant)
{
	/* an --insecure client's address: any number of them */
	return tenant_per_conn(tenant) || !strncmp(tenant, "ip:", 3);
}

void tenant_dirname(const char *tenant, char out[19])
{
	/* this run's: a connection's number starts at 1 in every run (and
	 * an address's files are its worker's only) */
	static uint8_t salt[16];
	static bool salted;
	uint8_t sha[VRPC_SHA256_LEN];
	char hex[65], in[16 + TENANT_MAX + 1];
	bool eph = tenant_ephemeral(tenant);
	size_t n = strnlen(tenant, TENANT_MAX), off = 0;
	if (eph && !salted) {
		if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
			die("getrandom: %s", strerror(errno));
		salted = true;
	}
	if (eph) {
		memcpy(in, salt, sizeof(salt));
		off = sizeof(salt);
	}
	memcpy(in + off, tenant, n);
	vrpc_sha256(in, off + n, sha);
	vrpc_sha256_hex(sha, hex);
	snprintf(out, 19, "%c-%.16s", eph ? 'e' : 't', hex);
}

void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

bool path_join(char *dst, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la + lb + 2 > size)
		return false;
	memcpy(dst, a, la);
	dst[la] = '/';
	memcpy(dst + la + 1, b, lb + 1);
	return true;
}

/* Emptying a directory (remove_tree): by descriptors, each directory
 * entered relative to the one it was read in and never through a link,
 * and left for the descriptor of its parent kept on a stack, never
 * through "..": the tenant whose tree it is may hold descriptors into it
 * from outside and move its directories meanwhile (a walk that went up
 * through ".." was led out of the tree and emptied its parents). Past
 * RM_DEPTH levels, the rest of a chain is moved to the top and emptied
 * from there in a later pass: any depth, a bounded stack. */
#define RM_DEPTH 32
struct rm_level {
	DIR *d;
	int fd;
	char name[NAME_MAX + 1];
};

struct rm_owner {
	dev_t dev;
	uid_t lo, hi;
};

/* chmod of the entry of O_PATH descriptor `p`, through /proc (system
 * calls only: fchmod refuses an O_PATH descriptor). */
static int path_fd_chmod(int p, mode_t mode)
{
	char path[32] = "/proc/self/fd/", digits[12];
	int n = 0, at = 14;
	do
		digits[n++] = (char)('0' + p % 10);
	while ((p /= 10) && n < (int)sizeof(digits));
	while (n)
		path[at++] = digits[--n];
	path[at] = 0;
	return chmod(path, mode);
}

int dir_take(int dfd, const char *name, dev_t dev, uid_t lo, uid_t hi)
{
	struct stat st;
	int p = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (p < 0)
		return -1;
	uid_t me = geteuid();
	bool ours = !fstat(p, &st) && S_ISDIR(st.st_mode) && st.st_dev == dev &&
		    ((st.st_uid >= lo && st.st_uid < hi) ||
		     (st.st_uid == me && st.st_gid >= lo && st.st_gid < hi));
	if (!ours) {
		close(p);
		return -1;
	}
	/* (if either fails, root with CAP_DAC_OVERRIDE enters anyway) */
	int r = st.st_uid == me ? 0
				: fchownat(p, "", me, (gid_t)-1, AT_EMPTY_PATH);
	if (!r && (st.st_mode & 0700) != 0700)
		r = path_fd_chmod(p, (st.st_mode & 0777) | 0700);
	(void)r;
	return p;
}

/* Directory `name` of `dfd` opened for reading if it is one to enter (the
 * tree's filesystem, an owner of the range), else -1. Root without
 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (the packaged systemd unit's
 * bounding set) can neither read a worker's 0700 directory nor move it
 * (rename needs write permission on a directory, for its ".."), nor one
 * its tenant made mode 0 (an audit: its files stayed in the trash, on a
 * tmpfs, for good): such a directory is taken back first (dir_take). With
 * `move_only`, the entry is only taken back (0 if it is one to enter, not
 * opened). */
static int rm_take(int dfd, const char *name, const struct rm_owner *o,
		   bool move_only)
{
	int fd, p = dir_take(dfd, name, o->dev, o->lo, o->hi);
	if (p < 0)
		return -1;
	fd = move_only ? 0 : openat(p, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(p);
	return fd;
}

int make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) && errno != EEXIST)
		return -1;
	return chmod(path, mode);
}

bool take_dir(const char *path, uid_t uid_lo, uid_t uid_hi)
{
	struct stat st;
	if (lstat(path, &st))
		return false;
	struct rm_owner o = { st.st_dev, uid_lo, uid_hi };
	return rm_take(AT_FDCWD, path, &o, true) == 0;
}

/* One pass over `root`: true if it is empty now. */
static bool rm_pass(int root, const struct rm_owner *o, uint64_t *progress)
{
	static uint64_t seq;
	struct rm_level lv[RM_DEPTH];
	int depth = 0, dfd = dup(root);
	bool left = false;
	lv[0].fd = root;
	if (dfd < 0 || !(lv[0].d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	rewinddir(lv[0].d); /* a dup: the last pass's offset */
	for (;;) {
		struct rm_level *l = &lv[depth];
		struct dirent *e = readdir(l->d);
		if (!e) {
			closedir(l->d);
			if (depth == 0)
				break;
			close(l->fd);
			depth--;
			if (!unlinkat(lv[depth].fd, l->name, AT_REMOVEDIR))
				(*progress)++;
			else
				left = true;
			continue;
		}
		const char *name = e->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (!unlinkat(l->fd, name, 0) ||
		    !unlinkat(l->fd, name, AT_REMOVEDIR)) {
			(*progress)++;
			continue;
		}
		left = true;
		if (errno != ENOTEMPTY && errno != EEXIST)
			continue;
		if (depth + 1 == RM_DEPTH) {
			char to[40];
			snprintf(to, sizeof(to), ".deep-%" PRIu64, seq++);
			rm_take(l->fd, name, o, true);
			if (!renameat(l->fd, name, root, to))
				(*progress)++;
			continue;
		}
		struct rm_level *sub = &lv[depth + 1];
		sub->fd = rm_take(l->fd, name, o, false);
		dfd = sub->fd < 0 ? -1 : dup(sub->fd);
		if (dfd < 0 || !(sub->d = fdopendir(dfd))) {
			if (dfd >= 0)
				close(dfd);
			if (sub->fd >= 0)
				close(sub->fd);
			continue;
		}
		snprintf(sub->name, sizeof(sub->name), "%s", name);
		depth++;
	}
	return !left;
}

/* Empty directory `fd` (taken): passes while they remove something. True
 * if all went. */
static bool empty_dir(int fd, const struct rm_owner *o)
{
	uint64_t progress = 0, before;
	bool done;
	do {
		before = progress;
		done = rm_pass(fd, o, &progress);
	} while (!done && progress != before);
	close(fd);
	return done;
}

bool remove_tree(const char *path, uid_t uid_lo, uid_t uid_hi)
{
	struct stat st;
	if (lstat(path, &st))
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode))
		return !unlink(path) || errno == ENOENT;
	struct rm_owner o = { st.st_dev, uid_lo, uid_hi };
	/* a worker's directory, taken back (rm_take); any other as it is */
	int fd = rm_take(AT_FDCWD, path, &o, false);
	if (fd < 0)
		fd = open(path,
			  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd >= 0 && empty_dir(fd, &o) && !rmdir(path);
}

void deadline_min(int64_t *deadline, int64_t t)
{
	if (t && (!*deadline || t < *deadline))
		*deadline = t;
}

ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

void ident_clean(char *out, size_t size, const char *in)
{
	size_t n = 0;
	for (; *in && n + 5 <= size; in++) {
		unsigned char ch = (unsigned char)*in;
		if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
			n += (size_t)snprintf(out + n, size - n, "\\x%02x", ch);
		else
			out[n++] = (char)ch;
	}
	if (size)
		out[n < size ? n : size - 1] = 0;
}
