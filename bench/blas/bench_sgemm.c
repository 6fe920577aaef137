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

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1024;
	int rounds = argc > 2 ? atoi(argv[2]) : 31;
	size_t nn = (size_t)n * n;
	float *a = malloc(nn * sizeof(float)), *b = malloc(nn * sizeof(float));
	float *c = malloc(nn * sizeof(float));
	double *td = malloc(rounds * sizeof(double));
	double *tv = malloc(rounds * sizeof(double));
	double *pr = malloc(rounds * sizeof(double));
	double flop = 2.0 * n * n * n, gd, gv;
	const char *core = getenv("OPENBLAS_CORETYPE");
	struct vaccel_session sess;
	int ret;

	if (n < 1 || rounds < 1 || !a || !b || !c || !td || !tv || !pr)
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
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
			    1, a, n, b, n, 0, c, n);
		vaccel_sgemm(&sess, n, n, n, 1, a, n, b, n, 0, c, n);
	}
	for (int r = 0; r < rounds; r++) {
		/* alternate which goes first so neither always runs warm */
		for (int k = 0; k < 2; k++) {
			double t0 = now();

			if ((k + r) % 2 == 0) {
				cblas_sgemm(CblasRowMajor, CblasNoTrans,
					    CblasNoTrans, n, n, n, 1, a, n, b,
					    n, 0, c, n);
				td[r] = now() - t0;
			} else {
				ret = vaccel_sgemm(&sess, n, n, n, 1, a, n, b,
						   n, 0, c, n);
				tv[r] = now() - t0;
				if (ret)
					return 1;
			}
		}
		/* the pair ran back to back: their ratio sees the same load */
		pr[r] = td[r] / tv[r];
	}
	gd = flop / median(td, rounds) * 1e-9;
	gv = flop / median(tv, rounds) * 1e-9;
	printf("sgemm %dx%dx%d (row-major, alpha 1, beta 0), %d interleaved "
	       "rounds, OpenBLAS core %s, OPENBLAS_CORETYPE=%s, %s "
	       "thread(s):\n\n",
	       n, n, n, rounds, openblas_get_corename(), core ? core : "unset",
	       getenv("VACCEL_BLAS_THREADS") ? getenv("VACCEL_BLAS_THREADS")
					     : "1");
	printf("| sgemm %d^3 | median time | GFLOP/s | ratio of medians | "
	       "median of paired ratios |\n",
	       n);
	printf("|---|---|---|---|---|\n");
	printf("| cblas_sgemm, direct | %.2f ms | %.1f | 1 | 1 |\n",
	       flop / gd * 1e-6, gd);
	printf("| vaccel_sgemm, blas plugin | %.2f ms | %.1f | **%.3f** | "
	       "**%.3f** |\n",
	       flop / gv * 1e-6, gv, gv / gd, median(pr, rounds));
	printf("\nTarget: >= 0.98 of the direct GFLOP/s.\n");
	vaccel_session_release(&sess);
	free(a);
	free(b);
	free(c);
	free(td);
	free(tv);
	free(pr);
	return 0;
}
