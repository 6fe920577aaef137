// SPDX-License-Identifier: Apache-2.0
/* The opencv plugin: each function called directly (OpenCV 4.6) and through
 * vaccel_opencv() (libvaccel + the plugin: argument checks, cv::Mat
 * headers, the copy of the result), same process, same inputs,
 * interleaved rounds, medians. One OpenCV thread on both sides.
 *
 * usage: bench-opencv IMAGE [ROUNDS]      (default 31)
 * Needs VACCEL_PLUGINS=<path of libvaccel-opencv.so>. Prints markdown. */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>
#include <vaccel.h>
#include <vector>

namespace
{

/* The args of one vaccel_opencv() call (layouts: docs/plugins/opencv.md). */
struct Call {
	std::vector<vaccel_arg> rd, wr;
	std::deque<int32_t> ints;

	explicit Call(int32_t fn)
	{
		i(fn);
	}
	void i(int32_t v)
	{
		ints.push_back(v);
		rd.push_back({ &ints.back(), 4, VACCEL_ARG_INT32, 0, false });
	}
	void buf(const void *p, size_t n)
	{
		rd.push_back(
			{ const_cast<void *>(p), n, VACCEL_ARG_RAW, 0, false });
	}
	void mat(const cv::Mat &m)
	{
		i(m.rows);
		i(m.cols);
		buf(m.data, m.total() * m.elemSize());
	}
	void out(void *p, size_t n)
	{
		wr.push_back({ p, n, VACCEL_ARG_RAW, 0, false });
	}
	int run(vaccel_session *s)
	{
		return vaccel_opencv(s, rd.data(), (int)rd.size(), wr.data(),
				     (int)wr.size());
	}
};

double now()
{
	return std::chrono::duration<double>(
		       std::chrono::steady_clock::now().time_since_epoch())
		.count();
}

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

/* One row: direct vs through libvaccel, `rounds` interleaved pairs. */
int row(const char *name, int rounds, const std::function<void()> &direct,
	const std::function<int()> &via)
{
	std::vector<double> d, v, ratio;

	direct();
	if (via())
		return fprintf(stderr, "%s failed\n", name), 1;
	for (int r = 0; r < rounds; r++) {
		double t0 = now(), t1, t2;

		if (r % 2) {
			via();
			t1 = now();
			direct();
			t2 = now();
			v.push_back(t1 - t0);
			d.push_back(t2 - t1);
		} else {
			direct();
			t1 = now();
			via();
			t2 = now();
			d.push_back(t1 - t0);
			v.push_back(t2 - t1);
		}
		ratio.push_back(v.back() / d.back());
	}
	printf("| %s | %.3f ms | %.3f ms | %.3f | %.3f |\n", name,
	       median(d) * 1e3, median(v) * 1e3, median(v) / median(d),
	       median(ratio));
	return 0;
}

int all(vaccel_session *s, const cv::Mat &bgr, int R)
{
	cv::Mat gray, next, right, binary, rc, o;
	int ret = 0;

	cv::Mat flow = (cv::Mat_<double>(2, 3) << 1, 0, 2.5, 0, 1, -1.5);
	cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, -8, 0, 1, 0);

	cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
	cv::warpAffine(gray, next, flow, gray.size(), cv::INTER_LINEAR,
		       cv::BORDER_REPLICATE);
	cv::warpAffine(gray, right, shift, gray.size(), cv::INTER_LINEAR,
		       cv::BORDER_REPLICATE);
	cv::warpAffine(bgr, rc, shift, bgr.size(), cv::INTER_LINEAR,
		       cv::BORDER_REPLICATE);
	cv::threshold(gray, binary, 128, 255, cv::THRESH_BINARY);
	std::vector<uint8_t> mask(gray.total());
	std::vector<int16_t> disp(gray.total());
	std::vector<uint8_t> img(bgr.total() * 3);

	const float lo[3] = { 0, 40, 60 }, hi[3] = { 110, 180, 255 };
	Call ir(1);
	ir.mat(bgr), ir.buf(lo, 12), ir.buf(hi, 12),
		ir.out(mask.data(), mask.size());
	ret |= row(
		"inRange (BGR)", R,
		[&] {
			cv::inRange(bgr, cv::Scalar(0, 40, 60),
				    cv::Scalar(110, 180, 255), o);
		},
		[&] { return ir.run(s); });

	std::vector<int32_t> counts(2), lens(8192), pts(1 << 18),
		hier(4 * 8192);
	Call fc(2);
	fc.mat(binary), fc.i(cv::RETR_TREE), fc.i(cv::CHAIN_APPROX_SIMPLE);
	fc.out(counts.data(), 8), fc.out(lens.data(), lens.size() * 4);
	fc.out(pts.data(), pts.size() * 4),
		fc.out(hier.data(), hier.size() * 4);
	ret |= row(
		"findContours (tree, simple)", R,
		[&] {
			std::vector<std::vector<cv::Point>> cs;
			std::vector<cv::Vec4i> h;
			cv::findContours(binary, cs, h, cv::RETR_TREE,
					 cv::CHAIN_APPROX_SIMPLE);
		},
		[&] { return fc.run(s); });

	std::vector<cv::Point2f> p0, p1;
	std::vector<uchar> st;
	std::vector<float> er;
	cv::goodFeaturesToTrack(gray, p0, 200, 0.01, 10);
	size_t n = p0.size();
	std::vector<float> np(2 * n), ne(n);
	std::vector<uint8_t> ns(n);
	Call of(3);
	of.mat(gray), of.mat(next), of.buf(p0.data(), 8 * n), of.i(21), of.i(3);
	of.out(np.data(), 8 * n), of.out(ns.data(), n),
		of.out(ne.data(), 4 * n);
	ret |= row(
		"calcOpticalFlowPyrLK (200 points)", R,
		[&] {
			cv::calcOpticalFlowPyrLK(gray, next, p0, p1, st, er,
						 cv::Size(21, 21), 3);
		},
		[&] { return of.run(s); });

	const double K[9] = { 500, 0, bgr.cols / 2.0, 0, 500, bgr.rows / 2.0, 0,
			      0,   1 };
	const double D[5] = { -0.3, 0.1, 0.001, -0.001, 0 };
	Call ud(7);
	ud.mat(bgr), ud.buf(K, 72), ud.buf(D, 40),
		ud.out(img.data(), img.size());
	ret |= row(
		"undistort (BGR)", R,
		[&] {
			cv::undistort(bgr, o, cv::Mat(3, 3, CV_64F, (void *)K),
				      cv::Mat(1, 5, CV_64F, (void *)D));
		},
		[&] { return ud.run(s); });

	cv::Mat mx, my;
	cv::initUndistortRectifyMap(cv::Mat(3, 3, CV_64F, (void *)K),
				    cv::Mat(1, 5, CV_64F, (void *)D), cv::Mat(),
				    cv::Mat(3, 3, CV_64F, (void *)K),
				    bgr.size(), CV_32FC1, mx, my);
	Call rm(9);
	rm.mat(bgr), rm.mat(mx), rm.buf(my.data, my.total() * 4), rm.i(1);
	rm.out(img.data(), img.size());
	ret |= row(
		"remap (BGR, linear)", R,
		[&] {
			cv::remap(bgr, o, mx, my, cv::INTER_LINEAR,
				  cv::BORDER_CONSTANT);
		},
		[&] { return rm.run(s); });

	cv::Mat A(64, 64, CV_32F), B(64, 4, CV_32F), X;
	cv::randu(A, -1, 1), cv::randu(B, -1, 1);
	A += cv::Mat::eye(64, 64, CV_32F) * 8;
	std::vector<float> x(64 * 4);
	int32_t ok;
	Call so(10);
	so.mat(A), so.mat(B), so.i(cv::DECOMP_LU), so.out(&ok, 4),
		so.out(x.data(), x.size() * 4);
	ret |= row(
		"solve (64 x 64, LU)", R,
		[&] { cv::solve(A, B, X, cv::DECOMP_LU); },
		[&] { return so.run(s); });

	Call bm(11);
	bm.mat(gray), bm.mat(right), bm.i(64), bm.i(21),
		bm.out(disp.data(), disp.size() * 2);
	ret |= row(
		"StereoBM (64 disparities, block 21)", R,
		[&] { cv::StereoBM::create(64, 21)->compute(gray, right, o); },
		[&] { return bm.run(s); });

	Call sg(12);
	sg.mat(bgr), sg.mat(rc);
	for (int v : { 0, 64, 5, 8 * 3 * 25, 32 * 3 * 25, 0 })
		sg.i(v);
	sg.out(disp.data(), disp.size() * 2);
	ret |= row(
		"StereoSGBM (BGR, 64 disparities, block 5)", (R + 3) / 4,
		[&] {
			cv::StereoSGBM::create(0, 64, 5, 600, 2400)
				->compute(bgr, rc, o);
		},
		[&] { return sg.run(s); });
	return ret;
}

} // namespace

int main(int argc, char **argv)
{
	static vaccel_session s;
	int rounds = argc > 2 ? atoi(argv[2]) : 31, ret;
	cv::Mat bgr = argc > 1 ? cv::imread(argv[1]) : cv::Mat();

	if (bgr.empty() || rounds < 1) {
		fprintf(stderr, "usage: bench-opencv IMAGE [ROUNDS]\n");
		return 2;
	}
	if (vaccel_session_init(&s, VACCEL_PLUGIN_GENERIC) ||
	    strcmp(s.plugin->info->name, "opencv")) {
		fprintf(stderr, "no opencv session (VACCEL_PLUGINS?)\n");
		return 1;
	}
	cv::setNumThreads(1);
	printf("OpenCV %s, %d thread, %s (%d x %d), %d rounds of paired calls "
	       "in alternating order:\n\n",
	       CV_VERSION, cv::getNumThreads(), argv[1], bgr.cols, bgr.rows,
	       rounds);
	printf("| function | OpenCV direct | through libvaccel | ratio of "
	       "medians | median of ratios |\n|---|---|---|---|---|\n");
	ret = all(&s, bgr, rounds);
	vaccel_session_release(&s);
	return ret;
}
