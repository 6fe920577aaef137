// SPDX-License-Identifier: Apache-2.0
/* What bench_rpc.c's tables share with bench_ring.c. */
#pragma once

#include "harness.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A raw echo server (UNIX and TCP) answering `rep` bytes to every `req`
 * bytes: the baseline of the small-call tables. */
struct raw_server {
	pid_t pid;
	char path[108];
	int port;
};

int64_t now(void);
/* This thread on `cpu`; on every CPU again. */
void pin(int cpu);
void unpin(void);
void die(const char *what);
void raw_start(struct raw_server *s, size_t req, size_t rep);
int raw_client(struct raw_server *s, bool tcp);
/* The ns of `iters` round trips of `req` bytes out, `rep` back. */
void raw_times(int fd, size_t req, size_t rep, int64_t *t, int iters);
/* Request and reply frame sizes of the small calls (0: vaccel_noop). */
void small_sizes(int kind, size_t *req, size_t *rep);
/* The agent's front and workers on `cpu`. */
void pin_agent(const struct agent_proc *a, int cpu);
/* ns the tasks of `pid` ran (field 0) or waited to run (1). */
int64_t sched_ns(pid_t pid, int field);
/* The ring table (bench_ring.c). */
void ring_table(int rounds);
