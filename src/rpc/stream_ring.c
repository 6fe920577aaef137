// SPDX-License-Identifier: Apache-2.0
/* A stream whose bytes go through a shared-memory ring (ring.h) while
 * descriptors stay on the UNIX socket: a frame with a descriptor has it
 * sent first, with one byte of its own on the socket, so it waits there
 * when the reader meets the frame in the ring. */

#include "stream_ring.h"
#include "sock.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vaccel/error.h>

void vrpc_stream_use_ring(struct vrpc_stream *s, struct vrpc_ring *ring,
			  bool client)
{
	s->ring = ring;
	s->ring_sock_input = client;
	s->ring_gone = false;
}

static bool ring_reads(const struct vrpc_stream *s)
{
	return s->ring && !s->ring_gone;
}

int vrpc_sring_wait(struct vrpc_stream *s, int64_t deadline)
{
	int w = vrpc_ring_wait(s->ring, false, s->fd, s->ring_sock_input, true,
			       deadline);
	if (w == VRPC_RING_SOCK) {
		s->ring_gone = true;
		return 0;
	}
	return w;
}

bool vrpc_sring_ready_by(struct vrpc_stream *s, int64_t sleep_until,
			 int64_t spin_until)
{
	if (sleep_until > vrpc_now_ns()) {
		/* without spinning: the input that ends this sleep is early */
		int w = vrpc_ring_wait(s->ring, false, s->fd,
				       s->ring_sock_input, false, sleep_until);
		if (w != VACCEL_ETIMEDOUT)
			return true; /* the read that follows sees what */
	}
	return vrpc_ring_spin_read(s->ring, spin_until) != 0;
}

ssize_t vrpc_sring_read(struct vrpc_stream *s, void *dst, size_t len,
			int64_t deadline)
{
	for (;;) {
		long n = vrpc_ring_read(s->ring, dst, len);
		if (n > 0) {
			s->bytes_in += (uint64_t)n;
			return n;
		}
		if (n < 0)
			return -VACCEL_EIO;
		int w = vrpc_sring_wait(s, deadline);
		if (w)
			return -w;
		if (!ring_reads(s))
			return 0;
	}
}

/* One byte on the socket, with descriptor `fd`. */
static int send_fd(struct vrpc_stream *s, int fd, int64_t deadline)
{
	char b = 0;
	struct iovec iov = { &b, 1 };
	union vrpc_fd_cmsg ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	vrpc_cmsg_put_fd(&mh, &ctl, fd);
	for (;;) {
		if (sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return VACCEL_EIO;
		struct pollfd p = { .fd = s->fd, .events = POLLOUT };
		if (poll(&p, 1, vrpc_ms_left(deadline)) == 0)
			return VACCEL_ETIMEDOUT;
	}
}

int vrpc_sring_writev(struct vrpc_stream *s, struct iovec *iov, size_t niov,
		      int fd, int64_t deadline)
{
	if (fd >= 0) {
		int ret = send_fd(s, fd, deadline);
		if (ret)
			return ret;
	}
	while (niov) {
		long n = vrpc_ring_write(s->ring, iov, niov);
		if (n < 0)
			return VACCEL_EIO;
		s->bytes_out += (uint64_t)n;
		vrpc_iov_advance(&iov, &niov, (size_t)n);
		if (!niov || n)
			continue;
		int w = vrpc_ring_wait(s->ring, true, s->fd, false, true,
				       deadline);
		if (w)
			return w == VACCEL_ETIMEDOUT ? w : VACCEL_EIO;
	}
	return 0;
}

int vrpc_sring_take_fd(struct vrpc_stream *s)
{
	char b;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	/* sent before the frame: it is there, or it never comes */
	ssize_t r;
	do
		r = recvmsg(s->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	struct cmsghdr *c = r == 1 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	if (b || (mh.msg_flags & MSG_CTRUNC)) {
		close(fd);
		return -1;
	}
	return fd;
}

int vrpc_stream_poll_in(struct vrpc_stream *s, int ms)
{
	if (s->rlen > s->rpos)
		return 1;
	if (!ring_reads(s)) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		return poll(&p, 1, ms) > 0;
	}
	int64_t dl = vrpc_deadline(ms < 0 || ms > 100 ? 100 : ms);
	int w = vrpc_ring_wait(s->ring, false, s->fd, s->ring_sock_input, false,
			       dl);
	return w != VACCEL_ETIMEDOUT;
}
