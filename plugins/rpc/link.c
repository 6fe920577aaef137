// SPDX-License-Identifier: Apache-2.0
/* The live connection to the agent ("link"), shared by every thread:
 * connected on first use, replaced by a new one (a new generation) when
 * it died, dropped in a forked child (the parent's connection is not the
 * child's), told BYE at unload. Sessions remember the generation of the
 * link that made them: a session of a dead link is lost, never moved to
 * another. A link dies when its stream is lost; every call still waiting
 * on it then fails with VACCEL_EIO. */

#include "rpc.h"
#include <limits.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static struct {
	pthread_mutex_t lock;
	struct rpc_link *link;
	uint64_t gen;
	uint64_t ops;
	bool forked;
} client = { .lock = PTHREAD_MUTEX_INITIALIZER };

void rpc_call_free(struct rpc_link *l, struct rpc_call *c)
{
	rpc_arena_release(c->regions, c->nregions);
	rpc_fields_free(l, c->fields, c->hdr.fields_len);
	struct rpc_call *none = NULL;
	if (!atomic_compare_exchange_strong(&l->spare_call, &none, c))
		free(c);
}

void rpc_link_put(struct rpc_link *l)
{
	if (atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	while (l->pending) {
		struct rpc_call *c = l->pending;
		l->pending = c->next;
		rpc_call_free(l, c);
	}
	free(atomic_load(&l->spare_call));
	free(atomic_load(&l->spare_fields));
	vrpc_stream_release(&l->s);
	pthread_mutex_destroy(&l->lock);
	pthread_mutex_destroy(&l->send_lock);
	pthread_cond_destroy(&l->cv);
	free(l);
}

void rpc_link_kill(struct rpc_link *l, const char *why)
{
	rpc_link_fail(l, why, VACCEL_EIO);
}

void rpc_link_fail(struct rpc_link *l, const char *why, int err)
{
	if (l->dead)
		return;
	l->dead = true;
	rpc_err("connection to the agent (%s) lost: %s; its sessions are "
		"gone",
		rpc_cfg.uri, why);
	shutdown(l->s.fd, SHUT_RDWR);
	for (struct rpc_call **p = &l->pending; *p;) {
		struct rpc_call *c = *p;
		if (c->abandoned) {
			*p = c->next;
			rpc_call_free(l, c);
			continue;
		}
		if (c->state == RPC_CALL_WAIT) {
			c->state = RPC_CALL_FAILED;
			c->err = err;
		}
		p = &c->next;
	}
	pthread_cond_broadcast(&l->cv);
}

static int link_new(struct rpc_link **out)
{
	if (rpc_cfg.token_err)
		return vaccel_fail(rpc_cfg.token_err, LOG_PREFIX "%s",
				   rpc_cfg.token_error);
	int64_t deadline = vrpc_deadline(rpc_cfg.connect_timeout_ms);
	int fd = rpc_cfg.addr.t->connect(&rpc_cfg.addr, deadline);
	if (fd < 0) {
		char why[512];
		vrpc_connect_why(&rpc_cfg.addr, why, sizeof(why));
		rpc_conn_err("cannot connect to the agent at %s: %s",
			     rpc_cfg.uri, why);
		return fd == -VACCEL_ETIMEDOUT ? VACCEL_ETIMEDOUT : VACCEL_EIO;
	}
	struct rpc_link *l = calloc(1, sizeof(*l));
	if (!l || vrpc_stream_init(&l->s, fd, 64 << 10)) {
		if (l)
			vrpc_stream_release(&l->s);
		else
			close(fd);
		free(l);
		return VACCEL_ENOMEM;
	}
	/* replies are awaited in the read itself (vrpc_stream_fill) */
	if (rpc_cfg.timeout_ms <= INT_MAX)
		vrpc_stream_set_wait(&l->s, (int)rpc_cfg.timeout_ms);
	atomic_init(&l->refs, 1);
	pthread_mutex_init(&l->lock, NULL);
	pthread_mutex_init(&l->send_lock, NULL);
	pthread_cond_init(&l->cv, NULL);
	int ret = rpc_hello(l, deadline);
	if (!ret)
		ret = rpc_ring_offer(l, deadline);
	if (ret) {
		if (ret == VACCEL_ETIMEDOUT || ret == RPC_EPROTO)
			rpc_conn_err("no handshake with the agent at %s: %s",
				     rpc_cfg.uri, vaccel_strerror(ret));
		rpc_link_put(l);
		return ret == RPC_EPROTO ? VACCEL_EIO : ret;
	}
	l->gen = ++client.gen;
	rpc_dbg("connected to %s (agent connection %" PRIu64 ", shm %s)",
		rpc_cfg.uri, l->conn_id, l->shm ? "on" : "off");
	*out = l;
	return 0;
}

static void drop_forked_link(void)
{
	/* after fork: the parent's connection is not ours; its memory (and
	 * possibly its locks) are left alone */
	if (client.forked) {
		client.forked = false;
		if (client.link)
			close(client.link->s.fd);
		client.link = NULL;
		client.gen++;
		rpc_arena_forget();
	}
}

int rpc_link_get(struct rpc_link **out)
{
	int ret = 0;
	pthread_mutex_lock(&client.lock);
	drop_forked_link();
	struct rpc_link *l = client.link;
	if (l && l->dead) {
		client.link = NULL;
		rpc_link_put(l);
		l = NULL;
	}
	if (!l) {
		ret = link_new(&l);
		if (!ret)
			client.link = l;
	}
	if (!ret) {
		atomic_fetch_add(&l->refs, 1);
		*out = l;
	}
	pthread_mutex_unlock(&client.lock);
	return ret;
}

int rpc_link_get_gen(uint64_t gen, struct rpc_link **out)
{
	pthread_mutex_lock(&client.lock);
	drop_forked_link();
	struct rpc_link *l = client.link;
	bool ok = gen && l && l->gen == gen && !l->dead;
	if (ok) {
		atomic_fetch_add(&l->refs, 1);
		*out = l;
	}
	pthread_mutex_unlock(&client.lock);
	return ok ? 0 : VACCEL_ESESS;
}

static void on_fork_child(void)
{
	client.forked = true;
	pthread_mutex_init(&client.lock, NULL);
}

int rpc_link_start(void)
{
	pthread_atfork(NULL, NULL, on_fork_child);
	struct rpc_link *l;
	/* not fatal: calls will try again, and then say why they fail (the
	 * probe says it only at the warning level, so it is said once) */
	rpc_cfg.probing = true;
	int ret = rpc_cfg.token_err ? rpc_cfg.token_err : rpc_link_get(&l);
	rpc_cfg.probing = false;
	if (ret) {
		rpc_warn("agent %s not reachable at load time: every op is "
			 "offered, calls connect when made",
			 rpc_cfg.uri);
		client.ops = ~UINT64_C(0);
		return 0;
	}
	client.ops = l->ops;
	rpc_link_put(l);
	return 0;
}

void rpc_link_stop(void)
{
	pthread_mutex_lock(&client.lock);
	struct rpc_link *l = client.link;
	client.link = NULL;
	pthread_mutex_unlock(&client.lock);
	if (l && !client.forked) {
		/* BYE: the agent frees what is left without waiting for EOF;
		 * a vport stays open for the port's next process */
		struct vrpc_msg m = { .type = VRPC_T_BYE };
		m.flags = rpc_cfg.addr.t->resync ? VRPC_BYE_KEEP_STREAM : 0;
		pthread_mutex_lock(&l->send_lock);
		if (!l->dead)
			rpc_send_msg(l, &m, vrpc_deadline(100));
		pthread_mutex_unlock(&l->send_lock);
		rpc_link_put(l);
	}
	rpc_arena_forget();
}

uint64_t rpc_agent_ops(void)
{
	return client.ops;
}
