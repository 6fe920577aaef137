// SPDX-License-Identifier: Apache-2.0
/* bench-rpc ring: small calls (vaccel_noop, a 4x4 sgemm) through the
 * agent over its UNIX socket and over the shared-memory ring, next to a
 * raw UNIX socket ping-pong of the noop's byte counts (the baseline) and
 * the same ping-pong again (the A/A control), in rounds that interleave
 * them; the client on vCPU 0, the agent on vCPU 1 (different vCPUs) or 0
 * (same vCPU). With each: the median and 90th percentile of the round
 * trip, and the CPU time per call of the client thread and of the agent
 * (its front and workers), so that what spinning costs stands next to
 * what it gains. Then a bursty case: calls 1 ms apart, where the ring's
 * spinning should fade out. */

#include "bench_rpc.h"
#include "median.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vaccel.h>

#define ITERS	   2000
#define BURST_GAP  1000000
#define BURST_N	   300
#define MAX_ROUNDS 64

/* One measurement: round trip median and p90, CPU ns per call of the
 * client thread and of the agent. */
struct cell {
	int64_t p50, p90;
	int64_t cli, agent;
	/* ns the agent spun per request (ring connections) */
	int64_t spin;
};

/* Ring connections whose end the agent logged so far. */
static int rings_logged;

/* The agent's spinning per request on the ring connection that just
 * ended, from its log line "conn N ring: R requests, ... spun X ms". */
static int64_t agent_spin(const struct agent_proc *a)
{
	for (int i = 0; i < 300; i++) {
		char line[2048];
		int n = 0;
		int64_t spin = -1;
		FILE *f = fopen(a->log, "r");
		while (f && fgets(line, sizeof(line), f)) {
			char *spun = strstr(line, " ring: "),
			     *e = strstr(line, " requests,"), *b = e;
			spun = spun ? strstr(spun, "spun ") : NULL;
			if (!spun || !e || ++n <= rings_logged)
				continue;
			while (b > line && b[-1] != ' ')
				b--;
			long long req = atoll(b);
			spin = req ? (int64_t)(atof(spun + 5) * 1e6 / req) : 0;
		}
		if (f)
			fclose(f);
		if (spin >= 0) {
			rings_logged = n;
			return spin;
		}
		usleep(10000);
	}
	return -1;
}

static int64_t thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t agent_cpu(const struct agent_proc *a)
{
	pid_t w[8];
	int n = agent_workers(a, w, 8);
	int64_t sum = sched_ns(a->pid, 0);
	for (int i = 0; i < n; i++)
		sum += sched_ns(w[i], 0);
	return sum;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void summarize(int64_t *t, int n, struct cell *c)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_i64);
	c->p50 = t[n / 2];
	c->p90 = t[n * 9 / 10];
}

static int call(struct vaccel_session *s, int kind)
{
	static float a[16], b[16], c[16];
	if (!kind)
		return vaccel_noop(s);
	for (int i = 0; i < 16; i++)
		a[i] = (float)i, b[i] = (float)(i % 5);
	int ret = vaccel_sgemm(s, 4, 4, 4, 1.0f, a, 4, b, 4, 0.0f, c, 4);
	/* a real product: c[0] = row 0 of a times column 0 of b */
	if (!ret && c[0] != 0 * 0 + 1 * 4 + 2 * 3 + 3 * 2)
		die("sgemm: wrong result");
	return ret;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = { 0, (long)ns };
	nanosleep(&ts, NULL);
}

/* `n` calls of `kind` through agent `a` on a new connection, over the
 * ring or the socket, `gap` ns apart. */
static void measure(const struct agent_proc *a, bool ring, int kind, int cpu,
		    int n, int64_t gap, struct cell *c)
{
	static int64_t t[ITERS];
	struct vaccel_session s;
	setenv("VACCEL_RPC_RING", ring ? "1" : "0", 1);
	if (client_bootstrap("rpc", a->unix_uri) || vaccel_session_init(&s, 0))
		die("bootstrap");
	pin_agent(a, cpu); /* the connection's worker thread too */
	for (int i = 0; i < 300; i++)
		if (call(&s, kind))
			die("call failed");
	int64_t c0 = thread_cpu(), a0 = agent_cpu(a);
	for (int i = 0; i < n; i++) {
		int64_t t0 = now();
		if (call(&s, kind))
			die("call failed");
		t[i] = now() - t0;
		if (gap)
			sleep_ns(gap);
	}
	c->cli = (thread_cpu() - c0) / n;
	c->agent = (agent_cpu(a) - a0) / n;
	summarize(t, n, c);
	vaccel_session_release(&s);
	vaccel_cleanup();
	c->spin = ring ? agent_spin(a) : 0;
}

static void raw(int fd, size_t req, size_t rep, struct cell *c)
{
	static int64_t t[ITERS];
	raw_times(fd, req, rep, t, ITERS);
	c->cli = c->agent = c->spin = 0;
	summarize(t, ITERS, c);
}

enum {
	R_RAW,
	R_SOCK,
	R_RING,
	R_RAW2,
	R_N
};

/* The medians over rounds of each figure of column `k`. */
static struct cell over_rounds(struct cell t[R_N][MAX_ROUNDS], int k,
			       int rounds)
{
	int64_t v[5][MAX_ROUNDS];
	for (int r = 0; r < rounds; r++) {
		v[0][r] = t[k][r].p50;
		v[1][r] = t[k][r].p90;
		v[2][r] = t[k][r].cli;
		v[3][r] = t[k][r].agent;
		v[4][r] = t[k][r].spin;
	}
	return (struct cell){ tu_median_i64(v[0], rounds),
			      tu_median_i64(v[1], rounds),
			      tu_median_i64(v[2], rounds),
			      tu_median_i64(v[3], rounds),
			      tu_median_i64(v[4], rounds) };
}

/* The spread of the ring's medians over rounds (min, max). */
static void spread(struct cell t[R_N][MAX_ROUNDS], int k, int rounds,
		   int64_t *lo, int64_t *hi)
{
	*lo = *hi = t[k][0].p50;
	for (int r = 1; r < rounds; r++) {
		*lo = t[k][r].p50 < *lo ? t[k][r].p50 : *lo;
		*hi = t[k][r].p50 > *hi ? t[k][r].p50 : *hi;
	}
}

static void row(const char *name, int cpu, struct cell t[R_N][MAX_ROUNDS],
		int rounds)
{
	struct cell m[R_N];
	for (int k = 0; k < R_N; k++)
		m[k] = over_rounds(t, k, rounds);
	int64_t lo, hi;
	spread(t, R_RING, rounds, &lo, &hi);
	printf("| %s, %s | %.1f / %.1f | %.1f / %.1f (cpu %.1f + %.1f) | "
	       "**%.1f** / %.1f (cpu %.1f + %.1f, agent spun %.1f; medians "
	       "%.1f-%.1f) | %.1f / %.1f |\n",
	       name, cpu ? "different vCPUs" : "same vCPU", m[R_RAW].p50 / 1e3,
	       m[R_RAW].p90 / 1e3, m[R_SOCK].p50 / 1e3, m[R_SOCK].p90 / 1e3,
	       m[R_SOCK].cli / 1e3, m[R_SOCK].agent / 1e3, m[R_RING].p50 / 1e3,
	       m[R_RING].p90 / 1e3, m[R_RING].cli / 1e3, m[R_RING].agent / 1e3,
	       m[R_RING].spin / 1e3, lo / 1e3, hi / 1e3, m[R_RAW2].p50 / 1e3,
	       m[R_RAW2].p90 / 1e3);
}

static void rounds_of(const struct agent_proc *a, int kind, int cpu, int rounds,
		      struct cell t[R_N][MAX_ROUNDS])
{
	size_t req, rep;
	struct raw_server srv;
	small_sizes(0, &req, &rep);
	raw_start(&srv, req, rep);
	pin_agent(&(struct agent_proc){ .pid = srv.pid }, cpu);
	int fd = raw_client(&srv, false);
	for (int r = 0; r < rounds; r++) {
		raw(fd, req, rep, &t[R_RAW][r]);
		measure(a, false, kind, cpu, ITERS, 0, &t[R_SOCK][r]);
		measure(a, true, kind, cpu, ITERS, 0, &t[R_RING][r]);
		raw(fd, req, rep, &t[R_RAW2][r]);
	}
	close(fd);
	kill(srv.pid, SIGKILL);
	waitpid(srv.pid, NULL, 0);
	unlink(srv.path);
}

static void bursty(const struct agent_proc *a, int rounds)
{
	static struct cell t[R_N][MAX_ROUNDS];
	for (int r = 0; r < rounds; r++)
		for (int ring = 0; ring < 2; ring++)
			measure(a, ring, 0, 1, BURST_N, BURST_GAP,
				&t[ring ? R_RING : R_SOCK][r]);
	printf("\nBursty: vaccel_noop() calls %d ms apart, different vCPUs "
	       "(medians of %d rounds of %d calls; CPU per call of the client "
	       "thread + the agent; µs the agent spun per call):\n\n| path | "
	       "round trip p50 / p90 µs | cpu client + agent µs per call | "
	       "agent spun |\n|---|---|---|---|\n",
	       BURST_GAP / 1000000, rounds, BURST_N);
	for (int ring = 0; ring < 2; ring++) {
		struct cell m = over_rounds(t, ring ? R_RING : R_SOCK, rounds);
		printf("| %s | %.1f / %.1f | %.1f + %.1f | %.1f |\n",
		       ring ? "ring" : "socket", m.p50 / 1e3, m.p90 / 1e3,
		       m.cli / 1e3, m.agent / 1e3, m.spin / 1e3);
	}
}

void ring_table(int rounds)
{
	struct agent_proc ag;
	const char *names[2] = { "vaccel_noop()", "sgemm 4x4" };
	static struct cell t[2][2][R_N][MAX_ROUNDS];
	if (agent_start(&ag, "blas:noop", NULL))
		die("cannot start the agent");
	pin(0); /* the client; the agent on vCPU 1 or 0 */
	for (int kind = 0; kind < 2; kind++)
		for (int cpu = 1; cpu >= 0; cpu--)
			rounds_of(&ag, kind, cpu, rounds, t[kind][cpu]);
	printf("Round trips in µs, p50 / p90 (medians over %d rounds of %d "
	       "calls); cpu: µs of CPU per call, client thread + agent (front "
	       "and workers), spinning included; agent spun: µs per call the "
	       "worker spent spinning (its log); client on vCPU 0; raw: UNIX "
	       "socket ping-pong of the noop's "
	       "byte counts.\n\n| call | raw socket | agent, socket | agent, "
	       "ring | raw again (A/A) |\n|---|---|---|---|---|\n",
	       rounds, ITERS);
	for (int kind = 0; kind < 2; kind++)
		for (int cpu = 1; cpu >= 0; cpu--)
			row(names[kind], cpu, t[kind][cpu], rounds);
	bursty(&ag, rounds);
	unpin();
	unsetenv("VACCEL_RPC_RING");
	agent_stop(&ag);
}
