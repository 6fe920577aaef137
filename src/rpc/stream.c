// SPDX-License-Identifier: Apache-2.0

#include "stream.h"
#include "sock.h"
#include "stream_ring.h"
#include "transport.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <vaccel/error.h>

int vrpc_stream_init(struct vrpc_stream *s, int fd, size_t bufsize)
{
	struct stat st;
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->is_socket = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
	int fl = fcntl(fd, F_GETFL);
	s->nonblock = fl >= 0 && (fl & O_NONBLOCK);
	if (s->is_socket) {
		int type = 0;
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			type = ss.ss_family;
		s->pass_fds = type == AF_UNIX;
	}
	s->rcap = bufsize;
	s->rbuf = malloc(bufsize);
	return s->rbuf ? 0 : VACCEL_ENOMEM;
}

void vrpc_stream_release(struct vrpc_stream *s)
{
	while (s->nfds)
		close(s->fds[--s->nfds]);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	vrpc_ring_free(s->ring);
	s->ring = NULL;
	free(s->rbuf);
	s->rbuf = NULL;
}

static int wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	for (;;) {
		int r = poll(&p, 1, vrpc_ms_left(deadline));
		if (r > 0)
			return 0;
		if (r == 0)
			return VACCEL_ETIMEDOUT;
		if (errno != EINTR)
			return VACCEL_EIO;
	}
}

/* Keep the descriptors of a control message; too many is an error (the
 * peer is misbehaving). */
static int take_cmsg_fds(struct vrpc_stream *s, struct msghdr *mh, uint64_t end)
{
	int err = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < n; i++) {
			if (s->nfds < VRPC_STREAM_MAX_FDS) {
				s->fd_end[s->nfds] = end;
				s->fds[s->nfds++] = fds[i];
			} else {
				close(fds[i]);
				err = VACCEL_EIO;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		err = VACCEL_EIO;
	return err;
}

/* A blocking socket waits for a deadline in poll(): its reads and writes
 * then do not block (MSG_DONTWAIT, no extra system call when data is
 * there). */
static int dontwait(const struct vrpc_stream *s, int64_t deadline)
{
	return deadline && s->is_socket && !s->nonblock ? MSG_DONTWAIT : 0;
}

/* One read() of at most `len` bytes into `dst`: >0 bytes, 0 end of
 * stream, -1 with errno. */
static ssize_t read_some(struct vrpc_stream *s, void *dst, size_t len,
			 int flags, int *err)
{
	if (!s->is_socket)
		return read(s->fd, dst, len);
	if (!s->pass_fds)
		return recv(s->fd, dst, len, flags);
	union {
		char buf[CMSG_SPACE(sizeof(int) * VRPC_STREAM_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { dst, len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t r = recvmsg(s->fd, &mh, MSG_CMSG_CLOEXEC | flags);
	if (r >= 0 && mh.msg_controllen)
		*err = take_cmsg_fds(s, &mh, s->bytes_in + (uint64_t)r);
	return r;
}

/* Whether a read that would block (`flags` without MSG_DONTWAIT) waits
 * in poll() first: on a UNIX socket a reader asleep in recvmsg is woken
 * each time its peer reads what it sent (unix_write_space wakes every
 * sleeper of the writer's socket, whatever it waits for; poll's waiters
 * are only woken for what they asked), so each message woke the idle
 * peer twice: the first wake-up of a halted vCPU costs the reading side
 * 10-20 µs inside its recvmsg (an IPI), and the peer a context switch. */
static bool sleeps_in_poll(const struct vrpc_stream *s, int flags)
{
	return s->pass_fds && !s->nonblock && !(flags & MSG_DONTWAIT);
}

/* Read at least one byte into dst[0..len), waiting until `deadline`.
 * Returns bytes read or -VACCEL_E*. */
static ssize_t read_wait(struct vrpc_stream *s, void *dst, size_t len,
			 int64_t deadline)
{
	if (s->rerr)
		return -s->rerr;
	if (s->ring && !s->ring_gone) {
		ssize_t r = vrpc_sring_read(s, dst, len, deadline);
		if (r || !s->ring_gone)
			return r;
	}
	int flags = dontwait(s, deadline);
	if (sleeps_in_poll(s, flags)) {
		int w = wait_fd(s->fd, POLLIN, deadline);
		if (w)
			return -w;
	}
	for (;;) {
		int err = 0;
		ssize_t r = read_some(s, dst, len, flags, &err);
		if (err)
			return -err;
		if (r > 0) {
			s->bytes_in += (uint64_t)r;
			return r;
		}
		if (r == 0)
			return -VACCEL_EIO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -VACCEL_EIO;
		if (!s->nonblock && !flags)
			return -VACCEL_ETIMEDOUT;
		int w = wait_fd(s->fd, POLLIN, deadline);
		if (w)
			return -w;
	}
}

/* glibc copies blocks larger than this with `rep movsb` where the CPU has
 * ERMS, which QEMU's TCG runs a byte per step: in a guest a 9 KiB memcpy
 * costs 17.6 µs, a 2 KiB one 0.8 µs (tests/vm guest, this machine kind). */
#define DIRECT_MIN 2048

int vrpc_stream_read(struct vrpc_stream *s, void *dst, size_t len,
		     int64_t deadline)
{
	uint8_t *d = dst;
	size_t have = s->rlen - s->rpos;
	size_t n = have < len ? have : len;
	if (n) {
		memcpy(d, s->rbuf + s->rpos, n);
		s->rpos += n;
		d += n;
		len -= n;
	}
	/* large remainders go straight to the destination; on a character
	 * device (a read returns at most one buffer of the port anyway)
	 * from what a copy with rep movsb would cost in a guest (DIRECT_MIN) */
	size_t direct = s->is_socket ? s->rcap / 2 : DIRECT_MIN;
	while (len) {
		if (len >= direct) {
			ssize_t r = read_wait(s, d, len, deadline);
			if (r < 0)
				return (int)-r;
			d += r;
			len -= (size_t)r;
			continue;
		}
		ssize_t r = read_wait(s, s->rbuf, s->rcap, deadline);
		if (r < 0)
			return (int)-r;
		n = (size_t)r < len ? (size_t)r : len;
		memcpy(d, s->rbuf, n);
		s->rpos = n;
		s->rlen = (size_t)r;
		d += n;
		len -= n;
	}
	return 0;
}

int vrpc_stream_skip(struct vrpc_stream *s, uint64_t len, int64_t deadline)
{
	uint8_t scratch[16384];
	while (len) {
		size_t n =
			len < sizeof(scratch) ? (size_t)len : sizeof(scratch);
		int r = vrpc_stream_read(s, scratch, n, deadline);
		if (r)
			return r;
		len -= n;
	}
	return 0;
}

int vrpc_stream_wait(struct vrpc_stream *s, int64_t deadline)
{
	if (s->rlen > s->rpos)
		return 0;
	if (s->ring && !s->ring_gone)
		return vrpc_sring_wait(s, deadline);
	return wait_fd(s->fd, POLLIN, deadline);
}

int vrpc_stream_set_wait(struct vrpc_stream *s, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	if (!s->is_socket || ms <= 0)
		return -1;
	/* reads and writes with a deadline stay non-blocking
	 * (MSG_DONTWAIT) */
	int fl = fcntl(s->fd, F_GETFL);
	if (s->nonblock &&
	    (fl < 0 || fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
		return -1;
	s->nonblock = false;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	s->rcvtimeo = (int64_t)ms * 1000000;
	return 0;
}

/* How late the receive timeout may end a wait for `deadline` (a thread
 * that waited for another's reply first has less time left). */
#define FILL_SLACK_NS 20000000

int vrpc_stream_fill(struct vrpc_stream *s, int64_t deadline)
{
	if (s->rlen > s->rpos)
		return 0;
	if (s->rerr)
		return s->rerr;
	if (s->ring && !s->ring_gone) {
		ssize_t n = vrpc_sring_read(s, s->rbuf, s->rcap, deadline);
		if (n < 0)
			return (int)-n;
		s->rpos = 0;
		s->rlen = (size_t)n;
		if (n)
			return 0;
	}
	/* a blocking read whose timeout ends the wait about in time;
	 * without a deadline, one that blocks */
	bool block =
		deadline ? s->rcvtimeo && deadline - vrpc_now_ns() >=
						  s->rcvtimeo - FILL_SLACK_NS
			 : !s->nonblock && !s->rcvtimeo;
	if (!block || sleeps_in_poll(s, 0))
		return vrpc_stream_wait(s, deadline);
	int err = 0;
	ssize_t r = read_some(s, s->rbuf, s->rcap, 0, &err);
	if (err)
		return err;
	if (r > 0) {
		s->bytes_in += (uint64_t)r;
		s->rpos = 0;
		s->rlen = (size_t)r;
		return 0;
	}
	if (r == 0 ||
	    (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
		return VACCEL_EIO;
	return vrpc_stream_wait(s, deadline);
}

/* A read that does not block costs what a poll without sleeping costs,
 * and reads the bytes too (the poll, then vrpc_stream_fill's poll and
 * read, cost three system calls): 1 bytes buffered (or an error kept for
 * the next read), 0 none there yet, -1 something else (fill will
 * tell). */
static int try_fill(struct vrpc_stream *s)
{
	if (!(s->nonblock || s->is_socket))
		return -1;
	int err = 0;
	ssize_t r = read_some(s, s->rbuf, s->rcap, MSG_DONTWAIT, &err);
	if (err) {
		s->rerr = err;
		return 1;
	}
	if (r > 0) {
		s->bytes_in += (uint64_t)r;
		s->rpos = 0;
		s->rlen = (size_t)r;
		return 1;
	}
	return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
}

/* A sched_yield that takes longer than this ran another thread (one that
 * returns at once costs 1-2 µs in a VM). */
#define YIELD_RAN_OTHER_NS 5000

bool vrpc_stream_ready_by(struct vrpc_stream *s, int64_t sleep_until,
			  int64_t spin_until)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	s->ready_ran_other = false;
	if (s->rlen > s->rpos)
		return true;
	if (s->ring)
		return !s->ring_gone &&
		       vrpc_sring_ready_by(s, sleep_until, spin_until);
	int64_t left = sleep_until - vrpc_now_ns();
	if (left > 0) {
		struct timespec ts = { (time_t)(left / 1000000000),
				       (long)(left % 1000000000) };
		if (ppoll(&p, 1, &ts, NULL) > 0)
			return try_fill(s) != 0;
	}
	const struct timespec zero = { 0, 0 };
	int64_t now;
	do {
		int r = try_fill(s);
		if (r > 0 || (r < 0 && ppoll(&p, 1, &zero, NULL) > 0))
			return true;
		/* the peer may be waiting for this CPU (a worker woken next
		 * to its client): it runs first; on an idle CPU this returns
		 * at once */
		int64_t y = vrpc_now_ns();
		sched_yield();
		now = vrpc_now_ns();
		if (now - y > YIELD_RAN_OTHER_NS)
			s->ready_ran_other = true;
	} while (now < spin_until);
	return false;
}

int vrpc_stream_next_hdr(struct vrpc_stream *s, struct vrpc_hdr *h,
			 int frame_ms, int64_t *deadline)
{
	if (s->rlen == s->rpos) {
		ssize_t r = read_wait(s, s->rbuf, s->rcap, 0);
		if (r < 0)
			return (int)-r;
		s->rpos = 0;
		s->rlen = (size_t)r;
	}
	*deadline = vrpc_deadline(frame_ms);
	return vrpc_stream_read_hdr(s, h, *deadline);
}

int vrpc_stream_read_hdr(struct vrpc_stream *s, struct vrpc_hdr *h,
			 int64_t deadline)
{
	uint8_t b[VRPC_HDR_SIZE];
	/* zero bytes between frames are padding (protocol.md §2) */
	do {
		int r = vrpc_stream_read(s, b, 1, deadline);
		if (r)
			return r;
	} while (!b[0]);
	int r = vrpc_stream_read(s, b + 1, VRPC_HDR_SIZE - 1, deadline);
	if (!r)
		vrpc_hdr_unpack(b, h);
	return r;
}

void vrpc_iov_advance(struct iovec **iovp, size_t *niovp, size_t n)
{
	struct iovec *iov = *iovp;
	size_t niov = *niovp;
	while (niov && n >= iov->iov_len) {
		n -= iov->iov_len;
		iov++, niov--;
	}
	if (niov) {
		iov->iov_base = (uint8_t *)iov->iov_base + n;
		iov->iov_len -= n;
	}
	while (niov && !iov->iov_len)
		iov++, niov--;
	*iovp = iov;
	*niovp = niov;
}

static ssize_t write_some(struct vrpc_stream *s, struct iovec *iov, size_t niov,
			  int *fd, int flags)
{
	if (!s->is_socket)
		return writev(s->fd, iov, (int)niov);
	union vrpc_fd_cmsg ctl;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = niov };
	if (*fd >= 0)
		vrpc_cmsg_put_fd(&mh, &ctl, *fd);
	ssize_t r = sendmsg(s->fd, &mh, MSG_NOSIGNAL | flags);
	if (r > 0)
		*fd = -1; /* sent with the first byte */
	return r;
}

/* A character device (a guest's virtio-serial port) makes each iovec of a
 * writev a transfer of its own: a buffer, a notification of the host, a
 * write of QEMU to its socket (each dear under emulation). A frame of
 * several iovecs and at most DIRECT_MIN bytes is copied into one (not
 * more: see DIRECT_MIN). */
#define COALESCE_MAX DIRECT_MIN

static size_t coalesce(const struct iovec *iov, size_t niov, uint8_t *buf)
{
	size_t len = 0;
	for (size_t i = 0; i < niov; i++) {
		if (iov[i].iov_len > COALESCE_MAX - len)
			return 0;
		if (iov[i].iov_len)
			memcpy(buf + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	return len;
}

int vrpc_stream_writev(struct vrpc_stream *s, struct iovec *iov, size_t niov,
		       int fd, int64_t deadline)
{
	if (s->ring)
		return vrpc_sring_writev(s, iov, niov, fd, deadline);
	int flags = dontwait(s, deadline);
	uint8_t flat[COALESCE_MAX];
	struct iovec one;
	if (!s->is_socket && niov > 1 &&
	    (one.iov_len = coalesce(iov, niov, flat))) {
		one.iov_base = flat;
		iov = &one;
		niov = 1;
	}
	while (niov && !iov->iov_len)
		iov++, niov--;
	while (niov) {
		size_t n = niov > IOV_MAX ? IOV_MAX : niov;
		ssize_t r = write_some(s, iov, n, &fd, flags);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return VACCEL_EIO;
			if (!s->nonblock && !flags)
				return VACCEL_ETIMEDOUT;
			int w = wait_fd(s->fd, POLLOUT, deadline);
			if (w)
				return w == VACCEL_ETIMEDOUT ? w : VACCEL_EIO;
			continue;
		}
		s->bytes_out += (uint64_t)r;
		vrpc_iov_advance(&iov, &niov, (size_t)r);
	}
	return 0;
}

int vrpc_stream_take_fd(struct vrpc_stream *s)
{
	if (!s->nfds && s->ring)
		return vrpc_sring_take_fd(s);
	if (!s->nfds)
		return -1;
	int fd = s->fds[0];
	--s->nfds;
	memmove(s->fds, s->fds + 1, s->nfds * sizeof(int));
	memmove(s->fd_end, s->fd_end + 1, s->nfds * sizeof(uint64_t));
	return fd;
}

unsigned vrpc_stream_drop_stale_fds(struct vrpc_stream *s)
{
	if (s->ring)
		return 0;
	uint64_t consumed = s->bytes_in - (s->rlen - s->rpos);
	unsigned n = 0;
	while (n < s->nfds && s->fd_end[n] <= consumed)
		close(s->fds[n++]);
	s->nfds -= n;
	memmove(s->fds, s->fds + n, s->nfds * sizeof(int));
	memmove(s->fd_end, s->fd_end + n, s->nfds * sizeof(uint64_t));
	return n;
}
