// SPDX-License-Identifier: Apache-2.0
/* The C face of OpenCV 4 (opencv_backend.cpp), for the opencv plugin.
 *
 * Only C types cross this interface, and no C++ exception crosses it: every
 * function catches everything and returns VACCEL_OK or a VACCEL_E* code
 * (VACCEL_EINVAL for what OpenCV refuses, VACCEL_ENOMEM, VACCEL_EBACKEND
 * otherwise) with a one-line reason in `err` (NUL-terminated, `err_len`
 * bytes). The backend never logs and never links libvaccel.
 *
 * The backend trusts the plugin's checks (plugin.c): every matrix has
 * rows, cols >= 1, 1..4 channels, and `data` holds exactly rows x cols x
 * channels elements of its depth; every array has the length stated. It
 * never writes to inputs. Image results are written in place when OpenCV
 * makes them in the output's size and type (else computed apart, checked
 * and copied); after an OpenCV error such an output may hold a partial
 * result. Other outputs are written only after OpenCV succeeded. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types of a matrix (the values are OpenCV's depths). */
enum vcv_depth {
	VCV_8U = 0,
	VCV_16S = 3,
	VCV_32F = 5,
	VCV_64F = 6,
};

/* A dense row-major matrix (channels interleaved), rows x cols. */
struct vcv_mat {
	int32_t rows, cols, channels;
	enum vcv_depth depth;
	void *data;
};

/* Process-wide set-up, once: OpenCV's worker threads (>= 1). */
int vcv_init(int threads, char *err, size_t err_len);

/* mask = 255 where lo[c] <= src[c] <= hi[c] for every channel c, else 0
 * (cv::inRange). mask: 8U, 1 channel, src's size. */
int vcv_in_range(const struct vcv_mat *src, const float *lo, const float *hi,
		 struct vcv_mat *mask, char *err, size_t err_len);

/* cv::findContours on an 8-bit 1-channel image (non-zero is 1). The totals
 * go to nr_contours / nr_points; lengths[i] (< cap_contours), the points
 * as x, y pairs (< cap_points: contours are cut there) and, if hierarchy
 * is not NULL, 4 ints per contour (next, previous, first child, parent)
 * are written as far as they fit. */
struct vcv_contours {
	int32_t nr_contours, nr_points;
	int32_t *lengths;
	size_t cap_contours;
	int32_t *points;
	size_t cap_points;
	int32_t *hierarchy;
};
int vcv_find_contours(const struct vcv_mat *src, int mode, int method,
		      struct vcv_contours *out, char *err, size_t err_len);

/* cv::calcOpticalFlowPyrLK: n points (x, y) tracked from prev to next
 * (8U, 1 channel, same size), window win x win, max_level pyramid levels;
 * next_pts 2n floats, status n bytes, errs n floats. */
int vcv_optical_flow(const struct vcv_mat *prev, const struct vcv_mat *next,
		     const float *pts, size_t n, int win, int max_level,
		     float *next_pts, uint8_t *status, float *errs, char *err,
		     size_t err_len);

/* cv::findChessboardCorners on an 8U image (1 or 3 channels) for a
 * pattern of pcols x prows inner corners: *found 0/1, corners 2 x pcols x
 * prows floats (zeros when not found). */
int vcv_chessboard(const struct vcv_mat *img, int pcols, int prows, int flags,
		   int32_t *found, float *corners, char *err, size_t err_len);

/* cv::cornerSubPix, in place on n corners (x, y), 8U 1-channel image,
 * window (2 win + 1)^2, no zero zone, criteria max_iter / eps. */
int vcv_corner_subpix(const struct vcv_mat *img, float *corners, size_t n,
		      int win, int max_iter, float eps, char *err,
		      size_t err_len);

/* cv::calibrateCamera: `views` views of one planar target of npts points
 * (obj: 3 floats each), img_pts 2 x npts x views floats, image size rows x
 * cols. Results: *rms, K (3x3 row-major doubles), D (nd doubles: the first
 * nd coefficients k1 k2 p1 p2 k3 ..., zeros beyond what the model has),
 * and 3 x views doubles each of rvecs and tvecs when not NULL. */
struct vcv_calib {
	int32_t rows, cols, views, flags;
	const float *obj;
	size_t npts;
	const float *img_pts;
	size_t nd;
};
int vcv_calibrate(const struct vcv_calib *c, double *rms, double *K, double *D,
		  double *rvecs, double *tvecs, char *err, size_t err_len);

/* cv::undistort of an 8U image (1, 3 or 4 channels) with K (9 doubles) and
 * nd distortion coefficients (4, 5, 8, 12 or 14); dst like src. */
int vcv_undistort(const struct vcv_mat *src, const double *K, const double *D,
		  size_t nd, struct vcv_mat *dst, char *err, size_t err_len);

/* cv::initUndistortRectifyMap (no rectification, new camera matrix newK,
 * or K when NULL) for rows x cols: map_x, map_y 32F, rows x cols each. */
int vcv_undistort_map(int rows, int cols, const double *K, const double *D,
		      size_t nd, const double *newK, float *map_x, float *map_y,
		      char *err, size_t err_len);

/* cv::remap of an 8U image with 32F maps of dst's size (constant border
 * 0); interp: cv::INTER_NEAREST (0), LINEAR (1), CUBIC (2), LANCZOS4 (4). */
int vcv_remap(const struct vcv_mat *src, const float *map_x, const float *map_y,
	      int interp, struct vcv_mat *dst, char *err, size_t err_len);

/* cv::solve(A, B, X, flags) on 32F matrices: A m x n, B m x k, X n x k.
 * *ok is what cv::solve returns (0: A singular for DECOMP_LU/CHOLESKY; X
 * is then zeros). */
int vcv_solve(const struct vcv_mat *A, const struct vcv_mat *B, int flags,
	      int32_t *ok, struct vcv_mat *X, char *err, size_t err_len);

/* cv::StereoBM: left, right 8U 1-channel of one size; disp 16S, that size
 * (disparity x 16; (min disparity - 1) x 16 where none was found). */
int vcv_stereo_bm(const struct vcv_mat *left, const struct vcv_mat *right,
		  int num_disp, int block, struct vcv_mat *disp, char *err,
		  size_t err_len);

/* cv::StereoSGBM: left, right 8U (1 or 3 channels) of one size; disp as
 * for StereoBM. */
struct vcv_sgbm {
	int32_t min_disp, num_disp, block, p1, p2, mode;
};
int vcv_stereo_sgbm(const struct vcv_mat *left, const struct vcv_mat *right,
		    const struct vcv_sgbm *p, struct vcv_mat *disp, char *err,
		    size_t err_len);

#ifdef __cplusplus
}
#endif
