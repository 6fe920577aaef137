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
 * As root, each live tenant's worker runs as its own uid (base + slot) and
 * owns its directories (a private one, its cache) only while it runs; a
 * new worker of that slot is another tenant's, so they are given back to
 * root when a worker ends.
 *
 * With --isolation none, one "worker" is a thread of this process that
 * serves every tenant: same messages over a socketpair, no sandbox. */

#include "ctl.h"
#include "stats.h"
#include "front.h"
#include "metrics.h"
#include "msg.h"
#include "dirtree.h"
#include "worker.h"
#include <dirent.h>
#include <errno.h>
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

/* A connection handed to a worker (or waiting for one). */
struct fconn {
	uint64_t id;
	int fd;
	struct peer *p;
	struct ctl_msg *pending; /* not handed yet: the worker starts */
	struct fconn *next;
};

struct worker {
	char tenant[TENANT_MAX + 1];
	char dir[PATH_MAX], cache[PATH_MAX];
	pid_t pid; /* 0: the in-process worker */
	int ctl;
	int slot; /* uid base + slot, as root; -1 otherwise */
	bool ready, exiting;
	uint64_t nconns;
	int64_t started, idle_since;
	char dying[512];
	uint32_t dying_code;
	struct fconn *conns;
	/* its last report: per tenant (one, or all in-process) and ops */
	struct tstats *tenants;
	size_t ntenants;
	struct op_stats ops;
	struct worker *next;
};

/* A tenant's counters as its worker last reported them. */
struct tstats {
	char name[TENANT_MAX + 1];
	uint64_t st[TS_MAX];
};

static struct worker *workers;
static uint64_t nworkers;
/* what ended workers had counted (the counters that only grow) */
static uint64_t retired[TS_MAX];
static struct op_stats retired_ops;
struct worker_counts wcounts;
static bool *slots;
static char tenants_root[PATH_MAX];
static bool stopping;
static pthread_t inprocess_th;

/* ---- directories -----------------------------------------------------------
 */

static bool as_root(void)
{
	return geteuid() == 0;
}

static uid_t uid_of(const struct worker *w)
{
	return (uid_t)(cfg.worker_uid_base + (uint64_t)w->slot);
}

/* chown -R without following links (the worker may have made some). A
 * failure is logged: the worker may then lack, or keep, access. */
static void chown_tree(const char *path, uid_t uid)
{
	if (lchown(path, uid, uid)) {
		awarn("cannot give %s to uid %u: %s", path, (unsigned)uid,
		      strerror(errno));
		return;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[PATH_MAX];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !path_join(p, sizeof(p), path, e->d_name))
			continue;
		if (e->d_type == DT_DIR)
			chown_tree(p, uid);
		else if (lchown(p, uid, uid))
			awarn("cannot give %s to uid %u: %s", p, (unsigned)uid,
			      strerror(errno));
	}
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
}

static int make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) && errno != EEXIST)
		return -1;
	return chmod(path, mode);
}

/* The worker's private directory (emptied) and cache, owned by its uid. */
static int prepare_dirs(struct worker *w)
{
	char dn[19];
	tenant_dirname(w->tenant, dn);
	if (!path_join(w->dir, sizeof(w->dir), tenants_root, dn) ||
	    !path_join(w->cache, sizeof(w->cache), cfg.cache_dir,
		       cfg.cache_shared ? "shared" : dn)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	vaccel__fs_rm_rf(w->dir);
	if (make_dir(w->dir, 0700) ||
	    (!cfg.cache_shared && make_dir(w->cache, 0700)))
		return -1;
	if (w->slot >= 0) {
		chown_tree(w->dir, uid_of(w));
		if (!cfg.cache_shared)
			chown_tree(w->cache, uid_of(w));
	}
	return 0;
}

/* A worker ended: its files go, its cache goes back to root. */
static void release_dirs(struct worker *w)
{
	if (w->dir[0])
		vaccel__fs_rm_rf(w->dir);
	if (w->slot >= 0 && !cfg.cache_shared && w->cache[0])
		chown_tree(w->cache, 0);
}

/* Every directory a previous run left is root's until its tenant comes. */
static void setup_roots(void)
{
	if (!path_join(tenants_root, sizeof(tenants_root), cfg.rundir,
		       "tenants"))
		die("--rundir: path too long");
	if (make_dir(tenants_root, as_root() ? 0711 : 0700) ||
	    make_dir(cfg.cache_dir, as_root() ? 0711 : 0700))
		die("cannot create %s or %s: %s", tenants_root, cfg.cache_dir,
		    strerror(errno));
	if (as_root()) {
		chown_tree(tenants_root, 0);
		chown_tree(cfg.cache_dir, 0);
	}
	if (cfg.cache_shared) {
		char shared[PATH_MAX];
		if (!path_join(shared, sizeof(shared), cfg.cache_dir, "shared"))
			die("--cache-dir: path too long");
		/* every tenant's worker adds to it; sticky: none removes
		 * another's entries */
		if (make_dir(shared, 01777))
			die("cannot create %s: %s", shared, strerror(errno));
	}
}

/* ---- starting, finding -----------------------------------------------------
 */

static int take_slot(void)
{
	if (!as_root())
		return -1;
	for (uint64_t i = 0; i < cfg.max_tenants; i++) {
		if (!slots[i]) {
			slots[i] = true;
			return (int)i;
		}
	}
	return -1;
}

static void exec_worker(struct worker *w, int fd, bool probe)
{
	char *argv[256], scratch[64];
	if (dup2(fd, 3) < 0)
		_exit(126);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, 0);
	close_range(4, ~0u, 0);
	if (options_worker_argv(w->tenant, w->dir, w->cache,
				w->slot >= 0 ? (long)uid_of(w) : -1, 3, probe,
				argv, 256, scratch, sizeof(scratch)))
		_exit(126);
	execv("/proc/self/exe", argv);
	_exit(127);
}

static struct worker *spawn(const char *tenant, bool probe, char *why,
			    size_t size)
{
	struct worker *w = calloc(1, sizeof(*w));
	int sv[2] = { -1, -1 };
	if (!w) {
		snprintf(why, size, "out of memory");
		return NULL;
	}
	snprintf(w->tenant, sizeof(w->tenant), "%s", tenant);
	w->slot = take_slot();
	if (as_root() && w->slot < 0) {
		snprintf(why, size, "no free worker uid (--max-tenants)");
		free(w);
		return NULL;
	}
	if (prepare_dirs(w) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) ||
	    (w->pid = fork()) < 0) {
		snprintf(why, size, "cannot start a worker: %s",
			 strerror(errno));
		if (sv[0] >= 0)
			close(sv[0]), close(sv[1]);
		if (w->slot >= 0)
			slots[w->slot] = false;
		release_dirs(w);
		free(w);
		return NULL;
	}
	if (w->pid == 0)
		exec_worker(w, sv[1], probe);
	close(sv[1]);
	w->ctl = sv[0];
	/* the front never waits for a worker */
	if (!probe)
		fcntl(w->ctl, F_SETFL, O_NONBLOCK);
	w->started = vrpc_now_ns();
	w->idle_since = w->started;
	w->next = workers;
	workers = w;
	nworkers++;
	if (!probe)
		wcounts.starts++;

	adebug("worker %d of %s started (uid %ld)", (int)w->pid, w->tenant,
	       w->slot >= 0 ? (long)uid_of(w) : (long)geteuid());
	return w;
}

static struct worker *find(const char *tenant)
{
	for (struct worker *w = workers; w; w = w->next)
		if (w->pid == 0 || (!strcmp(w->tenant, tenant)))
			return w;
	return NULL;
}

/* ---- connections -----------------------------------------------------------
 */

static struct ctl_msg *conn_msg(const struct admission *a, uint64_t id)
{
	struct ctl_msg *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->type = CTL_CONN;
	m->conn = id;
	m->pass_fds = a->l->addr.t->pass_fds;
	m->needs_token = a->l->addr.t->needs_token;
	m->shm_ok = a->shm_ok;
	str_copy(m->identity, sizeof(m->identity),
		 a->hello.identity ? a->hello.identity : "");
	str_copy(m->tenant, sizeof(m->tenant), a->tenant);
	str_copy(m->peer, sizeof(m->peer), a->peer.desc);
	str_copy(m->listen, sizeof(m->listen), a->l->uri);
	memcpy(m->token, a->token, a->token_len);
	m->token_len = (uint32_t)a->token_len;
	return m;
}

/* Hand `c` over: the worker reads the message when it can (a worker that
 * does not read its control socket gets no more connections). */
static int hand(struct worker *w, struct fconn *c)
{
	/* the worker reads it with blocking calls and its own deadlines */
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	int r = ctl_send(w->ctl, c->pending, c->fd);
	free(c->pending);
	c->pending = NULL;
	return r;
}

static void end_conn(struct worker *w, struct fconn **link)
{
	struct fconn *c = *link;
	*link = c->next;
	close(c->fd);
	free(c->pending);
	c->p->conns--;
	peer_maybe_free(c->p);
	front_conns--;
	if (--w->nconns == 0)
		w->idle_since = vrpc_now_ns();
	free(c);
}

/* Room for one more connection of this peer and tenant. */
static uint32_t room(const struct admission *a, char *why, size_t size)
{
	if (front_conns >= cfg.max_conns ||
	    a->p->conns >= cfg.max_conns_per_peer)
		fcounts.refused[REFUSE_ADMISSION]++;
	if (front_conns >= cfg.max_conns) {
		snprintf(why, size,
			 "the agent serves %" PRIu64
			 " connections (--max-connections)",
			 front_conns);
		return VRPC_E_USERS;
	}
	if (a->p->conns >= cfg.max_conns_per_peer) {
		snprintf(why, size,
			 "%s has %" PRIu64
			 " connections (--max-connections-per-peer)",
			 a->p->key, a->p->conns);
		return VRPC_E_USERS;
	}
	return 0;
}

uint32_t workers_admit(struct admission *a, char *why, size_t size)
{
	uint32_t err = room(a, why, size);
	if (err)
		return err;
	struct worker *w = find(a->tenant);
	if (!w && nworkers >= cfg.max_tenants) {
		fcounts.refused[REFUSE_ADMISSION]++;
		snprintf(why, size,
			 "%" PRIu64 " tenants are being served "
			 "(--max-tenants)",
			 nworkers);
		return VRPC_E_USERS;
	}
	if (!w && !(w = spawn(a->tenant, false, why, size)))
		return VRPC_E_NOMEM;
	struct fconn *c = calloc(1, sizeof(*c));
	uint64_t id = front_next_id++;
	if (!c || !(c->pending = conn_msg(a, id))) {
		free(c);
		snprintf(why, size, "out of memory");
		return VRPC_E_NOMEM;
	}
	c->id = id;
	c->fd = a->fd;
	c->p = a->p;
	c->next = w->conns;
	w->conns = c;
	w->nconns++;
	a->p->conns++;
	front_conns++;
	/* the handshake completes now, even if the worker still starts:
	 * the client's first call waits for it instead (within its call
	 * timeout, which is longer than its connect timeout) */
	front_welcome(a, id);
	/* a worker that is starting or leaving gets it once it is ready
	 * (or its successor is) */
	if (w->ready && !w->exiting && hand(w, c))
		awarn("conn %" PRIu64 ": worker %d of %s does not take it", id,
		      (int)w->pid, w->tenant);
	return 0;
}

static void forget(struct worker *w);

/* ---- messages from workers -------------------------------------------------
 */

static struct worker *by_ctl(int fd)
{
	struct worker *w = workers;
	while (w && w->ctl != fd)
		w = w->next;
	return w;
}

static void closed(struct worker *w, uint64_t id)
{
	for (struct fconn **p = &w->conns; *p; p = &(*p)->next) {
		if ((*p)->id == id && !(*p)->pending) {
			end_conn(w, p);
			return;
		}
	}
	/* not one of its connections: a confused (or hostile) worker */
	awarn("worker %d of %s closed unknown conn %" PRIu64, (int)w->pid,
	      w->tenant, id);
}

static void on_ready(struct worker *w)
{
	w->ready = true;
	for (struct fconn *c = w->conns; c; c = c->next)
		if (c->pending && hand(w, c))
			awarn("conn %" PRIu64 ": worker %d of %s does not "
			      "take it",
			      c->id, (int)w->pid, w->tenant);
}

static void on_tenant(struct worker *w, const struct ctl_msg *m)
{
	size_t i = 0;
	while (i < w->ntenants && strcmp(w->tenants[i].name, m->tenant))
		i++;
	/* a worker has one tenant: any other name is a confused (or
	 * hostile) one's, but the in-process worker has them all */
	if (i == w->ntenants && (w->pid == 0 || !w->ntenants)) {
		struct tstats *n =
			realloc(w->tenants, (i + 1) * sizeof(*w->tenants));
		if (!n)
			return;
		w->tenants = n;
		w->ntenants++;
		str_copy(n[i].name, sizeof(n[i].name),
			 w->pid == 0 ? m->tenant : w->tenant);
	}
	if (i < w->ntenants)
		memcpy(w->tenants[i].st, m->stats, sizeof(m->stats));
}

static void on_message(struct worker *w, union ctl_any *u)
{
	struct ctl_msg *m = &u->m;
	switch (u->type) {
	case CTL_READY:
		on_ready(w);
		break;
	case CTL_CLOSED:
		closed(w, m->conn);
		break;
	case CTL_DYING:
		str_copy(w->dying, sizeof(w->dying), (char *)m->data);
		w->dying_code = VRPC_E_TIMEDOUT;
		break;
	case CTL_TENANT:
		on_tenant(w, m);
		break;
	case CTL_OPS:
		w->ops = u->o.ops;
		break;
	default:
		awarn("worker %d of %s: unexpected message %u", (int)w->pid,
		      w->tenant, u->type);
	}
}

static void read_ctl(struct worker *w)
{
	union ctl_any *u = malloc(sizeof(*u));
	for (int i = 0; u && w->ctl >= 0 && i < 64; i++) {
		int fd, r = ctl_recv(w->ctl, u, &fd);
		if (fd >= 0)
			close(fd); /* a worker sends no descriptors */
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			/* gone, or talking nonsense: it ends (its end is
			 * reaped: workers_reap) */
			if (w->pid > 0)
				kill(w->pid, SIGKILL);
			close(w->ctl);
			w->ctl = -1;
			if (w->pid == 0)
				forget(w); /* the in-process worker ended */
			break;
		}
		on_message(w, u);
	}
	free(u);
}

void workers_event(int fd, short revents)
{
	struct worker *w = by_ctl(fd);
	if (w && (revents & (POLLIN | POLLHUP | POLLERR)))
		read_ctl(w);
}

int workers_pollfds(struct pollfd *pf, int max, int64_t *deadline)
{
	int n = 0;
	for (struct worker *w = workers; w; w = w->next) {
		if (w->ctl >= 0 && n < max)
			pf[n++] = (struct pollfd){ .fd = w->ctl,
						   .events = POLLIN };
		if (w->pid > 0 && !w->nconns && !w->exiting && w->ready) {
			int64_t t = w->idle_since +
				    (int64_t)cfg.worker_idle_ms * 1000000;
			if (!*deadline || t < *deadline)
				*deadline = t;
		}
	}
	return n;
}

/* ---- ends ------------------------------------------------------------------
 */

static void describe_end(int status, char *out, size_t size)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);
		snprintf(out, size,
			 "this tenant's backend process died: SIG%s%s",
			 abbrev ? abbrev : "?",
			 sig == SIGKILL && cfg.worker_memory
				 ? " (killed: over its memory limit, or "
				   "stopped)"
				 : "");
	} else {
		snprintf(out, size,
			 "this tenant's backend process exited (status %d)",
			 WEXITSTATUS(status));
	}
}

/* Tell a client why its worker is gone, in place of its calls' replies. */
static void notice(int fd, uint32_t code, const char *why)
{
	struct vrpc_msg m = { .type = VRPC_T_NOTICE,
			      .reply = true,
			      .status = code,
			      .message = (char *)why };
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	vrpc_io_init_enc(&io);
	if (!vrpc_msg_io(&io, &m) &&
	    !vrpc_io_frame(&io, VRPC_T_NOTICE, VRPC_F_REPLY, 0, &iov, &niov)) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = niov };
		ssize_t r = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)r;
	}
	vrpc_io_release(&io);
}

static void forget(struct worker *w)
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
				retired[k] += w->tenants[i].st[k];
	op_stats_add(&retired_ops, &w->ops);
	free(w->tenants);
	if (w->ctl >= 0)
		close(w->ctl);
	release_dirs(w);
	if (w->slot >= 0)
		slots[w->slot] = false;
	free(w);
}

static void restart_for(const char *tenant, struct fconn *waiting,
			const char *why);

/* A worker ended. Connections it had: told why, closed. Connections that
 * never reached it (it was leaving, or starting): a new worker, unless it
 * never started (then they are refused with the reason). */
static void ended(struct worker *w, int status)
{
	char why[600];
	bool clean = w->exiting && WIFEXITED(status) && !WEXITSTATUS(status);
	uint32_t code = w->dying[0] ? w->dying_code : VRPC_E_BACKEND;
	if (w->dying[0])
		snprintf(why, sizeof(why),
			 "this tenant's backend process was stopped: %s",
			 w->dying);
	else
		describe_end(status, why, sizeof(why));
	struct fconn *waiting = NULL;
	uint64_t told = 0;
	for (struct fconn **p = &w->conns; *p;) {
		if ((*p)->pending) {
			struct fconn *c = *p;
			*p = c->next;
			c->next = waiting;
			waiting = c;
			continue;
		}
		if (!clean)
			notice((*p)->fd, code, why), told++;
		end_conn(w, p);
	}
	if (!clean) {
		aerr("worker %d of tenant %s: %s; %" PRIu64
		     " connection(s) ended",
		     (int)w->pid, w->tenant, why, told);
		if (w->dying[0])
			wcounts.deadline++;
		else if (WIFSIGNALED(status))
			wcounts.killed++;
		else
			wcounts.exited++;
	} else
		adebug("worker %d of %s ended", (int)w->pid, w->tenant);
	char tenant[TENANT_MAX + 1];
	bool again = w->ready && !stopping;
	snprintf(tenant, sizeof(tenant), "%s", w->tenant);
	forget(w);
	if (waiting)
		restart_for(again ? tenant : NULL, waiting, why);
}

/* Connections that waited for a leaving worker of `tenant` get a new one;
 * with no tenant (or no new worker), they are refused with `why`. */
static void restart_for(const char *tenant, struct fconn *waiting,
			const char *why)
{
	char err[256];
	struct worker *w =
		tenant ? spawn(tenant, false, err, sizeof(err)) : NULL;
	if (tenant && !w)
		why = err;
	while (waiting) {
		struct fconn *c = waiting;
		waiting = c->next;
		if (w) {
			c->next = w->conns;
			w->conns = c;
			w->nconns++;
			continue;
		}
		front_refuse(c->fd, 0, VRPC_E_BACKEND, why);
		c->p->conns--;
		peer_maybe_free(c->p);
		front_conns--;
		free(c->pending);
		free(c);
	}
}

void workers_reap(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct worker *w = workers;
		while (w && w->pid != pid)
			w = w->next;
		if (w)
			ended(w, status);
	}
}

void workers_tick(void)
{
	int64_t now = vrpc_now_ns();
	struct ctl_msg *m = calloc(1, sizeof(*m));
	if (!m)
		return;
	m->type = CTL_EXIT;
	for (struct worker *w = workers; w; w = w->next) {
		if (w->pid <= 0 || w->nconns || w->exiting || !w->ready ||
		    now - w->idle_since < (int64_t)cfg.worker_idle_ms * 1000000)
			continue;
		adebug("worker %d of %s: idle, told to exit", (int)w->pid,
		       w->tenant);
		w->exiting = true;
		if (ctl_send(w->ctl, m, -1))
			kill(w->pid, SIGKILL);
	}
	free(m);
}

bool workers_stop(void)
{
	struct ctl_msg *m = calloc(1, sizeof(*m));
	stopping = true;
	if (m) {
		m->type = CTL_EXIT;
		for (struct worker *w = workers; w; w = w->next) {
			w->exiting = true;
			if (ctl_send(w->ctl, m, -1) && w->pid > 0)
				kill(w->pid, SIGKILL);
		}
		free(m);
	}
	int64_t deadline = vrpc_deadline(cfg.shutdown_timeout_ms);
	bool in_time = true;
	while (workers) {
		struct pollfd pf[256];
		int64_t none = 0;
		int n = workers_pollfds(pf, 256, &none);
		if (vrpc_ms_left(deadline) == 0) {
			if (!in_time)
				break; /* an in-process worker is stuck */
			in_time = false;
			for (struct worker *w = workers; w; w = w->next)
				if (w->pid > 0)
					kill(w->pid, SIGKILL);
			deadline = vrpc_deadline(1000);
		}
		poll(pf, (nfds_t)n, 10);
		for (int i = 0; i < n; i++)
			if (pf[i].revents)
				workers_event(pf[i].fd, pf[i].revents);
		workers_reap();
	}
	return in_time;
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
				st[k] += w->tenants[i].st[k];
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
	struct worker *w = spawn("probe", true, why, sizeof(why));
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
	if (fd >= 0)
		close(fd);
	free(u);
	int status = 0;
	if (!ok)
		kill(w->pid, SIGKILL);
	waitpid(w->pid, &status, 0);
	forget(w);
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
	w->ctl = sv[0];
	fcntl(w->ctl, F_SETFL, O_NONBLOCK); /* the front never waits */
	w->ready = true;
	if (!path_join(w->dir, sizeof(w->dir), tenants_root, "all"))
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

void workers_init(void)
{
	slots = calloc(cfg.max_tenants, sizeof(*slots));
	if (!slots)
		die("out of memory");
	setup_roots();
	if (cfg.isolation == ISOLATION_NONE)
		inprocess();
	else
		probe();
}
