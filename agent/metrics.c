// SPDX-License-Identifier: Apache-2.0
/* --metrics-listen: the front's HTTP endpoint for operators (Prometheus
 * text format 0.0.4):
 *   GET /metrics  connections, pre-auth connections and refusals, tenants,
 *                 worker starts and ends, per tenant its connections,
 *                 sessions, resources, shared memory, requests, bytes and
 *                 cache, per op its calls, errors and a latency histogram,
 *                 errors by wire code
 *   GET /healthz  200 while the front's loop runs
 *   GET /readyz   200 when it admits connections (503 while stopping)
 * Workers report their counters every second: values are at most that
 * old. One request per connection, read within 5 s, at most 8 KiB; the
 * endpoint takes no input beyond the path, and is served by the front's
 * poll loop (no thread, no backend). */

#include "front.h"
#include "metrics.h"
#include "stats.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vaccel.h>

#define REQ_MAX	 8192
#define MAX_HTTP 16
#define HTTP_MS	 5000

struct http {
	int fd;
	int64_t deadline;
	size_t have;
	char buf[REQ_MAX];
};

static struct vrpc_addr addr;
static int lfd = -1;
static char uri[PATH_MAX + 32];
static struct http conns[MAX_HTTP];
static int nconns;
struct front_counts fcounts;

int metrics_open(void)
{
	if (!cfg.metrics_listen)
		return 0;
	if (vrpc_addr_parse(cfg.metrics_listen, &addr) || !addr.t->listen ||
	    (strcmp(addr.t->scheme, "tcp") && strcmp(addr.t->scheme, "unix")))
		die("--metrics-listen %s: tcp://HOST:PORT or unix://PATH",
		    cfg.metrics_listen);
	/* a queue of 16 dropped a health probe's SYN under a local user's
	 * connect flood (audit 20: 30-40% of 1 s probes failed) */
	lfd = addr.t->listen(&addr, SOMAXCONN);
	if (lfd < 0)
		die("cannot listen on %s: %s", cfg.metrics_listen,
		    strerror(-lfd));
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	vrpc_addr_format(&addr, uri, sizeof(uri));
	ainfo("metrics and health on http: %s (/metrics, /healthz, /readyz)",
	      uri);
	return 0;
}

const char *metrics_uri(void)
{
	return lfd >= 0 ? uri : NULL;
}

void metrics_close(void)
{
	for (int i = 0; i < nconns; i++)
		close(conns[i].fd);
	nconns = 0;
	if (lfd >= 0) {
		close(lfd);
		if (addr.t->unlisten)
			addr.t->unlisten(&addr);
	}
	lfd = -1;
}

/* ---- the text -------------------------------------------------------------
 */

struct out {
	char *p;
	size_t len, cap;
	bool failed;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o,
						      const char *fmt, ...)
{
	va_list ap;
	for (int pass = 0; pass < 2 && !o->failed; pass++) {
		va_start(ap, fmt);
		int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = true;
		} else if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		} else {
			size_t cap = (o->cap + (size_t)n) * 2;
			char *p = realloc(o->p, cap);
			if (!p)
				o->failed = true;
			else
				o->p = p, o->cap = cap;
		}
	}
}

static void head(struct out *o, const char *name, const char *type,
		 const char *help)
{
	put(o, "# HELP vaccel_%s %s\n# TYPE vaccel_%s %s\n", name, help, name,
	    type);
}

static void count_tenant(const char *tenant, const uint64_t *st, void *ctx)
{
	(void)tenant;
	(void)st;
	(*(uint64_t *)ctx)++;
}

static void front_metrics(struct out *o)
{
	head(o, "up", "gauge", "1 while the agent's front runs.");
	put(o, "vaccel_up 1\n");
	head(o, "ready", "gauge",
	     "1 when the agent admits connections, 0 while it stops.");
	put(o, "vaccel_ready %d\n", fcounts.stopping ? 0 : 1);
	head(o, "connections", "gauge", "Authenticated connections open.");
	put(o, "vaccel_connections %" PRIu64 "\n", front_conns);
	head(o, "preauth_connections", "gauge",
	     "Connections that have not completed their HELLO yet.");
	put(o, "vaccel_preauth_connections %" PRIu64 "\n", fcounts.preauth);
	head(o, "refused_total", "counter",
	     "Connections refused or dropped by the front, by reason.");
	static const char *const why[] = { "preauth_pool", "preauth_peer",
					   "hello_late", "auth", "admission" };
	for (int i = 0; i < REFUSE_MAX; i++)
		put(o, "vaccel_refused_total{reason=\"%s\"} %" PRIu64 "\n",
		    why[i], fcounts.refused[i]);
	uint64_t tenants = 0;
	workers_each(count_tenant, &tenants);
	head(o, "tenants", "gauge", "Tenants being served.");
	put(o, "vaccel_tenants %" PRIu64 "\n", tenants);
	head(o, "worker_starts_total", "counter",
	     "Worker processes started (one per tenant on demand).");
	put(o, "vaccel_worker_starts_total %" PRIu64 "\n", wcounts.starts);
	head(o, "worker_failures_total", "counter",
	     "Workers that ended otherwise than told to, by cause: killed "
	     "by a signal (a crash, an abort, a memory limit), exited, or "
	     "over the call deadline.");
	put(o,
	    "vaccel_worker_failures_total{cause=\"signal\"} %" PRIu64 "\n"
	    "vaccel_worker_failures_total{cause=\"exit\"} %" PRIu64 "\n"
	    "vaccel_worker_failures_total{cause=\"deadline\"} %" PRIu64 "\n",
	    wcounts.killed, wcounts.exited, wcounts.deadline);
}

/* Label values are the agent's own tenant names ([A-Za-z0-9._:-]); quoted
 * anyway as the format says. */
static void put_label(struct out *o, const char *v)
{
	for (; *v; v++)
		put(o, *v == '"' || *v == '\\' ? "\\%c" : "%c", *v);
}

static const struct {
	int k;
	const char *name, *type, *help;
} tmetrics[] = {
	{ TS_CONNS, "tenant_connections", "gauge",
	  "A tenant's connections open." },
	{ TS_SESSIONS, "tenant_sessions", "gauge", "A tenant's sessions." },
	{ TS_RESOURCES, "tenant_resources", "gauge", "A tenant's resources." },
	{ TS_SHM_BYTES, "tenant_shm_bytes", "gauge",
	  "Shared memory a tenant's clients attached." },
	{ TS_REQUESTS, "tenant_requests_total", "counter",
	  "Requests served for a tenant." },
	{ TS_BYTES_IN, "tenant_received_bytes_total", "counter",
	  "Bytes of a tenant's requests." },
	{ TS_BYTES_OUT, "tenant_sent_bytes_total", "counter",
	  "Bytes of the replies to a tenant." },
	{ TS_CACHE_BYTES, "tenant_cache_bytes", "gauge",
	  "Bytes in a tenant's upload cache." },
	{ TS_CACHE_ENTRIES, "tenant_cache_entries", "gauge",
	  "Entries in a tenant's upload cache." },
	{ TS_CACHE_HITS, "tenant_cache_hits_total", "counter",
	  "Resources a tenant created from its cache without an upload." },
};

struct tenant_ctx {
	struct out *o;
	int i;
};

static void tenant_line(const char *tenant, const uint64_t *st, void *ctx)
{
	struct tenant_ctx *t = ctx;
	put(t->o, "vaccel_%s{tenant=\"", tmetrics[t->i].name);
	put_label(t->o, tenant);
	put(t->o, "\"} %" PRIu64 "\n", st[tmetrics[t->i].k]);
}

static void tenant_metrics(struct out *o, const uint64_t *total)
{
	for (size_t i = 0; i < sizeof(tmetrics) / sizeof(tmetrics[0]); i++) {
		struct tenant_ctx t = { o, (int)i };
		head(o, tmetrics[i].name, tmetrics[i].type, tmetrics[i].help);
		workers_each(tenant_line, &t);
	}
	head(o, "requests_total", "counter",
	     "Requests served, every tenant (ended workers' included).");
	put(o, "vaccel_requests_total %" PRIu64 "\n", total[TS_REQUESTS]);
	head(o, "received_bytes_total", "counter",
	     "Bytes of requests, every tenant.");
	put(o, "vaccel_received_bytes_total %" PRIu64 "\n", total[TS_BYTES_IN]);
	head(o, "sent_bytes_total", "counter",
	     "Bytes of replies, every tenant.");
	put(o, "vaccel_sent_bytes_total %" PRIu64 "\n", total[TS_BYTES_OUT]);
}

/* "image_classify" */
static const char *op_name(int op)
{
	static char names[OP_SLOTS][48];
	if (!names[op][0])
		vaccel_op_type_to_lower((vaccel_op_type_t)op, names[op],
					sizeof(names[op]));
	return names[op];
}

static void op_metrics(struct out *o, const struct op_stats *s)
{
	head(o, "op_calls_total", "counter", "Op calls served, by op.");
	for (int op = 0; op < OP_SLOTS; op++)
		if (s->calls[op] && op_stats_known((unsigned)op))
			put(o, "vaccel_op_calls_total{op=\"%s\"} %" PRIu64 "\n",
			    op_name(op), s->calls[op]);
	head(o, "op_errors_total", "counter", "Op calls that failed, by op.");
	for (int op = 0; op < OP_SLOTS; op++)
		if (s->calls[op] && op_stats_known((unsigned)op))
			put(o,
			    "vaccel_op_errors_total{op=\"%s\"} %" PRIu64 "\n",
			    op_name(op), s->errors[op]);
	head(o, "errors_total", "counter",
	     "Failed replies of any message, by wire error code.");
	for (int c = 1; c < OP_CODES; c++)
		if (s->codes[c])
			put(o, "vaccel_errors_total{code=\"%s\"} %" PRIu64 "\n",
			    vrpc_err_name((uint32_t)c), s->codes[c]);
	head(o, "op_duration_seconds", "histogram",
	     "Time from a request read to its reply sent, by op.");
	for (int op = 0; op < OP_SLOTS; op++) {
		if (!s->calls[op] || !op_stats_known((unsigned)op))
			continue;
		const char *n = op_name(op);
		uint64_t cum = 0;
		for (int b = 0; b < OP_BUCKETS; b++) {
			op_stats_sat_add(&cum, s->hist[op][b]);
			if (b < OP_BUCKETS - 1)
				put(o,
				    "vaccel_op_duration_seconds_bucket{op=\"%s"
				    "\",le=\"%g\"} %" PRIu64 "\n",
				    n, op_bucket_le[b], cum);
			else
				put(o,
				    "vaccel_op_duration_seconds_bucket{op=\"%s"
				    "\",le=\"+Inf\"} %" PRIu64 "\n",
				    n, cum);
		}
		put(o,
		    "vaccel_op_duration_seconds_sum{op=\"%s\"} %.9f\n"
		    "vaccel_op_duration_seconds_count{op=\"%s\"} %" PRIu64 "\n",
		    n, (double)s->ns[op] / 1e9, n, s->calls[op]);
	}
}

static char *exposition(size_t *len)
{
	struct out o = { 0 };
	uint64_t total[TS_MAX];
	struct op_stats *ops = malloc(sizeof(*ops));
	if (!ops)
		return NULL;
	workers_totals(total, ops);
	front_metrics(&o);
	tenant_metrics(&o, total);
	op_metrics(&o, ops);
	free(ops);
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	*len = o.len;
	return o.p;
}

/* ---- HTTP -----------------------------------------------------------------
 */

static void reply(int fd, const char *status, const char *type,
		  const char *body, size_t len)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			 status, type, len);
	struct iovec iov[2] = { { hdr, (size_t)n }, { (void *)body, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	/* one write that does not wait: the socket buffer is made to take
	 * the whole reply (a client that reads slowly got it cut where the
	 * default buffer ended), which then goes out after the close; a
	 * client that does not read loses what is past its window */
	int want = (int)(len + (size_t)n + 4096 < (8u << 20)
				 ? len + (size_t)n + 4096
				 : (8u << 20));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)w;
}

static void answer(struct http *h)
{
	char method[8], path[256];
	h->buf[h->have] = 0;
	if (sscanf(h->buf, "%7s %255s", method, path) != 2 ||
	    strcmp(method, "GET")) {
		reply(h->fd, "405 Method Not Allowed", "text/plain",
		      "GET only\n", 9);
		return;
	}
	char *q = strchr(path, '?');
	if (q)
		*q = 0;
	if (!strcmp(path, "/metrics")) {
		size_t len = 0;
		char *body = exposition(&len);
		if (body)
			reply(h->fd, "200 OK",
			      "text/plain; version=0.0.4; charset=utf-8", body,
			      len);
		else
			reply(h->fd, "500 Internal Server Error", "text/plain",
			      "out of memory\n", 14);
		free(body);
	} else if (!strcmp(path, "/healthz")) {
		reply(h->fd, "200 OK", "text/plain", "ok\n", 3);
	} else if (!strcmp(path, "/readyz")) {
		if (fcounts.stopping)
			reply(h->fd, "503 Service Unavailable", "text/plain",
			      "stopping\n", 9);
		else
			reply(h->fd, "200 OK", "text/plain", "ready\n", 6);
	} else {
		reply(h->fd, "404 Not Found", "text/plain",
		      "/metrics, /healthz, /readyz\n", 28);
	}
}

static void drop(int i)
{
	close(conns[i].fd);
	conns[i] = conns[--nconns];
}

static void read_http(int i);

/* accept_pause's */
static int64_t paused, said;

static void accept_http(void)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			paused = accept_pause(errno, "metrics", &said,
					      vrpc_now_ns());
			return;
		}
		if (nconns == MAX_HTTP) {
			/* the oldest goes, not the newest: idle connections
			 * holding every slot kept the probes out (a scrape
			 * sends its request at once) */
			int old = 0;
			for (int i = 1; i < nconns; i++)
				if (conns[i].deadline < conns[old].deadline)
					old = i;
			drop(old);
		}
		conns[nconns++] =
			(struct http){ .fd = fd,
				       .deadline = vrpc_deadline(HTTP_MS) };
		/* a request already there is answered now, before the
		 * connections queued behind it push it out of the slots (a
		 * connect flood evicted the probes it had queued behind
		 * itself; audit 20) */
		read_http(nconns - 1);
	}
}

static void read_http(int i)
{
	struct http *h = &conns[i];
	ssize_t n = recv(h->fd, h->buf + h->have, sizeof(h->buf) - 1 - h->have,
			 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(i);
		return;
	}
	h->have += (size_t)n;
	h->buf[h->have] = 0;
	if (strstr(h->buf, "\r\n\r\n") || strstr(h->buf, "\n\n")) {
		answer(h);
		drop(i);
	} else if (h->have == sizeof(h->buf) - 1) {
		reply(h->fd, "431 Request Header Fields Too Large",
		      "text/plain", "too large\n", 10);
		drop(i);
	}
}

int metrics_pollfds(struct pollfd *pf, int max, int64_t *deadline)
{
	int n = 0;
	if (lfd < 0)
		return 0;
	bool wait = paused > vrpc_now_ns();
	if (wait)
		deadline_min(deadline, paused);
	if (n < max)
		pf[n++] = (struct pollfd){ .fd = lfd,
					   .events = wait ? 0 : POLLIN };
	for (int i = 0; i < nconns && n < max; i++) {
		pf[n++] =
			(struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		deadline_min(deadline, conns[i].deadline);
	}
	return n;
}

void metrics_event(int fd, short revents)
{
	(void)revents;
	if (fd == lfd) {
		accept_http();
		return;
	}
	for (int i = 0; i < nconns; i++) {
		if (conns[i].fd == fd) {
			read_http(i);
			return;
		}
	}
}

void metrics_expire(void)
{
	int64_t now = vrpc_now_ns();
	for (int i = nconns - 1; i >= 0; i--)
		if (conns[i].deadline <= now)
			drop(i);
}
