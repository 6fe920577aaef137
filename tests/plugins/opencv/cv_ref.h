// SPDX-License-Identifier: Apache-2.0
/* OpenCV called directly (cv_ref.cpp), the reference the opencv plugin's
 * results are compared with, plus the test inputs made with OpenCV: photos
 * read with cv::imread, shifted copies, a rendered chessboard. Plain C
 * types only; every output buffer is the caller's, sized as the plugin's
 * layout says (docs/plugins/opencv.md). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An 8-bit image, rows x cols x channels bytes (malloc'ed data). */
struct ref_img {
	int32_t rows, cols, channels;
	uint8_t *data;
};

/* cv::imread, grey (1 channel) or BGR (3); 0 or -1. */
int ref_load(const char *path, int gray, struct ref_img *out);
void ref_free(struct ref_img *img);
/* `src` moved by (dx, dy) pixels (warpAffine, linear, border replicated). */
void ref_shift(const struct ref_img *src, float dx, float dy,
	       struct ref_img *out);
/* A chessboard of (pc + 1) x (pr + 1) squares (pc x pr inner corners) of
 * `sq` pixels drawn with cv::rectangle on white, seen through view v's
 * homography (v = 0: straight on), rows x cols, grey. */
void ref_board(int rows, int cols, int pc, int pr, int sq, int view,
	       struct ref_img *out);
/* cv::threshold(THRESH_BINARY) of a grey image. */
void ref_binary(const struct ref_img *src, int thresh, struct ref_img *out);

void ref_in_range(const struct ref_img *img, const float *lo, const float *hi,
		  uint8_t *mask);
/* cv::findContours: the totals, and as the plugin writes them */
void ref_contours(const struct ref_img *bin, int mode, int method,
		  int32_t *counts, int32_t *lengths, size_t cap_c,
		  int32_t *points, size_t cap_p, int32_t *hier);
/* cv::goodFeaturesToTrack: up to max points (x, y); the count */
size_t ref_features(const struct ref_img *img, int max, float *pts);
void ref_flow(const struct ref_img *prev, const struct ref_img *next,
	      const float *pts, size_t n, int win, int levels, float *next_pts,
	      uint8_t *status, float *errs);
int ref_chessboard(const struct ref_img *img, int pc, int pr, int flags,
		   float *corners);
void ref_subpix(const struct ref_img *img, float *corners, size_t n, int win,
		int iters, float eps);
double ref_calibrate(int rows, int cols, int views, const float *obj,
		     size_t npts, const float *img_pts, int flags, double *K,
		     double *D, size_t nd);
void ref_undistort(const struct ref_img *img, const double *K, const double *D,
		   size_t nd, uint8_t *out);
void ref_map(int rows, int cols, const double *K, const double *D, size_t nd,
	     float *mx, float *my);
void ref_remap(const struct ref_img *img, const float *mx, const float *my,
	       int rows, int cols, int interp, uint8_t *out);
int ref_solve(const float *A, int m, int n, const float *B, int k, int flags,
	      float *X);
void ref_stereo_bm(const struct ref_img *l, const struct ref_img *r, int nd,
		   int block, int16_t *disp);
void ref_stereo_sgbm(const struct ref_img *l, const struct ref_img *r,
		     const int32_t p[6], int16_t *disp);

#ifdef __cplusplus
}
#endif
