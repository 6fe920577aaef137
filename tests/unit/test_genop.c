// SPDX-License-Identifier: Apache-2.0
/* genop (api-reference.md §4.4, our strict checks in src/ops/genop.c and
 * the ONNX extension layout of src/ops/onnx.c): every op with a correct
 * layout (results from the noop plugin), wrong counts/types/sizes
 * (EINVAL), op 0 and op numbers past the end or in the gap (EINVAL),
 * TF/TFLite/Torch (ENOTSUP), bad sessions and resources. */

#include "tu.h"
#include <stdlib.h>
#include <string.h>
#include <vaccel.h>

struct ctx {
	char *dir;
	char *log;
	struct vaccel_session noop, few;
	struct vaccel_resource lib, model, unreg_lib;
};

static int setup(void **state)
{
	static struct ctx c;
	if (tu_group_setup(state))
		return -1;
	memset(&c, 0, sizeof(c));
	c.dir = tu_mkdtemp();
	c.log = tu_strf("%s/vaccel.log", c.dir);
	if (tu_bootstrap(TU_NOOP_PLUGIN ":" TU_PLUGIN_CPU, VACCEL_LOG_ERROR,
			 c.log, false) ||
	    vaccel_session_init(&c.noop, 0) ||
	    vaccel_session_init(&c.few, VACCEL_PLUGIN_CPU))
		goto fail;
	static const char b[] = "bytes";
	if (vaccel_resource_init_from_buf(&c.lib, b, sizeof(b),
					  VACCEL_RESOURCE_LIB, "l.so", true) ||
	    vaccel_resource_init_from_buf(&c.model, b, sizeof(b),
					  VACCEL_RESOURCE_MODEL, "m", true) ||
	    vaccel_resource_init_from_buf(&c.unreg_lib, b, sizeof(b),
					  VACCEL_RESOURCE_LIB, "u.so", true) ||
	    vaccel_resource_register(&c.lib, &c.noop) ||
	    vaccel_resource_register(&c.model, &c.noop))
		goto fail;
	*state = &c;
	return 0;
fail:
	/* cmocka does not call the teardown of a failed setup */
	print_message("setup failed (is the noop plugin built?)\n");
	vaccel_cleanup();
	tu_rm_rf(c.dir);
	tu_group_teardown(state);
	return -1;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	vaccel_cleanup();
	tu_rm_rf(c->dir);
	free(c->dir);
	free(c->log);
	return tu_group_teardown(state);
}

/* An arg referencing `buf` (no copy). */
static struct vaccel_arg A(vaccel_arg_type_t t, void *buf, size_t size) {
	struct vaccel_arg a;
	assert_int_equal(vaccel_arg_init_from_buf(&a, buf, size, t, 0),
			 VACCEL_OK);
	return a;
}

/* The op-type arg (read[0]). */
static uint8_t op_byte[64];
static struct vaccel_arg OP(int op) {
	static int next;
	uint8_t *p = &op_byte[next++ % 64];
	*p = (uint8_t)op;
	return A(VACCEL_ARG_UINT8, p, 1);
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void
test_op_type_arg(void **state)
{
	struct ctx *c = *state;
	uint8_t op = VACCEL_OP_IMAGE_DETECT;
	uint16_t op16 = VACCEL_OP_IMAGE_DETECT;
	struct vaccel_arg w[1];
	unsigned char out[32];
	w[0] = A(VACCEL_ARG_UCHAR_ARRAY, out, sizeof(out));

	assert_int_equal(vaccel_genop(&c->noop, NULL, 1, w, 1), VACCEL_EINVAL);
	struct vaccel_arg r[1] = { OP(VACCEL_OP_IMAGE_DETECT) };
	assert_int_equal(vaccel_genop(&c->noop, r, 0, w, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, r, -1, w, 1), VACCEL_EINVAL);
	/* the op must be a UINT8 arg of one byte */
	r[0] = A(VACCEL_ARG_RAW, &op, 1);
	assert_int_equal(vaccel_genop(&c->noop, r, 1, w, 1), VACCEL_EINVAL);
	r[0] = A(VACCEL_ARG_INT8, &op, 1);
	assert_int_equal(vaccel_genop(&c->noop, r, 1, w, 1), VACCEL_EINVAL);
	r[0] = A(VACCEL_ARG_UINT8, &op16, 2);
	assert_int_equal(vaccel_genop(&c->noop, r, 1, w, 1), VACCEL_EINVAL);
	r[0] = A(VACCEL_ARG_UINT16, &op16, 2);
	assert_int_equal(vaccel_genop(&c->noop, r, 1, w, 1), VACCEL_EINVAL);
	struct vaccel_arg nullbuf = { .buf = NULL,
				      .size = 1,
				      .type = VACCEL_ARG_UINT8 };
	r[0] = nullbuf;
	assert_int_equal(vaccel_genop(&c->noop, r, 1, w, 1), VACCEL_EINVAL);
}

static void test_op_numbers(void **state)
{
	struct ctx *c = *state;
	/* NOOP is refused; past the upstream range, the gap, past ours */
	static const int bad[] = { VACCEL_OP_NOOP,    VACCEL_OP_MAX, 25, 31,
				   VACCEL_OP_EXT_MAX, 100,	     255 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vaccel_arg r[1] = { OP(bad[i]) };
		int ret = vaccel_genop(&c->noop, r, 1, NULL, 0);
		if (ret != VACCEL_EINVAL)
			fail_msg("op %d: %d, expected EINVAL", bad[i], ret);
	}
	/* no genop form: TF, TFLite, Torch (with torch_sgemm) */
	for (int op = VACCEL_OP_TF_MODEL_LOAD; op <= VACCEL_OP_TORCH_SGEMM;
	     op++) {
		struct vaccel_arg r[1] = { OP(op) };
		int ret = vaccel_genop(&c->noop, r, 1, NULL, 0);
		if (ret != VACCEL_ENOTSUP)
			fail_msg("op %d: %d, expected ENOTSUP", op, ret);
	}
	/* negative write count, or args missing */
	struct vaccel_arg r[1] = { OP(VACCEL_OP_IMAGE_DETECT) };
	assert_int_equal(vaccel_genop(&c->noop, r, 1, NULL, -1), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, r, 1, NULL, 1), VACCEL_EINVAL);
}

static void test_exec(void **state)
{
	struct ctx *c = *state;
	char lib[] = "libmytestlib.so", fn[] = "mytestfunc", empty[] = "";
	char nonul[3] = { 'a', 'b', 'c' };
	int32_t in = 10, out = 0;
	struct vaccel_arg r[] = { OP(VACCEL_OP_EXEC),
				  A(VACCEL_ARG_STRING, lib, sizeof(lib)),
				  A(VACCEL_ARG_STRING, fn, sizeof(fn)),
				  A(VACCEL_ARG_INT32, &in, sizeof(in)) };
	struct vaccel_arg w[] = { A(VACCEL_ARG_INT32, &out, sizeof(out)) };

	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_OK);
	assert_int_equal(out, 10);
	/* only library and symbol */
	assert_int_equal(vaccel_genop(&c->noop, r, 3, NULL, 0), VACCEL_OK);
	/* the plugin's return value comes back (test-cpu returns read[0]) */
	in = 321;
	assert_int_equal(vaccel_genop(&c->few, r, 4, w, 1), 321);
	in = 10;

	assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(NULL, r, 4, w, 1), VACCEL_EINVAL);
	r[1] = A(VACCEL_ARG_RAW, lib, sizeof(lib));
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_EINVAL);
	r[1] = A(VACCEL_ARG_STRING, empty, sizeof(empty));
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_EINVAL);
	r[1] = A(VACCEL_ARG_STRING, nonul, sizeof(nonul));
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_EINVAL);
	r[1] = A(VACCEL_ARG_STRING, lib, sizeof(lib));
	r[2] = A(VACCEL_ARG_BUFFER, fn, sizeof(fn));
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_EINVAL);
}

static void test_exec_with_resource(void **state)
{
	struct ctx *c = *state;
	char fn[] = "mytestfunc";
	int64_t id = c->lib.id;
	int32_t id32 = (int32_t)c->lib.id, in = 5, out = 0;
	struct vaccel_arg r[] = { OP(VACCEL_OP_EXEC_WITH_RESOURCE),
				  A(VACCEL_ARG_INT64, &id, sizeof(id)),
				  A(VACCEL_ARG_STRING, fn, sizeof(fn)),
				  A(VACCEL_ARG_INT32, &in, sizeof(in)) };
	struct vaccel_arg w[] = { A(VACCEL_ARG_INT32, &out, sizeof(out)) };

	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_OK);
	assert_int_equal(out, 5);
	/* an unknown id */
	id = 4242;
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_ENOENT);
	/* a resource not registered with the session */
	id = c->unreg_lib.id;
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_EPERM);
	/* not a LIB */
	id = c->model.id;
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_EINVAL);
	id = c->lib.id;
	assert_int_equal(vaccel_genop(NULL, r, 4, w, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 1), VACCEL_EINVAL);
	r[1] = A(VACCEL_ARG_INT32, &id32, sizeof(id32));
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_EINVAL);
	r[1] = A(VACCEL_ARG_INT64, &id, sizeof(id));
	r[2] = A(VACCEL_ARG_RAW, fn, sizeof(fn));
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 1), VACCEL_EINVAL);
}

static void test_classify(void **state)
{
	struct ctx *c = *state;
	unsigned char img[8] = { 1 }, name[64] = { 0 }, text[64] = { 0 };
	struct vaccel_arg r[] = { OP(VACCEL_OP_IMAGE_CLASSIFY),
				  A(VACCEL_ARG_BUFFER, img, sizeof(img)) };
	/* write order (upstream's): image name, then the text */
	struct vaccel_arg w[] = { A(VACCEL_ARG_UCHAR_ARRAY, name, sizeof(name)),
				  A(VACCEL_ARG_UCHAR_ARRAY, text,
				    sizeof(text)) };

	assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 2), VACCEL_OK);
	assert_string_equal((char *)name, "This is a dummy imgname!");
	assert_string_equal((char *)text,
			    "This is a dummy classification tag!");

	assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, r, 1, w, 2), VACCEL_EINVAL);
	struct vaccel_arg r3[] = { r[0], r[1], r[1] };
	assert_int_equal(vaccel_genop(&c->noop, r3, 3, w, 2), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->few, r, 2, w, 2), VACCEL_ENOTSUP);
	assert_int_equal(vaccel_genop(NULL, r, 2, w, 2), VACCEL_EINVAL);
	r[1] = A(VACCEL_ARG_RAW, img, sizeof(img));
	assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 2), VACCEL_EINVAL);
	r[1] = A(VACCEL_ARG_BUFFER, img, sizeof(img));
	w[1] = A(VACCEL_ARG_CHAR_ARRAY, text, sizeof(text));
	assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 2), VACCEL_EINVAL);
}

static void test_image_ops(void **state)
{
	struct ctx *c = *state;
	static const int ops[] = { VACCEL_OP_IMAGE_DETECT,
				   VACCEL_OP_IMAGE_SEGMENT,
				   VACCEL_OP_IMAGE_POSE,
				   VACCEL_OP_IMAGE_DEPTH };
	unsigned char img[8] = { 1 }, name[64];

	for (size_t i = 0; i < 4; i++) {
		memset(name, 0, sizeof(name));
		struct vaccel_arg r[] = { OP(ops[i]), A(VACCEL_ARG_BUFFER, img,
							sizeof(img)) };
		struct vaccel_arg w[] = {
			A(VACCEL_ARG_UCHAR_ARRAY, name, sizeof(name)),
			A(VACCEL_ARG_UCHAR_ARRAY, name, sizeof(name))
		};
		assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 1), VACCEL_OK);
		assert_string_equal((char *)name, "This is a dummy imgname!");
		assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 2),
				 VACCEL_EINVAL);
		assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 0),
				 VACCEL_EINVAL);
		assert_int_equal(vaccel_genop(&c->noop, r, 1, w, 1),
				 VACCEL_EINVAL);
		assert_int_equal(vaccel_genop(&c->few, r, 2, w, 1),
				 VACCEL_ENOTSUP);
		w[0] = A(VACCEL_ARG_BUFFER, name, sizeof(name));
		assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 1),
				 VACCEL_EINVAL);
		r[1] = A(VACCEL_ARG_STRING, "img", 4);
		w[0] = A(VACCEL_ARG_UCHAR_ARRAY, name, sizeof(name));
		assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 1),
				 VACCEL_EINVAL);
	}
}

static void test_sgemm(void **state)
{
	struct ctx *c = *state;
	int64_t m = 2, n = 2, k = 2, lda = 2, ldb = 2, ldc = 2, neg = -1;
	int32_t m32 = 2;
	float alpha = 1.0f, beta = 0.0f;
	float a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 0, 0, 1 }, cm[4] = { 0 };
	struct vaccel_arg r[] = {
		OP(VACCEL_OP_BLAS_SGEMM),
		A(VACCEL_ARG_INT64, &m, 8),
		A(VACCEL_ARG_INT64, &n, 8),
		A(VACCEL_ARG_INT64, &k, 8),
		A(VACCEL_ARG_FLOAT32, &alpha, 4),
		A(VACCEL_ARG_FLOAT32_ARRAY, a, sizeof(a)),
		A(VACCEL_ARG_INT64, &lda, 8),
		A(VACCEL_ARG_FLOAT32_ARRAY, b, sizeof(b)),
		A(VACCEL_ARG_INT64, &ldb, 8),
		A(VACCEL_ARG_FLOAT32, &beta, 4),
		A(VACCEL_ARG_INT64, &ldc, 8),
	};
	struct vaccel_arg w[] = { A(VACCEL_ARG_FLOAT32_ARRAY, cm, sizeof(cm)) };

	assert_int_equal(vaccel_genop(&c->noop, r, 11, w, 1), VACCEL_OK);
	assert_int_equal(vaccel_genop(&c->few, r, 11, w, 1), VACCEL_ENOTSUP);
	assert_int_equal(vaccel_genop(&c->noop, r, 10, w, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, r, 11, w, 0), VACCEL_EINVAL);

	/* each scalar checked for its type and size */
	for (int i = 1; i <= 10; i++) {
		if (i == 5 || i == 7)
			continue; /* the matrices */
		struct vaccel_arg keep = r[i];
		r[i] = A(VACCEL_ARG_INT32, &m32, 4);
		if (vaccel_genop(&c->noop, r, 11, w, 1) != VACCEL_EINVAL)
			fail_msg("sgemm read arg %d as INT32 accepted", i);
		r[i] = keep;
	}
	/* matrices: type and size (m x lda floats) */
	r[5] = A(VACCEL_ARG_FLOAT64_ARRAY, a, sizeof(a));
	assert_int_equal(vaccel_genop(&c->noop, r, 11, w, 1), VACCEL_EINVAL);
	r[5] = A(VACCEL_ARG_FLOAT32_ARRAY, a, sizeof(a) - 4);
	assert_int_equal(vaccel_genop(&c->noop, r, 11, w, 1), VACCEL_EINVAL);
	r[5] = A(VACCEL_ARG_FLOAT32_ARRAY, a, sizeof(a));
	r[7] = A(VACCEL_ARG_FLOAT32_ARRAY, b, 4);
	assert_int_equal(vaccel_genop(&c->noop, r, 11, w, 1), VACCEL_EINVAL);
	r[7] = A(VACCEL_ARG_FLOAT32_ARRAY, b, sizeof(b));
	w[0] = A(VACCEL_ARG_FLOAT32_ARRAY, cm, sizeof(cm) - 4);
	assert_int_equal(vaccel_genop(&c->noop, r, 11, w, 1), VACCEL_EINVAL);
	w[0] = A(VACCEL_ARG_FLOAT32_ARRAY, cm, sizeof(cm));
	/* a leading dimension that makes A larger than given */
	lda = 3;
	assert_int_equal(vaccel_genop(&c->noop, r, 11, w, 1), VACCEL_EINVAL);
	lda = 2;
	/* negative sizes */
	r[1] = A(VACCEL_ARG_INT64, &neg, 8);
	assert_int_equal(vaccel_genop(&c->noop, r, 11, w, 1), VACCEL_EINVAL);
	r[1] = A(VACCEL_ARG_INT64, &m, 8);
	assert_int_equal(vaccel_genop(&c->noop, r, 11, w, 1), VACCEL_OK);
}

static void test_minmax(void **state)
{
	struct ctx *c = *state;
	double in[4] = { 4, 3, 2, 1 }, out[4] = { 0 }, mn = 0, mx = 0;
	int nd = 4, lo = 0, hi = 10;
	short small = 1;
	struct vaccel_arg r[] = { OP(VACCEL_OP_MINMAX),
				  A(VACCEL_ARG_RAW, in, sizeof(in)),
				  A(VACCEL_ARG_RAW, &nd, sizeof(nd)),
				  A(VACCEL_ARG_RAW, &lo, sizeof(lo)),
				  A(VACCEL_ARG_RAW, &hi, sizeof(hi)) };
	struct vaccel_arg w[] = { A(VACCEL_ARG_RAW, out, sizeof(out)),
				  A(VACCEL_ARG_RAW, &mn, sizeof(mn)),
				  A(VACCEL_ARG_RAW, &mx, sizeof(mx)) };

	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 3), VACCEL_OK);
	assert_memory_equal(out, in, sizeof(in));
	assert_true(mn == -1.0);
	assert_true(mx == 10000.0);
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 3), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_EINVAL);
	/* ndata larger than the data */
	nd = 5;
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 3), VACCEL_EINVAL);
	nd = -1;
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 3), VACCEL_EINVAL);
	nd = 4;
	r[3] = A(VACCEL_ARG_RAW, &small, sizeof(small));
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 3), VACCEL_EINVAL);
	r[3] = A(VACCEL_ARG_RAW, &lo, sizeof(lo));
	w[1] = A(VACCEL_ARG_RAW, &small, sizeof(small));
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 3), VACCEL_EINVAL);
	w[1] = A(VACCEL_ARG_RAW, &mn, sizeof(mn));
	w[0] = A(VACCEL_ARG_RAW, out, sizeof(out) - 8);
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 3), VACCEL_EINVAL);
	w[0] = A(VACCEL_ARG_RAW, out, sizeof(out));
	assert_int_equal(vaccel_genop(&c->few, r, 5, w, 3), VACCEL_ENOTSUP);
}

static void test_fpga(void **state)
{
	struct ctx *c = *state;
	int ia[3] = { 7, 8, 9 }, io[3] = { 0 };
	float a[3] = { 1, 2, 3 }, b[3] = { 10, 20, 30 }, o1[3], o2[3];

	/* arraycopy: 1/1 */
	struct vaccel_arg rc[] = { OP(VACCEL_OP_FPGA_ARRAYCOPY),
				   A(VACCEL_ARG_INT32_ARRAY, ia, sizeof(ia)) };
	struct vaccel_arg wc[] = { A(VACCEL_ARG_INT32_ARRAY, io, sizeof(io)) };
	assert_int_equal(vaccel_genop(&c->noop, rc, 2, wc, 1), VACCEL_OK);
	assert_memory_equal(io, ia, sizeof(ia));
	wc[0] = A(VACCEL_ARG_INT32_ARRAY, io, sizeof(io) - 4);
	assert_int_equal(vaccel_genop(&c->noop, rc, 2, wc, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, rc, 2, wc, 2), VACCEL_EINVAL);

	/* mmult: 2/1 */
	struct vaccel_arg r2[] = { OP(VACCEL_OP_FPGA_MMULT),
				   A(VACCEL_ARG_FLOAT32_ARRAY, a, sizeof(a)),
				   A(VACCEL_ARG_FLOAT32_ARRAY, b, sizeof(b)) };
	struct vaccel_arg w1[] = { A(VACCEL_ARG_FLOAT32_ARRAY, o1, sizeof(o1)),
				   A(VACCEL_ARG_FLOAT32_ARRAY, o2,
				     sizeof(o2)) };
	assert_int_equal(vaccel_genop(&c->noop, r2, 3, w1, 1), VACCEL_OK);
	for (int i = 0; i < 3; i++)
		assert_true(o1[i] == 9.1f);
	assert_int_equal(vaccel_genop(&c->noop, r2, 3, w1, 2), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, r2, 2, w1, 1), VACCEL_EINVAL);
	r2[2] = A(VACCEL_ARG_FLOAT32_ARRAY, b, sizeof(b) - 4);
	assert_int_equal(vaccel_genop(&c->noop, r2, 3, w1, 1), VACCEL_EINVAL);
	r2[2] = A(VACCEL_ARG_FLOAT32_ARRAY, b, sizeof(b));

	/* parallel: 2/2 */
	r2[0] = OP(VACCEL_OP_FPGA_PARALLEL);
	assert_int_equal(vaccel_genop(&c->noop, r2, 3, w1, 2), VACCEL_OK);
	for (int i = 0; i < 3; i++) {
		assert_true(o1[i] == a[i] + b[i]);
		assert_true(o2[i] == 1.0f);
	}
	assert_int_equal(vaccel_genop(&c->noop, r2, 3, w1, 1), VACCEL_EINVAL);
	w1[1] = A(VACCEL_ARG_FLOAT32_ARRAY, o2, 4);
	assert_int_equal(vaccel_genop(&c->noop, r2, 3, w1, 2), VACCEL_EINVAL);
	w1[1] = A(VACCEL_ARG_FLOAT32_ARRAY, o2, sizeof(o2));

	/* vector add: 2/1 */
	r2[0] = OP(VACCEL_OP_FPGA_VECTORADD);
	memset(o1, 0, sizeof(o1));
	assert_int_equal(vaccel_genop(&c->noop, r2, 3, w1, 1), VACCEL_OK);
	for (int i = 0; i < 3; i++)
		assert_true(o1[i] == a[i] + b[i]);
	w1[0] = A(VACCEL_ARG_FLOAT32_ARRAY, o1, 8);
	assert_int_equal(vaccel_genop(&c->noop, r2, 3, w1, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, r2, 3, w1, 2), VACCEL_EINVAL);
	w1[0] = A(VACCEL_ARG_FLOAT32_ARRAY, o1, sizeof(o1));
	assert_int_equal(vaccel_genop(&c->few, r2, 3, w1, 1), VACCEL_ENOTSUP);
}

static void test_opencv(void **state)
{
	struct ctx *c = *state;
	size_t out = 0;
	int in = 3;
	struct vaccel_arg r[] = { OP(VACCEL_OP_OPENCV),
				  A(VACCEL_ARG_RAW, &in, sizeof(in)) };
	struct vaccel_arg w[] = { A(VACCEL_ARG_RAW, &out, sizeof(out)) };

	/* passed through unchecked */
	assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 1), VACCEL_OK);
	assert_int_equal(out, sizeof(out) / sizeof(float));
	assert_int_equal(vaccel_genop(&c->noop, r, 1, NULL, 0), VACCEL_OK);
	assert_int_equal(vaccel_genop(&c->few, r, 2, w, 1), VACCEL_ENOTSUP);
}

/* ONNX: load/unload = [INT64 id] / none; run = [INT64 id, (INT32 dtype,
 * INT64_ARRAY dims, BUFFER data) per input] / [(INT64_ARRAY meta, BUFFER
 * data) per output], meta = [dtype, nr_dims, dims...]. */
static void test_onnx(void **state)
{
	struct ctx *c = *state;
	int64_t id = c->model.id, bad_id = 9999;
	int32_t dt = VACCEL_ONNX_FLOAT, bad_dt = 99, dt_i64 = VACCEL_ONNX_INT64;
	int64_t dims[2] = { 2, 3 };
	float data[6] = { 1, 2, 3, 4, 5, 6 };
	int64_t meta[4], small_meta[3];
	float out[6], out_small[5];

	struct vaccel_arg lr[] = { OP(VACCEL_OP_ONNX_MODEL_LOAD),
				   A(VACCEL_ARG_INT64, &id, 8) };
	assert_int_equal(vaccel_genop(&c->noop, lr, 2, NULL, 0), VACCEL_OK);
	assert_int_equal(vaccel_genop(&c->noop, lr, 1, NULL, 0), VACCEL_EINVAL);
	struct vaccel_arg dummy[1] = { A(VACCEL_ARG_INT64, &id, 8) };
	assert_int_equal(vaccel_genop(&c->noop, lr, 2, dummy, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->few, lr, 2, NULL, 0), VACCEL_EPERM);
	lr[1] = A(VACCEL_ARG_INT64, &bad_id, 8);
	assert_int_equal(vaccel_genop(&c->noop, lr, 2, NULL, 0), VACCEL_ENOENT);
	lr[1] = A(VACCEL_ARG_INT32, &dt, 4);
	assert_int_equal(vaccel_genop(&c->noop, lr, 2, NULL, 0), VACCEL_EINVAL);

	struct vaccel_arg r[] = { OP(VACCEL_OP_ONNX_MODEL_RUN),
				  A(VACCEL_ARG_INT64, &id, 8),
				  A(VACCEL_ARG_INT32, &dt, 4),
				  A(VACCEL_ARG_INT64_ARRAY, dims, sizeof(dims)),
				  A(VACCEL_ARG_BUFFER, data, sizeof(data)) };
	struct vaccel_arg w[] = { A(VACCEL_ARG_INT64_ARRAY, meta, sizeof(meta)),
				  A(VACCEL_ARG_BUFFER, out, sizeof(out)) };
	memset(meta, 0, sizeof(meta));
	memset(out, 0, sizeof(out));
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_OK);
	assert_int_equal(meta[0], VACCEL_ONNX_FLOAT);
	assert_int_equal(meta[1], 2);
	assert_int_equal(meta[2], 2);
	assert_int_equal(meta[3], 3);
	assert_memory_equal(out, data, sizeof(data)); /* noop copies */

	/* layout errors */
	assert_int_equal(vaccel_genop(&c->noop, r, 4, w, 2), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_genop(&c->noop, r, 1, w, 2), VACCEL_EINVAL);
	r[2] = A(VACCEL_ARG_INT32, &bad_dt, 4); /* unknown dtype */
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_EINVAL);
	r[2] = A(VACCEL_ARG_INT32, &dt_i64, 4); /* 6 x 8 bytes expected */
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_EINVAL);
	r[2] = A(VACCEL_ARG_INT64, &id, 8); /* dtype not INT32 */
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_EINVAL);
	r[2] = A(VACCEL_ARG_INT32, &dt, 4);
	r[3] = A(VACCEL_ARG_INT64_ARRAY, dims, 8); /* 2 elements != 6 */
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_EINVAL);
	r[3] = A(VACCEL_ARG_INT32_ARRAY, dims, sizeof(dims));
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_EINVAL);
	r[3] = A(VACCEL_ARG_INT64_ARRAY, dims, sizeof(dims));
	r[4] = A(VACCEL_ARG_RAW, data, sizeof(data));
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_EINVAL);
	r[4] = A(VACCEL_ARG_BUFFER, data, sizeof(data));
	/* outputs too small: ERANGE */
	w[0] = A(VACCEL_ARG_INT64_ARRAY, small_meta, sizeof(small_meta));
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_ERANGE);
	w[0] = A(VACCEL_ARG_INT64_ARRAY, meta, sizeof(meta));
	w[1] = A(VACCEL_ARG_BUFFER, out_small, sizeof(out_small));
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_ERANGE);
	w[1] = A(VACCEL_ARG_RAW, out, sizeof(out));
	assert_int_equal(vaccel_genop(&c->noop, r, 5, w, 2), VACCEL_EINVAL);
	w[1] = A(VACCEL_ARG_BUFFER, out, sizeof(out));
	/* no outputs wanted */
	assert_int_equal(vaccel_genop(&c->noop, r, 5, NULL, 0), VACCEL_OK);
	/* an output the plugin did not produce (no inputs for noop) */
	assert_int_equal(vaccel_genop(&c->noop, r, 2, w, 2), VACCEL_EBACKEND);
	/* not registered / not implemented */
	assert_int_equal(vaccel_genop(&c->few, r, 5, w, 2), VACCEL_EPERM);

	lr[0] = OP(VACCEL_OP_ONNX_MODEL_UNLOAD);
	lr[1] = A(VACCEL_ARG_INT64, &id, 8);
	assert_int_equal(vaccel_genop(&c->noop, lr, 2, NULL, 0), VACCEL_OK);
	assert_int_equal(vaccel_genop(&c->noop, lr, 3, NULL, 0), VACCEL_EINVAL);
}

/* genop with an array built by the arg_array helpers, as the examples do. */
static void test_with_arg_array(void **state)
{
	struct ctx *c = *state;
	struct vaccel_arg_array read, write;
	uint8_t op = VACCEL_OP_IMAGE_CLASSIFY;
	unsigned char img[4] = { 1, 2, 3, 4 }, name[32] = { 0 },
		      text[48] = { 0 };

	assert_int_equal(vaccel_arg_array_init(&read, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_init(&write, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_uint8(&read, &op), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_buffer(&read, img, sizeof(img)),
			 VACCEL_OK);
	assert_int_equal(
		vaccel_arg_array_add_uchar_array(&write, name, sizeof(name)),
		VACCEL_OK);
	assert_int_equal(
		vaccel_arg_array_add_uchar_array(&write, text, sizeof(text)),
		VACCEL_OK);
	assert_int_equal(vaccel_genop(&c->noop, vaccel_arg_array_raw(&read),
				      (int)vaccel_arg_array_count(&read),
				      vaccel_arg_array_raw(&write),
				      (int)vaccel_arg_array_count(&write)),
			 VACCEL_OK);
	assert_string_equal((char *)name, "This is a dummy imgname!");
	assert_string_equal((char *)text,
			    "This is a dummy classification tag!");
	vaccel_arg_array_release(&read);
	vaccel_arg_array_release(&write);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_op_type_arg), T(test_op_numbers),
		T(test_exec),	     T(test_exec_with_resource),
		T(test_classify),    T(test_image_ops),
		T(test_sgemm),	     T(test_minmax),
		T(test_fpga),	     T(test_opencv),
		T(test_onnx),	     T(test_with_arg_array),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
