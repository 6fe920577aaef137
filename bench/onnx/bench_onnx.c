// SPDX-License-Identifier: Apache-2.0
/* The onnx plugin's cost per image: the same model, image and pipeline run
 * with ONNX Runtime called directly (decode, pre-process, OrtApi::Run,
 * decode the outputs into the same text records, with plugins/common) and
 * through libvaccel (vaccel_image_classification / _detection with the
 * onnx plugin), in one process, interleaved, medians.
 *
 * usage: bench-onnx OP DESCRIPTION IMAGE [ROUNDS]
 *   OP: classify | detect; DESCRIPTION: the .model file the plugin uses for
 *   OP by default (plugins/onnx/models/...); IMAGE: a JPEG/PNG file.
 * Needs VACCEL_PLUGINS=<path of libvaccel-onnx.so>. The direct path uses the
 * plugin's settings: one intra-op thread (VACCEL_ONNX_THREADS), sequential
 * execution, all graph optimisations. Prints one markdown table row pair. */
#include <dlfcn.h>
#include <onnxruntime_c_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vaccel.h>

#include "vpc_desc.h"
#include "vpc_image.h"
#include "vpc_post.h"

#ifndef VACCEL_DEPS_DIR
#define VACCEL_DEPS_DIR "/opt/vaccel-deps"
#endif

static const OrtApi *ort;

#define CHECK(x)                                            \
	do {                                                \
		OrtStatus *st_ = (x);                       \
		if (st_) {                                  \
			fprintf(stderr, "%s: %s\n", #x,     \
				ort->GetErrorMessage(st_)); \
			exit(1);                            \
		}                                           \
	} while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The direct pipeline: what an application would write on ORT itself. */
struct direct {
	struct vpc_desc d;
	char **labels;
	size_t nr_labels;
	OrtSession *s;
	OrtMemoryInfo *mem;
	const char *in_name;
	const char *out_names[8];
	size_t nr_out;
};

static void direct_init(struct direct *x, const char *desc_path)
{
	const char *deps = getenv("VACCEL_DEPS");
	const char *lib = getenv("VACCEL_ONNX_LIBRARY");
	const OrtApiBase *(*base)(void);
	char path[4096], libpath[4096];
	OrtSessionOptions *so;
	OrtEnv *env;
	size_t len;
	char *text = read_all(desc_path, &len);
	void *dl;

	deps = deps && *deps ? deps : VACCEL_DEPS_DIR;
	if (!lib || !*lib) {
		snprintf(libpath, sizeof(libpath),
			 "%s/onnxruntime/lib/libonnxruntime.so.1", deps);
		lib = libpath;
	}
	dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	*(void **)&base = dl ? dlsym(dl, "OrtGetApiBase") : NULL;
	if (!base || !(ort = base()->GetApi(ORT_API_VERSION)))
		exit(1);
	if (vpc_desc_parse(text, len, desc_path, &x->d))
		exit(1);
	free(text);
	x->labels = x->d.labels;
	x->nr_labels = x->d.nr_labels;
	if (x->d.labels_file) {
		snprintf(path, sizeof(path), "%s/%s", deps, x->d.labels_file);
		text = read_all(path, &len);
		if (vpc_labels_parse(text, len, &x->labels, &x->nr_labels))
			exit(1);
		free(text);
	}
	CHECK(ort->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "bench", &env));
	CHECK(ort->CreateSessionOptions(&so));
	CHECK(ort->SetIntraOpNumThreads(so, 1));
	CHECK(ort->SetInterOpNumThreads(so, 1));
	CHECK(ort->SetSessionExecutionMode(so, ORT_SEQUENTIAL));
	CHECK(ort->SetSessionGraphOptimizationLevel(so, ORT_ENABLE_ALL));
	snprintf(path, sizeof(path), "%s/%s", deps, x->d.file);
	CHECK(ort->CreateSession(env, path, so, &x->s));
	CHECK(ort->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault,
				       &x->mem));
	x->in_name = x->d.input;
	if (x->d.decoder == VPC_DEC_ANCHORS) {
		for (size_t i = 0; i < x->d.nr_grids; i++)
			x->out_names[x->nr_out++] = x->d.scores[i];
		for (size_t i = 0; i < x->d.nr_grids; i++)
			x->out_names[x->nr_out++] = x->d.boxes[i];
	} else {
		x->out_names[x->nr_out++] = x->d.outputs[0];
	}
}

/* Decode, pre-process, run, decode the outputs into `out` (text). */
static void direct_run(struct direct *x, const void *img, size_t len, char *out,
		       size_t cap)
{
	struct vpc_image im;
	struct vpc_tensor t;
	struct vpc_geom g;
	struct vpc_fmap fm[8];
	struct vpc_result r;
	OrtValue *in = NULL, *outs[8] = { 0 };
	int64_t dims[8][8];

	if (vpc_image_decode(img, len, &im) ||
	    vpc_preprocess(&im, &x->d.in, &t, &g))
		exit(1);
	CHECK(ort->CreateTensorWithDataAsOrtValue(
		x->mem, t.data, t.size, t.dims, 4,
		ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &in));
	CHECK(ort->Run(x->s, NULL, &x->in_name, (const OrtValue *const *)&in, 1,
		       x->out_names, x->nr_out, outs));
	for (size_t i = 0; i < x->nr_out; i++) {
		OrtTensorTypeAndShapeInfo *info;
		size_t nd;
		void *data;

		CHECK(ort->GetTensorTypeAndShape(outs[i], &info));
		CHECK(ort->GetDimensionsCount(info, &nd));
		CHECK(ort->GetDimensions(info, dims[i], nd));
		CHECK(ort->GetTensorShapeElementCount(info, &fm[i].count));
		ort->ReleaseTensorTypeAndShapeInfo(info);
		CHECK(ort->GetTensorMutableData(outs[i], &data));
		fm[i].data = data;
		fm[i].dims = dims[i];
		fm[i].nr_dims = (int)nd;
	}
	if (vpc_postprocess(&x->d, x->labels, x->nr_labels, fm, x->nr_out, &g,
			    false, &r))
		exit(1);
	vpc_lines_emit(x->d.task == VPC_TASK_CLASSIFY ? &r.text : &r.name, out,
		       cap, NULL);
	vpc_result_release(&r);
	for (size_t i = 0; i < x->nr_out; i++)
		ort->ReleaseValue(outs[i]);
	ort->ReleaseValue(in);
	vpc_tensor_release(&t);
	vpc_image_release(&im);
}

static int vaccel_run(struct vaccel_session *s, bool classify, const void *img,
		      size_t len, char *out, size_t cap)
{
	unsigned char name[256];

	if (classify)
		return vaccel_image_classification(s, img, (unsigned char *)out,
						   name, len, cap,
						   sizeof(name));
	return vaccel_image_detection(s, img, (unsigned char *)out, len, cap);
}

int main(int argc, char **argv)
{
	/* static: the library's exit-time cleanup may still see it */
	static struct vaccel_session sess;
	char a[4096], b[4096];
	/* two direct pipelines with their own ORT sessions, as the plugin has
	 * its own: each of the three runs once a round, so none keeps its
	 * weights in the caches more than the others */
	struct direct x = { 0 }, x2 = { 0 };
	/* t[0]: direct, t[1]: through libvaccel, t[2]: direct again (the A/A
	 * control: how far two identical runs differ here) */
	double *t[3], *pv, *pa, m[3];
	bool classify;
	int rounds;
	size_t len;
	void *img;

	if (argc < 4) {
		fprintf(stderr,
			"usage: %s classify|detect DESCRIPTION IMAGE "
			"[ROUNDS]\n",
			argv[0]);
		return 2;
	}
	classify = !strcmp(argv[1], "classify");
	rounds = argc > 4 ? atoi(argv[4]) : 51;
	for (int i = 0; i < 3; i++)
		t[i] = calloc((size_t)rounds, sizeof(double));
	pv = calloc((size_t)rounds, sizeof(double));
	pa = calloc((size_t)rounds, sizeof(double));
	if (rounds < 1 || !t[0] || !t[1] || !t[2] || !pv || !pa)
		return 2;
	img = read_all(argv[3], &len);
	/* the plugin serves the op with the same description */
	setenv(classify ? "VACCEL_ONNX_CLASSIFY_MODEL"
			: "VACCEL_ONNX_DETECT_MODEL",
	       argv[2], 1);
	if (vaccel_bootstrap() || vaccel_session_init(&sess, 0) ||
	    strcmp(sess.plugin->info->name, "onnx")) {
		fprintf(stderr, "no onnx session (VACCEL_PLUGINS?)\n");
		return 1;
	}
	direct_init(&x, argv[2]);
	direct_init(&x2, argv[2]);
	/* warm-up, and both paths must say the same */
	for (int i = 0; i < 3; i++) {
		direct_run(&x2, img, len, a, sizeof(a));
		direct_run(&x, img, len, a, sizeof(a));
		if (vaccel_run(&sess, classify, img, len, b, sizeof(b)))
			return 1;
	}
	if (strcmp(a, b)) {
		fprintf(stderr, "results differ:\n%s---\n%s", a, b);
		vaccel_session_release(&sess);
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		/* rotate the order so that none always runs first */
		for (int k = 0; k < 3; k++) {
			int which = (k + r) % 3;
			double t0 = now();

			if (which == 1)
				vaccel_run(&sess, classify, img, len, b,
					   sizeof(b));
			else
				direct_run(which ? &x2 : &x, img, len, a,
					   sizeof(a));
			t[which][r] = now() - t0;
		}
		/* back to back: the ratios see the same load */
		pv[r] = t[1][r] / t[0][r];
		pa[r] = t[2][r] / t[0][r];
	}
	for (int i = 0; i < 3; i++)
		m[i] = median(t[i], rounds);
	a[strcspn(a, "\n")] = '\0';
	printf("| %s `%s` (%s: %s) | %.3f ms | %.3f ms | **%.3f** | **%.3f** "
	       "| %.3f / %.3f |\n",
	       argv[1],
	       strrchr(argv[3], '/') ? strrchr(argv[3], '/') + 1 : argv[3],
	       x.d.name, a[0] ? a : "nothing found", m[0] * 1e3, m[1] * 1e3,
	       m[1] / m[0], median(pv, rounds), m[2] / m[0],
	       median(pa, rounds));
	vaccel_session_release(&sess);
	return 0;
}
