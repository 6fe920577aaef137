// SPDX-License-Identifier: Apache-2.0

#include "transport.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vm_sockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <vaccel/error.h>

int64_t vrpc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t vrpc_deadline(int64_t ms)
{
	return ms > 0 ? vrpc_now_ns() + ms * 1000000 : 0;
}

int vrpc_ms_left(int64_t deadline)
{
	if (!deadline)
		return -1;
	int64_t left = deadline - vrpc_now_ns();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static int neg_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ECONNREFUSED:
		return -VACCEL_ENOENT;
	case EACCES:
	case EPERM:
		return -VACCEL_EACCES;
	case EBUSY:
		return -VACCEL_EBUSY;
	case ETIMEDOUT:
		return -VACCEL_ETIMEDOUT;
	case EAFNOSUPPORT:
	case EPROTONOSUPPORT:
	case ENODEV:
		return -VACCEL_ENODEV;
	case EAGAIN:
		return -VACCEL_EAGAIN;
	case EADDRINUSE:
		return -VACCEL_EBUSY;
	case ENOMEM:
	case ENOBUFS:
		return -VACCEL_ENOMEM;
	default:
		return -VACCEL_EIO;
	}
}

/* Wait for a non-blocking connect() in progress. */
static int connect_wait(int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int r;
	do
		r = poll(&p, 1, vrpc_ms_left(deadline));
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return -VACCEL_ETIMEDOUT;
	int err = 0;
	socklen_t len = sizeof(err);
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return neg_errno(errno);
	return err ? neg_errno(err) : 0;
}

/* socket() + non-blocking connect() with a deadline. */
static int sock_connect(int family, const struct sockaddr *sa, socklen_t len,
			int64_t deadline)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return neg_errno(errno);
	int r = 0;
	if (connect(fd, sa, len) < 0)
		r = errno == EINPROGRESS ? connect_wait(fd, deadline)
					 : neg_errno(errno);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

static int sock_listen(int family, const struct sockaddr *sa, socklen_t len,
		       int backlog)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return neg_errno(errno);
	int one = 1;
	if (family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, len) < 0 || listen(fd, backlog) < 0) {
		int e = errno;
		close(fd);
		return neg_errno(e);
	}
	return fd;
}

/* Bulk data (images, tensors, 64 MiB matrices) streams with fewer
 * system calls and wake-ups through larger socket buffers than the
 * default 208 KiB (capped by net.core.[rw]mem_max). UNIX and vsock only:
 * TCP tunes its own buffers (fixing them disables that). */
static void big_buffers(int fd)
{
	int size = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static int sock_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return neg_errno(errno == EINTR ? EAGAIN : errno);
	big_buffers(fd);
	return fd;
}

/* ---- unix:// ----------------------------------------------------------- */

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
	int fd = sock_connect(AF_UNIX, (struct sockaddr *)&sa, sizeof(sa),
			      deadline);
	if (fd >= 0)
		big_buffers(fd);
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
	return sock_listen(AF_UNIX, (struct sockaddr *)&sa, sizeof(sa),
			   backlog);
}

static int unix_accept(int lfd, struct vrpc_peer *peer)
{
	int fd = sock_accept(lfd);
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

/* ---- tcp:// ------------------------------------------------------------ */

static int parse_port(const char *s, uint32_t max, uint32_t *port)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return VACCEL_EINVAL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return VACCEL_EINVAL;
	*port = (uint32_t)v;
	return 0;
}

static int tcp_parse(const char *rest, struct vrpc_addr *a)
{
	const char *colon, *host = rest;
	size_t hlen;
	if (*rest == '[') {
		const char *close = strchr(rest, ']');
		if (!close || close[1] != ':')
			return VACCEL_EINVAL;
		host = rest + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(rest, ':');
		if (!colon || memchr(rest, ':', (size_t)(colon - rest)))
			return VACCEL_EINVAL;
		hlen = (size_t)(colon - rest);
	}
	if (!hlen || hlen >= sizeof(a->host))
		return VACCEL_EINVAL;
	memcpy(a->host, host, hlen);
	a->host[hlen] = 0;
	return parse_port(colon + 1, 65535, &a->port);
}

static int tcp_resolve(const struct vrpc_addr *a, bool passive,
		       struct addrinfo **res)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 };
	char port[16];
	snprintf(port, sizeof(port), "%u", (unsigned)a->port);
	return getaddrinfo(a->host, port, &hints, res) ? -VACCEL_ENOENT : 0;
}

static void tcp_nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int tcp_connect(const struct vrpc_addr *a, int64_t deadline)
{
	struct addrinfo *res, *ai;
	int fd = tcp_resolve(a, false, &res);
	if (fd < 0)
		return fd;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = sock_connect(ai->ai_family, ai->ai_addr, ai->ai_addrlen,
				  deadline);
		if (fd >= 0 || fd == -VACCEL_ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		tcp_nodelay(fd);
	return fd;
}

static int tcp_listen(struct vrpc_addr *a, int backlog)
{
	struct addrinfo *res;
	int fd = tcp_resolve(a, true, &res);
	if (fd < 0)
		return fd;
	fd = sock_listen(res->ai_family, res->ai_addr, res->ai_addrlen,
			 backlog);
	freeaddrinfo(res);
	if (fd >= 0 && a->port == 0) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			a->port = ntohs(ss.ss_family == AF_INET6
						? ((struct sockaddr_in6 *)&ss)
							  ->sin6_port
						: ((struct sockaddr_in *)&ss)
							  ->sin_port);
	}
	return fd;
}

static int tcp_accept(int lfd, struct vrpc_peer *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return neg_errno(errno == EINTR ? EAGAIN : errno);
	tcp_nodelay(fd);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	}
	snprintf(peer->desc, sizeof(peer->desc), "tcp %s:%u", host, port);
	snprintf(peer->key, sizeof(peer->key), "ip:%s", host);
	return fd;
}

/* ---- vsock:// ---------------------------------------------------------- */

static int vsock_parse(const char *rest, struct vrpc_addr *a)
{
	const char *colon = strchr(rest, ':');
	char cid[32];
	if (!colon || (size_t)(colon - rest) >= sizeof(cid) || colon == rest)
		return VACCEL_EINVAL;
	memcpy(cid, rest, (size_t)(colon - rest));
	cid[colon - rest] = 0;
	if (!strcmp(cid, "any"))
		a->cid = VMADDR_CID_ANY;
	else if (!strcmp(cid, "host"))
		a->cid = VMADDR_CID_HOST;
	else if (!strcmp(cid, "local"))
		a->cid = 1; /* VMADDR_CID_LOCAL */
	else if (parse_port(cid, UINT32_MAX - 1, &a->cid))
		return VACCEL_EINVAL;
	/* port -1 (VMADDR_PORT_ANY) is only meaningful for bind */
	return parse_port(colon + 1, UINT32_MAX - 1, &a->port);
}

static socklen_t vsock_sa(const struct vrpc_addr *a, struct sockaddr_vm *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->svm_family = AF_VSOCK;
	sa->svm_cid = a->cid;
	sa->svm_port = a->port;
	return sizeof(*sa);
}

static int vsock_connect(const struct vrpc_addr *a, int64_t deadline)
{
	struct sockaddr_vm sa;
	if (a->cid == VMADDR_CID_ANY)
		return -VACCEL_EINVAL;
	socklen_t len = vsock_sa(a, &sa);
	return sock_connect(AF_VSOCK, (struct sockaddr *)&sa, len, deadline);
}

static int vsock_listen(struct vrpc_addr *a, int backlog)
{
	struct sockaddr_vm sa;
	socklen_t len = vsock_sa(a, &sa);
	return sock_listen(AF_VSOCK, (struct sockaddr *)&sa, len, backlog);
}

static int vsock_accept(int lfd, struct vrpc_peer *peer)
{
	struct sockaddr_vm sa;
	socklen_t len = sizeof(sa);
	int fd = accept4(lfd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return neg_errno(errno == EINTR ? EAGAIN : errno);
	snprintf(peer->desc, sizeof(peer->desc), "vsock cid=%u port=%u",
		 (unsigned)sa.svm_cid, (unsigned)sa.svm_port);
	snprintf(peer->key, sizeof(peer->key), "cid:%u", (unsigned)sa.svm_cid);
	return fd;
}

/* ---- vport:// ---------------------------------------------------------- */

#define VPORT_DIR "/dev/virtio-ports/"

static int vport_parse(const char *rest, struct vrpc_addr *a)
{
	if (!*rest)
		return VACCEL_EINVAL;
	if (*rest == '/') {
		if (strlen(rest) >= sizeof(a->path))
			return VACCEL_EINVAL;
		strcpy(a->path, rest);
		return 0;
	}
	/* a port name: no directories */
	if (strchr(rest, '/') || !strcmp(rest, ".") || !strcmp(rest, "..") ||
	    strlen(rest) > 255)
		return VACCEL_EINVAL;
	snprintf(a->path, sizeof(a->path), VPORT_DIR "%s", rest);
	return 0;
}

/* Open the port. A UNIX socket at the path stands in for the port (tests,
 * and hosts that expose a port's backend socket): it is connected to. */
static int vport_connect(const struct vrpc_addr *a, int64_t deadline)
{
	struct stat st;
	if (stat(a->path, &st) == 0 && S_ISSOCK(st.st_mode))
		return unix_connect(a, deadline);
	int fd = open(a->path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	return fd < 0 ? neg_errno(errno) : fd;
}

/* ---- the table ---------------------------------------------------------- */

static const struct vrpc_transport transports[] = {
	{
		.scheme = "unix",
		.parse = unix_parse,
		.connect = unix_connect,
		.listen = unix_listen,
		.accept = unix_accept,
		.unlisten = unix_unlisten,
		.pass_fds = true,
	},
	{
		.scheme = "tcp",
		.parse = tcp_parse,
		.connect = tcp_connect,
		.listen = tcp_listen,
		.accept = tcp_accept,
		.needs_token = true,
	},
	{
		.scheme = "vsock",
		.parse = vsock_parse,
		.connect = vsock_connect,
		.listen = vsock_listen,
		.accept = vsock_accept,
		.needs_token = true,
	},
	{
		.scheme = "vport",
		.parse = vport_parse,
		.connect = vport_connect,
		.resync = true,
	},
};

int vrpc_addr_parse(const char *uri, struct vrpc_addr *a)
{
	memset(a, 0, sizeof(*a));
	const char *sep = uri ? strstr(uri, "://") : NULL;
	if (!sep)
		return VACCEL_EINVAL;
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]);
	     i++) {
		const struct vrpc_transport *t = &transports[i];
		if (strlen(t->scheme) == (size_t)(sep - uri) &&
		    !strncmp(uri, t->scheme, (size_t)(sep - uri))) {
			a->t = t;
			return t->parse(sep + 3, a);
		}
	}
	return VACCEL_EINVAL;
}

void vrpc_addr_format(const struct vrpc_addr *a, char *buf, size_t size)
{
	const char *s = a->t ? a->t->scheme : "?";
	if (a->t && a->t->parse == tcp_parse)
		snprintf(buf, size,
			 strchr(a->host, ':') ? "%s://[%s]:%u" : "%s://%s:%u",
			 s, a->host, (unsigned)a->port);
	else if (a->t && a->t->parse == vsock_parse)
		snprintf(buf, size, "%s://%u:%u", s, (unsigned)a->cid,
			 (unsigned)a->port);
	else
		snprintf(buf, size, "%s://%s", s, a->path);
}
