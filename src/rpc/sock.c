// SPDX-License-Identifier: Apache-2.0
/* What the socket endpoints (unix, tcp, vsock) share: errors, connecting
 * with a deadline, listening, accepting (sock.h). */

#include "sock.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vaccel/error.h>

int vrpc_sock_err(int e)
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
		return vrpc_sock_err(errno);
	return err ? vrpc_sock_err(err) : 0;
}

/* socket() + non-blocking connect() with a deadline. */
int vrpc_sock_connect(int family, const struct sockaddr *sa, socklen_t len,
		      int64_t deadline)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return vrpc_sock_err(errno);
	int r = 0;
	if (connect(fd, sa, len) < 0)
		r = errno == EINPROGRESS ? connect_wait(fd, deadline)
					 : vrpc_sock_err(errno);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

int vrpc_sock_listen(int family, const struct sockaddr *sa, socklen_t len,
		     int backlog)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vrpc_sock_err(errno);
	int one = 1;
	if (family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, len) < 0 || listen(fd, backlog) < 0) {
		int e = errno;
		close(fd);
		return vrpc_sock_err(e);
	}
	return fd;
}

/* Bulk data (images, tensors, 64 MiB matrices) streams with fewer
 * system calls and wake-ups through larger socket buffers than the
 * default 208 KiB (capped by net.core.[rw]mem_max). UNIX and vsock only:
 * TCP tunes its own buffers (fixing them disables that). */
void vrpc_sock_big_buffers(int fd)
{
	int size = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int vrpc_sock_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return vrpc_sock_err(errno == EINTR ? EAGAIN : errno);
	vrpc_sock_big_buffers(fd);
	return fd;
}

int vrpc_sock_parse_port(const char *s, uint32_t max, uint32_t *port)
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
