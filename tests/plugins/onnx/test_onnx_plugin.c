// SPDX-License-Identifier: Apache-2.0
/* The onnx plugin through the public API (VACCEL_PLUGINS names the build
 * tree's libvaccel-onnx.so) on real models and images:
 *  - classify: the PP-OCR orientation classifier says 0 for upright text
 *    and 180 for the same text rotated (score > 0.9), on text rendered now
 *    by scripts/make-text-images.py;
 *  - detect: BlazeFace finds a face (> 0.75) in each face-api sample photo
 *    and none in the darknet eagle, giraffe and horses photos;
 *  - segment: the PP-OCRv4 text map covers the text of a page and not its
 *    empty margin (read back from the PNG);
 *    (detect and segment default to COCO CenterNet and selfie, tested in
 *    test_onnx_real.c: main() names BlazeFace and PP-OCRv4 det with
 *    VACCEL_ONNX_DETECT_MODEL / VACCEL_ONNX_SEGMENT_MODEL)
 *  - pose, depth: MoveNet keypoints, the synthetic depth model against its
 *    closed form (converted models: skipped while they are absent);
 *  - MODEL resources (bare .onnx, description + files, bad description),
 *    generic load/run/unload (typed and through genop), output truncation,
 *    concurrent calls, errors.
 * Exits 77 if ONNX Runtime or the fetched models are missing. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <stb_image.h>
#include <vaccel.h>

#include "onnx_png.h"
#include "tu.h"

static char deps[1024], src_root[1024], text_dir[1024];
static bool have_text;

static void path_of(char *out, size_t size, const char *base, const char *rel)
{
	snprintf(out, size, "%s/%s", base, rel);
}

static void *read_image(const char *name, size_t *len)
{
	char p[2048];

	path_of(p, sizeof(p), deps, name);
	return tu_read_all(p, len);
}

/* The first line of `text` split as label and score. */
static void first_record(const char *text, char *label, size_t size,
			 float *score)
{
	char tmp[256];

	if (sscanf(text, "%255s %f", tmp, score) != 2 || strlen(tmp) >= size)
		fail_msg("not a `label score` record: '%s'", text);
	memcpy(label, tmp, strlen(tmp) + 1);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- classify ---- */

static void classify_file(struct vaccel_session *s, const char *path,
			  const char *want)
{
	unsigned char text[256], name[256];
	char label[64];
	size_t len;
	void *img = tu_read_all(path, &len);
	float score;

	assert_int_equal(vaccel_image_classification(s, img, text, name, len,
						     sizeof(text),
						     sizeof(name)),
			 VACCEL_OK);
	first_record((char *)text, label, sizeof(label), &score);
	printf("# classify %s: %s %.4f\n", strrchr(path, '/') + 1, label,
	       score);
	assert_string_equal(label, want);
	assert_true(score > 0.9f);
	/* two records, one per class; the image name holds the top one */
	assert_non_null(strchr(strchr((char *)text, '\n') + 1, '\n'));
	assert_int_equal(strncmp((char *)name, (char *)text,
				 strchr((char *)text, '\n') - (char *)text + 1),
			 0);
	free(img);
}

static void test_classify_text(void **state)
{
	struct vaccel_session *s;
	char p[2048];

	if (!have_text)
		skip();
	s = tu_new_sess("onnx");
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/text%d_0.jpg", text_dir, i);
		classify_file(s, p, "0");
		snprintf(p, sizeof(p), "%s/text%d_180.jpg", text_dir, i);
		classify_file(s, p, "180");
	}
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

static void test_truncation(void **state)
{
	struct vaccel_session *s = tu_new_sess("onnx");
	unsigned char full[1024], out[100], tiny[12], name[8];
	char p[2048], marker[64];
	size_t len;
	void *img;
	int n, k;

	/* sample6: four faces of about 36 bytes each */
	img = read_image("images/sample6.jpg", &len);
	assert_int_equal(
		vaccel_image_detection(s, img, full, len, sizeof(full)),
		VACCEL_OK);
	n = count_lines((char *)full);
	assert_true(n >= 3);
	memset(out, 'x', sizeof(out));
	assert_int_equal(vaccel_image_detection(s, img, out, len, sizeof(out)),
			 VACCEL_OK);
	free(img);
	/* whole records, then the marker, within the buffer */
	k = count_lines((char *)out) - 1;
	assert_true(k >= 1 && k < n);
	assert_true(strlen((char *)out) < sizeof(out));
	assert_int_equal(strncmp((char *)out, (char *)full,
				 strlen((char *)out) -
					 strlen(strrchr((char *)out, '#'))),
			 0);
	snprintf(marker, sizeof(marker), "# truncated %d of %d\n", k, n);
	assert_string_equal(strrchr((char *)out, '#'), marker);
	if (!have_text) {
		vaccel_session_delete(s);
		return;
	}
	/* classify: 12 bytes hold one record, not the marker; 8 bytes hold
	 * nothing but an empty, terminated string */
	snprintf(p, sizeof(p), "%s/text0_0.jpg", text_dir);
	img = tu_read_all(p, &len);
	memset(name, 'x', sizeof(name));
	assert_int_equal(vaccel_image_classification(s, img, tiny, name, len,
						     sizeof(tiny),
						     sizeof(name)),
			 VACCEL_OK);
	assert_int_equal(strlen((char *)tiny), 9);
	assert_int_equal(strncmp((char *)tiny, "0 ", 2), 0);
	assert_int_equal(tiny[8], '\n');
	assert_int_equal(name[0], '\0');
	assert_int_equal(name[1], 'x');
	vaccel_session_delete(s);
	free(img);
}

/* ---- detect ---- */

static void test_detect_faces(void **state)
{
	struct vaccel_session *s;

	s = tu_new_sess("onnx");
	for (int i = 1; i <= 6; i++) {
		unsigned char out[1024];
		char name[64], label[16];
		float score, x1, y1, x2, y2;
		int w, h, n;
		size_t len;
		void *img;

		snprintf(name, sizeof(name), "images/sample%d.jpg", i);
		img = read_image(name, &len);
		assert_true(stbi_info_from_memory(img, (int)len, &w, &h, &n));
		assert_int_equal(
			vaccel_image_detection(s, img, out, len, sizeof(out)),
			VACCEL_OK);
		printf("# detect %s: %d face(s), best: %.*s", name,
		       count_lines((char *)out),
		       (int)strcspn((char *)out, "\n") + 1, out);
		assert_int_equal(sscanf((char *)out, "%15s %f %f %f %f %f",
					label, &score, &x1, &y1, &x2, &y2),
				 6);
		assert_string_equal(label, "face");
		assert_true(score > 0.75f);
		/* a plausible face box inside the photo */
		assert_true(0 <= x1 && x1 < x2 && x2 <= w);
		assert_true(0 <= y1 && y1 < y2 && y2 <= h);
		assert_true(x2 - x1 > 50 && x2 - x1 < w / 2);
		free(img);
	}
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

static void test_detect_no_faces(void **state)
{
	static const char *const photos[] = { "images/eagle.jpg",
					      "images/giraffe.jpg",
					      "images/horses.jpg" };
	struct vaccel_session *s;

	s = tu_new_sess("onnx");
	for (int i = 0; i < 3; i++) {
		unsigned char out[256];
		size_t len;
		void *img = read_image(photos[i], &len);

		memset(out, 'x', sizeof(out));
		assert_int_equal(
			vaccel_image_detection(s, img, out, len, sizeof(out)),
			VACCEL_OK);
		printf("# detect %s: '%s'\n", photos[i], out);
		assert_string_equal((char *)out, "");
		free(img);
	}
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

/* ---- segment ---- */

struct box {
	int x1, y1, x2, y2;
};

static double mean_in(const uint8_t *px, int w, struct box b)
{
	double sum = 0;

	for (int y = b.y1; y < b.y2; y++)
		for (int x = b.x1; x < b.x2; x++)
			sum += px[y * w + x];
	return sum / ((double)(b.x2 - b.x1) * (b.y2 - b.y1));
}

static int max_in(const uint8_t *px, int w, struct box b)
{
	int m = 0;

	for (int y = b.y1; y < b.y2; y++)
		for (int x = b.x1; x < b.x2; x++)
			m = px[y * w + x] > m ? px[y * w + x] : m;
	return m;
}

/* Segment page.png into `out` (OTU_OUT_LEN bytes) and check the records
 * and the PNG after them. */
static void segment_page(struct vaccel_session *s, unsigned char *out)
{
	struct box text, margin, bb;
	char p[2048];
	float thr, cov;
	int w, h;
	uint8_t *px;
	FILE *f;
	size_t len;
	void *img;

	snprintf(p, sizeof(p), "%s/page.txt", text_dir);
	f = fopen(p, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "text %d %d %d %d margin %d %d %d %d",
				&text.x1, &text.y1, &text.x2, &text.y2,
				&margin.x1, &margin.y1, &margin.x2, &margin.y2),
			 8);
	fclose(f);
	snprintf(p, sizeof(p), "%s/page.png", text_dir);
	img = tu_read_all(p, &len);
	assert_int_equal(
		vaccel_image_segmentation(s, img, out, len, OTU_OUT_LEN),
		VACCEL_OK);
	free(img);
	printf("# segment page.png:\n%s", out);
	assert_int_equal(sscanf((char *)out,
				"mask %d %d threshold %f coverage "
				"%f\nbbox %d %d %d %d",
				&w, &h, &thr, &cov, &bb.x1, &bb.y1, &bb.x2,
				&bb.y2),
			 8);
	assert_true(w == 640 && h == 480);
	/* the text covers part of the block, nothing of the page outside */
	assert_true(cov > 0.01f && cov < 0.3f);
	assert_true(bb.x1 >= text.x1 - 8 && bb.y1 >= text.y1 - 8 &&
		    bb.x2 <= text.x2 + 8 && bb.y2 <= text.y2 + 8);
	assert_true(bb.x2 - bb.x1 > (text.x2 - text.x1) / 2);
	px = otu_png_gray(out, OTU_OUT_LEN, &w, &h);
	assert_true(w == 640 && h == 480);
	printf("# text block mean %.1f, margin max %d (of 255)\n",
	       mean_in(px, w, text), max_in(px, w, margin));
	assert_true(mean_in(px, w, text) > 40);
	assert_true(max_in(px, w, margin) < 26);
	stbi_image_free(px);
}

/* The mask comes back in the buffer; no file is left anywhere of the
 * session's. */
static void test_segment_text(void **state)
{
	unsigned char *out = calloc(1, OTU_OUT_LEN);
	struct vaccel_session *s;
	int entries = 0;

	if (!have_text)
		skip();
	assert_non_null(out);
	s = tu_new_sess("onnx");
	segment_page(s, out);
	for (DIR *d = opendir(s->rundir); d;) {
		struct dirent *e = readdir(d);

		if (!e) {
			closedir(d);
			break;
		}
		entries += e->d_name[0] != '.';
	}
	assert_int_equal(entries, 0);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	free(out);
}

/* A buffer too small for the PNG: the records, then the line saying how
 * big a buffer is needed (OK, as any truncation); that size is enough. */
static void test_segment_small_buffer(void **state)
{
	unsigned char *out = calloc(1, OTU_OUT_LEN), *again;
	struct vaccel_session *s;
	size_t len, png_len, need;
	char p[2048];
	void *img;

	if (!have_text)
		skip();
	assert_non_null(out);
	s = tu_new_sess("onnx");
	segment_page(s, out);
	otu_png(out, OTU_OUT_LEN, &png_len);
	snprintf(p, sizeof(p), "%s/page.png", text_dir);
	img = tu_read_all(p, &len);
	again = calloc(1, 4096);
	assert_non_null(again);
	assert_int_equal(vaccel_image_segmentation(s, img, again, len, 4096),
			 VACCEL_OK);
	const char *note = strstr((char *)again, "# png ");
	assert_non_null(note);
	assert_int_equal(sscanf(note, "# png %zu needs a buffer of %zu bytes",
				&png_len, &need),
			 2);
	assert_int_equal(strncmp((char *)again, (char *)out,
				 (size_t)(note - (char *)again)),
			 0);
	free(again);
	again = calloc(1, need);
	assert_non_null(again);
	assert_int_equal(vaccel_image_segmentation(s, img, again, len, need),
			 VACCEL_OK);
	assert_memory_equal(again, out, need);
	free(again);
	free(img);
	free(out);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

/* ---- pose ---- */

static void test_pose(void **state)
{
	static const char *const names[17] = {
		"nose",	       "left_eye",	"right_eye",	  "left_ear",
		"right_ear",   "left_shoulder", "right_shoulder", "left_elbow",
		"right_elbow", "left_wrist",	"right_wrist",	  "left_hip",
		"right_hip",   "left_knee",	"right_knee",	  "left_ankle",
		"right_ankle",
	};
	struct vaccel_session *s;
	unsigned char out[1024];
	char p[2048], *line;
	float x[17], y[17], sc[17];
	size_t len;
	void *img;

	path_of(p, sizeof(p), deps, "models/converted/movenet.onnx");
	if (!tu_exists(p)) {
		printf("# skipped: %s not converted yet\n", p);
		skip();
	}
	img = read_image("images/person.jpg", &len); /* 640 x 424 */
	s = tu_new_sess("onnx");
	assert_int_equal(vaccel_image_pose(s, img, out, len, sizeof(out)),
			 VACCEL_OK);
	printf("# pose person.jpg:\n%s", out);
	line = (char *)out;
	for (int i = 0; i < 17; i++) {
		char label[32];

		assert_int_equal(sscanf(line, "%31s %f %f %f", label, &x[i],
					&y[i], &sc[i]),
				 4);
		assert_string_equal(label, names[i]);
		assert_true(x[i] >= 0 && x[i] <= 640 && y[i] >= 0 &&
			    y[i] <= 424);
		assert_true(sc[i] >= 0 && sc[i] <= 1);
		line = strchr(line, '\n') + 1;
	}
	assert_int_equal(*line, '\0');
	/* a standing person: head above shoulders above hips above ankles,
	 * all on the person at the left of the photo (x 150..300) */
	assert_true(y[0] < y[5] && y[5] < y[11] && y[11] < y[15]);
	for (int i = 0; i < 17; i++)
		assert_true(x[i] > 150 && x[i] < 300);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	free(img);
}

/* ---- depth ---- */

static void test_depth_not_configured(void **state)
{
	struct vaccel_session *s;
	unsigned char out[128];
	size_t len;
	void *img = read_image("images/dog.jpg", &len);

	s = tu_new_sess("onnx");
	assert_int_equal(vaccel_image_depth(s, img, out, len, sizeof(out)),
			 VACCEL_ENOTSUP);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	free(img);
}

/* depth-synthetic as a MODEL resource (its description and its network),
 * against 1 - blur3x3(luma) recomputed here from the decoded photo. */
static void test_depth_resource(void **state)
{
	const char *paths[2];
	char desc[2048], net[2048];
	struct vaccel_resource res;
	struct vaccel_session *s;
	unsigned char *out = calloc(1, OTU_OUT_LEN);
	int w, h, n, pw, ph, bad = 0, maxdiff = 0;
	float mn, mx, mean;
	double rmin = 1e9, rmax = -1e9, rsum = 0;
	uint8_t *rgb, *px;
	size_t len;
	void *img;

	path_of(net, sizeof(net), deps,
		"models/converted/depth_synthetic.onnx");
	if (!tu_exists(net)) {
		printf("# skipped: %s not converted yet\n", net);
		skip();
	}
	path_of(desc, sizeof(desc), src_root,
		"plugins/onnx/models/depth-synthetic.model");
	paths[0] = desc;
	paths[1] = net;
	img = read_image("images/dog.jpg", &len);
	s = tu_new_sess("onnx");
	assert_int_equal(vaccel_resource_init_multi(&res, paths, 2,
						    VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
	assert_non_null(out);
	assert_int_equal(vaccel_image_depth(s, img, out, len, OTU_OUT_LEN),
			 VACCEL_OK);
	printf("# depth dog.jpg (synthetic model):\n%s", out);
	assert_int_equal(sscanf((char *)out,
				"depth %d %d min %f max %f mean %f", &pw, &ph,
				&mn, &mx, &mean),
			 5);
	rgb = stbi_load_from_memory(img, (int)len, &w, &h, &n, 3);
	assert_non_null(rgb);
	px = otu_png_gray(out, OTU_OUT_LEN, &pw, &ph);
	free(out);
	assert_true(pw == w && ph == h);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			static const int k[3] = { 1, 2, 1 };
			double blur = 0, d;
			int diff;

			for (int dy = -1; dy <= 1; dy++) {
				for (int dx = -1; dx <= 1; dx++) {
					int xx = x + dx, yy = y + dy;
					const uint8_t *q;

					if (xx < 0 || yy < 0 || xx >= w ||
					    yy >= h)
						continue;
					q = rgb + ((size_t)yy * w + xx) * 3;
					blur += k[dx + 1] * k[dy + 1] *
						(0.299 * q[0] + 0.587 * q[1] +
						 0.114 * q[2]) /
						255.0 / 16.0;
				}
			}
			d = 1 - blur;
			rmin = fmin(rmin, d);
			rmax = fmax(rmax, d);
			rsum += d;
			diff = abs(px[(size_t)y * w + x] -
				   (int)lround(fmin(fmax(d, 0), 1) * 255));
			maxdiff = diff > maxdiff ? diff : maxdiff;
			bad += diff > 1;
		}
	}
	printf("# depth vs closed form: max |PNG diff| %d, min %.6f/%.6f, max "
	       "%.6f/%.6f, mean %.6f/%.6f\n",
	       maxdiff, mn, rmin, mx, rmax, mean, rsum / ((double)w * h));
	assert_true(maxdiff <= 1);
	assert_true(fabs(mn - rmin) < 1e-4 && fabs(mx - rmax) < 1e-4);
	assert_true(fabs(mean - rsum / ((double)w * h)) < 1e-4);
	stbi_image_free(rgb);
	stbi_image_free(px);
	assert_int_equal(vaccel_resource_unregister(&res, s), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	free(img);
}

/* ---- MODEL resources ---- */

/* A bare .onnx that a shipped description names serves detect. Named
 * models replace the defaults: classify then fails with a reason naming the
 * face model, and runs its default again once the model is unregistered. */
static void test_resource_bare_onnx(void **state)
{
	struct vaccel_resource res;
	struct vaccel_session *s;
	unsigned char out[1024], text[128];
	char p[2048];
	size_t len;
	void *img = read_image("images/sample3.jpg", &len);

	path_of(p, sizeof(p), deps,
		"models/blazeface/face_detection_front_128x128_barracuda.onnx");
	s = tu_new_sess("onnx");
	assert_int_equal(vaccel_resource_init(&res, p, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
	assert_int_equal(vaccel_image_detection(s, img, out, len, sizeof(out)),
			 VACCEL_OK);
	assert_int_equal(strncmp((char *)out, "face 0.", 7), 0);
	assert_int_equal(vaccel_image_classification(s, img, text, NULL, len,
						     sizeof(text), 0),
			 VACCEL_EINVAL);
	printf("# classify with a face model registered: %s\n",
	       vaccel_last_error());
	assert_non_null(strstr(vaccel_last_error(),
			       "classify: the session's model resources do "
			       "not serve classify"));
	assert_non_null(strstr(vaccel_last_error(),
			       "(face_detection_front_128x128_barracuda.onnx) "
			       "is the detect model blazeface"));
	assert_int_equal(vaccel_resource_unregister(&res, s), VACCEL_OK);
	assert_int_equal(vaccel_image_classification(s, img, text, NULL, len,
						     sizeof(text), 0),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	free(img);
}

/* Register `path` (or `bytes` as a file named `name`) as the session's
 * only model and run detect on sample3: the result code; the reason is
 * vaccel_last_error(). */
static int detect_with(const char *path, const char *bytes, const char *name)
{
	struct vaccel_resource res;
	struct vaccel_session *s = tu_new_sess("onnx");
	unsigned char out[1024];
	size_t len;
	void *img = read_image("images/sample3.jpg", &len);
	int ret;

	if (path)
		assert_int_equal(
			vaccel_resource_init(&res, path, VACCEL_RESOURCE_MODEL),
			VACCEL_OK);
	else
		assert_int_equal(vaccel_resource_init_from_buf(
					 &res, bytes, strlen(bytes),
					 VACCEL_RESOURCE_MODEL, name, false),
				 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
	ret = vaccel_image_detection(s, img, out, len, sizeof(out));
	printf("# detect with %s: %d %s\n", path ? path : name, ret,
	       ret ? vaccel_last_error() : (char *)out);
	char *reason = strdup(vaccel_last_error());
	assert_int_equal(vaccel_resource_unregister(&res, s), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	free(img);
	/* the reason survives the calls above only because it was copied */
	vaccel_fail(ret, "%s", reason);
	free(reason);
	return ret;
}

/* The model asked for runs, or the op fails naming it: garbage bytes, a
 * network without a description, a pose model given to detect; a
 * TorchScript model (another runtime's) is not taken for an image model. */
static void test_resource_wrong_models(void **state)
{
	/* a model file under $VACCEL_DEPS (skipped when absent): the reason
	 * detect gives with it, and its result */
	static const struct {
		const char *file, *reason;
		int ret;
	} cases[] = {
		{ "models/converted/linear_fixed.onnx",
		  "(linear_fixed.onnx) is a network without a model "
		  "description",
		  VACCEL_EINVAL },
		{ "models/converted/movenet.onnx",
		  "(movenet.onnx) is the pose model movenet", VACCEL_EINVAL },
		{ "models/converted/linear_fixed.pt", "", VACCEL_OK },
	};
	char p[2048];

	assert_int_equal(detect_with(NULL, "garbage bytes", "garbage.onnx"),
			 VACCEL_EINVAL);
	assert_non_null(
		strstr(vaccel_last_error(),
		       "(garbage.onnx) cannot be loaded: cannot load the "
		       "network garbage.onnx"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path_of(p, sizeof(p), deps, cases[i].file);
		if (!tu_exists(p))
			continue;
		assert_int_equal(detect_with(p, NULL, NULL), cases[i].ret);
		if (cases[i].ret)
			assert_non_null(
				strstr(vaccel_last_error(), cases[i].reason));
	}
}

/* A description given as an in-memory blob with the network as a file
 * blob: own labels and top_k. */
static void test_resource_blobs(void **state)
{
	static const char text_desc[] =
		"task = classify\n"
		"file = ch_ppocr_mobile_v2.0_cls_infer.onnx\n"
		"size = 192x48\nchannels = bgr\nresize = fit_height\n"
		"mean = 0.5\nstd = 0.5\n"
		"labels = upright upside_down\ntop_k = 1\n";
	struct vaccel_blob *blobs[2];
	struct vaccel_resource res;
	struct vaccel_session *s;
	unsigned char text[128];
	char p[2048], label[32];
	float score;
	size_t len;
	void *img;

	if (!have_text)
		skip();
	path_of(p, sizeof(p), deps,
		"models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx");
	assert_int_equal(vaccel_blob_from_buf(&blobs[0],
					      (const uint8_t *)text_desc,
					      sizeof(text_desc) - 1, true,
					      "mine.model", NULL, false),
			 VACCEL_OK);
	assert_int_equal(vaccel_blob_new(&blobs[1], p), VACCEL_OK);
	assert_int_equal(vaccel_resource_init_from_blobs(
				 &res, (const struct vaccel_blob **)blobs, 2,
				 VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	s = tu_new_sess("onnx");
	assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
	snprintf(p, sizeof(p), "%s/text2_180.jpg", text_dir);
	img = tu_read_all(p, &len);
	assert_int_equal(vaccel_image_classification(s, img, text, NULL, len,
						     sizeof(text), 0),
			 VACCEL_OK);
	first_record((char *)text, label, sizeof(label), &score);
	assert_string_equal(label, "upside_down");
	assert_true(score > 0.9f);
	assert_int_equal(count_lines((char *)text), 1);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
	vaccel_blob_delete(blobs[0]);
	vaccel_blob_delete(blobs[1]);
	free(img);
}

static void test_resource_bad_description(void **state)
{
	static const char bad[] = "task = classify\nfile = x.onnx\n"
				  "colour = blue\n";
	static const char missing[] = "task = classify\nfile = nowhere.onnx\n";
	/* a description from a resource may not reach other host files */
	static const char *const escaping[] = {
		"task = classify\nfile = /opt/vaccel-deps/models/ppocr/"
		"ch_ppocr_mobile_v2.0_cls_infer.onnx\n",
		"task = classify\nfile = ../../x.onnx\n",
		"task = classify\nfile = models/ppocr/"
		"ch_ppocr_mobile_v2.0_cls_infer.onnx\nlabels_file = "
		"/etc/passwd\n",
	};
	struct vaccel_resource res;
	struct vaccel_session *s;
	unsigned char text[64];
	size_t len;
	void *img = read_image("images/dog.jpg", &len);

	s = tu_new_sess("onnx");
	assert_int_equal(vaccel_resource_init_from_buf(
				 &res, bad, sizeof(bad) - 1,
				 VACCEL_RESOURCE_MODEL, "bad.model", false),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
	assert_int_equal(vaccel_image_classification(s, img, text, NULL, len,
						     sizeof(text), 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
	assert_int_equal(vaccel_resource_init_from_buf(
				 &res, missing, sizeof(missing) - 1,
				 VACCEL_RESOURCE_MODEL, "missing.model", false),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
	assert_int_equal(vaccel_image_classification(s, img, text, NULL, len,
						     sizeof(text), 0),
			 VACCEL_ENOENT);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vaccel_resource_init_from_buf(
					 &res, escaping[i], strlen(escaping[i]),
					 VACCEL_RESOURCE_MODEL, "esc.model",
					 false),
				 VACCEL_OK);
		assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
		assert_int_equal(vaccel_image_classification(s, img, text, NULL,
							     len, sizeof(text),
							     0),
				 VACCEL_EPERM);
		assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
	}
	/* without them the default model answers again */
	assert_int_equal(vaccel_image_classification(s, img, text, NULL, len,
						     sizeof(text), 0),
			 VACCEL_OK);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	free(img);
}

/* ---- generic model ops ---- */

static void ppocr_resource(struct vaccel_resource *res)
{
	char p[2048];

	path_of(p, sizeof(p), deps,
		"models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx");
	assert_int_equal(vaccel_resource_init(res, p, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
}

static void test_generic_run(void **state)
{
	int64_t dims[4] = { 1, 3, 48, 192 }, bad_dims[4] = { 1, 4, 48, 192 };
	static float data[3 * 48 * 192], bad_data[4 * 48 * 192];
	struct vaccel_onnx_tensor in, *pin = &in, bad, *pbad = &bad;
	struct vaccel_onnx_tensor *out[2] = { NULL, NULL };
	struct vaccel_resource res;
	struct vaccel_session *s;
	const float *p;

	s = tu_new_sess("onnx");
	ppocr_resource(&res);
	assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
	/* not loaded yet */
	assert_int_equal(
		vaccel_onnx_tensor_init(&in, 4, dims, VACCEL_ONNX_FLOAT),
		VACCEL_OK);
	assert_int_equal(vaccel_onnx_tensor_set_data(&in, data, sizeof(data)),
			 VACCEL_OK);
	assert_int_equal(vaccel_onnx_model_run(s, &res, &pin, 1, out, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_onnx_model_load(s, &res), VACCEL_OK);
	assert_int_equal(vaccel_onnx_model_load(s, &res), VACCEL_OK);
	/* a grey image (all zeros after normalisation): two probabilities */
	assert_int_equal(vaccel_onnx_model_run(s, &res, &pin, 1, out, 1),
			 VACCEL_OK);
	assert_non_null(out[0]);
	assert_int_equal(out[0]->data_type, VACCEL_ONNX_FLOAT);
	assert_int_equal(out[0]->nr_dims, 2);
	assert_true(out[0]->dims[0] == 1 && out[0]->dims[1] == 2);
	assert_int_equal(out[0]->size, 2 * sizeof(float));
	p = out[0]->data;
	assert_true(p[0] >= 0 && p[1] >= 0 && fabsf(p[0] + p[1] - 1) < 1e-5f);
	vaccel_onnx_tensor_delete(out[0]);
	out[0] = NULL;
	/* wrong channel count, wrong type, wrong size, too many outputs */
	assert_int_equal(
		vaccel_onnx_tensor_init(&bad, 4, bad_dims, VACCEL_ONNX_FLOAT),
		VACCEL_OK);
	assert_int_equal(
		vaccel_onnx_tensor_set_data(&bad, bad_data, sizeof(bad_data)),
		VACCEL_OK);
	assert_int_equal(vaccel_onnx_model_run(s, &res, &pbad, 1, out, 1),
			 VACCEL_EINVAL);
	vaccel_onnx_tensor_release(&bad);
	assert_int_equal(
		vaccel_onnx_tensor_init(&bad, 4, dims, VACCEL_ONNX_DOUBLE),
		VACCEL_OK);
	assert_int_equal(
		vaccel_onnx_tensor_set_data(&bad, bad_data, sizeof(data) * 2),
		VACCEL_OK);
	assert_int_equal(vaccel_onnx_model_run(s, &res, &pbad, 1, out, 1),
			 VACCEL_EINVAL);
	vaccel_onnx_tensor_release(&bad);
	assert_int_equal(
		vaccel_onnx_tensor_init(&bad, 4, dims, VACCEL_ONNX_FLOAT),
		VACCEL_OK);
	assert_int_equal(
		vaccel_onnx_tensor_set_data(&bad, data, sizeof(data) - 4),
		VACCEL_OK);
	assert_int_equal(vaccel_onnx_model_run(s, &res, &pbad, 1, out, 1),
			 VACCEL_EINVAL);
	vaccel_onnx_tensor_release(&bad);
	assert_int_equal(vaccel_onnx_model_run(s, &res, &pin, 1, out, 2),
			 VACCEL_EINVAL);
	assert_null(out[0]);
	assert_int_equal(vaccel_onnx_model_unload(s, &res), VACCEL_OK);
	assert_int_equal(vaccel_onnx_model_unload(s, &res), VACCEL_EINVAL);
	assert_int_equal(vaccel_onnx_model_run(s, &res, &pin, 1, out, 1),
			 VACCEL_EINVAL);
	vaccel_onnx_tensor_release(&in);
	/* loaded and never unloaded: freed with the session */
	assert_int_equal(vaccel_onnx_model_load(s, &res), VACCEL_OK);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
}

/* linear_fixed: y = W x + b with known weights (scripts/convert). */
static void test_generic_linear(void **state)
{
	int64_t dims[2] = { 1, 4 };
	float x[4] = { 1, 2, 3, 4 };
	struct vaccel_onnx_tensor in, *pin = &in, *out = NULL;
	struct vaccel_resource res;
	struct vaccel_session *s;
	char p[2048];
	const float *y;

	path_of(p, sizeof(p), deps, "models/converted/linear_fixed.onnx");
	if (!tu_exists(p)) {
		printf("# skipped: %s not converted yet\n", p);
		skip();
	}
	s = tu_new_sess("onnx");
	assert_int_equal(vaccel_resource_init(&res, p, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
	assert_int_equal(vaccel_onnx_model_load(s, &res), VACCEL_OK);
	vaccel_onnx_tensor_init(&in, 2, dims, VACCEL_ONNX_FLOAT);
	vaccel_onnx_tensor_set_data(&in, x, sizeof(x));
	assert_int_equal(vaccel_onnx_model_run(s, &res, &pin, 1, &out, 1),
			 VACCEL_OK);
	assert_true(out->nr_dims == 2 && out->dims[1] == 3);
	y = out->data;
	/* W = [[1,0,-1,2],[0,1,1,0],[3,-2,0,1]], b = [1,-1,0.5] */
	assert_true(y[0] == 7.0f && y[1] == 4.0f && y[2] == 3.5f);
	vaccel_onnx_tensor_delete(out);
	vaccel_onnx_tensor_release(&in);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
}

/* load / run / unload through genop (layout: docs/genop.md). */
static void test_generic_genop(void **state)
{
	static float data[3 * 48 * 192];
	int64_t dims[4] = { 1, 3, 48, 192 }, meta[2 + 4], id;
	int32_t dtype = VACCEL_ONNX_FLOAT;
	float probs[2];
	uint8_t op;
	struct vaccel_arg rd[5], wr[2];
	struct vaccel_resource res;
	struct vaccel_session *s;

	s = tu_new_sess("onnx");
	ppocr_resource(&res);
	assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
	id = res.id;
	vaccel_arg_init_from_buf(&rd[0], &op, 1, VACCEL_ARG_UINT8, 0);
	vaccel_arg_init_from_buf(&rd[1], &id, sizeof(id), VACCEL_ARG_INT64, 0);
	op = VACCEL_OP_ONNX_MODEL_LOAD;
	assert_int_equal(vaccel_genop(s, rd, 2, NULL, 0), VACCEL_OK);
	op = VACCEL_OP_ONNX_MODEL_RUN;
	vaccel_arg_init_from_buf(&rd[2], &dtype, sizeof(dtype),
				 VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&rd[3], dims, sizeof(dims),
				 VACCEL_ARG_INT64_ARRAY, 0);
	vaccel_arg_init_from_buf(&rd[4], data, sizeof(data), VACCEL_ARG_BUFFER,
				 0);
	vaccel_arg_init_from_buf(&wr[0], meta, sizeof(meta),
				 VACCEL_ARG_INT64_ARRAY, 0);
	vaccel_arg_init_from_buf(&wr[1], probs, sizeof(probs),
				 VACCEL_ARG_BUFFER, 0);
	assert_int_equal(vaccel_genop(s, rd, 5, wr, 2), VACCEL_OK);
	assert_true(meta[0] == VACCEL_ONNX_FLOAT && meta[1] == 2 &&
		    meta[2] == 1 && meta[3] == 2);
	assert_true(fabsf(probs[0] + probs[1] - 1) < 1e-5f);
	op = VACCEL_OP_ONNX_MODEL_UNLOAD;
	assert_int_equal(vaccel_genop(s, rd, 2, NULL, 0), VACCEL_OK);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
}

/* classify and detect through genop */
static void test_image_genop(void **state)
{
	unsigned char name[256], text[256], out[512];
	struct vaccel_arg rd[2], wr[2];
	struct vaccel_session *s;
	uint8_t op = VACCEL_OP_IMAGE_CLASSIFY;
	size_t len;
	char p[2048];
	void *img;

	s = tu_new_sess("onnx");
	vaccel_arg_init_from_buf(&rd[0], &op, 1, VACCEL_ARG_UINT8, 0);
	if (have_text) {
		snprintf(p, sizeof(p), "%s/text3_0.jpg", text_dir);
		img = tu_read_all(p, &len);
		vaccel_arg_init_from_buf(&rd[1], img, len, VACCEL_ARG_BUFFER,
					 0);
		vaccel_arg_init_from_buf(&wr[0], name, sizeof(name),
					 VACCEL_ARG_UCHAR_ARRAY, 0);
		vaccel_arg_init_from_buf(&wr[1], text, sizeof(text),
					 VACCEL_ARG_UCHAR_ARRAY, 0);
		assert_int_equal(vaccel_genop(s, rd, 2, wr, 2), VACCEL_OK);
		assert_int_equal(strncmp((char *)text, "0 ", 2), 0);
		assert_int_equal(strncmp((char *)name, "0 ", 2), 0);
		free(img);
	}
	img = read_image("images/sample5.jpg", &len);
	op = VACCEL_OP_IMAGE_DETECT;
	vaccel_arg_init_from_buf(&rd[1], img, len, VACCEL_ARG_BUFFER, 0);
	vaccel_arg_init_from_buf(&wr[0], out, sizeof(out),
				 VACCEL_ARG_UCHAR_ARRAY, 0);
	assert_int_equal(vaccel_genop(s, rd, 2, wr, 1), VACCEL_OK);
	assert_int_equal(strncmp((char *)out, "face 0.", 7), 0);
	free(img);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

/* ---- configuration ---- */

/* VACCEL_ONNX_CONFIG, its override by the environment, "none", and a
 * library that cannot be loaded (the plugin's load fails). */
static void test_configuration(void **state)
{
	char dir[] = "/tmp/vaccel-onnx-cfg-XXXXXX", cfg[256];
	struct vaccel_session *s;
	unsigned char out[1024], *big = calloc(1, OTU_OUT_LEN);
	size_t len;
	void *img;
	FILE *f;

	if (!have_text)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(cfg, sizeof(cfg), "%s/onnx.conf", dir);
	f = fopen(cfg, "w");
	assert_non_null(f);
	/* output_dir: an old key, now ignored (with a warning) */
	fprintf(f, "# test configuration\n"
		   "output_dir = /nonexistent\n"
		   "threads = 1\n"
		   "detect = blazeface-back\n"
		   "segment = ppocr-det\n"
		   "pose = none\n");
	fclose(f);
	setenv("VACCEL_ONNX_CONFIG", cfg, 1);
	/* the file's choices, not main()'s environment */
	unsetenv("VACCEL_ONNX_DETECT_MODEL");
	unsetenv("VACCEL_ONNX_SEGMENT_MODEL");
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	s = tu_new_sess("onnx");
	img = read_image("images/sample3.jpg", &len);
	/* the full-range model finds the faces too */
	assert_int_equal(vaccel_image_detection(s, img, out, len, sizeof(out)),
			 VACCEL_OK);
	printf("# blazeface-back on sample3: %s", out);
	assert_int_equal(strncmp((char *)out, "face 0.", 7), 0);
	assert_int_equal(vaccel_image_pose(s, img, out, len, sizeof(out)),
			 VACCEL_ENOTSUP);
	segment_page(s, big);
	vaccel_session_delete(s);
	/* the environment wins over the file */
	setenv("VACCEL_ONNX_POSE_MODEL", "movenet", 1);
	setenv("VACCEL_ONNX_SEGMENT_MODEL", "none", 1);
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	s = tu_new_sess("onnx");
	assert_int_equal(
		vaccel_image_segmentation(s, img, big, len, OTU_OUT_LEN),
		VACCEL_ENOTSUP);
	free(img);
	vaccel_session_delete(s);
	unsetenv("VACCEL_ONNX_POSE_MODEL");
	free(big);
	/* a broken file and a missing library fail the plugin's load */
	f = fopen(cfg, "w");
	fprintf(f, "colour = blue\n");
	fclose(f);
	assert_int_not_equal(vaccel_bootstrap(), VACCEL_OK);
	unsetenv("VACCEL_ONNX_CONFIG");
	setenv("VACCEL_ONNX_LIBRARY", "/nonexistent/libonnxruntime.so.1", 1);
	assert_int_not_equal(vaccel_bootstrap(), VACCEL_OK);
	unsetenv("VACCEL_ONNX_LIBRARY");
	setenv("VACCEL_ONNX_DETECT_MODEL", "blazeface", 1);
	setenv("VACCEL_ONNX_SEGMENT_MODEL", "ppocr-det", 1);
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	unlink(cfg);
	rmdir(dir);
}

/* ---- errors, TF/TFLite, threads ---- */

static void test_bad_image(void **state)
{
	struct vaccel_session *s;
	unsigned char out[64];
	static const char junk[] = "this is not a JPEG";

	s = tu_new_sess("onnx");
	assert_int_equal(
		vaccel_image_detection(s, junk, out, sizeof(junk), sizeof(out)),
		VACCEL_EINVAL);
	assert_int_equal(vaccel_image_classification(s, junk, out, out, 3,
						     sizeof(out), sizeof(out)),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
}

static void test_tf_tflite_enotsup(void **state)
{
	struct vaccel_resource res;
	struct vaccel_session *s;
	struct vaccel_tf_status st = { 0 };

	s = tu_new_sess("onnx");
	ppocr_resource(&res);
	assert_int_equal(vaccel_resource_register(&res, s), VACCEL_OK);
	assert_int_equal(vaccel_tflite_model_load(s, &res), VACCEL_ENOTSUP);
	assert_int_equal(vaccel_tf_model_load(s, &res, &st), VACCEL_ENOTSUP);
	assert_int_equal(vaccel_torch_model_load(s, &res), VACCEL_ENOTSUP);
	vaccel_tf_status_release(&st);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
}

struct worker {
	struct vaccel_session *s;
	void *img;
	size_t len;
	char first[512];
	int failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 8; i++) {
		unsigned char out[512];

		if (vaccel_image_detection(w->s, w->img, out, w->len,
					   sizeof(out)) ||
		    (i && strcmp(w->first, (char *)out)))
			w->failures++;
		if (!i)
			snprintf(w->first, sizeof(w->first), "%s", out);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct vaccel_session *s, *s2;
	struct worker w[4];
	pthread_t t[4];
	size_t len;
	void *img = read_image("images/sample6.jpg", &len);

	s = tu_new_sess("onnx");
	s2 = tu_new_sess("onnx");
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .s = i % 2 ? s2 : s,
					.img = img,
					.len = len };
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
		assert_string_equal(w[i].first, w[0].first);
	}
	assert_int_equal(strncmp(w[0].first, "face ", 5), 0);
	assert_int_equal(vaccel_session_delete(s2), VACCEL_OK);
	assert_int_equal(vaccel_session_delete(s), VACCEL_OK);
	free(img);
}

/* Render the PP-OCR text images into a fresh temporary directory. */
static void make_text_images(void)
{
	char cmd[4096], dir[] = "/tmp/vaccel-text-XXXXXX";

	if (!mkdtemp(dir))
		return;
	snprintf(text_dir, sizeof(text_dir), "%s", dir);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 %s/scripts/make-text-images.py %s "
		 ">/dev/null",
		 src_root, text_dir);
	have_text = system(cmd) == 0;
	if (!have_text)
		printf("# text images unavailable (python3-pil?): the "
		       "classify/segment text tests skip\n");
}

static void remove_text_images(void)
{
	char cmd[2048];

	if (text_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", text_dir);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", text_dir);
	}
}

int main(void)
{
	const char *e = getenv("VACCEL_DEPS");
	char p[2048];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_text),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_detect_faces),
		cmocka_unit_test(test_detect_no_faces),
		cmocka_unit_test(test_segment_text),
		cmocka_unit_test(test_segment_small_buffer),
		cmocka_unit_test(test_pose),
		cmocka_unit_test(test_depth_not_configured),
		cmocka_unit_test(test_depth_resource),
		cmocka_unit_test(test_resource_bare_onnx),
		cmocka_unit_test(test_resource_wrong_models),
		cmocka_unit_test(test_resource_blobs),
		cmocka_unit_test(test_resource_bad_description),
		cmocka_unit_test(test_generic_run),
		cmocka_unit_test(test_generic_linear),
		cmocka_unit_test(test_generic_genop),
		cmocka_unit_test(test_image_genop),
		cmocka_unit_test(test_configuration),
		cmocka_unit_test(test_bad_image),
		cmocka_unit_test(test_tf_tflite_enotsup),
		cmocka_unit_test(test_threads),
	};
	int ret;

	snprintf(deps, sizeof(deps), "%s", e ? e : "/opt/vaccel-deps");
	e = getenv("VACCEL_SOURCE_ROOT");
	snprintf(src_root, sizeof(src_root), "%s", e ? e : ".");
	static const char *const need[] = {
		"onnxruntime/lib/libonnxruntime.so.1",
		"models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx",
		"models/ppocr/ch_PP-OCRv4_det_infer.onnx",
		"models/blazeface/face_detection_front_128x128_barracuda.onnx",
		"images/sample1.jpg",
		"images/eagle.jpg",
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		path_of(p, sizeof(p), deps, need[i]);
		if (!tu_exists(p)) {
			printf("skip: %s is missing (run scripts/setup-deps.sh "
			       "and scripts/fetch-assets.sh)\n",
			       p);
			return 77;
		}
	}
	if (!vaccel_is_initialized()) {
		printf("skip: libvaccel did not bootstrap with the onnx "
		       "plugin\n");
		return 77;
	}
	/* the face and text tests name their models (the plugin reads its
	 * configuration when it is loaded: bootstrap again) */
	setenv("VACCEL_ONNX_DETECT_MODEL", "blazeface", 1);
	setenv("VACCEL_ONNX_SEGMENT_MODEL", "ppocr-det", 1);
	if (vaccel_bootstrap()) {
		printf("skip: libvaccel did not bootstrap again\n");
		return 77;
	}
	make_text_images();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	remove_text_images();
	return ret;
}
