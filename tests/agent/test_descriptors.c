// SPDX-License-Identifier: Apache-2.0
/* Descriptors a client hands the agent's front to stop it: a file is
 * released by whoever drops its last reference, and a TCP socket with
 * SO_LINGER and unsent data to a peer that never reads makes that last
 * close wait for its linger time (here 30 s). The front is one thread; a
 * close like that on it stopped every other tenant's connections. Each
 * case sends such sockets where the front used to close them: with the
 * first bytes of a HELLO, more than fit its control buffer, queued unread
 * behind a refused HELLO, queued behind calls when the worker dies. While
 * the sockets linger, another peer's new connection (TCP) must get its
 * HELLO answered (a liveness bound far under the linger time, not a
 * performance target), and the front holds none of them for long; once
 * the sockets let go, nothing is left. And a
 * descriptor sent with a message that claims none is not taken for a
 * later message's.
 * The same from a worker running hostile code (the faulty backend's
 * linger-ctl, linger-conns and ctl-flood commands, what a tenant's own
 * code can do in its worker): a lingering socket in a malformed control
 * message, every connection of the worker made to linger forever (each
 * front's close of its copy held a reaper thread: the peer was refused
 * for good), a flood of control messages the front must refuse (it
 * logged a warning for each). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "harness.h"
#include "stream.h"
#include "transport.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vaccel.h>

#define LINGER_S 30
#define INFLIGHT 4 /* --max-inflight given below */
#define FAULTY	 "tests/lib/faulty/libvaccel-faulty.so"
/* agent/front.h, agent/reaper.c */
#define CLOSING_MAX   32
#define REAP_PER_PEER 16

static struct agent_proc ag;

/* ---- lingering sockets ------------------------------------------------------
 */

/* A loopback listener with a small receive buffer that never reads. */
struct sink {
	int lst, peers[128];
	int n;
};

static void sink_open(struct sink *s)
{
	memset(s, 0, sizeof(*s));
	s->lst = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int small = 4096;
	setsockopt(s->lst, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(s->lst, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lst, 64), 0);
}

/* A socket to the sink whose close waits LINGER_S: its send queue full
 * (the sink reads nothing), SO_LINGER set. */
static int lingering(struct sink *s)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(s->lst, (struct sockaddr *)&a, &len), 0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_true(s->n < 128);
	s->peers[s->n] = accept(s->lst, NULL, NULL);
	assert_true(s->peers[s->n++] >= 0);
	static char junk[65536];
	while (send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
		;
	struct linger l = { 1, LINGER_S };
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)),
			 0);
	return fd;
}

static void *closer(void *arg)
{
	atomic_int *fd = arg;
	close(atomic_load(fd));
	atomic_store(fd, -1);
	return NULL;
}

/* Close `fd` on a thread of its own (a close that waits must not hold
 * the test): true if that took under 200 ms. */
static bool close_aside(int fd)
{
	static atomic_int slots[128];
	static int next;
	atomic_int *slot = &slots[next++ % 128];
	atomic_store(slot, fd);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, closer, slot), 0);
	pthread_detach(t);
	for (int i = 0; i < 40 && atomic_load(slot) >= 0; i++)
		usleep(5000);
	return atomic_load(slot) < 0;
}

/* Let go: the sink's side closes with unread data (a reset), and the
 * lingering closes end. */
static void sink_close(struct sink *s)
{
	for (int i = 0; i < s->n; i++)
		close(s->peers[i]);
	close(s->lst);
}

/* Send `len` bytes with `n` descriptors: false if it could not. */
static bool send_fds_try(int sock, const void *buf, size_t len, const int *fds,
			 int n)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 64)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.b,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len;
}

static void send_fds(int sock, const void *buf, size_t len, const int *fds,
		     int n)
{
	assert_true(send_fds_try(sock, buf, len, fds, n));
}

/* ---- checks -----------------------------------------------------------------
 */

/* Another peer (TCP) gets a new connection's HELLO answered meanwhile. */
static void others_served(void)
{
	int64_t t0 = vrpc_now_ns();
	int fd = raw_connect(ag.tcp_uri);
	assert_true(fd >= 0);
	int st = raw_hello(fd, TEST_TOKEN);
	double secs = (double)(vrpc_now_ns() - t0) / 1e9;
	close(fd);
	printf("# another peer's HELLO: status %d in %.3f s\n", st, secs);
	assert_int_equal(st, 0);
	assert_true(secs < LINGER_S / 3);
}

/* This process's peer (uid) may connect over UNIX again (up to `ms`). */
static bool unix_welcome(int ms)
{
	int64_t end = vrpc_deadline(ms);
	do {
		int fd = raw_connect(ag.unix_uri);
		int st = fd >= 0 ? raw_hello(fd, NULL) : -1;
		if (fd >= 0)
			close(fd);
		if (!st)
			return true;
		usleep(50000);
	} while (vrpc_ms_left(end));
	return false;
}

/* Message `m` as a frame with `flags` in `buf`: its length. */
static size_t frame(struct vrpc_msg *m, uint32_t flags, uint64_t id,
		    uint8_t *buf, size_t size)
{
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov, len = 0;
	vrpc_io_init_enc(&io);
	vrpc_msg_io(&io, m);
	assert_int_equal(vrpc_io_frame(&io, m->type, flags, id, &iov, &niov),
			 0);
	for (size_t i = 0; i < niov; i++) {
		assert_true(len + iov[i].iov_len <= size);
		memcpy(buf + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	vrpc_io_release(&io);
	return len;
}

static void hello_frame(uint8_t *buf, size_t size)
{
	struct vrpc_msg m = { .type = VRPC_T_HELLO };
	m.u.hello = (struct vrpc_hello){ 1, 0, 0, 7, "fds", NULL, 0 };
	frame(&m, 0, 1, buf, size);
}

/* Workers end 300 ms after their last connection (the checks of what
 * is left); `more`: options after those (NULL-terminated, may be NULL). */
static void start_with(const char *const *more)
{
	const char *extra[16] = { "--worker-idle", "300", "--max-inflight",
				  "4" };
	for (int i = 0; more && more[i]; i++) {
		assert_true(i < 11);
		extra[4 + i] = more[i];
	}
	assert_int_equal(agent_start(&ag, FAULTY, extra), 0);
}

static void start(const char *deadline)
{
	const char *more[] = { deadline ? "--call-timeout" : NULL, deadline,
			       NULL };
	start_with(more);
}

/* Let the sockets go (`s`: NULL if none), then nothing may be left: this
 * peer is welcome again, no worker, the front's descriptors as at the
 * start. */
static void finish(struct sink *s, int front_fds)
{
	if (s)
		sink_close(s);
	assert_true(unix_welcome(10000));
	assert_true(agent_wait_workers(&ag, 0, 10000));
	/* no more than at the start (which may have caught a worker's start
	 * with its cgroup.procs descriptors open: an ASan run read 13 there
	 * and 10 here) */
	for (int i = 0; i < 500 && proc_fd_count(ag.pid) > front_fds; i++)
		usleep(20000);
	assert_true(proc_fd_count(ag.pid) <= front_fds);
	assert_true(agent_alive(&ag));
	assert_int_equal(agent_stop(&ag), 0);
}

/* ---- cases ------------------------------------------------------------------
 */

/* With the first bytes of a HELLO: one socket, then 16 in one message
 * (the front's control buffer held 4; the kernel released the rest inside
 * its recvmsg). */
static void test_with_hello(void **state)
{
	(void)state;
	start(NULL);
	int fds0 = proc_fd_count(ag.pid);
	struct sink s;
	sink_open(&s);
	uint8_t buf[256];
	hello_frame(buf, sizeof(buf));
	for (int round = 0; round < 2; round++) {
		int n = round ? 16 : 1, l[16];
		for (int i = 0; i < n; i++)
			l[i] = lingering(&s);
		int c = raw_connect(ag.unix_uri);
		assert_true(c >= 0);
		send_fds(c, buf, 8, l, n);
		for (int i = 0; i < n; i++)
			close(l[i]); /* the front's are the last references */
		assert_true(raw_closed(c, 5000));
		close(c);
		others_served();
	}
	finish(&s, fds0);
}

/* Queued unread behind a HELLO the front refuses (a bad version): its
 * close of the connection released them, on the front's thread (before:
 * the front stopped for 30 s each). Now the connection is emptied of
 * them first and each lets go at once: 40 of them in a row are answered,
 * and the front holds none of them a moment later, before the sink lets
 * go (CLOSING_MAX, the backstop for files whose release this cannot
 * hurry, is not reached). */
static void test_queued_behind_refusal(void **state)
{
	(void)state;
	start(NULL);
	int fds0 = proc_fd_count(ag.pid);
	struct sink s;
	sink_open(&s);
	uint8_t buf[256];
	hello_frame(buf, sizeof(buf));
	buf[4] = 99; /* the header's major version */
	int answered = 0, queued = 0;
	for (int i = 0; i < 40; i++) {
		int l = lingering(&s);
		int c = raw_connect(ag.unix_uri);
		assert_true(c >= 0);
		/* the header, then a byte carrying the socket: the front reads
		 * the header only, answers VERSION and closes (if it was
		 * quicker than the second send, nothing was queued) */
		char r[512];
		assert_int_equal(send(c, buf, VRPC_HDR_SIZE, MSG_NOSIGNAL),
				 (ssize_t)VRPC_HDR_SIZE);
		queued += send_fds_try(c, "x", 1, &l, 1);
		answered += recv(c, r, sizeof(r), 0) > 0;
		/* if the front closed first, ours is the last (it waits) */
		close_aside(l);
		close(c);
	}
	printf("# 40 connections, %d with a lingering socket queued: %d "
	       "answered\n",
	       queued, answered);
	assert_int_equal(answered, 40);
	assert_true(queued > 0);
	others_served();
	for (int i = 0; i < 250 && proc_fd_count(ag.pid) != fds0; i++)
		usleep(20000);
	assert_int_equal(proc_fd_count(ag.pid), fds0);
	finish(&s, fds0);
}

/* Queued behind calls when the worker is stopped (--call-timeout): the
 * front's close of the connection is the last. */
static void test_queued_when_worker_dies(void **state)
{
	(void)state;
	start("1000");
	int fds0 = proc_fd_count(ag.pid);
	struct sink s;
	sink_open(&s);
	int c = raw_connect(ag.unix_uri);
	assert_int_equal(raw_hello(c, NULL), 0);
	struct vrpc_msg m = { .type = VRPC_T_SESS_INIT }, r;
	struct vrpc_pool p = { 0 };
	assert_int_equal(raw_call(c, &m, 2, &r, &p), 0);
	uint64_t sess = r.session;
	vrpc_pool_release(&p);
	/* calls that loop past the deadline, as many as the connection may
	 * run at once (the worker reads no further), then the socket */
	m = (struct vrpc_msg){ .type = VRPC_T_OP + VACCEL_OP_IMAGE_CLASSIFY,
			       .session = sess };
	m.u.image.image =
		(struct vrpc_buf){ VRPC_BUF_INLINE, 4, 0, 0, (void *)"loop" };
	m.u.image.len_text = 64;
	m.u.image.len_name = 16;
	for (uint64_t id = 3; id < 3 + INFLIGHT; id++)
		assert_int_equal(raw_send(c, &m, id), 0);
	int l = lingering(&s);
	send_fds(c, "\0", 1, &l, 1);
	close(l);
	/* the worker is stopped at the deadline; its connections end */
	struct vrpc_hdr h;
	assert_int_equal(raw_recv(c, &h, &r, &p), 0);
	printf("# notice: %s\n", r.message ? r.message : "");
	vrpc_pool_release(&p);
	assert_true(agent_wait_workers(&ag, 0, 10000));
	others_served();
	close(c);
	others_served();
	finish(&s, fds0);
}

/* A descriptor sent with a message that claims none (a PING) is closed
 * when that message has been read: a later SHM_ATTACH that says it
 * carries one and does not must not get it (it did). */
static void test_stray(void **state)
{
	(void)state;
	start(NULL);
	int fds0 = proc_fd_count(ag.pid);
	int c = raw_connect(ag.unix_uri);
	struct vrpc_msg m = { .type = VRPC_T_HELLO }, r;
	struct vrpc_pool p = { 0 };
	m.u.hello =
		(struct vrpc_hello){ 1,	   0, VRPC_HELLO_WANT_SHM, 7, "stray",
				     NULL, 0 };
	assert_int_equal(raw_call(c, &m, 1, &r, &p), 0);
	assert_int_equal(r.status, 0);
	int mfd = memfd_create("stray", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	assert_int_equal(ftruncate(mfd, 4096), 0);
	assert_int_equal(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	uint8_t buf[256];
	struct vrpc_hdr h;
	m = (struct vrpc_msg){ .type = VRPC_T_PING };
	size_t len = frame(&m, 0, 2, buf, sizeof(buf));
	send_fds(c, buf, len, &mfd, 1);
	close(mfd);
	assert_int_equal(raw_recv(c, &h, &r, &p), 0);
	assert_int_equal(r.status, 0);
	m = (struct vrpc_msg){ .type = VRPC_T_SHM_ATTACH };
	m.u.shm.arena = 9;
	m.u.shm.size = 4096;
	len = frame(&m, VRPC_F_FD, 3, buf, sizeof(buf));
	assert_int_equal(raw_write(c, buf, len), 0);
	assert_int_equal(raw_recv(c, &h, &r, &p), 0);
	printf("# SHM_ATTACH saying FD, without one: %s %s\n",
	       vrpc_err_name(r.status), r.message ? r.message : "");
	assert_int_not_equal(r.status, 0);
	vrpc_pool_release(&p);
	close(c);
	finish(NULL, fds0);
}

/* An image in the client's shared memory is what the backend gets as it
 * was when the call started: the client rewrote it 100 ms into the call,
 * and the backend (the faulty "echo-late 300", answering the image as it
 * sees it 300 ms in) read the new bytes. A decoder that checks a format
 * and then decodes it (a PNG's inflated size) must decode what it
 * checked. */
static void test_shm_image_copied(void **state)
{
	(void)state;
	start(NULL);
	int c = raw_connect(ag.unix_uri);
	struct vrpc_msg m = { .type = VRPC_T_HELLO }, r;
	struct vrpc_pool p = { 0 };
	m.u.hello = (struct vrpc_hello){ 1,    0, VRPC_HELLO_WANT_SHM, 7, "shm",
					 NULL, 0 };
	assert_int_equal(raw_call(c, &m, 1, &r, &p), 0);
	assert_int_equal(r.status, 0);
	int mfd = memfd_create("img", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	assert_int_equal(ftruncate(mfd, 4096), 0);
	assert_int_equal(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	char *img =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	assert_true(img != MAP_FAILED);
	const char first[] = "echo-late 300 first",
		   later[] = "echo-late 300 later";
	memcpy(img, first, sizeof(first));
	uint8_t buf[256];
	struct vrpc_hdr h;
	m = (struct vrpc_msg){ .type = VRPC_T_SHM_ATTACH };
	m.u.shm.arena = 9;
	m.u.shm.size = 4096;
	size_t len = frame(&m, VRPC_F_FD, 2, buf, sizeof(buf));
	send_fds(c, buf, len, &mfd, 1);
	close(mfd);
	assert_int_equal(raw_recv(c, &h, &r, &p), 0);
	assert_int_equal(r.status, 0);
	m = (struct vrpc_msg){ .type = VRPC_T_SESS_INIT };
	assert_int_equal(raw_call(c, &m, 3, &r, &p), 0);
	uint64_t sess = r.session;
	m = (struct vrpc_msg){ .type = VRPC_T_OP + VACCEL_OP_IMAGE_CLASSIFY,
			       .session = sess };
	m.u.image.image = (struct vrpc_buf){ VRPC_BUF_SHM, sizeof(first) - 1, 9,
					     0, NULL };
	m.u.image.len_text = 64;
	m.u.image.len_name = 16;
	assert_int_equal(raw_send(c, &m, 4), 0);
	usleep(100000);
	memcpy(img, later, sizeof(later));
	assert_int_equal(raw_recv(c, &h, &r, &p), 0);
	assert_int_equal(r.status, 0);
	printf("# the backend saw \"%.*s\"\n", (int)r.u.image.text.len,
	       (const char *)r.u.image.text.data);
	assert_int_equal(r.u.image.text.len, sizeof(first));
	assert_memory_equal(r.u.image.text.data, first, sizeof(first));
	vrpc_pool_release(&p);
	munmap(img, 4096);
	close(c);
	assert_true(agent_wait_workers(&ag, 0, 10000));
	assert_int_equal(agent_stop(&ag), 0);
}

/* ---- a worker running hostile code ----------------------------------------
 */

/* A TCP connection to the agent from loopback address 127.0.0.`host`
 * that reads nothing (a small receive buffer), HELLO answered; its port
 * in *port. */
static int tcp_from(int host, int *port)
{
	const char *p = strrchr(ag.tcp_uri, ':');
	assert_non_null(p);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)atoi(p + 1)),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in from = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(0x7f000000u |
							     (uint32_t)host) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	struct timeval tv = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(raw_hello(fd, TEST_TOKEN), 0);
	socklen_t len = sizeof(from);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&from, &len), 0);
	*port = ntohs(from.sin_port);
	return fd;
}

/* A session on `c` (HELLO answered). */
static uint64_t session(int c)
{
	struct vrpc_msg m = { .type = VRPC_T_SESS_INIT }, r;
	struct vrpc_pool p = { 0 };
	assert_int_equal(raw_call(c, &m, 2, &r, &p), 0);
	assert_int_equal(r.status, 0);
	vrpc_pool_release(&p);
	return r.session;
}

/* Send the faulty backend command `cmd` on `c` (session `sess`). */
static void command(int c, uint64_t sess, const char *cmd)
{
	struct vrpc_msg m = { .type = VRPC_T_OP + VACCEL_OP_IMAGE_CLASSIFY,
			      .session = sess };
	m.u.image.image = (struct vrpc_buf){ VRPC_BUF_INLINE, strlen(cmd), 0, 0,
					     (void *)cmd };
	m.u.image.len_text = 64;
	m.u.image.len_name = 16;
	assert_int_equal(raw_send(c, &m, 3), 0);
}

/* Its answer (text), in `text`. */
static void answer(int c, char *text, size_t size)
{
	struct vrpc_hdr h;
	struct vrpc_msg r;
	struct vrpc_pool p = { 0 };
	assert_int_equal(raw_recv(c, &h, &r, &p), 0);
	assert_int_equal(r.status, 0);
	snprintf(text, size, "%.*s", (int)r.u.image.text.len,
		 (const char *)r.u.image.text.data);
	vrpc_pool_release(&p);
}

/* The front's threads (its reapers come and go). */
static int threads(pid_t pid)
{
	return (int)proc_status(pid, "Threads");
}

/* The worker sends the front a copy of one of its connections that
 * lingers 30 s on close, in a malformed control message. The front ends
 * the worker for it, and its close of the copy is the last: that close
 * stopped the front for the linger time (every tenant's connections, the
 * worker's end too). Now the worker's connections end at once, and
 * another peer is served. */
static void test_worker_sends_lingering(void **state)
{
	(void)state;
	start(NULL);
	int fds0 = proc_fd_count(ag.pid), port, victim_port;
	int c = tcp_from(1, &port);
	int victim = tcp_from(1, &victim_port);
	uint64_t sess = session(c);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "linger-ctl %d %d", victim_port, LINGER_S);
	int64_t t0 = vrpc_now_ns();
	command(c, sess, cmd);
	assert_true(raw_closed(c, 3 * LINGER_S * 1000));
	double secs = (double)(vrpc_now_ns() - t0) / 1e9;
	printf("# the worker's connections ended %.3f s after its message\n",
	       secs);
	assert_true(secs < LINGER_S / 3);
	others_served();
	close(c);
	close(victim); /* unread data: a reset, the linger ends */
	finish(NULL, fds0);
}

/* The worker makes each of its connections from 127.0.0.2 (more than a
 * peer may have closing at once, CLOSING_MAX 32) linger forever with
 * unsent data, and ends its reading of them: the front's close of each
 * is the last. Each held a reaper thread for good, and the peer was
 * refused from then on. Now the front holds none of them a moment
 * later, its reaper threads end, and the peer is served again. */
static void test_worker_lingers_conns(void **state)
{
	(void)state;
	enum {
		N = 36
	};
	const char *more[] = { "--max-connections", "128",
			       "--max-connections-per-peer", "64", NULL };
	start_with(more);
	int fds0 = proc_fd_count(ag.pid), threads0 = threads(ag.pid), port;
	int c = tcp_from(1, &port), victims[N];
	uint64_t sess = session(c);
	int fds1 = proc_fd_count(ag.pid); /* with `c` and its worker */
	for (int i = 0; i < N; i++)
		victims[i] = tcp_from(2, &port);
	char text[64];
	/* the front answers a HELLO before its worker reads the connection
	 * off its control socket: the last ones can still be on their way
	 * (a sanitizer's build made 19 of 36 linger once) */
	for (int i = 0; i < 200; i++) {
		command(c, sess, "tcp-conns");
		answer(c, text, sizeof(text));
		if (atoi(text) >= N)
			break;
		usleep(50000);
	}
	command(c, sess, "linger-conns");
	answer(c, text, sizeof(text));
	printf("# the worker made %s connections linger\n", text);
	assert_int_equal(atoi(text), N);
	/* the worker's connection threads end, the front closes its copies:
	 * it is left with `c` and its worker */
	for (int i = 0; i < 250 && proc_fd_count(ag.pid) > fds1; i++)
		usleep(20000);
	printf("# front: %d descriptors (%d before the victims), %d "
	       "threads\n",
	       proc_fd_count(ag.pid), fds1, threads(ag.pid));
	assert_true(proc_fd_count(ag.pid) <= fds1);
	for (int i = 0; i < 250 && threads(ag.pid) != threads0; i++)
		usleep(20000);
	assert_int_equal(threads(ag.pid), threads0);
	/* the attacked peer is served */
	int again = tcp_from(2, &port);
	close(again);
	others_served();
	close(c);
	for (int i = 0; i < N; i++)
		close(victims[i]);
	finish(NULL, fds0);
}

/* Lines of the agent's log that contain `what`. */
static int log_lines(const char *what)
{
	FILE *f = fopen(ag.log, "r");
	char line[1024];
	int n = 0;
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, what) != NULL;
	if (f)
		fclose(f);
	return n;
}

/* The worker sends 2 s of control messages the front refuses (unknown
 * types, connections that are not its own): a warning a second, not one
 * per message (a worker wrote 100 MB of log in 5 s). The front serves
 * others meanwhile, and the worker stays (the messages are well formed).
 * The front reads 4096 of a worker's messages a second, the rest wait (an
 * audit's worker sent 310k a second, and the front spent as much CPU on
 * them as the worker): what the worker could send in 2 s is what the
 * front read in at most 3 seconds' budgets and what its socket holds. */
static void test_worker_floods_ctl(void **state)
{
	(void)state;
	start(NULL);
	int fds0 = proc_fd_count(ag.pid), port;
	int c = tcp_from(1, &port);
	uint64_t sess = session(c);
	char text[64];
	command(c, sess, "ctl-flood 2000");
	others_served();
	answer(c, text, sizeof(text));
	/* the front has read them all when the log stops growing */
	for (int i = 0, n = -1; i < 50 && n != log_lines("worker "); i++) {
		n = log_lines("worker ");
		usleep(100000);
	}
	int warned = log_lines("unexpected message") +
		     log_lines("closed unknown conn"),
	    summed = log_lines("more such messages");
	printf("# %s messages in 2 s: %d warnings, %d summaries\n", text,
	       warned, summed);
	assert_true(atol(text) > 1000);
	assert_true(atol(text) <= 4 * 4096);
	assert_true(log_lines("control messages a second: the rest waits") >=
		    1);
	assert_true(warned >= 1 && warned <= 4);
	assert_true(summed >= 1 && summed <= 4);
	int pid = 0;
	assert_int_equal(agent_workers(&ag, &pid, 1), 1);
	close(c);
	finish(NULL, fds0);
}

/* ---- a FUSE file whose FLUSH waits ------------------------------------------
 */

/* A FUSE server in a child process, speaking /dev/fuse itself: one file,
 * "f". Every request is answered but a FLUSH of another process than
 * this test's: the agent's close of a descriptor of "f" then waits until
 * the server ends (a local user can mount one with fusermount3, or in a
 * user namespace of its own). Audit 23: each close ran on the front's
 * thread (no reaper thread could start), and one such descriptor sent
 * with one byte stopped the front for every tenant. */
struct fuse_stall {
	pid_t pid;
	char dir[64], file[80];
};

static void fuse_reply(int dev, uint64_t unique, int err, const void *p,
		       size_t n)
{
	char buf[512];
	struct fuse_out_header h = { .len = (uint32_t)(sizeof(h) + n),
				     .error = err,
				     .unique = unique };
	memcpy(buf, &h, sizeof(h));
	if (n)
		memcpy(buf + sizeof(h), p, n);
	if (write(dev, buf, sizeof(h) + n) < 0) {
		/* an interrupted request: nothing to answer */
	}
}

static void fuse_attr(uint64_t ino, struct fuse_attr *a)
{
	*a = (struct fuse_attr){ .ino = ino,
				 .mode = ino == 1 ? S_IFDIR | 0755
						  : S_IFREG | 0666,
				 .nlink = ino == 1 ? 2 : 1,
				 .blksize = 4096 };
}

static _Noreturn void fuse_serve(int dev, pid_t answered)
{
	static char buf[(1 << 20) + 4096];
	for (;;) {
		ssize_t n = read(dev, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(struct fuse_in_header))
			_exit(0);
		struct fuse_in_header *in = (void *)buf;
		void *arg = buf + sizeof(*in);
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = arg;
			struct fuse_init_out o = {
				.major = FUSE_KERNEL_VERSION,
				.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION
						 ? ii->minor
						 : FUSE_KERNEL_MINOR_VERSION,
				.max_readahead = ii->max_readahead,
				.max_background = 16,
				.congestion_threshold = 12,
				.max_write = 4096,
				.time_gran = 1
			};
			fuse_reply(dev, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { .attr_valid = 3600 };
			fuse_attr(in->nodeid, &o.attr);
			fuse_reply(dev, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = { .nodeid = 2,
						    .generation = 1,
						    .entry_valid = 3600,
						    .attr_valid = 3600 };
			fuse_attr(2, &o.attr);
			if (in->nodeid == 1 && !strcmp(arg, "f"))
				fuse_reply(dev, in->unique, 0, &o, sizeof(o));
			else
				fuse_reply(dev, in->unique, -ENOENT, NULL, 0);
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o = { .fh = 1 };
			fuse_reply(dev, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_FLUSH:
			if ((pid_t)in->pid == answered)
				fuse_reply(dev, in->unique, 0, NULL, 0);
			break; /* the agent's: never */
		case FUSE_INTERRUPT:
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
			break;
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
		case FUSE_ACCESS:
			fuse_reply(dev, in->unique, 0, NULL, 0);
			break;
		default:
			fuse_reply(dev, in->unique, -ENOSYS, NULL, 0);
		}
	}
}

/* the one mounted, and a listener's directory (fuse_teardown's, if a
 * case fails) */
static struct fuse_stall *fuse_now;
static const char *conn_dir;

static void conn_dir_remove(void)
{
	char sock[128];
	if (!conn_dir)
		return;
	snprintf(sock, sizeof(sock), "%s/c.sock", conn_dir);
	unlink(sock);
	rmdir(conn_dir);
	conn_dir = NULL;
}

/* Mounted, or false (the reason printed: not root, no /dev/fuse). */
static bool fuse_start(struct fuse_stall *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/vaccel-fuse-XXXXXX");
	if (!mkdtemp(f->dir))
		return false;
	snprintf(f->file, sizeof(f->file), "%s/f", f->dir);
	int dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	char opts[128];
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40755,user_id=0,group_id=0,allow_other", dev);
	if (dev < 0 ||
	    mount("vaccel-test", f->dir, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		printf("# skipped: cannot mount a FUSE file system (%s; root "
		       "and /dev/fuse needed)\n",
		       strerror(errno));
		if (dev >= 0)
			close(dev);
		rmdir(f->dir);
		return false;
	}
	pid_t me = getpid();
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0)
		fuse_serve(dev, me);
	close(dev);
	fuse_now = f;
	return true;
}

/* The server ends (the kernel aborts what waits on it), the mount goes. */
static void fuse_stop(struct fuse_stall *f)
{
	fuse_now = NULL;
	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	umount2(f->dir, MNT_DETACH);
	rmdir(f->dir);
}

/* Threads of `pid` waiting on a FUSE server; whether the main one is. */
static int fuse_waiting(pid_t pid, bool *main_thread)
{
	char path[320], line[256];
	int n = 0;
	*main_thread = false;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", (int)pid,
			 e->d_name);
		FILE *f = fopen(path, "r");
		bool in_fuse = false;
		while (f && fgets(line, sizeof(line), f))
			in_fuse |= strstr(line, "fuse_") != NULL;
		if (f)
			fclose(f);
		n += in_fuse;
		if (in_fuse && atoi(e->d_name) == (int)pid)
			*main_thread = true;
	}
	if (d)
		closedir(d);
	return n;
}

/* `n` connections to `uri` (UNIX), each sending one byte with a
 * descriptor of `file`, then closed. */
static void send_fuse(const char *uri, const char *file, int n)
{
	int f = open(file, O_RDONLY | O_CLOEXEC);
	assert_true(f >= 0);
	for (int i = 0; i < n; i++) {
		int c = raw_connect(uri);
		assert_true(c >= 0);
		if (!send_fds_try(c, "\1", 1, &f, 1))
			printf("# connection %d: not sent (%s)\n", i,
			       strerror(errno));
		close(c);
	}
	close(f); /* this test's FLUSH is answered */
}

/* One connection with the FUSE file's descriptor: its close waits on a
 * reaper thread, never the front's; others are served meanwhile. */
static void test_fuse_flush(void **state)
{
	(void)state;
	static struct fuse_stall f;
	if (!fuse_start(&f))
		return;
	start(NULL);
	int fds0 = proc_fd_count(ag.pid);
	send_fuse(ag.unix_uri, f.file, 1);
	bool main_thread = true;
	int waiting = 0;
	for (int i = 0; i < 250 && !waiting; i++, usleep(20000))
		waiting = fuse_waiting(ag.pid, &main_thread);
	printf("# threads of the front waiting on FUSE: %d (its main one: "
	       "%s)\n",
	       waiting, main_thread ? "yes" : "no");
	assert_int_equal(waiting, 1);
	assert_false(main_thread);
	others_served();
	assert_true(unix_welcome(5000));
	fuse_stop(&f);
	finish(NULL, fds0);
}

/* On a ?tenant=conn listener each connection is a peer of its own: the
 * closes that wait counted per connection, never reached CLOSING_MAX,
 * and one process held every reaper thread (then every close queued
 * behind them, the front's descriptors to their limit: audit 23). They
 * count for the connection's uid now, and a peer's closes run at most
 * REAP_PER_PEER at once (the connections refused for its CLOSING_MAX are
 * closed there too, with what they carry). */
static void test_fuse_flush_conn(void **state)
{
	(void)state;
	static struct fuse_stall f;
	if (!fuse_start(&f))
		return;
	static char dir[32];
	char listen[128], uri[100];
	snprintf(dir, sizeof(dir), "/tmp/vaccel-conn-XXXXXX");
	assert_non_null(mkdtemp(dir));
	conn_dir = dir;
	snprintf(uri, sizeof(uri), "unix://%s/c.sock", dir);
	snprintf(listen, sizeof(listen), "%s?tenant=conn", uri);
	const char *more[] = { "--listen", listen, NULL };
	start_with(more);
	int fds0 = proc_fd_count(ag.pid);
	send_fuse(uri, f.file, CLOSING_MAX + 8);
	bool main_thread = true;
	int waiting = 0;
	for (int i = 0, last = -1; i < 100 && (!waiting || waiting != last);
	     i++, usleep(100000)) {
		last = waiting;
		waiting = fuse_waiting(ag.pid, &main_thread);
	}
	printf("# %d connections with the descriptor: %d closes wait\n",
	       CLOSING_MAX + 8, waiting);
	assert_true(waiting >= 1 && waiting <= REAP_PER_PEER);
	assert_false(main_thread);
	/* with CLOSING_MAX of its uid's pending, its next is refused */
	int c = raw_connect(uri);
	assert_true(c >= 0);
	assert_int_not_equal(raw_hello(c, NULL), 0);
	close(c);
	assert_true(log_lines("still being closed") >= 1);
	others_served();
	fuse_stop(&f);
	finish(NULL, fds0);
	conn_dir_remove();
}

/* A failed case's server and mount, and its agent, do not stay. */
static int fuse_teardown(void **state)
{
	(void)state;
	if (fuse_now)
		fuse_stop(fuse_now);
	if (agent_alive(&ag))
		agent_stop(&ag);
	conn_dir_remove();
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_with_hello),
		cmocka_unit_test(test_queued_behind_refusal),
		cmocka_unit_test(test_queued_when_worker_dies),
		cmocka_unit_test(test_stray),
		cmocka_unit_test(test_shm_image_copied),
		cmocka_unit_test(test_worker_sends_lingering),
		cmocka_unit_test(test_worker_lingers_conns),
		cmocka_unit_test(test_worker_floods_ctl),
		cmocka_unit_test_teardown(test_fuse_flush, fuse_teardown),
		cmocka_unit_test_teardown(test_fuse_flush_conn, fuse_teardown),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
