// SPDX-License-Identifier: Apache-2.0
/* minmax <data_length> <indata_file> <low_threshold> <high_threshold>
 * Reads data_length doubles (one per line) and calls vaccel_minmax(): the
 * plugin clamps them to [low, high] and returns the minimum and maximum
 * (the noop plugin answers min -1 and max 10000). */
#include <vaccel.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static bool parse_int(const char *s, const char *what, long lo, int *out)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > INT_MAX) {
		fprintf(stderr, "Invalid %s: %s\n", what, s);
		return false;
	}
	*out = (int)v;
	return true;
}

static int read_data(const char *path, double *data, int n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "Could not open input data file %s\n", path);
		return VACCEL_EIO;
	}
	for (int i = 0; i < n; i++) {
		if (fscanf(f, "%lf", &data[i]) != 1) {
			fprintf(stderr, "Could not read value %d from %s\n", i,
				path);
			fclose(f);
			return VACCEL_EIO;
		}
	}
	fclose(f);
	return VACCEL_OK;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int run(double *in, int n, int low, int high)
{
	struct vaccel_session sess;
	double min, max;

	double *out = malloc(sizeof(double) * (size_t)n);
	if (!out)
		return VACCEL_ENOMEM;
	int ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize vAccel session\n");
		free(out);
		return ret;
	}
	printf("Initialized session with id: %" PRId64 "\n", sess.id);

	double t0 = now_ms();
	/* deprecated upstream too, and still the minmax API */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	ret = vaccel_minmax(&sess, in, n, low, high, out, &min, &max);
#pragma GCC diagnostic pop
	double t1 = now_ms();
	if (ret)
		fprintf(stderr, "Could not run kernel: %d\n", ret);
	else
		printf("min: %lf max: %lf Execution time: %lf msec\n", min, max,
		       t1 - t0);
	if (vaccel_session_release(&sess))
		fprintf(stderr, "Could not release session\n");
	free(out);
	return ret;
}

int main(int argc, char *argv[])
{
	int n, low, high;

	if (argc != 5) {
		fprintf(stderr,
			"Usage: %s <data_length> <indata_file> <low_threshold> "
			"<high_threshold>\n",
			argv[0]);
		return VACCEL_EINVAL;
	}
	if (!parse_int(argv[1], "data length", 1, &n) ||
	    !parse_int(argv[3], "low threshold", INT_MIN, &low) ||
	    !parse_int(argv[4], "high threshold", INT_MIN, &high))
		return VACCEL_EINVAL;

	double *in = malloc(sizeof(double) * (size_t)n);
	if (!in)
		return VACCEL_ENOMEM;
	int ret = read_data(argv[2], in, n);
	if (!ret)
		ret = run(in, n, low, high);
	free(in);
	return ret;
}
