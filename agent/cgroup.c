// SPDX-License-Identifier: Apache-2.0
/* Workers' control groups (cgroup.h).
 *
 * --worker-memory as RLIMIT_AS bounds a worker's address space only: a
 * tenant's code could keep gigabytes in a memfd or in files on a tmpfs,
 * counted in no process's. A memory cgroup counts those pages against
 * the process that wrote them, so each worker runs in its tenant's
 * group, limited to --worker-memory (and to worker_tasks tasks where the
 * pids controller is there: without root all workers share one uid, so
 * RLIMIT_NPROC is one count for all of them). Over its limit the kernel
 * kills a process of that group only. Where the cpu controller is there,
 * tenants share the workers' CPU time equally (agent_shares). A tenant
 * that comes back keeps its groups for the agent's run (struct grp).
 *
 * Layout, in the hierarchy of each controller (cgroup v1: one per
 * controller; v2: one for both), under the group the agent was started
 * in (OWN): OWN/vaccel-agent.PID.START/t-HASH, the tenant's directory name
 * (tenant_dirname). Under v2
 * a group with processes cannot give its controllers to groups below it:
 * an agent alone in OWN moves itself to OWN/vaccel-front first (a
 * systemd service with Delegate=yes); an agent sharing OWN with other
 * processes gets no v2 groups. The front joins nothing itself.
 *
 * Tenant code cannot leave its group: cgroup files are outside what
 * Landlock lets a worker write, and as root it runs as another uid. */

#include "cgroup.h"
#include "agent.h"
#include "transport.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Tasks (threads and processes): all workers of this agent together
 * half of the host's pid_max (an audit: 32 tenants of 4096 each would
 * take 131072 pids where pid_max was 32768), and a worker its share of
 * that, --max-tenants of them fitting (with a larger share, four tenants
 * took every task and the next tenant's worker could not start a
 * thread), at most RLIMIT_NPROC of a worker's own uid (4096) */
static char worker_tasks[24] = "4096", agent_tasks[24] = "max";

enum {
	C_MEMORY,
	C_PIDS,
	C_CPU,
	C_N
};
static const char *const cname[C_N] = { "memory", "pids", "cpu" };

/* CPU weights (cpu.shares on v1, cpu.weight on v2): each tenant's group the
 * default, so tenants share the workers' CPU time equally however many
 * threads each runs (64 spinning threads of one tenant made another's
 * 200 ms computation take 6.4 s where the scheduler's per-session groups
 * do not apply: an agent in a cpu cgroup of its own, as systemd's
 * Delegate=yes makes it); the agent's directory the weight of one
 * default task per CPU, so its workers together can use every CPU against
 * as many busy tasks beside the agent, as they could before. */
static char agent_shares[24] = "1024", agent_weight[24] = "100";

/* A hierarchy in use. */
struct hier {
	bool v2;
	unsigned mask;	    /* 1 << C_* */
	char own[PATH_MAX]; /* the group the agent started in */
	char dir[PATH_MAX]; /* this run's: own/vaccel-agent.PID.START */
	int lock;	    /* dir, open and flock()ed while this agent runs */
};
static struct hier hiers[WCG_MAX];
static int nhiers;

static bool has(const struct hier *h, int c)
{
	return h->mask & (1u << c);
}
static char described[2 * PATH_MAX + 128] = "none";

/* groups whose processes were still ending when their worker was reaped */
struct pending {
	char dir[PATH_MAX];
	bool v2;
	struct pending *next;
};
static struct pending *pendings;

/* ---- files -----------------------------------------------------------------
 */

static int put(const char *dir, const char *file, const char *text)
{
	char p[PATH_MAX];
	if (!path_join(p, sizeof(p), dir, file)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	errno = n == (ssize_t)strlen(text) ? 0 : (n < 0 ? e : EIO);
	return errno ? -1 : 0;
}

/* Whether `tok` is one of the items of `list`, separated by `sep`. */
static bool listed(const char *list, const char *tok, char sep)
{
	size_t n = strlen(tok);
	for (const char *s = list; s && *s;) {
		const char *e = strchr(s, sep);
		size_t len = e ? (size_t)(e - s) : strcspn(s, "\n");
		if (len == n && !strncmp(s, tok, n))
			return true;
		s = e ? e + 1 : NULL;
	}
	return false;
}

/* The number a small file dir/file holds; false if it cannot be read. */
static bool number(const char *dir, const char *file, uint64_t *v)
{
	char p[PATH_MAX], buf[32];
	if (!path_join(p, sizeof(p), dir, file) ||
	    read_text(p, buf, sizeof(buf)) <= 0)
		return false;
	*v = strtoull(buf, NULL, 10);
	return true;
}

/* The value after "KEY " on a line of the small file dir/file; 0 if none. */
static uint64_t keyed(const char *dir, const char *file, const char *key)
{
	char p[PATH_MAX], buf[4096];
	if (!path_join(p, sizeof(p), dir, file) ||
	    read_text(p, buf, sizeof(buf)) <= 0)
		return 0;
	size_t n = strlen(key);
	for (const char *s = buf; s && *s;) {
		if (!strncmp(s, key, n) && s[n] == ' ')
			return strtoull(s + n + 1, NULL, 10);
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	return 0;
}

/* ---- where the controllers are ---------------------------------------------
 */

/* This process's group in the hierarchy of controller `c` (v1) or in the
 * unified one (v2), from /proc/self/cgroup. */
static bool own_path(const char *c, bool v2, char *path, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 256];
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = 0;
		/* v1 "N:memory,...:/path", v2 "0::/path" */
		if (v2 ? a != line + 1 || line[0] != '0' || b != a + 1
		       : !listed(a + 1, c, ','))
			continue;
		b[1 + strcspn(b + 1, "\n")] = 0;
		if (strlen(b + 1) < size) {
			strcpy(path, b + 1);
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* The directory of this process's group for controller `c`: a v1
 * hierarchy with it, else the unified one if it has it. */
static bool find(const char *c, char *own, size_t size, bool *v2)
{
	for (int pass = 0; pass < 2; pass++) {
		char path[PATH_MAX], line[3 * PATH_MAX];
		if (!own_path(c, pass == 1, path, sizeof(path)))
			continue;
		FILE *f = fopen("/proc/self/mountinfo", "re");
		bool found = false;
		while (f && !found && fgets(line, sizeof(line), f)) {
			/* ID PARENT DEV ROOT MOUNTPOINT ... - TYPE SOURCE OPTS
			 */
			char *fld[5], *save = NULL, *s = line;
			int i = 0;
			for (; i < 5 && (fld[i] = strtok_r(s, " ", &save)); i++)
				s = NULL;
			char *dash =
				i == 5 && save ? strstr(save, " - ") : NULL;
			if (!dash)
				continue;
			char *type = strtok_r(dash + 3, " ", &save);
			char *src = type ? strtok_r(NULL, " ", &save) : NULL;
			char *opts = src ? strtok_r(NULL, " \n", &save) : NULL;
			if (!opts || strchr(fld[3], '\\') ||
			    strchr(fld[4], '\\'))
				continue;
			if (pass == 0 ? strcmp(type, "cgroup") ||
						!listed(opts, c, ',')
				      : strcmp(type, "cgroup2") != 0)
				continue;
			/* the group, below the mount's root (the mount point
			 * itself for the root group "/", without a '/' after
			 * it) */
			size_t rl = strcmp(fld[3], "/") ? strlen(fld[3]) : 0;
			if (strncmp(path, fld[3], rl) ||
			    (path[rl] && path[rl] != '/'))
				continue;
			const char *below =
				strcmp(path + rl, "/") ? path + rl : "";
			found = snprintf(own, size, "%s%s", fld[4], below) <
				(int)size;
		}
		if (f)
			fclose(f);
		if (!found)
			continue;
		if (pass == 1) {
			char p[PATH_MAX], ctl[1024];
			if (!path_join(p, sizeof(p), own,
				       "cgroup.controllers") ||
			    read_text(p, ctl, sizeof(ctl)) <= 0 ||
			    !listed(ctl, c, ' '))
				return false;
		}
		*v2 = pass == 1;
		return true;
	}
	return false;
}

/* ---- groups
 * ------------------------------------------------------------------
 */

/* The pids listed in dir/cgroup.procs, at most `max`, sorted. */
static size_t procs_of(const char *dir, long *pids, size_t max)
{
	char p[PATH_MAX], buf[32];
	size_t n = 0;
	if (!path_join(p, sizeof(p), dir, "cgroup.procs"))
		return 0;
	FILE *f = fopen(p, "re");
	while (f && n < max && fgets(buf, sizeof(buf), f)) {
		long pid = strtol(buf, NULL, 10);
		if (pid > 1 && pid != getpid())
			pids[n++] = pid;
	}
	if (f)
		fclose(f);
	for (size_t i = 1; i < n; i++) /* insertion sort: n is small */
		for (size_t k = i; k > 0 && pids[k - 1] > pids[k]; k--) {
			long t = pids[k];
			pids[k] = pids[k - 1];
			pids[k - 1] = t;
		}
	return n;
}

/* Kill what is in group `dir` (once). v2: cgroup.kill. v1: each listed
 * process through a pidfd taken before the list is read again, and only
 * if it is still listed then: a pid that ended and was given to another
 * process between the read and the kill is not signalled. */
static void kill_in(const char *dir, bool v2)
{
	enum {
		MAX = 1024
	};
	static long before[MAX], after[MAX];
	static int fds[MAX];
	if (v2 && !put(dir, "cgroup.kill", "1"))
		return;
	size_t n = procs_of(dir, before, MAX);
	for (size_t i = 0; i < n; i++)
		fds[i] = (int)syscall(SYS_pidfd_open, (pid_t)before[i], 0);
	size_t m = procs_of(dir, after, MAX);
	for (size_t i = 0, k = 0; i < n; i++) {
		while (k < m && after[k] < before[i])
			k++;
		if (fds[i] >= 0 && k < m && after[k] == before[i])
			syscall(SYS_pidfd_send_signal, fds[i], SIGKILL, NULL,
				0);
		if (fds[i] >= 0)
			close(fds[i]);
	}
}

/* Remove group `dir`, killing what is in it; false while processes in it
 * are still ending. */
static bool remove_group(const char *dir, bool v2)
{
	for (int pass = 0; pass < 4; pass++) {
		if (!rmdir(dir) || errno == ENOENT)
			return true;
		if (errno != EBUSY) {
			awarn("cannot remove the control group %s: %s", dir,
			      strerror(errno));
			return true;
		}
		kill_in(dir, v2);
	}
	return false;
}

static void pending_drop(const char *dir)
{
	for (struct pending **p = &pendings; *p;) {
		if (strcmp((*p)->dir, dir)) {
			p = &(*p)->next;
			continue;
		}
		struct pending *gone = *p;
		*p = gone->next;
		free(gone);
	}
}

static void pending_add(const char *dir, bool v2)
{
	struct pending *p = calloc(1, sizeof(*p));
	if (!p) {
		awarn("control group %s left (out of memory)", dir);
		return;
	}
	str_copy(p->dir, sizeof(p->dir), dir);
	p->v2 = v2;
	/* last: a parent after its children */
	struct pending **end = &pendings;
	while (*end)
		end = &(*end)->next;
	*end = p;
}

/* Retries of pending groups: at most every 100 ms (a group's processes
 * that fork as fast as they are killed must not take the front's loop). */
static void retry_pending(void)
{
	for (struct pending **p = &pendings; *p;) {
		if (!remove_group((*p)->dir, (*p)->v2)) {
			p = &(*p)->next;
			continue;
		}
		struct pending *done = *p;
		*p = done->next;
		free(done);
	}
}

/* An agent's directory (`dir`) with its workers' groups, removed. 0, or
 * -1 if some are still ending (they stay pending). */
static int remove_agent_dir(const char *dir, bool v2)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int left = 0;
	while (d && (e = readdir(d))) {
		char p[PATH_MAX];
		if (e->d_name[0] == '.' || e->d_type != DT_DIR ||
		    !path_join(p, sizeof(p), dir, e->d_name))
			continue;
		if (!remove_group(p, v2)) {
			pending_add(p, v2);
			left = -1;
		}
	}
	if (d)
		closedir(d);
	/* with children still ending it waits for them */
	if (left || !remove_group(dir, v2)) {
		pending_add(dir, v2);
		left = -1;
	}
	return left;
}

/* When process `pid` ("self" or a number) started, in clock ticks since
 * boot (the kernel's count, which no change of the wall clock moves); -1
 * if it is gone, a zombie or being reaped (X). */
static long long started(const char *pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	char *p = read_text(path, buf, sizeof(buf)) > 0 ? strrchr(buf, ')')
							: NULL;
	/* ") S ppid ...": field 3 the state, field 22 the start in ticks */
	if (!p || p[1] != ' ' || strchr("ZXx", p[2]))
		return -1;
	p += 2;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p, ' '), p = p ? p + 1 : NULL;
	return p && *p >= '0' && *p <= '9' ? (long long)strtoull(p, NULL, 10)
					   : -1;
}

/* started(pid) if `pid` runs as a vaccel-agent; -1 otherwise. */
static long long agent_started(long pid)
{
	char path[64], comm[32], num[24];
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (read_text(path, comm, sizeof(comm)) <= 0 ||
	    strcmp(comm, "vaccel-agent\n"))
		return -1;
	snprintf(num, sizeof(num), "%ld", pid);
	return started(num);
}

/* Directory `dir` open and flock()ed (LOCK_EX) by this process: a
 * descriptor; -2 if another process holds its lock (a live agent's, in
 * any pid namespace: the kernel drops a lock with its last holder), -1 if
 * it cannot be opened. */
static int lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	int e = errno;
	close(fd);
	return e == EWOULDBLOCK ? -2 : -1;
}

/* What a run before left in `own`: groups of agents that are gone (a
 * front killed by SIGKILL), with the programs their tenants' code left.
 * A running agent holds a lock on its directory, `vaccel-agent.PID.START`
 * (.N: the Nth name tried, where another pid namespace's agent had the
 * same pid and start): a directory whose lock is free is a gone agent's.
 * The pid says nothing across pid namespaces (two containers' agents are
 * both pid 1: an audit's second one took the first's groups for its own
 * leftovers and removed them, and the first could start no worker
 * again). An agent of an earlier version holds no lock: its directory is
 * kept while PID is a vaccel-agent that started at START (ticks since
 * boot: a tenant's program that got a dead front's pid and took its name
 * started later), or, named `vaccel-agent.PID`, while PID is one. */
static unsigned sweep(const char *own, bool v2)
{
	DIR *d = opendir(own);
	struct dirent *e;
	unsigned n = 0;
	while (d && (e = readdir(d))) {
		char *end, p[PATH_MAX];
		if (strncmp(e->d_name, "vaccel-agent.", 13))
			continue;
		long pid = strtol(e->d_name + 13, &end, 10);
		long long start = -1;
		if (*end == '.' && end[1] >= '0' && end[1] <= '9')
			start = strtoll(end + 1, &end, 10);
		if (*end == '.' && start >= 0 && end[1] >= '0' && end[1] <= '9')
			strtol(end + 1, &end, 10);
		if (*end || pid <= 0 ||
		    !path_join(p, sizeof(p), own, e->d_name))
			continue;
		int fd = lock_dir(p);
		long long at = pid == getpid() ? -1 : agent_started(pid);
		if (fd < 0 || (at >= 0 && (start < 0 || at == start))) {
			if (fd >= 0)
				close(fd);
			continue; /* a live agent's (or not ours to open) */
		}
		remove_agent_dir(p, v2);
		close(fd);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* `out` += `sep` `s`, cut if it does not fit. */
static void str_add(char *out, size_t size, const char *sep, const char *s)
{
	size_t len = strlen(out);
	snprintf(out + len, size - len, "%s%s", sep, s);
}

/* "+memory +pids" for `h`'s controllers. */
static void wanted(const struct hier *h, char *out, size_t size)
{
	out[0] = 0;
	for (int c = 0; c < C_N; c++)
		if (has(h, c))
			str_add(out, size, out[0] ? " +" : "+", cname[c]);
}

/* A group directory only root enters: a worker (another uid) reads no
 * other tenant's counters (memory use, tasks, CPU time: what it is
 * doing), nor which tenants have groups. It joins its own through a
 * descriptor the front opened. 0, or -1 (errno). */
static int private_dir(const char *d)
{
	return make_dir(d, 0700);
}

/* Under v2: `h->own` lets groups below it have `h`'s controllers (the
 * agent moves to own/vaccel-front if it is alone in own). */
static int v2_delegate(struct hier *h, char *why, size_t size)
{
	char want[64], procs[64], p[PATH_MAX], front[PATH_MAX];
	wanted(h, want, sizeof(want));
	if (!put(h->own, "cgroup.subtree_control", want))
		return 0;
	if (errno != EBUSY) {
		snprintf(why, size, "%s/cgroup.subtree_control: %s", h->own,
			 strerror(errno));
		return -1;
	}
	/* processes in own: only this one may be there */
	char mine[32];
	snprintf(mine, sizeof(mine), "%d\n", (int)getpid());
	if (!path_join(p, sizeof(p), h->own, "cgroup.procs") ||
	    read_text(p, procs, sizeof(procs)) < 0 || strcmp(procs, mine)) {
		snprintf(why, size,
			 "the agent's cgroup %s has other processes (give "
			 "the agent one of its own: systemd's Delegate=yes)",
			 h->own);
		return -1;
	}
	if (!path_join(front, sizeof(front), h->own, "vaccel-front") ||
	    private_dir(front) || put(front, "cgroup.procs", "0") ||
	    put(h->own, "cgroup.subtree_control", want)) {
		snprintf(why, size, "cannot move the agent to %s: %s", front,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* This run's directory in `h`. 0, or -1 with the reason. */
static int setup(struct hier *h, char *why, size_t size)
{
	unsigned stale = sweep(h->own, h->v2);
	if (stale)
		ainfo("removed the workers' control groups of %u agent(s) "
		      "that are gone, in %s",
		      stale, h->own);
	if (h->v2 && v2_delegate(h, why, size))
		return -1;
	/* a name another pid namespace's agent holds (the same pid and
	 * start) is not taken: the next one is tried */
	long long self = started("self");
	for (int i = 0;; i++) {
		char name[80], nth[16] = "";
		h->lock = -1;
		if (i)
			snprintf(nth, sizeof(nth), ".%d", i);
		snprintf(name, sizeof(name), "vaccel-agent.%d.%lld%s",
			 (int)getpid(), self, nth);
		if (!path_join(h->dir, sizeof(h->dir), h->own, name) ||
		    private_dir(h->dir) || (h->lock = lock_dir(h->dir)) == -1 ||
		    (h->lock == -2 && i == 15)) {
			snprintf(why, size, "cannot make %s: %s", h->dir,
				 h->lock == -2 ? "held by another agent"
					       : strerror(errno));
			h->lock = -1;
			return -1;
		}
		if (h->lock >= 0)
			break;
	}
	if (h->v2) {
		char want[64];
		wanted(h, want, sizeof(want));
		if (put(h->dir, "cgroup.subtree_control", want)) {
			snprintf(why, size, "%s/cgroup.subtree_control: %s",
				 h->dir, strerror(errno));
			rmdir(h->dir);
			close(h->lock);
			h->lock = -1;
			return -1;
		}
	}
	if (has(h, C_PIDS) && put(h->dir, "pids.max", agent_tasks))
		awarn("cannot limit the workers' tasks to %s in %s: %s",
		      agent_tasks, h->dir, strerror(errno));
	if (has(h, C_CPU) && put(h->dir, h->v2 ? "cpu.weight" : "cpu.shares",
				 h->v2 ? agent_weight : agent_shares))
		awarn("cannot weigh the workers' CPU time in %s: %s", h->dir,
		      strerror(errno));
	return 0;
}

void wcg_init(void)
{
	char why[PATH_MAX + 128] = "";
	if (cfg.worker_cgroups == WCG_OFF || cfg.isolation == ISOLATION_NONE)
		return;
	uint64_t pid_max;
	if (number("/proc/sys/kernel", "pid_max", &pid_max) &&
	    pid_max >= 1024) {
		uint64_t share =
			pid_max / 2 / (cfg.max_tenants ? cfg.max_tenants : 1);
		share = share < 64 ? 64 : share > 4096 ? 4096 : share;
		snprintf(worker_tasks, sizeof(worker_tasks), "%" PRIu64, share);
		snprintf(agent_tasks, sizeof(agent_tasks), "%" PRIu64,
			 pid_max / 2);
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cpus = cpus < 1 ? 1 : cpus > 100 ? 100 : cpus;
	snprintf(agent_shares, sizeof(agent_shares), "%ld", 1024 * cpus);
	snprintf(agent_weight, sizeof(agent_weight), "%ld", 100 * cpus);
	for (int c = 0; c < C_N; c++) {
		char own[PATH_MAX];
		bool v2;
		if (c == C_CPU && cfg.no_cpu_share)
			continue;
		if (!find(cname[c], own, sizeof(own), &v2)) {
			if (c == C_MEMORY)
				snprintf(why, sizeof(why),
					 "no memory controller mounted for "
					 "this process's cgroup");
			continue;
		}
		int i = 0;
		while (i < nhiers &&
		       (!hiers[i].v2 || !v2 || strcmp(hiers[i].own, own)))
			i++;
		if (i == nhiers) {
			hiers[nhiers].v2 = v2;
			hiers[nhiers].lock = -1;
			str_copy(hiers[nhiers].own, sizeof(hiers[0].own), own);
			nhiers++;
		}
		hiers[i].mask |= 1u << c;
	}
	/* each hierarchy ready, or dropped with its reason (a v2 one that
	 * cannot have the cpu controller, which a real-time process below
	 * keeps off, retried without it) */
	for (int i = 0; i < nhiers;) {
		char err[PATH_MAX + 128];
		if (!setup(&hiers[i], err, sizeof(err))) {
			i++;
			continue;
		}
		if (hiers[i].v2 && has(&hiers[i], C_CPU) &&
		    hiers[i].mask != 1u << C_CPU) {
			awarn("workers' control groups: cpu: %s", err);
			hiers[i].mask &= ~(1u << C_CPU);
			continue;
		}
		if (has(&hiers[i], C_MEMORY))
			str_copy(why, sizeof(why), err);
		else
			awarn("workers' control groups: %s: %s",
			      cname[has(&hiers[i], C_PIDS) ? C_PIDS : C_CPU],
			      err);
		hiers[i] = hiers[--nhiers];
	}
	bool memory = false;
	described[0] = 0;
	for (int i = 0; i < nhiers; i++) {
		memory |= has(&hiers[i], C_MEMORY);
		for (int c = 0; c < C_N; c++)
			if (has(&hiers[i], c))
				str_add(described, sizeof(described),
					described[0] ? ", " : "", cname[c]);
		char where[PATH_MAX + 32];
		snprintf(where, sizeof(where), " (cgroup v%d %s)",
			 hiers[i].v2 ? 2 : 1, hiers[i].dir);
		str_add(described, sizeof(described), "", where);
	}
	if (!nhiers)
		str_copy(described, sizeof(described), "none");
	if (memory)
		return;
	if (cfg.worker_cgroups == WCG_ON)
		die("--worker-cgroups on: no memory cgroup for the workers: %s",
		    why);
	if (cfg.worker_memory)
		awarn("--worker-memory bounds a worker's address space only "
		      "(%s): memory its tenant's code keeps in a memfd or in "
		      "tmpfs files is not bounded (docs/security.md)",
		      why);
}

const char *wcg_describe(void)
{
	return described;
}

static void group_dir(const struct hier *h, const char *name, char *out,
		      size_t size)
{
	snprintf(out, size, "%s/%s", h->dir, name);
}

/* `d`'s limits in `h`. 0 or -1 (errno). */
static int limit(const struct hier *h, const char *d)
{
	char v[32];
	snprintf(v, sizeof(v), "%" PRIu64, cfg.worker_memory);
	if (has(h, C_MEMORY) && cfg.worker_memory) {
		if (h->v2) {
			/* swap would hold what the limit keeps out of RAM */
			if (put(d, "memory.max", v) ||
			    (put(d, "memory.swap.max", "0") && errno != ENOENT))
				return -1;
			/* the worker and its programs end together */
			put(d, "memory.oom.group", "1");
		} else if (put(d, "memory.limit_in_bytes", v) ||
			   (put(d, "memory.memsw.limit_in_bytes", v) &&
			    errno != ENOENT)) {
			return -1;
		}
	}
	if (has(h, C_PIDS) && put(d, "pids.max", worker_tasks))
		return -1;
	if (has(h, C_CPU) &&
	    put(d, h->v2 ? "cpu.weight" : "cpu.shares", h->v2 ? "100" : "1024"))
		return -1;
	return 0;
}

/* A tenant's groups. A tenant that comes back (a token's, a uid's, a
 * named listener's) keeps them for the agent's run: what its ended
 * workers left charged there (a memfd or pipes its code passed to its own
 * client, files on a tmpfs, page cache) counts against its next worker's
 * --worker-memory. Removed at a worker's end, such charges moved to the
 * agent's group, outside every tenant's limit: an audit passed out
 * 1000 KiB per worker, 400 workers, 407 MiB. A tenant that never comes
 * back (conn:, ip:) has no next worker: its groups go with its worker,
 * what it holds into the agent's group. */
struct grp {
	char name[WCG_NAME];
	int users;
	bool comes_back;
	struct grp *next;
};
static struct grp *grps;

static struct grp **grp_find(const char *name)
{
	struct grp **g = &grps;
	while (*g && strcmp((*g)->name, name))
		g = &(*g)->next;
	return g;
}

/* A memory group about to be removed, with no process left: what it
 * still has charged (a page or two of metadata, some page cache) is
 * reclaimed first if it is small, else the removed group lingers in the
 * kernel, charged to the agent's group, until reclaim finds it (an audit:
 * 500 short workers, 500 such groups and 9 MiB). A large charge (a
 * model's page cache) is left to reclaim: dropping it would make the
 * tenant's next worker, and others reading the same files, read them
 * again. */
static void reclaim_small(const struct hier *h, const char *d)
{
	uint64_t used;
	if (!number(d, h->v2 ? "memory.current" : "memory.usage_in_bytes",
		    &used) ||
	    used > (16u << 20))
		return;
	if (h->v2)
		put(d, "memory.reclaim", "16M");
	else
		put(d, "memory.force_empty", "0");
}

/* `name`'s groups, killed and removed (now, or once their processes are
 * gone: pending). */
static void grp_remove(const char *name)
{
	for (int i = 0; i < nhiers; i++) {
		char d[PATH_MAX];
		group_dir(&hiers[i], name, d, sizeof(d));
		if (has(&hiers[i], C_MEMORY))
			reclaim_small(&hiers[i], d);
		if (!remove_group(d, hiers[i].v2))
			pending_add(d, hiers[i].v2);
	}
}

/* Processes of group `d` the OOM killer ended (for this group's limit or
 * an ancestor's), and how often this group's own limit was hit (v2: it
 * was the group at its limit when the OOM killer ran; v1: 1 if its peak
 * since the last reset, wcg_make's, came within 2 MiB of the limit). A
 * worker killed with both up is over its own limit; one killed for an
 * ancestor's (a unit's MemoryMax) is not. */
static void oom_counts(const struct hier *h, const char *d, uint64_t *kills,
		       uint64_t *hits)
{
	uint64_t peak;
	*kills = keyed(d, h->v2 ? "memory.events" : "memory.oom_control",
		       "oom_kill");
	if (h->v2) {
		*hits = keyed(d, "memory.events", "oom");
		return;
	}
	/* v1 counts no failed charges here (failcnt stays 0 on this
	 * kernel): its peak since the worker's start reached the limit */
	*hits = cfg.worker_memory &&
		number(d, "memory.max_usage_in_bytes", &peak) &&
		peak + (2u << 20) >= cfg.worker_memory;
}

int wcg_make(struct wcg *g, const char *name, bool comes_back, char *why,
	     size_t size)
{
	for (int i = 0; i < WCG_MAX; i++)
		g->procs[i] = -1;
	g->name[0] = 0;
	if (!nhiers)
		return 0;
	struct grp **link = grp_find(name), *gr = *link;
	if (!gr) {
		gr = calloc(1, sizeof(*gr));
		if (!gr) {
			snprintf(why, size, "out of memory");
			return -1;
		}
		str_copy(gr->name, sizeof(gr->name), name);
		*link = gr;
	}
	gr->comes_back = comes_back;
	gr->users++;
	str_copy(g->name, sizeof(g->name), name);
	for (int i = 0; i < nhiers; i++) {
		char d[PATH_MAX], p[PATH_MAX];
		group_dir(&hiers[i], name, d, sizeof(d));
		/* a group whose last processes are still ending is this
		 * worker's now: its retry would kill the new worker */
		pending_drop(d);
		if (private_dir(d) || limit(&hiers[i], d) ||
		    !path_join(p, sizeof(p), d, "cgroup.procs") ||
		    (g->procs[i] = open(p, O_WRONLY | O_CLOEXEC)) < 0) {
			snprintf(why, size,
				 "cannot make the worker's control group %s: "
				 "%s",
				 d, strerror(errno));
			wcg_end(g);
			return -1;
		}
		if (has(&hiers[i], C_MEMORY)) {
			if (!hiers[i].v2)
				put(d, "memory.max_usage_in_bytes", "0");
			oom_counts(&hiers[i], d, &g->oom_base, &g->hit_base);
		}
	}
	return 0;
}

int wcg_join(const struct wcg *g)
{
	for (int i = 0; i < WCG_MAX; i++)
		if (g->procs[i] >= 0 && write(g->procs[i], "0", 1) != 1)
			return -1;
	return 0;
}

void wcg_forked(struct wcg *g)
{
	for (int i = 0; i < WCG_MAX; i++) {
		if (g->procs[i] >= 0)
			close(g->procs[i]);
		g->procs[i] = -1;
	}
}

bool wcg_end(struct wcg *g)
{
	bool oom = false;
	wcg_forked(g);
	if (!g->name[0])
		return false;
	struct grp **link = grp_find(g->name), *gr = *link;
	bool last = gr && --gr->users <= 0;
	for (int i = 0; i < nhiers; i++) {
		char d[PATH_MAX];
		group_dir(&hiers[i], g->name, d, sizeof(d));
		if (has(&hiers[i], C_MEMORY)) {
			uint64_t kills, hits;
			oom_counts(&hiers[i], d, &kills, &hits);
			oom = kills > g->oom_base && hits > g->hit_base;
		}
		/* what its worker left, killed: their memory too */
		if (last)
			kill_in(d, hiers[i].v2);
	}
	if (last && !gr->comes_back) {
		grp_remove(g->name);
		*link = gr->next;
		free(gr);
	}
	g->name[0] = 0;
	return oom;
}

static int64_t next_retry;

void wcg_tick(void)
{
	int64_t now = vrpc_now_ns();
	if (pendings && now >= next_retry) {
		next_retry = now + 100000000;
		retry_pending();
	}
}

int64_t wcg_due(void)
{
	/* a retry due at once is a deadline in the past, not none */
	return !pendings ? 0 : next_retry > 0 ? next_retry : 1;
}

void wcg_fini(void)
{
	retry_pending();
	for (int i = 0; i < nhiers; i++) {
		remove_agent_dir(hiers[i].dir, hiers[i].v2);
		if (hiers[i].lock >= 0)
			close(hiers[i].lock);
		hiers[i].lock = -1;
	}
	for (int i = 0; i < 20 && pendings; i++) {
		usleep(50000);
		retry_pending();
	}
	for (struct pending *p = pendings; p; p = p->next)
		awarn("control group %s left: its processes did not end",
		      p->dir);
	while (grps) {
		struct grp *gr = grps;
		grps = gr->next;
		free(gr);
	}
}
