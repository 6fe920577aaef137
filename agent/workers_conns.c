// SPDX-License-Identifier: Apache-2.0
/* The front's traffic with its workers (workers.c): admitting a
 * connection and handing it to its tenant's worker with SCM_RIGHTS (the
 * front keeps a copy of the descriptor until the worker says the
 * connection ended), and the messages workers send back. */

#include "workers_int.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
int wk_hand(struct worker *w, struct fconn *c)
{
	/* the worker reads it with blocking calls and its own deadlines */
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	int r = ctl_send(w->ctl, c->pending, c->fd);
	free(c->pending);
	c->pending = NULL;
	return r;
}

void wk_end_conn(struct worker *w, struct fconn **link)
{
	struct fconn *c = *link;
	*link = c->next;
	reaper_close(c->fd, c->p);
	free(c->pending);
	tenant_conns_end(c->t);
	c->p->conns--;
	peer_maybe_free(c->p);
	front_conns--;
	if (--w->nconns == 0)
		w->idle_since = vrpc_now_ns();
	free(c);
}

/* Workers of `key`'s peer uid (a ?tenant=conn history key) told to exit
 * and not gone yet hold at most --max-tenants of the 2 x --max-tenants
 * uid slots: each keeps its slot until it ends (audit 20: slow exits
 * from new processes held every slot; audit 22: within the uid's start
 * rate, 64 a second). Past it, the reason in `why`. */
static bool peer_leaving_over(const char *key, char *why, size_t size)
{
	size_t n = wk_hist_peer_part(key);
	unsigned k = 0;
	for (struct worker *w = workers; n && w; w = w->next)
		k += w->exiting && w->pid > 0 &&
		     wk_hist_peer_part(w->hkey) == n &&
		     !strncmp(w->hkey, key, n);
	if (k < cfg.max_tenants)
		return false;
	snprintf(why, size,
		 "%u workers of this peer's processes are still leaving "
		 "(--max-tenants); try again in a second",
		 k);
	return true;
}

/* The last eighth of --max-connections (at least one) is for tenants
 * that have no connection yet: two tenants at their per-tenant share (or
 * one with two addresses, each its tenant with --insecure) filled the
 * agent, and every other tenant was refused. */
static uint64_t reserve(void)
{
	return cfg.max_conns / 8 ? cfg.max_conns / 8 : 1;
}

/* Room for one more connection of this peer and tenant (a tenant can
 * connect from many peers: addresses, or uids with a listener of its
 * own). */
static uint32_t room(const struct admission *a, char *why, size_t size)
{
	uint64_t mine = tenant_conns_of(a->tenant);
	if (front_conns >= cfg.max_conns)
		snprintf(why, size,
			 "the agent serves %" PRIu64
			 " connections (--max-connections)",
			 front_conns);
	else if (a->p->conns >= cfg.max_conns_per_peer)
		snprintf(why, size,
			 "%s has %" PRIu64
			 " connections (--max-connections-per-peer)",
			 a->p->key, a->p->conns);
	else if (mine >= cfg.max_conns_per_tenant)
		snprintf(why, size,
			 "tenant %s has %" PRIu64
			 " connections (--max-connections-per-tenant)",
			 a->tenant, mine);
	else if (mine && front_conns + reserve() >= cfg.max_conns)
		snprintf(why, size,
			 "the agent serves %" PRIu64
			 " connections, and its last %" PRIu64
			 " are kept for tenants that have none "
			 "(--max-connections)",
			 front_conns, reserve());
	else
		return 0;
	fcounts.refused[REFUSE_ADMISSION]++;
	return VRPC_E_USERS;
}

/* `w` if it is idle and has been longer than `than` (NULL: none yet),
 * else `than`. */
static struct worker *idler(struct worker *w, struct worker *than)
{
	return wk_idle(w) && (!than || w->idle_since < than->idle_since) ? w
									 : than;
}

/* Room for a new tenant's worker: fewer than --max-tenants that stay
 * (those leaving do not count: their uids are from a second range of
 * slots), or the one idle the longest told to leave (idle workers of
 * tenants that come and go took every place). */
static bool make_room_for_tenant(void)
{
	uint64_t staying = 0;
	struct worker *oldest = NULL;
	for (struct worker *w = workers; w; w = w->next) {
		staying += !w->exiting;
		oldest = idler(w, oldest);
	}
	if (staying < cfg.max_tenants)
		return true;
	if (!oldest)
		return false;
	wk_tell_exit(oldest, "the longest idle, for a new tenant");
	return true;
}

/* Room for a new --insecure TCP tenant's worker (its tenant is its
 * address, "ip:ADDR"): such tenants have half of --max-tenants workers
 * together, and an address group a quarter. One local client from 32
 * addresses of 127/8 took every worker; with a cap per group only, from
 * 127/8, the host's own addresses and ::1 it still took them all. The
 * longest idle such worker (of the group when the group is at its cap)
 * leaves for a new one. */
static uint32_t room_for_address(const struct admission *a, char *why,
				 size_t size)
{
	uint64_t all = 0, mine = 0;
	uint64_t all_cap = cfg.max_tenants / 2 ? cfg.max_tenants / 2 : 1;
	uint64_t group_cap = cfg.max_tenants / 4 ? cfg.max_tenants / 4 : 1;
	struct worker *idle_all = NULL, *idle_mine = NULL;
	if (strncmp(a->tenant, "ip:", 3))
		return 0;
	for (struct worker *w = workers; w; w = w->next) {
		if (w->exiting || strncmp(w->tenant, "ip:", 3))
			continue;
		bool same = !strcmp(w->group, a->p->key);
		all++;
		mine += same;
		idle_all = idler(w, idle_all);
		if (same)
			idle_mine = idler(w, idle_mine);
	}
	if (mine < group_cap && all < all_cap)
		return 0;
	struct worker *leave = mine >= group_cap ? idle_mine : idle_all;
	if (leave) {
		wk_tell_exit(leave, "the longest idle of the tenants by "
				    "address, for a new one");
		return 0;
	}
	fcounts.refused[REFUSE_ADMISSION]++;
	if (mine >= group_cap)
		snprintf(why, size,
			 "%s has %" PRIu64 " tenants' workers, a quarter of "
			 "--max-tenants (tenants by address, --insecure)",
			 a->p->key, mine);
	else
		snprintf(why, size,
			 "tenants by address (--insecure) have %" PRIu64
			 " workers, half of --max-tenants",
			 all);
	return VRPC_E_USERS;
}

uint32_t workers_admit(struct admission *a, char *why, size_t size)
{
	uint32_t err = room(a, why, size);
	if (err)
		return err;
	struct worker *w = wk_find(a->tenant);
	if (!w && (err = room_for_address(a, why, size)))
		return err;
	if (!w && !make_room_for_tenant()) {
		fcounts.refused[REFUSE_ADMISSION]++;
		snprintf(why, size,
			 "%" PRIu64 " tenants are being served "
			 "(--max-tenants)",
			 nworkers);
		return VRPC_E_USERS;
	}
	if (!w) {
		char hkey[HIST_KEY];
		wk_hist_key(a->tenant, a->p->key,
			    a->peer.has_cred ? a->peer.pid : 0, hkey,
			    sizeof(hkey));
		if (wk_hist_refuse(hkey, why, size) ||
		    peer_leaving_over(hkey, why, size))
			return VRPC_E_AGAIN;
		if (!(w = wk_spawn(a->tenant, hkey, false, why, size)))
			return VRPC_E_NOMEM;
	}
	if (!w->group[0])
		snprintf(w->group, sizeof(w->group), "%s", a->p->key);
	struct fconn *c = calloc(1, sizeof(*c));
	uint64_t id = front_next_id++;
	if (!c || !(c->pending = conn_msg(a, id)) ||
	    !(c->t = tenant_conns_add(a->tenant))) {
		if (c)
			free(c->pending);
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
	if (w->ready && !w->exiting && wk_hand(w, c))
		awarn("conn %" PRIu64 ": worker %d of %s does not take it", id,
		      (int)w->pid, w->tenant);
	return 0;
}

/* ---- messages from workers -------------------------------------------------
 */

static struct worker *by_ctl(int fd)
{
	struct worker *w = workers;
	while (w && w->ctl != fd)
		w = w->next;
	return w;
}

/* Whether to log a warning about what `w` sent now (one a second). */
static bool may_warn(struct worker *w)
{
	int64_t now = vrpc_now_ns();
	if (w->warned_at && now - w->warned_at < 1000000000) {
		w->unwarned++;
		return false;
	}
	if (w->unwarned)
		awarn("worker %d of %s: %" PRIu64 " more such messages in the "
		      "last second",
		      (int)w->pid, w->tenant, w->unwarned);
	w->warned_at = now;
	w->unwarned = 0;
	return true;
}

static void closed(struct worker *w, uint64_t id)
{
	for (struct fconn **p = &w->conns; *p; p = &(*p)->next) {
		if ((*p)->id == id && !(*p)->pending) {
			/* ended for the worker too: its tenant's code could
			 * say so of connections it kept, and hold them past
			 * every limit (an audit: 43 TCP connections under
			 * 4 a tenant, 162 MiB of send buffers no group
			 * counted). A UNIX one the reaper ends too; for an
			 * honest worker the front's copy is the last */
			shutdown((*p)->fd, SHUT_RDWR);
			wk_end_conn(w, p);
			/* a tenant that never comes back (a connection's) */
			if (wk_idle(w) && tenant_per_conn(w->tenant))
				wk_tell_exit(w, "its connection ended");
			return;
		}
	}
	/* not one of its connections: a confused (or hostile) worker */
	if (may_warn(w))
		awarn("worker %d of %s closed unknown conn %" PRIu64,
		      (int)w->pid, w->tenant, id);
}

static void on_ready(struct worker *w)
{
	w->ready = true;
	for (struct fconn *c = w->conns; c; c = c->next)
		if (c->pending && wk_hand(w, c))
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
	/* counters that only grow do not go back (a compromised worker's
	 * report would show as a reset of the front's sums) */
	for (int k = 0; i < w->ntenants && k < TS_MAX; k++)
		if (!(TS_MONOTONIC & (1u << k)) ||
		    m->stats[k] > w->tenants[i].st[k])
			w->tenants[i].st[k] = m->stats[k];
}

/* A worker's op counters: each only grows (slots that are no op are left
 * out where they are exposed, metrics.c). */
static void on_ops(struct worker *w, const struct op_stats *o)
{
	const uint64_t *f = (const uint64_t *)o;
	uint64_t *t = (uint64_t *)&w->ops;
	for (size_t i = 0; i < sizeof(*o) / sizeof(uint64_t); i++)
		if (f[i] > t[i])
			t[i] = f[i];
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
		on_ops(w, &u->o.ops);
		break;
	default:
		if (may_warn(w))
			awarn("worker %d of %s: unexpected message %u",
			      (int)w->pid, w->tenant, u->type);
	}
}

/* Control messages of a worker the front reads a second: one sends about
 * two a second and one per connection that ends; an audit's tenant code
 * sent 310k a second of well-formed ones, which cost the front as much
 * CPU as its worker spent, in no tenant's cpu group. Past the budget its
 * control socket waits for the next second (its sends block, no one
 * else's). The in-process worker (every tenant's counters) is the
 * front's own. */
#define WK_CTL_RATE 4096u

static bool ctl_paused(struct worker *w, int64_t now)
{
	if (w->pid <= 0)
		return false;
	if (now - w->ctl_second >= 1000000000) {
		w->ctl_second = now;
		w->ctl_read = 0;
	}
	return w->ctl_read >= WK_CTL_RATE;
}

/* Read what the worker sent. `alive`: false once its end was reaped (its
 * last words, e.g. CTL_DYING, can still be in the socket): then its pid
 * may be another process's, and is not signalled. */
static void read_ctl(struct worker *w, bool alive)
{
	union ctl_any *u = malloc(sizeof(*u));
	for (int i = 0; u && w->ctl >= 0 && i < 64; i++) {
		if (alive && ctl_paused(w, vrpc_now_ns())) {
			/* once a second at most (one pause a second) */
			if (w->ctl_read++ == WK_CTL_RATE)
				awarn("worker %d of %s sends over %u control "
				      "messages a second: the rest waits",
				      (int)w->pid, w->tenant, WK_CTL_RATE);
			break;
		}
		w->ctl_read++;
		int fd, r = ctl_recv(w->ctl, u, &fd);
		/* a worker sends no descriptors */
		reaper_drop(fd);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			/* gone, or talking nonsense: it ends (its end is
			 * reaped: workers_reap) */
			if (alive && w->pid > 0)
				kill(w->pid, SIGKILL);
			close(w->ctl);
			w->ctl = -1;
			if (alive && w->pid == 0)
				wk_forget(w); /* the in-process worker ended */
			break;
		}
		/* a reaped worker takes no connection any more */
		if (alive || u->type != CTL_READY)
			on_message(w, u);
	}
	free(u);
}

void wk_last_words(struct worker *w)
{
	read_ctl(w, false);
}

void workers_event(int fd, short revents)
{
	struct worker *w = by_ctl(fd);
	if (w && (revents & (POLLIN | POLLHUP | POLLERR))) {
		read_ctl(w, true);
		return;
	}
	for (w = workers; w && w->logfd != fd; w = w->next)
		;
	if (w && (revents & (POLLIN | POLLHUP | POLLERR)))
		wk_log_event(w);
}

int workers_pollfds(struct pollfd *pf, int max, int64_t *deadline)
{
	int n = 0;
	for (struct worker *w = workers; w; w = w->next) {
		if (w->ctl >= 0 && ctl_paused(w, vrpc_now_ns()))
			deadline_min(deadline, w->ctl_second + 1000000000);
		else if (w->ctl >= 0 && n < max)
			pf[n++] = (struct pollfd){ .fd = w->ctl,
						   .events = POLLIN };
		if (n < max)
			n += wk_log_pollfd(w, pf + n, deadline);
		deadline_min(deadline, wk_due(w));
	}
	/* groups whose processes were still ending (cgroup.c) */
	deadline_min(deadline, wcg_due());
	return n;
}
