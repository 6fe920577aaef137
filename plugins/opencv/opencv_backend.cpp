// SPDX-License-Identifier: Apache-2.0
/* OpenCV 4 behind the C face of opencv_backend.h: the only C++ file of the
 * opencv plugin. Inputs are wrapped (cv::Mat headers on the caller's data,
 * never written); results are computed into OpenCV's own matrices, checked
 * against the output's size and type, then copied out. */
#include "opencv_backend.h"

#include "vaccel/error.h"
#include "vpc_guard.hpp"

#include <algorithm>
#include <cstring>
#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>
#include <stdexcept>
#include <vector>

namespace
{

/* What OpenCV refuses (cv::Exception) is VACCEL_EINVAL; the lambdas
 * return nothing, the results go through their captures. */
template <typename F> int guard(const char *what, char *err, size_t len, F f)
{
	return vpc_guard<cv::Exception>(what, err, len, [&] {
		f();
		return VACCEL_OK;
	});
}

cv::Mat wrap(const vcv_mat *m)
{
	return cv::Mat(m->rows, m->cols, CV_MAKETYPE(m->depth, m->channels),
		       m->data);
}

/* A read-only row of n floats (or doubles) as a matrix. */
template <typename T> cv::Mat row(const T *p, size_t n, int type)
{
	return cv::Mat(1, (int)n, type, const_cast<T *>(p));
}

/* Copy a result into the caller's matrix; the plugin sized it, so a
 * mismatch is a backend error, never an overflow. */
void copy_out(const cv::Mat &r, vcv_mat *dst)
{
	cv::Mat d = wrap(dst);

	if (r.size() != d.size() || r.type() != d.type())
		throw std::runtime_error(
			"OpenCV returned " + std::to_string(r.rows) + "x" +
			std::to_string(r.cols) + " of type " +
			std::to_string(r.type()) + ", the output is " +
			std::to_string(d.rows) + "x" + std::to_string(d.cols) +
			" of type " + std::to_string(d.type()));
	r.copyTo(d);
}

/* f(out) with `out` a header on dst's memory: OpenCV writes the result
 * there when it has dst's size and type (no copy); if it allocated its
 * own matrix instead, that is checked and copied. */
template <typename F> void into(vcv_mat *dst, F f)
{
	cv::Mat d = wrap(dst), r = d;

	f(r);
	if (r.data != d.data)
		copy_out(r, dst);
}

std::vector<cv::Point2f> points(const float *p, size_t n)
{
	std::vector<cv::Point2f> v(n);

	for (size_t i = 0; i < n; i++)
		v[i] = cv::Point2f(p[2 * i], p[2 * i + 1]);
	return v;
}

void put_points(const std::vector<cv::Point2f> &v, float *p)
{
	for (size_t i = 0; i < v.size(); i++) {
		p[2 * i] = v[i].x;
		p[2 * i + 1] = v[i].y;
	}
}

void put_contours(const std::vector<std::vector<cv::Point>> &cs,
		  const std::vector<cv::Vec4i> &h, vcv_contours *o)
{
	size_t np = 0, total = 0;

	for (size_t i = 0; i < cs.size(); i++) {
		total += cs[i].size();
		if (i < o->cap_contours)
			o->lengths[i] = (int32_t)cs[i].size();
		if (o->hierarchy && i < o->cap_contours)
			for (int k = 0; k < 4; k++)
				o->hierarchy[4 * i + k] = h[i][k];
		for (size_t j = 0; j < cs[i].size() && np < o->cap_points;
		     j++, np++) {
			o->points[2 * np] = cs[i][j].x;
			o->points[2 * np + 1] = cs[i][j].y;
		}
	}
	o->nr_contours = (int32_t)cs.size();
	o->nr_points = total > INT32_MAX ? INT32_MAX : (int32_t)total;
}

} // namespace

extern "C" {

int vcv_init(int threads, char *err, size_t err_len)
{
	return guard("setNumThreads", err, err_len,
		     [&] { cv::setNumThreads(threads); });
}

int vcv_in_range(const vcv_mat *src, const float *lo, const float *hi,
		 vcv_mat *mask, char *err, size_t err_len)
{
	return guard("inRange", err, err_len, [&] {
		cv::Scalar l, h;

		for (int c = 0; c < src->channels; c++)
			l[c] = lo[c], h[c] = hi[c];
		into(mask,
		     [&](cv::Mat &r) { cv::inRange(wrap(src), l, h, r); });
	});
}

int vcv_find_contours(const vcv_mat *src, int mode, int method,
		      vcv_contours *out, char *err, size_t err_len)
{
	return guard("findContours", err, err_len, [&] {
		std::vector<std::vector<cv::Point>> cs;
		std::vector<cv::Vec4i> h;

		cv::findContours(wrap(src), cs, h, mode, method);
		put_contours(cs, h, out);
	});
}

int vcv_optical_flow(const vcv_mat *prev, const vcv_mat *next, const float *pts,
		     size_t n, int win, int max_level, float *next_pts,
		     uint8_t *status, float *errs, char *err, size_t err_len)
{
	return guard("calcOpticalFlowPyrLK", err, err_len, [&] {
		std::vector<cv::Point2f> p = points(pts, n), q;
		std::vector<uchar> st;
		std::vector<float> e;

		cv::calcOpticalFlowPyrLK(wrap(prev), wrap(next), p, q, st, e,
					 cv::Size(win, win), max_level);
		if (q.size() != n || st.size() != n || e.size() != n)
			throw std::runtime_error("result count differs");
		put_points(q, next_pts);
		std::memcpy(status, st.data(), n);
		std::memcpy(errs, e.data(), n * sizeof(float));
	});
}

int vcv_chessboard(const vcv_mat *img, int pcols, int prows, int flags,
		   int32_t *found, float *corners, char *err, size_t err_len)
{
	return guard("findChessboardCorners", err, err_len, [&] {
		std::vector<cv::Point2f> c;
		bool ok = cv::findChessboardCorners(
			wrap(img), cv::Size(pcols, prows), c, flags);
		size_t n = (size_t)pcols * (size_t)prows;

		std::memset(corners, 0, 2 * n * sizeof(float));
		if (ok && c.size() != n)
			throw std::runtime_error("corner count differs");
		if (ok)
			put_points(c, corners);
		*found = ok;
	});
}

int vcv_corner_subpix(const vcv_mat *img, float *corners, size_t n, int win,
		      int max_iter, float eps, char *err, size_t err_len)
{
	return guard("cornerSubPix", err, err_len, [&] {
		std::vector<cv::Point2f> c = points(corners, n);

		cv::cornerSubPix(wrap(img), c, cv::Size(win, win),
				 cv::Size(-1, -1),
				 cv::TermCriteria(cv::TermCriteria::COUNT |
							  cv::TermCriteria::EPS,
						  max_iter, eps));
		put_points(c, corners);
	});
}

int vcv_calibrate(const vcv_calib *c, double *rms, double *K, double *D,
		  double *rvecs, double *tvecs, char *err, size_t err_len)
{
	return guard("calibrateCamera", err, err_len, [&] {
		std::vector<std::vector<cv::Point3f>> obj(c->views);
		std::vector<std::vector<cv::Point2f>> img(c->views);
		std::vector<cv::Mat> rv, tv;
		cv::Mat k, d, ko(3, 3, CV_64F, K), dz;

		for (int v = 0; v < c->views; v++) {
			for (size_t i = 0; i < c->npts; i++)
				obj[v].emplace_back(c->obj[3 * i],
						    c->obj[3 * i + 1],
						    c->obj[3 * i + 2]);
			img[v] = points(c->img_pts + 2 * c->npts * v, c->npts);
		}
		*rms = cv::calibrateCamera(obj, img, cv::Size(c->cols, c->rows),
					   k, d, rv, tv, c->flags);
		k.copyTo(ko);
		/* as many coefficients as the caller has room for */
		d = d.reshape(1, 1);
		dz = cv::Mat::zeros(1, (int)c->nd, CV_64F);
		d.colRange(0, std::min(d.cols, (int)c->nd))
			.copyTo(dz.colRange(0, std::min(d.cols, (int)c->nd)));
		std::memcpy(D, dz.ptr<double>(), c->nd * sizeof(double));
		for (int v = 0; v < c->views; v++) {
			if (rvecs)
				std::memcpy(rvecs + 3 * v, rv[v].ptr<double>(),
					    3 * sizeof(double));
			if (tvecs)
				std::memcpy(tvecs + 3 * v, tv[v].ptr<double>(),
					    3 * sizeof(double));
		}
	});
}

int vcv_undistort(const vcv_mat *src, const double *K, const double *D,
		  size_t nd, vcv_mat *dst, char *err, size_t err_len)
{
	return guard("undistort", err, err_len, [&] {
		into(dst, [&](cv::Mat &r) {
			cv::undistort(wrap(src), r,
				      cv::Mat(3, 3, CV_64F, (void *)K),
				      row(D, nd, CV_64F));
		});
	});
}

int vcv_undistort_map(int rows, int cols, const double *K, const double *D,
		      size_t nd, const double *newK, float *map_x, float *map_y,
		      char *err, size_t err_len)
{
	return guard("initUndistortRectifyMap", err, err_len, [&] {
		cv::Mat k(3, 3, CV_64F, (void *)K), mx, my;
		cv::Mat nk = newK ? cv::Mat(3, 3, CV_64F, (void *)newK) : k;

		cv::initUndistortRectifyMap(k, row(D, nd, CV_64F), cv::Mat(),
					    nk, cv::Size(cols, rows), CV_32FC1,
					    mx, my);
		vcv_mat ox = { rows, cols, 1, VCV_32F, map_x };
		vcv_mat oy = { rows, cols, 1, VCV_32F, map_y };

		copy_out(mx, &ox);
		copy_out(my, &oy);
	});
}

int vcv_remap(const vcv_mat *src, const float *map_x, const float *map_y,
	      int interp, vcv_mat *dst, char *err, size_t err_len)
{
	return guard("remap", err, err_len, [&] {
		cv::Mat mx(dst->rows, dst->cols, CV_32F, (void *)map_x);
		cv::Mat my(dst->rows, dst->cols, CV_32F, (void *)map_y);

		into(dst, [&](cv::Mat &r) {
			cv::remap(wrap(src), r, mx, my, interp,
				  cv::BORDER_CONSTANT, cv::Scalar());
		});
	});
}

int vcv_solve(const vcv_mat *A, const vcv_mat *B, int flags, int32_t *ok,
	      vcv_mat *X, char *err, size_t err_len)
{
	return guard("solve", err, err_len, [&] {
		cv::Mat r;
		bool s = cv::solve(wrap(A), wrap(B), r, flags);

		if (r.empty())
			r = cv::Mat::zeros(X->rows, X->cols, CV_32F);
		copy_out(r, X);
		*ok = s;
	});
}

int vcv_stereo_bm(const vcv_mat *left, const vcv_mat *right, int num_disp,
		  int block, vcv_mat *disp, char *err, size_t err_len)
{
	return guard("StereoBM", err, err_len, [&] {
		cv::Ptr<cv::StereoBM> bm =
			cv::StereoBM::create(num_disp, block);
		cv::Mat r;

		bm->compute(wrap(left), wrap(right), r);
		copy_out(r, disp);
	});
}

int vcv_stereo_sgbm(const vcv_mat *left, const vcv_mat *right,
		    const vcv_sgbm *p, vcv_mat *disp, char *err, size_t err_len)
{
	return guard("StereoSGBM", err, err_len, [&] {
		cv::Ptr<cv::StereoSGBM> sg = cv::StereoSGBM::create(
			p->min_disp, p->num_disp, p->block, p->p1, p->p2, 0, 0,
			0, 0, 0, p->mode);

		into(disp, [&](cv::Mat &r) {
			sg->compute(wrap(left), wrap(right), r);
		});
	});
}

} // extern "C"
