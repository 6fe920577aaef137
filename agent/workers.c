// SPDX-License-Identifier: Apache-2.0
/* The front's view of the workers: one per tenant, started on demand
 * (fork + exec of this binary with the worker options), handed each of
 * its tenant's admitted connections with SCM_RIGHTS, told to exit once it
 * has been idle for --worker-idle. The front keeps a copy of each handed
 * descriptor until the worker says the connection ended: if the worker
 * dies instead (a crash, an abort, its memory limit, the call-deadline
 * watchdog), the front tells each of the tenant's clients why, on that
 * descriptor, in a NOTICE frame, and closes it. Other tenants' workers are
 * not touched.
 *
 * With --isolation none, one "worker" is a thread of this process that
 * serves every tenant: same messages over a socketpair, no sandbox. */

/* This file: the table of workers, starting one (and the start-up probe,
 * or the in-process worker), finding and forgetting one, their counters.
 * Handing connections and the workers' messages: workers_conns.c; their
 * ends: workers_end.c; their directories: worker_dirs.c. */

#include "workers_int.h"
#include "dirtree.h"
#include "worker.h"
#include "sandbox.h"
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct worker *workers;
uint64_t nworkers;
/* what ended workers had counted (the counters that only grow) */
static uint64_t retired[TS_MAX];
static struct op_stats retired_ops;
struct worker_counts wcounts;
static bool *slots;
static pthread_t inprocess_th;

/* ---- starting, finding -----------------------------------------------------
 */

/* When each slot was last given back: the one free the longest is taken
 * (one never taken first), so that what the kernel still counts against
 * a uid (pipe buffers, epoll watches a tenant's client keeps: an audit)
 * reaches the next tenant given that uid only after --worker-uids other
 * worker starts. */
static int64_t *slot_freed;
static uint64_t slots_taken;

/* The uids the workers of every agent on this host hold now: a byte each
 * of one file, locked (an OFD lock: this process's, while the worker
 * lives). Two agents given overlapping ranges (both with the default
 * --worker-uid-base) had workers of one uid at once, of two tenants: one
 * process count, pipe allowance and /proc for both. A uid another agent's
 * worker holds is skipped, with a warning. -1: no such file (the agent
 * cannot make it: not coordinated, said at the start). */
#define UID_LOCKS "/run/vaccel/worker-uids.lock"
static int uid_locks = -1;
static uint64_t uid_skips;

static void uid_locks_open(void)
{
	if (!wk_as_root())
		return;
	/* root's alone: a user who owned /run/vaccel made the file and
	 * locked every byte, and the agent took every uid for another
	 * agent's and started no worker (audit 21) */
	struct stat st;
	const char *why = NULL;
	if (mkdir("/run/vaccel", 0755) && errno != EEXIST)
		why = strerror(errno);
	else if (lstat("/run/vaccel", &st) || !S_ISDIR(st.st_mode) ||
		 st.st_uid != 0 || (st.st_mode & 022))
		why = "/run/vaccel is not a directory of root's alone";
	else if ((uid_locks = open(UID_LOCKS,
				   O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
				   0600)) < 0)
		why = strerror(errno);
	else if (fstat(uid_locks, &st) || !S_ISREG(st.st_mode) ||
		 st.st_uid != 0 || st.st_nlink != 1 || (st.st_mode & 077))
		why = "not a file of root's alone";
	if (!why)
		return;
	awarn("%s: %s: workers' uids another vaccel-agent's workers hold now "
	      "are not known",
	      UID_LOCKS, why);
	if (uid_locks >= 0)
		close(uid_locks);
	uid_locks = -1;
}

static bool uid_lock(int slot, bool take)
{
	struct flock l = { .l_type = take ? F_WRLCK : F_UNLCK,
			   .l_whence = SEEK_SET,
			   .l_start = (off_t)(cfg.worker_uid_base +
					      (uint64_t)slot),
			   .l_len = 1 };
	return uid_locks < 0 || !fcntl(uid_locks, F_OFD_SETLK, &l);
}

static int take_slot(void)
{
	/* live and leaving workers together: twice --max-tenants (those
	 * leaving keep theirs until they end, at most WORKER_EXIT_GRACE_MS;
	 * more uids are only to reuse each less often, not more workers) */
	if (!wk_as_root() || slots_taken >= 2 * cfg.max_tenants)
		return -1;
	for (uint64_t tries = 0; tries < cfg.worker_uids; tries++) {
		int best = -1;
		for (uint64_t i = 0; i < cfg.worker_uids; i++)
			if (!slots[i] &&
			    (best < 0 || slot_freed[i] < slot_freed[best]))
				best = (int)i;
		if (best < 0)
			return -1;
		if (uid_lock(best, true)) {
			slots[best] = true;
			slots_taken++;
			return best;
		}
		/* another agent's worker's now: tried again last */
		slot_freed[best] = vrpc_now_ns();
		if (uid_skips++ % 1000 == 0)
			awarn("uid %" PRIu64 " is another vaccel-agent's "
			      "worker's: skipped (%" PRIu64
			      " so far; give each "
			      "agent on a host a --worker-uid-base of its own)",
			      cfg.worker_uid_base + (uint64_t)best, uid_skips);
	}
	return -1;
}

static void give_slot(int slot)
{
	if (slot < 0)
		return;
	uid_lock(slot, false);
	slots[slot] = false;
	slots_taken--;
	slot_freed[slot] = vrpc_now_ns();
}

/* What a worker is started with, made before the fork: the child of a
 * threaded process may only make system calls (a lock another thread held
 * at the fork stays held in it: an allocator's, the time zone's). */
struct start {
	char *argv[256], scratch[64];
	char **envp;
	char *tenant_env;
};

/* Its command line, and its environment (worker_env.c) with the tenant's
 * name (a command line is world-readable). 0 or -1. */
static int start_make(struct start *st, const struct worker *w, bool probe)
{
	size_t len = strlen(WORKER_TENANT_ENV) + 1 + strlen(w->tenant) + 1;
	st->tenant_env = malloc(len);
	if (!st->tenant_env)
		return -1;
	snprintf(st->tenant_env, len, "%s=%s", WORKER_TENANT_ENV, w->tenant);
	st->envp = worker_env_make(st->tenant_env);
	if (!st->envp)
		return -1;
	return options_worker_argv(
		w->dir, w->cache, w->slot >= 0 ? (long)wk_uid(w) : -1, 3, probe,
		st->argv, 256, st->scratch, sizeof(st->scratch));
}

static void start_free(struct start *st)
{
	free(st->envp);
	free(st->tenant_env);
}

/* In the child (system calls only): the control socket `fd` becomes
 * descriptor 3 and the write end of the log pipe `logw` (-1: the front's
 * own) descriptors 1 and 2. */
static void exec_worker(const struct worker *w, int fd, int logw,
			const struct start *st)
{
	/* first: its descriptors could be 1, 2 or 3 */
	if (wcg_join(&w->cg))
		_exit(126);
	if (sandbox_view() && sandbox_view_enter())
		_exit(125);
	/* above 3 first: either could be 1, 2 or 3 */
	int ctl = fcntl(fd, F_DUPFD, 10);
	int log = logw >= 0 ? fcntl(logw, F_DUPFD, 10) : -1;
	if (ctl < 0 || dup2(ctl, 3) < 0 || (logw >= 0 && log < 0))
		_exit(126);
	if (log >= 0 && (dup2(log, 1) < 0 || dup2(log, 2) < 0))
		_exit(126);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, 0);
	close_range(4, ~0u, 0);
	wk_own_dirs(w);
	execve("/proc/self/exe", st->argv, st->envp);
	_exit(127);
}

struct worker *wk_spawn(const char *tenant, const char *hkey, bool probe,
			char *why, size_t size)
{
	struct worker *w = calloc(1, sizeof(*w));
	int sv[2] = { -1, -1 }, lp[2] = { -1, -1 };
	if (!w) {
		snprintf(why, size, "out of memory");
		return NULL;
	}
	w->logfd = -1;
	w->hist = -1;
	snprintf(w->tenant, sizeof(w->tenant), "%s", tenant);
	w->slot = take_slot();
	if (wk_as_root() && w->slot < 0) {
		snprintf(why, size, "no free worker uid (--max-tenants)");
		free(w);
		return NULL;
	}
	/* the probe runs no tenant's code: it writes to the front's
	 * stderr, which the front does not read while it waits for it */
	struct start st = { 0 };
	char group[19];
	tenant_dirname(w->tenant, group);
	if (wcg_make(&w->cg, group, !tenant_ephemeral(w->tenant), why, size)) {
		give_slot(w->slot);
		free(w);
		return NULL;
	}
	if (wk_prepare_dirs(w) || start_make(&st, w, probe) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) ||
	    (!probe && (pipe2(lp, O_CLOEXEC) || wk_log_open(w, lp[0]))) ||
	    (w->pid = fork()) < 0) {
		start_free(&st);
		snprintf(why, size, "cannot start a worker: %s",
			 strerror(errno));
		if (sv[0] >= 0)
			close(sv[0]), close(sv[1]);
		if (lp[0] >= 0)
			close(lp[0]), close(lp[1]);
		free(w->line);
		give_slot(w->slot);
		wk_release_dirs(w);
		wcg_end(&w->cg);
		free(w);
		return NULL;
	}
	if (w->pid == 0)
		exec_worker(w, sv[1], lp[1], &st);
	wcg_forked(&w->cg);
	start_free(&st);
	close(sv[1]);
	if (lp[1] >= 0) {
		close(lp[1]);
		fcntl(lp[0], F_SETFL, O_NONBLOCK);
	}
	w->ctl = sv[0];
	/* the front never waits for a worker */
	if (!probe)
		fcntl(w->ctl, F_SETFL, O_NONBLOCK);
	w->started = vrpc_now_ns();
	w->idle_since = w->started;
	if (!probe) {
		snprintf(w->hkey, sizeof(w->hkey), "%s", hkey);
		w->hist = wk_hist_take(hkey);
	}
	w->next = workers;
	workers = w;
	nworkers++;
	if (!probe)
		wcounts.starts++;

	adebug("worker %d of %s started (uid %ld)", (int)w->pid, w->tenant,
	       w->slot >= 0 ? (long)wk_uid(w) : (long)geteuid());
	return w;
}

void wk_tell_exit(struct worker *w, const char *why)
{
	struct ctl_msg *m = calloc(1, sizeof(*m));
	adebug("worker %d of %s: %s, told to exit", (int)w->pid, w->tenant,
	       why);
	w->exiting = true;
	w->told_exit = vrpc_now_ns();
	if (m)
		m->type = CTL_EXIT;
	if (!m || ctl_send(w->ctl, m, -1))
		kill(w->pid, SIGKILL);
	free(m);
}

bool wk_idle(const struct worker *w)
{
	return w->pid > 0 && !w->nconns && !w->exiting && w->ready &&
	       w->ctl >= 0;
}

int wk_exit_grace_ms(const struct worker *w)
{
	return tenant_ephemeral(w->tenant) ? WORKER_EXIT_GRACE_EPHEMERAL_MS
					   : WORKER_EXIT_GRACE_MS;
}

int64_t wk_due(const struct worker *w)
{
	if (wk_idle(w))
		return w->idle_since +
		       (tenant_per_conn(w->tenant)
				? 0
				: (int64_t)cfg.worker_idle_ms * 1000000);
	if (w->pid > 0 && w->exiting && w->told_exit && !w->exit_killed)
		return w->told_exit + (int64_t)wk_exit_grace_ms(w) * 1000000;
	return 0;
}

struct worker *wk_find(const char *tenant)
{
	for (struct worker *w = workers; w; w = w->next)
		if (w->pid == 0 || (!strcmp(w->tenant, tenant)))
			return w;
	return NULL;
}

void wk_forget(struct worker *w)
{
	for (struct worker **p = &workers; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	nworkers--;
	for (size_t i = 0; i < w->ntenants; i++)
		for (int k = 0; k < TS_MAX; k++)
			if (TS_MONOTONIC & (1u << k))
				op_stats_sat_add(&retired[k],
						 w->tenants[i].st[k]);
	op_stats_add(&retired_ops, &w->ops);
	free(w->tenants);
	wk_log_close(w);
	if (w->hist >= 0)
		wk_hist_ended(w, true, "");
	if (w->ctl >= 0)
		close(w->ctl);
	wk_release_dirs(w);
	give_slot(w->slot);
	free(w);
}

void workers_each(void (*fn)(const char *tenant, const uint64_t *st, void *ctx),
		  void *ctx)
{
	for (struct worker *w = workers; w; w = w->next)
		for (size_t i = 0; i < w->ntenants; i++)
			fn(w->tenants[i].name, w->tenants[i].st, ctx);
}

void workers_totals(uint64_t st[TS_MAX], struct op_stats *ops)
{
	memcpy(st, retired, sizeof(retired));
	*ops = retired_ops;
	for (struct worker *w = workers; w; w = w->next) {
		for (size_t i = 0; i < w->ntenants; i++)
			for (int k = 0; k < TS_MAX; k++)
				op_stats_sat_add(&st[k], w->tenants[i].st[k]);
		op_stats_add(ops, &w->ops);
	}
}

/* ---- start -----------------------------------------------------------------
 */

/* Process isolation: a first worker loads the backends in the sandbox
 * and exits, so that a configuration that cannot work fails now, with its
 * reason on stderr, not at every tenant's first call. */
static void probe(void)
{
	char why[256];
	struct worker *w = wk_spawn("probe", NULL, true, why, sizeof(why));
	if (!w)
		die("%s", why);
	union ctl_any *u = malloc(sizeof(*u));
	struct pollfd pf = { .fd = w->ctl, .events = POLLIN };
	int fd = -1, r = -1;
	if (u && poll(&pf, 1, 120000) > 0)
		r = ctl_recv(w->ctl, u, &fd);
	bool ok = r == 1 && u->type == CTL_READY;
	if (ok)
		front_ops = u->m.ops;
	reaper_drop(fd);
	free(u);
	int status = 0;
	if (!ok)
		kill(w->pid, SIGKILL);
	waitpid(w->pid, &status, 0);
	wcg_end(&w->cg);
	wk_forget(w);
	if (!ok || !WIFEXITED(status) || WEXITSTATUS(status))
		die("the backends cannot run in a worker (see above); "
		    "--isolation none runs them in this process");
}

static void *inprocess_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	worker_loop(fd);
	close(fd); /* the front sees its end */
	return NULL;
}

/* --isolation none: this process loads the backends, and a thread serves
 * every tenant's connections. */
static void inprocess(void)
{
	int sv[2];
	struct worker *w = calloc(1, sizeof(*w));
	if (!w || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("cannot start serving: %s", strerror(errno));
	snprintf(w->tenant, sizeof(w->tenant), "*");
	w->slot = -1;
	w->hist = -1;
	w->logfd = -1; /* the front's stderr */
	w->ctl = sv[0];
	fcntl(w->ctl, F_SETFL, O_NONBLOCK); /* the front never waits */
	w->ready = true;
	if (!path_join(w->dir, sizeof(w->dir), wk_tenants_root, "all"))
		die("--rundir: path too long");
	vaccel__fs_rm_rf(w->dir);
	if (make_dir(w->dir, 0700))
		die("cannot create %s: %s", w->dir, strerror(errno));
	cfg.worker_dir = w->dir;
	front_ops = worker_load_inprocess();
	if (pthread_create(&inprocess_th, NULL, inprocess_thread,
			   (void *)(intptr_t)sv[1]))
		die("cannot start serving: no thread");
	pthread_detach(inprocess_th);
	w->dir[0] = 0; /* removed at exit by the front, not per worker */
	workers = w;
	nworkers = 1;
}

/* A process's parent and real uid, from /proc/PID/status; false if it
 * is gone, a zombie or being reaped (X). */
static bool proc_info(long pid, long *ppid, uint64_t *uid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return false;
	const char *pp = strstr(buf, "\nPPid:\t"), *u = strstr(buf, "\nUid:\t"),
		   *state = strstr(buf, "\nState:\t");
	if (!pp || !u || !state || strchr("ZXx", state[8]))
		return false;
	*ppid = atol(pp + 7);
	*uid = strtoull(u + 6, NULL, 10);
	return true;
}

/* Whether `pid`, of a worker uid, is a live front's: up through its
 * ancestors of worker uids, the first other one is a vaccel-agent (an
 * agent with the same --worker-uid-base; its workers and their programs
 * are not this run's to kill), not init or another adopter. */
static bool of_a_front(long pid, uint64_t lo, uint64_t hi)
{
	long ppid;
	uint64_t uid;
	for (int depth = 0; depth < 1024 && proc_info(pid, &ppid, &uid);
	     depth++) {
		if (uid < lo || uid >= hi) {
			char path[64], comm[32];
			snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
			read_text(path, comm, sizeof(comm));
			return pid > 1 && !strcmp(comm, "vaccel-agent\n");
		}
		pid = ppid;
	}
	return false;
}

/* What a run before left: a front killed by SIGKILL takes its workers
 * with it (their death signal, which their filter keeps them from
 * clearing), but not the programs their tenants' code started
 * (--worker-exec): they keep a worker uid that this run hands out again.
 * As root, the processes of the workers' uids that no live front's
 * descend from are killed, pass after pass until none is left (a chain
 * of them: each pass's survivors are adopted). While a front runs, a
 * worker's programs end with it: workers_reap. */
static void kill_leftovers(void)
{
	if (!wk_as_root())
		return;
	uint64_t lo = wk_uid_lo(), hi = wk_uid_hi();
	unsigned total = 0, n = 1;
	for (int pass = 0; pass < 8 && n; pass++) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		n = 0;
		while (d && (e = readdir(d))) {
			long pid = strtol(e->d_name, NULL, 10), ppid;
			uint64_t uid;
			if (pid > 1 && proc_info(pid, &ppid, &uid) &&
			    uid >= lo && uid < hi && !of_a_front(pid, lo, hi) &&
			    !kill((pid_t)pid, SIGKILL))
				n++;
		}
		if (d)
			closedir(d);
		total += n;
	}
	if (total)
		awarn("killed %u processes of worker uids (%" PRIu64 "-%" PRIu64
		      ") that a run before left",
		      total, lo, hi - 1);
}

/* The workers' uids and group are theirs alone: a user of the host with
 * one of them could signal, trace or read a worker, a group member go
 * through the tenants' roots. The user and group databases (what they
 * list: a directory service that does not enumerate is not seen), and
 * the subordinate ids given to users (audit 20). */
static void check_uid_range(void)
{
	if (!wk_as_root())
		return;
	uint64_t lo = wk_uid_lo(), hi = wk_uid_hi();
	struct passwd *pw;
	struct group *gr;
	setpwent();
	while ((pw = getpwent()))
		if (pw->pw_uid >= lo && pw->pw_uid <= hi)
			die("--worker-uid-base %" PRIu64
			    " --worker-uids %" PRIu64
			    ": uid %u is the user %s of this host; workers "
			    "need uids of their own (choose another base)",
			    lo, cfg.worker_uids, (unsigned)pw->pw_uid,
			    pw->pw_name);
	endpwent();
	setgrent();
	while ((gr = getgrent()))
		if (gr->gr_gid >= lo && gr->gr_gid <= hi)
			die("--worker-uid-base %" PRIu64
			    " --worker-uids %" PRIu64
			    ": gid %u is the group %s of this host; the "
			    "workers' group (%" PRIu64 ") needs a gid of its "
			    "own (choose another base)",
			    lo, cfg.worker_uids, (unsigned)gr->gr_gid,
			    gr->gr_name, hi);
	endgrent();
	/* subordinate ids (rootless containers' users map them) */
	static const char *const subs[] = { "/etc/subuid", "/etc/subgid" };
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(subs[i], "re");
		char line[512];
		while (f && fgets(line, sizeof(line), f)) {
			char *c1 = strchr(line, ':'),
			     *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			if (!c2)
				continue;
			uint64_t start = strtoull(c1 + 1, NULL, 10),
				 count = strtoull(c2 + 1, NULL, 10);
			*c1 = 0;
			if (count && start <= hi && start + count > lo)
				die("--worker-uid-base %" PRIu64
				    " --worker-uids %" PRIu64
				    ": %s gives %s the ids %" PRIu64 "-%" PRIu64
				    " (a rootless container's); workers need "
				    "ids of their own (choose another base)",
				    lo, cfg.worker_uids, subs[i], line, start,
				    start + count - 1);
		}
		if (f)
			fclose(f);
	}
}

void workers_init(void)
{
	slots = calloc(cfg.worker_uids, sizeof(*slots));
	slot_freed = calloc(cfg.worker_uids, sizeof(*slot_freed));
	if (!slots || !slot_freed)
		die("out of memory");
	check_uid_range();
	uid_locks_open();
	kill_leftovers();
	if (cfg.isolation != ISOLATION_NONE)
		sandbox_view_probe(wk_as_root());
	wcg_init();
	wk_setup_roots();
	if (cfg.isolation == ISOLATION_NONE)
		inprocess();
	else
		probe();
}
