// SPDX-License-Identifier: Apache-2.0
/* The connection to the agent and the calls on it.
 *
 * Threads share one connection ("link"). A call sends its request under
 * the send lock, then waits for its reply. There is no reader thread: a
 * waiting thread reads the stream itself when nobody else does, so a
 * single-threaded application reads its own reply with no hand-off. A
 * reader that gets another call's reply hands it over; if that reply has
 * bulk data, the stream stays with its call, which reads the bulk straight
 * into its destination (an application buffer, so no other thread ever
 * writes there after that call returned).
 *
 * Deadline: waiting for the first byte of a frame honours the call's
 * deadline and leaves the stream intact; a call that times out is
 * abandoned (its reply will be skipped, its shared memory kept until
 * then). A frame that stops in the middle, a closed or reset connection,
 * a malformed reply: the link is dead, every call on it fails with
 * VACCEL_EIO, and the next call connects again. */

#include "rpc.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	CALL_WAIT,
	CALL_GOT,
	CALL_FAILED
};

#define RPC_MAX_REGIONS 32

struct rpc_call {
	uint64_t id;
	struct rpc_call *next;
	int state;
	int err;
	bool abandoned;
	struct vrpc_hdr hdr;
	uint8_t *fields;
	struct rpc_region regions[RPC_MAX_REGIONS];
	int nregions;
};

struct rpc_config rpc_cfg;

static struct {
	pthread_mutex_t lock;
	struct rpc_link *link;
	uint64_t gen;
	uint64_t ops;
	bool forked;
} client = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Client-side bounds on replies (the agent is trusted, memory is not). */
#define MAX_REPLY_FIELDS (64u << 20)
#define MAX_REPLY_BULK	 (1ull << 40)
/* an internal protocol error (never returned to applications) */
#define RPC_EPROTO EPROTO

/* ---- configuration ----------------------------------------------------- */

static int64_t env_ms(const char *name, int64_t dflt)
{
	const char *v = getenv(name);
	char *end;
	if (!v || !*v)
		return dflt;
	long long n = strtoll(v, &end, 10);
	if (*end || n < 0) {
		rpc_warn(
			"%s=%s is not a number of milliseconds: using %" PRId64,
			name, v, dflt);
		return dflt;
	}
	return n;
}

static void read_token(void)
{
	const char *t = getenv("VACCEL_RPC_TOKEN");
	const char *f = getenv("VACCEL_RPC_TOKEN_FILE");
	size_t n = 0;
	if (t) {
		n = strlen(t);
		if (n > VRPC_MAX_TOKEN)
			n = 0;
		memcpy(rpc_cfg.token, t, n);
	} else if (f) {
		int fd = open(f, O_RDONLY | O_CLOEXEC);
		ssize_t r =
			fd < 0 ? -1 : read(fd, rpc_cfg.token, VRPC_MAX_TOKEN);
		if (fd >= 0)
			close(fd);
		if (r < 0)
			rpc_warn("cannot read VACCEL_RPC_TOKEN_FILE %s", f);
		n = r > 0 ? (size_t)r : 0;
		while (n && (rpc_cfg.token[n - 1] == '\n' ||
			     rpc_cfg.token[n - 1] == '\r' ||
			     rpc_cfg.token[n - 1] == ' '))
			n--;
	}
	rpc_cfg.token_len = n;
}

static int read_config(void)
{
	const char *a = getenv("VACCEL_RPC_ADDRESS");
	if (!a || !*a)
		a = getenv("VACCEL_RPC_ADDR");
	if (!a || !*a)
		a = access("/dev/virtio-ports/org.vaccel.agent.0", F_OK) == 0
			    ? "vport://org.vaccel.agent.0"
			    : "unix:///run/vaccel/agent.sock";
	if (vrpc_addr_parse(a, &rpc_cfg.addr)) {
		rpc_err("VACCEL_RPC_ADDRESS=%s: expected unix://PATH, "
			"tcp://HOST:PORT, vsock://CID:PORT or vport://NAME",
			a);
		return VACCEL_EINVAL;
	}
	snprintf(rpc_cfg.uri, sizeof(rpc_cfg.uri), "%s", a);
	rpc_cfg.timeout_ms = env_ms("VACCEL_RPC_TIMEOUT_MS", 60000);
	rpc_cfg.connect_timeout_ms =
		env_ms("VACCEL_RPC_CONNECT_TIMEOUT_MS", 5000);
	const char *shm = getenv("VACCEL_RPC_SHM");
	rpc_cfg.shm = !shm || strcmp(shm, "0");
	rpc_cfg.shm_threshold =
		(uint64_t)env_ms("VACCEL_RPC_SHM_THRESHOLD", 64 << 10);
	rpc_cfg.spin_us = env_ms("VACCEL_RPC_SPIN_US", 200);
	read_token();
	char host[64] = "?";
	gethostname(host, sizeof(host) - 1);
	snprintf(rpc_cfg.identity, sizeof(rpc_cfg.identity), "%s[%d]@%s",
		 program_invocation_short_name, (int)getpid(), host);
	return 0;
}

/* ---- the link ---------------------------------------------------------- */

void rpc_link_put(struct rpc_link *l)
{
	if (atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	while (l->pending) {
		struct rpc_call *c = l->pending;
		l->pending = c->next;
		rpc_shm_release(c->regions, c->nregions);
		free(c->fields);
		free(c);
	}
	vrpc_stream_release(&l->s);
	pthread_mutex_destroy(&l->lock);
	pthread_mutex_destroy(&l->send_lock);
	pthread_cond_destroy(&l->cv);
	free(l);
}

/* The link is dead: fail every call on it (l->lock held). */
static void link_kill(struct rpc_link *l, const char *why)
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
			rpc_shm_release(c->regions, c->nregions);
			free(c->fields);
			free(c);
			continue;
		}
		if (c->state == CALL_WAIT) {
			c->state = CALL_FAILED;
			c->err = VACCEL_EIO;
		}
		p = &c->next;
	}
	pthread_cond_broadcast(&l->cv);
}

static uint64_t random_u64(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint64_t)vrpc_now_ns() * 0x9e3779b97f4a7c15ull;
	return v | 1;
}

static int send_hello(struct rpc_link *l, uint64_t nonce, int64_t deadline)
{
	struct vrpc_msg m = { .type = VRPC_T_HELLO };
	m.u.hello = (struct vrpc_hello){
		.major = VRPC_MAJOR,
		.minor = VRPC_MINOR,
		.flags = rpc_cfg.shm ? VRPC_HELLO_WANT_SHM : 0,
		.nonce = nonce,
		.identity = rpc_cfg.identity,
		.token = rpc_cfg.token,
		.token_len = (uint32_t)rpc_cfg.token_len,
	};
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	vrpc_io_init_enc(&io);
	vrpc_msg_io(&io, &m);
	int ret = vrpc_io_frame(&io, VRPC_T_HELLO, 0, 0, &iov, &niov)
			  ? VACCEL_EINVAL
			  : vrpc_stream_writev(&l->s, iov, niov, -1, deadline);
	vrpc_io_release(&io);
	return ret;
}

/* Check a HELLO reply and keep what the agent says. */
static int take_hello(struct rpc_link *l, const struct vrpc_hdr *h,
		      uint8_t *fields, uint64_t nonce)
{
	struct vrpc_pool pool = { 0 };
	struct vrpc_io io;
	struct vrpc_msg m = { .type = VRPC_T_HELLO, .reply = true };
	vrpc_io_init_dec(&io, fields, h->fields_len, &pool, NULL);
	vrpc_msg_io(&io, &m);
	int ret = vrpc_io_finish_dec(&io, h->bulk_len) ? VACCEL_EIO : 0;
	if (!ret && m.status) {
		rpc_err("the agent at %s refused the connection: %s (%s)",
			rpc_cfg.uri, vrpc_err_name(m.status), m.message);
		ret = vrpc_err_from_wire(m.status);
	} else if (!ret && m.u.hello_r.nonce != nonce) {
		ret = VACCEL_EAGAIN; /* a stale reply (vport) */
	} else if (!ret) {
		vrpc_limits_default(&l->lim);
		vrpc_limits_from_kv(&l->lim, m.u.hello_r.limits,
				    m.u.hello_r.nr_limits);
		l->ops = m.u.hello_r.ops;
		l->flags = m.u.hello_r.flags;
		l->conn_id = m.u.hello_r.conn;
		l->shm = rpc_cfg.shm && (l->flags & VRPC_AGENT_SHM) &&
			 l->s.pass_fds;
	}
	vrpc_io_release(&io);
	vrpc_pool_release(&pool);
	return ret;
}

/* Read one frame's header and fields (the caller frees *fields). */
static int read_frame(struct rpc_link *l, struct vrpc_hdr *h, uint8_t **fields,
		      int64_t deadline)
{
	int ret = vrpc_stream_read_hdr(&l->s, h, deadline);
	if (ret)
		return ret;
	if (vrpc_hdr_check(h, VRPC_MAJOR, MAX_REPLY_FIELDS, MAX_REPLY_BULK) ||
	    !(h->flags & VRPC_F_REPLY))
		return RPC_EPROTO;
	*fields = malloc(h->fields_len ? h->fields_len : 1);
	if (!*fields)
		return VACCEL_ENOMEM;
	ret = vrpc_stream_read(&l->s, *fields, h->fields_len, deadline);
	if (ret) {
		free(*fields);
		*fields = NULL;
	}
	return ret;
}

static int plain_hello(struct rpc_link *l, int64_t deadline)
{
	uint64_t nonce = random_u64();
	struct vrpc_hdr h;
	uint8_t *f = NULL;
	int ret = send_hello(l, nonce, deadline);
	if (!ret)
		ret = read_frame(l, &h, &f, deadline);
	if (!ret && (h.type != VRPC_T_HELLO || h.bulk_len))
		ret = RPC_EPROTO;
	if (!ret)
		ret = take_hello(l, &h, f, nonce);
	free(f);
	return ret;
}

/* Scan the stream for the HELLO reply to `nonce`, skipping stale bytes,
 * until `until`. VACCEL_ETIMEDOUT: not (yet) there. */
static int scan_hello(struct rpc_link *l, uint64_t nonce, int64_t until)
{
	static const uint8_t magic[4] = { 'V', 'A', 'C', 'R' };
	uint8_t win[VRPC_HDR_SIZE];
	size_t have = 0;
	for (;;) {
		int ret = vrpc_stream_read(&l->s, win + have, 1, until);
		if (ret)
			return ret;
		have++;
		/* keep the window aligned on a possible magic */
		while (have && memcmp(win, magic, have < 4 ? have : 4)) {
			memmove(win, win + 1, --have);
		}
		if (have < VRPC_HDR_SIZE)
			continue;
		struct vrpc_hdr h;
		vrpc_hdr_unpack(win, &h);
		have = 0;
		if (h.type != VRPC_T_HELLO || !(h.flags & VRPC_F_REPLY) ||
		    h.bulk_len || h.fields_len > VRPC_PREAUTH_MAX_FIELDS)
			continue;
		uint8_t f[VRPC_PREAUTH_MAX_FIELDS];
		ret = vrpc_stream_read(&l->s, f, h.fields_len, until);
		if (ret)
			return ret;
		ret = take_hello(l, &h, f, nonce);
		if (ret != VACCEL_EAGAIN && ret != VACCEL_EIO)
			return ret;
	}
}

/* vport: push a dead process's half frame out with zero padding and find
 * our HELLO reply among stale bytes (protocol.md §4.3). */
static int resync_hello(struct rpc_link *l, int64_t deadline)
{
	static const uint8_t zeros[65536];
	size_t pad = 4096;
	for (;;) {
		for (size_t sent = 0; sent < pad;) {
			size_t n = pad - sent < sizeof(zeros) ? pad - sent
							      : sizeof(zeros);
			struct iovec iov = { (void *)zeros, n };
			int ret = vrpc_stream_writev(&l->s, &iov, 1, -1,
						     deadline);
			if (ret)
				return ret;
			sent += n;
		}
		uint64_t nonce = random_u64();
		int ret = send_hello(l, nonce, deadline);
		if (ret)
			return ret;
		int64_t until = vrpc_deadline(250);
		if (deadline && until > deadline)
			until = deadline;
		ret = scan_hello(l, nonce, until);
		if (ret != VACCEL_ETIMEDOUT)
			return ret;
		if (deadline && vrpc_now_ns() >= deadline) {
			rpc_err("%s: no answer after %zu bytes of padding: a "
				"previous process may have died in the middle "
				"of a large message; try again",
				rpc_cfg.uri, pad);
			return VACCEL_EIO;
		}
		if (pad < (1ull << 31))
			pad *= 2;
	}
}

static int link_new(struct rpc_link **out)
{
	int64_t deadline = vrpc_deadline(rpc_cfg.connect_timeout_ms);
	int fd = rpc_cfg.addr.t->connect(&rpc_cfg.addr, deadline);
	if (fd < 0) {
		rpc_err("cannot connect to the agent at %s: %s", rpc_cfg.uri,
			vaccel_strerror(-fd));
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
	atomic_init(&l->refs, 1);
	pthread_mutex_init(&l->lock, NULL);
	pthread_mutex_init(&l->send_lock, NULL);
	pthread_cond_init(&l->cv, NULL);
	int ret = rpc_cfg.addr.t->resync ? resync_hello(l, deadline)
					 : plain_hello(l, deadline);
	if (ret) {
		if (ret == VACCEL_ETIMEDOUT || ret == RPC_EPROTO)
			rpc_err("no handshake with the agent at %s: %s",
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
		rpc_shm_fini();
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

int rpc_client_init(void)
{
	int ret = read_config();
	if (ret)
		return ret;
	pthread_atfork(NULL, NULL, on_fork_child);
	struct rpc_link *l;
	if (rpc_link_get(&l)) {
		/* not fatal: calls will try again */
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

void rpc_client_fini(void)
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
		struct vrpc_io io;
		struct iovec *iov;
		size_t niov;
		vrpc_io_init_enc(&io);
		vrpc_msg_io(&io, &m);
		pthread_mutex_lock(&l->send_lock);
		if (!l->dead &&
		    !vrpc_io_frame(&io, VRPC_T_BYE, 0, 0, &iov, &niov))
			vrpc_stream_writev(&l->s, iov, niov, -1,
					   vrpc_deadline(100));
		pthread_mutex_unlock(&l->send_lock);
		vrpc_io_release(&io);
		rpc_link_put(l);
	}
	rpc_shm_fini();
}

uint64_t rpc_agent_ops(void)
{
	return client.ops;
}

/* ---- calls ----------------------------------------------------------------
 */

int rpc_begin(struct rpc_ctx *x, uint16_t type, uint64_t gen)
{
	struct rpc_link *l;
	int ret = gen ? rpc_link_get_gen(gen, &l) : rpc_link_get(&l);
	if (ret) {
		memset(x, 0, sizeof(*x));
		return ret;
	}
	ret = rpc_begin_link(x, type, l);
	rpc_link_put(l);
	return ret;
}

int rpc_begin_link(struct rpc_ctx *x, uint16_t type, struct rpc_link *l)
{
	memset(x, 0, sizeof(*x));
	x->req.type = type;
	x->fd = -1;
	atomic_fetch_add(&l->refs, 1);
	x->link = l;
	x->call = calloc(1, sizeof(*x->call));
	if (!x->call) {
		rpc_link_put(x->link);
		x->link = NULL;
		return VACCEL_ENOMEM;
	}
	return 0;
}

/* Read one frame and give it to its call (l->reading held by us). Returns
 * 0, VACCEL_ETIMEDOUT when no frame started before `deadline` (the stream
 * is intact), or another error (the link is dead). */
/* When the reply to `x` is due, by the recent durations of its op: wait
 * for it by polling from a little before to a little after (at most 1/32
 * of the call's time each side, and VACCEL_RPC_SPIN_US), so that a reply
 * arriving then does not pay for waking an idle CPU (75 µs in this VM). */
static void spin_for_reply(struct rpc_link *l, struct rpc_ctx *x)
{
	unsigned op = (unsigned)x->req.type - VRPC_T_OP;
	if (op >= 64 || !rpc_cfg.spin_us)
		return;
	int64_t expect =
		(int64_t)__atomic_load_n(&l->op_us[op], __ATOMIC_RELAXED) *
		1000;
	if (!expect)
		return;
	int64_t spin = expect / 32 < rpc_cfg.spin_us * 1000
			       ? expect / 32
			       : rpc_cfg.spin_us * 1000;
	int64_t due = x->t0 + expect;
	if (spin < 2000 || due + spin <= vrpc_now_ns())
		return;
	vrpc_stream_ready_by(&l->s, due - spin, due + spin);
}

static void note_time(struct rpc_link *l, struct rpc_ctx *x)
{
	unsigned op = (unsigned)x->req.type - VRPC_T_OP;
	int64_t us = (vrpc_now_ns() - x->t0) / 1000;
	if (op >= 64)
		return;
	us = us < 1 ? 1 : us > UINT32_MAX ? UINT32_MAX : us;
	/* threads may update it at once: only a hint, relaxed */
	uint64_t old = __atomic_load_n(&l->op_us[op], __ATOMIC_RELAXED);
	uint32_t v =
		old ? (uint32_t)((old * 3 + (uint64_t)us) / 4) : (uint32_t)us;
	__atomic_store_n(&l->op_us[op], v, __ATOMIC_RELAXED);
}

static int read_one(struct rpc_link *l, struct rpc_ctx *x)
{
	int64_t frame_dl = vrpc_deadline(rpc_cfg.timeout_ms);
	if (l->discard) {
		int ret = vrpc_stream_skip(&l->s, l->discard, frame_dl);
		if (ret)
			return ret;
		l->discard = 0;
	}
	spin_for_reply(l, x);
	int ret = vrpc_stream_wait(&l->s, x->deadline);
	if (ret)
		return ret == VACCEL_ETIMEDOUT ? ret : VACCEL_EIO;
	struct vrpc_hdr h;
	uint8_t *fields = NULL;
	ret = read_frame(l, &h, &fields, frame_dl);
	if (ret)
		return ret == VACCEL_ETIMEDOUT ? VACCEL_EIO : ret;
	pthread_mutex_lock(&l->lock);
	struct rpc_call **p = &l->pending, *c = NULL;
	for (; *p; p = &(*p)->next) {
		if ((*p)->id == h.id) {
			c = *p;
			break;
		}
	}
	if (c && !c->abandoned && c->state == CALL_WAIT) {
		c->hdr = h;
		c->fields = fields;
		c->state = CALL_GOT;
		/* with bulk, the stream stays with the call */
		l->reading = h.bulk_len != 0;
	} else {
		if (c) {
			*p = c->next;
			rpc_shm_release(c->regions, c->nregions);
			free(c->fields);
			free(c);
		}
		free(fields);
		l->discard = h.bulk_len;
		l->reading = false;
	}
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->lock);
	return 0;
}

/* Wait until the reply of `c` arrived (its fields, and with bulk, the
 * stream), reading frames ourselves when nobody else does. */
static int wait_reply(struct rpc_ctx *x)
{
	struct rpc_link *l = x->link;
	struct rpc_call *c = x->call;
	int ret = 0;
	pthread_mutex_lock(&l->lock);
	while (c->state == CALL_WAIT) {
		if (l->dead) {
			c->state = CALL_FAILED;
			c->err = VACCEL_EIO;
			break;
		}
		if (!l->reading) {
			l->reading = true;
			pthread_mutex_unlock(&l->lock);
			ret = read_one(l, x);
			pthread_mutex_lock(&l->lock);
			if (ret == VACCEL_ETIMEDOUT) {
				l->reading = false;
				pthread_cond_broadcast(&l->cv);
				break;
			}
			if (ret) {
				l->reading = false;
				link_kill(l, ret == RPC_EPROTO
						     ? "malformed reply"
						     : "end of stream");
			}
			ret = 0;
			continue;
		}
		if (x->deadline) {
			struct timespec ts;
			int64_t ns = x->deadline - vrpc_now_ns();
			if (ns <= 0) {
				ret = VACCEL_ETIMEDOUT;
				break;
			}
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(ns / 1000000000);
			ts.tv_nsec += (long)(ns % 1000000000);
			if (ts.tv_nsec >= 1000000000)
				ts.tv_sec++, ts.tv_nsec -= 1000000000;
			pthread_cond_timedwait(&l->cv, &l->lock, &ts);
		} else {
			pthread_cond_wait(&l->cv, &l->lock);
		}
	}
	if (c->state == CALL_GOT)
		ret = 0;
	else if (c->state == CALL_FAILED)
		ret = c->err;
	else if (ret == VACCEL_ETIMEDOUT) {
		/* the reply will be skipped by whoever reads it; the call
		 * (and the shared memory it lent) is freed then */
		c->abandoned = true;
		x->call = NULL;
		rpc_err("%s: no reply within %" PRId64 " ms "
			"(VACCEL_RPC_TIMEOUT_MS)",
			vrpc_type_name(x->req.type), rpc_cfg.timeout_ms);
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

static int send_request(struct rpc_ctx *x)
{
	struct rpc_link *l = x->link;
	struct vrpc_io io;
	struct iovec *iov;
	size_t niov;
	vrpc_io_init_enc(&io);
	if (l->shm) {
		io.place = rpc_shm_place;
		io.place_ctx = x;
	}
	vrpc_msg_io(&io, &x->req);
	pthread_mutex_lock(&l->lock);
	x->call->id = ++l->next_id;
	uint32_t err =
		vrpc_io_frame(&io, x->req.type, x->fd >= 0 ? VRPC_F_FD : 0,
			      x->call->id, &iov, &niov);
	int ret = l->dead ? VACCEL_EIO : 0;
	if (!ret && !err) {
		x->call->next = l->pending;
		l->pending = x->call;
	}
	pthread_mutex_unlock(&l->lock);
	if (err) {
		rpc_err("%s: cannot encode the request (%s)",
			vrpc_type_name(x->req.type), vrpc_err_name(err));
		ret = vrpc_err_from_wire(err);
	}
	if (!ret) {
		pthread_mutex_lock(&l->send_lock);
		ret = vrpc_stream_writev(&l->s, iov, niov, x->fd, x->deadline);
		pthread_mutex_unlock(&l->send_lock);
		if (ret) {
			/* a partly written frame: the stream is lost */
			pthread_mutex_lock(&l->lock);
			link_kill(l, "cannot send");
			pthread_mutex_unlock(&l->lock);
			ret = VACCEL_EIO;
		}
	}
	vrpc_io_release(&io);
	return ret;
}

/* Remove the call from the link's list (it is answered or failed). */
static void unlink_call(struct rpc_link *l, struct rpc_call *c)
{
	pthread_mutex_lock(&l->lock);
	for (struct rpc_call **p = &l->pending; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&l->lock);
}

int rpc_call(struct rpc_ctx *x)
{
	x->t0 = vrpc_now_ns();
	x->deadline =
		rpc_cfg.timeout_ms ? x->t0 + rpc_cfg.timeout_ms * 1000000 : 0;
	int ret = send_request(x);
	if (!ret)
		ret = wait_reply(x);
	if (ret)
		return ret;
	note_time(x->link, x);
	struct rpc_call *c = x->call;
	x->rep.type = x->req.type;
	x->rep.reply = true;
	vrpc_io_init_dec(&x->dec, c->fields, c->hdr.fields_len, &x->pool, NULL);
	vrpc_msg_io(&x->dec, &x->rep);
	/* at most one copy and one allocation per buffer of the reply */
	x->copies = vrpc_pool_alloc(&x->pool,
				    (x->dec.nbufs + 1) * sizeof(*x->copies));
	x->owned = vrpc_pool_alloc(&x->pool,
				   (x->dec.nbufs + 1) * sizeof(*x->owned));
	if (!x->copies || !x->owned ||
	    vrpc_io_finish_dec(&x->dec, c->hdr.bulk_len)) {
		pthread_mutex_lock(&x->link->lock);
		link_kill(x->link, "malformed reply");
		pthread_mutex_unlock(&x->link->lock);
		return VACCEL_EIO;
	}
	return 0;
}

int rpc_out(struct rpc_ctx *x, struct vrpc_buf *rb, const struct vrpc_buf *qb,
	    void *dst, size_t cap)
{
	if (rb->len > cap)
		return VACCEL_EIO;
	if (rb->kind == VRPC_BUF_INLINE) {
		rb->data = dst;
		return 0;
	}
	if (rb->kind != VRPC_BUF_SHM)
		return 0;
	/* written in place: the region this call lent for it */
	if (!qb || qb->kind != VRPC_BUF_SHM || qb->arena != rb->arena ||
	    qb->off != rb->off)
		return VACCEL_EIO;
	void *src = rpc_shm_ptr(rb->arena, rb->off, rb->len);
	if (!src || x->ncopies >= (int)x->dec.nbufs)
		return VACCEL_EIO;
	if (src != dst && rb->len)
		x->copies[x->ncopies++] =
			(struct rpc_copy){ dst, src, rb->len };
	return 0;
}

int rpc_out_alloc(struct rpc_ctx *x, struct vrpc_buf *rb, void **out)
{
	*out = NULL;
	if (rb->kind == VRPC_BUF_NONE || !rb->len)
		return 0;
	if (x->nowned >= (int)x->dec.nbufs)
		return VACCEL_EIO;
	void *p = malloc(rb->len);
	if (!p)
		return VACCEL_ENOMEM;
	x->owned[x->nowned++] = p;
	*out = p;
	if (rb->kind == VRPC_BUF_INLINE) {
		rb->data = p;
		return 0;
	}
	void *src = rpc_shm_ptr(rb->arena, rb->off, rb->len);
	if (!src || x->ncopies >= (int)x->dec.nbufs)
		return VACCEL_EIO;
	x->copies[x->ncopies++] = (struct rpc_copy){ p, src, rb->len };
	return 0;
}

int rpc_finish(struct rpc_ctx *x)
{
	struct rpc_link *l = x->link;
	struct rpc_call *c = x->call;
	int ret = 0;
	if (c->hdr.bulk_len) {
		/* the stream is ours until the bulk is read */
		int64_t dl = vrpc_deadline(rpc_cfg.timeout_ms);
		for (size_t i = 0; !ret && i < x->dec.nbufs; i++) {
			struct vrpc_buf *b = x->dec.bufs[i];
			if (b->kind != VRPC_BUF_INLINE || !b->len)
				continue;
			ret = b->data ? vrpc_stream_read(&l->s, b->data, b->len,
							 dl)
				      : vrpc_stream_skip(&l->s, b->len, dl);
		}
		pthread_mutex_lock(&l->lock);
		l->reading = false;
		if (ret)
			link_kill(l, "end of stream in a reply");
		pthread_cond_broadcast(&l->cv);
		pthread_mutex_unlock(&l->lock);
		c->hdr.bulk_len = 0;
		if (ret)
			return VACCEL_EIO;
	}
	for (int i = 0; i < x->ncopies; i++)
		memcpy(x->copies[i].dst, x->copies[i].src, x->copies[i].len);
	x->ncopies = 0;
	return 0;
}

void rpc_end(struct rpc_ctx *x)
{
	struct rpc_call *c = x->call;
	if (c) {
		/* a reply whose bulk was never read (an error on our side):
		 * skip it, the stream must go on */
		if (c->state == CALL_GOT && c->hdr.bulk_len) {
			for (size_t i = 0; i < x->dec.nbufs; i++)
				x->dec.bufs[i]->data = NULL;
			x->ncopies = 0;
			rpc_finish(x);
		}
		if (x->link)
			unlink_call(x->link, c);
		rpc_shm_release(c->regions, c->nregions);
		free(c->fields);
		free(c);
	}
	for (int i = 0; i < x->nowned; i++)
		free(x->owned[i]);
	vrpc_io_release(&x->dec);
	vrpc_pool_release(&x->pool);
	if (x->link)
		rpc_link_put(x->link);
	x->link = NULL;
	x->call = NULL;
}

int rpc_status(struct rpc_ctx *x)
{
	if (!x->rep.status)
		return 0;
	int ret = vrpc_err_from_wire(x->rep.status);
	if (x->rep.message && *x->rep.message)
		rpc_dbg("%s: agent: %s", vrpc_type_name(x->req.type),
			x->rep.message);
	return ret;
}

int rpc_simple(struct rpc_ctx *x)
{
	int ret = rpc_call(x);
	if (!ret)
		ret = rpc_finish(x);
	return ret ? ret : rpc_status(x);
}

bool rpc_call_add_region(struct rpc_ctx *x, struct rpc_region r)
{
	struct rpc_call *c = x->call;
	if (!c || c->nregions == RPC_MAX_REGIONS)
		return false;
	c->regions[c->nregions++] = r;
	return true;
}
