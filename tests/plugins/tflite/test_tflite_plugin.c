// SPDX-License-Identifier: Apache-2.0
/* The tflite plugin through the public API, on MediaPipe's short-range face
 * detector (.tflite, its fp16 weights folded to fp32 by
 * scripts/convert-tflite.sh), against the same network run by ONNX Runtime
 * (the onnx plugin, face_detection_front_128x128_barracuda.onnx) on the
 * face-api photos: the raw outputs agree, and after the same BlazeFace
 * decoding (plugins/common) the .tflite detector finds the faces the ONNX
 * one finds. The same runs through a real vaccel-agent serving the plugin
 * give the same bytes. Then the errors: bad and unconverted model files,
 * runs without a load, inputs of the wrong type, size or shape, output
 * counts; and two threads on one model. Skips (77) without the models. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "remote_tu.h"
#include "vpc_desc.h"
#include "vpc_image.h"
#include "vpc_post.h"
#include <vaccel.h>

#define NA 896 /* anchors: 16 x 16 x 2 + 8 x 8 x 6 */

static char tfl_path[1024], fp16_path[1024], onnx_path[1024];
static struct vpc_desc desc;

/* The photo as the detector's input (centre crop, [-1, 1], NHWC). */
static void prepare(const char *name, struct vpc_tensor *t, struct vpc_geom *g)
{
	char path[1024];
	struct vpc_image im;
	size_t len;
	char *jpg;

	snprintf(path, sizeof(path), "%s/images/%s", getenv("VACCEL_DEPS"),
		 name);
	jpg = tu_read_file(path, &len);
	assert_non_null(jpg);
	assert_int_equal(vpc_image_decode(jpg, len, &im), VACCEL_OK);
	assert_int_equal(vpc_preprocess(&im, &desc.in, t, g), VACCEL_OK);
	assert_int_equal(t->size, 128 * 128 * 3 * sizeof(float));
	vpc_image_release(&im);
	free(jpg);
}

static struct vaccel_resource *model(struct vaccel_session *s, const char *path)
{
	struct vaccel_resource *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	assert_int_equal(vaccel_resource_init(r, path, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(r, s), VACCEL_OK);
	return r;
}

static void model_free(struct vaccel_session *s, struct vaccel_resource *r)
{
	assert_int_equal(vaccel_resource_unregister(r, s), VACCEL_OK);
	vaccel_resource_release(r);
	free(r);
}

/* regressors (1 x 896 x 16) and classificators (1 x 896 x 1) */
static int tfl_run(struct vaccel_session *s, struct vaccel_resource *r,
		   const struct vpc_tensor *in, struct vaccel_tflite_tensor **o)
{
	int32_t dims[4] = { 1, 128, 128, 3 };
	struct vaccel_tflite_tensor t = { in->data, in->size,
					  false,    4,
					  dims,	    VACCEL_TFLITE_FLOAT32 };
	struct vaccel_tflite_tensor *pt = &t;
	uint8_t status = 7;
	int ret = vaccel_tflite_model_run(s, r, &pt, 1, o, 2, &status);

	assert_int_equal(status, ret ? 1 : 0);
	if (!ret) {
		assert_int_equal(o[0]->size, NA * 16 * 4);
		assert_int_equal(o[1]->size, NA * 4);
	}
	return ret;
}

static void tfl_free(struct vaccel_tflite_tensor **o, int n)
{
	for (int i = 0; i < n; i++)
		vaccel_tflite_tensor_delete(o[i]);
}

/* The ONNX twin: scores of the two grids (512, 384) and their boxes,
 * told apart by their shapes. */
static void onnx_run(struct vaccel_session *s, struct vaccel_resource *r,
		     const struct vpc_tensor *in, float *scores, float *boxes)
{
	int64_t dims[4] = { 1, 128, 128, 3 };
	struct vaccel_onnx_tensor t = { in->data, in->size, false,
					4,	  dims,	    VACCEL_ONNX_FLOAT };
	struct vaccel_onnx_tensor *pt = &t, *o[4] = { 0 };

	assert_int_equal(vaccel_onnx_model_run(s, r, &pt, 1, o, 4), VACCEL_OK);
	for (int i = 0; i < 4; i++) {
		int64_t n = o[i]->dims[1], w = o[i]->dims[2];
		size_t at = n == 512 ? 0 : 512;

		assert_true((n == 512 || n == 384) && (w == 1 || w == 16));
		memcpy((w == 1 ? scores + at : boxes + at * 16), o[i]->data,
		       o[i]->size);
		vaccel_onnx_tensor_delete(o[i]);
	}
}

/* BlazeFace decoding of 896 scores and boxes (plugins/common). */
static void decode(const float *scores, const float *boxes,
		   const struct vpc_geom *g, struct vpc_det **d, size_t *n)
{
	static const int64_t sd[2][3] = { { 1, 512, 1 }, { 1, 384, 1 } };
	static const int64_t bd[2][3] = { { 1, 512, 16 }, { 1, 384, 16 } };
	const struct vpc_fmap s[2] = { { scores, sd[0], 3, 512 },
				       { scores + 512, sd[1], 3, 384 } };
	const struct vpc_fmap b[2] = { { boxes, bd[0], 3, 512 * 16 },
				       { boxes + 512 * 16, bd[1], 3,
					 384 * 16 } };

	assert_int_equal(vpc_decode_anchors(&desc, s, b, g, d, n), VACCEL_OK);
}

static double max_diff(const float *a, const float *b, size_t n)
{
	double m = 0;

	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs((double)a[i] - b[i]));
	return m;
}

/* Each ONNX face has a .tflite face in the same place (IoU >= 0.9). */
static void same_faces(const char *photo, const struct vpc_det *a, size_t na,
		       const struct vpc_det *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		float best = 0;

		for (size_t j = 0; j < nb; j++)
			best = fmaxf(best, vpc_iou(&a[i], &b[j]));
		printf("# %s: ONNX face %.3f at %.0f,%.0f-%.0f,%.0f; best "
		       ".tflite IoU %.3f\n",
		       photo, a[i].score, a[i].x1, a[i].y1, a[i].x2, a[i].y2,
		       best);
		assert_true(best >= 0.9f);
	}
	assert_int_equal(na, nb);
}

static void test_faces_vs_onnx(void **state)
{
	struct vaccel_session *ts = rtu_session(0), os;
	struct vaccel_resource *tr = model(ts, tfl_path), *orr;
	float *sc = malloc(NA * 4), *bx = malloc(NA * 64);
	size_t faces = 0;
	double ds = 0, db = 0;

	assert_int_equal(vaccel_session_init(&os, VACCEL_PLUGIN_GENERIC), 0);
	assert_string_equal(os.plugin->info->name, "onnx");
	orr = model(&os, onnx_path);
	assert_int_equal(vaccel_onnx_model_load(&os, orr), VACCEL_OK);
	assert_int_equal(vaccel_tflite_model_load(ts, tr), VACCEL_OK);
	for (int p = 1; p <= 6; p++) {
		char name[32];
		struct vpc_tensor in;
		struct vpc_geom g;
		struct vaccel_tflite_tensor *o[2];
		struct vpc_det *dt, *dx;
		size_t nt, nx;

		snprintf(name, sizeof(name), "sample%d.jpg", p);
		prepare(name, &in, &g);
		assert_int_equal(tfl_run(ts, tr, &in, o), VACCEL_OK);
		onnx_run(&os, orr, &in, sc, bx);
		ds = fmax(ds, max_diff(o[1]->data, sc, NA));
		db = fmax(db, max_diff(o[0]->data, bx, NA * 16));
		decode(sc, bx, &g, &dx, &nx);
		decode(o[1]->data, o[0]->data, &g, &dt, &nt);
		same_faces(name, dx, nx, dt, nt);
		faces += nx;
		free(dt);
		free(dx);
		tfl_free(o, 2);
		vpc_tensor_release(&in);
	}
	printf("# %zu faces in 6 photos; largest difference to ONNX Runtime: "
	       "score logits %.2g, box values %.2g (pixels)\n",
	       faces, ds, db);
	assert_true(faces >= 6);
	/* one network, fp32 both ways: only the order of additions differs */
	assert_true(ds < 1e-2 && db < 5e-2);
	model_free(&os, orr);
	vaccel_session_release(&os);
	model_free(ts, tr);
	rtu_session_free(ts);
	free(sc);
	free(bx);
}

/* The same inference on a session of the agent: the same bytes. */
static void test_remote_same(void **state)
{
	struct vaccel_tflite_tensor *o[2][2];
	struct vpc_tensor in;
	struct vpc_geom g;

	if (rtu_nr_sessions() < 2)
		skip();
	prepare("sample1.jpg", &in, &g);
	for (int i = 0; i < 2; i++) {
		struct vaccel_session *s = rtu_session(i);
		struct vaccel_resource *r = model(s, tfl_path);

		assert_int_equal(vaccel_tflite_model_load(s, r), VACCEL_OK);
		assert_int_equal(tfl_run(s, r, &in, o[i]), VACCEL_OK);
		assert_int_equal(vaccel_tflite_model_unload(s, r), VACCEL_OK);
		model_free(s, r);
		rtu_session_free(s);
	}
	for (int k = 0; k < 2; k++) {
		assert_int_equal(o[0][k]->nr_dims, 3);
		assert_memory_equal(o[0][k]->dims, o[1][k]->dims, 12);
		assert_int_equal(o[1][k]->data_type, VACCEL_TFLITE_FLOAT32);
		assert_memory_equal(o[0][k]->data, o[1][k]->data,
				    o[0][k]->size);
	}
	tfl_free(o[0], 2);
	tfl_free(o[1], 2);
	vpc_tensor_release(&in);
}

/* A model that does not load: the error, and nothing kept. */
static void bad_model(struct vaccel_session *s, const char *path)
{
	struct vaccel_resource *r = model(s, path);

	assert_int_equal(vaccel_tflite_model_load(s, r), VACCEL_EINVAL);
	assert_int_equal(vaccel_tflite_model_unload(s, r), VACCEL_EINVAL);
	model_free(s, r);
}

static void bad_models(struct vaccel_session *s)
{
	char *dir = tu_mkdtemp(), *garbage, *truncated;
	size_t len;
	char *m = tu_read_file(tfl_path, &len);

	assert_non_null(dir);
	assert_non_null(m);
	garbage = tu_strf("%s/garbage.tflite", dir);
	truncated = tu_strf("%s/truncated.tflite", dir);
	assert_int_equal(
		tu_write_file(garbage, "not a flatbuffer, not at all", 28), 0);
	assert_int_equal(tu_write_file(truncated, m, len / 3), 0);
	bad_model(s, garbage);
	bad_model(s, truncated);
	/* the unconverted file: fp16 weights behind DEQUANTIZE ops */
	bad_model(s, fp16_path);
	tu_rm_rf(dir);
	free(dir);
	free(garbage);
	free(truncated);
	free(m);
}

static void bad_runs(struct vaccel_session *s)
{
	struct vaccel_resource *r = model(s, tfl_path);
	float *x = calloc(128 * 128 * 3, sizeof(float));
	int32_t dims[4] = { 1, 128, 128, 3 }, flat[2] = { 1, 49152 };
	struct vaccel_tflite_tensor t = { x,	128 * 128 * 3 * 4,    false, 4,
					  dims, VACCEL_TFLITE_FLOAT32 };
	struct vaccel_tflite_tensor *pt = &t, *o[3] = { 0 };
	uint8_t st = 9;

	/* not loaded */
	assert_int_equal(vaccel_tflite_model_run(s, r, &pt, 1, o, 2, &st),
			 VACCEL_EINVAL);
	assert_int_equal(st, 1);
	assert_int_equal(vaccel_tflite_model_load(s, r), VACCEL_OK);
	/* loading twice is fine */
	assert_int_equal(vaccel_tflite_model_load(s, r), VACCEL_OK);
	/* too few / many outputs, inputs */
	assert_int_equal(vaccel_tflite_model_run(s, r, &pt, 1, o, 3, &st),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_tflite_model_run(s, r, &pt, 1, o, 0, &st),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_tflite_model_run(s, r, &pt, 0, o, 2, &st),
			 VACCEL_EINVAL);
	/* wrong size, type, shape */
	t.size -= 4;
	assert_int_equal(vaccel_tflite_model_run(s, r, &pt, 1, o, 2, &st),
			 VACCEL_EINVAL);
	t.size += 4;
	t.data_type = VACCEL_TFLITE_INT32;
	assert_int_equal(vaccel_tflite_model_run(s, r, &pt, 1, o, 2, &st),
			 VACCEL_EINVAL);
	t.data_type = VACCEL_TFLITE_FLOAT32;
	t.nr_dims = 2;
	t.dims = flat;
	assert_int_equal(vaccel_tflite_model_run(s, r, &pt, 1, o, 2, &st),
			 VACCEL_EINVAL);
	assert_null(o[0]);
	/* one output asked: the first (regressors) */
	t.nr_dims = 4;
	t.dims = dims;
	assert_int_equal(vaccel_tflite_model_run(s, r, &pt, 1, o, 1, &st),
			 VACCEL_OK);
	assert_int_equal(st, 0);
	assert_int_equal(o[0]->size, NA * 16 * 4);
	tfl_free(o, 1);
	assert_int_equal(vaccel_tflite_model_unload(s, r), VACCEL_OK);
	assert_int_equal(vaccel_tflite_model_unload(s, r), VACCEL_EINVAL);
	/* TensorFlow (not Lite) has no runtime here: not served */
	struct vaccel_tf_status tst = { 0 };
	assert_int_equal(vaccel_tf_model_load(s, r, &tst), VACCEL_ENOTSUP);
	vaccel_tf_status_release(&tst);
	model_free(s, r);
	free(x);
}

static void bad_inputs(struct vaccel_session *s)
{
	bad_models(s);
	bad_runs(s);
}

static void test_bad_inputs(void **state)
{
	rtu_each(bad_inputs);
}

struct job {
	struct vaccel_session *s;
	struct vaccel_resource *r;
	const struct vpc_tensor *in;
	struct vaccel_tflite_tensor *o[2];
};

static void *run_job(void *arg)
{
	struct job *j = arg;

	return tfl_run(j->s, j->r, j->in, j->o) ? arg : NULL;
}

/* Two threads run one loaded model at once: the same results. */
static void test_threads(void **state)
{
	struct vaccel_session *s = rtu_session(0);
	struct vaccel_resource *r = model(s, tfl_path);
	struct vpc_tensor in;
	struct vpc_geom g;
	struct job j[2] = { { s, r, &in, { 0 } }, { s, r, &in, { 0 } } };
	pthread_t t[2];
	void *res;

	prepare("sample2.jpg", &in, &g);
	assert_int_equal(vaccel_tflite_model_load(s, r), VACCEL_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, run_job, &j[i]),
				 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
	for (int k = 0; k < 2; k++)
		assert_memory_equal(j[0].o[k]->data, j[1].o[k]->data,
				    j[0].o[k]->size);
	tfl_free(j[0].o, 2);
	tfl_free(j[1].o, 2);
	vpc_tensor_release(&in);
	model_free(s, r);
	rtu_session_free(s);
}

static int setup_paths(void)
{
	const char *deps = getenv("VACCEL_DEPS"), *src;
	char path[1024], *text;
	size_t len;
	int ret;

	src = getenv("VACCEL_SOURCE_ROOT");
	snprintf(tfl_path, sizeof(tfl_path),
		 "%s/models/tflite/face_detection_short_range.tflite", deps);
	snprintf(fp16_path, sizeof(fp16_path),
		 "%s/models/mediapipe/face_detection_short_range.tflite", deps);
	snprintf(onnx_path, sizeof(onnx_path),
		 "%s/models/blazeface/face_detection_front_128x128_barracuda"
		 ".onnx",
		 deps);
	if (!tu_exists(tfl_path) || !tu_exists(fp16_path) ||
	    !tu_exists(onnx_path)) {
		printf("skip: %s, %s or %s is missing (run scripts/setup.sh)\n",
		       tfl_path, fp16_path, onnx_path);
		return 77;
	}
	snprintf(path, sizeof(path), "%s/plugins/onnx/models/blazeface.model",
		 src);
	text = tu_read_file(path, &len);
	if (!text)
		return 1;
	ret = vpc_desc_parse(text, len, "blazeface", &desc);
	free(text);
	return ret ? 1 : 0;
}

/* The CLI lists the plugin and the ops it serves. */
static void test_info(void **state)
{
	rtu_check_info(
		"tflite",
		"ops: tflite_model_load tflite_model_unload tflite_model_run");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faces_vs_onnx),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_remote_same),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_threads),
	};
	int ret = setup_paths();

	if (ret)
		return ret;
	if (rtu_setup("tflite", "onnx", NULL))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rtu_teardown();
	vpc_desc_release(&desc);
	return ret;
}
