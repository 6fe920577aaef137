// SPDX-License-Identifier: Apache-2.0
/* The opencv plugin: VACCEL_OP_OPENCV on OpenCV 4. The first read arg
 * names the function (enum vcv_fn); the other args are that function's
 * inputs and, in the write args, its outputs (docs/plugins/opencv.md has
 * every layout). Each handler reads and checks all its args, then calls
 * the C face of opencv_backend.cpp. Stateless: calls may run at once. */
#include "args.h"
#include "opencv_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_LEN 512

/* The functions (read arg 0). The numbers are ABI: never reuse one. */
enum vcv_fn {
	VCV_FN_IN_RANGE = 1,
	VCV_FN_FIND_CONTOURS = 2,
	VCV_FN_OPTICAL_FLOW_PYR_LK = 3,
	VCV_FN_FIND_CHESSBOARD_CORNERS = 4,
	VCV_FN_CORNER_SUB_PIX = 5,
	VCV_FN_CALIBRATE_CAMERA = 6,
	VCV_FN_UNDISTORT = 7,
	VCV_FN_INIT_UNDISTORT_RECTIFY_MAP = 8,
	VCV_FN_REMAP = 9,
	VCV_FN_SOLVE = 10,
	VCV_FN_STEREO_BM = 11,
	VCV_FN_STEREO_SGBM = 12,
};

/* channel masks of vcv_mat_in() */
#define CH1   (1u << 1)
#define CH13  ((1u << 1) | (1u << 3))
#define CH134 ((1u << 1) | (1u << 3) | (1u << 4))

/* The backend's answer (logging its reason on failure). */
static int backend(const struct vcv_args *a, int ret, const char *err)
{
	if (ret)
		vaccel_error(VCV_TAG "%s: %s", a->fn, err);
	return ret;
}

/* read: image (8U, 1/3/4 ch), lower[C], upper[C]; write: mask (8U) */
static int fn_in_range(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_mat src = { 0 }, mask = { 0 };
	float *lo = NULL, *hi = NULL;
	size_t n;

	vcv_mat_in(a, "image", VCV_8U, CH134, &src);
	vcv_array(a, false, "lower", 4, (size_t)src.channels, 1, (void **)&lo,
		  &n);
	vcv_array(a, false, "upper", 4, (size_t)src.channels, 1, (void **)&hi,
		  &n);
	vcv_mat_out(a, "mask", src.rows, src.cols, 1, VCV_8U, &mask);
	if (vcv_all_used(a))
		return a->ret;
	return backend(a, vcv_in_range(&src, lo, hi, &mask, err, sizeof(err)),
		       err);
}

/* read: image (8U, 1 ch), mode, method; write: counts[2], lengths[],
 * points[] (x, y pairs), optional hierarchy[] (4 per contour) */
static int fn_find_contours(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_contours c = { 0 };
	struct vcv_mat src = { 0 };
	int32_t mode = 0, method = 0, *counts = NULL;
	size_t n;
	int ret;

	vcv_mat_in(a, "image", VCV_8U, CH1, &src);
	vcv_int(a, "mode", &mode);
	vcv_int(a, "method", &method);
	vcv_array(a, true, "counts", 4, 2, 1, (void **)&counts, &n);
	vcv_array(a, true, "lengths", 4, 0, 1, (void **)&c.lengths,
		  &c.cap_contours);
	vcv_array(a, true, "points", 4, 0, 2, (void **)&c.points,
		  &c.cap_points);
	c.cap_points /= 2;
	if (vcv_more_out(a))
		vcv_array(a, true, "hierarchy", 4, c.cap_contours * 4, 1,
			  (void **)&c.hierarchy, &n);
	if (vcv_all_used(a))
		return a->ret;
	ret = backend(
		a, vcv_find_contours(&src, mode, method, &c, err, sizeof(err)),
		err);
	if (!ret)
		counts[0] = c.nr_contours, counts[1] = c.nr_points;
	return ret;
}

/* read: prev, next (8U, 1 ch, one size), points[2N], win, max_level;
 * write: next points[2N], status[N] (bytes), errors[N] */
static int fn_optical_flow(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_mat prev = { 0 }, next = { 0 };
	float *pts = NULL, *out = NULL, *errs = NULL;
	int32_t win = 0, levels = 0;
	uint8_t *status = NULL;
	size_t n = 0, m;

	vcv_mat_in(a, "prev", VCV_8U, CH1, &prev);
	vcv_mat_in(a, "next", VCV_8U, CH1, &next);
	vcv_need(a, prev.rows == next.rows && prev.cols == next.cols,
		 "prev is %d x %d, next %d x %d", prev.rows, prev.cols,
		 next.rows, next.cols);
	vcv_array(a, false, "points", 4, 0, 2, (void **)&pts, &n);
	n /= 2;
	vcv_int(a, "win", &win);
	vcv_int(a, "max_level", &levels);
	/* bounds that keep a remote caller from making OpenCV allocate
	 * without limit (pyramids, windows) */
	vcv_need(a, win >= 3 && win <= 1024 && levels >= 0 && levels <= 16,
		 "win %d (3..1024), max_level %d (0..16)", win, levels);
	vcv_array(a, true, "next points", 4, 2 * n, 1, (void **)&out, &m);
	vcv_array(a, true, "status", 1, n, 1, (void **)&status, &m);
	vcv_array(a, true, "errors", 4, n, 1, (void **)&errs, &m);
	if (vcv_all_used(a))
		return a->ret;
	return backend(a,
		       vcv_optical_flow(&prev, &next, pts, n, win, levels, out,
					status, errs, err, sizeof(err)),
		       err);
}

/* read: image (8U, 1/3 ch), pattern cols, pattern rows, flags;
 * write: found (int32), corners[2 x cols x rows] */
static int fn_chessboard(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_mat img = { 0 };
	int32_t pc = 0, pr = 0, flags = 0, *found = NULL;
	float *corners = NULL;
	size_t n;

	vcv_mat_in(a, "image", VCV_8U, CH13, &img);
	vcv_int(a, "pattern cols", &pc);
	vcv_int(a, "pattern rows", &pr);
	vcv_need(a, pc >= 2 && pr >= 2 && pc <= 1024 && pr <= 1024,
		 "pattern %d x %d: each side must be in 2..1024 inner corners",
		 pc, pr);
	vcv_int(a, "flags", &flags);
	vcv_array(a, true, "found", 4, 1, 1, (void **)&found, &n);
	vcv_array(a, true, "corners", 4, 2 * (size_t)pc * (size_t)pr, 1,
		  (void **)&corners, &n);
	if (vcv_all_used(a))
		return a->ret;
	return backend(a,
		       vcv_chessboard(&img, pc, pr, flags, found, corners, err,
				      sizeof(err)),
		       err);
}

/* read: image (8U, 1 ch), corners[2N], win (half size), max_iter, eps;
 * write: refined corners[2N] */
static int fn_corner_subpix(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_mat img = { 0 };
	float *in = NULL, *out = NULL, eps = 0;
	int32_t win = 0, iters = 0;
	size_t n = 0, m;

	vcv_mat_in(a, "image", VCV_8U, CH1, &img);
	vcv_array(a, false, "corners", 4, 0, 2, (void **)&in, &n);
	vcv_int(a, "win", &win);
	vcv_int(a, "max_iter", &iters);
	vcv_float(a, "eps", &eps);
	vcv_need(a, win >= 1 && win <= 256 && iters >= 1 && iters <= 10000,
		 "win %d (1..256), max_iter %d (1..10000)", win, iters);
	vcv_array(a, true, "corners", 4, n, 1, (void **)&out, &m);
	if (vcv_all_used(a))
		return a->ret;
	/* refined in the output (the input may be the same buffer) */
	memmove(out, in, n * sizeof(float));
	return backend(a,
		       vcv_corner_subpix(&img, out, n / 2, win, iters, eps, err,
					 sizeof(err)),
		       err);
}

/* The number of distortion coefficients OpenCV models: 4, 5, 8, 12, 14. */
static bool dist_len(size_t n)
{
	return n == 4 || n == 5 || n == 8 || n == 12 || n == 14;
}

static void camera(struct vcv_args *a, double **K, double **D, size_t *nd)
{
	size_t n;

	vcv_array(a, false, "camera matrix", 8, 9, 1, (void **)K, &n);
	vcv_array(a, false, "distortion", 8, 0, 1, (void **)D, nd);
	vcv_need(a, dist_len(*nd),
		 "%zu distortion coefficients: OpenCV takes 4, 5, 8, 12 or 14",
		 *nd);
}

/* rows and cols of an image size, each in 1..VCV_MAX_DIM */
static void size2(struct vcv_args *a, int32_t *rows, int32_t *cols)
{
	vcv_int(a, "rows", rows);
	vcv_int(a, "cols", cols);
	vcv_need(a,
		 *rows >= 1 && *cols >= 1 && *rows <= VCV_MAX_DIM &&
			 *cols <= VCV_MAX_DIM,
		 "size %d x %d: rows and cols in 1..%d", *rows, *cols,
		 VCV_MAX_DIM);
}

/* read: rows, cols, views, object points[3P], image points[2P x views],
 * flags; write: rms (double), camera matrix[9], distortion[4/5/8/12/14],
 * optional rvecs[3 x views], optional tvecs[3 x views] (doubles) */
static int fn_calibrate(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_calib c = { 0 };
	double *rms = NULL, *K = NULL, *D = NULL, *rv = NULL, *tv = NULL;
	size_t n;

	size2(a, &c.rows, &c.cols);
	vcv_int(a, "views", &c.views);
	vcv_need(a, c.views >= 1 && c.views <= 1024, "%d views: 1..1024",
		 c.views);
	vcv_array(a, false, "object points", 4, 0, 3, (void **)&c.obj, &c.npts);
	c.npts /= 3;
	vcv_array(a, false, "image points", 4, 2 * c.npts * (size_t)c.views, 1,
		  (void **)&c.img_pts, &n);
	vcv_int(a, "flags", &c.flags);
	vcv_array(a, true, "rms", 8, 1, 1, (void **)&rms, &n);
	vcv_array(a, true, "camera matrix", 8, 9, 1, (void **)&K, &n);
	vcv_array(a, true, "distortion", 8, 0, 1, (void **)&D, &c.nd);
	vcv_need(a, dist_len(c.nd),
		 "room for %zu distortion coefficients: 4, 5, 8, 12 or 14",
		 c.nd);
	if (vcv_more_out(a))
		vcv_array(a, true, "rvecs", 8, 3 * (size_t)c.views, 1,
			  (void **)&rv, &n);
	if (vcv_more_out(a))
		vcv_array(a, true, "tvecs", 8, 3 * (size_t)c.views, 1,
			  (void **)&tv, &n);
	if (vcv_all_used(a))
		return a->ret;
	return backend(
		a, vcv_calibrate(&c, rms, K, D, rv, tv, err, sizeof(err)), err);
}

/* read: image (8U, 1/3/4 ch), camera matrix[9], distortion[k] (doubles);
 * write: image like the input */
static int fn_undistort(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_mat src = { 0 }, dst = { 0 };
	double *K = NULL, *D = NULL;
	size_t nd = 0;

	vcv_mat_in(a, "image", VCV_8U, CH134, &src);
	camera(a, &K, &D, &nd);
	vcv_mat_out(a, "image", src.rows, src.cols, src.channels, VCV_8U, &dst);
	if (vcv_all_used(a))
		return a->ret;
	return backend(a, vcv_undistort(&src, K, D, nd, &dst, err, sizeof(err)),
		       err);
}

/* read: rows, cols, camera matrix[9], distortion[k], optional new camera
 * matrix[9]; write: map_x, map_y (floats, rows x cols each) */
static int fn_undistort_map(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_mat mx = { 0 }, my = { 0 };
	double *K = NULL, *D = NULL, *newK = NULL;
	int32_t rows = 0, cols = 0;
	size_t nd = 0, n;

	size2(a, &rows, &cols);
	camera(a, &K, &D, &nd);
	if (a->ri < a->nr_rd)
		vcv_array(a, false, "new camera matrix", 8, 9, 1,
			  (void **)&newK, &n);
	vcv_mat_out(a, "map_x", rows, cols, 1, VCV_32F, &mx);
	vcv_mat_out(a, "map_y", rows, cols, 1, VCV_32F, &my);
	if (vcv_all_used(a))
		return a->ret;
	return backend(a,
		       vcv_undistort_map(rows, cols, K, D, nd, newK, mx.data,
					 my.data, err, sizeof(err)),
		       err);
}

/* read: image (8U, 1/3/4 ch), map_x (rows, cols, floats), map_y (floats,
 * map_x's size), interpolation; write: image of the maps' size with the
 * input's channels */
static int fn_remap(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_mat src = { 0 }, mx = { 0 }, dst = { 0 };
	void *my = NULL;
	int32_t interp = 0;
	size_t n;

	vcv_mat_in(a, "image", VCV_8U, CH134, &src);
	vcv_mat_in(a, "map_x", VCV_32F, CH1, &mx);
	vcv_array(a, false, "map_y", 4, (size_t)mx.rows * (size_t)mx.cols, 1,
		  &my, &n);
	vcv_int(a, "interpolation", &interp);
	vcv_need(a, interp == 0 || interp == 1 || interp == 2 || interp == 4,
		 "interpolation %d: 0 (nearest), 1 (linear), 2 (cubic) or 4 "
		 "(lanczos4)",
		 interp);
	vcv_mat_out(a, "image", mx.rows, mx.cols, src.channels, VCV_8U, &dst);
	if (vcv_all_used(a))
		return a->ret;
	return backend(
		a, vcv_remap(&src, mx.data, my, interp, &dst, err, sizeof(err)),
		err);
}

/* read: A (rows, cols, floats), B (rows, cols, floats), flags;
 * write: ok (int32), X (A cols x B cols floats) */
static int fn_solve(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_mat A = { 0 }, B = { 0 }, X = { 0 };
	int32_t flags = 0, *ok = NULL;
	size_t n;

	vcv_mat_in(a, "A", VCV_32F, CH1, &A);
	vcv_mat_in(a, "B", VCV_32F, CH1, &B);
	vcv_need(a, A.rows == B.rows, "A has %d rows, B %d", A.rows, B.rows);
	vcv_int(a, "flags", &flags);
	vcv_array(a, true, "ok", 4, 1, 1, (void **)&ok, &n);
	vcv_mat_out(a, "X", A.cols, B.cols, 1, VCV_32F, &X);
	if (vcv_all_used(a))
		return a->ret;
	return backend(a, vcv_solve(&A, &B, flags, ok, &X, err, sizeof(err)),
		       err);
}

/* The left and right images of a stereo pair (one size and type), and the
 * disparity output (int16, that size), around the parameters. */
static void stereo_in(struct vcv_args *a, unsigned chans, struct vcv_mat *l,
		      struct vcv_mat *r)
{
	vcv_mat_in(a, "left", VCV_8U, chans, l);
	vcv_mat_in(a, "right", VCV_8U, chans, r);
	vcv_need(a,
		 l->rows == r->rows && l->cols == r->cols &&
			 l->channels == r->channels,
		 "left is %d x %d x %d, right %d x %d x %d", l->rows, l->cols,
		 l->channels, r->rows, r->cols, r->channels);
}

/* Disparity searches OpenCV sizes its buffers by (rows x cols x
 * disparities): bounded, so that a remote caller cannot make it allocate
 * without limit. OpenCV checks the rest (multiple of 16, odd block). */
static void stereo_bounds(struct vcv_args *a, int32_t min_disp, int32_t nd,
			  int32_t block)
{
	vcv_need(a,
		 nd >= 1 && nd <= 1024 && block >= 1 && block <= 255 &&
			 min_disp >= -4096 && min_disp <= 4096,
		 "num_disparities %d (1..1024), block_size %d (1..255), "
		 "min_disparity %d (-4096..4096)",
		 nd, block, min_disp);
}

/* read: left, right (8U, 1 ch), num_disparities, block_size;
 * write: disparity (int16, rows x cols) */
static int fn_stereo_bm(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_mat l = { 0 }, r = { 0 }, d = { 0 };
	int32_t nd = 0, block = 0;

	stereo_in(a, CH1, &l, &r);
	vcv_int(a, "num_disparities", &nd);
	vcv_int(a, "block_size", &block);
	stereo_bounds(a, 0, nd, block);
	vcv_mat_out(a, "disparity", l.rows, l.cols, 1, VCV_16S, &d);
	if (vcv_all_used(a))
		return a->ret;
	return backend(
		a, vcv_stereo_bm(&l, &r, nd, block, &d, err, sizeof(err)), err);
}

/* read: left, right (8U, 1/3 ch), min_disparity, num_disparities,
 * block_size, P1, P2, mode; write: disparity (int16, rows x cols) */
static int fn_stereo_sgbm(struct vcv_args *a)
{
	char err[ERR_LEN] = "";
	struct vcv_mat l = { 0 }, r = { 0 }, d = { 0 };
	struct vcv_sgbm p = { 0 };

	stereo_in(a, CH13, &l, &r);
	vcv_int(a, "min_disparity", &p.min_disp);
	vcv_int(a, "num_disparities", &p.num_disp);
	vcv_int(a, "block_size", &p.block);
	vcv_int(a, "P1", &p.p1);
	vcv_int(a, "P2", &p.p2);
	vcv_int(a, "mode", &p.mode);
	stereo_bounds(a, p.min_disp, p.num_disp, p.block);
	vcv_mat_out(a, "disparity", l.rows, l.cols, 1, VCV_16S, &d);
	if (vcv_all_used(a))
		return a->ret;
	return backend(a, vcv_stereo_sgbm(&l, &r, &p, &d, err, sizeof(err)),
		       err);
}

static const struct {
	enum vcv_fn id;
	const char *name;
	int (*run)(struct vcv_args *a);
} fns[] = {
	{ VCV_FN_IN_RANGE, "inRange", fn_in_range },
	{ VCV_FN_FIND_CONTOURS, "findContours", fn_find_contours },
	{ VCV_FN_OPTICAL_FLOW_PYR_LK, "calcOpticalFlowPyrLK", fn_optical_flow },
	{ VCV_FN_FIND_CHESSBOARD_CORNERS, "findChessboardCorners",
	  fn_chessboard },
	{ VCV_FN_CORNER_SUB_PIX, "cornerSubPix", fn_corner_subpix },
	{ VCV_FN_CALIBRATE_CAMERA, "calibrateCamera", fn_calibrate },
	{ VCV_FN_UNDISTORT, "undistort", fn_undistort },
	{ VCV_FN_INIT_UNDISTORT_RECTIFY_MAP, "initUndistortRectifyMap",
	  fn_undistort_map },
	{ VCV_FN_REMAP, "remap", fn_remap },
	{ VCV_FN_SOLVE, "solve", fn_solve },
	{ VCV_FN_STEREO_BM, "StereoBM", fn_stereo_bm },
	{ VCV_FN_STEREO_SGBM, "StereoSGBM", fn_stereo_sgbm },
};

static int op_opencv(struct vaccel_session *sess, struct vaccel_arg *read,
		     int nr_read, struct vaccel_arg *write, int nr_write)
{
	struct vcv_args a = { .fn = "opencv",
			      .rd = read,
			      .wr = write,
			      .nr_rd = nr_read,
			      .nr_wr = nr_write };
	int32_t id;
	int ret = vcv_int(&a, "function id", &id);

	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		if ((int32_t)fns[i].id == id) {
			a.fn = fns[i].name;
			return vcv_args_end(&a, fns[i].run(&a));
		}
	}
	return vcv_bad(&a, "unknown function id %d (1..%zu)", id,
		       sizeof(fns) / sizeof(fns[0]));
}

/* VACCEL_OPENCV_THREADS (1..256, default 1: the fastest here) */
static int threads_from_env(void)
{
	const char *s = getenv("VACCEL_OPENCV_THREADS");
	int v = 1, end = 0;

	if (s && *s &&
	    (sscanf(s, "%d%n", &v, &end) != 1 || s[end] || v < 1 || v > 256)) {
		vaccel_warn(VCV_TAG
			    "VACCEL_OPENCV_THREADS=%s is not in 1..256; "
			    "using 1",
			    s);
		v = 1;
	}
	return v;
}

static int opencv_init(void)
{
	char err[ERR_LEN];
	int threads = threads_from_env();
	int ret = vcv_init(threads, err, sizeof(err));

	if (ret)
		vaccel_error(VCV_TAG "%s", err);
	else
		vaccel_debug(VCV_TAG "OpenCV with %d thread(s)", threads);
	return ret;
}

static const struct vaccel_plugin_op opencv_ops[] = {
	VACCEL_PLUGIN_OP(OPENCV, op_opencv),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "opencv", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_CPU | VACCEL_PLUGIN_GENERIC,
			 .init = opencv_init, .ops = opencv_ops,
			 .nr_ops = sizeof(opencv_ops) / sizeof(opencv_ops[0]));
