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
 * server, would hold one thread each).
 *
 * A close is never done on the front's thread: if no reaper thread can
 * start, the close waits in the queue and the front tries again
 * (reaper_due). Audit 23: every thread start had failed (a 64 KiB stack
 * could not hold the agent's static TLS), each close ran on the front's
 * thread, and one client's descriptor of a FUSE file whose server never
 * answers FLUSH stopped the front for every tenant. On a `?tenant=conn`
 * listener, whose connections are each a peer, the closes count for the
 * connection's uid (peer_closer). And a peer has at most REAP_PER_PEER
 * closes queued or running, its others held back until one is done: a
 * connection refused for its peer's CLOSING_MAX is still closed here,
 * with what it carries, and 40 of one uid's, each with a FUSE file,
 * held 40 threads. */

#include "front.h"
#include "sock.h"
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REAPERS_MAX 256
#define IDLE_S	    1
/* a thread's stack; glibc takes the static TLS out of it too */
#define REAPER_STACK (256u << 10)
/* a peer's closes queued or running at once (the others wait) */
#define REAP_PER_PEER 16
/* a thread that could not start is tried again this much later */
#define RETRY_NS 100000000ll
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
/* when a thread start last failed (0: the last one did not) */
static int64_t failed_at;

static void let_go(int fd, int depth);

/* set by the front (a call would make admission.c and this file import
 * each other) */
struct peer *(*reaper_closer)(struct peer *p);

/* Job `j` queued for a thread (mu held); the caller starts one if need
 * be (a reaper thread that queues one takes it itself). */
static void enqueue(struct job *j)
{
	j->next = NULL;
	if (j->p)
		j->p->reaping++;
	*tail = j;
	tail = &j->next;
	queued++;
	pthread_cond_signal(&cv);
}

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
		struct peer *p = j->p;
		free(j);
		pthread_mutex_lock(&mu);
		if (p) {
			p->reaping--;
			/* one of its held back closes may go */
			struct job *h = p->held;
			if (h) {
				p->held = h->next;
				if (!p->held)
					p->held_last = NULL;
				enqueue(h);
			}
			/* (the peer may be freed once this is 0) */
			atomic_fetch_sub(&p->closing, 1);
		}
		atomic_fetch_add(&done, 1);
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
			char data[4096];
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
	int r = pthread_attr_init(&a);
	if (!r) {
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&a, REAPER_STACK);
		r = pthread_create(&t, &a, reaper, NULL);
		pthread_attr_destroy(&a);
	}
	if (!r) {
		threads++;
		failed_at = 0;
		return;
	}
	/* the queue waits (on the threads there are, which may all be
	 * stuck); said once per run of failures */
	if (!failed_at)
		awarn("cannot start a thread to close descriptors (%s): %u "
		      "close(s) wait, tried again every %lld ms",
		      strerror(r), queued, RETRY_NS / 1000000);
	failed_at = vrpc_now_ns();
}

void reaper_close(int fd, struct peer *p)
{
	if (fd < 0)
		return;
	p = p && reaper_closer ? reaper_closer(p) : p;
	struct job *j = malloc(sizeof(*j));
	if (!j) {
		/* out of memory: closed here (the only close the front's
		 * thread makes) */
		let_go(fd, 0);
		return;
	}
	*j = (struct job){ .fd = fd, .p = p };
	if (p)
		atomic_fetch_add(&p->closing, 1);
	pthread_mutex_lock(&mu);
	if (p && p->reaping >= REAP_PER_PEER) {
		if (p->held_last)
			((struct job *)p->held_last)->next = j;
		else
			p->held = j;
		p->held_last = j;
	} else {
		enqueue(j);
		more_threads();
	}
	pthread_mutex_unlock(&mu);
}

int64_t reaper_due(void)
{
	pthread_mutex_lock(&mu);
	int64_t due = failed_at && queued > idle ? failed_at + RETRY_NS : 0;
	if (due && vrpc_now_ns() >= due) {
		more_threads();
		due = failed_at && queued > idle ? failed_at + RETRY_NS : 0;
		pthread_cond_signal(&cv);
	}
	pthread_mutex_unlock(&mu);
	return due;
}

void reaper_drop(int fd)
{
	reaper_close(fd, NULL);
}

uint64_t reaper_done(void)
{
	return (uint64_t)atomic_load(&done);
}
