// SPDX-License-Identifier: Apache-2.0
/* Local dispatch overhead: vaccel_noop() through libvaccel and the noop
 * plugin, against calling the plugin's own noop function directly (found
 * through its descriptor), in one process, interleaved, medians.
 *
 * usage: bench-dispatch [--help] [ROUNDS [CALLS]]   (VACCEL_PLUGINS: noop) */

#include <vaccel.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The noop plugin's NOOP function, from its exported descriptor. */
static vaccel_op_noop_fn find_direct(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	if (!h)
		h = dlopen(path, RTLD_NOW);
	const struct vaccel_plugin_desc *d =
		h ? dlsym(h, VACCEL_PLUGIN_DESC_SYMBOL) : NULL;
	for (size_t i = 0; d && i < d->nr_ops; i++)
		if (d->ops[i].type == VACCEL_OP_NOOP)
			return d->ops[i].fn.NOOP;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("usage: %s [ROUNDS [CALLS]]\n"
		       "Per-call cost of vaccel_noop() vs a direct call of the "
		       "noop plugin's function.\n"
		       "Needs VACCEL_PLUGINS=<path of libvaccel-noop.so>.\n",
		       argv[0]);
		return 0;
	}
	int rounds = argc > 1 ? atoi(argv[1]) : 31;
	long calls = argc > 2 ? atol(argv[2]) : 200000;
	const char *plugins = getenv("VACCEL_PLUGINS");
	if (rounds < 1 || calls < 1 || !plugins) {
		fprintf(stderr, "bench-dispatch: set VACCEL_PLUGINS to the "
				"noop plugin; ROUNDS, CALLS > 0\n");
		return 2;
	}
	struct vaccel_session s;
	int ret = vaccel_session_init(&s, 0);
	vaccel_op_noop_fn direct = find_direct(plugins);
	if (ret || !direct) {
		fprintf(stderr,
			"bench-dispatch: no session (%d) or no noop function\n",
			ret);
		return 1;
	}

	double *via = malloc(sizeof(double) * (size_t)rounds);
	double *dir = malloc(sizeof(double) * (size_t)rounds);
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ns();
		for (long i = 0; i < calls; i++)
			direct(&s);
		double t1 = now_ns();
		for (long i = 0; i < calls; i++)
			vaccel_noop(&s);
		double t2 = now_ns();
		dir[r] = (t1 - t0) / (double)calls;
		via[r] = (t2 - t1) / (double)calls;
	}
	qsort(via, (size_t)rounds, sizeof(double), cmp);
	qsort(dir, (size_t)rounds, sizeof(double), cmp);
	double v = via[rounds / 2], d = dir[rounds / 2];
	printf("| local dispatch | per call, median of %d x %ld | ratio |\n",
	       rounds, calls);
	printf("|---|---|---|\n");
	printf("| direct call of the plugin function | %.1f ns | 1.00 |\n", d);
	printf("| vaccel_noop() through libvaccel | %.1f ns | %.2f |\n", v,
	       v / d);
	printf("| overhead of the library | %.1f ns | target <= 100 ns |\n",
	       v - d);
	vaccel_session_release(&s);
	free(via);
	free(dir);
	return 0;
}
