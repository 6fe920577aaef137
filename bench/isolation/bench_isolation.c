// SPDX-License-Identifier: Apache-2.0
/* What tenant isolation costs, and what it protects (docs/benchmarks.md,
 * "Tenant isolation"). Every table is measured in one run, interleaved.
 *
 *   bench-isolation overhead [ROUNDS]  a small call (vaccel_noop) and
 *                                      inference per image (onnx classify,
 *                                      detect) through an agent with
 *                                      --isolation process vs one with
 *                                      --isolation none
 *   bench-isolation start [N]          a tenant's first call when its
 *                                      worker starts vs when it runs; the
 *                                      memory of a worker and of the front
 *   bench-isolation cgroups [ROUNDS]   a small call through an agent
 *                                      with the workers' cgroups vs one
 *                                      without, and with the memory and
 *                                      pids groups only (three rows each)
 *   bench-isolation attack [CALLS]     a good tenant's small-call median
 *                                      and 20 ms computation while another
 *                                      tenant attacks, vs quiet; with the
 *                                      workers' cgroups and without, and
 *                                      (as root, cgroup v1) the same again
 *                                      with the agent in a cpu cgroup of
 *                                      its own
 *
 * The clients speak the protocol directly (tests/lib/harness.c), so that
 * one process can call two agents in turn: the client's own cost is the
 * same for both and cancels in the ratios. Run it through run.sh. */

#include "files.h"
#include "harness.h"
#include "median.h"
#include "transport.h"
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vaccel.h>

#define FAULTY	    "tests/lib/faulty/libvaccel-faulty.so"
#define ALICE_TOKEN "alice-0123456789abcdef0123456789"
#define BOB_TOKEN   "bob-0123456789abcdef0123456789ab"

static char tokens[64];

static void die(const char *what)
{
	fprintf(stderr, "bench-isolation: %s\n", what);
	exit(1);
}

/* ---- a raw client
 * ------------------------------------------------------------ */

struct client {
	int fd;
	uint64_t sess, id;
};

static int client_open(struct client *c, const char *uri, const char *token)
{
	memset(c, 0, sizeof(*c));
	c->id = 1000;
	c->fd = raw_connect(uri);
	if (c->fd < 0 || raw_hello(c->fd, token))
		return -1;
	struct vrpc_msg m = { .type = VRPC_T_SESS_INIT }, r;
	struct vrpc_pool p = { 0 };
	int ret = raw_call(c->fd, &m, ++c->id, &r, &p) || r.status ? -1 : 0;
	c->sess = r.session;
	vrpc_pool_release(&p);
	return ret;
}

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int64_t noop_ns(struct client *c)
{
	struct vrpc_msg m = { .type = VRPC_T_OP + VACCEL_OP_NOOP,
			      .session = c->sess },
			r;
	struct vrpc_pool p = { 0 };
	int64_t t0 = vrpc_now_ns();
	if (raw_call(c->fd, &m, ++c->id, &r, &p) || r.status)
		die("noop failed");
	int64_t t = vrpc_now_ns() - t0;
	vrpc_pool_release(&p);
	return t;
}

static int64_t noop_median(struct client *c, int n)
{
	static int64_t t[4096];
	n = n > 4096 ? 4096 : n;
	for (int i = 0; i < n; i++)
		t[i] = noop_ns(c);
	return tu_median_i64(t, n);
}

static int64_t image_ns(struct client *c, int op, const void *img, size_t len)
{
	struct vrpc_msg m = { .type = (uint16_t)(VRPC_T_OP + op),
			      .session = c->sess },
			r;
	struct vrpc_pool p = { 0 };
	m.u.image.image =
		(struct vrpc_buf){ VRPC_BUF_INLINE, len, 0, 0, (void *)img };
	m.u.image.len_text = op == VACCEL_OP_IMAGE_CLASSIFY ? 4096 : 0;
	m.u.image.len_name = 4096;
	int64_t t0 = vrpc_now_ns();
	if (raw_call(c->fd, &m, ++c->id, &r, &p) || r.status)
		die("image op failed");
	int64_t t = vrpc_now_ns() - t0;
	vrpc_pool_release(&p);
	return t;
}

/* Run this process (and the agents it starts from now on) on `cpu` only:
 * the two agents compared then compute on one vCPU, the client on the
 * other. Shared machines give vCPUs of unequal speed (one process landing
 * on a slower one made ratios of 0.7 or 1.4); no-op with one CPU. */
static void pin_to(int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 2)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu % (int)n, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void start_agent(struct agent_proc *a, const char *plugins,
			const char *isolation, const char *const *more)
{
	const char *args[32] = { "--isolation", isolation, "--tokens", tokens };
	int n = 4;
	for (int i = 0; more && more[i] && n < 30; i++)
		args[n++] = more[i];
	args[n] = NULL;
	if (agent_start(a, plugins, args))
		die("cannot start an agent");
}

/* ---- overhead
 * ---------------------------------------------------------------- */

/* A small call's median through agent `a` over agent `b` (both on vCPU
 * 1, the client on 0), `rounds` rounds of 3000 calls, in turn: a table's
 * row. */
static void small_pair(const char *row, const char *iso_a,
		       const char *const *more_a, const char *iso_b,
		       const char *const *more_b, int rounds)
{
	struct agent_proc p, n;
	struct client cp, cn;
	pin_to(1);
	start_agent(&p, "noop", iso_a, more_a);
	start_agent(&n, "noop", iso_b, more_b);
	pin_to(0);
	if (client_open(&cp, p.unix_uri, NULL) ||
	    client_open(&cn, n.unix_uri, NULL))
		die("cannot connect");
	noop_median(&cp, 2000);
	noop_median(&cn, 2000);
	int64_t tp[64], tn[64];
	double ratio[64];
	for (int r = 0; r < rounds; r++) {
		bool pf = r & 1;
		tp[r] = pf ? noop_median(&cp, 3000) : 0;
		tn[r] = noop_median(&cn, 3000);
		if (!pf)
			tp[r] = noop_median(&cp, 3000);
		ratio[r] = (double)tp[r] / (double)tn[r];
	}
	client_close(&cp);
	client_close(&cn);
	agent_stop(&p);
	agent_stop(&n);
	int64_t mp = tu_median_i64(tp, rounds), mn = tu_median_i64(tn, rounds);
	printf("| %s | %.1f µs | %.1f µs | %+.1f µs | **%.3f** |\n", row,
	       (double)mn / 1e3, (double)mp / 1e3, (double)(mp - mn) / 1e3,
	       tu_median_d(ratio, rounds));
}

static void overhead_small(int rounds)
{
	small_pair("small call (vaccel_noop, UNIX)", "process", NULL, "none",
		   NULL, rounds);
}

/* What the workers' cgroups (a memory, pids and cpu group per tenant: one
 * more level of group scheduling at each wake-up) cost a small call. */
static void cgroups_small(int rounds)
{
	static const char *const on[] = { "--worker-cgroups", "auto", NULL },
				 *const no_cpu[] = { "--worker-cgroups", "auto",
						     "--worker-cpu-share",
						     "off", NULL },
				 *const off[] = { "--worker-cgroups", "off",
						  NULL };
	printf("%d rounds of 3000 calls, in turn; the agents on vCPU 1, the "
	       "client on 0. auto: memory, pids and cpu groups; "
	       "--worker-cpu-share off: memory and pids.\n\n| call | "
	       "--worker-cgroups off | with the groups | extra | ratio "
	       "(median of rounds) |\n|---|---|---|---|---|\n",
	       rounds);
	for (int i = 0; i < 3; i++) {
		small_pair("vaccel_noop, UNIX: auto", "process", on, "process",
			   off, rounds);
		small_pair("vaccel_noop, UNIX: --worker-cpu-share off",
			   "process", no_cpu, "process", off, rounds);
	}
}

static void overhead_infer(int rounds)
{
	static const struct {
		int op;
		const char *name, *img;
	} ops[] = {
		{ VACCEL_OP_IMAGE_CLASSIFY, "classify (PP-OCR cls)",
		  "images/dog.jpg" },
		{ VACCEL_OP_IMAGE_DETECT, "detect (CenterNet)",
		  "images/sample3.jpg" },
	};
	struct agent_proc p, n;
	struct client cp, cn;
	if (!plugin_path("onnx"))
		die("the onnx plugin is not built");
	pin_to(1);
	start_agent(&p, "onnx", "process", NULL);
	start_agent(&n, "onnx", "none", NULL);
	pin_to(0);
	if (client_open(&cp, p.unix_uri, NULL) ||
	    client_open(&cn, n.unix_uri, NULL))
		die("cannot connect");
	int pairs = rounds * 6 > 256 ? 256 : rounds * 6;
	for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
		size_t len;
		void *img = tu_read_file(deps_path(ops[o].img), &len);
		if (!img)
			die("image missing (scripts/fetch-assets.sh)");
		static int64_t tp[256], tn[256], diff[256];
		for (int w = 0; w < 3; w++) {
			image_ns(&cp, ops[o].op, img, len);
			image_ns(&cn, ops[o].op, img, len);
		}
		for (int i = 0; i < pairs; i++) {
			bool pf = i & 1;
			int64_t a =
				image_ns(pf ? &cp : &cn, ops[o].op, img, len);
			int64_t b =
				image_ns(pf ? &cn : &cp, ops[o].op, img, len);
			tp[i] = pf ? a : b;
			tn[i] = pf ? b : a;
			diff[i] = tp[i] - tn[i];
		}
		int64_t mn = tu_median_i64(tn, pairs),
			mp = tu_median_i64(tp, pairs),
			md = tu_median_i64(diff, pairs);
		printf("| %s, %s | %.2f ms | %.2f ms | %+.3f ms | **%.4f** "
		       "|\n",
		       ops[o].name, strrchr(ops[o].img, '/') + 1,
		       (double)mn / 1e6, (double)mp / 1e6, (double)md / 1e6,
		       1.0 + (double)md / (double)mn);
		free(img);
	}
	client_close(&cp);
	client_close(&cn);
	agent_stop(&p);
	agent_stop(&n);
}

static void overhead(int rounds)
{
	cpu_set_t all;
	sched_getaffinity(0, sizeof(all), &all);
	printf("| call | --isolation none | --isolation process | extra | "
	       "ratio |\n|---|---|---|---|---|\n");
	overhead_small(rounds);
	overhead_infer(rounds);
	/* the other tables' agents go where the scheduler puts them */
	sched_setaffinity(0, sizeof(all), &all);
}

/* ---- a worker's start and memory
 * ------------------------------------------------ */

/* Connect, HELLO, SESS_INIT: the first call of a connection (the front
 * answers HELLO; SESS_INIT waits for the tenant's worker). */
static int64_t first_call_ns(const char *uri)
{
	struct client c;
	int64_t t0 = vrpc_now_ns();
	if (client_open(&c, uri, NULL))
		die("cannot connect");
	int64_t t = vrpc_now_ns() - t0;
	client_close(&c);
	return t;
}

static long workers_rss_kb(const struct agent_proc *a)
{
	pid_t w[64];
	long kb = 0;
	int n = agent_workers(a, w, 64);
	for (int i = 0; i < n; i++)
		kb += proc_rss_kb(w[i]);
	return n ? kb / n : -1;
}

/* `cgroups`: --worker-cgroups (a memory and a pids cgroup per worker, or
 * none). */
static void start_one(const char *plugins, int n, const char *cgroups)
{
	struct agent_proc a;
	static int64_t fresh[256], warm[256];
	char dir[] = "/tmp/vaccel-bench-XXXXXX", listen[300], uri[300];
	if (!mkdtemp(dir))
		die("mkdtemp");
	chmod(dir, 0711);
	/* every connection of this listener is a tenant of its own: each
	 * first call there starts a worker */
	snprintf(listen, sizeof(listen), "unix://%s/conn.sock?tenant=conn",
		 dir);
	snprintf(uri, sizeof(uri), "unix://%s/conn.sock", dir);
	const char *more[] = { "--listen",
			       listen,
			       "--worker-idle",
			       "60000",
			       "--worker-cgroups",
			       cgroups,
			       NULL };
	start_agent(&a, plugins, "process", more);
	first_call_ns(a.unix_uri); /* the uid tenant's worker starts */
	for (int i = 0; i < n; i++) {
		fresh[i] = first_call_ns(uri);
		warm[i] = first_call_ns(a.unix_uri);
	}
	long rss = workers_rss_kb(&a), front = proc_rss_kb(a.pid);
	int64_t mf = tu_median_i64(fresh, n), mw = tu_median_i64(warm, n);
	printf("| %s%s | %.2f ms | %.2f ms | %+.2f ms | %.1f MiB | %.1f MiB "
	       "|\n",
	       plugins, strcmp(cgroups, "off") ? "" : ", no cgroups",
	       (double)mw / 1e6, (double)mf / 1e6, (double)(mf - mw) / 1e6,
	       (double)rss / 1024, (double)front / 1024);
	agent_stop(&a);
	rmdir(dir);
}

static void start(int n)
{
	printf("%d connections each; each first call: connect, HELLO, "
	       "SESS_INIT.\n\n"
	       "| backends | first call, worker running | first call, worker "
	       "starting | a worker's start | a worker's RSS (idle, loaded) "
	       "| the front's RSS |\n|---|---|---|---|---|---|\n",
	       n);
	/* with and without the workers' cgroups, in turn (where the agent
	 * can make none, the two rows are the same) */
	for (int i = 0; i < 2; i++) {
		start_one("noop", n, "auto");
		start_one("noop", n, "off");
	}
	if (plugin_path("onnx"))
		start_one("onnx", n / 2 > 2 ? n / 2 : 2, "auto");
	if (plugin_path("torch"))
		start_one("torch", n / 4 > 2 ? n / 4 : 2, "auto");
}

/* ---- under attack
 * ----------------------------------------------------------------- */

/* An attacker process: its loop runs until it is killed. */
static pid_t attacker(const struct agent_proc *a, int kind)
{
	pid_t pid = fork();
	if (pid)
		return pid;
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct client c;
		if (kind == 0) {
			/* connections that never say HELLO */
			int fd[8];
			for (int i = 0; i < 8; i++)
				fd[i] = raw_connect(a->unix_uri);
			usleep(20000);
			for (int i = 0; i < 8; i++)
				if (fd[i] >= 0)
					close(fd[i]);
		} else if (kind == 1) {
			/* a HELLO a byte at a time */
			int fd = raw_connect(a->tcp_uri);
			for (int i = 0; fd >= 0 && i < 40; i++) {
				if (send(fd, "\x56", 1, MSG_NOSIGNAL) != 1)
					break;
				usleep(50000);
			}
			if (fd >= 0)
				close(fd);
		} else if (kind == 5 &&
			   client_open(&c, a->tcp_uri, ALICE_TOKEN) == 0) {
			/* her code spins on 64 threads, as long as her worker
			 * lives: it lives while she is connected */
			static const char cmd[] = "spin-threads 64";
			if (image_ns(&c, VACCEL_OP_IMAGE_CLASSIFY, cmd,
				     sizeof(cmd) - 1) >= 0)
				pause();
		} else if (client_open(&c, a->tcp_uri, ALICE_TOKEN) == 0) {
			/* 2: its backend crashes, 3: leaks to its limit, 4:
			 * half frames */
			static const char *const cmds[] = { "crash",
							    "leak 600" };
			if (kind == 4) {
				raw_write(c.fd, "\x56\x41\x43\x52\x01\x00", 6);
				usleep(100000);
			} else {
				const char *cmd = cmds[kind - 2];
				struct vrpc_msg m = {
					.type = VRPC_T_OP +
						VACCEL_OP_IMAGE_CLASSIFY,
					.session = c.sess
				};
				struct vrpc_msg r;
				struct vrpc_pool p = { 0 };
				m.u.image.image =
					(struct vrpc_buf){ VRPC_BUF_INLINE,
							   strlen(cmd), 0, 0,
							   (void *)cmd };
				m.u.image.len_text = 64;
				m.u.image.len_name = 16;
				raw_call(c.fd, &m, ++c.id, &r, &p);
				vrpc_pool_release(&p);
			}
			client_close(&c);
		}
	}
}

/* Whether the agent's log has `text`. */
static bool log_has(const struct agent_proc *a, const char *text)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen(a->log, "r");
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* Median wall time of `n` calls whose backend computes 20 ms of CPU. */
static int64_t spin_median(struct client *c, int n)
{
	static const char cmd[] = "spin 20";
	int64_t t[64];
	n = n > 64 ? 64 : n;
	for (int i = 0; i < n; i++)
		t[i] = image_ns(c, VACCEL_OP_IMAGE_CLASSIFY, cmd,
				sizeof(cmd) - 1);
	return tu_median_i64(t, n);
}

static void attack_table(const char *cgroups, int calls)
{
	static const char *const names[] = {
		"64 connections a second that never say HELLO",
		"HELLOs dribbled a byte every 50 ms",
		"another tenant's backend crashes, again and again",
		"another tenant's backend leaks to its memory limit, again",
		"half frames after HELLO, again and again",
		"another tenant's code spins on 64 threads",
	};
	const char *more[] = { "--hello-timeout",
			       "1000",
			       "--frame-timeout",
			       "1000",
			       "--worker-memory",
			       "512M",
			       "--worker-idle",
			       "300",
			       "--worker-cgroups",
			       cgroups,
			       NULL };
	struct agent_proc a;
	start_agent(&a, FAULTY, "process", more);
	printf("\n`--worker-cgroups %s` (%s).\n\n", cgroups,
	       log_has(&a, "control groups: memory") ? "in effect"
						     : "none made");
	struct client bob;
	if (client_open(&bob, a.tcp_uri, BOB_TOKEN))
		die("cannot connect");
	noop_median(&bob, calls);
	printf("| while | good tenant's small call (median) | quiet, just "
	       "before | ratio | good tenant's 20 ms computation (median) | "
	       "quiet | ratio |\n|---|---|---|---|---|---|---|\n");
	for (int k = 0; k < 6; k++) {
		int64_t quiet = noop_median(&bob, calls),
			squiet = spin_median(&bob, 15);
		pid_t pid = attacker(&a, k);
		usleep(300000);
		int64_t busy = noop_median(&bob, calls),
			sbusy = spin_median(&bob, 15);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		printf("| %s | %.1f µs | %.1f µs | **%.2f** | %.1f ms | %.1f "
		       "ms "
		       "| **%.2f** |\n",
		       names[k], (double)busy / 1e3, (double)quiet / 1e3,
		       (double)busy / (double)quiet, (double)sbusy / 1e6,
		       (double)squiet / 1e6, (double)sbusy / (double)squiet);
		usleep(k == 5 ? 1500000 : 300000);
	}
	client_close(&bob);
	if (!agent_alive(&a))
		die("the agent died");
	agent_stop(&a);
}

/* This process (and the agents it starts) in a cpu cgroup of its own
 * (cgroup v1, as root), as a service manager's Delegate=yes puts a service:
 * there the scheduler's per-session groups (autogroup) do not apply, and
 * only the agent's groups share the CPU between tenants. The group's
 * path, or "" where it cannot be made. */
static const char *cpu_group(bool enter)
{
	static char dir[128];
	char p[160];
	if (enter) {
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/cpu/vaccel-bench.%d",
			 (int)getpid());
		snprintf(p, sizeof(p), "echo %d > %s/cgroup.procs",
			 (int)getpid(), dir);
		if (mkdir(dir, 0755) || system(p)) {
			rmdir(dir);
			dir[0] = 0;
		}
		return dir;
	}
	snprintf(p, sizeof(p), "echo %d > /sys/fs/cgroup/cpu/cgroup.procs",
		 (int)getpid());
	if (dir[0] && !system(p))
		rmdir(dir);
	return dir;
}

static void attack(int calls)
{
	printf("%d small calls and 15 computations each.\n", calls);
	attack_table("auto", calls);
	attack_table("off", calls);
	const char *g = cpu_group(true);
	if (!g[0])
		return;
	printf("\nThe same with the agent in a cpu cgroup of its own (%s), "
	       "where the kernel's autogroups do not apply:\n",
	       g);
	attack_table("auto", calls);
	attack_table("off", calls);
	cpu_group(false);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "overhead";
	int n = argc > 2 ? atoi(argv[2]) : 0;
	signal(SIGPIPE, SIG_IGN);
	snprintf(tokens, sizeof(tokens), "/tmp/vaccel-bench-tokens-XXXXXX");
	int fd = mkstemp(tokens);
	if (fd < 0)
		die("cannot write a tokens file");
	dprintf(fd, "alice %s\nbob %s\n", ALICE_TOKEN, BOB_TOKEN);
	close(fd);
	if (!strcmp(what, "overhead"))
		overhead(n > 0 && n <= 64 ? n : 10);
	else if (!strcmp(what, "start"))
		start(n > 0 && n <= 256 ? n : 20);
	else if (!strcmp(what, "cgroups"))
		cgroups_small(n > 0 && n <= 64 ? n : 10);
	else if (!strcmp(what, "attack"))
		attack(n > 0 && n <= 4096 ? n : 2000);
	else
		fprintf(stderr,
			"usage: bench-isolation overhead|start|cgroups|attack "
			"[N]\n");
	unlink(tokens);
	return 0;
}
