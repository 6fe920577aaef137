// SPDX-License-Identifier: Apache-2.0
/* Every op remote gives the same result as the same plugin locally.
 *
 *   test-agent-remote BACKEND TRANSPORT     (noop|exec|blas|onnx|torch,
 *                                            unix|tcp)
 *
 * One process loads BACKEND and the rpc transport; a real vaccel-agent
 * serves BACKEND on a temp UNIX socket and a TCP port. Each case runs once
 * on a local session (flags 0: the backend) and once on a remote session
 * (VACCEL_PLUGIN_REMOTE: the agent), and the two results (return code and
 * every byte written) must be identical. Cases an agent backend does not
 * serve give VACCEL_ENOTSUP on both sides. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "files.h"
#include "harness.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vaccel.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static const char *backend, *transport;
static struct agent_proc agent;

/* ---- results ----------------------------------------------------------- */

struct result {
	uint8_t *data;
	size_t len, cap;
};

static void put(struct result *r, const void *p, size_t n)
{
	if (r->len + n > r->cap) {
		r->cap = (r->len + n) * 2 + 64;
		r->data = realloc(r->data, r->cap);
		assert_non_null(r->data);
	}
	if (n)
		memcpy(r->data + r->len, p, n);
	r->len += n;
}

static void put_int(struct result *r, int64_t v)
{
	put(r, &v, sizeof(v));
}

typedef void (*case_fn)(struct vaccel_session *s, struct result *r);

/* Run `fn` on a local and on a remote session and compare. */
static void compare(const char *name, case_fn fn)
{
	struct vaccel_session l, rm;
	struct result a = { 0 }, b = { 0 };
	assert_int_equal(vaccel_session_init(&l, 0), VACCEL_OK);
	assert_int_equal(vaccel_session_init(&rm, VACCEL_PLUGIN_REMOTE),
			 VACCEL_OK);
	assert_true(rm.is_virtio);
	assert_false(l.is_virtio);
	fn(&l, &a);
	fn(&rm, &b);
	int64_t ra = a.len >= 8 ? *(int64_t *)a.data : -1;
	int64_t rb = b.len >= 8 ? *(int64_t *)b.data : -1;
	printf("# %-22s local %s (%zu bytes), remote %s (%zu bytes)\n", name,
	       vaccel_strerror((int)ra), a.len, vaccel_strerror((int)rb),
	       b.len);
	bool same = a.len == b.len && !memcmp(a.data, b.data, a.len);
	for (size_t i = 0; !same && i < a.len && i < b.len; i++) {
		if (a.data[i] != b.data[i]) {
			printf("# first difference at byte %zu\n", i);
			break;
		}
	}
	/* release before asserting: the sessions live on this frame */
	int rel_r = vaccel_session_release(&rm);
	int rel_l = vaccel_session_release(&l);
	free(a.data);
	free(b.data);
	if (!same) {
		agent_dump_log(&agent);
		fail_msg("%s: remote result differs from local", name);
	}
	assert_int_equal(rel_r, VACCEL_OK);
	assert_int_equal(rel_l, VACCEL_OK);
}

/* ---- cases ----------------------------------------------------------- */

static void c_noop(struct vaccel_session *s, struct result *r)
{
	for (int i = 0; i < 3; i++)
		put_int(r, vaccel_noop(s));
}

static const char *testlib(void)
{
	return build_path("examples/libmytestlib.so");
}

static void c_exec(struct vaccel_session *s, struct result *r)
{
	int32_t in = 10, out = 0;
	struct vaccel_arg_array rd, wr;
	vaccel_arg_array_init(&rd, 0);
	vaccel_arg_array_init(&wr, 0);
	vaccel_arg_array_add_int32(&rd, &in);
	vaccel_arg_array_add_int32(&wr, &out);
	put_int(r, vaccel_exec(s, testlib(), "mytestfunc", rd.args, rd.count,
			       wr.args, wr.count));
	put(r, &out, sizeof(out));
	/* an unknown symbol */
	put_int(r, vaccel_exec(s, testlib(), "no_such_function", rd.args,
			       rd.count, wr.args, wr.count));
	vaccel_arg_array_release(&rd);
	vaccel_arg_array_release(&wr);
}

/* Big read and write args (in-out: the write buffer's contents travel and
 * come back); 2 MiB goes through shared memory on UNIX sockets. */
static void c_exec_big(struct vaccel_session *s, struct result *r)
{
	size_t n = 2 << 20;
	uint8_t *in = malloc(n), *out = malloc(n);
	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)(i * 7), out[i] = (uint8_t)(i * 3);
	struct vaccel_arg rd[2] = { { in, n, VACCEL_ARG_RAW, 0, false },
				    { in, 16, VACCEL_ARG_RAW, 0, false } };
	struct vaccel_arg wr[1] = { { out, n, VACCEL_ARG_RAW, 0, false } };
	put_int(r,
		vaccel_exec(s, testlib(), "mytestfunc_nonser", rd, 2, wr, 1));
	put(r, out, n);
	free(in);
	free(out);
}

static void exec_res(struct vaccel_session *s, struct result *r,
		     struct vaccel_resource *lib)
{
	int32_t in = 21, out = 0;
	struct vaccel_arg rd = { &in, 4, VACCEL_ARG_INT32, 0, false };
	struct vaccel_arg wr = { &out, 4, VACCEL_ARG_INT32, 0, false };
	put_int(r, vaccel_resource_register(lib, s));
	put_int(r, vaccel_exec_with_resource(s, lib, "mytestfunc", &rd, 1, &wr,
					     1));
	put(r, &out, sizeof(out));
	/* the same resource again, and through genop (global resource id) */
	uint8_t op = VACCEL_OP_EXEC_WITH_RESOURCE;
	int64_t id = lib->id;
	char sym[] = "mytestfunc";
	struct vaccel_arg g[4] = {
		{ &op, 1, VACCEL_ARG_UINT8, 0, false },
		{ &id, 8, VACCEL_ARG_INT64, 0, false },
		{ sym, sizeof(sym), VACCEL_ARG_STRING, 0, false },
		{ &in, 4, VACCEL_ARG_INT32, 0, false },
	};
	out = 0;
	put_int(r, vaccel_genop(s, g, 4, &wr, 1));
	put(r, &out, sizeof(out));
	put_int(r, vaccel_resource_unregister(lib, s));
}

static void c_exec_res_file(struct vaccel_session *s, struct result *r)
{
	struct vaccel_resource lib;
	assert_int_equal(
		vaccel_resource_init(&lib, testlib(), VACCEL_RESOURCE_LIB),
		VACCEL_OK);
	exec_res(s, r, &lib);
	vaccel_resource_release(&lib);
}

static void c_exec_res_buf(struct vaccel_session *s, struct result *r)
{
	size_t len;
	void *p = tu_read_file(testlib(), &len);
	struct vaccel_resource lib;
	assert_int_equal(vaccel_resource_init_from_buf(&lib, p, len,
						       VACCEL_RESOURCE_LIB,
						       "lib.so", false),
			 VACCEL_OK);
	exec_res(s, r, &lib);
	vaccel_resource_release(&lib);
	free(p);
}

/* One connection, requests of changing shape one after another: the agent
 * reuses a freed request for the next one (its fields buffer up to 4 KiB,
 * pools seeded inside it, inputs and outputs of at most 256 bytes from
 * those pools, bigger ones from per-connection spares). A small call, one
 * with more args than the request keeps inline and buffers past the small
 * limits, one whose fields pass 4 KiB (400 args), one the function rejects,
 * and a small one again, three times over: every result and every byte of
 * every write arg must equal the local plugin's. */
static void c_reuse_mixed(struct vaccel_session *s, struct result *r)
{
	enum {
		MANY = 400
	};
	static uint8_t raw[8][300], wraw[5][200], one[MANY];
	struct vaccel_arg rd[MANY + 1], wr[6];
	for (int round = 0; round < 3; round++) {
		int32_t in = 100 * round + 1, out = -1;
		/* small */
		rd[0] = (struct vaccel_arg){ &in, 4, VACCEL_ARG_INT32, 0,
					     false };
		wr[0] = (struct vaccel_arg){ &out, 4, VACCEL_ARG_INT32, 0,
					     false };
		put_int(r,
			vaccel_exec(s, testlib(), "mytestfunc", rd, 1, wr, 1));
		put_int(r, out);
		/* 9 read args (2.4 KB) and 6 write args (1 KB), in-out */
		for (int i = 0; i < 8; i++) {
			memset(raw[i], 'a' + i + round, sizeof(raw[i]));
			rd[i + 1] =
				(struct vaccel_arg){ raw[i], sizeof(raw[i]),
						     VACCEL_ARG_RAW, 0, false };
		}
		for (int i = 0; i < 5; i++) {
			memset(wraw[i], 'A' + i + round, sizeof(wraw[i]));
			wr[i + 1] =
				(struct vaccel_arg){ wraw[i], sizeof(wraw[i]),
						     VACCEL_ARG_RAW, 0, false };
		}
		in += 1;
		put_int(r,
			vaccel_exec(s, testlib(), "mytestfunc", rd, 9, wr, 6));
		put_int(r, out);
		put(r, wraw, sizeof(wraw));
		/* 401 read args: fields past what a request keeps */
		for (int i = 0; i < MANY; i++) {
			one[i] = (uint8_t)(i + round);
			rd[i + 1] =
				(struct vaccel_arg){ &one[i], 1, VACCEL_ARG_RAW,
						     0, false };
		}
		in += 1;
		put_int(r, vaccel_exec(s, testlib(), "mytestfunc", rd, MANY + 1,
				       wr, 1));
		put_int(r, out);
		/* rejected by the function: read[0] is not an INT32 */
		rd[0] = (struct vaccel_arg){ raw[0], 3, VACCEL_ARG_RAW, 0,
					     false };
		put_int(r,
			vaccel_exec(s, testlib(), "mytestfunc", rd, 1, wr, 1));
		/* small again */
		rd[0] = (struct vaccel_arg){ &in, 4, VACCEL_ARG_INT32, 0,
					     false };
		in += 1;
		put_int(r,
			vaccel_exec(s, testlib(), "mytestfunc", rd, 1, wr, 1));
		put_int(r, out);
	}
}

static void c_genop_exec(struct vaccel_session *s, struct result *r)
{
	uint8_t op = VACCEL_OP_EXEC;
	char sym[] = "mytestfunc";
	int32_t in = 5, out = 0;
	char lib[1024];
	snprintf(lib, sizeof(lib), "%s", testlib());
	struct vaccel_arg g[4] = {
		{ &op, 1, VACCEL_ARG_UINT8, 0, false },
		{ lib, strlen(lib) + 1, VACCEL_ARG_STRING, 0, false },
		{ sym, sizeof(sym), VACCEL_ARG_STRING, 0, false },
		{ &in, 4, VACCEL_ARG_INT32, 0, false },
	};
	struct vaccel_arg w = { &out, 4, VACCEL_ARG_INT32, 0, false };
	put_int(r, vaccel_genop(s, g, 4, &w, 1));
	put(r, &out, 4);
}

static const char *image(const char *name)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "images/%s", name);
	const char *p = deps_path(rel);
	return p ? p : "/usr/share/darknet/data/dog.jpg";
}

/* Room for segment's and depth's PNG after their records (onnx plugin):
 * the map comes back as bytes, and every byte must equal the local one. */
#define MAP_LEN (1u << 20)

static void images(struct vaccel_session *s, struct result *r, const char *file)
{
	size_t len;
	void *img = tu_read_file(file, &len);
	if (!img) {
		put_int(r, -1);
		return;
	}
	unsigned char text[1024], name[8192], *map = malloc(MAP_LEN);
	assert_non_null(map);
	memset(text, 0x5a, sizeof(text));
	memset(name, 0x5a, sizeof(name));
	put_int(r, vaccel_image_classification(s, img, text, name, len,
					       sizeof(text), sizeof(name)));
	put(r, text, sizeof(text));
	put(r, name, sizeof(name));
	/* the five-argument form: no text wanted */
	put_int(r, vaccel_image_classification(s, img, NULL, name, len, 0,
					       sizeof(name)));
	put(r, name, sizeof(name));
	int (*ops[4])(
		struct vaccel_session *, const void *, unsigned char *, size_t,
		size_t) = { vaccel_image_detection, vaccel_image_segmentation,
			    vaccel_image_pose, vaccel_image_depth };
	for (int i = 0; i < 4; i++) {
		/* segment, depth: a buffer for the PNG, and one too small */
		unsigned char *out = i % 2 ? map : name;
		size_t cap = i % 2 ? MAP_LEN : sizeof(name);
		for (int small = 0; small < 1 + i % 2; small++) {
			memset(out, 0x5a, cap);
			put_int(r, ops[i](s, img, out, len,
					  small ? sizeof(name) : cap));
			put(r, out, cap);
		}
	}
	free(map);
	free(img);
}

static void c_images_dog(struct vaccel_session *s, struct result *r)
{
	images(s, r, image("dog.jpg"));
}

static void c_images_faces(struct vaccel_session *s, struct result *r)
{
	images(s, r, image("sample3.jpg"));
}

static void c_images_person(struct vaccel_session *s, struct result *r)
{
	images(s, r, image("person.jpg"));
}

/* An image op with a model registered with the session (uploaded). */
static void c_detect_model(struct vaccel_session *s, struct result *r)
{
	const char *m = deps_path(
		"models/blazeface/face_detection_front_128x128_barracuda.onnx");
	struct vaccel_resource res;
	size_t len;
	void *img = tu_read_file(image("sample3.jpg"), &len);
	unsigned char name[2048] = { 0 };
	if (!m || !img) {
		put_int(r, -1);
		free(img);
		return;
	}
	assert_int_equal(vaccel_resource_init(&res, m, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	put_int(r, vaccel_resource_register(&res, s));
	put_int(r, vaccel_image_detection(s, img, name, len, sizeof(name)));
	put(r, name, sizeof(name));
	put_int(r, vaccel_resource_unregister(&res, s));
	vaccel_resource_release(&res);
	free(img);
}

static void c_sgemm(struct vaccel_session *s, struct result *r)
{
	/* small, with leading dimensions larger than the rows */
	int64_t m = 3, n = 4, k = 5, lda = 6, ldb = 5, ldc = 7;
	float a[3 * 6], b[5 * 5], c[3 * 7];
	for (int i = 0; i < 18; i++)
		a[i] = (float)i * 0.5f - 2;
	for (int i = 0; i < 25; i++)
		b[i] = (float)(i % 7) - 3;
	for (int i = 0; i < 21; i++)
		c[i] = (float)i;
	put_int(r,
		vaccel_sgemm(s, m, n, k, 1.5f, a, lda, b, ldb, 0.5f, c, ldc));
	put(r, c, sizeof(c));
	/* invalid leading dimension */
	put_int(r, vaccel_sgemm(s, m, n, k, 1, a, 2, b, ldb, 0, c, ldc));
}

/* Empty products (m, n or k 0): no byte of an empty matrix travels, and
 * the backend still gets what a local caller gives it (an address), so
 * C = beta C for k 0, nothing for m or n 0. */
static void c_sgemm_empty(struct vaccel_session *s, struct result *r)
{
	float a[6] = { 1, 2, 3, 4, 5, 6 }, b[6] = { 6, 5, 4, 3, 2, 1 };
	float c[4] = { 1, 2, 3, 4 };
	put_int(r, vaccel_sgemm(s, 0, 2, 3, 1, a, 3, b, 2, 0.5f, c, 2));
	put_int(r, vaccel_sgemm(s, 2, 0, 3, 1, a, 3, b, 1, 0.5f, c, 1));
	put_int(r, vaccel_sgemm(s, 0, 0, 0, 1, a, 1, b, 1, 0.5f, c, 1));
	put(r, c, sizeof(c));
	put_int(r, vaccel_sgemm(s, 2, 2, 0, 1, a, 1, b, 2, 0.5f, c, 2));
	put(r, c, sizeof(c));
}

/* 512 x 512 (1 MiB each): shared memory on UNIX; C is in-out */
static void c_sgemm_big(struct vaccel_session *s, struct result *r)
{
	int64_t d = 512;
	size_t n = (size_t)(d * d);
	float *a = malloc(n * 4), *b = malloc(n * 4), *c = malloc(n * 4);
	for (size_t i = 0; i < n; i++) {
		a[i] = (float)(i % 13) * 0.25f;
		b[i] = (float)(i % 7) - 3;
		c[i] = (float)(i % 5);
	}
	put_int(r, vaccel_sgemm(s, d, d, d, 2.0f, a, d, b, d, 0.25f, c, d));
	put(r, c, n * 4);
	free(a);
	free(b);
	free(c);
}

static void c_fpga_minmax(struct vaccel_session *s, struct result *r)
{
	int ia[64], io[64];
	float a[64], b[64], c[64], d[64];
	for (int i = 0; i < 64; i++) {
		ia[i] = i * i - 100;
		a[i] = (float)i / 3;
		b[i] = (float)(64 - i) / 7;
	}
	memset(io, 0x33, sizeof(io));
	put_int(r, vaccel_fpga_arraycopy(s, ia, io, 64));
	put(r, io, sizeof(io));
	memset(c, 0x33, sizeof(c));
	put_int(r, vaccel_fpga_mmult(s, a, b, c, 64));
	put(r, c, sizeof(c));
	memset(c, 0x33, sizeof(c));
	memset(d, 0x33, sizeof(d));
	put_int(r, vaccel_fpga_parallel(s, a, b, c, d, 64));
	put(r, c, sizeof(c));
	put(r, d, sizeof(d));
	memset(c, 0x33, sizeof(c));
	put_int(r, vaccel_fpga_vadd(s, a, b, c, 64, 64));
	put(r, c, sizeof(c));
	double in[100], out[100], mn = 0, mx = 0;
	for (int i = 0; i < 100; i++)
		in[i] = (double)((i * 37) % 101) - 20.5;
	memset(out, 0, sizeof(out));
	put_int(r, vaccel_minmax(s, in, 100, 0, 50, out, &mn, &mx));
	put(r, out, sizeof(out));
	put(r, &mn, 8);
	put(r, &mx, 8);
}

static void c_opencv(struct vaccel_session *s, struct result *r)
{
	float in[8] = { 1, 2, 3 };
	size_t out[2] = { 0, 0 };
	struct vaccel_arg rd = { in, sizeof(in), VACCEL_ARG_RAW, 0, false };
	struct vaccel_arg wr = { out, sizeof(out), VACCEL_ARG_RAW, 0, false };
	put_int(r, vaccel_opencv(s, &rd, 1, &wr, 1));
	put(r, out, sizeof(out));
}

static void put_tensor_common(struct result *r, const void *data, size_t size,
			      int64_t nd, const void *dims, size_t dsz,
			      int type)
{
	put_int(r, nd);
	put(r, dims, (size_t)nd * dsz);
	put_int(r, type);
	put_int(r, (int64_t)size);
	put(r, data, size);
}

/* A MODEL resource of `path` (or a small buffer for the noop plugin). */
static void model_res(struct vaccel_resource *res, const char *path)
{
	static const char blob[] = "not really a model";
	if (path)
		assert_int_equal(
			vaccel_resource_init(res, path, VACCEL_RESOURCE_MODEL),
			VACCEL_OK);
	else
		assert_int_equal(vaccel_resource_init_from_buf(
					 res, blob, sizeof(blob),
					 VACCEL_RESOURCE_MODEL, "m.bin", true),
				 VACCEL_OK);
}

static void c_onnx(struct vaccel_session *s, struct result *r)
{
	struct vaccel_resource res;
	model_res(&res, deps_path("models/converted/linear_fixed.onnx"));
	put_int(r, vaccel_resource_register(&res, s));
	put_int(r, vaccel_onnx_model_load(s, &res));
	int64_t dims[2] = { 1, 4 };
	float x[4] = { 1, 2, 3, 4 };
	struct vaccel_onnx_tensor in = { x, sizeof(x), false,
					 2, dims,      VACCEL_ONNX_FLOAT };
	struct vaccel_onnx_tensor *pin = &in, *out[1] = { NULL };
	put_int(r, vaccel_onnx_model_run(s, &res, &pin, 1, out, 1));
	if (out[0]) {
		put_tensor_common(r, out[0]->data, out[0]->size,
				  out[0]->nr_dims, out[0]->dims, 8,
				  out[0]->data_type);
		vaccel_onnx_tensor_delete(out[0]);
	}
	put_int(r, vaccel_onnx_model_unload(s, &res));
	put_int(r, vaccel_resource_unregister(&res, s));
	vaccel_resource_release(&res);
}

static void c_torch(struct vaccel_session *s, struct result *r)
{
	struct vaccel_resource res;
	model_res(&res, deps_path("models/converted/linear_fixed.pt"));
	put_int(r, vaccel_resource_register(&res, s));
	put_int(r, vaccel_torch_model_load(s, &res));
	int64_t dims[2] = { 1, 4 };
	float x[4] = { 1, 2, 3, 4 };
	struct vaccel_torch_tensor in = { x, sizeof(x), false,
					  2, dims,	VACCEL_TORCH_FLOAT };
	struct vaccel_torch_tensor *pin = &in, *out[1] = { NULL };
	put_int(r, vaccel_torch_model_run(s, &res, NULL, &pin, 1, out, 1));
	if (out[0]) {
		put_tensor_common(r, out[0]->data, out[0]->size,
				  out[0]->nr_dims, out[0]->dims, 8,
				  out[0]->data_type);
		vaccel_torch_tensor_delete(out[0]);
	}
	put_int(r, vaccel_resource_unregister(&res, s));
	vaccel_resource_release(&res);
}

static void c_tf_tflite(struct vaccel_session *s, struct result *r)
{
	struct vaccel_resource res;
	struct vaccel_tf_status st = { 0 };
	model_res(&res, NULL);
	put_int(r, vaccel_resource_register(&res, s));
	put_int(r, vaccel_tf_model_load(s, &res, &st));
	put_int(r, st.code);
	put(r, st.message ? st.message : "",
	    st.message ? strlen(st.message) : 0);
	vaccel_tf_status_release(&st);
	int64_t dims[4] = { 1, 2, 3, 2 };
	float x[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct vaccel_tf_tensor in = { x, sizeof(x), false,
				       4, dims,	     VACCEL_TF_FLOAT };
	struct vaccel_tf_tensor *pin = &in, *out[1] = { NULL };
	struct vaccel_tf_node nin = { "serving_default_data", 0 },
			      nout = { "PartitionedCall", 0 };
	put_int(r, vaccel_tf_model_run(s, &res, NULL, &nin, &pin, 1, &nout, out,
				       1, &st));
	put_int(r, st.code);
	vaccel_tf_status_release(&st);
	if (out[0]) {
		put_tensor_common(r, out[0]->data, out[0]->size,
				  out[0]->nr_dims, out[0]->dims, 8,
				  out[0]->data_type);
		vaccel_tf_tensor_delete(out[0]);
	}
	put_int(r, vaccel_tf_model_unload(s, &res, &st));
	vaccel_tf_status_release(&st);
	/* tflite, int32 dims */
	int32_t d32[2] = { 3, 4 };
	struct vaccel_tflite_tensor lin = {
		x, sizeof(x), false, 2, d32, VACCEL_TFLITE_FLOAT32
	};
	struct vaccel_tflite_tensor *plin = &lin, *lout[1] = { NULL };
	uint8_t status = 9;
	put_int(r, vaccel_tflite_model_load(s, &res));
	put_int(r,
		vaccel_tflite_model_run(s, &res, &plin, 1, lout, 1, &status));
	put_int(r, status);
	if (lout[0]) {
		put_tensor_common(r, lout[0]->data, lout[0]->size,
				  lout[0]->nr_dims, lout[0]->dims, 4,
				  lout[0]->data_type);
		vaccel_tflite_tensor_delete(lout[0]);
	}
	put_int(r, vaccel_tflite_model_unload(s, &res));
	put_int(r, vaccel_resource_unregister(&res, s));
	vaccel_resource_release(&res);
}

/* A run with many tensors each way (more than any fixed table), one of
 * them 1 MiB (shared memory on UNIX). */
static void c_many_tensors(struct vaccel_session *s, struct result *r)
{
	enum {
		N = 40
	};
	struct vaccel_resource res;
	model_res(&res, NULL);
	put_int(r, vaccel_resource_register(&res, s));
	static float data[N][64];
	static float big[1 << 18];
	int32_t dims[N][2], bigdims[2] = { 512, 512 };
	struct vaccel_tflite_tensor t[N], *in[N], *out[N];
	for (int i = 0; i < N; i++) {
		for (int k = 0; k < 64; k++)
			data[i][k] = (float)(i * 100 + k);
		dims[i][0] = 8, dims[i][1] = 8;
		t[i] = (struct vaccel_tflite_tensor){
			data[i], sizeof(data[i]), false,
			2,	 dims[i],	  VACCEL_TFLITE_FLOAT32
		};
		in[i] = &t[i];
		out[i] = NULL;
	}
	for (int k = 0; k < (1 << 18); k++)
		big[k] = (float)k / 7;
	t[N / 2] = (struct vaccel_tflite_tensor){
		big, sizeof(big), false, 2, bigdims, VACCEL_TFLITE_FLOAT32
	};
	uint8_t status = 9;
	put_int(r, vaccel_tflite_model_run(s, &res, in, N, out, N, &status));
	for (int i = 0; i < N; i++) {
		if (!out[i])
			continue;
		put_tensor_common(r, out[i]->data, out[i]->size,
				  out[i]->nr_dims, out[i]->dims, 4,
				  out[i]->data_type);
		vaccel_tflite_tensor_delete(out[i]);
	}
	put_int(r, vaccel_resource_unregister(&res, s));
	vaccel_resource_release(&res);
}

/* A directory resource (two files, one in a subdirectory) and a resource
 * of two in-memory buffers. */
static void c_dir_and_buffers(struct vaccel_session *s, struct result *r)
{
	char dir[] = "/tmp/vaccel-remote-dir-XXXXXX", p[128];
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/sub", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/sub/weights.bin", dir);
	FILE *f = fopen(p, "w");
	fputs("weights", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/saved_model.pb", dir);
	f = fopen(p, "w");
	fputs("graph", f);
	fclose(f);
	struct vaccel_resource res;
	struct vaccel_tf_status st = { 0 };
	assert_int_equal(vaccel_resource_init(&res, dir, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	put_int(r, vaccel_resource_register(&res, s));
	put_int(r, vaccel_tf_model_load(s, &res, &st));
	vaccel_tf_status_release(&st);
	put_int(r, vaccel_resource_unregister(&res, s));
	vaccel_resource_release(&res);
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	assert_int_equal(system(p), 0);

	static uint8_t one[] = "first buffer", two[] = "second";
	struct vaccel_blob *blobs[2];
	vaccel_blob_from_buf(&blobs[0], one, sizeof(one), false, "a", NULL,
			     false);
	vaccel_blob_from_buf(&blobs[1], two, sizeof(two), false, "b", NULL,
			     false);
	assert_int_equal(vaccel_resource_init_from_blobs(
				 &res, (const struct vaccel_blob **)blobs, 2,
				 VACCEL_RESOURCE_DATA),
			 VACCEL_OK);
	put_int(r, vaccel_resource_register(&res, s));
	put_int(r, vaccel_resource_sync(&res, s));
	put(r, res.blobs[0]->data, res.blobs[0]->size);
	put_int(r, vaccel_resource_unregister(&res, s));
	vaccel_resource_release(&res);
	vaccel_blob_delete(blobs[0]);
	vaccel_blob_delete(blobs[1]);
}

static void c_genop(struct vaccel_session *s, struct result *r)
{
	/* classify through genop (write order: imgname, text) */
	size_t len;
	void *img = tu_read_file(image("dog.jpg"), &len);
	uint8_t op = VACCEL_OP_IMAGE_CLASSIFY;
	unsigned char text[512] = { 0 }, name[512] = { 0 };
	struct vaccel_arg rd[2] = { { &op, 1, VACCEL_ARG_UINT8, 0, false },
				    { img, len, VACCEL_ARG_BUFFER, 0, false } };
	struct vaccel_arg wr[2] = {
		{ name, sizeof(name), VACCEL_ARG_UCHAR_ARRAY, 0, false },
		{ text, sizeof(text), VACCEL_ARG_UCHAR_ARRAY, 0, false },
	};
	put_int(r, vaccel_genop(s, rd, 2, wr, 2));
	put(r, text, sizeof(text));
	put(r, name, sizeof(name));
	/* sgemm through genop */
	uint8_t sop = VACCEL_OP_BLAS_SGEMM;
	int64_t m = 2, n = 2, k = 2, ld = 2;
	float alpha = 1, beta = 0, a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 },
	      c[4] = { 0 };
	struct vaccel_arg g[11] = {
		{ &sop, 1, VACCEL_ARG_UINT8, 0, false },
		{ &m, 8, VACCEL_ARG_INT64, 0, false },
		{ &n, 8, VACCEL_ARG_INT64, 0, false },
		{ &k, 8, VACCEL_ARG_INT64, 0, false },
		{ &alpha, 4, VACCEL_ARG_FLOAT32, 0, false },
		{ a, 16, VACCEL_ARG_FLOAT32_ARRAY, 0, false },
		{ &ld, 8, VACCEL_ARG_INT64, 0, false },
		{ b, 16, VACCEL_ARG_FLOAT32_ARRAY, 0, false },
		{ &ld, 8, VACCEL_ARG_INT64, 0, false },
		{ &beta, 4, VACCEL_ARG_FLOAT32, 0, false },
		{ &ld, 8, VACCEL_ARG_INT64, 0, false },
	};
	struct vaccel_arg cw = { c, 16, VACCEL_ARG_FLOAT32_ARRAY, 0, false };
	put_int(r, vaccel_genop(s, g, 11, &cw, 1));
	put(r, c, sizeof(c));
	free(img);
}

static void c_torch_sgemm(struct vaccel_session *s, struct result *r)
{
	int64_t dims[2] = { 2, 2 };
	float a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 0, 0, 1 }, c[4] = { 0 };
	struct vaccel_torch_tensor ta = { a, 16,   false,
					  2, dims, VACCEL_TORCH_FLOAT },
				   tb = { b, 16,   false,
					  2, dims, VACCEL_TORCH_FLOAT },
				   tc = { c, 16,   false,
					  2, dims, VACCEL_TORCH_FLOAT };
	struct vaccel_torch_tensor *pa = &ta, *pb = &tb, *pc = &tc, *out = NULL;
	put_int(r, vaccel_torch_sgemm(s, &pa, &pb, &pc, 2, 2, 2, &out));
	put_int(r, out != NULL);
	if (out) {
		put(r, out->data, out->size);
		vaccel_torch_tensor_delete(out);
	}
}

/* A NULL matrix with a nonzero size: the client refuses to send it
 * (EINVAL and why), and the connection stays usable. */
static void t_null_buffer(void **state)
{
	(void)state;
	if (strcmp(backend, "blas")) {
		printf("# only with the blas backend (sgemm)\n");
		skip();
	}
	struct vaccel_session rm;
	float b[4] = { 1, 2, 3, 4 }, c[4] = { 0 };
	assert_int_equal(vaccel_session_init(&rm, VACCEL_PLUGIN_REMOTE),
			 VACCEL_OK);
	assert_int_equal(vaccel_sgemm(&rm, 2, 2, 2, 1, NULL, 2, b, 2, 0, c, 2),
			 VACCEL_EINVAL);
	const char *why = vaccel_last_error();
	printf("# reason: %s\n", why);
	assert_non_null(strstr(why, "NULL"));
	int rn = vaccel_noop(&rm);
	assert_true(rn == VACCEL_OK || rn == VACCEL_ENOTSUP);
	assert_int_equal(vaccel_session_release(&rm), VACCEL_OK);
}

#define CASE(fn)                         \
	static void t_##fn(void **state) \
	{                                \
		(void)state;             \
		compare(#fn, fn);        \
	}
CASE(c_noop)
CASE(c_exec)
CASE(c_exec_big)
CASE(c_reuse_mixed)
CASE(c_exec_res_file)
CASE(c_exec_res_buf)
CASE(c_genop_exec)
CASE(c_images_dog)
CASE(c_images_faces)
CASE(c_images_person)
CASE(c_detect_model)
CASE(c_sgemm)
CASE(c_sgemm_big)
CASE(c_sgemm_empty)
CASE(c_fpga_minmax)
CASE(c_opencv)
CASE(c_onnx)
CASE(c_torch)
CASE(c_tf_tflite)
CASE(c_many_tensors)
CASE(c_dir_and_buffers)
CASE(c_genop)
CASE(c_torch_sgemm)

static int setup(void **state)
{
	(void)state;
	const char *extra[] = { "--exec-allow", build_path("examples"), NULL };
	if (agent_start(&agent, backend, extra)) {
		fprintf(stderr, "cannot start the agent\n");
		return -1;
	}
	char plugins[64];
	snprintf(plugins, sizeof(plugins), "%s:rpc", backend);
	int ret = client_bootstrap(plugins, strcmp(transport, "tcp")
						    ? agent.unix_uri
						    : agent.tcp_uri);
	return ret ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	vaccel_cleanup();
	/* everything this process had is gone on the agent */
	bool clean = wait_stat(agent.unix_uri, VRPC_STAT_SESSIONS, 0, 3000) &&
		     wait_stat(agent.unix_uri, VRPC_STAT_RESOURCES, 0, 3000);
	int st = agent_stop(&agent);
	return clean && st == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	backend = argc > 1 ? argv[1] : "noop";
	transport = argc > 2 ? argv[2] : "unix";
	if (!plugin_path(backend) || !plugin_path("rpc")) {
		printf("skipped: plugin %s (or rpc) not built\n", backend);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_c_noop),
		cmocka_unit_test(t_c_exec),
		cmocka_unit_test(t_c_exec_big),
		cmocka_unit_test(t_c_reuse_mixed),
		cmocka_unit_test(t_c_exec_res_file),
		cmocka_unit_test(t_c_exec_res_buf),
		cmocka_unit_test(t_c_genop_exec),
		cmocka_unit_test(t_c_images_dog),
		cmocka_unit_test(t_c_images_faces),
		cmocka_unit_test(t_c_images_person),
		cmocka_unit_test(t_c_detect_model),
		cmocka_unit_test(t_c_sgemm),
		cmocka_unit_test(t_c_sgemm_big),
		cmocka_unit_test(t_c_sgemm_empty),
		cmocka_unit_test(t_null_buffer),
		cmocka_unit_test(t_c_fpga_minmax),
		cmocka_unit_test(t_c_opencv),
		cmocka_unit_test(t_c_onnx),
		cmocka_unit_test(t_c_torch),
		cmocka_unit_test(t_c_tf_tflite),
		cmocka_unit_test(t_c_many_tensors),
		cmocka_unit_test(t_c_dir_and_buffers),
		cmocka_unit_test(t_c_genop),
		cmocka_unit_test(t_c_torch_sgemm),
	};
	char name[64];
	snprintf(name, sizeof(name), "remote-%s-%s", backend, transport);
	return cmocka_run_group_tests_name(name, tests, setup, teardown);
}
