// SPDX-License-Identifier: Apache-2.0
/* Connections before their HELLO. They have a small pool of their own
 * (--max-preauth, --max-preauth-per-peer; a TCP peer is an address group,
 * peer_group), so a flood of silent or slow peers cannot take the
 * authenticated connections' slots, nor, when it fills the pool, every
 * other peer's (the peer holding the most loses its oldest), and an absolute
 * deadline from accept (--hello-timeout): a peer dribbling its HELLO a
 * byte at a time loses its connection at the deadline like a silent one.
 * Exactly the HELLO frame is read (never a byte past it), checked,
 * authenticated, its tenant named, and then it goes to workers.c. */

#include "front.h"
#include "metrics.h"
#include "msg.h"
#include "sock.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FRAME_MAX   (VRPC_HDR_SIZE + VRPC_PREAUTH_MAX_FIELDS)
#define PADDING_MAX (64u << 10)

struct pre {
	int fd;
	struct listener *l;
	struct vrpc_peer peer;
	struct peer *p;
	int64_t deadline;
	uint8_t buf[FRAME_MAX];
	size_t have, need;
	uint64_t zeros;
	struct pre *next;
};

static struct pre *pres;
static uint64_t npre; /* of the shared pool */

/* The pool a listener's connections wait in: the agent's (--max-preauth)
 * or, for a ?tenant=conn listener, its own of --max-connections. Each of
 * its connections is a peer of its own (VMs' ports that QEMU connects
 * long before their guests say HELLO), so none was ever evicted, and 32
 * silent ones filled the shared pool: every listener's new connections
 * were refused (audit 20: a token client's HELLOs 0 of 50). */
static uint64_t *pool_of(struct listener *l, uint64_t *max)
{
	if (l->spec->by == TENANT_CONN) {
		*max = cfg.max_conns;
		return &l->npre;
	}
	*max = cfg.max_preauth;
	return &npre;
}

static uint64_t npre_all; /* every pool's */

/* One line per kind of refusal and second at most: a flood must not
 * flood the log. */
static void refused(const char *what, const char *peer, const char *uri)
{
	static int64_t last[7];
	static const char *const kinds[7] = { "pool",	  "peer",  "late",
					      "auth",	  "evict", "closing",
					      "conn-pool" };
	int k = 0;
	while (k < 6 && strcmp(kinds[k], what))
		k++;
	static const enum refusal counted[7] = {
		REFUSE_PREAUTH_POOL, REFUSE_PREAUTH_PEER, REFUSE_HELLO_LATE,
		REFUSE_AUTH,	     REFUSE_PREAUTH_POOL, REFUSE_PREAUTH_PEER,
		REFUSE_PREAUTH_POOL
	};
	fcounts.refused[counted[k]]++;
	int64_t now = vrpc_now_ns();
	if (now - last[k] < 1000000000)
		return;
	last[k] = now;
	if (k == 0)
		awarn("refusing a connection on %s from %s: %" PRIu64
		      " connections wait for their HELLO (--max-preauth)",
		      uri, peer, npre);
	else if (k == 1)
		awarn("refusing a connection on %s from %s: too many of its "
		      "connections wait for their HELLO "
		      "(--max-preauth-per-peer)",
		      uri, peer);
	else if (k == 2)
		awarn("dropping a connection on %s from %s: no complete HELLO "
		      "in time (--hello-timeout)",
		      uri, peer);
	else if (k == 3)
		awarn("refusing a connection on %s from %s: missing or wrong "
		      "token",
		      uri, peer);
	else if (k == 4)
		awarn("dropping a connection on %s from %s before its HELLO: "
		      "%" PRIu64 " wait for theirs (--max-preauth), its peer's "
		      "the most",
		      uri, peer, npre);
	else if (k == 5)
		awarn("refusing a connection on %s from %s: %d of its earlier "
		      "connections or descriptors are still being closed",
		      uri, peer, CLOSING_MAX);
	else
		awarn("refusing a connection on %s from %s: %" PRIu64
		      " of this listener's connections wait for their HELLO "
		      "(--max-connections)",
		      uri, peer, cfg.max_conns);
}

static void drop(struct pre *c);

/* The pool is full: its oldest connection of the peer holding the most
 * of it goes for one of `p`'s, if that peer holds more than `p` would
 * then (peers with many addresses kept everyone else out). */
/* A ?tenant=conn listener's peers are connections ("uid:N#SEQ"): their
 * uid is what holds the most of its pool (audit 21: one uid's 64 silent
 * connections, each its own peer, were never evicted, and kept every
 * other uid's out). One pass, counting up to UIDS_SEEN uids (audit 22: a
 * count per connection of every connection's uid was quadratic, and with
 * --max-connections 1024 one user's reconnections took the front's
 * thread: others' HELLOs 1.1 s at the median). */
#define UIDS_SEEN 64

static bool same_uid(const char *a, const char *b)
{
	size_t n = strcspn(a, "#");
	return strcspn(b, "#") == n && !strncmp(a, b, n);
}

static bool evict_by_uid(const struct peer *p, uint64_t *pool)
{
	struct uid_seen {
		const char *key;
		uint64_t n;
		struct pre *oldest;
	} seen[UIDS_SEEN];
	int nseen = 0, top = -1;
	uint64_t mine = 0, max;
	for (struct pre *c = pres; c; c = c->next) {
		if (pool_of(c->l, &max) != pool)
			continue;
		mine += same_uid(c->p->key, p->key);
		int i = 0;
		while (i < nseen && !same_uid(seen[i].key, c->p->key))
			i++;
		if (i == nseen && nseen < UIDS_SEEN)
			seen[nseen++] = (struct uid_seen){ c->p->key, 0, NULL };
		if (i == nseen)
			continue; /* past UIDS_SEEN uids: not a hog */
		seen[i].n++;
		seen[i].oldest = c; /* newest first: the last is the oldest */
		if (top < 0 || seen[i].n > seen[top].n)
			top = i;
	}
	if (top < 0 || seen[top].n <= mine + 1)
		return false;
	struct pre *victim = seen[top].oldest;
	refused("evict", victim->peer.desc, victim->l->uri);
	drop(victim);
	return true;
}

static bool evict(const struct peer *p, struct listener *l)
{
	struct pre *victim = NULL;
	uint64_t max, *pool = pool_of(l, &max);
	if (pool != &npre)
		return evict_by_uid(p, pool);
	/* newest first: the last of a peer's is its oldest */
	for (struct pre *c = pres; c; c = c->next)
		if (pool_of(c->l, &max) == pool &&
		    (!victim || c->p == victim->p ||
		     c->p->preauth > victim->p->preauth))
			victim = c;
	if (!victim || victim->p->preauth <= p->preauth + 1)
		return false;
	refused("evict", victim->peer.desc, victim->l->uri);
	drop(victim);
	return true;
}

bool preauth_room(const char *key, struct listener *l)
{
	const char *uri = l->uri;
	uint64_t max, *pool = pool_of(l, &max);
	struct peer *p = peer_get(key);
	if (p && p->preauth >= cfg.max_preauth_per_peer) {
		refused("peer", key, uri);
		return false;
	}
	if (p && atomic_load(&peer_closer(p)->closing) >= CLOSING_MAX) {
		refused("closing", key, uri);
		return false;
	}
	if (*pool >= max && !(p && evict(p, l))) {
		refused(pool == &npre ? "pool" : "conn-pool", key, uri);
		return false;
	}
	return p != NULL;
}

void preauth_add(int fd, struct listener *l, const struct vrpc_peer *peer,
		 const char *group)
{
	struct pre *c = calloc(1, sizeof(*c));
	struct peer *p = peer_get(group);
	if (!c || !p) {
		free(c);
		reaper_close(fd, p);
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c->fd = fd;
	c->l = l;
	c->peer = *peer;
	c->p = p;
	c->deadline = vrpc_deadline(cfg.hello_timeout_ms);
	c->need = VRPC_HDR_SIZE;
	c->next = pres;
	pres = c;
	uint64_t max;
	(*pool_of(l, &max))++;
	fcounts.preauth = ++npre_all;
	p->preauth++;
	adebug("accepted on %s from %s", l->uri, peer->desc);
}

static void unlink_pre(struct pre *c)
{
	for (struct pre **p = &pres; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	uint64_t max;
	(*pool_of(c->l, &max))--;
	fcounts.preauth = --npre_all;
	c->p->preauth--;
	peer_maybe_free(c->p);
}

static void drop(struct pre *c)
{
	unlink_pre(c);
	reaper_close(c->fd, c->p);
	free(c);
}

/* Read what is missing of the frame (never past it). 1: complete, 0:
 * wait, -1: the connection is over. */
static int fill(struct pre *c)
{
	while (c->have < c->need) {
		union vrpc_fds_cmsg ctl;
		struct iovec iov = { c->buf + c->have, c->need - c->have };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		ssize_t n =
			recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (mh.msg_controllen) {
			/* a HELLO never carries descriptors */
			int fds[VRPC_SCM_MAX_FD];
			size_t k = vrpc_cmsg_fds(&mh, fds, VRPC_SCM_MAX_FD);
			for (size_t i = 0; i < k && i < VRPC_SCM_MAX_FD; i++)
				reaper_close(fds[i], c->p);
			return -1;
		}
		if (n == 0)
			return -1;
		size_t z = 0;
		/* zero bytes before a frame are padding (protocol.md §2) */
		while (!c->have && z < (size_t)n && !c->buf[z])
			z++;
		c->zeros += z;
		if (c->zeros > PADDING_MAX)
			return -1;
		memmove(c->buf + c->have, c->buf + c->have + z, (size_t)n - z);
		c->have += (size_t)n - z;
	}
	return 1;
}

/* Header checks; then the whole frame is needed. 0, or a refusal. */
static uint32_t check_hdr(struct pre *c, struct vrpc_hdr *h)
{
	vrpc_hdr_unpack(c->buf, h);
	if (h->magic != VRPC_MAGIC || h->type != VRPC_T_HELLO || h->flags ||
	    h->bulk_len)
		return VRPC_E_PROTO;
	if (h->version != VRPC_MAJOR)
		return VRPC_E_VERSION;
	if (h->fields_len > VRPC_PREAUTH_MAX_FIELDS)
		return VRPC_E_TOOBIG;
	c->need = VRPC_HDR_SIZE + h->fields_len;
	return 0;
}

/* The configured token the client sent, in constant time over each. */
static const struct token *match_token(const struct vrpc_hello *h)
{
	const struct token *found = NULL;
	for (int i = 0; i < cfg.nr_tokens; i++) {
		const struct token *t = &cfg.tokens[i];
		unsigned diff = (unsigned)(h->token_len != t->len);
		for (size_t k = 0; k < t->len; k++)
			diff |= t->bytes[k] ^
				(k < h->token_len ? ((uint8_t *)h->token)[k]
						  : 0);
		if (!diff)
			found = t;
	}
	return found;
}

/* Authenticate and name the tenant. 0, or a refusal code. */
static uint32_t identify(struct pre *c, const struct vrpc_hello *h,
			 struct admission *a)
{
	const struct vrpc_transport *t = c->l->addr.t;
	const struct token *tok = NULL;
	bool need = cfg.nr_tokens && (t->needs_token || h->token_len);
	if (need && !(tok = match_token(h))) {
		refused("auth", c->peer.desc, c->l->uri);
		return VRPC_E_AUTH;
	}
	if (tok) {
		memcpy(a->token, tok->bytes, tok->len);
		a->token_len = tok->len;
	}
	const struct listen_spec *s = c->l->spec;
	if (s->by == TENANT_FIXED)
		snprintf(a->tenant, sizeof(a->tenant), "%s", s->tenant);
	else if (s->by == TENANT_CONN)
		snprintf(a->tenant, sizeof(a->tenant), "conn:%" PRIu64,
			 front_next_id);
	else if (tok && !strcmp(t->scheme, "tcp"))
		snprintf(a->tenant, sizeof(a->tenant), "token:%s", tok->name);
	else
		snprintf(a->tenant, sizeof(a->tenant), "%s", c->peer.key);
	return 0;
}

/* The frame is complete: decode, authenticate, admit. */
static void complete(struct pre *c, const struct vrpc_hdr *hdr)
{
	struct admission *a = calloc(1, sizeof(*a));
	struct vrpc_pool pool = { 0 };
	struct vrpc_msg m = { .type = VRPC_T_HELLO };
	struct vrpc_limits lim;
	struct vrpc_io io;
	char why[256] = "malformed HELLO";
	uint32_t err = a ? 0 : VRPC_E_NOMEM;
	vrpc_limits_default(&lim);
	vrpc_io_init_dec(&io, c->buf + VRPC_HDR_SIZE, hdr->fields_len, &pool,
			 &lim);
	if (!err && (vrpc_msg_io(&io, &m) || vrpc_io_finish_dec(&io, 0)))
		err = VRPC_E_PROTO;
	else if (!err && m.u.hello.major != VRPC_MAJOR)
		err = VRPC_E_VERSION;
	else if (!err && (err = identify(c, &m.u.hello, a)))
		snprintf(why, sizeof(why), "missing or wrong token");
	unlink_pre(c);
	if (!err) {
		a->fd = c->fd;
		a->l = c->l;
		a->peer = c->peer;
		a->p = c->p; /* still there: peers_sweep runs in the loop */
		a->hello = m.u.hello;
		a->shm_ok = c->l->addr.t->pass_fds && !cfg.no_shm &&
			    (m.u.hello.flags & VRPC_HELLO_WANT_SHM);
		a->request_id = hdr->id;
		err = workers_admit(a, why, sizeof(why));
	}
	if (err)
		front_refuse(c->fd, c->p, hdr->id, err, why);
	vrpc_io_release(&io);
	vrpc_pool_release(&pool);
	free(a);
	free(c);
}

static void refuse(struct pre *c, uint64_t id, uint32_t err)
{
	unlink_pre(c);
	front_refuse(c->fd, c->p, id, err, "not a HELLO this agent can read");
	free(c);
}

void preauth_event(int fd, short revents)
{
	struct pre *c = pres;
	(void)revents;
	while (c && c->fd != fd)
		c = c->next;
	while (c) {
		int r = fill(c);
		if (r <= 0) {
			if (r < 0)
				drop(c);
			return;
		}
		struct vrpc_hdr h;
		vrpc_hdr_unpack(c->buf, &h);
		if (c->need == VRPC_HDR_SIZE) {
			/* the header is complete: now its fields */
			uint32_t err = check_hdr(c, &h);
			if (err) {
				refuse(c, h.id, err);
				return;
			}
			if (c->need > VRPC_HDR_SIZE)
				continue;
		}
		complete(c, &h);
		return;
	}
}

int preauth_pollfds(struct pollfd *pf, int max, int64_t *deadline)
{
	int n = 0;
	for (struct pre *c = pres; c && n < max; c = c->next) {
		pf[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		deadline_min(deadline, c->deadline);
	}
	return n;
}

void preauth_expire(void)
{
	int64_t now = vrpc_now_ns();
	for (struct pre *c = pres, *next; c; c = next) {
		next = c->next;
		if (c->deadline <= now) {
			refused("late", c->peer.desc, c->l->uri);
			drop(c);
		}
	}
}

void preauth_drop_all(void)
{
	while (pres)
		drop(pres);
}
