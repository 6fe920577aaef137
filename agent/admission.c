// SPDX-License-Identifier: Apache-2.0
/* What the front's parts share about admitted connections (front.h): the
 * peers' and tenants' counts, the admitted connections' count and ids, the ops
 * served, and the answer to a connection's first HELLO (welcome or refusal). It
 * calls none of them: front.c, preauth.c, workers*.c and metrics.c all
 * use it. */

#include "front.h"
#include "hello.h"
#include "msg.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

uint64_t front_conns;
uint64_t front_next_id = 1;
uint64_t front_ops;

static struct peer *peers;

/* ---- peers ----------------------------------------------------------------
 */

struct peer *peer_get(const char *key)
{
	struct peer *p = peers;
	while (p && strcmp(p->key, key))
		p = p->next;
	if (!p && (p = calloc(1, sizeof(*p)))) {
		snprintf(p->key, sizeof(p->key), "%s", key);
		p->next = peers;
		peers = p;
	}
	return p;
}

struct peer *peer_closer(struct peer *p)
{
	const char *seq = strchr(p->key, '#');
	char key[sizeof(p->key)];
	if (!seq)
		return p;
	snprintf(key, sizeof(key), "%.*s", (int)(seq - p->key), p->key);
	struct peer *u = peer_get(key);
	return u ? u : p;
}

/* A TCP address counts as its group: one local user has all of 127/8,
 * an IPv6 host a /64 (or more). The tenant of an --insecure connection
 * is still its address (preauth.c). */
void peer_group(const char *key, char *out, size_t size)
{
	struct in6_addr a6;
	struct in_addr a4;
	char host[INET6_ADDRSTRLEN];
	if (strncmp(key, "ip:", 3)) {
		snprintf(out, size, "%s", key);
		return;
	}
	if (inet_pton(AF_INET6, key + 3, &a6) == 1) {
		if (!IN6_IS_ADDR_V4MAPPED(&a6)) {
			memset(a6.s6_addr + 8, 0, 8);
			inet_ntop(AF_INET6, &a6, host, sizeof(host));
			snprintf(out, size, "ip:%s/64", host);
			return;
		}
		memcpy(&a4, a6.s6_addr + 12, sizeof(a4));
	} else if (inet_pton(AF_INET, key + 3, &a4) != 1) {
		snprintf(out, size, "%s", key);
		return;
	}
	if ((ntohl(a4.s_addr) >> 24) == 127) {
		snprintf(out, size, "ip:127.0.0.0/8");
		return;
	}
	inet_ntop(AF_INET, &a4, host, sizeof(host));
	snprintf(out, size, "ip:%s", host);
}

static bool sweep_due;

void peer_maybe_free(struct peer *p)
{
	if (!p->preauth && !p->conns)
		sweep_due = true;
}

void peers_sweep(void)
{
	static uint64_t reaped;
	uint64_t now = reaper_done();
	if (!sweep_due && now == reaped)
		return;
	sweep_due = false;
	reaped = now;
	for (struct peer **q = &peers; *q;) {
		struct peer *p = *q;
		if (p->preauth || p->conns || atomic_load(&p->closing)) {
			q = &p->next;
			continue;
		}
		*q = p->next;
		free(p);
	}
}

/* ---- tenants' connections ---------------------------------------------------
 */

static struct tenant_conns *tenants;

static struct tenant_conns *tenant_find(const char *tenant)
{
	struct tenant_conns *t = tenants;
	while (t && strcmp(t->name, tenant))
		t = t->next;
	return t;
}

uint64_t tenant_conns_of(const char *tenant)
{
	struct tenant_conns *t = tenant_find(tenant);
	return t ? t->n : 0;
}

struct tenant_conns *tenant_conns_add(const char *tenant)
{
	struct tenant_conns *t = tenant_find(tenant);
	if (!t && (t = calloc(1, sizeof(*t)))) {
		snprintf(t->name, sizeof(t->name), "%s", tenant);
		t->next = tenants;
		tenants = t;
	}
	if (t)
		t->n++;
	return t;
}

void tenant_conns_end(struct tenant_conns *t)
{
	if (--t->n)
		return;
	for (struct tenant_conns **q = &tenants; *q; q = &(*q)->next) {
		if (*q == t) {
			*q = t->next;
			break;
		}
	}
	free(t);
}

/* Write a HELLO reply (the socket's buffer is empty: it fits). */
static int send_hello_reply(int fd, uint64_t request_id, struct vrpc_msg *m)
{
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	int ret = -1;
	vrpc_io_init_enc(&io);
	if (!vrpc_msg_io(&io, m) &&
	    !vrpc_io_frame(&io, VRPC_T_HELLO, VRPC_F_REPLY, request_id, &iov,
			   &niov)) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = niov };
		size_t len = 0;
		for (size_t i = 0; i < niov; i++)
			len += iov[i].iov_len;
		ret = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) ==
				      (ssize_t)len
			      ? 0
			      : -1;
	}
	vrpc_io_release(&io);
	return ret;
}

int front_welcome(const struct admission *a, uint64_t conn)
{
	struct vrpc_kv kv[VRPC_NR_LIMITS];
	struct vrpc_msg m = { .type = VRPC_T_HELLO, .reply = true };
	hello_answer(&m.u.hello_r, &a->hello, a->shm_ok, conn, front_ops, kv);
	return send_hello_reply(a->fd, a->request_id, &m);
}

void front_refuse(int fd, struct peer *p, uint64_t request_id, uint32_t code,
		  const char *why)
{
	struct vrpc_msg m = { .type = VRPC_T_HELLO,
			      .reply = true,
			      .status = code,
			      .message = (char *)why };
	if (code == VRPC_E_VERSION)
		m.u.hello_r.min_major = m.u.hello_r.max_major = VRPC_MAJOR;
	send_hello_reply(fd, request_id, &m);
	adebug("refused a connection: %s (%s)", why, vrpc_err_name(code));
	reaper_close(fd, p);
}
