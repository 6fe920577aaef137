// SPDX-License-Identifier: Apache-2.0
/* Benchmarks of the rpc transport (docs/benchmarks.md, "Remote execution").
 * Every table is a ratio of two ways of doing the same thing, measured in
 * one run, interleaved by rounds; the figures are medians of per-round
 * medians.
 *
 *   bench-rpc latency [ROUNDS]  small call round trip (UNIX, TCP) vs a raw
 *                               socket ping-pong of the same byte counts
 *   bench-rpc bulk [ROUNDS]     1-64 MiB each way vs single-thread memcpy
 *   bench-rpc infer [ROUNDS]    image ops and model runs (onnx, torch)
 *                               through the agent vs local (the client
 *                               waits on the other vCPU)
 *   bench-rpc infer-same [ROUNDS]  the same, the client waiting on the
 *                               vCPU the worker computes on
 *   bench-rpc infer-free [ROUNDS]  the same over the ring, the worker not
 *                               pinned (the agent's own placement: near
 *                               its client)
 *   bench-rpc scale [CALLS]     two clients vs one (compute-bound calls)
 *   bench-rpc ring [ROUNDS]     small calls through the shared-memory ring
 *                               vs the socket (bench_ring.c)
 *
 * It starts its own vaccel-agent (and raw echo server) processes; run it
 * with VACCEL_BUILD_ROOT set and VACCEL_BOOTSTRAP_ENABLED=0 (run.sh). */

#include "bench_rpc.h"
#include "files.h"
#include "harness.h"
#include "median.h"
#include "vaccel_rpc.h"
#include "stream.h"
#include "transport.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vaccel.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

int64_t now(void)
{
	return vrpc_now_ns();
}

void pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

void unpin(void)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

void die(const char *what)
{
	fprintf(stderr, "bench-rpc: %s\n", what);
	exit(1);
}

/* ---- latency ------------------------------------------------------------ */

/* Sizes of a request and reply frame of a message (header + fields +
 * bulk). */
static void frame_size(struct vrpc_msg *m, size_t *bytes)
{
	struct vrpc_io io;
	struct iovec *iov;
	size_t n;
	vrpc_io_init_enc(&io);
	vrpc_msg_io(&io, m);
	vrpc_io_frame(&io, m->type, 0, 1, &iov, &n);
	*bytes = 0;
	for (size_t i = 0; i < n; i++)
		*bytes += iov[i].iov_len;
	vrpc_io_release(&io);
}

/* A raw echo server: reads `req` bytes, answers `rep` bytes, forever. */

static void serve_conn(int fd, size_t req, size_t rep)
{
	char buf[4096];
	for (;;) {
		size_t got = 0;
		while (got < req) {
			ssize_t n = read(fd, buf,
					 req - got < sizeof(buf) ? req - got
								 : sizeof(buf));
			if (n <= 0)
				return;
			got += (size_t)n;
		}
		if (write(fd, buf, rep) != (ssize_t)rep)
			return;
	}
}

void raw_start(struct raw_server *s, size_t req, size_t rep)
{
	snprintf(s->path, sizeof(s->path), "/tmp/bench-raw-%d.sock",
		 (int)getpid());
	unlink(s->path);
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, s->path, strlen(s->path));
	int t = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in si = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(si);
	if (bind(u, (struct sockaddr *)&sa, sizeof(sa)) || listen(u, 4) ||
	    bind(t, (struct sockaddr *)&si, sizeof(si)) || listen(t, 4) ||
	    getsockname(t, (struct sockaddr *)&si, &len))
		die("raw server");
	s->port = ntohs(si.sin_port);
	s->pid = fork();
	if (s->pid)
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		fd_set fs;
		FD_ZERO(&fs);
		FD_SET(u, &fs);
		FD_SET(t, &fs);
		select((u > t ? u : t) + 1, &fs, NULL, NULL, NULL);
		int fd = accept(FD_ISSET(u, &fs) ? u : t, NULL, NULL);
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve_conn(fd, req, rep);
		close(fd);
	}
}

int raw_client(struct raw_server *s, bool tcp)
{
	int fd;
	if (tcp) {
		struct sockaddr_in si = { .sin_family = AF_INET,
					  .sin_port = htons((uint16_t)s->port),
					  .sin_addr.s_addr =
						  htonl(INADDR_LOOPBACK) };
		fd = socket(AF_INET, SOCK_STREAM, 0);
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&si, sizeof(si)))
			die("raw connect");
	} else {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		memcpy(sa.sun_path, s->path, strlen(s->path));
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			die("raw connect");
	}
	return fd;
}

void raw_times(int fd, size_t req, size_t rep, int64_t *t, int iters)
{
	char buf[4096] = { 1 };
	for (int i = 0; i < iters; i++) {
		int64_t t0 = now();
		if (write(fd, buf, req) != (ssize_t)req)
			die("raw write");
		for (size_t got = 0; got < rep;) {
			ssize_t n = read(fd, buf, rep - got);
			if (n <= 0)
				die("raw read");
			got += (size_t)n;
		}
		t[i] = now() - t0;
	}
}

/* The same with the client polling for the reply (recv with
 * MSG_DONTWAIT, then sched_yield, for up to 100 µs) before it sleeps in
 * read, as the rpc plugin polls for the reply of a short call: the raw
 * floor of that technique. */
static void raw_times_polling(int fd, size_t req, size_t rep, int64_t *t,
			      int iters)
{
	char buf[4096] = { 1 };
	for (int i = 0; i < iters; i++) {
		int64_t t0 = now();
		if (write(fd, buf, req) != (ssize_t)req)
			die("raw write");
		size_t got = 0;
		while (got < rep && now() < t0 + 100000) {
			ssize_t n = recv(fd, buf, rep - got, MSG_DONTWAIT);
			if (n > 0)
				got += (size_t)n;
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				die("raw read");
			else
				sched_yield();
		}
		for (; got < rep;) {
			ssize_t n = read(fd, buf, rep - got);
			if (n <= 0)
				die("raw read");
			got += (size_t)n;
		}
		t[i] = now() - t0;
	}
}

/* Median ns of `iters` raw round trips. */
static int64_t raw_rtt(int fd, size_t req, size_t rep, int iters, bool polling)
{
	static int64_t t[100000];
	(polling ? raw_times_polling : raw_times)(fd, req, rep, t, iters);
	return tu_median_i64(t, iters);
}

/* The small calls measured: vaccel_noop, and an op with a 64-byte read
 * arg and a 64-byte in-out write arg (opencv of the noop plugin). */
static int call_small(struct vaccel_session *s, int kind)
{
	static char in[64], out[64];
	struct vaccel_arg rd = { in, 64, VACCEL_ARG_RAW, 0, false };
	struct vaccel_arg wr = { out, 64, VACCEL_ARG_RAW, 0, false };
	if (!kind)
		return vaccel_noop(s);
	return vaccel_opencv(s, &rd, 1, &wr, 1);
}

static int64_t rpc_rtt(struct vaccel_session *s, int kind, int iters)
{
	static int64_t t[100000];
	for (int i = 0; i < iters; i++) {
		int64_t t0 = now();
		if (call_small(s, kind))
			die("rpc call failed");
		t[i] = now() - t0;
	}
	return tu_median_i64(t, iters);
}

void small_sizes(int kind, size_t *req, size_t *rep)
{
	static char b64[64];
	struct vrpc_arg a = { 0, 0, { VRPC_BUF_INLINE, 64, 0, 0, b64 } };
	struct vrpc_msg q = { .type = VRPC_T_OP + (kind ? VACCEL_OP_OPENCV
							: VACCEL_OP_NOOP) };
	struct vrpc_msg r = { .type = q.type, .reply = true };
	struct vrpc_buf rb = a.data;
	if (kind) {
		q.u.exec = (struct vrpc_exec){ NULL, NULL, &a, 1, &a, 1 };
		r.u.bufs = (struct vrpc_bufs){ &rb, 1 };
	}
	frame_size(&q, req);
	frame_size(&r, rep);
}

/* Pin every thread of `pid` to `cpu` (threads it starts later inherit
 * it from the thread that starts them). */
static void pin_pid(pid_t pid, int cpu)
{
	char path[64];
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.')
			sched_setaffinity(atoi(e->d_name), sizeof(set), &set);
	if (d)
		closedir(d);
}

/* The agent's front and workers on `cpu`. */
void pin_agent(const struct agent_proc *a, int cpu)
{
	pid_t w[8];
	int n = agent_workers(a, w, 8);
	pin_pid(a->pid, cpu);
	for (int i = 0; i < n; i++)
		pin_pid(w[i], cpu);
}

/* Median round trip of small calls of `kind` through agent `a` (a fresh
 * client connection: this process's rpc plugin reaches one agent at a
 * time), the agent on `cpu`. */
static int64_t agent_rtt(const struct agent_proc *a, bool tcp, int kind,
			 int cpu, int iters)
{
	struct vaccel_session s;
	if (client_bootstrap("rpc", tcp ? a->tcp_uri : a->unix_uri) ||
	    vaccel_session_init(&s, 0))
		die("bootstrap");
	pin_agent(a, cpu); /* the connection's new thread too */
	rpc_rtt(&s, kind, 500);
	int64_t t = rpc_rtt(&s, kind, iters);
	vaccel_session_release(&s);
	vaccel_cleanup();
	return t;
}

enum {
	L_RAW,
	L_RAWPOLL,
	L_PROC,
	L_NOCPU,
	L_NONE,
	L_RAW2,
	L_N
};

/* Rounds of: raw ping-pong, the agent with --isolation process, the same
 * without its workers' cpu group, with --isolation none, raw again (the
 * A/A control). */
static void latency_rounds(struct agent_proc ag[3], int kind, bool tcp, int cpu,
			   int rounds, int64_t t[L_N][64])
{
	size_t req, rep;
	small_sizes(kind, &req, &rep);
	struct raw_server srv;
	raw_start(&srv, req, rep);
	pin_pid(srv.pid, cpu);
	int fd = raw_client(&srv, tcp);
	raw_rtt(fd, req, rep, 2000, false);
	for (int r = 0; r < rounds; r++) {
		t[L_RAW][r] = raw_rtt(fd, req, rep, 3000, false);
		t[L_RAWPOLL][r] = raw_rtt(fd, req, rep, 3000, true);
		t[L_PROC][r] = agent_rtt(&ag[0], tcp, kind, cpu, 3000);
		t[L_NOCPU][r] = agent_rtt(&ag[2], tcp, kind, cpu, 3000);
		t[L_NONE][r] = agent_rtt(&ag[1], tcp, kind, cpu, 3000);
		t[L_RAW2][r] = raw_rtt(fd, req, rep, 3000, false);
	}
	close(fd);
	kill(srv.pid, SIGKILL);
	waitpid(srv.pid, NULL, 0);
	unlink(srv.path);
}

static void latency_row(const char *name, bool tcp, int cpu, int rounds,
			int64_t t[L_N][64])
{
	double ratio[L_N][64], med[L_N];
	int64_t m[L_N];
	for (int k = 0; k < L_N; k++) {
		m[k] = tu_median_i64(t[k], rounds);
		for (int r = 0; r < rounds; r++)
			ratio[k][r] = (double)t[k][r] / (double)t[L_RAW][r];
		med[k] = tu_median_d(ratio[k], rounds);
	}
#define CELL(k) (double)m[k] / 1e3, (double)(m[k] - m[L_RAW]) / 1e3, med[k]
	printf("| %s, %s, %s | %.1f µs | %.1f µs (%+.1f µs, %.2f) | %.1f µs "
	       "(**%+.1f µs**, %.2f) | %.1f µs (**%+.1f µs**, %.2f) | %.1f µs "
	       "(**%+.1f µs**, %.2f) | %.1f µs (%+.1f µs, %.2f) |\n",
	       name, tcp ? "TCP" : "UNIX",
	       cpu ? "different vCPUs" : "same vCPU", (double)m[L_RAW] / 1e3,
	       CELL(L_RAWPOLL), CELL(L_PROC), CELL(L_NOCPU), CELL(L_NONE),
	       CELL(L_RAW2));
#undef CELL
}

static void latency(int rounds)
{
	struct agent_proc ag[3];
	const char *names[2] = { "vaccel_noop()",
				 "opencv, 64 B read + 64 B in-out arg" };
	const char *none[] = { "--isolation", "none", NULL },
		   *nocpu[] = { "--worker-cpu-share", "off", NULL };
	if (agent_start(&ag[0], "noop", NULL) ||
	    agent_start(&ag[1], "noop", none) ||
	    agent_start(&ag[2], "noop", nocpu))
		die("cannot start the agents");
	static int64_t t[2][2][2][L_N][64];
	pin(0); /* the client; the servers on CPU 1 or 0 */
	for (int kind = 0; kind < 2; kind++)
		for (int tr = 0; tr < 2; tr++)
			for (int cpu = 1; cpu >= 0; cpu--)
				latency_rounds(ag, kind, tr, cpu, rounds,
					       t[kind][tr][cpu]);
	unpin();
	for (int i = 0; i < 3; i++)
		agent_stop(&ag[i]);
	for (int kind = 0; kind < 2; kind++) {
		size_t req, rep;
		small_sizes(kind, &req, &rep);
		printf("%s: request %zu B, reply %zu B\n", names[kind], req,
		       rep);
	}
	printf("\nMedians of %d rounds of 3000 calls each; in brackets the "
	       "extra over the raw socket and the median of per-round "
	       "ratios. The agent's client polls for the reply of a short "
	       "call before it sleeps (VACCEL_RPC_SPIN_US); 'raw, client "
	       "polls' is the raw ping-pong doing the same.\n\n| small "
	       "call (client on vCPU 0) | raw socket ping-pong | raw, client "
	       "polls | agent, --isolation process | the same, "
	       "--worker-cpu-share off | agent, --isolation none | raw "
	       "again (A/A control) |\n|---|---|---|---|---|---|---|\n",
	       rounds);
	for (int kind = 0; kind < 2; kind++)
		for (int tr = 0; tr < 2; tr++)
			for (int cpu = 1; cpu >= 0; cpu--)
				latency_row(names[kind], tr, cpu, rounds,
					    t[kind][tr][cpu]);
}

/* ---- bulk --------------------------------------------------------------- */

/* One arraycopy of n bytes each way (fpga_arraycopy of the blas
 * plugin: n in, n out). */
static int64_t arraycopy_ns(struct vaccel_session *s, int *a, int *b, size_t n,
			    int iters)
{
	int64_t t[64];
	for (int i = 0; i < iters; i++) {
		int64_t t0 = now();
		if (vaccel_fpga_arraycopy(s, a, b, n / sizeof(int)))
			die("arraycopy failed");
		t[i] = now() - t0;
	}
	return tu_median_i64(t, iters);
}

static int64_t memcpy_ns(void *d, const void *s, size_t n, int iters)
{
	int64_t t[64];
	for (int i = 0; i < iters; i++) {
		int64_t t0 = now();
		memcpy(d, s, n);
		memcpy((char *)s + 1, (char *)d + 1, n - 1);
		t[i] = now() - t0;
	}
	return tu_median_i64(t, iters);
}

enum {
	B_MEMCPY,
	B_LOCAL,
	B_SHM,
	B_ZERO,
	B_RSHM,
	B_RZERO,
	B_UNIX,
	B_TCP,
	B_N
};

/* Shared memory with copies and with zero-copy buffers: t[B_SHM + off]
 * and t[B_ZERO + off]. */
static void bulk_shm(struct vaccel_session *s, int *a, int *b, size_t n, int it,
		     int64_t t[B_N][64], int r, int off)
{
	struct vaccel_rpc_shm_api api;
	if (vaccel_rpc_shm_api(&api))
		die("no vaccel_rpc_shm_alloc");
	/* two: a 16 MiB call's first regions were faulted in again at the
	 * second call (70 ms) */
	arraycopy_ns(s, a, b, n, 2);
	t[B_SHM + off][r] = arraycopy_ns(s, a, b, n, it);
	int *za = api.alloc(n), *zb = api.alloc(n);
	memset(za, 1, n);
	memset(zb, 2, n);
	arraycopy_ns(s, za, zb, n, 2);
	t[B_ZERO + off][r] = arraycopy_ns(s, za, zb, n, it);
	api.free(za);
	api.free(zb);
}

static void bulk(int rounds)
{
	static const char *const what[B_N] = {
		"memcpy 2 x n (one thread)",
		"arraycopy, local plugin",
		"UNIX, shared memory (copies in and out)",
		"UNIX, zero copy (vaccel_rpc_shm_alloc buffers)",
		"UNIX ring, shared memory (copies in and out)",
		"UNIX ring, zero copy",
		"UNIX socket (VACCEL_RPC_SHM=0)",
		"TCP socket"
	};
	struct agent_proc ag;
	if (!plugin_path("blas"))
		die("the blas plugin is not built");
	if (agent_start(&ag, "blas", NULL))
		die("cannot start the agent");
	size_t sizes[4] = { 1 << 20, 4 << 20, 16 << 20, 64 << 20 };
	static int64_t t[4][B_N][64];
	for (int r = 0; r < rounds; r++) {
		for (int cfg = 0; cfg < 4; cfg++) {
			/* cfg 0: UNIX socket with shm; 1: without; 2: TCP;
			 * 3: the ring with shm */
			setenv("VACCEL_RPC_SHM", cfg == 1 ? "0" : "1", 1);
			setenv("VACCEL_RPC_RING", cfg == 3 ? "1" : "0", 1);
			if (client_bootstrap("blas:rpc", cfg == 2
								 ? ag.tcp_uri
								 : ag.unix_uri))
				die("bootstrap");
			struct vaccel_session l, s;
			if (vaccel_session_init(&l, 0) ||
			    vaccel_session_init(&s, VACCEL_PLUGIN_REMOTE))
				die("session");
			for (int k = 0; k < 4; k++) {
				size_t n = sizes[k];
				int *a = malloc(n), *b = malloc(n);
				memset(a, 1, n);
				memset(b, 2, n);
				int it = n >= (16 << 20) ? 3 : 7;
				if (cfg == 0) {
					t[k][B_MEMCPY][r] =
						memcpy_ns(b, a, n, it);
					t[k][B_LOCAL][r] =
						arraycopy_ns(&l, a, b, n, it);
				}
				if (cfg == 0 || cfg == 3) {
					bulk_shm(&s, a, b, n, it, t[k], r,
						 cfg ? B_RSHM - B_SHM : 0);
				} else {
					arraycopy_ns(&s, a, b, n, 2);
					t[k][cfg == 1 ? B_UNIX : B_TCP][r] =
						arraycopy_ns(&s, a, b, n, it);
				}
				free(a);
				free(b);
			}
			vaccel_session_release(&s);
			vaccel_session_release(&l);
			vaccel_cleanup();
		}
	}
	setenv("VACCEL_RPC_RING", "0", 1);
	unsetenv("VACCEL_RPC_SHM");
	agent_stop(&ag);
	printf("\nTransport cost of a call = (call through the agent) - (same "
	       "call locally);\nratio = memcpy of the same 2 x n bytes / "
	       "transport cost (higher is better).\n\n");
	printf("| n each way | memcpy 2n | local call | transport | through "
	       "the agent | transport cost | GiB/s | ratio vs memcpy |\n"
	       "|---|---|---|---|---|---|---|---|\n");
	for (int k = 0; k < 4; k++) {
		int64_t mc = tu_median_i64(t[k][B_MEMCPY], rounds);
		int64_t lo = tu_median_i64(t[k][B_LOCAL], rounds);
		for (int m = B_SHM; m < B_N; m++) {
			double ratios[64];
			for (int r = 0; r < rounds; r++) {
				double cost =
					(double)(t[k][m][r] - t[k][B_LOCAL][r]);
				ratios[r] =
					cost > 1000
						? (double)t[k][B_MEMCPY][r] /
							  cost
						: 99;
			}
			int64_t v = tu_median_i64(t[k][m], rounds);
			double cost = (double)(v - lo);
			printf("| %zu MiB | %.2f ms | %.2f ms | %s | %.2f ms | "
			       "%.2f ms | %.1f | **%.2f** |\n",
			       sizes[k] >> 20, (double)mc / 1e6,
			       (double)lo / 1e6, what[m], (double)v / 1e6,
			       cost / 1e6,
			       cost > 0 ? 2.0 * (double)sizes[k] / cost * 1e9 /
						  (1 << 30)
					: 0,
			       tu_median_d(ratios, rounds));
		}
	}
	/* what the fixed round trip leaves: the copies alone, against
	 * memcpy (the ratio the copies allow if the round trip cost
	 * nothing) */
	printf("\n| n each way | copies alone (shared memory with copies - "
	       "zero copy), socket / ring | memcpy 2n / copies alone, socket "
	       "/ ring |\n|---|---|---|\n");
	for (int k = 0; k < 4; k++) {
		double ceil[2][64];
		int64_t c[2][64];
		for (int m = 0; m < 2; m++)
			for (int r = 0; r < rounds; r++) {
				int64_t *w = t[k][m ? B_RSHM : B_SHM];
				int64_t *z = t[k][m ? B_RZERO : B_ZERO];
				c[m][r] = w[r] - z[r];
				ceil[m][r] =
					c[m][r] > 1000
						? (double)t[k][B_MEMCPY][r] /
							  (double)c[m][r]
						: 99;
			}
		printf("| %zu MiB | %.2f / %.2f ms | %.2f / %.2f |\n",
		       sizes[k] >> 20,
		       (double)tu_median_i64(c[0], rounds) / 1e6,
		       (double)tu_median_i64(c[1], rounds) / 1e6,
		       tu_median_d(ceil[0], rounds),
		       tu_median_d(ceil[1], rounds));
	}
}

/* ---- inference ------------------------------------------------------------
 */

/* Model runs measured next to the image ops: ONNX CenterNet (a 3 MiB
 * float input) and TorchScript MoveNet, in a session of their own next to
 * the local and the remote session of the image ops (registered models
 * would be used by the image ops). */
#define IMAGE_OPS 4
#define INFER_OPS 6
static const char *const model_files[2] = { "models/converted/centernet.onnx",
					    "models/converted/movenet.pt" };
static const int model_side[2] = { 512, 192 };
static struct {
	struct vaccel_session *key, s;
	struct vaccel_resource r[2];
} models[2];
static int nmodels;

static int model_run(struct vaccel_session *s, int which, const void *in,
		     size_t len)
{
	struct vaccel_resource *r = NULL;
	for (int i = 0; i < nmodels; i++)
		if (models[i].key == s) {
			r = &models[i].r[which];
			s = &models[i].s;
			break;
		}
	int64_t d[4] = { 1, model_side[which], model_side[which], 3 };
	int ret;
	if (!which) {
		struct vaccel_onnx_tensor t = { (void *)in, len,
						false,	    4,
						d,	    VACCEL_ONNX_FLOAT },
					  *pt = &t, *o[1] = { 0 };
		ret = vaccel_onnx_model_run(s, r, &pt, 1, o, 1);
		vaccel_onnx_tensor_delete(o[0]);
	} else {
		struct
			vaccel_torch_tensor
				t = { (void *)in, len, false,
				      4,	  d,   VACCEL_TORCH_FLOAT },
				*pt = &t, *o[1] = { 0 };
		ret = vaccel_torch_model_run(s, r, NULL, &pt, 1, o, 1);
		vaccel_torch_tensor_delete(o[0]);
	}
	return ret;
}

static void models_open(struct vaccel_session *key, uint32_t flags)
{
	struct vaccel_session *s = &models[nmodels].s;
	models[nmodels].key = key;
	if (vaccel_session_init(s, flags))
		die("session");
	for (int w = 0; w < 2; w++) {
		struct vaccel_resource *r = &models[nmodels].r[w];
		if (vaccel_resource_init(r, deps_path(model_files[w]),
					 VACCEL_RESOURCE_MODEL) ||
		    vaccel_resource_register(r, s) ||
		    (w ? vaccel_torch_model_load(s, r)
		       : vaccel_onnx_model_load(s, r)))
			die("cannot load a model (scripts/fetch-assets.sh)");
	}
	nmodels++;
}

static void models_close(void)
{
	for (int i = 0; i < nmodels; i++)
		for (int w = 0; w < 2; w++) {
			vaccel_resource_unregister(&models[i].r[w],
						   &models[i].s);
			vaccel_resource_release(&models[i].r[w]);
		}
	for (int i = 0; i < nmodels; i++)
		vaccel_session_release(&models[i].s);
	nmodels = 0;
}

/* A deterministic input tensor of model `which`: pixel values 0-255. */
static void *model_input(int which, size_t *len)
{
	size_t n = (size_t)model_side[which] * model_side[which] * 3;
	float *f = malloc(n * sizeof(float));
	if (!f)
		die("no memory");
	for (size_t i = 0; i < n; i++)
		f[i] = (float)((i * 2654435761u >> 13) & 255);
	*len = n * sizeof(float);
	return f;
}

static int image_op(struct vaccel_session *s, int op, const void *img,
		    size_t len)
{
	unsigned char text[4096], name[4096];
	switch (op) {
	case 0:
		return vaccel_image_classification(s, img, text, name, len,
						   sizeof(text), sizeof(name));
	case 1:
		return vaccel_image_detection(s, img, name, len, sizeof(name));
	case 2:
		return vaccel_image_segmentation(s, img, name, len,
						 sizeof(name));
	case 3:
		return vaccel_image_pose(s, img, name, len, sizeof(name));
	default:
		return model_run(s, op - IMAGE_OPS, img, len);
	}
}

static int64_t image_ns(struct vaccel_session *s, int op, const void *img,
			size_t len, int iters)
{
	int64_t t[64];
	for (int i = 0; i < iters; i++) {
		int64_t t0 = now();
		if (image_op(s, op, img, len))
			die("image op failed");
		t[i] = now() - t0;
	}
	return tu_median_i64(t, iters);
}

/* Nanoseconds the tasks of `pid` (0: this process) ran (field 0) or
 * waited on a run queue (field 1), from /proc/PID/task/N/schedstat (a
 * thread that ended is no longer counted: the worker's connection threads
 * live as long as the connection). */
int64_t sched_ns(pid_t pid, int field)
{
	char path[64];
	int64_t sum = 0;
	if (!pid && !field) {
		/* a running task's schedstat lags by up to a tick */
		struct timespec ts;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	snprintf(path, sizeof(path), "/proc/%d/task",
		 pid ? (int)pid : getpid());
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));) {
		char f[400];
		long long v[2];
		if (e->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "%s/%s/schedstat", path, e->d_name);
		FILE *fp = fopen(f, "r");
		if (fp && fscanf(fp, "%lld %lld", &v[0], &v[1]) == 2)
			sum += v[field];
		if (fp)
			fclose(fp);
	}
	if (d)
		closedir(d);
	return sum;
}

/* Page faults of process `pid` so far (minor + major, /proc/PID/stat);
 * 0: this process. */
static int64_t proc_faults(pid_t pid)
{
	char path[64], buf[1024];
	long long mn = 0, mj = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat",
		 pid ? (int)pid : getpid());
	FILE *fp = fopen(path, "r");
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	if (fp)
		fclose(fp);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	/* after the name: state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %lld %*u %lld",
			 &mn, &mj) != 2)
		return 0;
	return mn + mj;
}

/* Calls in rounds of four, local and through the agent alternating (L R
 * L2 R2, rotated by one each round), so that every call follows a call of
 * the other kind (or of another op), as many times first as last: the
 * second local call is the A/A control (the noise of this machine). A
 * ratio is 1 + median(b - L) / median(L), which cancels most of this
 * shared machine's drift. t[0..3]: L, R, L2, R2; cpu, pf: of L and R. */
/* infer-same: the client waits for a remote call on the vCPU the worker
 * computes on (where the scheduler puts a woken task next to the one that
 * woke it), instead of on the other one; infer-free: the worker is not
 * pinned (the agent places it: near its ring client, agent/near.c) */
static bool same_cpu, free_worker;

static void infer_round(struct vaccel_session *l, struct vaccel_session *s,
			int op, const void *img, size_t len, int i,
			int64_t t[4], pid_t worker, int64_t st[3][2])
{
	/* every call of the round computes on vCPU `cpu` (the local call in
	 * this thread, a remote one in the worker while this thread waits on
	 * the other vCPU): this machine's vCPUs differ in speed at times, so
	 * the pairs compare the same CPU; rounds alternate the vCPU */
	int cpu = i & 1;
	if (!free_worker)
		pin_pid(worker, cpu);
	for (int k = 0; k < 4; k++) {
		int w = (i + k) % 4;
		bool remote = w & 1;
		pid_t who = remote ? worker : 0;
		pin(remote && !same_cpu && !free_worker ? 1 - cpu : cpu);
		int64_t c0 = sched_ns(who, 0), q0 = sched_ns(who, 1),
			f0 = proc_faults(who);
		t[w] = image_ns(remote ? s : l, op, img, len, 1);
		if (w < 2) {
			st[0][w] = sched_ns(who, 0) - c0;
			st[1][w] = sched_ns(who, 1) - q0;
			st[2][w] = proc_faults(who) - f0;
		}
	}
}

static void infer(int rounds)
{
	static const char *const ops[INFER_OPS] = {
		"classify (PP-OCR cls)",      "detect (CenterNet)",
		"segment (selfie)",	      "pose (MoveNet)",
		"onnx model run (CenterNet)", "torch model run (MoveNet)"
	};
	static const char *const imgs[INFER_OPS] = {
		"images/dog.jpg",	   "images/sample3.jpg",
		"images/person.jpg",	   "images/person.jpg",
		"/tensor 1x512x512x3 f32", "/tensor 1x192x192x3 f32"
	};
	struct agent_proc ag;
	if (!plugin_path("onnx") || !plugin_path("torch"))
		die("the onnx or the torch plugin is not built");
	if (agent_start(&ag, "onnx:torch", NULL) ||
	    client_bootstrap("onnx:torch:rpc", ag.unix_uri))
		die("cannot start the agent");
	struct vaccel_session l, s;
	if (vaccel_session_init(&l, 0) ||
	    vaccel_session_init(&s, VACCEL_PLUGIN_REMOTE))
		die("session");
	models_open(&l, 0);
	models_open(&s, VACCEL_PLUGIN_REMOTE);
	int n = rounds * 8 > 256 ? 256 : rounds * 8;
	static int64_t tl[INFER_OPS][256], tr[INFER_OPS][256],
		diff[INFER_OPS][256], aa[INFER_OPS][256];
	/* CPU, run-queue wait, page faults; local and the worker */
	static int64_t stat[3][2][INFER_OPS][256];
	pid_t worker = 0;
	void *img[INFER_OPS];
	size_t len[INFER_OPS];
	for (int op = 0; op < INFER_OPS; op++) {
		img[op] = op < IMAGE_OPS
				  ? tu_read_file(deps_path(imgs[op]), &len[op])
				  : model_input(op - IMAGE_OPS, &len[op]);
		if (!img[op])
			die("image missing (scripts/fetch-assets.sh)");
		image_ns(&l, op, img[op], len[op], 3);
		image_ns(&s, op, img[op], len[op], 3);
	}
	if (agent_workers(&ag, &worker, 1) != 1)
		die("no worker");
	for (int i = 0; i < n; i++) {
		for (int op = 0; op < INFER_OPS; op++) {
			int64_t t[4], st[3][2];
			infer_round(&l, &s, op, img[op], len[op], i, t, worker,
				    st);
			for (int k = 0; k < 3; k++)
				for (int w = 0; w < 2; w++)
					stat[k][w][op][i] = st[k][w];
			tl[op][i] = t[0];
			tr[op][i] = t[1];
			diff[op][i] = t[1] - t[0];
			aa[op][i] = t[2] - t[0];
		}
	}
	unpin();
	models_close();
	vaccel_session_release(&s);
	vaccel_session_release(&l);
	vaccel_cleanup();
	agent_stop(&ag);
	printf("\n%d rounds per op (local, through the agent, local again, "
	       "through the agent again).\n\n"
	       "| op (1 thread) | input | local | through "
	       "the agent (UNIX) | extra per call (median of rounds) | ratio "
	       "| A/A control (local again) | CPU per call: local / the worker "
	       "| run-queue wait per call: local / the worker | page faults "
	       "per call: local / the worker |\n"
	       "|---|---|---|---|---|---|---|---|---|---|\n",
	       n);
	for (int op = 0; op < INFER_OPS; op++) {
		int64_t ml = tu_median_i64(tl[op], n),
			mr = tu_median_i64(tr[op], n),
			md = tu_median_i64(diff[op], n),
			ma = tu_median_i64(aa[op], n);
		printf("| %s | %s (%zu KB) | %.2f ms | %.2f ms | %+.3f ms | "
		       "**%.4f** | %.4f | %.2f / %.2f ms | %.3f / %.3f ms | "
		       "%lld / %lld |\n",
		       ops[op], strrchr(imgs[op], '/') + 1, len[op] >> 10,
		       (double)ml / 1e6, (double)mr / 1e6, (double)md / 1e6,
		       1.0 + (double)md / (double)ml,
		       1.0 + (double)ma / (double)ml,
		       (double)tu_median_i64(stat[0][0][op], n) / 1e6,
		       (double)tu_median_i64(stat[0][1][op], n) / 1e6,
		       (double)tu_median_i64(stat[1][0][op], n) / 1e6,
		       (double)tu_median_i64(stat[1][1][op], n) / 1e6,
		       (long long)tu_median_i64(stat[2][0][op], n),
		       (long long)tu_median_i64(stat[2][1][op], n));
		free(img[op]);
	}
}

/* ---- scaling --------------------------------------------------------------
 */

/* One client process doing `calls` compute-bound calls; writes its
 * elapsed ns to `out`. Starts when `go` becomes readable. */
static pid_t client(const char *uri, int kind, int calls, int go, int out)
{
	pid_t pid = fork();
	if (pid)
		return pid;
	struct vaccel_session s;
	char lib[1024], b;
	snprintf(lib, sizeof(lib), "%s",
		 build_path("tests/lib/exec/libbenchrpc.so"));
	size_t len = 0;
	void *img = kind ? tu_read_file(deps_path("images/person.jpg"), &len)
			 : NULL;
	if (client_bootstrap("rpc", uri) || vaccel_session_init(&s, 0))
		_exit(2);
	int32_t ms = 10;
	struct vaccel_arg rd = { &ms, 4, VACCEL_ARG_INT32, 0, false };
	/* warm up (model load) */
	if (kind ? image_op(&s, 3, img, len)
		 : vaccel_exec(&s, lib, "spin_ms", &rd, 1, NULL, 0))
		_exit(3);
	if (read(go, &b, 1) != 1)
		_exit(4);
	int64_t t0 = now();
	for (int i = 0; i < calls; i++)
		if (kind ? image_op(&s, 3, img, len)
			 : vaccel_exec(&s, lib, "spin_ms", &rd, 1, NULL, 0))
			_exit(5);
	int64_t el = now() - t0;
	if (write(out, &el, sizeof(el)) != sizeof(el))
		_exit(6);
	vaccel_session_release(&s);
	vaccel_cleanup();
	_exit(0);
}

/* Calls per second of `n` clients at once. */
static double throughput(const char *uri, int kind, int n, int calls)
{
	int go[2], out[2];
	pid_t pids[2];
	if (pipe(go) || pipe(out))
		die("pipe");
	for (int i = 0; i < n; i++)
		pids[i] = client(uri, kind, calls, go[0], out[1]);
	close(out[1]);	 /* a client that fails ends the reads below */
	usleep(1500000); /* sessions up, models loaded */
	if (write(go[1], "xx", (size_t)n) != n)
		die("go");
	int64_t worst = 0;
	for (int i = 0; i < n; i++) {
		int64_t el;
		if (read(out[0], &el, sizeof(el)) != sizeof(el))
			die("a client failed");
		worst = el > worst ? el : worst;
	}
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	close(go[0]), close(go[1]), close(out[0]);
	return (double)(n * calls) / ((double)worst / 1e9);
}

static void scale(int calls)
{
	bool onnx = plugin_path("onnx") && deps_path("images/person.jpg");
	printf("\n| compute-bound calls | 1 client | 2 clients at once | "
	       "ratio |\n|---|---|---|---|\n");
	for (int kind = 0; kind < (onnx ? 2 : 1); kind++) {
		struct agent_proc ag;
		const char *extra[] = { "--exec-allow",
					build_path("tests/lib/exec"), NULL };
		if (agent_start(&ag, kind ? "onnx" : "exec", extra))
			die("cannot start the agent");
		double one[5], two[5], ratio[5];
		for (int r = 0; r < 5; r++) {
			one[r] = throughput(ag.unix_uri, kind, 1, calls);
			two[r] = throughput(ag.unix_uri, kind, 2, calls);
			ratio[r] = two[r] / one[r];
		}
		printf("| %s | %.1f calls/s | %.1f calls/s | **%.2f** |\n",
		       kind ? "pose (MoveNet, onnx plugin, 1 thread each)"
			    : "exec spin_ms(10), exec plugin",
		       tu_median_d(one, 5), tu_median_d(two, 5),
		       tu_median_d(ratio, 5));
		agent_stop(&ag);
	}
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!plugin_path("rpc"))
		die("libvaccel-rpc.so is not built");
	/* the socket path unless VACCEL_RPC_RING is set (the ring and bulk
	 * tables set it themselves) */
	setenv("VACCEL_RPC_RING", "0", 0);
	if (!strcmp(what, "latency"))
		latency(n > 0 && n <= 64 ? n : 11);
	else if (!strcmp(what, "bulk"))
		bulk(n > 0 && n <= 64 ? n : 5);
	else if (!strcmp(what, "infer") || !strcmp(what, "infer-same") ||
		 !strcmp(what, "infer-free")) {
		same_cpu = !strcmp(what, "infer-same");
		free_worker = !strcmp(what, "infer-free");
		/* a client beside the agent: on its ring, by default */
		if (free_worker)
			setenv("VACCEL_RPC_RING", "1", 1);
		infer(n > 0 && n <= 64 ? n : 9);
	} else if (!strcmp(what, "scale"))
		scale(n > 0 ? n : 60);
	else if (!strcmp(what, "ring"))
		ring_table(n > 0 && n <= 64 ? n : 5);
	else
		die("usage: bench-rpc latency|bulk|infer|infer-same|infer-free|"
		    "scale|ring [N]");
	return 0;
}
