// SPDX-License-Identifier: Apache-2.0
/* Workers' control groups (agent/cgroup.c): each worker in its tenant's
 * groups under the agent's, with --worker-memory as a memory limit that
 * counts what RLIMIT_AS does not (memfd and tmpfs pages, page cache it
 * dirties), a task limit and an equal CPU weight; its processes are
 * killed with the group at its end. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a worker's groups are: one per hierarchy in use, named after its
 * tenant's directory (a tenant's next worker joins the same groups). */
#define WCG_MAX	 3
#define WCG_NAME 24
struct wcg {
	char name[WCG_NAME]; /* "": none (groups off, --isolation none) */
	int procs[WCG_MAX];  /* cgroup.procs of each, until the fork */
	/* its memory group's OOM kills and limit hits before it */
	uint64_t oom_base, hit_base;
};

/* At the front's start: find the memory, pids and cpu controllers, remove what
 * a run before left, make this agent's groups. With --worker-cgroups on,
 * exits if the memory controller cannot be used; auto: warns and goes on
 * without it. */
void wcg_init(void);
/* One line for the log: what the workers' groups bound. */
const char *wcg_describe(void);
/* Before the fork: `g`'s groups, `name` (its tenant's directory name),
 * made (or joined) and limited; `comes_back`: its tenant can have a next
 * worker (its groups may then outlive this one). 0, or -1 with the
 * reason in `why`. */
int wcg_make(struct wcg *g, const char *name, bool comes_back, char *why,
	     size_t size);
/* In the child (system calls only): it joins its groups. 0 or -1. */
int wcg_join(const struct wcg *g);
/* After the fork, in the front: the descriptors it no longer needs. */
void wcg_forked(struct wcg *g);
/* The worker is dead: whether its group's memory limit killed a process
 * of it since it started. Every process left in its groups is killed;
 * the groups stay for the tenant's next worker if it comes back, else
 * they are removed (now, or by wcg_tick once those processes are gone). */
bool wcg_end(struct wcg *g);
/* Once a loop: groups whose processes were still ending, removed. */
void wcg_tick(void);
/* When wcg_tick has work (0: none): for the front's poll deadline. */
int64_t wcg_due(void);
/* At the front's stop: every group of this agent removed. */
void wcg_fini(void);
