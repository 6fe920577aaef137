// SPDX-License-Identifier: Apache-2.0
/* What the socket endpoints (unix, tcp, vsock) share: errors, connecting
 * with a deadline and why it failed, listening, accepting (sock.h). */

#include "sock.h"
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Why this thread's last connect failed (vrpc_connect_why()): the errno,
 * or a getaddrinfo() code. */
static _Thread_local int conn_errno, conn_gai;

int vrpc_sock_conn_fail(int e)
{
	conn_errno = e;
	conn_gai = 0;
	return vrpc_sock_err(e);
}

int vrpc_sock_conn_gai(int r)
{
	conn_gai = r;
	conn_errno = r == EAI_SYSTEM ? errno : 0;
	return -VACCEL_ENOENT;
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
		return vrpc_sock_conn_fail(ETIMEDOUT);
	int err = 0;
	socklen_t len = sizeof(err);
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return vrpc_sock_conn_fail(errno);
	return err ? vrpc_sock_conn_fail(err) : 0;
}

/* socket() + non-blocking connect() with a deadline. */
int vrpc_sock_connect(int family, const struct sockaddr *sa, socklen_t len,
		      int64_t deadline)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return vrpc_sock_conn_fail(errno);
	int r = 0;
	if (connect(fd, sa, len) < 0)
		r = errno == EINPROGRESS ? connect_wait(fd, deadline)
					 : vrpc_sock_conn_fail(errno);
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

/* ---- why a connect failed ------------------------------------------------ */

/* What to check, per cause and kind of endpoint. */
static const char *conn_hint(const struct vrpc_addr *a, int e)
{
	bool unix_sock = a->path[0] && !a->t->resync;
	switch (e) {
	case ECONNREFUSED:
		return unix_sock
			       ? "the socket exists but nothing listens on "
				 "it (a stopped agent's?): start vaccel-agent "
				 "--listen with this address"
			       : "nothing listens there: is vaccel-agent "
				 "running with --listen on this address, and "
				 "is VACCEL_RPC_ADDRESS right?";
	case ENOENT:
		return a->t->resync
			       ? "does the VM have the agent's virtio-serial "
				 "port (-device virtserialport,name=...), and "
				 "is VACCEL_RPC_ADDRESS right?"
			       : "is vaccel-agent running with --listen on "
				 "this path, and is VACCEL_RPC_ADDRESS right?";
	case EACCES:
	case EPERM:
		return "check the socket's owner and mode (vaccel-agent "
		       "--socket-mode) and this user's groups";
	case ETIMEDOUT:
		return "no answer within VACCEL_RPC_CONNECT_TIMEOUT_MS: is the "
		       "host reachable and the agent listening?";
	case EHOSTUNREACH:
	case ENETUNREACH:
		return "check the address and the network";
	case EAFNOSUPPORT:
	case ENODEV:
		return "this kernel or VM has no vsock device";
	default:
		return "check VACCEL_RPC_ADDRESS and that vaccel-agent listens "
		       "there";
	}
}

void vrpc_connect_why(const struct vrpc_addr *a, char *buf, size_t size)
{
	if (conn_gai && conn_gai != EAI_SYSTEM) {
		snprintf(buf, size, "cannot resolve host %s: %s", a->host,
			 gai_strerror(conn_gai));
		return;
	}
	int e = conn_errno ? conn_errno : EIO;
	const char *cause = e == ECONNREFUSED ? "connection refused"
			    : e == ENOENT     ? (a->t->resync ? "no such port"
							      : "no such socket")
			    : e == ETIMEDOUT  ? "timed out"
			    : e == EACCES || e == EPERM ? "permission denied"
							: strerror(e);
	snprintf(buf, size, "%s (%s)", cause, conn_hint(a, e));
}

size_t vrpc_cmsg_fds(struct msghdr *mh, int *fds, size_t max)
{
	size_t n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++, n++)
			if (n < max)
				memcpy(&fds[n], CMSG_DATA(c) + i * sizeof(int),
				       sizeof(int));
	}
	return n;
}

void vrpc_cmsg_put_fd(struct msghdr *mh, union vrpc_fd_cmsg *ctl, int fd)
{
	memset(ctl, 0, sizeof(*ctl));
	mh->msg_control = ctl->buf;
	mh->msg_controllen = sizeof(ctl->buf);
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
}
