// SPDX-License-Identifier: Apache-2.0
/* vbench: the measurements of tests/vm/bench.sh, run the same way inside a
 * VM guest (through the rpc plugin), on the host through the rpc plugin,
 * and on the host with the backend in the process. Public API only.
 *
 *   vbench noop CALLS ROUNDS       vaccel_noop: microseconds per call
 *   vbench copy BYTES ROUNDS       fpga_arraycopy of BYTES (the request
 *                                  carries them, the reply carries them
 *                                  back): ms per call
 *   vbench upload BYTES ROUNDS     a DATA resource of BYTES from memory
 *                                  (new content each round: never cached
 *                                  on the agent), registered with the
 *                                  session and released: ms per upload
 *   vbench classify IMG ROUNDS     vaccel_image_classification per image, ms
 *   vbench detect IMG ROUNDS       vaccel_image_detection per image, ms
 *
 * One warm-up call, then ROUNDS timed ones (noop: rounds of CALLS calls).
 * Prints one line:
 *   VBENCH <what> median=<v> min=<v> max=<v> unit=<us|ms> rounds=<n> cpu=<v>
 * cpu: the median of the rounds' CPU time of this process (user and
 * system, per call or image, in the same unit).
 * Exit: 0, 1 when a call fails, 2 usage. */
#define _POSIX_C_SOURCE 200809L
#include <vaccel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU time of this process (user and system): in a guest, the emulated
 * instructions the client executed, its kernel's included. */
static double cpu_s(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* cpu: the process's CPU time in each round, in the same unit */
static void report(const char *what, double *v, double *cpu, int n,
		   const char *unit)
{
	double med = median(v, n);
	printf("VBENCH %s median=%.3f min=%.3f max=%.3f unit=%s rounds=%d "
	       "cpu=%.3f\n",
	       what, med, v[0], v[n - 1], unit, n, median(cpu, n));
}

static int read_file(const char *path, void **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*data = n > 0 ? malloc((size_t)n) : NULL;
	int ok = *data && fread(*data, 1, (size_t)n, f) == (size_t)n;
	fclose(f);
	*len = ok ? (size_t)n : 0;
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: vbench noop|copy|upload|classify|"
				"detect ARG ROUNDS\n");
		return 2;
	}
	const char *what = argv[1];
	int rounds = atoi(argv[3]);
	if (rounds < 1 || rounds > 100000)
		return fprintf(stderr, "bad ROUNDS\n"), 2;
	struct vaccel_session s;
	int r = vaccel_session_init(&s, 0);
	if (r)
		return fprintf(stderr, "session: %d\n", r), 1;
	double *v = calloc((size_t)rounds, sizeof(*v));
	double *cpu = calloc((size_t)rounds, sizeof(*cpu));
	char label[64];

	if (!strcmp(what, "noop")) {
		long calls = atol(argv[2]);
		r = vaccel_noop(&s);
		for (int i = 0; !r && i < rounds; i++) {
			double t = now_s(), c0 = cpu_s();
			for (long c = 0; !r && c < calls; c++)
				r = vaccel_noop(&s);
			v[i] = (now_s() - t) / (double)calls * 1e6;
			cpu[i] = (cpu_s() - c0) / (double)calls * 1e6;
		}
		snprintf(label, sizeof(label), "noop");
		if (!r)
			report(label, v, cpu, rounds, "us");
	} else if (!strcmp(what, "copy") || !strcmp(what, "upload")) {
		size_t bytes = (size_t)atol(argv[2]);
		size_t n = bytes / sizeof(int);
		int *a = malloc(n * sizeof(int)),
		    *out = malloc(n * sizeof(int));
		if (!a || !out || !n)
			return fprintf(stderr, "bad size\n"), 2;
		for (size_t i = 0; i < n; i++)
			a[i] = (int)(i * 2654435761u);
		bool copy = !strcmp(what, "copy");
		for (int i = -1; !r && i < rounds; i++) {
			a[0] = i; /* new content each round: no cache hit */
			a[n - 1] = (int)time(NULL);
			double t = now_s(), c0 = cpu_s();
			if (copy) {
				r = vaccel_fpga_arraycopy(&s, a, out, n);
				if (!r &&
				    (out[0] != a[0] || out[n - 1] != a[n - 1]))
					r = VACCEL_EIO;
			} else {
				struct vaccel_resource res;
				r = vaccel_resource_init_from_buf(
					&res, a, n * sizeof(int),
					VACCEL_RESOURCE_DATA, "blob.bin", true);
				if (!r)
					r = vaccel_resource_register(&res, &s);
				if (!r)
					r = vaccel_resource_unregister(&res,
								       &s);
				int e = vaccel_resource_release(&res);
				r = r ? r : e;
			}
			if (i >= 0) {
				v[i] = (now_s() - t) * 1e3;
				cpu[i] = (cpu_s() - c0) * 1e3;
			}
		}
		snprintf(label, sizeof(label), "%s bytes=%zu", what,
			 n * sizeof(int));
		if (!r)
			report(label, v, cpu, rounds, "ms");
		free(a);
		free(out);
	} else if (!strcmp(what, "classify") || !strcmp(what, "detect")) {
		void *img;
		size_t len;
		if (read_file(argv[2], &img, &len))
			return fprintf(stderr, "cannot read %s\n", argv[2]), 1;
		unsigned char text[1024], name[1024];
		bool cls = !strcmp(what, "classify");
		for (int i = -1; !r && i < rounds; i++) {
			double t = now_s(), c0 = cpu_s();
			r = cls ? vaccel_image_classification(
					  &s, img, text, name, len,
					  sizeof(text), sizeof(name))
				: vaccel_image_detection(&s, img, name, len,
							 sizeof(name));
			if (i >= 0) {
				v[i] = (now_s() - t) * 1e3;
				cpu[i] = (cpu_s() - c0) * 1e3;
			}
		}
		const char *base = strrchr(argv[2], '/');
		snprintf(label, sizeof(label), "%s image=%s", what,
			 base ? base + 1 : argv[2]);
		if (!r)
			report(label, v, cpu, rounds, "ms");
		free(img);
	} else {
		return fprintf(stderr, "unknown measurement %s\n", what), 2;
	}
	if (r)
		fprintf(stderr, "%s: call failed: %d\n", what, r);
	vaccel_session_release(&s);
	free(v);
	free(cpu);
	return r ? 1 : 0;
}
