// SPDX-License-Identifier: Apache-2.0
/* The onnx plugin's DEFAULT image models on real photos (issue 5), through
 * the public API, with no model named anywhere (the VACCEL_ONNX_*_MODEL
 * variables are cleared first):
 *  - detect = centernet (80 COCO classes): darknet's dog.jpg gives a dog in
 *    the lower left, a bicycle in the centre and a car or truck in the upper
 *    right (regions as fractions of the image, with a margin);
 *  - detect + pose = movenet on face-api samples (group photos: MoveNet
 *    follows one person): the keypoints with score >= KP_MIN fall inside one
 *    detected person box (5 % margin), span most of its height, and the head
 *    is above the hips;
 *  - segment = selfie: the mask PNG (returned after the records, decoded
 *    here with stb_image) is >= 0.5
 *    on average in the centre and <= 0.1 in the background corners;
 *  - depth: no default model (ENOTSUP); the synthetic model named by
 *    configuration gives exactly docs/models.md's 1 - blur3x3(luma):
 *    every PNG pixel equals the formula's rounding (pixels within 1e-3 of a
 *    rounding boundary may go either way), statistics within 2e-6;
 *  - a default model whose converted file is missing fails the op with
 *    VACCEL_ENOENT and a log line naming the file and
 *    scripts/convert-models.sh (no fallback to another model).
 * Exits 77 (with the reason) when the converted models or photos are
 * missing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <stb_image.h>
#include <vaccel.h>

#include "onnx_png.h"
#include "tu.h"

/* MoveNet's usual confidence threshold (docs/models.md) */
#define KP_MIN 0.3f

static char deps[1024];

static void *read_image(const char *name, size_t *len, int *w, int *h)
{
	char p[2048];
	void *img;
	int n;

	snprintf(p, sizeof(p), "%s/images/%s", deps, name);
	img = tu_read_all(p, len);
	assert_true(stbi_info_from_memory(img, (int)*len, w, h, &n));
	return img;
}

/* ---- detect ---- */

struct det {
	char label[32];
	float score, x1, y1, x2, y2;
};

/* detect's records: `LABEL SCORE X1 Y1 X2 Y2` per line */
static int parse_dets(const char *text, struct det *d, int max)
{
	int n = 0;

	for (const char *l = text; *l && n < max; l = strchr(l, '\n') + 1) {
		if (*l != '#') {
			assert_int_equal(sscanf(l, "%31s %f %f %f %f %f",
						d[n].label, &d[n].score,
						&d[n].x1, &d[n].y1, &d[n].x2,
						&d[n].y2),
					 6);
			n++;
		}
		if (!strchr(l, '\n'))
			break;
	}
	return n;
}

static int detect(struct vaccel_session *s, const char *photo, struct det *d,
		  int max, int *w, int *h)
{
	unsigned char out[4096];
	size_t len;
	void *img = read_image(photo, &len, w, h);
	int n;

	assert_int_equal(vaccel_image_detection(s, img, out, len, sizeof(out)),
			 VACCEL_OK);
	free(img);
	printf("# detect %s (%dx%d):\n%s", photo, *w, *h, out);
	n = parse_dets((char *)out, d, max);
	for (int i = 0; i < n; i++) {
		assert_true(d[i].score >= 0.3f && d[i].score <= 1);
		assert_true(0 <= d[i].x1 && d[i].x1 < d[i].x2 && d[i].x2 <= *w);
		assert_true(0 <= d[i].y1 && d[i].y1 < d[i].y2 && d[i].y2 <= *h);
		/* best first */
		assert_true(i == 0 || d[i].score <= d[i - 1].score);
	}
	return n;
}

/* Where an object of dog.jpg must be, as fractions of the image: its box
 * centre in `centre`, the whole box within `bounds`, at least `min_w` wide.
 * (Measured: dog 0.16-0.41 x 0.36-0.94, bicycle 0.14-0.73 x 0.22-0.77,
 * car 0.61-0.89 x 0.14-0.29.) */
struct where {
	const char *labels[2];
	float centre[4], bounds[4], min_w;
};

static const struct where dog_jpg[] = {
	{ { "dog", NULL }, { 0, 0.5f, 0.5f, 1 }, { 0, 0.25f, 0.55f, 1 }, 0.1f },
	{ { "bicycle", NULL },
	  { 0.3f, 0.3f, 0.7f, 0.7f },
	  { 0.05f, 0.1f, 0.85f, 0.9f },
	  0.3f },
	{ { "car", "truck" },
	  { 0.55f, 0, 1, 0.4f },
	  { 0.5f, 0, 1, 0.45f },
	  0.1f },
};

static void test_detect_dog(void **state)
{
	struct vaccel_session *s = tu_new_sess("onnx");
	struct det d[100];
	int w, h, n = detect(s, "dog.jpg", d, 100, &w, &h);

	for (size_t k = 0; k < sizeof(dog_jpg) / sizeof(dog_jpg[0]); k++) {
		const struct where *r = &dog_jpg[k];
		const struct det *best = NULL;
		float cx, cy;

		for (int i = 0; i < n && !best; i++)
			if (!strcmp(d[i].label, r->labels[0]) ||
			    (r->labels[1] && !strcmp(d[i].label, r->labels[1])))
				best = &d[i];
		if (!best)
			fail_msg("dog.jpg: no %s%s%s", r->labels[0],
				 r->labels[1] ? " or " : "",
				 r->labels[1] ? r->labels[1] : "");
		cx = (best->x1 + best->x2) / 2 / w;
		cy = (best->y1 + best->y2) / 2 / h;
		printf("# dog.jpg: %s %.2f box %.2f-%.2f x %.2f-%.2f of the "
		       "image, centre %.2f %.2f\n",
		       best->label, best->score, best->x1 / w, best->x2 / w,
		       best->y1 / h, best->y2 / h, cx, cy);
		assert_true(cx >= r->centre[0] && cx <= r->centre[2]);
		assert_true(cy >= r->centre[1] && cy <= r->centre[3]);
		assert_true(best->x1 >= r->bounds[0] * w &&
			    best->y1 >= r->bounds[1] * h &&
			    best->x2 <= r->bounds[2] * w &&
			    best->y2 <= r->bounds[3] * h);
		assert_true(best->x2 - best->x1 >= r->min_w * w);
	}
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

/* ---- detect + pose ---- */

static const char *const kp_names[17] = {
	"nose",	       "left_eye",	"right_eye",	  "left_ear",
	"right_ear",   "left_shoulder", "right_shoulder", "left_elbow",
	"right_elbow", "left_wrist",	"right_wrist",	  "left_hip",
	"right_hip",   "left_knee",	"right_knee",	  "left_ankle",
	"right_ankle",
};

static void person_pose(const char *photo)
{
	struct vaccel_session *s = tu_new_sess("onnx");
	unsigned char out[4096];
	struct det d[100];
	const struct det *box = NULL;
	float x[17], y[17], sc[17], top = 1e9f, bottom = -1e9f, head = -1e9f,
				    hips = 1e9f;
	int w, h, n = detect(s, photo, d, 100, &w, &h), good = 0;
	char *line;
	size_t len;
	void *img = read_image(photo, &len, &w, &h);

	assert_int_equal(vaccel_image_pose(s, img, out, len, sizeof(out)),
			 VACCEL_OK);
	free(img);
	printf("# pose %s:\n%s", photo, out);
	line = (char *)out;
	for (int i = 0; i < 17; i++) {
		char label[32];

		assert_int_equal(sscanf(line, "%31s %f %f %f", label, &x[i],
					&y[i], &sc[i]),
				 4);
		assert_string_equal(label, kp_names[i]);
		line = strchr(line, '\n') + 1;
		if (sc[i] < KP_MIN)
			continue;
		good++;
		top = fminf(top, y[i]);
		bottom = fmaxf(bottom, y[i]);
		if (i <= 4)
			head = fmaxf(head, y[i]); /* the lowest head point */
		if (i == 11 || i == 12)
			hips = fminf(hips, y[i]); /* the highest hip */
	}
	assert_int_equal(*line, '\0');
	assert_true(good >= 8);
	/* the tightest person box that holds every confident keypoint */
	for (int i = 0; i < n; i++) {
		float mx = 0.05f * (d[i].x2 - d[i].x1),
		      my = 0.05f * (d[i].y2 - d[i].y1);
		bool all = !strcmp(d[i].label, "person");

		for (int k = 0; k < 17 && all; k++)
			all = sc[k] < KP_MIN ||
			      (x[k] >= d[i].x1 - mx && x[k] <= d[i].x2 + mx &&
			       y[k] >= d[i].y1 - my && y[k] <= d[i].y2 + my);
		if (all &&
		    (!box || (d[i].x2 - d[i].x1) * (d[i].y2 - d[i].y1) <
				     (box->x2 - box->x1) * (box->y2 - box->y1)))
			box = &d[i];
	}
	if (!box)
		fail_msg("%s: no person box holds the %d keypoints with score "
			 ">= %.1f",
			 photo, good, KP_MIN);
	printf("# %s: %d keypoints >= %.1f inside person %.2f [%.0f %.0f "
	       "%.0f %.0f], spanning %.0f %% of its height\n",
	       photo, good, KP_MIN, box->score, box->x1, box->y1, box->x2,
	       box->y2, 100 * (bottom - top) / (box->y2 - box->y1));
	/* on the person, not a cluster in one spot of the box */
	assert_true(bottom - top >= 0.5f * (box->y2 - box->y1));
	/* upright: the head above the hips */
	assert_true(head < hips || hips > 1e8f);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

static void test_person_pose_sample1(void **state)
{
	person_pose("sample1.jpg");
}

static void test_person_pose_sample3(void **state)
{
	person_pose("sample3.jpg");
}

/* ---- segment ---- */

/* The mean of the mask (0..1) over a region given in fractions. */
static double region_mean(const uint8_t *px, int w, int h, float fx1, float fy1,
			  float fx2, float fy2)
{
	int x1 = (int)(fx1 * w), y1 = (int)(fy1 * h), x2 = (int)(fx2 * w),
	    y2 = (int)(fy2 * h);
	double sum = 0;

	for (int y = y1; y < y2; y++)
		for (int x = x1; x < x2; x++)
			sum += px[(size_t)y * w + x];
	return sum / 255.0 / ((double)(x2 - x1) * (y2 - y1));
}

/* Segment `photo`; the centre (x 0.35-0.65, y 0.3-0.7) is person, the
 * corners (CORNER of each side) named in `bg` ("TL TR BL BR") background. */
#define CORNER 0.1f
static void selfie(const char *photo, const char *bg)
{
	static const struct {
		const char *name;
		float x1, y1;
	} corners[4] = {
		{ "TL", 0, 0 },
		{ "TR", 1 - CORNER, 0 },
		{ "BL", 0, 1 - CORNER },
		{ "BR", 1 - CORNER, 1 - CORNER },
	};
	struct vaccel_session *s = tu_new_sess("onnx");
	unsigned char *out = calloc(1, OTU_OUT_LEN);
	int w, h, pw, ph, above = 0;
	float thr, cov;
	double centre;
	uint8_t *px;
	size_t len;
	void *img = read_image(photo, &len, &w, &h);

	assert_non_null(out);
	assert_int_equal(
		vaccel_image_segmentation(s, img, out, len, OTU_OUT_LEN),
		VACCEL_OK);
	free(img);
	printf("# segment %s:\n%s", photo, out);
	assert_int_equal(sscanf((char *)out,
				"mask %d %d threshold %f coverage %f", &pw, &ph,
				&thr, &cov),
			 4);
	assert_true(pw == w && ph == h);
	assert_true(fabsf(thr - 0.5f) < 1e-6f);
	px = otu_png_gray(out, OTU_OUT_LEN, &pw, &ph);
	free(out);
	assert_true(pw == w && ph == h);
	for (size_t i = 0; i < (size_t)w * h; i++)
		above += px[i] >= 128;
	/* the PNG is the probability x 255: its pixels >= 128 are the ones
	 * above 0.5 (up to rounding) */
	assert_true(fabs((double)above / ((double)w * h) - cov) < 0.01);
	centre = region_mean(px, w, h, 0.35f, 0.3f, 0.65f, 0.7f);
	printf("# %s mask: centre %.3f", photo, centre);
	for (int c = 0; c < 4; c++)
		printf(", %s %.3f", corners[c].name,
		       region_mean(px, w, h, corners[c].x1, corners[c].y1,
				   corners[c].x1 + CORNER,
				   corners[c].y1 + CORNER));
	printf(" (background corners: %s)\n", bg);
	assert_true(centre >= 0.5);
	for (int c = 0; c < 4; c++)
		if (strstr(bg, corners[c].name))
			assert_true(region_mean(px, w, h, corners[c].x1,
						corners[c].y1,
						corners[c].x1 + CORNER,
						corners[c].y1 + CORNER) <= 0.1);
	stbi_image_free(px);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

/* sample4: four women standing in a room, nobody in its corners */
static void test_selfie_sample4(void **state)
{
	selfie("sample4.jpg", "TL TR BL BR");
}

/* sample3: three women on a sofa; its bottom corners are their legs and a
 * cup, so only the top corners are background */
static void test_selfie_sample3(void **state)
{
	selfie("sample3.jpg", "TL TR");
}

/* ---- depth ---- */

static void test_depth_no_default(void **state)
{
	struct vaccel_session *s = tu_new_sess("onnx");
	unsigned char out[256];
	size_t len;
	int w, h;
	void *img = read_image("dog.jpg", &len, &w, &h);

	assert_int_equal(vaccel_image_depth(s, img, out, len, sizeof(out)),
			 VACCEL_ENOTSUP);
	free(img);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

/* VACCEL_ONNX_DEPTH_MODEL=depth-synthetic: depth = 1 - blur(luma), luma =
 * 0.299 R + 0.587 G + 0.114 B of pixel/255, blur = [[1,2,1],[2,4,2],
 * [1,2,1]]/16 with zero padding, same size (docs/models.md); the PNG maps
 * 0..1 to 0..255 (png_range 0 1), rounded. */
static void test_depth_configured(void **state)
{
	struct vaccel_session *s;
	unsigned char *out = calloc(1, OTU_OUT_LEN);
	int w, h, n, pw, ph, wrong = 0, boundary = 0;
	float mn, mx, mean, lo, hi;
	double rmin = 1e9, rmax = -1e9, rsum = 0;
	uint8_t *rgb, *px;
	size_t len;
	void *img = read_image("dog.jpg", &len, &w, &h);

	setenv("VACCEL_ONNX_DEPTH_MODEL", "depth-synthetic", 1);
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	s = tu_new_sess("onnx");
	assert_non_null(out);
	assert_int_equal(vaccel_image_depth(s, img, out, len, OTU_OUT_LEN),
			 VACCEL_OK);
	printf("# depth dog.jpg (depth-synthetic by configuration):\n%s", out);
	assert_int_equal(sscanf((char *)out,
				"depth %d %d min %f max %f mean %f "
				"png_range %f %f",
				&pw, &ph, &mn, &mx, &mean, &lo, &hi),
			 7);
	assert_true(pw == w && ph == h && lo == 0 && hi == 1);
	rgb = stbi_load_from_memory(img, (int)len, &w, &h, &n, 3);
	px = otu_png_gray(out, OTU_OUT_LEN, &pw, &ph);
	free(out);
	assert_non_null(rgb);
	assert_non_null(px);
	assert_true(pw == w && ph == h);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			static const int k[3] = { 1, 2, 1 };
			double blur = 0, d, v;

			for (int dy = -1; dy <= 1; dy++) {
				for (int dx = -1; dx <= 1; dx++) {
					int xx = x + dx, yy = y + dy;
					const uint8_t *q;

					if (xx < 0 || yy < 0 || xx >= w ||
					    yy >= h)
						continue;
					q = rgb + ((size_t)yy * w + xx) * 3;
					blur += k[dx + 1] * k[dy + 1] / 16.0 *
						(0.299 * q[0] / 255.0 +
						 0.587 * q[1] / 255.0 +
						 0.114 * q[2] / 255.0);
				}
			}
			d = 1 - blur;
			rmin = fmin(rmin, d);
			rmax = fmax(rmax, d);
			rsum += d;
			v = fmin(fmax(d, 0), 1) * 255;
			if (fabs(v - floor(v) - 0.5) < 1e-3) {
				/* float32 may round either way */
				boundary++;
				wrong += px[(size_t)y * w + x] !=
						 (int)floor(v) &&
					 px[(size_t)y * w + x] != (int)ceil(v);
			} else {
				wrong +=
					px[(size_t)y * w + x] != (int)lround(v);
			}
		}
	}
	printf("# depth vs the formula: %d of %d pixels differ (%d within "
	       "1e-3 of a rounding boundary); min %.7f/%.7f max %.7f/%.7f "
	       "mean %.7f/%.7f\n",
	       wrong, w * h, boundary, mn, rmin, mx, rmax, mean,
	       rsum / ((double)w * h));
	assert_int_equal(wrong, 0);
	assert_true(fabs(mn - rmin) < 2e-6 && fabs(mx - rmax) < 2e-6);
	assert_true(fabs(mean - rsum / ((double)w * h)) < 2e-6);
	stbi_image_free(rgb);
	stbi_image_free(px);
	free(img);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	unsetenv("VACCEL_ONNX_DEPTH_MODEL");
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
}

/* ---- a default model whose converted file is missing ---- */

static void test_missing_converted(void **state)
{
	char dir[] = "/tmp/vaccel-onnx-deps-XXXXXX", p[2048], q[2048],
	     log[2048];
	static const char *const ops[] = { "detect", "segment", "pose" };
	static const char *const files[] = { "centernet.onnx", "selfie.onnx",
					     "movenet.onnx" };
	struct vaccel_session *s;
	unsigned char out[256];
	size_t len;
	int w, h;
	void *img = read_image("dog.jpg", &len, &w, &h);
	char *text;

	/* a deps directory with ONNX Runtime and the fetched files, without
	 * models/converted (the converter has not run) */
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/onnxruntime", deps);
	snprintf(q, sizeof(q), "%s/onnxruntime", dir);
	assert_int_equal(symlink(p, q), 0);
	snprintf(p, sizeof(p), "%s/data", deps);
	snprintf(q, sizeof(q), "%s/data", dir);
	assert_int_equal(symlink(p, q), 0);
	snprintf(log, sizeof(log), "%s/log", dir);
	setenv("VACCEL_DEPS", dir, 1);
	setenv("VACCEL_LOG_FILE", log, 1);
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	s = tu_new_sess("onnx");
	assert_int_equal(vaccel_image_detection(s, img, out, len, sizeof(out)),
			 VACCEL_ENOENT);
	assert_int_equal(
		vaccel_image_segmentation(s, img, out, len, sizeof(out)),
		VACCEL_ENOENT);
	assert_int_equal(vaccel_image_pose(s, img, out, len, sizeof(out)),
			 VACCEL_ENOENT);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	unsetenv("VACCEL_LOG_FILE");
	setenv("VACCEL_DEPS", deps, 1);
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	text = tu_read_all(log, &len);
	printf("# the log without converted models:\n%s", text);
	for (int i = 0; i < 3; i++) {
		char want[2300];

		snprintf(want, sizeof(want),
			 "%s/models/converted/%s is missing: "
			 "scripts/convert-models.sh creates it",
			 dir, files[i]);
		if (!strstr(text, want))
			fail_msg("%s: no log line '%s'", ops[i], want);
		snprintf(want, sizeof(want), "[onnx] %s: the default %s model",
			 ops[i], ops[i]);
		assert_non_null(strstr(text, want));
	}
	free(text);
	free(img);
	unlink(log);
	snprintf(q, sizeof(q), "%s/onnxruntime", dir);
	unlink(q);
	snprintf(q, sizeof(q), "%s/data", dir);
	unlink(q);
	rmdir(dir);
}

int main(void)
{
	static const char *const env[] = {
		"VACCEL_ONNX_CONFIG",	    "VACCEL_ONNX_CLASSIFY_MODEL",
		"VACCEL_ONNX_DETECT_MODEL", "VACCEL_ONNX_SEGMENT_MODEL",
		"VACCEL_ONNX_POSE_MODEL",   "VACCEL_ONNX_DEPTH_MODEL",
		"VACCEL_ONNX_MODELS_DIR",   "VACCEL_ONNX_OUTPUT_DIR",
	};
	static const char *const need[] = {
		"onnxruntime/lib/libonnxruntime.so.1",
		"data/coco.names",
		"images/dog.jpg",
		"images/sample1.jpg",
		"images/sample3.jpg",
		"images/sample4.jpg",
		"models/converted/centernet.onnx",
		"models/converted/selfie.onnx",
		"models/converted/movenet.onnx",
		"models/converted/depth_synthetic.onnx",
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_dog),
		cmocka_unit_test(test_person_pose_sample1),
		cmocka_unit_test(test_person_pose_sample3),
		cmocka_unit_test(test_selfie_sample4),
		cmocka_unit_test(test_selfie_sample3),
		cmocka_unit_test(test_depth_no_default),
		cmocka_unit_test(test_depth_configured),
		cmocka_unit_test(test_missing_converted),
	};
	const char *e = getenv("VACCEL_DEPS");
	char p[2048];

	snprintf(deps, sizeof(deps), "%s", e && *e ? e : "/opt/vaccel-deps");
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", deps, need[i]);
		if (!tu_exists(p)) {
			printf("skip: %s is missing (scripts/fetch-assets.sh "
			       "fetches the photos, scripts/convert-models.sh "
			       "converts the models)\n",
			       p);
			return 77;
		}
	}
	if (!vaccel_is_initialized()) {
		printf("skip: libvaccel did not bootstrap with the onnx "
		       "plugin\n");
		return 77;
	}
	/* the built-in defaults, whatever the caller's environment says */
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
		unsetenv(env[i]);
	setenv("VACCEL_DEPS", deps, 1);
	if (vaccel_bootstrap()) {
		printf("skip: libvaccel did not bootstrap again\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
