// SPDX-License-Identifier: Apache-2.0
/* sgemm: OpenBLAS cblas_sgemm called directly against vaccel_sgemm() through
 * libvaccel and the blas plugin, in one process, on the same matrices,
 * interleaved (direct, vaccel, direct, ...), medians of GFLOP/s.
 *
 * usage: bench-sgemm [N] [ROUNDS]     (default 1024 and 31)
 * Needs VACCEL_PLUGINS=<path of libvaccel-blas.so>. Both paths use the same
 * libopenblas in this process, with the plugin's thread count
 * (VACCEL_BLAS_THREADS, default 1). Prints one markdown table. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vaccel.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void direct(const float *a, const float *b, float *c, int n)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n,
		    b, n, 0, c, n);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1024;
	int rounds = argc > 2 ? atoi(argv[2]) : 31;
	size_t nn = (size_t)n * n;
	float *a = malloc(nn * sizeof(float)), *b = malloc(nn * sizeof(float));
	float *c = malloc(nn * sizeof(float));
	/* t[0]: direct, t[1]: through libvaccel, t[2]: direct again (the
	 * A/A control: how far two identical runs differ here) */
	double *t[3], *pv = malloc(rounds * sizeof(double));
	double *pa = malloc(rounds * sizeof(double));
	double flop = 2.0 * n * n * n, g[3];
	const char *core = getenv("OPENBLAS_CORETYPE");
	static struct vaccel_session sess;
	int ret;

	for (int i = 0; i < 3; i++)
		t[i] = malloc(rounds * sizeof(double));
	if (n < 1 || rounds < 1 || !a || !b || !c || !t[0] || !t[1] || !t[2] ||
	    !pv || !pa)
		return 2;
	ret = vaccel_session_init(&sess, VACCEL_PLUGIN_CPU);
	if (ret || strcmp(sess.plugin->info->name, "blas")) {
		fprintf(stderr, "no blas session (VACCEL_PLUGINS?): %d\n", ret);
		return 1;
	}
	srand(1);
	for (size_t i = 0; i < nn; i++) {
		a[i] = (float)rand() / RAND_MAX - 0.5f;
		b[i] = (float)rand() / RAND_MAX - 0.5f;
		c[i] = 0;
	}
	/* warm-up: OpenBLAS buffers, page faults */
	for (int i = 0; i < 2; i++) {
		direct(a, b, c, n);
		vaccel_sgemm(&sess, n, n, n, 1, a, n, b, n, 0, c, n);
	}
	for (int r = 0; r < rounds; r++) {
		/* rotate the order so that none always runs first */
		for (int k = 0; k < 3; k++) {
			int which = (k + r) % 3;
			double t0 = now();

			if (which == 1)
				ret = vaccel_sgemm(&sess, n, n, n, 1, a, n, b,
						   n, 0, c, n);
			else
				direct(a, b, c, n);
			t[which][r] = now() - t0;
			if (ret)
				return 1;
		}
		/* back to back: the ratios see the same load */
		pv[r] = t[0][r] / t[1][r];
		pa[r] = t[0][r] / t[2][r];
	}
	for (int i = 0; i < 3; i++)
		g[i] = flop / median(t[i], rounds) * 1e-9;
	printf("sgemm %dx%dx%d (row-major, alpha 1, beta 0), %d rounds of "
	       "three interleaved calls, OpenBLAS core %s, "
	       "OPENBLAS_CORETYPE=%s, %s thread(s):\n\n",
	       n, n, n, rounds, openblas_get_corename(), core ? core : "unset",
	       getenv("VACCEL_BLAS_THREADS") ? getenv("VACCEL_BLAS_THREADS")
					     : "1");
	printf("| sgemm %d^3 | median time | GFLOP/s | ratio of medians | "
	       "median of paired ratios |\n",
	       n);
	printf("|---|---|---|---|---|\n");
	printf("| cblas_sgemm, direct | %.2f ms | %.1f | 1 | 1 |\n",
	       flop / g[0] * 1e-6, g[0]);
	printf("| vaccel_sgemm, blas plugin | %.2f ms | %.1f | **%.3f** | "
	       "**%.3f** |\n",
	       flop / g[1] * 1e-6, g[1], g[1] / g[0], median(pv, rounds));
	printf("| cblas_sgemm again (A/A control: the noise) | %.2f ms | %.1f "
	       "| %.3f | %.3f |\n",
	       flop / g[2] * 1e-6, g[2], g[2] / g[0], median(pa, rounds));
	printf("\nTarget: >= 0.98 of the direct GFLOP/s.\n");
	vaccel_session_release(&sess);
	free(a);
	free(b);
	free(c);
	for (int i = 0; i < 3; i++)
		free(t[i]);
	free(pv);
	free(pa);
	return 0;
}
