// SPDX-License-Identifier: Apache-2.0
/* A connection's state as request handlers see it (serve.h): its objects,
 * tenant, usage and memory budget, run directory, and its one writer. The
 * handlers call only these, never conn.c, which calls them. */

#include "conn_int.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
struct conn *conns;
uint64_t nconns;

/* ---- accessors (serve.h) --------------------------------------------------
 */

struct objects *conn_objects(struct conn *c)
{
	return &c->objs;
}

struct tenant *conn_tenant(struct conn *c)
{
	return c->tn;
}

const struct conn_usage *conn_usage(struct conn *c)
{
	return &c->use;
}

bool conn_shm_ok(const struct conn *c)
{
	return c->shm_ok;
}

void conn_set_ring(struct conn *c, struct vrpc_ring *ring)
{
	pthread_mutex_lock(&c->send_lock);
	vrpc_stream_use_ring(&c->s, ring, false);
	pthread_mutex_unlock(&c->send_lock);
}

uint64_t conn_id(const struct conn *c)
{
	return c->id;
}

struct vrpc_stream *conn_stream(struct conn *c)
{
	return &c->s;
}

struct spare *conn_spare(struct conn *c)
{
	return c->spare;
}

_Atomic(struct req *) *conn_spare_req(struct conn *c)
{
	return &c->spare_req;
}

bool conn_hello_done(const struct conn *c)
{
	return c->hello_done;
}

uint64_t conns_alive(void)
{
	pthread_mutex_lock(&conns_lock);
	uint64_t n = nconns;
	pthread_mutex_unlock(&conns_lock);
	return n;
}

void conn_set_reason(struct conn *c, const char *why)
{
	pthread_mutex_lock(&c->lock);
	if (!c->reason)
		c->reason = why;
	pthread_mutex_unlock(&c->lock);
}

void conn_use(struct conn *c, enum usage_kind k, int64_t delta)
{
	uint64_t *cu[] = { &c->use.sessions, &c->use.resources, &c->use.stored,
			   &c->use.shm, &c->use.entries };
	static const int ts[] = { TS_SESSIONS, TS_RESOURCES, -1, TS_SHM_BYTES,
				  -1 };
	pthread_mutex_lock(&c->lock);
	*cu[k] += (uint64_t)delta;
	pthread_mutex_unlock(&c->lock);
	if (ts[k] >= 0)
		tenant_add(c->tn, (enum tenant_stat)ts[k], delta);
}

bool conn_charge(struct conn *c, uint64_t n)
{
	if (!n)
		return true;
	uint64_t used = atomic_load(&c->mem_used);
	do {
		if (n > cfg.conn_memory - used)
			return false;
	} while (!atomic_compare_exchange_weak(&c->mem_used, &used, used + n));
	return true;
}

void conn_uncharge(struct conn *c, uint64_t n)
{
	if (n)
		atomic_fetch_sub(&c->mem_used, n);
}

const char *conn_dir(struct conn *c)
{
	if (!c->dir[0]) {
		char d[PATH_MAX];
		if (snprintf(d, sizeof(d), "%s/conn.%" PRIu64, cfg.worker_dir,
			     c->id) >= (int)sizeof(d) ||
		    (mkdir(d, 0700) && errno != EEXIST))
			return NULL;
		strcpy(c->dir, d);
	}
	return c->dir;
}

int conn_write(struct conn *c, struct iovec *iov, size_t niov)
{
	pthread_mutex_lock(&c->send_lock);
	int w = vrpc_stream_writev(&c->s, iov, niov, -1,
				   vrpc_deadline(cfg.send_timeout_ms));
	pthread_mutex_unlock(&c->send_lock);
	if (w) {
		/* the client does not read: end the connection */
		conn_set_reason(c, w == VACCEL_ETIMEDOUT
					   ? "the client did not read a reply "
					     "in time (--send-timeout)"
				   : ring_broken(&c->s) ? RING_BROKEN
							: "send failed");
		shutdown(c->s.fd, SHUT_RDWR);
	}
	return w;
}
