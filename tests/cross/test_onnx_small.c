// SPDX-License-Identifier: Apache-2.0
/* The onnx plugin on ONNX Runtime with small models only, cheap enough to
 * run under qemu-user on the arm64 build (tests/cross/run-tests.sh) with the
 * aarch64 ONNX Runtime; also part of the native suites. Generic inference
 * on the fixed-weight linear model (y = W x + b, known exactly) and the
 * PP-OCR text-direction classifier on a rendered text line turned by 180
 * degrees. Skips (77) when the fetched models are missing. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vaccel.h>

static char linear[4096], text180[4096];

static void test_linear_exact(void **state)
{
	(void)state;
	struct vaccel_session s;
	struct vaccel_resource r;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(
		vaccel_resource_init(&r, linear, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r, &s), VACCEL_OK);
	assert_int_equal(vaccel_onnx_model_load(&s, &r), VACCEL_OK);

	float x[4] = { 1, 2, 3, 4 };
	int64_t dims[2] = { 1, 4 };
	struct vaccel_onnx_tensor *in, *out = NULL;
	assert_int_equal(
		vaccel_onnx_tensor_new(&in, 2, dims, VACCEL_ONNX_FLOAT),
		VACCEL_OK);
	assert_int_equal(vaccel_onnx_tensor_set_data(in, x, sizeof(x)),
			 VACCEL_OK);
	assert_int_equal(vaccel_onnx_model_run(&s, &r, &in, 1, &out, 1),
			 VACCEL_OK);
	assert_non_null(out);
	assert_int_equal(out->size, 3 * sizeof(float));
	const float *y = out->data;
	assert_true(y[0] == 7.0f && y[1] == 4.0f && y[2] == 3.5f);
	vaccel_onnx_tensor_delete(out);
	vaccel_onnx_tensor_delete(in);
	assert_int_equal(vaccel_resource_unregister(&r, &s), VACCEL_OK);
	vaccel_resource_release(&r);
	vaccel_session_release(&s);
}

static void test_classify_text_180(void **state)
{
	(void)state;
	FILE *f = fopen(text180, "rb");
	assert_non_null(f);
	static unsigned char img[1 << 20];
	size_t n = fread(img, 1, sizeof(img), f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(img));

	struct vaccel_session s;
	unsigned char text[512] = { 0 }, best[128] = { 0 };
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_image_classification(&s, img, text, best, n,
						     sizeof(text),
						     sizeof(best)),
			 VACCEL_OK);
	/* "LABEL SCORE" records, best first: "180 0.99..." */
	assert_int_equal(strncmp((char *)text, "180 ", 4), 0);
	assert_true(strtod((char *)text + 4, NULL) >= 0.99);
	vaccel_session_release(&s);
}

int main(void)
{
	const char *deps = getenv("VACCEL_DEPS");
	if (!deps)
		deps = "/opt/vaccel-deps";
	snprintf(linear, sizeof(linear),
		 "%s/models/converted/linear_fixed.onnx", deps);
	snprintf(text180, sizeof(text180), "%s/images/text/text0_180.jpg",
		 deps);
	if (access(linear, R_OK) || access(text180, R_OK)) {
		printf("SKIP: no %s or %s (scripts/setup.sh)\n", linear,
		       text180);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear_exact),
		cmocka_unit_test(test_classify_text_180),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
