// SPDX-License-Identifier: Apache-2.0
/* Args and arg arrays (api-reference.md §4.1-4.2) and the deprecated
 * arg-list API: every helper of every numeric family, string, buffer, raw,
 * custom (validators), serialized ((de)serializers), range/remaining/all
 * with and without copy, wrap, clear, growth, the position helpers, and the
 * error paths (NULL, wrong type or size, cursor past the end = ERANGE).
 * Pure data structures: no bootstrap needed. */

#include "tu.h"
#include <stdlib.h>
#include <string.h>
#include <vaccel.h>

/* ---- single args ---- */

static void test_arg_init_release(void **state)
{
	struct vaccel_arg a;
	const char data[] = "hello";

	assert_int_equal(
		vaccel_arg_init(&a, data, sizeof(data), VACCEL_ARG_STRING, 7),
		VACCEL_OK);
	assert_true(a.owned);
	assert_ptr_not_equal(a.buf, data); /* copied */
	assert_memory_equal(a.buf, data, sizeof(data));
	assert_int_equal(a.size, sizeof(data));
	assert_int_equal(a.type, VACCEL_ARG_STRING);
	assert_int_equal(a.custom_type_id, 7);
	assert_int_equal(vaccel_arg_release(&a), VACCEL_OK);
	assert_null(a.buf);
	assert_int_equal(a.size, 0);
	assert_int_equal(a.type, VACCEL_ARG_MAX);
	assert_int_equal(a.custom_type_id, 0);
	assert_false(a.owned);

	/* NULL buf: zero-filled buffer of `size` */
	assert_int_equal(vaccel_arg_init(&a, NULL, 16, VACCEL_ARG_RAW, 0),
			 VACCEL_OK);
	assert_true(a.owned);
	assert_non_null(a.buf);
	for (int i = 0; i < 16; i++)
		assert_int_equal(((unsigned char *)a.buf)[i], 0);
	vaccel_arg_release(&a);

	/* empty arg */
	assert_int_equal(vaccel_arg_init(&a, NULL, 0, VACCEL_ARG_RAW, 0),
			 VACCEL_OK);
	assert_null(a.buf);
	assert_false(a.owned);
	vaccel_arg_release(&a);

	assert_int_equal(vaccel_arg_init(NULL, data, 1, VACCEL_ARG_RAW, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_init(&a, data, 0, VACCEL_ARG_RAW, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_release(NULL), VACCEL_EINVAL);
}

static void test_arg_from_buf(void **state)
{
	struct vaccel_arg a;
	int v = 5;

	assert_int_equal(vaccel_arg_init_from_buf(&a, &v, sizeof(v),
						  VACCEL_ARG_INT32, 0),
			 VACCEL_OK);
	assert_ptr_equal(a.buf, &v); /* referenced */
	assert_false(a.owned);
	assert_int_equal(vaccel_arg_release(&a), VACCEL_OK);
	assert_int_equal(v, 5);

	assert_int_equal(
		vaccel_arg_init_from_buf(&a, NULL, 0, VACCEL_ARG_RAW, 0),
		VACCEL_OK);
	assert_int_equal(vaccel_arg_init_from_buf(&a, &v, 0, VACCEL_ARG_RAW, 0),
			 VACCEL_EINVAL);
	assert_int_equal(
		vaccel_arg_init_from_buf(&a, NULL, 4, VACCEL_ARG_RAW, 0),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_arg_init_from_buf(NULL, &v, 4, VACCEL_ARG_RAW, 0),
		VACCEL_EINVAL);
}

static void test_arg_new_delete(void **state)
{
	struct vaccel_arg *a = NULL;
	int v = 9;

	assert_int_equal(vaccel_arg_new(&a, &v, sizeof(v), VACCEL_ARG_INT32, 0),
			 VACCEL_OK);
	assert_non_null(a);
	assert_true(a->owned);
	assert_int_equal(*(int *)a->buf, 9);
	assert_int_equal(vaccel_arg_delete(a), VACCEL_OK);

	assert_int_equal(
		vaccel_arg_from_buf(&a, &v, sizeof(v), VACCEL_ARG_INT32, 0),
		VACCEL_OK);
	assert_ptr_equal(a->buf, &v);
	assert_int_equal(vaccel_arg_delete(a), VACCEL_OK);

	assert_int_equal(vaccel_arg_new(NULL, &v, 4, VACCEL_ARG_RAW, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_new(&a, &v, 0, VACCEL_ARG_RAW, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_from_buf(NULL, &v, 4, VACCEL_ARG_RAW, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_from_buf(&a, NULL, 4, VACCEL_ARG_RAW, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_delete(NULL), VACCEL_EINVAL);
}

/* ---- arrays: lifecycle ---- */

static void test_array_init_release(void **state)
{
	struct vaccel_arg_array a;

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	assert_non_null(a.args);
	assert_int_equal(a.capacity, 8); /* the default */
	assert_int_equal(a.count, 0);
	assert_int_equal(a.position, 0);
	assert_true(a.owned);
	assert_int_equal(vaccel_arg_array_release(&a), VACCEL_OK);
	assert_null(a.args);
	assert_int_equal(a.capacity, 0);
	assert_false(a.owned);
	/* released twice: the args are gone */
	assert_int_equal(vaccel_arg_array_release(&a), VACCEL_EINVAL);

	assert_int_equal(vaccel_arg_array_init(&a, 3), VACCEL_OK);
	assert_int_equal(a.capacity, 3);
	vaccel_arg_array_release(&a);

	assert_int_equal(vaccel_arg_array_init(NULL, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_release(NULL), VACCEL_EINVAL);
}

static void test_array_new_delete(void **state)
{
	struct vaccel_arg_array *a = NULL;
	int v = 1;

	assert_int_equal(vaccel_arg_array_new(&a, 2), VACCEL_OK);
	assert_int_equal(a->capacity, 2);
	assert_int_equal(vaccel_arg_array_add_int32(a, &v), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_delete(a), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_new(NULL, 2), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_delete(NULL), VACCEL_EINVAL);
}

static void test_array_grows(void **state)
{
	struct vaccel_arg_array a;
	int v[20];

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	for (int i = 0; i < 20; i++) {
		v[i] = i;
		assert_int_equal(vaccel_arg_array_add_int32(&a, &v[i]),
				 VACCEL_OK);
	}
	assert_int_equal(a.count, 20);
	assert_int_equal(a.capacity, 32); /* 8 -> 16 -> 32 */
	for (int i = 0; i < 20; i++) {
		int out;
		assert_int_equal(vaccel_arg_array_get_int32(&a, &out),
				 VACCEL_OK);
		assert_int_equal(out, i);
	}
	vaccel_arg_array_release(&a);
}

static void test_array_wrap(void **state)
{
	struct vaccel_arg args[2];
	struct vaccel_arg_array a;
	int32_t x = 3, y = 4, out;

	assert_int_equal(vaccel_arg_init_from_buf(&args[0], &x, sizeof(x),
						  VACCEL_ARG_INT32, 0),
			 VACCEL_OK);
	assert_int_equal(vaccel_arg_init_from_buf(&args[1], &y, sizeof(y),
						  VACCEL_ARG_INT32, 0),
			 VACCEL_OK);
	assert_int_equal(vaccel_arg_array_wrap(&a, args, 2), VACCEL_OK);
	assert_ptr_equal(a.args, args);
	assert_int_equal(a.count, 2);
	assert_int_equal(a.capacity, 2);
	assert_int_equal(a.position, 0);
	assert_false(a.owned);

	assert_int_equal(vaccel_arg_array_get_int32(&a, &out), VACCEL_OK);
	assert_int_equal(out, 3);
	assert_int_equal(vaccel_arg_array_get_int32(&a, &out), VACCEL_OK);
	assert_int_equal(out, 4);
	assert_int_equal(vaccel_arg_array_get_int32(&a, &out), VACCEL_ERANGE);

	/* a wrapped array cannot grow */
	assert_int_equal(vaccel_arg_array_add_int32(&a, &x), VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_add_raw(&a, &x, 4), VACCEL_ERANGE);
	assert_int_equal(a.count, 2);
	assert_ptr_equal(a.args, args);

	/* releasing the view does not free the caller's args */
	assert_int_equal(vaccel_arg_array_release(&a), VACCEL_OK);
	assert_ptr_equal(args[0].buf, &x);

	/* an empty view */
	assert_int_equal(vaccel_arg_array_wrap(&a, NULL, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int32(&a, &x), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_wrap(&a, NULL, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_wrap(NULL, args, 2), VACCEL_EINVAL);
}

static int ser_copy(const void *data, size_t data_size, uint32_t id, void **buf,
		    size_t *size)
{
	*buf = malloc(data_size);
	if (!*buf)
		return VACCEL_ENOMEM;
	memcpy(*buf, data, data_size);
	*size = data_size;
	return VACCEL_OK;
}

static void test_array_clear(void **state)
{
	struct vaccel_arg_array a;
	int v = 7, out;
	char s[] = "data";

	assert_int_equal(vaccel_arg_array_init(&a, 2), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int32(&a, &v), VACCEL_OK);
	/* an owned arg: clear must free it (ASan checks) */
	assert_int_equal(vaccel_arg_array_add_serialized(
				 &a, VACCEL_ARG_RAW, 0, s, sizeof(s), ser_copy),
			 VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int32(&a, &v), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_get_int32(&a, &out), VACCEL_OK);
	size_t cap = a.capacity;
	struct vaccel_arg *args = a.args;
	vaccel_arg_array_clear(&a);
	assert_int_equal(a.count, 0);
	assert_int_equal(a.position, 0);
	assert_int_equal(a.capacity, cap);
	assert_ptr_equal(a.args, args);
	assert_int_equal(v, 7); /* referenced data untouched */
	/* reusable */
	assert_int_equal(vaccel_arg_array_add_int32(&a, &v), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_count(&a), 1);
	vaccel_arg_array_release(&a);
	vaccel_arg_array_clear(NULL); /* no crash */
}

/* ---- the numeric families ---- */

/* For each family: add (references), get (copies out / returns pointer),
 * set (writes into the referenced buffers), the cursor past the end
 * (ERANGE), type mismatch (EINVAL, cursor kept), NULLs (EINVAL). Values are
 * 0/1 so that they are valid for bool too. */
#define FAMILY_TEST(NAME, C_TYPE, SCALAR, ARRAY)                              \
	static void test_family_##NAME(void **state)                          \
	{                                                                     \
		struct vaccel_arg_array a;                                    \
		C_TYPE v = (C_TYPE)1, out = (C_TYPE)0;                        \
		C_TYPE arr[3] = { (C_TYPE)1, (C_TYPE)0, (C_TYPE)1 };          \
		C_TYPE *pout = NULL;                                          \
		size_t n = 0;                                                 \
                                                                              \
		assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);    \
		assert_int_equal(vaccel_arg_array_add_##NAME(&a, &v),         \
				 VACCEL_OK);                                  \
		assert_int_equal(                                             \
			vaccel_arg_array_add_##NAME##_array(&a, arr, 3),      \
			VACCEL_OK);                                           \
		assert_int_equal(a.count, 2);                                 \
		assert_ptr_equal(a.args[0].buf, &v);                          \
		assert_int_equal(a.args[0].size, sizeof(C_TYPE));             \
		assert_int_equal(a.args[0].type, SCALAR);                     \
		assert_false(a.args[0].owned);                                \
		assert_ptr_equal(a.args[1].buf, arr);                         \
		assert_int_equal(a.args[1].size, 3 * sizeof(C_TYPE));         \
		assert_int_equal(a.args[1].type, ARRAY);                      \
		/* invalid adds */                                            \
		assert_int_equal(vaccel_arg_array_add_##NAME(&a, NULL),       \
				 VACCEL_EINVAL);                              \
		assert_int_equal(                                             \
			vaccel_arg_array_add_##NAME##_array(&a, NULL, 3),     \
			VACCEL_EINVAL);                                       \
		assert_int_equal(                                             \
			vaccel_arg_array_add_##NAME##_array(&a, arr, 0),      \
			VACCEL_EINVAL);                                       \
		/* count x element size overflows */                          \
		if (sizeof(C_TYPE) > 1)                                       \
			assert_int_equal(                                     \
				vaccel_arg_array_add_##NAME##_array(          \
					&a, arr,                              \
					SIZE_MAX / sizeof(C_TYPE) + 1),       \
				VACCEL_EINVAL);                               \
		assert_int_equal(vaccel_arg_array_add_##NAME(NULL, &v),       \
				 VACCEL_EINVAL);                              \
		assert_int_equal(a.count, 2);                                 \
                                                                              \
		/* wrong kind at the cursor: EINVAL, cursor stays */          \
		assert_int_equal(                                             \
			vaccel_arg_array_get_##NAME##_array(&a, &pout, &n),   \
			VACCEL_EINVAL);                                       \
		assert_int_equal(vaccel_arg_array_position(&a), 0);           \
		assert_int_equal(vaccel_arg_array_get_##NAME(&a, NULL),       \
				 VACCEL_EINVAL);                              \
		assert_int_equal(vaccel_arg_array_position(&a), 0);           \
		/* get */                                                     \
		assert_int_equal(vaccel_arg_array_get_##NAME(&a, &out),       \
				 VACCEL_OK);                                  \
		assert_memory_equal(&out, &v, sizeof(C_TYPE));                \
		assert_int_equal(vaccel_arg_array_get_##NAME(&a, &out),       \
				 VACCEL_EINVAL);                              \
		assert_int_equal(                                             \
			vaccel_arg_array_get_##NAME##_array(&a, &pout, &n),   \
			VACCEL_OK);                                           \
		assert_ptr_equal(pout, arr);                                  \
		assert_int_equal(n, 3);                                       \
		assert_int_equal(vaccel_arg_array_get_##NAME(&a, &out),       \
				 VACCEL_ERANGE);                              \
		assert_int_equal(                                             \
			vaccel_arg_array_get_##NAME##_array(&a, &pout, NULL), \
			VACCEL_ERANGE);                                       \
		/* count is optional */                                       \
		vaccel_arg_array_set_position(&a, 1);                         \
		assert_int_equal(                                             \
			vaccel_arg_array_get_##NAME##_array(&a, &pout, NULL), \
			VACCEL_OK);                                           \
                                                                              \
		/* set writes into the referenced buffers */                  \
		vaccel_arg_array_reset_position(&a);                          \
		C_TYPE zero = (C_TYPE)0;                                      \
		C_TYPE narr[3] = { (C_TYPE)0, (C_TYPE)1, (C_TYPE)0 };         \
		C_TYPE big[4] = { (C_TYPE)0, (C_TYPE)0, (C_TYPE)0,            \
				  (C_TYPE)0 };                                \
		assert_int_equal(                                             \
			vaccel_arg_array_set_##NAME##_array(&a, narr, 3),     \
			VACCEL_EINVAL); /* scalar at cursor */                \
		assert_int_equal(vaccel_arg_array_set_##NAME(&a, NULL),       \
				 VACCEL_EINVAL);                              \
		assert_int_equal(vaccel_arg_array_set_##NAME(&a, &zero),      \
				 VACCEL_OK);                                  \
		assert_memory_equal(&v, &zero, sizeof(C_TYPE));               \
		assert_int_equal(                                             \
			vaccel_arg_array_set_##NAME##_array(&a, big, 4),      \
			VACCEL_EINVAL); /* larger than the arg */             \
		assert_int_equal(                                             \
			vaccel_arg_array_set_##NAME##_array(&a, NULL, 3),     \
			VACCEL_EINVAL);                                       \
		assert_int_equal(vaccel_arg_array_position(&a), 1);           \
		assert_int_equal(                                             \
			vaccel_arg_array_set_##NAME##_array(&a, narr, 3),     \
			VACCEL_OK);                                           \
		assert_memory_equal(arr, narr, sizeof(narr));                 \
		assert_int_equal(vaccel_arg_array_set_##NAME(&a, &zero),      \
				 VACCEL_ERANGE);                              \
		assert_int_equal(                                             \
			vaccel_arg_array_set_##NAME##_array(&a, narr, 3),     \
			VACCEL_ERANGE);                                       \
		/* a smaller array fits into the arg */                       \
		vaccel_arg_array_set_position(&a, 1);                         \
		assert_int_equal(                                             \
			vaccel_arg_array_set_##NAME##_array(&a, big, 2),      \
			VACCEL_OK);                                           \
		assert_int_equal(vaccel_arg_array_get_##NAME(NULL, &out),     \
				 VACCEL_EINVAL);                              \
		assert_int_equal(vaccel_arg_array_set_##NAME(NULL, &zero),    \
				 VACCEL_EINVAL);                              \
		vaccel_arg_array_release(&a);                                 \
	}

VACCEL_ARG_NUMERIC_TYPES(FAMILY_TEST)

/* A value of one family is not one of another of the same size. */
static void test_family_mismatch(void **state)
{
	struct vaccel_arg_array a;
	int8_t i8 = 1;
	uint8_t u8;
	int32_t i32 = 1;
	float f;
	int64_t i64;

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int8(&a, &i8), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int32(&a, &i32), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_get_uint8(&a, &u8), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_char(&a, (char *)&u8),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_bool(&a, (bool *)&u8),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_uint8(&a, &u8), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_int8(&a, &i8), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_get_float(&a, &f), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_int64(&a, &i64), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_int32(&a, &i32), VACCEL_OK);
	vaccel_arg_array_release(&a);
}

/* A typed arg whose size is wrong (built by hand) is refused by get/set. */
static void test_family_bad_size(void **state)
{
	struct vaccel_arg args[2];
	struct vaccel_arg_array a;
	int64_t big = 1;
	int32_t v, *pv;
	size_t n;

	vaccel_arg_init_from_buf(&args[0], &big, sizeof(big), VACCEL_ARG_INT32,
				 0);
	vaccel_arg_init_from_buf(&args[1], &big, 6, VACCEL_ARG_INT32_ARRAY, 0);
	vaccel_arg_array_wrap(&a, args, 2);
	assert_int_equal(vaccel_arg_array_get_int32(&a, &v), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_int32(&a, &v), VACCEL_EINVAL);
	vaccel_arg_array_set_position(&a, 1);
	assert_int_equal(vaccel_arg_array_get_int32_array(&a, &pv, &n),
			 VACCEL_EINVAL);
}

static void test_bool_values(void **state)
{
	struct vaccel_arg_array a;
	/* bytes that are not 0/1 (passed as bool through a byte buffer, never
	 * loaded as bool) */
	static unsigned char two = 2;
	static unsigned char arr[3] = { 1, 2, 0 };
	bool ok = true, okarr[2] = { true, false };

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_bool(&a, (bool *)&two),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_bool_array(&a, (bool *)arr, 3),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_bool(&a, &ok), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_bool_array(&a, okarr, 2),
			 VACCEL_OK);
	assert_int_equal(vaccel_arg_array_set_bool(&a, (bool *)&two),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_position(&a), 0);
	assert_int_equal(vaccel_arg_array_set_bool(&a, &ok), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_set_bool_array(&a, (bool *)arr, 2),
			 VACCEL_EINVAL);
	vaccel_arg_array_release(&a);
}

/* ---- string, buffer, raw ---- */

static void test_string(void **state)
{
	struct vaccel_arg_array a;
	char s[] = "hello";
	char empty[] = "";
	char *out = NULL;

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_string(&a, NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_string(&a, empty), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_string(&a, s), VACCEL_OK);
	assert_int_equal(a.args[0].size, 6); /* strlen + 1 */
	assert_int_equal(a.args[0].type, VACCEL_ARG_STRING);
	assert_ptr_equal(a.args[0].buf, s);

	assert_int_equal(vaccel_arg_array_get_string(&a, NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_string(&a, &out), VACCEL_OK);
	assert_ptr_equal(out, s);
	assert_int_equal(vaccel_arg_array_get_string(&a, &out), VACCEL_ERANGE);

	vaccel_arg_array_reset_position(&a);
	assert_int_equal(vaccel_arg_array_set_string(&a, "longer!"),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_string(&a, ""), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_string(&a, NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_string(&a, "hi"), VACCEL_OK);
	assert_string_equal(s, "hi");
	assert_int_equal(vaccel_arg_array_set_string(&a, "x"), VACCEL_ERANGE);
	vaccel_arg_array_release(&a);

	/* a STRING arg without its NUL is refused by get */
	struct vaccel_arg arg;
	char raw[3] = { 'a', 'b', 'c' };
	vaccel_arg_init_from_buf(&arg, raw, 3, VACCEL_ARG_STRING, 0);
	vaccel_arg_array_wrap(&a, &arg, 1);
	assert_int_equal(vaccel_arg_array_get_string(&a, &out), VACCEL_EINVAL);
}

static void test_buffer(void **state)
{
	struct vaccel_arg_array a;
	unsigned char buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned char src[4] = { 9, 9, 9, 9 };
	void *out;
	size_t n;

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_buffer(&a, NULL, 4),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_buffer(&a, buf, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_buffer(&a, buf, sizeof(buf)),
			 VACCEL_OK);
	assert_int_equal(a.args[0].type, VACCEL_ARG_BUFFER);
	assert_int_equal(vaccel_arg_array_get_buffer(&a, NULL, &n),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_buffer(&a, &out, &n), VACCEL_OK);
	assert_ptr_equal(out, buf);
	assert_int_equal(n, 8);
	assert_int_equal(vaccel_arg_array_get_buffer(&a, &out, NULL),
			 VACCEL_ERANGE);
	vaccel_arg_array_reset_position(&a);
	assert_int_equal(vaccel_arg_array_get_buffer(&a, &out, NULL),
			 VACCEL_OK);

	vaccel_arg_array_reset_position(&a);
	unsigned char huge[9] = { 0 };
	assert_int_equal(vaccel_arg_array_set_buffer(&a, huge, sizeof(huge)),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_buffer(&a, NULL, 4),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_buffer(&a, src, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_buffer(&a, src, sizeof(src)),
			 VACCEL_OK);
	assert_int_equal(buf[0], 9);
	assert_int_equal(buf[3], 9);
	assert_int_equal(buf[4], 5);
	assert_int_equal(vaccel_arg_array_set_buffer(&a, src, sizeof(src)),
			 VACCEL_ERANGE);
	vaccel_arg_array_release(&a);
}

static void test_raw(void **state)
{
	struct vaccel_arg_array a;
	char buf[4] = "abc";
	void *out;
	size_t n = 99;

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	/* raw is not validated: NULL/0 and anything else is accepted */
	assert_int_equal(vaccel_arg_array_add_raw(&a, NULL, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_raw(&a, buf, sizeof(buf)),
			 VACCEL_OK);
	assert_int_equal(a.args[1].type, VACCEL_ARG_RAW);
	assert_int_equal(vaccel_arg_array_add_raw(NULL, buf, 4), VACCEL_EINVAL);

	assert_int_equal(vaccel_arg_array_get_raw(&a, NULL, &n), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_raw(&a, &out, &n), VACCEL_OK);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_int_equal(vaccel_arg_array_get_raw(&a, &out, NULL), VACCEL_OK);
	assert_ptr_equal(out, buf);
	assert_int_equal(vaccel_arg_array_get_raw(&a, &out, &n), VACCEL_ERANGE);

	vaccel_arg_array_reset_position(&a);
	/* none given: only OK for an empty arg */
	assert_int_equal(vaccel_arg_array_set_raw(&a, buf, 2), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_raw(&a, NULL, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_set_raw(&a, NULL, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_raw(&a, NULL, 2), VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_raw(&a, "xyzw!", 5),
			 VACCEL_EINVAL); /* larger */
	assert_int_equal(vaccel_arg_array_set_raw(&a, "xy", 2), VACCEL_OK);
	assert_memory_equal(buf, "xyc", 4);
	assert_int_equal(vaccel_arg_array_set_raw(&a, "xy", 2), VACCEL_ERANGE);
	vaccel_arg_array_release(&a);
}

/* ---- custom ---- */

#define MY_ID 100

static bool valid_mine(const void *buf, size_t size, uint32_t id)
{
	return buf && size == 2 * sizeof(uint32_t) && id == MY_ID;
}

static bool valid_never(const void *buf, size_t size, uint32_t id)
{
	return false;
}

static void test_custom(void **state)
{
	struct vaccel_arg_array a;
	uint32_t pair[2] = { 1, 2 }, other[2] = { 7, 8 }, three[3] = { 0 };
	void *out;
	size_t n;

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_custom(&a, MY_ID, pair,
						     sizeof(pair), NULL),
			 VACCEL_EINVAL); /* the validator is required */
	assert_int_equal(vaccel_arg_array_add_custom(&a, MY_ID, pair,
						     sizeof(pair), valid_never),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_custom(&a, MY_ID + 1, pair,
						     sizeof(pair), valid_mine),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_custom(NULL, MY_ID, pair,
						     sizeof(pair), valid_mine),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_custom(&a, MY_ID, pair,
						     sizeof(pair), valid_mine),
			 VACCEL_OK);
	assert_int_equal(a.count, 1);
	assert_int_equal(a.args[0].type, VACCEL_ARG_CUSTOM);
	assert_int_equal(a.args[0].custom_type_id, MY_ID);
	assert_ptr_equal(a.args[0].buf, pair);

	assert_int_equal(vaccel_arg_array_get_custom(&a, MY_ID + 1, &out, &n,
						     valid_mine),
			 VACCEL_EINVAL); /* id */
	assert_int_equal(
		vaccel_arg_array_get_custom(&a, MY_ID, &out, &n, valid_never),
		VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_custom(&a, MY_ID, &out, &n, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(
		vaccel_arg_array_get_custom(&a, MY_ID, NULL, &n, valid_mine),
		VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_position(&a), 0);
	assert_int_equal(
		vaccel_arg_array_get_custom(&a, MY_ID, &out, &n, valid_mine),
		VACCEL_OK);
	assert_ptr_equal(out, pair);
	assert_int_equal(n, sizeof(pair));
	assert_int_equal(
		vaccel_arg_array_get_custom(&a, MY_ID, &out, NULL, valid_mine),
		VACCEL_ERANGE);

	vaccel_arg_array_reset_position(&a);
	assert_int_equal(vaccel_arg_array_set_custom(&a, MY_ID, three,
						     sizeof(three), valid_mine),
			 VACCEL_EINVAL); /* size must match exactly */
	assert_int_equal(vaccel_arg_array_set_custom(
				 &a, MY_ID, other, sizeof(other), valid_never),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_custom(&a, MY_ID, NULL,
						     sizeof(other), valid_mine),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_custom(&a, 5, other,
						     sizeof(other), valid_mine),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_custom(&a, MY_ID, other,
						     sizeof(other), valid_mine),
			 VACCEL_OK);
	assert_int_equal(pair[0], 7);
	assert_int_equal(pair[1], 8);
	assert_int_equal(vaccel_arg_array_set_custom(&a, MY_ID, other,
						     sizeof(other), valid_mine),
			 VACCEL_ERANGE);
	/* a non-custom arg at the cursor */
	int32_t i = 1;
	vaccel_arg_array_add_int32(&a, &i);
	assert_int_equal(
		vaccel_arg_array_get_custom(&a, 0, &out, &n, valid_mine),
		VACCEL_EINVAL);
	vaccel_arg_array_release(&a);
}

/* ---- serialized ---- */

/* upstream's example format: uint32 count, then count uint32 values */
struct mydata {
	uint32_t count;
	uint32_t v[6];
};

static uint32_t last_deser_id;

static int mydata_ser(const void *data, size_t data_size, uint32_t id,
		      void **buf, size_t *size)
{
	const struct mydata *d = data;
	if (data_size != sizeof(*d) || d->count > 6)
		return VACCEL_EINVAL;
	size_t n = (1 + d->count) * sizeof(uint32_t);
	uint32_t *out = malloc(n);
	if (!out)
		return VACCEL_ENOMEM;
	out[0] = d->count;
	memcpy(out + 1, d->v, d->count * sizeof(uint32_t));
	*buf = out;
	*size = n;
	return VACCEL_OK;
}

static int mydata_deser(const void *buf, size_t size, uint32_t id,
			size_t data_size, void *data)
{
	struct mydata *d = data;
	const uint32_t *in = buf;
	last_deser_id = id;
	if (data_size != sizeof(*d) || size < sizeof(uint32_t) || in[0] > 6 ||
	    size != (1 + in[0]) * sizeof(uint32_t))
		return VACCEL_EINVAL;
	d->count = in[0];
	memcpy(d->v, in + 1, d->count * sizeof(uint32_t));
	return VACCEL_OK;
}

static int ser_fail(const void *data, size_t data_size, uint32_t id, void **buf,
		    size_t *size)
{
	return VACCEL_EIO;
}

/* Produces 3 bytes: not a valid INT32 (the array must free it). */
static int ser_three_bytes(const void *data, size_t data_size, uint32_t id,
			   void **buf, size_t *size)
{
	*buf = calloc(1, 3);
	*size = 3;
	return *buf ? VACCEL_OK : VACCEL_ENOMEM;
}

static int ser_int32(const void *data, size_t data_size, uint32_t id,
		     void **buf, size_t *size)
{
	return ser_copy(data, sizeof(int32_t), id, buf, size);
}

static int deser_int32(const void *buf, size_t size, uint32_t id,
		       size_t data_size, void *data)
{
	last_deser_id = id;
	if (size != sizeof(int32_t) || data_size != sizeof(int32_t))
		return VACCEL_EINVAL;
	memcpy(data, buf, size);
	return VACCEL_OK;
}

static void test_serialized(void **state)
{
	struct vaccel_arg_array a;
	struct mydata in = { 3, { 10, 20, 30 } }, out = { 0 };
	struct mydata other = { 3, { 1, 2, 3 } }, four = { 4, { 1, 2, 3, 4 } };
	int32_t i32 = 77, o32 = 0;

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_serialized(&a, VACCEL_ARG_CUSTOM,
							 MY_ID, &in, sizeof(in),
							 mydata_ser),
			 VACCEL_OK);
	assert_int_equal(a.args[0].type, VACCEL_ARG_CUSTOM);
	assert_int_equal(a.args[0].custom_type_id, MY_ID);
	assert_true(a.args[0].owned); /* freed with the array */
	assert_int_equal(a.args[0].size, 4 * sizeof(uint32_t));
	/* a builtin type, validated, id forced to 0 */
	assert_int_equal(vaccel_arg_array_add_serialized(&a, VACCEL_ARG_INT32,
							 55, &i32, sizeof(i32),
							 ser_int32),
			 VACCEL_OK);
	assert_int_equal(a.args[1].type, VACCEL_ARG_INT32);
	assert_int_equal(a.args[1].custom_type_id, 0);
	assert_true(a.args[1].owned);

	/* errors: the serializer's code; an invalid result (freed: ASan);
	 * a bad type; NULLs */
	assert_int_equal(vaccel_arg_array_add_serialized(&a, VACCEL_ARG_CUSTOM,
							 MY_ID, &in, sizeof(in),
							 ser_fail),
			 VACCEL_EIO);
	assert_int_equal(vaccel_arg_array_add_serialized(&a, VACCEL_ARG_INT32,
							 0, &i32, sizeof(i32),
							 ser_three_bytes),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_serialized(&a, VACCEL_ARG_MAX, 0,
							 &in, sizeof(in),
							 mydata_ser),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_serialized(&a, VACCEL_ARG_CUSTOM,
							 0, &in, sizeof(in),
							 NULL),
			 VACCEL_EINVAL);
	assert_int_equal(
		vaccel_arg_array_add_serialized(NULL, VACCEL_ARG_CUSTOM, 0, &in,
						sizeof(in), mydata_ser),
		VACCEL_EINVAL);
	assert_int_equal(a.count, 2);

	/* get */
	assert_int_equal(vaccel_arg_array_get_serialized(
				 &a, VACCEL_ARG_CUSTOM, MY_ID + 1, &out,
				 sizeof(out), mydata_deser),
			 VACCEL_EINVAL); /* id */
	assert_int_equal(
		vaccel_arg_array_get_serialized(&a, VACCEL_ARG_RAW, MY_ID, &out,
						sizeof(out), mydata_deser),
		VACCEL_EINVAL); /* type */
	assert_int_equal(vaccel_arg_array_get_serialized(
				 &a, VACCEL_ARG_CUSTOM, MY_ID, NULL,
				 sizeof(out), mydata_deser),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_serialized(&a, VACCEL_ARG_CUSTOM,
							 MY_ID, &out,
							 sizeof(out), NULL),
			 VACCEL_EINVAL);
	/* the deserializer's error; the cursor stays */
	assert_int_equal(vaccel_arg_array_get_serialized(&a, VACCEL_ARG_CUSTOM,
							 MY_ID, &out, 1,
							 mydata_deser),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_position(&a), 0);
	assert_int_equal(vaccel_arg_array_get_serialized(
				 &a, VACCEL_ARG_CUSTOM, MY_ID, &out,
				 sizeof(out), mydata_deser),
			 VACCEL_OK);
	assert_int_equal(last_deser_id, MY_ID);
	assert_int_equal(out.count, 3);
	assert_int_equal(out.v[2], 30);
	assert_int_equal(vaccel_arg_array_get_serialized(&a, VACCEL_ARG_INT32,
							 99, &o32, sizeof(o32),
							 deser_int32),
			 VACCEL_OK);
	assert_int_equal(o32, 77);
	assert_int_equal(last_deser_id, 0); /* builtin: id forced to 0 */
	assert_int_equal(vaccel_arg_array_get_serialized(&a, VACCEL_ARG_INT32,
							 0, &o32, sizeof(o32),
							 deser_int32),
			 VACCEL_ERANGE);

	/* set: serialize, exact size, copy into the arg */
	vaccel_arg_array_reset_position(&a);
	assert_int_equal(vaccel_arg_array_set_serialized(
				 &a, VACCEL_ARG_CUSTOM, MY_ID, &four,
				 sizeof(four), mydata_ser),
			 VACCEL_EINVAL); /* 5 words into 4 */
	assert_int_equal(vaccel_arg_array_set_serialized(
				 &a, VACCEL_ARG_CUSTOM, MY_ID, &other,
				 sizeof(other), ser_fail),
			 VACCEL_EIO);
	assert_int_equal(vaccel_arg_array_set_serialized(
				 &a, VACCEL_ARG_CUSTOM, MY_ID, NULL,
				 sizeof(other), mydata_ser),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_set_serialized(
				 &a, VACCEL_ARG_CUSTOM, MY_ID + 1, &other,
				 sizeof(other), mydata_ser),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_position(&a), 0);
	assert_int_equal(vaccel_arg_array_set_serialized(
				 &a, VACCEL_ARG_CUSTOM, MY_ID, &other,
				 sizeof(other), mydata_ser),
			 VACCEL_OK);
	assert_int_equal(((uint32_t *)a.args[0].buf)[1], 1);
	assert_int_equal(((uint32_t *)a.args[0].buf)[3], 3);
	int32_t nv = -5;
	assert_int_equal(vaccel_arg_array_set_serialized(&a, VACCEL_ARG_INT32,
							 0, &nv, sizeof(nv),
							 ser_int32),
			 VACCEL_OK);
	assert_int_equal(*(int32_t *)a.args[1].buf, -5);
	assert_int_equal(vaccel_arg_array_set_serialized(&a, VACCEL_ARG_INT32,
							 0, &nv, sizeof(nv),
							 ser_int32),
			 VACCEL_ERANGE);
	vaccel_arg_array_release(&a); /* frees the owned buffers (ASan) */
}

/* ---- range / remaining / all ---- */

static void fill_src(struct vaccel_arg_array *src, int32_t *v, char *s)
{
	assert_int_equal(vaccel_arg_array_init(src, 0), VACCEL_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(vaccel_arg_array_add_int32(src, &v[i]),
				 VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_string(src, s), VACCEL_OK);
	/* an empty raw arg: copied as empty */
	assert_int_equal(vaccel_arg_array_add_raw(src, NULL, 0), VACCEL_OK);
}

static void test_range(void **state)
{
	struct vaccel_arg_array src, dst;
	int32_t v[4] = { 10, 11, 12, 13 };
	char s[] = "str";

	fill_src(&src, v, s);
	assert_int_equal(vaccel_arg_array_init(&dst, 1), VACCEL_OK);

	/* references */
	assert_int_equal(vaccel_arg_array_add_range(&dst, &src, 1, 2, false),
			 VACCEL_OK);
	assert_int_equal(dst.count, 2);
	assert_ptr_equal(dst.args[0].buf, &v[1]);
	assert_ptr_equal(dst.args[1].buf, &v[2]);
	assert_false(dst.args[0].owned);

	/* copies */
	assert_int_equal(vaccel_arg_array_add_range(&dst, &src, 3, 3, true),
			 VACCEL_OK);
	assert_int_equal(dst.count, 5);
	assert_ptr_not_equal(dst.args[2].buf, &v[3]);
	assert_true(dst.args[2].owned);
	assert_int_equal(*(int32_t *)dst.args[2].buf, 13);
	assert_int_equal(dst.args[2].type, VACCEL_ARG_INT32);
	assert_ptr_not_equal(dst.args[3].buf, s);
	assert_string_equal(dst.args[3].buf, "str");
	assert_int_equal(dst.args[3].type, VACCEL_ARG_STRING);
	assert_int_equal(dst.args[4].size, 0);
	assert_int_equal(dst.args[4].type, VACCEL_ARG_RAW);

	/* out of range */
	assert_int_equal(vaccel_arg_array_add_range(&dst, &src, 5, 2, false),
			 VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_add_range(&dst, &src, 7, 0, false),
			 VACCEL_ERANGE);
	assert_int_equal(
		vaccel_arg_array_add_range(&dst, &src, 1, SIZE_MAX, false),
		VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_add_range(&dst, &src, 6, 0, false),
			 VACCEL_OK); /* empty range at the end */
	assert_int_equal(vaccel_arg_array_add_range(NULL, &src, 0, 1, false),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_range(&dst, NULL, 0, 1, false),
			 VACCEL_EINVAL);
	assert_int_equal(dst.count, 5);

	/* into a wrapped (fixed) array: ERANGE when full */
	struct vaccel_arg fixed[1];
	struct vaccel_arg_array w;
	vaccel_arg_init_from_buf(&fixed[0], NULL, 0, VACCEL_ARG_RAW, 0);
	vaccel_arg_array_wrap(&w, fixed, 1);
	w.count = 0; /* an empty view of one slot */
	assert_int_equal(vaccel_arg_array_add_range(&w, &src, 0, 2, true),
			 VACCEL_ERANGE);
	assert_int_equal(w.count, 1);
	vaccel_arg_release(&fixed[0]); /* the copied arg it got */

	vaccel_arg_array_release(&dst); /* frees the copies (ASan) */
	vaccel_arg_array_release(&src);
	assert_int_equal(v[3], 13);
}

static void test_remaining_all(void **state)
{
	struct vaccel_arg_array src, dst;
	int32_t v[4] = { 10, 11, 12, 13 }, out;
	char s[] = "str";

	fill_src(&src, v, s);
	assert_int_equal(vaccel_arg_array_get_int32(&src, &out), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_get_int32(&src, &out), VACCEL_OK);

	assert_int_equal(vaccel_arg_array_init(&dst, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_remaining(&dst, &src, false),
			 VACCEL_OK);
	assert_int_equal(dst.count, 4); /* from position 2 */
	assert_ptr_equal(dst.args[0].buf, &v[2]);
	assert_int_equal(vaccel_arg_array_add_remaining(&dst, &src, true),
			 VACCEL_OK);
	assert_int_equal(dst.count, 8);
	assert_true(dst.args[4].owned);
	assert_int_equal(*(int32_t *)dst.args[4].buf, 12);
	/* the source's cursor is not moved */
	assert_int_equal(vaccel_arg_array_position(&src), 2);

	vaccel_arg_array_clear(&dst);
	assert_int_equal(vaccel_arg_array_add_all(&dst, &src, false),
			 VACCEL_OK);
	assert_int_equal(dst.count, 6); /* position ignored */
	assert_ptr_equal(dst.args[0].buf, &v[0]);
	assert_int_equal(vaccel_arg_array_add_all(&dst, &src, true), VACCEL_OK);
	assert_int_equal(dst.count, 12);
	assert_true(dst.args[6].owned);
	assert_int_equal(*(int32_t *)dst.args[6].buf, 10);

	/* exhausted source: nothing to add */
	vaccel_arg_array_set_position(&src, 6);
	assert_int_equal(vaccel_arg_array_add_remaining(&dst, &src, true),
			 VACCEL_OK);
	assert_int_equal(dst.count, 12);

	assert_int_equal(vaccel_arg_array_add_remaining(&dst, NULL, true),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_all(&dst, NULL, true),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_add_all(NULL, &src, true),
			 VACCEL_EINVAL);
	vaccel_arg_array_release(&dst);
	vaccel_arg_array_release(&src);
}

/* ---- position helpers ---- */

static void test_position(void **state)
{
	struct vaccel_arg_array a;
	int32_t v[3] = { 1, 2, 3 }, out;
	struct vaccel_arg *rest;
	size_t n;

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	for (int i = 0; i < 3; i++)
		vaccel_arg_array_add_int32(&a, &v[i]);
	assert_int_equal(vaccel_arg_array_count(&a), 3);
	assert_ptr_equal(vaccel_arg_array_raw(&a), a.args);
	assert_int_equal(vaccel_arg_array_position(&a), 0);
	assert_int_equal(vaccel_arg_array_remaining_count(&a), 3);

	assert_int_equal(vaccel_arg_array_get_int32(&a, &out), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_position(&a), 1);
	assert_int_equal(vaccel_arg_array_remaining_count(&a), 2);
	assert_int_equal(vaccel_arg_array_get_remaining(&a, &rest, &n),
			 VACCEL_OK);
	assert_ptr_equal(rest, &a.args[1]);
	assert_int_equal(n, 2);

	vaccel_arg_array_set_position(&a, 2);
	assert_int_equal(vaccel_arg_array_get_int32(&a, &out), VACCEL_OK);
	assert_int_equal(out, 3);
	assert_int_equal(vaccel_arg_array_remaining_count(&a), 0);
	assert_int_equal(vaccel_arg_array_get_remaining(&a, &rest, &n),
			 VACCEL_OK);
	assert_null(rest);
	assert_int_equal(n, 0);

	/* clamped to count */
	vaccel_arg_array_set_position(&a, 100);
	assert_int_equal(vaccel_arg_array_position(&a), 3);
	vaccel_arg_array_reset_position(&a);
	assert_int_equal(vaccel_arg_array_position(&a), 0);

	assert_int_equal(vaccel_arg_array_get_remaining(NULL, &rest, &n),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_remaining(&a, NULL, &n),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_arg_array_get_remaining(&a, &rest, NULL),
			 VACCEL_EINVAL);
	/* NULL-safe accessors */
	assert_int_equal(vaccel_arg_array_count(NULL), 0);
	assert_int_equal(vaccel_arg_array_position(NULL), 0);
	assert_int_equal(vaccel_arg_array_remaining_count(NULL), 0);
	assert_null(vaccel_arg_array_raw(NULL));
	vaccel_arg_array_set_position(NULL, 1);
	vaccel_arg_array_reset_position(NULL);
	vaccel_arg_array_release(&a);
}

/* Every get/set on an empty or exhausted array: ERANGE (not a crash). */
static void test_cursor_past_end(void **state)
{
	struct vaccel_arg_array a;
	char *s;
	void *p;
	size_t n;
	int32_t i32;
	uint32_t u2[2] = { 0 };

	assert_int_equal(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_get_raw(&a, &p, &n), VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_get_string(&a, &s), VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_get_buffer(&a, &p, &n),
			 VACCEL_ERANGE);
	assert_int_equal(
		vaccel_arg_array_get_custom(&a, MY_ID, &p, &n, valid_mine),
		VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_get_serialized(&a, VACCEL_ARG_INT32,
							 0, &i32, sizeof(i32),
							 deser_int32),
			 VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_get_int32(&a, &i32), VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_set_raw(&a, "x", 1), VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_set_string(&a, "x"), VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_set_buffer(&a, "x", 1),
			 VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_set_custom(&a, MY_ID, u2, sizeof(u2),
						     valid_mine),
			 VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_set_serialized(&a, VACCEL_ARG_INT32,
							 0, &i32, sizeof(i32),
							 ser_int32),
			 VACCEL_ERANGE);
	assert_int_equal(vaccel_arg_array_set_int32(&a, &i32), VACCEL_ERANGE);
	vaccel_arg_array_release(&a);
}

/* ---- the deprecated arg-list API ---- */

struct point {
	int x, y;
};

static void *point_ser(void *in, uint32_t *bytes)
{
	struct point *p = malloc(sizeof(*p));
	if (!p)
		return NULL;
	*p = *(struct point *)in;
	*bytes = sizeof(*p);
	return p;
}

static void *point_ser_fail(void *in, uint32_t *bytes)
{
	return NULL;
}

static struct point deser_out;

static void *point_deser(void *buf, uint32_t size)
{
	if (size != sizeof(struct point))
		return NULL;
	deser_out = *(struct point *)buf;
	return &deser_out;
}

static void test_arg_list(void **state)
{
	struct point in = { 3, 4 }, p2 = { 8, 9 };
	int serial = 42, dst = 0, src = 17;

	assert_null(vaccel_args_init(0));
	struct vaccel_arg_list *l = vaccel_args_init(4);
	assert_non_null(l);
	assert_int_equal(l->size, 4);
	assert_int_equal(l->curr_idx, 0);

	assert_int_equal(vaccel_add_serial_arg(l, &serial, sizeof(serial)),
			 VACCEL_OK);
	assert_ptr_equal(l->list[0].buf, &serial);
	assert_int_equal(l->list[0].type, VACCEL_ARG_RAW);
	assert_int_equal(l->idcs_allocated_space[0], 0);

	assert_int_equal(vaccel_add_nonserial_arg(l, &in, 33, point_ser_fail),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_add_nonserial_arg(l, &in, 33, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_add_nonserial_arg(l, &in, 33, point_ser),
			 VACCEL_OK);
	assert_int_equal(l->list[1].type, VACCEL_ARG_CUSTOM);
	assert_int_equal(l->list[1].custom_type_id, 33);
	assert_int_equal(l->list[1].size, sizeof(struct point));
	assert_int_equal(l->idcs_allocated_space[1], 1);

	assert_int_equal(vaccel_expect_serial_arg(l, &dst, sizeof(dst)),
			 VACCEL_OK);
	assert_ptr_equal(l->list[2].buf, &dst);
	assert_int_equal(vaccel_expect_nonserial_arg(l, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_expect_nonserial_arg(l, sizeof(struct point)),
			 VACCEL_OK);
	assert_int_equal(l->idcs_allocated_space[3], 1);
	assert_int_equal(l->curr_idx, 4);

	/* full */
	assert_int_equal(vaccel_add_serial_arg(l, &serial, 4), VACCEL_EINVAL);
	assert_int_equal(vaccel_expect_nonserial_arg(l, 4), VACCEL_EINVAL);
	assert_int_equal(vaccel_add_nonserial_arg(l, &in, 1, point_ser),
			 VACCEL_EINVAL);

	/* extract/write, as a plugin does with the raw vaccel_arg array */
	assert_ptr_equal(vaccel_extract_serial_arg(l->list, 0), &serial);
	struct point *got =
		vaccel_extract_nonserial_arg(l->list, 1, point_deser);
	assert_non_null(got);
	assert_int_equal(got->x, 3);
	assert_int_equal(got->y, 4);
	assert_int_equal(vaccel_write_serial_arg(l->list, 2, &src), VACCEL_OK);
	assert_int_equal(dst, 17);
	assert_int_equal(vaccel_write_nonserial_arg(l->list, 3, &p2, point_ser),
			 VACCEL_OK);
	assert_memory_equal(l->list[3].buf, &p2, sizeof(p2));
	/* more bytes than the slot: EINVAL (the temporary is freed) */
	assert_int_equal(vaccel_write_nonserial_arg(l->list, 2, &p2, point_ser),
			 VACCEL_EINVAL);
	assert_int_equal(
		vaccel_write_nonserial_arg(l->list, 3, &p2, point_ser_fail),
		VACCEL_EINVAL);

	/* NULLs */
	assert_null(vaccel_extract_serial_arg(NULL, 0));
	assert_null(vaccel_extract_nonserial_arg(l->list, 1, NULL));
	assert_int_equal(vaccel_write_serial_arg(NULL, 0, &src), VACCEL_EINVAL);
	assert_int_equal(vaccel_write_serial_arg(l->list, 2, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_write_nonserial_arg(l->list, 3, &p2, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_add_serial_arg(NULL, &serial, 4),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_expect_serial_arg(NULL, &dst, 4),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_expect_nonserial_arg(NULL, 4), VACCEL_EINVAL);

	/* frees the two allocated buffers and the list (ASan checks) */
	assert_int_equal(vaccel_delete_args(l), VACCEL_OK);
	assert_int_equal(vaccel_delete_args(NULL), VACCEL_EINVAL);
	assert_int_equal(serial, 42);
}

#define FAMILY_ENTRY(NAME, C_TYPE, SCALAR, ARRAY) \
	cmocka_unit_test(test_family_##NAME),

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arg_init_release),
		cmocka_unit_test(test_arg_from_buf),
		cmocka_unit_test(test_arg_new_delete),
		cmocka_unit_test(test_array_init_release),
		cmocka_unit_test(test_array_new_delete),
		cmocka_unit_test(test_array_grows),
		cmocka_unit_test(test_array_wrap),
		cmocka_unit_test(test_array_clear),
		VACCEL_ARG_NUMERIC_TYPES(FAMILY_ENTRY)
			cmocka_unit_test(test_family_mismatch),
		cmocka_unit_test(test_family_bad_size),
		cmocka_unit_test(test_bool_values),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_custom),
		cmocka_unit_test(test_serialized),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_remaining_all),
		cmocka_unit_test(test_position),
		cmocka_unit_test(test_cursor_past_end),
		cmocka_unit_test(test_arg_list),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
