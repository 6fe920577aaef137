// SPDX-License-Identifier: Apache-2.0
/* Closes a client can make slow, off the front's thread.
 *
 * A file is released by whoever drops its last reference, and some
 * releases wait: a TCP socket with SO_LINGER and unsent data waits up to
 * its linger time (the sender chooses it) for a peer that may never read.
 * A client on a UNIX socket can hand the front such files, in a HELLO, or
 * queued unread behind it (the connection's close then releases them),
 * and the front is one thread: one close like that stopped every accept,
 * HELLO and worker message of the agent for as long as the client liked.
 *
 * So the front closes a client's connections and any descriptor it
 * received here: on threads of their own (at most REAPERS_MAX, each
 * ending after a second idle), never on its poll loop. Each close counts
 * against the peer it came from until it is done; a peer with
 * CLOSING_MAX of them pending gets no new connection (preauth_room), so
 * a peer that makes its closes hang waits for them itself and cannot
 * make the front hold descriptors without end. Before the close a
 * socket's linger is taken off (a client or a worker could set it) and
 * a UNIX one is emptied of queued descriptors (let_go), so a reaper
 * thread's close does not wait either on what this kernel can make
 * wait (other kinds of files whose release blocks, e.g. on a FUSE
 * server, would hold one thread each). */

#include "front.h"
#include "sock.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REAPERS_MAX 256
#define IDLE_S	    1
/* AF_UNIX sockets in flight nest 4 deep at most (the kernel refuses
 * more); reads of a socket being emptied, at most */
#define DRAIN_DEPTH 4
#define DRAIN_READS 4096

struct job {
	int fd;
	struct peer *p;
	struct job *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct job *head, **tail = &head;
static unsigned queued, threads, idle;
static atomic_uint_fast64_t done;

static void let_go(int fd, int depth);

static void *reaper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (!head) {
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += IDLE_S;
			idle++;
			int r = pthread_cond_timedwait(&cv, &mu, &t);
			idle--;
			if (r == ETIMEDOUT && !head) {
				threads--;
				pthread_mutex_unlock(&mu);
				return NULL;
			}
		}
		struct job *j = head;
		head = j->next;
		if (!head)
			tail = &head;
		queued--;
		pthread_mutex_unlock(&mu);
		let_go(j->fd, 0);
		if (j->p)
			atomic_fetch_sub(&j->p->closing, 1);
		atomic_fetch_add(&done, 1);
		free(j);
		pthread_mutex_lock(&mu);
	}
}

/* Make the last close of `fd` one that does not wait: a socket lingers
 * no more (its queued bytes still go out, in the background: a worker
 * sets SO_LINGER on its tenant's connections as it likes), and a UNIX
 * socket is emptied first of the descriptors queued in it, each let go
 * the same way (nested ones to the depth the kernel allows in flight),
 * since its close would release them here. */
static void let_go(int fd, int depth)
{
	struct sockaddr_storage a;
	socklen_t alen = sizeof(a);
	struct linger l = { 0 };
	socklen_t llen = sizeof(l);
	if (!getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &llen) && l.l_onoff) {
		l = (struct linger){ 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	if (!getsockname(fd, (struct sockaddr *)&a, &alen) &&
	    a.ss_family == AF_UNIX && depth <= DRAIN_DEPTH) {
		/* its peer can send no more: what is queued is all */
		shutdown(fd, SHUT_RDWR);
		for (int i = 0; i < DRAIN_READS; i++) {
			static _Thread_local char data[4096];
			union vrpc_fds_cmsg ctl;
			struct iovec iov = { data, sizeof(data) };
			struct msghdr mh = { .msg_iov = &iov,
					     .msg_iovlen = 1,
					     .msg_control = ctl.buf,
					     .msg_controllen =
						     sizeof(ctl.buf) };
			ssize_t n = recvmsg(fd, &mh,
					    MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
			if (n <= 0 && !mh.msg_controllen)
				break;
			int fds[VRPC_SCM_MAX_FD];
			size_t k = vrpc_cmsg_fds(&mh, fds, VRPC_SCM_MAX_FD);
			for (size_t m = 0; m < k && m < VRPC_SCM_MAX_FD; m++)
				let_go(fds[m], depth + 1);
		}
	}
	close(fd);
}

/* A thread more if every one is busy (mu held). */
static void more_threads(void)
{
	if (queued <= idle || threads >= REAPERS_MAX)
		return;
	pthread_attr_t a;
	pthread_t t;
	if (pthread_attr_init(&a))
		return;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 64 << 10);
	if (!pthread_create(&t, &a, reaper, NULL))
		threads++;
	pthread_attr_destroy(&a);
}

void reaper_close(int fd, struct peer *p)
{
	if (fd < 0)
		return;
	struct job *j = malloc(sizeof(*j));
	if (!j) {
		let_go(fd, 0); /* out of memory: here */
		return;
	}
	*j = (struct job){ .fd = fd, .p = p };
	if (p)
		atomic_fetch_add(&p->closing, 1);
	pthread_mutex_lock(&mu);
	*tail = j;
	tail = &j->next;
	queued++;
	more_threads();
	bool none = !threads;
	if (none) {
		/* no thread could start: take it back, close here */
		head = NULL;
		tail = &head;
		queued = 0;
	}
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	if (none) {
		let_go(fd, 0);
		if (p)
			atomic_fetch_sub(&p->closing, 1);
		free(j);
	}
}

void reaper_drop(int fd)
{
	reaper_close(fd, NULL);
}

uint64_t reaper_done(void)
{
	return (uint64_t)atomic_load(&done);
}
