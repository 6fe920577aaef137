// SPDX-License-Identifier: Apache-2.0
/* The tflite plugin (Arm NN 20.08) against the onnx plugin (ONNX Runtime)
 * on the same network, MediaPipe's short-range face detector, through
 * libvaccel in one process, on one photo's input tensor (plugins/common's
 * pre-processing): model load, first run, and the median of interleaved
 * later runs; then the full-range detector on Arm NN alone (no ONNX twin).
 *
 * usage: bench-tflite DEPS_DIR MODEL_DESC PHOTO [ROUNDS]   (default 9)
 * Needs VACCEL_PLUGINS naming libvaccel-tflite.so and libvaccel-onnx.so.
 * Prints one markdown table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "files.h"
#include "vpc_desc.h"
#include "vpc_image.h"
#include <vaccel.h>

/* ms of wall time, or of this thread's CPU time (both runtimes compute in
 * the calling thread here: Arm NN's CpuRef, ONNX Runtime with 1 thread),
 * which a busy shared machine disturbs much less */
static double ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static double now(void)
{
	return ms(CLOCK_MONOTONIC);
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One network on one runtime: its session, resource and one input. */
struct net {
	const char *name;
	struct vaccel_session s;
	struct vaccel_resource r;
	bool onnx;
	double load, first, runs[64], cpu[64];
};

static int run(struct net *n, void *data, size_t size, int side)
{
	int64_t d64[4] = { 1, side, side, 3 };
	int32_t d32[4] = { 1, side, side, 3 };
	struct vaccel_onnx_tensor ot = { data, size, false,
					 4,    d64,  VACCEL_ONNX_FLOAT };
	struct vaccel_tflite_tensor tt = { data, size, false,
					   4,	 d32,  VACCEL_TFLITE_FLOAT32 };
	struct vaccel_onnx_tensor *po = &ot, *oo[4] = { 0 };
	struct vaccel_tflite_tensor *pt = &tt, *to[2] = { 0 };
	uint8_t st;
	int ret;

	if (n->onnx) {
		ret = vaccel_onnx_model_run(&n->s, &n->r, &po, 1, oo, 4);
		for (int i = 0; i < 4; i++)
			vaccel_onnx_tensor_delete(oo[i]);
	} else {
		ret = vaccel_tflite_model_run(&n->s, &n->r, &pt, 1, to, 2, &st);
		for (int i = 0; i < 2; i++)
			vaccel_tflite_tensor_delete(to[i]);
	}
	return ret;
}

static int open_net(struct net *n, const char *path, void *data, size_t size,
		    int side)
{
	double t0;
	int ret =
		vaccel_session_init(&n->s, n->onnx ? VACCEL_PLUGIN_GENERIC
						   : VACCEL_PLUGIN_TENSORFLOW);

	if (!ret)
		ret = vaccel_resource_init(&n->r, path, VACCEL_RESOURCE_MODEL);
	if (!ret)
		ret = vaccel_resource_register(&n->r, &n->s);
	t0 = now();
	if (!ret)
		ret = n->onnx ? vaccel_onnx_model_load(&n->s, &n->r)
			      : vaccel_tflite_model_load(&n->s, &n->r);
	n->load = now() - t0;
	t0 = now();
	if (!ret)
		ret = run(n, data, size, side);
	n->first = now() - t0;
	if (ret)
		fprintf(stderr, "%s: %s failed: %d\n", n->name, path, ret);
	return ret;
}

static void close_net(struct net *n)
{
	vaccel_resource_unregister(&n->r, &n->s);
	vaccel_resource_release(&n->r);
	vaccel_session_release(&n->s);
}

static double median(double *v, int k)
{
	qsort(v, (size_t)k, sizeof(double), cmpd);
	return v[k / 2];
}

static void print(struct net *n, const char *model, int rounds, double base)
{
	double m = median(n->runs, rounds), c = median(n->cpu, rounds);
	char ratio[32] = "-";

	if (base > 0)
		snprintf(ratio, sizeof(ratio), "%.0f", c / base);
	printf("| %s | %s | %.0f ms | %.0f ms | %.1f ms | %.1f ms | %s |\n",
	       model, n->name, n->load, n->first, m, c, ratio);
}

/* The input of `photo` as the description says (size, crop, [-1, 1]). */
static int input(const char *desc_path, const char *photo, int side,
		 struct vpc_tensor *t)
{
	size_t dl, il;
	char *text = tu_read_file(desc_path, &dl),
	     *jpg = tu_read_file(photo, &il);
	struct vpc_desc d;
	struct vpc_image im;
	struct vpc_geom g;
	int ret = text && jpg ? vpc_desc_parse(text, dl, "desc", &d) : -1;

	if (!ret) {
		d.in.width = d.in.height = side;
		ret = vpc_image_decode(jpg, il, &im);
		if (!ret)
			ret = vpc_preprocess(&im, &d.in, t, &g);
		if (!ret)
			vpc_image_release(&im);
		vpc_desc_release(&d);
	}
	free(text);
	free(jpg);
	return ret;
}

int main(int argc, char **argv)
{
	struct net n[3] = { { .name = "tflite plugin, Arm NN 20.08 CpuRef" },
			    { .name = "onnx plugin, ONNX Runtime 1.29",
			      .onnx = true },
			    { .name = "tflite plugin, Arm NN 20.08 CpuRef" } };
	char path[3][1024];
	struct vpc_tensor in128, in192;
	int rounds = argc > 4 ? atoi(argv[4]) : 9, ret;

	if (argc < 4 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: bench-tflite DEPS_DIR MODEL_DESC "
				"PHOTO [ROUNDS]\n");
		return 2;
	}
	snprintf(path[0], sizeof(path[0]),
		 "%s/models/tflite/face_detection_short_range.tflite", argv[1]);
	snprintf(path[1], sizeof(path[1]),
		 "%s/models/blazeface/face_detection_front_128x128_barracuda"
		 ".onnx",
		 argv[1]);
	snprintf(path[2], sizeof(path[2]),
		 "%s/models/tflite/face_detection_full_range.tflite", argv[1]);
	if (input(argv[2], argv[3], 128, &in128) ||
	    input(argv[2], argv[3], 192, &in192))
		return 1;
	ret = open_net(&n[0], path[0], in128.data, in128.size, 128) ||
	      open_net(&n[1], path[1], in128.data, in128.size, 128) ||
	      open_net(&n[2], path[2], in192.data, in192.size, 192);
	for (int r = 0; r < rounds && !ret; r++) {
		for (int k = 0; k < 3 && !ret; k++) {
			struct net *x = &n[(k + r) % 3];
			struct vpc_tensor *t = x == &n[2] ? &in192 : &in128;
			double t0 = now(), c0 = ms(CLOCK_THREAD_CPUTIME_ID);

			ret = run(x, t->data, t->size, x == &n[2] ? 192 : 128);
			x->runs[r] = now() - t0;
			x->cpu[r] = ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		}
	}
	if (!ret) {
		double onnx = median(n[1].cpu, rounds);

		printf("| model | runtime | load | first run | median run "
		       "(wall) | median run (CPU) | CPU vs ONNX Runtime "
		       "|\n|---|---|---|---|---|---|---|\n");
		print(&n[0], "short range, 128 x 128", rounds, onnx);
		print(&n[1], "short range, 128 x 128", rounds, onnx);
		print(&n[2], "full range, 192 x 192", rounds, 0);
	}
	for (int i = 0; i < 3; i++)
		close_net(&n[i]);
	vpc_tensor_release(&in128);
	vpc_tensor_release(&in192);
	return ret ? 1 : 0;
}
