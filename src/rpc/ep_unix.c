// SPDX-License-Identifier: Apache-2.0
/* unix://PATH: a UNIX socket (descriptors can be passed: shared
 * memory). */

#include "sock.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vaccel/error.h>

static int unix_parse(const char *rest, struct vrpc_addr *a)
{
	size_t n = strlen(rest);
	if (!n || n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return VACCEL_EINVAL;
	memcpy(a->path, rest, n + 1);
	return 0;
}

/* 0, or -VACCEL_ENAMETOOLONG for a path sockaddr_un cannot hold. */
static int unix_sa(const char *path, struct sockaddr_un *sa)
{
	size_t n = strlen(path);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n >= sizeof(sa->sun_path))
		return -VACCEL_ENAMETOOLONG;
	memcpy(sa->sun_path, path, n);
	return 0;
}

static int unix_connect(const struct vrpc_addr *a, int64_t deadline)
{
	struct sockaddr_un sa;
	int r = unix_sa(a->path, &sa);
	if (r)
		return r;
	int fd = vrpc_sock_connect(AF_UNIX, (struct sockaddr *)&sa, sizeof(sa),
				   deadline);
	if (fd >= 0)
		vrpc_sock_big_buffers(fd);
	return fd;
}

static int unix_listen(struct vrpc_addr *a, int backlog)
{
	struct sockaddr_un sa;
	int r = unix_sa(a->path, &sa);
	if (r)
		return r;
	struct stat st;
	/* A socket file left by a dead agent is replaced; a live one (it
	 * accepts a connection) is not. */
	if (lstat(a->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -VACCEL_EEXIST;
		int fd = unix_connect(a, vrpc_deadline(200));
		if (fd >= 0) {
			close(fd);
			return -VACCEL_EBUSY;
		}
		unlink(a->path);
	}
	return vrpc_sock_listen(AF_UNIX, (struct sockaddr *)&sa, sizeof(sa),
				backlog);
}

static int unix_accept(int lfd, struct vrpc_peer *peer)
{
	int fd = vrpc_sock_accept(lfd);
	if (fd < 0)
		return fd;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0) {
		peer->has_cred = true;
		peer->pid = cr.pid;
		peer->uid = cr.uid;
		peer->gid = cr.gid;
		snprintf(peer->desc, sizeof(peer->desc), "uid=%u gid=%u pid=%d",
			 (unsigned)cr.uid, (unsigned)cr.gid, (int)cr.pid);
		snprintf(peer->key, sizeof(peer->key), "uid:%u",
			 (unsigned)cr.uid);
	} else {
		snprintf(peer->desc, sizeof(peer->desc), "unix");
		snprintf(peer->key, sizeof(peer->key), "unix");
	}
	return fd;
}

static void unix_unlisten(const struct vrpc_addr *a)
{
	unlink(a->path);
}

const struct vrpc_transport vrpc_transport_unix = {
	.scheme = "unix",
	.parse = unix_parse,
	.connect = unix_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.unlisten = unix_unlisten,
	.pass_fds = true,
};
