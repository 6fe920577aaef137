// SPDX-License-Identifier: Apache-2.0
/* sgemm on the opencl plugin against OpenBLAS, in one process, on the same
 * matrices, interleaved rounds, medians:
 *   - cblas_sgemm with 1 thread and with 2 threads (OpenBLAS, direct);
 *   - CLBlastSgemm called directly on buffers already on the device (the
 *     device's own speed: no transfers);
 *   - vaccel_sgemm through libvaccel and the opencl plugin (each call
 *     copies A, B, C to the device and C back, as an application's call
 *     does).
 *
 * usage: bench-opencl [ROUNDS] N...     (default 11, 256 512 1024)
 *        bench-opencl first N          one call in a fresh process: what
 *                                      the first call costs (kernel build)
 * Needs VACCEL_PLUGINS=<path of libvaccel-opencl.so>. Prints markdown. */
#define CL_TARGET_OPENCL_VERSION 120
#include <cblas.h>
#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vaccel.h>

enum {
	OB1,
	OB2,
	CLB,
	VAC,
	NWAYS
};

static const char *const names[NWAYS] = {
	"cblas_sgemm, OpenBLAS 1 thread", "cblas_sgemm, OpenBLAS 2 threads",
	"CLBlastSgemm direct, data on the device",
	"vaccel_sgemm, opencl plugin (copies in and out)"
};

static double clk(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
	return clk(CLOCK_MONOTONIC);
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double med(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmpd);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The device CLBlast uses directly: the first device of the first
 * platform, as the plugin picks it here (one device). */
struct dev {
	cl_context ctx;
	cl_command_queue q;
	cl_mem a, b, c;
};

static int dev_open(struct dev *d, const float *a, const float *b, size_t nn)
{
	cl_platform_id p;
	cl_device_id id;
	cl_int e;

	if (clGetPlatformIDs(1, &p, NULL) ||
	    clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &id, NULL))
		return -1;
	d->ctx = clCreateContext(NULL, 1, &id, NULL, NULL, &e);
	d->q = d->ctx ? clCreateCommandQueue(d->ctx, id, 0, &e) : NULL;
	if (!d->q)
		return -1;
	d->a = clCreateBuffer(d->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
			      nn * 4, (void *)a, &e);
	d->b = clCreateBuffer(d->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
			      nn * 4, (void *)b, &e);
	d->c = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, nn * 4, NULL, &e);
	return d->a && d->b && d->c ? 0 : -1;
}

static void dev_close(struct dev *d)
{
	clReleaseMemObject(d->a);
	clReleaseMemObject(d->b);
	clReleaseMemObject(d->c);
	clReleaseCommandQueue(d->q);
	clReleaseContext(d->ctx);
}

static int one(int way, struct vaccel_session *s, struct dev *d, int n,
	       const float *a, const float *b, float *c)
{
	if (way == OB1 || way == OB2) {
		openblas_set_num_threads(way == OB1 ? 1 : 2);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
			    1, a, n, b, n, 0, c, n);
		return 0;
	}
	if (way == CLB) {
		int st = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo,
				      CLBlastTransposeNo, (size_t)n, (size_t)n,
				      (size_t)n, 1, d->a, 0, (size_t)n, d->b, 0,
				      (size_t)n, 0, d->c, 0, (size_t)n, &d->q,
				      NULL);
		return st || clFinish(d->q);
	}
	return vaccel_sgemm(s, n, n, n, 1, (float *)a, n, (float *)b, n, 0, c,
			    n);
}

static int bench(struct vaccel_session *s, int n, int rounds)
{
	size_t nn = (size_t)n * n;
	float *a = malloc(nn * 4), *b = malloc(nn * 4), *c = malloc(nn * 4);
	/* wall time, and the process's CPU time (every thread: pocl's and
	 * OpenBLAS's workers), which a busy shared machine disturbs less */
	double *t[NWAYS], *cpu[NWAYS], flop = 2.0 * n * n * n, base;
	struct dev d;
	int ret = 0;

	for (size_t i = 0; i < nn; i++) {
		a[i] = (float)(i % 17) / 17 - 0.5f;
		b[i] = (float)(i % 13) / 13 - 0.5f;
	}
	if (dev_open(&d, a, b, nn))
		return -1;
	for (int w = 0; w < NWAYS; w++) {
		t[w] = malloc((size_t)rounds * sizeof(double));
		cpu[w] = malloc((size_t)rounds * sizeof(double));
		ret |= one(w, s, &d, n, a, b, c); /* warm-up */
	}
	for (int r = 0; r < rounds && !ret; r++) {
		for (int k = 0; k < NWAYS; k++) {
			int w = (k + r) % NWAYS;
			double t0 = now(), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);

			ret |= one(w, s, &d, n, a, b, c);
			t[w][r] = now() - t0;
			cpu[w][r] = clk(CLOCK_PROCESS_CPUTIME_ID) - c0;
		}
	}
	base = med(t[OB1], rounds);
	for (int w = 0; w < NWAYS && !ret; w++) {
		double m = w ? med(t[w], rounds) : base;
		double cm = med(cpu[w], rounds);

		printf("| %d | %s | %.3f ms | %.1f | %.3f | %.3f ms | %.1f |\n",
		       n, names[w], m * 1e3, flop / m * 1e-9, base / m,
		       cm * 1e3, flop / cm * 1e-9);
	}
	for (int w = 0; w < NWAYS; w++) {
		free(t[w]);
		free(cpu[w]);
	}
	dev_close(&d);
	free(a);
	free(b);
	free(c);
	return ret;
}

/* The first call of this process (the plugin builds or loads kernels). */
static int first(struct vaccel_session *s, int n)
{
	size_t nn = (size_t)n * n;
	float *a = calloc(nn, 4), *c = calloc(nn, 4);
	double t0 = now();
	int ret = vaccel_sgemm(s, n, n, n, 1, a, n, a, n, 0, c, n);
	double t1 = now();

	ret |= vaccel_sgemm(s, n, n, n, 1, a, n, a, n, 0, c, n);
	printf("%.3f %.3f\n", t1 - t0, now() - t1);
	free(a);
	free(c);
	return ret;
}

int main(int argc, char **argv)
{
	static struct vaccel_session s;
	int rounds = 11, i = 1, ret = 0;

	if (vaccel_session_init(&s, VACCEL_PLUGIN_GPU) ||
	    strcmp(s.plugin->info->name, "opencl")) {
		fprintf(stderr, "no opencl session (VACCEL_PLUGINS?)\n");
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "first"))
		return first(&s, atoi(argv[2])) ? 1 : 0;
	if (argc > 1)
		rounds = atoi(argv[i++]);
	printf("(OpenBLAS core %s)\n\n", openblas_get_corename());
	printf("| n (n x n x n) | sgemm | median (wall) | GFLOP/s | speed vs "
	       "OpenBLAS 1 thread | median CPU time | GFLOP per CPU-second "
	       "|\n|---|---|---|---|---|---|---|\n");
	if (i >= argc) {
		static const int def[] = { 256, 512, 1024 };

		for (int k = 0; k < 3 && !ret; k++)
			ret = bench(&s, def[k], rounds);
	}
	for (; i < argc && !ret; i++)
		ret = bench(&s, atoi(argv[i]), rounds);
	vaccel_session_release(&s);
	return ret ? 1 : 0;
}
