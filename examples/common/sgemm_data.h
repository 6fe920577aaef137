// SPDX-License-Identifier: Apache-2.0
/* The matrices of the sgemm examples: C = alpha * A x B + beta * C with
 * M = N = K = 512, A[i][j] = B[i][j] = C[i][j] = i * j / 512. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum {
	SGEMM_M = 512,
	SGEMM_N = 512,
	SGEMM_K = 512
};
#define SGEMM_ALPHA 32412.0F
#define SGEMM_BETA  2123.0F

struct sgemm_data {
	float *a, *b, *c;
};

static inline void sgemm_fill(float *x, int rows, int cols)
{
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < cols; j++)
			x[(size_t)i * cols + j] = ((float)i * j) / SGEMM_M;
}

/* Allocate and fill A (MxK), B (KxN), C (MxN). */
static inline int sgemm_data_init(struct sgemm_data *d)
{
	d->a = malloc(sizeof(float) * SGEMM_M * SGEMM_K);
	d->b = malloc(sizeof(float) * SGEMM_K * SGEMM_N);
	d->c = malloc(sizeof(float) * SGEMM_M * SGEMM_N);
	if (!d->a || !d->b || !d->c) {
		free(d->a);
		free(d->b);
		free(d->c);
		return -1;
	}
	sgemm_fill(d->a, SGEMM_M, SGEMM_K);
	sgemm_fill(d->b, SGEMM_K, SGEMM_N);
	sgemm_fill(d->c, SGEMM_M, SGEMM_N);
	return 0;
}

static inline void sgemm_data_release(struct sgemm_data *d)
{
	free(d->a);
	free(d->b);
	free(d->c);
}

/* Write C (M*N floats, row-major, host byte order) to `path`. */
static inline int sgemm_write_c(const struct sgemm_data *d, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "Could not open %s for writing\n", path);
		return -1;
	}
	size_t n = (size_t)SGEMM_M * SGEMM_N;
	int bad = fwrite(d->c, sizeof(float), n, f) != n;
	bad |= fclose(f) != 0;
	if (bad)
		fprintf(stderr, "Could not write %s\n", path);
	return bad ? -1 : 0;
}
