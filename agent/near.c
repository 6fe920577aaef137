// SPDX-License-Identifier: Apache-2.0
/* Near (docs/protocol.md §11): a client on a ring can ask the worker to
 * wait for its next request on the client's CPU. The reader thread then
 * restricts itself to that CPU while it waits: the client's request wakes
 * it there (no wake-up of another, idle CPU: 15-85 µs on a VM, plus the
 * waker's own system call), it reads the data the client just wrote from
 * that CPU's cache (a 1 MiB copy crossing between two vCPUs here costs
 * several times a memcpy), and the client, asleep meanwhile, is woken
 * there by the reply.
 *
 * Limits: only within the CPUs the thread may use (the operator's
 * affinity mask, re-read when it changed underneath: taskset, a cpuset);
 * a pinned thread that waited on its CPU's run queue for more than an
 * eighth of an op (and 50 µs) at two checks in a row (its CPU is wanted
 * by others: a loaded machine, or another client's worker pinned there
 * too) stops pinning for 50 ms. Checked on every op this connection
 * usually runs for 1 ms or more, and on one other op in eight (two reads
 * of /proc/thread-self/schedstat). Per thread: the state belongs to the
 * thread that holds the reader role, and a thread that gives the role up
 * gets its mask back; threads it starts get the whole mask. The client
 * decides which calls ask (plugins/rpc/call.c: calls with 256 KiB or more
 * in shared memory, and calls of ops that usually take 1 ms or more). */

#include "conn_int.h"
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define NEAR_BACKOFF_NS 50000000
/* three system calls each side of an op (~1 µs each in a VM): on every
 * op of 1 ms or more, on every 8th other one */
#define NEAR_CHECK_EVERY 8
/* a wait on the run queue shorter than this is not a sign of a loaded
 * CPU (the watcher woken for a lent op may run first, a kernel thread) */
#define NEAR_WAIT_MIN_NS 50000

static _Thread_local struct {
	/* the CPU this thread is pinned to, plus 1 (0: not pinned) */
	int pin;
	/* the mask to go back to */
	cpu_set_t base;
	/* when the checked op began (0: not measured), and the thread's
	 * run-queue wait then */
	int64_t t0, delay0;
	int64_t off_until;
	/* ops served pinned (one in NEAR_CHECK_EVERY of the short ones is
	 * checked); checks in a row that saw a loaded CPU */
	unsigned calls, preempted;
} me;

/* ns this thread has waited on a run queue (-1: unknown). */
static int64_t run_delay(void)
{
	char buf[128];
	if (read_text("/proc/thread-self/schedstat", buf, sizeof(buf)) <= 0)
		return -1;
	unsigned long long run, wait;
	return sscanf(buf, "%llu %llu", &run, &wait) == 2 ? (int64_t)wait : -1;
}

/* Whether the mask `m` is only our pin (nobody changed it meanwhile). */
static bool is_our_pin(const cpu_set_t *m)
{
	return me.pin && CPU_COUNT(m) == 1 && CPU_ISSET(me.pin - 1, m);
}

static void unpin(void)
{
	cpu_set_t cur;
	if (!me.pin)
		return;
	/* a mask the operator set meanwhile stays */
	if (!sched_getaffinity(0, sizeof(cur), &cur) && is_our_pin(&cur))
		sched_setaffinity(0, sizeof(me.base), &me.base);
	me.pin = 0;
}

static void pin(struct conn *c, int cpu)
{
	cpu_set_t cur, one;
	if (sched_getaffinity(0, sizeof(cur), &cur))
		return;
	if (!is_our_pin(&cur)) {
		me.base = cur; /* the operator's mask, maybe new */
		me.pin = 0;
	}
	if (!CPU_ISSET(cpu, &me.base) || CPU_COUNT(&me.base) < 2) {
		unpin();
		return;
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return;
	me.pin = cpu + 1;
	atomic_fetch_add(&c->near_pins, 1);
}

void near_before_wait(struct conn *c)
{
	int want = -1;
	if (c->s.ring && !cfg.no_near && vrpc_now_ns() >= me.off_until)
		want = vrpc_ring_near(c->s.ring, CPU_SETSIZE);
	if (want == me.pin - 1)
		return;
	if (want < 0)
		unpin();
	else
		pin(c, want);
}

void near_after_read(struct conn *c, uint16_t type)
{
	me.t0 = 0;
	if (!me.pin)
		return;
	uint32_t us = vrpc_optime_get(&c->optime, type);
	if (us < VRPC_NEAR_LONG_US && ++me.calls % NEAR_CHECK_EVERY)
		return;
	me.delay0 = run_delay();
	if (me.delay0 >= 0)
		me.t0 = vrpc_now_ns();
}

void near_before_reply(struct conn *c)
{
	if (!me.pin || !me.t0)
		return;
	int64_t waited = run_delay() - me.delay0, took = vrpc_now_ns() - me.t0;
	me.t0 = 0;
	if (waited <= NEAR_WAIT_MIN_NS || waited * 8 <= took) {
		me.preempted = 0;
		return;
	}
	/* another task ran here meanwhile, at two checks in a row: this CPU
	 * is wanted (once alone: a kernel thread, a timer) */
	if (++me.preempted < 2)
		return;
	me.preempted = 0;
	me.off_until = vrpc_now_ns() + NEAR_BACKOFF_NS;
	unpin();
	atomic_fetch_add(&c->near_backoffs, 1);
	adebug("a reader pinned near its client waited for its CPU: not "
	       "pinning for %d ms",
	       NEAR_BACKOFF_NS / 1000000);
}

void near_leave(void)
{
	unpin();
}

const cpu_set_t *near_base(void)
{
	return me.pin ? &me.base : NULL;
}
