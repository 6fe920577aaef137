// SPDX-License-Identifier: Apache-2.0
/* Inside the front's management of workers (front.h, "workers.c"): the
 * table of workers and what its files share. Only workers*.c and
 * worker_dirs.c include it.
 *   workers.c        the table: starting (the probe, the in-process
 *                    worker), finding, forgetting, counters
 *   workers_conns.c  admission, hand-off, messages from workers
 *   workers_end.c    reaping, NOTICEs to a dead worker's clients, idle
 *                    exits, stopping
 *   worker_dirs.c    a worker's directories and their owner */
#pragma once

#include "cgroup.h"
#include "ctl.h"
#include "front.h"
#include "metrics.h"
#include "msg.h"
#include "stats.h"
#include <sys/types.h>

/* the key of a tenant's entry in workers_hist.c */
#define HIST_KEY (TENANT_MAX + 8)

/* A connection handed to a worker (or waiting for one). */
struct fconn {
	uint64_t id;
	int fd;
	struct peer *p;
	struct tenant_conns *t;
	struct ctl_msg *pending; /* not handed yet: the worker starts */
	struct fconn *next;
};

struct worker {
	char tenant[TENANT_MAX + 1];
	char group[64]; /* the peer (group) whose connection started it */
	char dir[PATH_MAX], cache[PATH_MAX];
	pid_t pid; /* 0: the in-process worker */
	int ctl;
	int slot;      /* uid base + slot, as root; -1 otherwise */
	struct wcg cg; /* its control groups (cgroup.c) */
	bool ready, exiting;
	/* when it was told to exit (wk_tell_exit), and whether it was
	 * killed for not doing so in WORKER_EXIT_GRACE_MS */
	int64_t told_exit;
	bool exit_killed;
	uint64_t nconns;
	int64_t started, idle_since;
	char dying[512];
	uint32_t dying_code;
	struct fconn *conns;
	/* its last report: per tenant (one, or all in-process) and ops */
	struct tstats *tenants;
	size_t ntenants;
	struct op_stats ops;
	/* warnings about what it sent: one a second at most (a worker runs
	 * tenant code: its nonsense must not flood the log) */
	int64_t warned_at;
	uint64_t unwarned;
	/* control messages read this second (ctl_second: its start): a
	 * worker's are read up to WK_CTL_RATE a second (workers_conns.c) */
	int64_t ctl_second;
	uint64_t ctl_read;
	/* its stdout and stderr: a pipe whose read end the front reads and
	 * logs as this worker's, within a budget a second (workers_log.c);
	 * -1: none (the probe and the in-process worker write to the
	 * front's stderr) */
	int logfd;
	char *line; /* ALOG_WORKER_LINE bytes: the line being read */
	size_t linelen;
	bool cut;
	int64_t log_second; /* when the current second began */
	uint64_t logged, log_read, dropped_lines, dropped_bytes;
	int hist; /* its tenant's entry (workers_hist.c); -1: none */
	char hkey[HIST_KEY];
	struct worker *next;
};

/* What the front keeps of a tenant (or of a peer, for tenants that never
 * come back) across its workers: workers_hist.c. */
struct hist {
	char key[HIST_KEY];
	unsigned refs; /* live workers */
	int64_t used;  /* when a worker last took or left it */
	/* the log budget its workers share (workers_log.c) */
	int64_t log_second;
	uint64_t logged;
	/* ends not asked for, in a row, and the hold they earned; all of
	 * them (life_ends) */
	unsigned ends, life_ends;
	/* its starts' virtual time (a rate: workers_hist.c) */
	int64_t start_due;
	int64_t last_end, hold_until;
	char last[160];
};

/* What the front keeps of a peer uid's processes on ?tenant=conn
 * listeners together (workers_hist.c): their ends' and starts' virtual
 * times (rates), a log budget. */
struct hist_peer {
	char key[HIST_KEY];
	int64_t used, due, start_due;
	int64_t log_second;
	uint64_t logged;
};

/* A tenant's counters as its worker last reported them. */
struct tstats {
	char name[TENANT_MAX + 1];
	uint64_t st[TS_MAX];
};

/* workers.c */
extern struct worker *workers; /* the live ones */
extern uint64_t nworkers;
/* Start a worker of `tenant`, whose entry's key is `hkey` (wk_hist_key;
 * the caller checks wk_hist_refuse first); NULL and the reason in `why` if
 * it cannot start. A probe checks that the backends load and exits. */
struct worker *wk_spawn(const char *tenant, const char *hkey, bool probe,
			char *why, size_t size);
/* The worker of `tenant` (the in-process one serves every tenant). */
struct worker *wk_find(const char *tenant);
/* Drop an ended worker: its counters retired, its directories released. */
void wk_forget(struct worker *w);

/* workers_conns.c */
/* Send `c`'s pending CONN message and its descriptor to `w`. */
int wk_hand(struct worker *w, struct fconn *c);
/* Close the connection at `*link` and unlink it from `w`. */
void wk_end_conn(struct worker *w, struct fconn **link);
/* Read what a reaped worker sent before it ended (its pid is not used). */
void wk_last_words(struct worker *w);

/* Tell `w` to exit (`why`: for the log); killed if it is still there
 * WORKER_EXIT_GRACE_MS later (workers_tick): it has no call to finish,
 * and tenant code (a library's destructor) could keep it, and its uid
 * slot, for good. */
#define WORKER_EXIT_GRACE_MS 5000
/* A tenant that never comes back (a connection's, an address's) has
 * WORKER_EXIT_GRACE_EPHEMERAL_MS: a leaving worker keeps its uid slot,
 * and workers that exited cleanly in 4.5 s, from a new connection (and
 * process) each time, held every slot (audit 20: another tenant's calls
 * 1 of 19 served under --max-tenants 4). */
#define WORKER_EXIT_GRACE_EPHEMERAL_MS 1000
int wk_exit_grace_ms(const struct worker *w);
void wk_tell_exit(struct worker *w, const char *why);
/* Whether `w` runs, ready, with no connection and not leaving. */
bool wk_idle(const struct worker *w);
/* When workers_tick has to act on `w` (0: never): tell an idle one to
 * exit (--worker-idle; a ?tenant=conn tenant's at once), kill one told
 * to exit WORKER_EXIT_GRACE_MS ago. */
int64_t wk_due(const struct worker *w);

/* workers_hist.c */
/* The key of `tenant`'s entry, connected from `peer` (the admission's
 * peer key) by process `pid` (0: unknown). The tenant, but:
 *  - a tenant of one connection (conn:, a ?tenant=conn UNIX listener's) has
 *    no next worker, and each of its connections is a tenant: the process
 *    that connected is the key (a VM's QEMU reconnects from the same
 *    process), not its uid, which every VM of one QEMU user shares; where
 *    the pid is unknown (a client in a pid namespace the agent's does not
 *    contain: the kernel gives 0) the connection alone, as before;
 *  - an --insecure client's address (ip:) counts as its address group, as
 *    admission does (127/8, an IPv6 /64): a client rotating its source
 *    address had three free crashes and a fresh log budget with each. */
void wk_hist_key(const char *tenant, const char *peer, pid_t pid, char *key,
		 size_t size);
/* Whether `key`'s workers are held after their ends: then the reason in
 * `why`. */
bool wk_hist_refuse(const char *key, char *why, size_t size);
/* `key`'s entry, taken by a new worker: an index, or -1. */
int wk_hist_take(const char *key);
/* `w`'s tenant's entry, or NULL. */
struct hist *wk_hist(const struct worker *w);
/* Its peer uid's entry, for a ?tenant=conn process's history; NULL. */
struct hist_peer *wk_hist_peer(const struct hist *h);
/* The length of the peer uid part ("peer uid:N") of a ?tenant=conn
 * history key ("peer uid:N pid P", "peer uid:N conn conn:S"); 0. */
size_t wk_hist_peer_part(const char *key);
/* `w` ended (`asked`: it was told to exit; else `why`), and leaves its
 * tenant's entry. */
void wk_hist_ended(struct worker *w, bool asked, const char *why);

/* workers_log.c */
/* `fd`, the read end of its pipe (non-blocking), is `w`'s log. 0 or -1. */
int wk_log_open(struct worker *w, int fd);
/* The read end of `w`'s log pipe, polled unless it read its share of
 * this second (then `*deadline` is when the next one starts). */
int wk_log_pollfd(struct worker *w, struct pollfd *pf, int64_t *deadline);
/* Its pipe is readable (or closed). */
void wk_log_event(struct worker *w);
/* Once a loop: a new second's budget, and what was left out reported. */
void wk_log_tick(struct worker *w);
/* Read what is left in the pipe (a dead worker's last words, within one
 * more second's budget), log it, close it. */
void wk_log_close(struct worker *w);

/* worker_dirs.c */
extern char wk_tenants_root[PATH_MAX];
extern char wk_caches_root[PATH_MAX]; /* --cache-dir/CACHES_SUBDIR */
bool wk_as_root(void);
/* The uid `w` runs as (as root). */
uid_t wk_uid(const struct worker *w);
/* The uids workers may have, [lo, hi): as root the slots' (up to their
 * shared group), else this one. */
uid_t wk_uid_lo(void);
uid_t wk_uid_hi(void);
int wk_prepare_dirs(struct worker *w);
/* In the worker's process, before it runs: its cache's files become its. */
void wk_own_dirs(const struct worker *w);
void wk_release_dirs(struct worker *w);
/* The roots of tenants' directories and caches (exits on failure). */
void wk_setup_roots(void);
