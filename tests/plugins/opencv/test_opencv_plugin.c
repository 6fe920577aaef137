// SPDX-License-Identifier: Apache-2.0
/* The opencv plugin through vaccel_opencv(), each case on a local session
 * and on a session of a real vaccel-agent serving the plugin; every result
 * is compared with OpenCV called directly (cv_ref.cpp) on real photos, a
 * shifted copy of one (optical flow, stereo) and a chessboard rendered
 * with OpenCV's drawing and seen from five sides (corners, calibration).
 * Then the argument checks: wrong ids, counts, sizes and values are
 * VACCEL_EINVAL with the output untouched. Skips (77) without the photos.
 * Layouts: docs/plugins/opencv.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cv_ref.h"
#include "remote_tu.h"
#include <vaccel.h>

/* the plugin's function ids (plugins/opencv/plugin.c) */
enum {
	IN_RANGE = 1,
	FIND_CONTOURS,
	OPTICAL_FLOW,
	CHESSBOARD,
	SUBPIX,
	CALIBRATE,
	UNDISTORT,
	UNDISTORT_MAP,
	REMAP,
	SOLVE,
	STEREO_BM,
	STEREO_SGBM,
};

static struct ref_img photo, grey, person;

/* ---- building a call -------------------------------------------------- */

struct call {
	struct vaccel_arg rd[16], wr[8];
	int nr, nw;
	/* scalars live here, so that their args can point at them */
	int32_t ints[16];
	float floats[4];
	int ni, nf;
};

static void c_buf(struct call *c, const void *p, size_t size)
{
	c->rd[c->nr++] = (struct vaccel_arg){ (void *)p, size, VACCEL_ARG_RAW,
					      0, false };
}

static void c_int(struct call *c, int32_t v)
{
	c->ints[c->ni] = v;
	c->rd[c->nr++] = (struct vaccel_arg){ &c->ints[c->ni++], 4,
					      VACCEL_ARG_INT32, 0, false };
}

static void c_float(struct call *c, float v)
{
	c->floats[c->nf] = v;
	c->rd[c->nr++] = (struct vaccel_arg){ &c->floats[c->nf++], 4,
					      VACCEL_ARG_FLOAT32, 0, false };
}

static void c_start(struct call *c, int32_t fn)
{
	memset(c, 0, sizeof(*c));
	c_int(c, fn);
}

static void c_img(struct call *c, const struct ref_img *im)
{
	c_int(c, im->rows);
	c_int(c, im->cols);
	c_buf(c, im->data, (size_t)im->rows * im->cols * im->channels);
}

static void c_out(struct call *c, void *p, size_t size)
{
	c->wr[c->nw++] =
		(struct vaccel_arg){ p, size, VACCEL_ARG_RAW, 0, false };
}

static int c_run(struct vaccel_session *s, struct call *c)
{
	return vaccel_opencv(s, c->rd, c->nr, c->wr, c->nw);
}

static size_t px(const struct ref_img *im)
{
	return (size_t)im->rows * (size_t)im->cols;
}

static void *xalloc(size_t n)
{
	void *p = calloc(n ? n : 1, 1);

	assert_non_null(p);
	return p;
}

/* ---- inRange, findContours ------------------------------------------- */

static void in_range(struct vaccel_session *s)
{
	static const float lo[3] = { 0, 40, 60 }, hi[3] = { 110, 180, 255 };
	uint8_t *got = xalloc(px(&photo)), *want = xalloc(px(&photo));
	size_t on = 0;
	struct call c;

	c_start(&c, IN_RANGE);
	c_img(&c, &photo);
	c_buf(&c, lo, sizeof(lo));
	c_buf(&c, hi, sizeof(hi));
	c_out(&c, got, px(&photo));
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	ref_in_range(&photo, lo, hi, want);
	assert_memory_equal(got, want, px(&photo));
	for (size_t i = 0; i < px(&photo); i++)
		on += got[i] == 255;
	printf("# inRange: %zu of %zu pixels in range\n", on, px(&photo));
	assert_true(on > 0 && on < px(&photo));
	free(got);
	free(want);
}

static void test_in_range(void **state)
{
	rtu_each(in_range);
}

/* One findContours call with capacities cap_c / cap_p, against OpenCV. */
static void contours(struct vaccel_session *s, const struct ref_img *bin,
		     int mode, int method, size_t cap_c, size_t cap_p)
{
	int32_t counts[2], rc[2], *len = xalloc(cap_c * 4);
	int32_t *pts = xalloc(cap_p * 8), *hier = xalloc(cap_c * 16);
	int32_t *rlen = xalloc(cap_c * 4), *rpts = xalloc(cap_p * 8);
	int32_t *rhier = xalloc(cap_c * 16);
	struct call c;

	c_start(&c, FIND_CONTOURS);
	c_img(&c, bin);
	c_int(&c, mode);
	c_int(&c, method);
	c_out(&c, counts, sizeof(counts));
	c_out(&c, len, cap_c * 4);
	c_out(&c, pts, cap_p * 8);
	c_out(&c, hier, cap_c * 16);
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	ref_contours(bin, mode, method, rc, rlen, cap_c, rpts, cap_p, rhier);
	printf("# findContours mode %d method %d: %d contours, %d points\n",
	       mode, method, counts[0], counts[1]);
	assert_memory_equal(counts, rc, sizeof(rc));
	assert_true(counts[0] > 1);
	assert_memory_equal(len, rlen, cap_c * 4);
	assert_memory_equal(pts, rpts, cap_p * 8);
	assert_memory_equal(hier, rhier, cap_c * 16);
	free(len), free(pts), free(hier), free(rlen), free(rpts), free(rhier);
}

static void find_contours(struct vaccel_session *s)
{
	struct ref_img bin;

	ref_binary(&grey, 128, &bin);
	contours(s, &bin, 3 /* RETR_TREE */, 2 /* CHAIN_APPROX_SIMPLE */, 4096,
		 1 << 17);
	contours(s, &bin, 0 /* RETR_EXTERNAL */, 1 /* CHAIN_APPROX_NONE */,
		 4096, 1 << 17);
	/* less room than the result: totals, and what fits */
	contours(s, &bin, 1 /* RETR_LIST */, 2, 3, 10);
	ref_free(&bin);
}

static void test_find_contours(void **state)
{
	rtu_each(find_contours);
}

/* ---- optical flow ------------------------------------------------------ */

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

static void optical_flow(struct vaccel_session *s)
{
	struct ref_img next;
	float pts[400], got[400], want[400], err[200], rerr[200];
	float dx[200], dy[200];
	uint8_t st[200], rst[200];
	size_t n = ref_features(&grey, 200, pts), ok = 0;
	struct call c;

	ref_shift(&grey, 2.5f, -1.5f, &next);
	c_start(&c, OPTICAL_FLOW);
	c_img(&c, &grey);
	c_img(&c, &next);
	c_buf(&c, pts, n * 8);
	c_int(&c, 21);
	c_int(&c, 3);
	c_out(&c, got, n * 8);
	c_out(&c, st, n);
	c_out(&c, err, n * 4);
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	ref_flow(&grey, &next, pts, n, 21, 3, want, rst, rerr);
	assert_memory_equal(got, want, n * 8);
	assert_memory_equal(st, rst, n);
	assert_memory_equal(err, rerr, n * 4);
	for (size_t i = 0; i < n; i++) {
		if (!st[i])
			continue;
		dx[ok] = got[2 * i] - pts[2 * i];
		dy[ok++] = got[2 * i + 1] - pts[2 * i + 1];
	}
	qsort(dx, ok, sizeof(float), cmp_float);
	qsort(dy, ok, sizeof(float), cmp_float);
	printf("# optical flow: %zu of %zu points tracked, median (%.3f, "
	       "%.3f), the shift is (2.5, -1.5)\n",
	       ok, n, dx[ok / 2], dy[ok / 2]);
	assert_true(n >= 50 && ok > n / 2);
	assert_true(fabsf(dx[ok / 2] - 2.5f) < 0.25f &&
		    fabsf(dy[ok / 2] + 1.5f) < 0.25f);
	ref_free(&next);
}

static void test_optical_flow(void **state)
{
	rtu_each(optical_flow);
}

/* ---- chessboard, calibration, undistortion ----------------------------- */

enum {
	PC = 9,
	PR = 6,
	NPTS = PC * PR,
	VIEWS = 5,
	SQ = 40
};

/* Corners of view v through the plugin (found, refined), each step
 * checked against OpenCV. */
static void board_corners(struct vaccel_session *s, int v, float *corners)
{
	struct ref_img b;
	float want[2 * NPTS];
	int32_t found = -1;
	struct call c;

	ref_board(480, 640, PC, PR, SQ, v, &b);
	c_start(&c, CHESSBOARD);
	c_img(&c, &b);
	c_int(&c, PC);
	c_int(&c, PR);
	c_int(&c, 3); /* CALIB_CB_ADAPTIVE_THRESH | NORMALIZE_IMAGE */
	c_out(&c, &found, 4);
	c_out(&c, corners, 2 * NPTS * 4);
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	assert_int_equal(found, 1);
	assert_int_equal(ref_chessboard(&b, PC, PR, 3, want), 1);
	assert_memory_equal(corners, want, sizeof(want));

	c_start(&c, SUBPIX);
	c_img(&c, &b);
	c_buf(&c, want, sizeof(want));
	c_int(&c, 5);
	c_int(&c, 30);
	c_float(&c, 0.01f);
	c_out(&c, corners, sizeof(want));
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	ref_subpix(&b, want, NPTS, 5, 30, 0.01f);
	assert_memory_equal(corners, want, sizeof(want));
	ref_free(&b);
}

static void calibrate(struct vaccel_session *s)
{
	float obj[3 * NPTS], img[VIEWS * 2 * NPTS];
	double rms, K[9], D[5], rK[9], rD[5], rv[3 * VIEWS], tv[3 * VIEWS];
	struct call c;

	for (int v = 0; v < VIEWS; v++)
		board_corners(s, v, img + 2 * NPTS * v);
	for (int i = 0; i < NPTS; i++) {
		obj[3 * i] = (float)(i % PC) * SQ;
		obj[3 * i + 1] = (float)(i / PC) * SQ;
		obj[3 * i + 2] = 0;
	}
	c_start(&c, CALIBRATE);
	c_int(&c, 480);
	c_int(&c, 640);
	c_int(&c, VIEWS);
	c_buf(&c, obj, sizeof(obj));
	c_buf(&c, img, sizeof(img));
	c_int(&c, 0);
	c_out(&c, &rms, 8);
	c_out(&c, K, sizeof(K));
	c_out(&c, D, sizeof(D));
	c_out(&c, rv, sizeof(rv));
	c_out(&c, tv, sizeof(tv));
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	double rrms =
		ref_calibrate(480, 640, VIEWS, obj, NPTS, img, 0, rK, rD, 5);
	printf("# calibration: rms %.4f px, fx %.1f fy %.1f cx %.1f cy %.1f, "
	       "k1 %.4f\n",
	       rms, K[0], K[4], K[2], K[5], D[0]);
	assert_true(rms == rrms);
	assert_memory_equal(K, rK, sizeof(K));
	assert_memory_equal(D, rD, sizeof(D));
	assert_true(rms < 0.5);
}

static void test_chessboard_calibrate(void **state)
{
	rtu_each(calibrate);
}

/* A strong barrel distortion for a 640 x 424-ish photo */
static const double K0[9] = { 500, 0, 320, 0, 500, 212, 0, 0, 1 };
static const double D0[5] = { -0.3, 0.1, 0.001, -0.001, 0 };

static void undistort(struct vaccel_session *s)
{
	size_t n = px(&person), nb = n * person.channels;
	uint8_t *got = xalloc(nb), *want = xalloc(nb);
	float *mx = xalloc(n * 4), *my = xalloc(n * 4);
	float *rx = xalloc(n * 4), *ry = xalloc(n * 4);
	struct call c;

	c_start(&c, UNDISTORT);
	c_img(&c, &person);
	c_buf(&c, K0, sizeof(K0));
	c_buf(&c, D0, sizeof(D0));
	c_out(&c, got, nb);
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	ref_undistort(&person, K0, D0, 5, want);
	assert_memory_equal(got, want, nb);

	c_start(&c, UNDISTORT_MAP);
	c_int(&c, person.rows);
	c_int(&c, person.cols);
	c_buf(&c, K0, sizeof(K0));
	c_buf(&c, D0, sizeof(D0));
	c_out(&c, mx, n * 4);
	c_out(&c, my, n * 4);
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	ref_map(person.rows, person.cols, K0, D0, 5, rx, ry);
	assert_memory_equal(mx, rx, n * 4);
	assert_memory_equal(my, ry, n * 4);

	c_start(&c, REMAP);
	c_img(&c, &person);
	c_int(&c, person.rows);
	c_int(&c, person.cols);
	c_buf(&c, mx, n * 4);
	c_buf(&c, my, n * 4);
	c_int(&c, 1);
	c_out(&c, got, nb);
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	ref_remap(&person, rx, ry, person.rows, person.cols, 1, want);
	assert_memory_equal(got, want, nb);
	free(got), free(want), free(mx), free(my), free(rx), free(ry);
}

static void test_undistort_remap(void **state)
{
	rtu_each(undistort);
}

/* ---- solve ------------------------------------------------------------ */

static void solve_case(struct vaccel_session *s, int m, int n, int k, int flags,
		       bool singular)
{
	float *A = xalloc((size_t)m * n * 4), *B = xalloc((size_t)m * k * 4);
	float *X = xalloc((size_t)n * k * 4), *R = xalloc((size_t)n * k * 4);
	int32_t ok = -1;
	struct call c;

	for (int i = 0; i < m * n && !singular; i++)
		A[i] = (float)((i * 37) % 17) / 17.0f + (i % (n + 1) ? 0 : 4);
	for (int i = 0; i < m * k; i++)
		B[i] = (float)((i * 11) % 13) - 6;
	c_start(&c, SOLVE);
	c_int(&c, m);
	c_int(&c, n);
	c_buf(&c, A, (size_t)m * n * 4);
	c_int(&c, m);
	c_int(&c, k);
	c_buf(&c, B, (size_t)m * k * 4);
	c_int(&c, flags);
	c_out(&c, &ok, 4);
	c_out(&c, X, (size_t)n * k * 4);
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	assert_int_equal(ok, ref_solve(A, m, n, B, k, flags, R));
	assert_int_equal(ok, !singular);
	assert_memory_equal(X, R, (size_t)n * k * 4);
	/* square and regular: A X = B */
	for (int i = 0; m == n && !singular && i < m * k; i++) {
		double r = -B[i];

		for (int j = 0; j < n; j++)
			r += (double)A[(i / k) * n + j] * X[j * k + i % k];
		assert_true(fabs(r) < 1e-4);
	}
	free(A), free(B), free(X), free(R);
}

static void solve(struct vaccel_session *s)
{
	solve_case(s, 8, 8, 3, 0 /* DECOMP_LU */, false);
	solve_case(s, 12, 5, 2, 1 /* DECOMP_SVD */, false);
	solve_case(s, 12, 5, 2, 16 /* DECOMP_NORMAL | LU */, false);
	solve_case(s, 4, 4, 1, 0, true);
}

static void test_solve(void **state)
{
	rtu_each(solve);
}

/* ---- stereo ----------------------------------------------------------- */

/* The median valid disparity in pixels (valid: > min x 16). */
static double median_disp(const int16_t *d, size_t n)
{
	float *v = xalloc(n * sizeof(float));
	size_t k = 0;
	double m;

	for (size_t i = 0; i < n; i++)
		if (d[i] > 0)
			v[k++] = d[i] / 16.0f;
	qsort(v, k, sizeof(float), cmp_float);
	m = k ? v[k / 2] : -1;
	free(v);
	return m;
}

static void stereo(struct vaccel_session *s)
{
	struct ref_img right, rc;
	size_t n = px(&grey);
	int16_t *got = xalloc(n * 2), *want = xalloc(n * 2);
	const int32_t sg[6] = { 0, 64, 5, 8 * 3 * 25, 32 * 3 * 25, 0 };
	struct call c;

	/* the right camera sees everything 8 pixels further left */
	ref_shift(&grey, -8, 0, &right);
	c_start(&c, STEREO_BM);
	c_img(&c, &grey);
	c_img(&c, &right);
	c_int(&c, 64);
	c_int(&c, 21);
	c_out(&c, got, n * 2);
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	ref_stereo_bm(&grey, &right, 64, 21, want);
	assert_memory_equal(got, want, n * 2);
	printf("# StereoBM: median disparity %.2f (the shift is 8)\n",
	       median_disp(got, n));
	assert_true(fabs(median_disp(got, n) - 8) < 0.5);

	ref_shift(&photo, -8, 0, &rc);
	c_start(&c, STEREO_SGBM);
	c_img(&c, &photo);
	c_img(&c, &rc);
	for (int i = 0; i < 6; i++)
		c_int(&c, sg[i]);
	c_out(&c, got, n * 2);
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	ref_stereo_sgbm(&photo, &rc, sg, want);
	assert_memory_equal(got, want, n * 2);
	printf("# StereoSGBM: median disparity %.2f\n", median_disp(got, n));
	assert_true(fabs(median_disp(got, n) - 8) < 0.5);
	ref_free(&right);
	ref_free(&rc);
	free(got);
	free(want);
}

static void test_stereo(void **state)
{
	rtu_each(stereo);
}

/* ---- argument checks -------------------------------------------------- */

/* inRange on a 2 x 2 grey image; `mutate` breaks one thing. */
static int in_range_with(struct vaccel_session *s, int mutate)
{
	uint8_t img[4] = { 1, 2, 3, 4 }, mask[8];
	/* hi has room for the 8 bytes of mutation 2 */
	float lo = 2, hi[2] = { 3, 3 };
	struct call c;
	int ret;

	memset(mask, 0x5a, sizeof(mask));
	c_start(&c, IN_RANGE);
	c_int(&c, 2);
	c_int(&c, 2);
	c_buf(&c, img, mutate == 1 ? 3 : 4);
	c_buf(&c, &lo, 4);
	c_buf(&c, hi, mutate == 2 ? 8 : 4);
	c_out(&c, mask, mutate == 3 ? 3 : 4);
	if (mutate == 4)
		c.ints[1] = 0; /* rows 0 */
	if (mutate == 5)
		c.ints[2] = 40000; /* cols too large */
	if (mutate == 6)
		c_int(&c, 7); /* an extra read arg */
	if (mutate == 7)
		c.nw = 0; /* no output */
	if (mutate == 8)
		c.ints[0] = 99; /* unknown function */
	if (mutate == 9)
		c.rd[0].size = 1; /* a 1-byte id */
	if (mutate == 10)
		c.rd[3].buf = NULL;
	if (mutate == 11)
		c.nr = 0;
	ret = c_run(s, &c);
	if (!mutate)
		assert_memory_equal(mask, "\0\xff\xff\0", 4);
	else
		for (int i = 0; i < 8; i++)
			assert_int_equal(mask[i], 0x5a);
	return ret;
}

static void bad_args(struct vaccel_session *s)
{
	float pts[3] = { 1, 2, 3 }, out[4];
	uint8_t st[4];
	int16_t disp[64 * 64];
	struct call c;

	assert_int_equal(in_range_with(s, 0), VACCEL_OK);
	/* 10, a NULL buffer of 4 bytes, only locally: the rpc transport
	 * does not check it and loses its connection (reported) */
	for (int m = 1; m <= 11; m++)
		if (m != 10 || !s->is_virtio)
			assert_int_equal(in_range_with(s, m), VACCEL_EINVAL);
	/* optical flow: images of different sizes, an odd float count */
	c_start(&c, OPTICAL_FLOW);
	c_img(&c, &grey);
	c_img(&c, &photo);
	c_buf(&c, pts, sizeof(pts));
	c_int(&c, 21);
	c_int(&c, 3);
	c_out(&c, out, 8);
	c_out(&c, st, 1);
	c_out(&c, out, 4);
	assert_int_equal(c_run(s, &c), VACCEL_EINVAL);
	/* next = prev: now only the point count is wrong */
	c.rd[4] = c.rd[1];
	c.rd[5] = c.rd[2];
	c.rd[6] = c.rd[3];
	assert_int_equal(c_run(s, &c), VACCEL_EINVAL);
	/* OpenCV refuses: StereoBM's disparities must be a multiple of 16 */
	struct ref_img small = { 64, 64, 1, grey.data };
	c_start(&c, STEREO_BM);
	c_img(&c, &small);
	c_img(&c, &small);
	c_int(&c, 10);
	c_int(&c, 21);
	c_out(&c, disp, sizeof(disp));
	assert_int_equal(c_run(s, &c), VACCEL_EINVAL);
	/* the plugin's own bound: at most 1024 disparities */
	c.ints[5] = 4096;
	assert_int_equal(c_run(s, &c), VACCEL_EINVAL);
	/* remap: an interpolation OpenCV does not have */
	c_start(&c, REMAP);
	c_img(&c, &small);
	c_int(&c, 2);
	c_int(&c, 2);
	c_buf(&c, out, 16);
	c_buf(&c, out, 16);
	c_int(&c, 3);
	c_out(&c, st, 4);
	assert_int_equal(c_run(s, &c), VACCEL_EINVAL);
}

static void test_bad_args(void **state)
{
	rtu_each(bad_args);
}

/* Buffers at odd addresses: used through aligned copies. */
static void unaligned(struct vaccel_session *s)
{
	uint8_t *img = xalloc(px(&grey) + 1), *mask = xalloc(px(&grey) + 1);
	uint8_t *want = xalloc(px(&grey));
	char bounds[9];
	const float lo = 50, hi = 150;
	struct call c;

	memcpy(img + 1, grey.data, px(&grey));
	memcpy(bounds + 1, &lo, 4);
	memcpy(bounds + 5, &hi, 4);
	c_start(&c, IN_RANGE);
	c_int(&c, grey.rows);
	c_int(&c, grey.cols);
	c_buf(&c, img + 1, px(&grey));
	c_buf(&c, bounds + 1, 4);
	c_buf(&c, bounds + 5, 4);
	c_out(&c, mask + 1, px(&grey));
	assert_int_equal(c_run(s, &c), VACCEL_OK);
	ref_in_range(&grey, &lo, &hi, want);
	assert_memory_equal(mask + 1, want, px(&grey));
	free(img), free(mask), free(want);
}

static void test_unaligned(void **state)
{
	rtu_each(unaligned);
}

static int load(struct ref_img *im, const char *name, int gray)
{
	char path[1024];
	const char *deps = getenv("VACCEL_DEPS");

	snprintf(path, sizeof(path), "%s/images/%s",
		 deps ? deps : "/opt/vaccel-deps", name);
	if (!ref_load(path, gray, im))
		return 0;
	printf("skip: %s is missing (run scripts/setup.sh)\n", path);
	return -1;
}

/* The CLI lists the plugin and the ops it serves. */
static void test_info(void **state)
{
	rtu_check_info("opencv", "ops: opencv");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_range),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_find_contours),
		cmocka_unit_test(test_optical_flow),
		cmocka_unit_test(test_chessboard_calibrate),
		cmocka_unit_test(test_undistort_remap),
		cmocka_unit_test(test_solve),
		cmocka_unit_test(test_stereo),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_unaligned),
	};
	int ret;

	if (load(&photo, "dog.jpg", 0) || load(&grey, "dog.jpg", 1) ||
	    load(&person, "person.jpg", 0))
		return 77;
	if (rtu_setup("opencv", NULL, NULL))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rtu_teardown();
	ref_free(&photo);
	ref_free(&grey);
	ref_free(&person);
	return ret;
}
