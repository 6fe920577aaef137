// SPDX-License-Identifier: Apache-2.0
/* The floor of "inference through the agent vs local": the same op in two
 * identical local processes. Two processes (a fork), each with its own
 * session of the backend in VACCEL_PLUGINS, run the op in strict ping-pong
 * over pipes on one vCPU: the driver runs it and wakes the server, the
 * server runs it and wakes the driver, as an application and the agent's
 * worker do. Each measures its own thread's CPU time per op; the table is
 * the server's median over the driver's, per run. Nothing of the agent is
 * involved: what this ratio spreads over is what two processes doing the
 * same work differ by on this machine (docs/benchmarks.md, "The floor:
 * two local processes").
 *
 * usage: bench-twoproc IMAGE [CALLS] [RUNS] [CPU]
 * (classify of IMAGE; VACCEL_PLUGINS: the backend, e.g. the onnx plugin) */

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vaccel.h>

static int64_t cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int64_t one(struct vaccel_session *s, const void *img, size_t len)
{
	unsigned char text[4096], name[4096];
	int64_t t0 = cpu_ns();
	if (vaccel_image_classification(s, img, text, name, len, sizeof(text),
					sizeof(name))) {
		fprintf(stderr, "bench-twoproc: classify failed\n");
		exit(1);
	}
	return cpu_ns() - t0;
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END))
		return NULL;
	long n = ftell(f);
	void *buf = n > 0 ? malloc((size_t)n) : NULL;
	rewind(f);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* One run: the server's median CPU per op over the driver's. */
static double run(const void *img, size_t len, int calls)
{
	int ab[2], ba[2], res[2];
	if (pipe(ab) || pipe(ba) || pipe(res))
		exit(1);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		exit(1);
	struct vaccel_session s;
	if (vaccel_session_init(&s, 0)) {
		fprintf(stderr,
			"bench-twoproc: no session (VACCEL_PLUGINS?)\n");
		exit(1);
	}
	int64_t *t = malloc(sizeof(*t) * (size_t)calls);
	char c = 'x';
	if (!t)
		exit(1);
	for (int i = 0; i < 5; i++)
		one(&s, img, len);
	bool server = pid == 0;
	for (int i = 0; i < calls; i++) {
		if (server && read(ab[0], &c, 1) != 1)
			exit(1);
		t[i] = one(&s, img, len);
		if (write(server ? ba[1] : ab[1], &c, 1) != 1)
			exit(1);
		if (!server && read(ba[0], &c, 1) != 1)
			exit(1);
	}
	qsort(t, (size_t)calls, sizeof(*t), cmp);
	int64_t med = t[calls / 2], other = 0;
	vaccel_session_release(&s);
	free(t);
	if (server) {
		if (write(res[1], &med, sizeof(med)) != sizeof(med))
			_exit(1);
		_exit(0);
	}
	if (read(res[0], &other, sizeof(other)) != sizeof(other))
		exit(1);
	waitpid(pid, NULL, 0);
	for (int i = 0; i < 2; i++)
		close(ab[i]), close(ba[i]), close(res[i]);
	printf("| %.3f | %.3f | %.4f |\n", (double)med / 1e6,
	       (double)other / 1e6, (double)other / (double)med);
	return (double)other / (double)med;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr,
			"usage: bench-twoproc IMAGE [CALLS] [RUNS] [CPU]\n"
			"The same classify in two local processes in "
			"ping-pong on one CPU:\n"
			"the server's median CPU per op over the driver's, "
			"per run.\n");
		return argc < 2 ? 2 : 0;
	}
	int calls = argc > 2 ? atoi(argv[2]) : 300;
	int runs = argc > 3 ? atoi(argv[3]) : 8;
	int cpu = argc > 4 ? atoi(argv[4]) : 1;
	size_t len;
	void *img = read_file(argv[1], &len);
	if (!img || calls < 1 || runs < 1) {
		fprintf(stderr, "bench-twoproc: cannot read %s\n", argv[1]);
		return 1;
	}
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("bench-twoproc: sched_setaffinity");
	printf("| driver ms CPU/op | server ms CPU/op | server / driver |\n"
	       "|---|---|---|\n");
	double lo = 9, hi = 0;
	for (int r = 0; r < runs; r++) {
		double x = run(img, len, calls);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	printf("\n%d runs of %d calls: server / driver %.4f-%.4f\n", runs,
	       calls, lo, hi);
	free(img);
	return 0;
}
