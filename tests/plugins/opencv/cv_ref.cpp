// SPDX-License-Identifier: Apache-2.0
/* OpenCV called directly: the opencv plugin's reference (cv_ref.h). */
#include "cv_ref.h"

#include <cstdlib>
#include <cstring>
#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>
#include <vector>

namespace
{

cv::Mat wrap(const ref_img *i)
{
	return cv::Mat(i->rows, i->cols, CV_8UC(i->channels), i->data);
}

void keep(const cv::Mat &m, ref_img *out)
{
	out->rows = m.rows;
	out->cols = m.cols;
	out->channels = m.channels();
	out->data = (uint8_t *)malloc(m.total() * m.elemSize());
	m.copyTo(cv::Mat(m.rows, m.cols, m.type(), out->data));
}

std::vector<cv::Point2f> pts2(const float *p, size_t n)
{
	std::vector<cv::Point2f> v;

	for (size_t i = 0; i < n; i++)
		v.emplace_back(p[2 * i], p[2 * i + 1]);
	return v;
}

void put2(const std::vector<cv::Point2f> &v, float *p)
{
	for (size_t i = 0; i < v.size(); i++)
		p[2 * i] = v[i].x, p[2 * i + 1] = v[i].y;
}

/* The five camera poses the board is seen from (rotation vector, then
 * translation, in board units: one square is `sq`), by a pinhole camera
 * with f = 600 and the principal point in the middle of a 640 x 480
 * frame: views of one camera, so that calibration can explain them. */
const double poses[5][6] = {
	{ 0, 0, 0, 0, 0, 1000 },
	{ 0.3, 0, 0, 0, 0, 1000 },
	{ 0, 0.35, 0, 0, 0, 1000 },
	{ -0.25, 0.2, 0.1, 0, 0, 1000 },
	{ 0.2, -0.3, -0.15, 30, -20, 950 },
};

/* Where the corners of a w x h board image land in view v of a rows x
 * cols frame. */
std::vector<cv::Point2f> board_quad(int w, int h, int v, int rows, int cols)
{
	const double *p = poses[v % 5];
	cv::Mat K = (cv::Mat_<double>(3, 3) << 600.0 * cols / 640, 0,
		     cols / 2.0, 0, 600.0 * rows / 480, rows / 2.0, 0, 0, 1);
	std::vector<cv::Point3f> corners = { { -w / 2.0f, -h / 2.0f, 0 },
					     { w / 2.0f, -h / 2.0f, 0 },
					     { w / 2.0f, h / 2.0f, 0 },
					     { -w / 2.0f, h / 2.0f, 0 } };
	std::vector<cv::Point2f> q;

	cv::projectPoints(corners, cv::Vec3d(p[0], p[1], p[2]),
			  cv::Vec3d(p[3], p[4], p[5]), K, cv::noArray(), q);
	return q;
}

} // namespace

extern "C" {

int ref_load(const char *path, int gray, ref_img *out)
{
	cv::Mat m = cv::imread(path,
			       gray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);

	if (m.empty())
		return -1;
	keep(m, out);
	return 0;
}

void ref_free(ref_img *img)
{
	free(img->data);
	img->data = nullptr;
}

void ref_shift(const ref_img *src, float dx, float dy, ref_img *out)
{
	cv::Mat t = (cv::Mat_<double>(2, 3) << 1, 0, dx, 0, 1, dy), r;

	cv::warpAffine(wrap(src), r, t, cv::Size(src->cols, src->rows),
		       cv::INTER_LINEAR, cv::BORDER_REPLICATE);
	keep(r, out);
}

void ref_board(int rows, int cols, int pc, int pr, int sq, int view,
	       ref_img *out)
{
	int margin = sq, w = (pc + 1) * sq + 2 * margin;
	int h = (pr + 1) * sq + 2 * margin;
	cv::Mat b(h, w, CV_8UC1, cv::Scalar(255)), r;
	std::vector<cv::Point2f> src = { { 0, 0 },
					 { (float)w, 0 },
					 { (float)w, (float)h },
					 { 0, (float)h } };

	for (int y = 0; y <= pr; y++)
		for (int x = 0; x <= pc; x++)
			if ((x + y) % 2 == 0)
				cv::rectangle(b,
					      cv::Rect(margin + x * sq,
						       margin + y * sq, sq, sq),
					      cv::Scalar(0), cv::FILLED);
	cv::warpPerspective(b, r,
			    cv::getPerspectiveTransform(
				    src, board_quad(w, h, view, rows, cols)),
			    cv::Size(cols, rows), cv::INTER_AREA,
			    cv::BORDER_CONSTANT, cv::Scalar(255));
	keep(r, out);
}

void ref_binary(const ref_img *src, int thresh, ref_img *out)
{
	cv::Mat r;

	cv::threshold(wrap(src), r, thresh, 255, cv::THRESH_BINARY);
	keep(r, out);
}

void ref_in_range(const ref_img *img, const float *lo, const float *hi,
		  uint8_t *mask)
{
	cv::Scalar l, h;

	for (int c = 0; c < img->channels; c++)
		l[c] = lo[c], h[c] = hi[c];
	cv::Mat m(img->rows, img->cols, CV_8UC1, mask);
	cv::inRange(wrap(img), l, h, m);
}

void ref_contours(const ref_img *bin, int mode, int method, int32_t *counts,
		  int32_t *lengths, size_t cap_c, int32_t *points, size_t cap_p,
		  int32_t *hier)
{
	std::vector<std::vector<cv::Point>> cs;
	std::vector<cv::Vec4i> h;
	size_t np = 0, total = 0;

	cv::findContours(wrap(bin), cs, h, mode, method);
	for (size_t i = 0; i < cs.size(); i++) {
		total += cs[i].size();
		if (i < cap_c) {
			lengths[i] = (int32_t)cs[i].size();
			for (int k = 0; hier && k < 4; k++)
				hier[4 * i + k] = h[i][k];
		}
		for (size_t j = 0; j < cs[i].size() && np < cap_p; j++, np++)
			points[2 * np] = cs[i][j].x,
				   points[2 * np + 1] = cs[i][j].y;
	}
	counts[0] = (int32_t)cs.size();
	counts[1] = (int32_t)total;
}

size_t ref_features(const ref_img *img, int max, float *pts)
{
	std::vector<cv::Point2f> c;

	cv::goodFeaturesToTrack(wrap(img), c, max, 0.01, 10);
	put2(c, pts);
	return c.size();
}

void ref_flow(const ref_img *prev, const ref_img *next, const float *pts,
	      size_t n, int win, int levels, float *next_pts, uint8_t *status,
	      float *errs)
{
	std::vector<cv::Point2f> q;
	std::vector<uchar> st;
	std::vector<float> e;

	cv::calcOpticalFlowPyrLK(wrap(prev), wrap(next), pts2(pts, n), q, st, e,
				 cv::Size(win, win), levels);
	put2(q, next_pts);
	memcpy(status, st.data(), n);
	memcpy(errs, e.data(), n * sizeof(float));
}

int ref_chessboard(const ref_img *img, int pc, int pr, int flags,
		   float *corners)
{
	std::vector<cv::Point2f> c;
	bool ok = cv::findChessboardCorners(wrap(img), cv::Size(pc, pr), c,
					    flags);

	memset(corners, 0, 2 * (size_t)pc * pr * sizeof(float));
	if (ok)
		put2(c, corners);
	return ok;
}

void ref_subpix(const ref_img *img, float *corners, size_t n, int win,
		int iters, float eps)
{
	std::vector<cv::Point2f> c = pts2(corners, n);

	cv::cornerSubPix(wrap(img), c, cv::Size(win, win), cv::Size(-1, -1),
			 cv::TermCriteria(cv::TermCriteria::COUNT |
						  cv::TermCriteria::EPS,
					  iters, eps));
	put2(c, corners);
}

double ref_calibrate(int rows, int cols, int views, const float *obj,
		     size_t npts, const float *img_pts, int flags, double *K,
		     double *D, size_t nd)
{
	std::vector<std::vector<cv::Point3f>> o(views);
	std::vector<std::vector<cv::Point2f>> im(views);
	std::vector<cv::Mat> rv, tv;
	cv::Mat k, d;

	for (int v = 0; v < views; v++) {
		for (size_t i = 0; i < npts; i++)
			o[v].emplace_back(obj[3 * i], obj[3 * i + 1],
					  obj[3 * i + 2]);
		im[v] = pts2(img_pts + 2 * npts * v, npts);
	}
	double rms = cv::calibrateCamera(o, im, cv::Size(cols, rows), k, d, rv,
					 tv, flags);
	memcpy(K, k.ptr<double>(), 9 * sizeof(double));
	memset(D, 0, nd * sizeof(double));
	memcpy(D, d.ptr<double>(), std::min(nd, d.total()) * sizeof(double));
	return rms;
}

void ref_undistort(const ref_img *img, const double *K, const double *D,
		   size_t nd, uint8_t *out)
{
	cv::Mat o(img->rows, img->cols, CV_8UC(img->channels), out);

	cv::undistort(wrap(img), o, cv::Mat(3, 3, CV_64F, (void *)K),
		      cv::Mat(1, (int)nd, CV_64F, (void *)D));
}

void ref_map(int rows, int cols, const double *K, const double *D, size_t nd,
	     float *mx, float *my)
{
	cv::Mat k(3, 3, CV_64F, (void *)K), x(rows, cols, CV_32F, mx),
		y(rows, cols, CV_32F, my);

	cv::initUndistortRectifyMap(k, cv::Mat(1, (int)nd, CV_64F, (void *)D),
				    cv::Mat(), k, cv::Size(cols, rows),
				    CV_32FC1, x, y);
}

void ref_remap(const ref_img *img, const float *mx, const float *my, int rows,
	       int cols, int interp, uint8_t *out)
{
	cv::Mat o(rows, cols, CV_8UC(img->channels), out);

	cv::remap(wrap(img), o, cv::Mat(rows, cols, CV_32F, (void *)mx),
		  cv::Mat(rows, cols, CV_32F, (void *)my), interp,
		  cv::BORDER_CONSTANT, cv::Scalar());
}

int ref_solve(const float *A, int m, int n, const float *B, int k, int flags,
	      float *X)
{
	cv::Mat x;
	bool ok = cv::solve(cv::Mat(m, n, CV_32F, (void *)A),
			    cv::Mat(m, k, CV_32F, (void *)B), x, flags);

	memset(X, 0, (size_t)n * k * sizeof(float));
	if (!x.empty())
		memcpy(X, x.ptr<float>(), (size_t)n * k * sizeof(float));
	return ok;
}

void ref_stereo_bm(const ref_img *l, const ref_img *r, int nd, int block,
		   int16_t *disp)
{
	cv::Mat d(l->rows, l->cols, CV_16S, disp);

	cv::StereoBM::create(nd, block)->compute(wrap(l), wrap(r), d);
}

void ref_stereo_sgbm(const ref_img *l, const ref_img *r, const int32_t p[6],
		     int16_t *disp)
{
	cv::Mat d(l->rows, l->cols, CV_16S, disp);

	cv::StereoSGBM::create(p[0], p[1], p[2], p[3], p[4], 0, 0, 0, 0, 0,
			       p[5])
		->compute(wrap(l), wrap(r), d);
}

} // extern "C"
