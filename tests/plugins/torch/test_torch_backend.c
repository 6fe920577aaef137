// SPDX-License-Identifier: Apache-2.0
/* The C face of libtorch (plugins/torch/torch_backend.h) on its own, without
 * libvaccel: tensor checks, loading (file, memory, corrupt), forward() with
 * every supported output kind and dtype, errors, sgemm, and threads. */
#include "files.h"
#include "refs.h"
#include "torch_backend.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Outputs collected by collect(), the test's allocator. */
struct out {
	int64_t nr_dims;
	int64_t dims[TORCH_BACKEND_MAX_DIMS];
	enum vaccel_torch_data_type type;
	size_t size;
	void *data;
};

struct outs {
	int n;
	int fail_at; /* return NULL for this index (-1: never) */
	struct out o[8];
};

static void *collect(void *ctx, int index, int64_t nr_dims, const int64_t *dims,
		     enum vaccel_torch_data_type type, size_t size)
{
	struct outs *os = ctx;
	struct out *o = &os->o[index];

	/* no cmocka assert here: it may run in another thread */
	if (index != os->n || index == os->fail_at)
		return NULL;
	o->nr_dims = nr_dims;
	memcpy(o->dims, dims, (size_t)nr_dims * sizeof(dims[0]));
	o->type = type;
	o->size = size;
	o->data = malloc(size ? size : 1);
	os->n++;
	return o->data;
}

static void outs_free(struct outs *os)
{
	for (int i = 0; i < os->n; i++)
		free(os->o[i].data);
	memset(os, 0, sizeof(*os));
	os->fail_at = -1;
}

static struct torch_backend_model *load(const char *name)
{
	char p[PATH_MAX], err[256];
	struct torch_backend_model *m = NULL;

	assert_int_equal(
		torch_backend_model_load_file(ref_path(p, sizeof(p), name), &m,
					      err, sizeof(err)),
		VACCEL_OK);
	assert_non_null(m);
	return m;
}

static void tensor(struct vaccel_torch_tensor *t, void *data, int64_t nr_dims,
		   int64_t *dims, enum vaccel_torch_data_type type)
{
	size_t n = 1;

	for (int64_t i = 0; i < nr_dims; i++)
		n *= (size_t)dims[i];
	*t = (struct vaccel_torch_tensor){ .data = data,
					   .size = n * torch_backend_dtype_size(
							       type),
					   .nr_dims = nr_dims,
					   .dims = dims,
					   .data_type = type };
}

/* linear.pt: y = x W^T + b (W, b of scripts/make-torch-test-models.py). */
static float x24[8] = { 1, 2, 3, 4, -1, 0, 1, 2 };
static int64_t d24[2] = { 2, 4 };
static const float y23[6] = { 1.5f, 4, 13, -2.5f, 4, 3 };

static void test_dtype_size(void **state)
{
	assert_int_equal(torch_backend_dtype_size(VACCEL_TORCH_BYTE), 1);
	assert_int_equal(torch_backend_dtype_size(VACCEL_TORCH_CHAR), 1);
	assert_int_equal(torch_backend_dtype_size(VACCEL_TORCH_SHORT), 2);
	assert_int_equal(torch_backend_dtype_size(VACCEL_TORCH_INT), 4);
	assert_int_equal(torch_backend_dtype_size(VACCEL_TORCH_LONG), 8);
	assert_int_equal(torch_backend_dtype_size(VACCEL_TORCH_HALF), 2);
	assert_int_equal(torch_backend_dtype_size(VACCEL_TORCH_FLOAT), 4);
	assert_int_equal(torch_backend_dtype_size(0), 0);
	assert_int_equal(torch_backend_dtype_size(8), 0);
}

static void test_check_tensor(void **state)
{
	struct vaccel_torch_tensor t;
	int64_t bad[2] = { 2, -4 }, huge[2] = { INT64_MAX / 2, 8 };
	char err[256];

	tensor(&t, x24, 2, d24, VACCEL_TORCH_FLOAT);
	assert_int_equal(torch_backend_check_tensor(&t, err, sizeof(err)),
			 VACCEL_OK);
	assert_int_equal(torch_backend_check_tensor(NULL, err, sizeof(err)),
			 VACCEL_EINVAL);
	t.size = 31;
	assert_int_equal(torch_backend_check_tensor(&t, err, sizeof(err)),
			 VACCEL_EINVAL);
	assert_non_null(strstr(err, "size is 31 bytes"));
	t.size = 32;
	t.data_type = 9;
	assert_int_equal(torch_backend_check_tensor(&t, err, sizeof(err)),
			 VACCEL_EINVAL);
	assert_non_null(strstr(err, "data type"));
	t.data_type = VACCEL_TORCH_FLOAT;
	t.dims = bad;
	assert_int_equal(torch_backend_check_tensor(&t, err, sizeof(err)),
			 VACCEL_EINVAL);
	t.dims = huge;
	assert_int_equal(torch_backend_check_tensor(&t, err, sizeof(err)),
			 VACCEL_EINVAL);
	t.dims = NULL;
	assert_int_equal(torch_backend_check_tensor(&t, err, sizeof(err)),
			 VACCEL_EINVAL);
	t.dims = d24;
	t.nr_dims = 17;
	assert_int_equal(torch_backend_check_tensor(&t, err, sizeof(err)),
			 VACCEL_EINVAL);
	t.nr_dims = 2;
	t.data = NULL;
	assert_int_equal(torch_backend_check_tensor(&t, err, sizeof(err)),
			 VACCEL_EINVAL);
	/* a 0-d tensor (one element) and an empty tensor are valid */
	tensor(&t, x24, 0, NULL, VACCEL_TORCH_FLOAT);
	assert_int_equal(torch_backend_check_tensor(&t, err, sizeof(err)),
			 VACCEL_OK);
	int64_t empty[2] = { 0, 4 };
	tensor(&t, NULL, 2, empty, VACCEL_TORCH_FLOAT);
	assert_int_equal(torch_backend_check_tensor(&t, err, sizeof(err)),
			 VACCEL_OK);
}

static void check_linear(struct torch_backend_model *m)
{
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };
	struct outs os = { .fail_at = -1 };
	char err[256];

	tensor(&in, x24, 2, d24, VACCEL_TORCH_FLOAT);
	assert_int_equal(torch_backend_model_run(m, ins, 1, 1, collect, &os,
						 err, sizeof(err)),
			 VACCEL_OK);
	assert_int_equal(os.n, 1);
	assert_int_equal(os.o[0].nr_dims, 2);
	assert_int_equal(os.o[0].dims[0], 2);
	assert_int_equal(os.o[0].dims[1], 3);
	assert_int_equal(os.o[0].type, VACCEL_TORCH_FLOAT);
	assert_int_equal(os.o[0].size, sizeof(y23));
	assert_memory_equal(os.o[0].data, y23, sizeof(y23));
	outs_free(&os);
}

static void test_linear_file(void **state)
{
	struct torch_backend_model *m = load("linear.pt");

	check_linear(m);
	check_linear(m); /* the second call too (executor state) */
	torch_backend_model_free(m);
}

static void test_linear_buffer(void **state)
{
	char p[PATH_MAX], err[256];
	size_t size = 0;
	void *buf = tu_read_file(ref_path(p, sizeof(p), "linear.pt"), &size);
	struct torch_backend_model *m = NULL;

	assert_non_null(buf);
	assert_int_equal(torch_backend_model_load_buffer(buf, size, &m, err,
							 sizeof(err)),
			 VACCEL_OK);
	/* the buffer is needed only during the load */
	memset(buf, 0, size);
	free(buf);
	check_linear(m);
	torch_backend_model_free(m);
}

static void test_load_errors(void **state)
{
	char p[PATH_MAX], err[256];
	struct torch_backend_model *m = NULL;
	size_t size = 0;
	unsigned char *buf;

	assert_int_equal(torch_backend_model_load_file("/nonexistent.pt", &m,
						       err, sizeof(err)),
			 VACCEL_EINVAL);
	assert_null(m);
	assert_non_null(strstr(err, "not a TorchScript model"));

	const char junk[] = "this is not a zip archive, nor a model";
	assert_int_equal(torch_backend_model_load_buffer(junk, sizeof(junk), &m,
							 err, sizeof(err)),
			 VACCEL_EINVAL);
	assert_null(m);

	/* truncated and corrupted archives */
	buf = (unsigned char *)tu_read_file(ref_path(p, sizeof(p), "linear.pt"),
					    &size);
	assert_non_null(buf);
	assert_int_equal(torch_backend_model_load_buffer(buf, size / 2, &m, err,
							 sizeof(err)),
			 VACCEL_EINVAL);
	for (size_t i = size / 4; i < size; i += 7)
		buf[i] ^= 0x5a;
	assert_int_equal(torch_backend_model_load_buffer(buf, size, &m, err,
							 sizeof(err)),
			 VACCEL_EINVAL);
	assert_null(m);
	free(buf);
}

static void test_multi_and_list(void **state)
{
	struct torch_backend_model *multi = load("multi.pt");
	struct torch_backend_model *list = load("list.pt");
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };
	struct outs os = { .fail_at = -1 };
	const float relu2[8] = { 2, 4, 6, 8, 0, 0, 2, 4 };
	const float sums[2] = { 10, 2 };
	char err[256];

	tensor(&in, x24, 2, d24, VACCEL_TORCH_FLOAT);
	assert_int_equal(torch_backend_model_run(multi, ins, 1, 3, collect, &os,
						 err, sizeof(err)),
			 VACCEL_OK);
	assert_int_equal(os.n, 3);
	assert_memory_equal(os.o[0].data, y23, sizeof(y23));
	assert_memory_equal(os.o[1].data, relu2, sizeof(relu2));
	assert_int_equal(os.o[2].nr_dims, 2);
	assert_int_equal(os.o[2].dims[1], 1);
	assert_memory_equal(os.o[2].data, sums, sizeof(sums));
	outs_free(&os);

	/* fewer outputs than returned: the first ones */
	assert_int_equal(torch_backend_model_run(multi, ins, 1, 1, collect, &os,
						 err, sizeof(err)),
			 VACCEL_OK);
	assert_int_equal(os.n, 1);
	assert_memory_equal(os.o[0].data, y23, sizeof(y23));
	outs_free(&os);

	/* more: EINVAL before anything is allocated */
	assert_int_equal(torch_backend_model_run(multi, ins, 1, 4, collect, &os,
						 err, sizeof(err)),
			 VACCEL_EINVAL);
	assert_int_equal(os.n, 0);
	assert_non_null(
		strstr(err, "4 outputs asked but forward() returned 3"));

	assert_int_equal(torch_backend_model_run(list, ins, 1, 2, collect, &os,
						 err, sizeof(err)),
			 VACCEL_OK);
	assert_int_equal(os.n, 2);
	assert_memory_equal(os.o[0].data, x24, sizeof(x24));
	assert_float_equal(((float *)os.o[1].data)[7], 3.0f, 0);
	outs_free(&os);

	torch_backend_model_free(multi);
	torch_backend_model_free(list);
}

/* double.pt (x + x) keeps each dtype. */
static void test_dtypes(void **state)
{
	struct torch_backend_model *m = load("double.pt");
	int64_t dims[1] = { 4 };
	union {
		uint8_t u8[4];
		int8_t i8[4];
		int16_t i16[4];
		int32_t i32[4];
		int64_t i64[4];
		uint16_t f16[4];
		float f32[4];
	} in = { 0 };
	const enum vaccel_torch_data_type types[] = {
		VACCEL_TORCH_BYTE,  VACCEL_TORCH_CHAR, VACCEL_TORCH_SHORT,
		VACCEL_TORCH_INT,   VACCEL_TORCH_LONG, VACCEL_TORCH_HALF,
		VACCEL_TORCH_FLOAT,
	};
	char err[256];

	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		struct vaccel_torch_tensor t;
		struct vaccel_torch_tensor *ins[1] = { &t };
		struct outs os = { .fail_at = -1 };
		enum vaccel_torch_data_type ty = types[k];

		for (int i = 0; i < 4; i++) {
			in.i64[i] = 0;
			switch (ty) {
			case VACCEL_TORCH_BYTE:
				in.u8[i] = (uint8_t)(100 + i * 10); /* wraps */
				break;
			case VACCEL_TORCH_CHAR:
				in.i8[i] = (int8_t)(-3 + i);
				break;
			case VACCEL_TORCH_SHORT:
				in.i16[i] = (int16_t)(-300 + i);
				break;
			case VACCEL_TORCH_INT:
				in.i32[i] = -70000 + i;
				break;
			case VACCEL_TORCH_LONG:
				in.i64[i] = ((int64_t)1 << 40) + i;
				break;
			case VACCEL_TORCH_HALF:
				in.f16[i] = (uint16_t)(0x3c00 + i * 0x400);
				break; /* 1, 2, 4, 8 */
			case VACCEL_TORCH_FLOAT:
				in.f32[i] = 0.25f * (float)i;
				break;
			}
		}
		tensor(&t, &in, 1, dims, ty);
		assert_int_equal(torch_backend_model_run(m, ins, 1, 1, collect,
							 &os, err, sizeof(err)),
				 VACCEL_OK);
		assert_int_equal(os.o[0].type, ty);
		assert_int_equal(os.o[0].size, t.size);
		for (int i = 0; i < 4; i++) {
			switch (ty) {
			case VACCEL_TORCH_BYTE:
				assert_int_equal(((uint8_t *)os.o[0].data)[i],
						 (uint8_t)(2 * in.u8[i]));
				break;
			case VACCEL_TORCH_CHAR:
				assert_int_equal(((int8_t *)os.o[0].data)[i],
						 2 * in.i8[i]);
				break;
			case VACCEL_TORCH_SHORT:
				assert_int_equal(((int16_t *)os.o[0].data)[i],
						 2 * in.i16[i]);
				break;
			case VACCEL_TORCH_INT:
				assert_int_equal(((int32_t *)os.o[0].data)[i],
						 2 * in.i32[i]);
				break;
			case VACCEL_TORCH_LONG:
				assert_true(((int64_t *)os.o[0].data)[i] ==
					    2 * in.i64[i]);
				break;
			case VACCEL_TORCH_HALF: /* 2x: exponent + 1 */
				assert_int_equal(((uint16_t *)os.o[0].data)[i],
						 in.f16[i] + 0x400);
				break;
			case VACCEL_TORCH_FLOAT:
				assert_float_equal(((float *)os.o[0].data)[i],
						   0.5f * (float)i, 0);
				break;
			}
		}
		outs_free(&os);
	}
	torch_backend_model_free(m);
}

/* cast.pt: (x > 0, x.double()) come back as BYTE and FLOAT. */
static void test_converted_outputs(void **state)
{
	struct torch_backend_model *m = load("cast.pt");
	float x[3] = { -1.5f, 0, 2.25f };
	int64_t dims[1] = { 3 };
	struct vaccel_torch_tensor t;
	struct vaccel_torch_tensor *ins[1] = { &t };
	struct outs os = { .fail_at = -1 };
	const uint8_t pos[3] = { 0, 0, 1 };
	char err[256];

	tensor(&t, x, 1, dims, VACCEL_TORCH_FLOAT);
	assert_int_equal(torch_backend_model_run(m, ins, 1, 2, collect, &os,
						 err, sizeof(err)),
			 VACCEL_OK);
	assert_int_equal(os.o[0].type, VACCEL_TORCH_BYTE);
	assert_memory_equal(os.o[0].data, pos, 3);
	assert_int_equal(os.o[1].type, VACCEL_TORCH_FLOAT);
	assert_memory_equal(os.o[1].data, x, sizeof(x));
	outs_free(&os);
	torch_backend_model_free(m);
}

static void test_run_errors(void **state)
{
	struct torch_backend_model *lin = load("linear.pt");
	struct torch_backend_model *dict = load("dict.pt");
	struct torch_backend_model *two = load("two_inputs.pt");
	float x25[10] = { 0 };
	int64_t d25[2] = { 2, 5 };
	struct vaccel_torch_tensor in, bad;
	struct vaccel_torch_tensor *ins[2] = { &in, &in };
	struct vaccel_torch_tensor *bads[1] = { &bad };
	struct outs os = { .fail_at = -1 };
	char err[512];

	tensor(&in, x24, 2, d24, VACCEL_TORCH_FLOAT);
	/* wrong shape: libtorch's reason comes back */
	tensor(&bad, x25, 2, d25, VACCEL_TORCH_FLOAT);
	assert_int_equal(torch_backend_model_run(lin, bads, 1, 1, collect, &os,
						 err, sizeof(err)),
			 VACCEL_EINVAL);
	assert_non_null(strstr(err, "forward() failed"));
	assert_non_null(strstr(err, "cannot be multiplied"));
	print_message("(expected) %s\n", err);
	assert_int_equal(os.n, 0);
	/* wrong dtype */
	tensor(&bad, x24, 2, d24, VACCEL_TORCH_INT);
	assert_int_equal(torch_backend_model_run(lin, bads, 1, 1, collect, &os,
						 err, sizeof(err)),
			 VACCEL_EINVAL);
	/* wrong number of inputs */
	assert_int_equal(torch_backend_model_run(lin, ins, 2, 1, collect, &os,
						 err, sizeof(err)),
			 VACCEL_EINVAL);
	print_message("(expected) %s\n", err);
	assert_int_equal(torch_backend_model_run(two, ins, 1, 1, collect, &os,
						 err, sizeof(err)),
			 VACCEL_EINVAL);
	assert_int_equal(os.n, 0);
	/* an output that is not a tensor */
	assert_int_equal(torch_backend_model_run(dict, ins, 1, 1, collect, &os,
						 err, sizeof(err)),
			 VACCEL_ENOTSUP);
	assert_non_null(strstr(err, "Dict"));
	print_message("(expected) %s\n", err);
	/* the allocator fails */
	os.fail_at = 0;
	assert_int_equal(torch_backend_model_run(lin, ins, 1, 1, collect, &os,
						 err, sizeof(err)),
			 VACCEL_ENOMEM);
	outs_free(&os);
	/* two inputs: a * b + 1 */
	assert_int_equal(torch_backend_model_run(two, ins, 2, 1, collect, &os,
						 err, sizeof(err)),
			 VACCEL_OK);
	assert_float_equal(((float *)os.o[0].data)[3], 17.0f, 0);
	outs_free(&os);

	torch_backend_model_free(lin);
	torch_backend_model_free(dict);
	torch_backend_model_free(two);
}

static void naive_sgemm(const float *a, const float *b, const float *c,
			float *out, int m, int n, int k)
{
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double s = c ? c[i * n + j] : 0;

			for (int l = 0; l < k; l++)
				s += (double)a[i * k + l] * b[l * n + j];
			out[i * n + j] = (float)s;
		}
}

static void test_sgemm(void **state)
{
	enum {
		M = 37,
		N = 29,
		K = 53
	};
	static float a[M * K], b[K * N], c[M * N], got[M * N], want[M * N];
	char err[256];

	for (int i = 0; i < M * K; i++)
		a[i] = (float)((i * 7) % 11 - 5);
	for (int i = 0; i < K * N; i++)
		b[i] = (float)((i * 5) % 13 - 6);
	for (int i = 0; i < M * N; i++)
		c[i] = (float)(i % 3);
	/* small integers: exact in float whatever the summation order */
	assert_int_equal(
		torch_backend_sgemm(a, b, NULL, got, M, N, K, err, sizeof(err)),
		VACCEL_OK);
	naive_sgemm(a, b, NULL, want, M, N, K);
	assert_memory_equal(got, want, sizeof(got));
	assert_int_equal(
		torch_backend_sgemm(a, b, c, got, M, N, K, err, sizeof(err)),
		VACCEL_OK);
	naive_sgemm(a, b, c, want, M, N, K);
	assert_memory_equal(got, want, sizeof(got));
}

/* Several threads run one model at once; every result is exact. */
struct thread_arg {
	struct torch_backend_model *m;
	int failures;
};

static void *run_many(void *p)
{
	struct thread_arg *ta = p;
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };
	char err[256];

	for (int it = 0; it < 200; it++) {
		struct outs os = { .fail_at = -1 };

		tensor(&in, x24, 2, d24, VACCEL_TORCH_FLOAT);
		if (torch_backend_model_run(ta->m, ins, 1, 1, collect, &os, err,
					    sizeof(err)) != VACCEL_OK ||
		    memcmp(os.o[0].data, y23, sizeof(y23)) != 0)
			ta->failures++;
		outs_free(&os);
	}
	return NULL;
}

static void test_threads(void **state)
{
	enum {
		T = 4
	};
	struct torch_backend_model *m = load("multi.pt");
	pthread_t th[T];
	struct thread_arg ta[T];

	for (int i = 0; i < T; i++) {
		ta[i] = (struct thread_arg){ .m = m };
		assert_int_equal(pthread_create(&th[i], NULL, run_many, &ta[i]),
				 0);
	}
	for (int i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(ta[i].failures, 0);
	}
	torch_backend_model_free(m);
}

int main(void)
{
	char err[256] = "";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dtype_size),
		cmocka_unit_test(test_check_tensor),
		cmocka_unit_test(test_linear_file),
		cmocka_unit_test(test_linear_buffer),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_multi_and_list),
		cmocka_unit_test(test_dtypes),
		cmocka_unit_test(test_converted_outputs),
		cmocka_unit_test(test_run_errors),
		cmocka_unit_test(test_sgemm),
		cmocka_unit_test(test_threads),
	};

	ref_require_models();
	if (torch_backend_init(1, TORCH_BACKEND_JIT_OFF, err, sizeof(err)) !=
	    VACCEL_OK) {
		fprintf(stderr, "torch_backend_init: %s\n", err);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
