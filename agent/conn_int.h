// SPDX-License-Identifier: Apache-2.0
/* A worker's connection: its state (struct conn), shared by conn.c (its
 * threads and lifecycle) and conn_state.c (what request handlers read and
 * charge through serve.h). Internal to those two files. */
#ifndef VACCEL_AGENT_CONN_INT_H
#define VACCEL_AGENT_CONN_INT_H

#include "optime.h"
#include "serve.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

struct conn {
	uint64_t id;
	struct vrpc_stream s;
	struct tenant *tn;
	struct objects objs;
	bool pass_fds, needs_token;
	char peer[160];
	char listen_uri[160];
	char identity[VRPC_MAX_IDENTITY + 1];
	/* the token of the front's HELLO: a later HELLO on this stream (a
	 * new client of a vport) must bring it too */
	uint8_t token[VRPC_MAX_TOKEN];
	size_t token_len;

	pthread_mutex_t lock;
	/* idle threads wait here for the reader role */
	pthread_cond_t cv;
	/* HELLO/BYE wait here for the other requests to finish */
	pthread_cond_t drain_cv;
	int draining;
	pthread_mutex_t send_lock;
	bool hello_done;
	bool shm_ok;
	/* a thread holds the reader role */
	bool reading;
	/* its holder serves a computing request and lends the role: a
	 * watcher takes it if a request arrives meanwhile */
	bool busy;
	/* a thread waits for input on behalf of a busy reader */
	bool watching;
	/* the watcher waits here (epoll, -1: it polls the stream): the
	 * stream is armed only while the role is lent, so that a request
	 * arriving between ops wakes the reader alone; end_fd, an eventfd in
	 * the same set, ends the wait when the connection ends */
	int watch_fd, end_fd;
	/* +1 when a watcher takes the role (the lender then steps back) */
	uint64_t taken;
	/* +1 when a lender takes its role back */
	uint64_t returned;
	bool closing;
	int nthreads;
	int idle;
	int executing;
	/* requests being served (the watchdog reads their start times) */
	struct req *running;

	/* near.c: times a reader pinned itself to the client's CPU, and
	 * stopped for a while after a preemption */
	atomic_uint_fast64_t near_pins, near_backoffs;

	/* recent duration of each op on this connection */
	struct vrpc_optime optime;

	struct conn_usage use;
	/* bytes charged by its requests (conn_charge; no lock) */
	_Atomic uint64_t mem_used;
	char dir[PATH_MAX];
	struct spare spare[SPARE_SLOTS];
	/* a freed request kept for the next one (intake.c): no calloc and
	 * free of a request (2.4 KiB with its pools' first bytes) and of its
	 * fields per call */
	_Atomic(struct req *) spare_req;

	uint64_t nreq;
	int64_t t0;
	const char *reason;
	struct conn *next;
	/* the worker's hook: this connection ended */
	void (*closed)(uint64_t id);
};

/* ---- near.c: the reader waits on its ring client's CPU ---- */
/* Before waiting for the next request: pin to the CPU the client asks
 * for, or go back to the whole mask. */
void near_before_wait(struct conn *c);
/* A request of `type` was read: measure its op's wait for the CPU (on
 * some ops). */
void near_after_read(struct conn *c, uint16_t type);
/* Before the reply: stop pinning for a while if this thread waited for
 * its CPU while pinned. */
void near_before_reply(struct conn *c);
/* The thread gives up the reader role: its whole mask back. */
void near_leave(void);
/* The mask for a thread started now (NULL: the current one will do). */
const cpu_set_t *near_base(void);

/* every live connection of this worker */
extern pthread_mutex_t conns_lock;
extern struct conn *conns;
extern uint64_t nconns;

#endif
