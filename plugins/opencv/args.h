// SPDX-License-Identifier: Apache-2.0
/* Reading the opencv op's arguments: every size is checked against what
 * the function needs before anything is read, and buffers that are not
 * aligned for their element type are used through aligned copies. The
 * layouts: docs/plugins/opencv.md. */
#pragma once

#include "opencv_backend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vaccel.h>

#define VCV_TAG "[opencv] "
/* The largest rows or cols of a matrix (OpenCV's own limits are higher;
 * this keeps rows x cols x channels x 8 far from overflowing). */
#define VCV_MAX_DIM 32768
#define VCV_MAX_TMP 16

/* A cursor over the read and write args of one call. The first error
 * sticks: every later reader returns it at once without reading, so a
 * handler reads all its args in a row and checks once (vcv_all_used). */
struct vcv_args {
	const char *fn;
	struct vaccel_arg *rd, *wr;
	int nr_rd, nr_wr, ri, wi;
	int ret;
	/* aligned copies: [i] is freed at the end; for write args, copied
	 * back to back[i] (back_len[i] bytes) when the call succeeded */
	void *tmp[VCV_MAX_TMP], *back[VCV_MAX_TMP];
	size_t back_len[VCV_MAX_TMP];
	int ntmp;
};

/* Log "[opencv] <fn>: <reason>", make VACCEL_EINVAL the call's error and
 * return it. */
int vcv_bad(struct vcv_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same when `ok` is false and no error came before. */
int vcv_need(struct vcv_args *a, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The next read arg as one int32 / float32 / (any) array. */
int vcv_int(struct vcv_args *a, const char *what, int32_t *v);
int vcv_float(struct vcv_args *a, const char *what, float *v);
/* The next read (write = false) or write arg as an array of elements of
 * esz bytes: exactly `count` of them, or when count is 0 any number >= 1
 * that is a multiple of `unit`. *n gets the number of elements. */
int vcv_array(struct vcv_args *a, bool write, const char *what, size_t esz,
	      size_t count, size_t unit, void **p, size_t *n);
/* The next three read args as a matrix: rows, cols (int32, 1..VCV_MAX_DIM)
 * and the data of `depth`, whose channel count follows from its size and
 * must be one of `chans` (bit c: c channels allowed). */
int vcv_mat_in(struct vcv_args *a, const char *what, enum vcv_depth depth,
	       unsigned chans, struct vcv_mat *m);
/* The next write arg as a rows x cols x channels matrix of `depth`. */
int vcv_mat_out(struct vcv_args *a, const char *what, int32_t rows,
		int32_t cols, int32_t channels, enum vcv_depth depth,
		struct vcv_mat *m);
/* Whether a write arg is left (optional outputs). */
bool vcv_more_out(const struct vcv_args *a);
/* The call's error so far; else VACCEL_EINVAL (saying how many are
 * expected) if an arg was left unused; else VACCEL_OK. */
int vcv_all_used(struct vcv_args *a);
/* Copy aligned outputs back (when ret is VACCEL_OK) and free the copies. */
int vcv_args_end(struct vcv_args *a, int ret);
