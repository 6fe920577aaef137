// SPDX-License-Identifier: Apache-2.0
/* Args and arg arrays: single args, the type rules, arrays and their add
 * functions, which reference the caller's buffers. Reading them back
 * (get, set, the position) is arg_cursor.c's. */

#include "internal.h"
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CAPACITY 8

/* ---- single args ---- */

int vaccel_arg_init(struct vaccel_arg *arg, const void *buf, size_t size,
		    vaccel_arg_type_t type, uint32_t custom_id)
{
	if (!arg || (buf && !size))
		return VACCEL_EINVAL;
	void *copy = NULL;
	if (size) {
		copy = buf ? malloc(size) : calloc(1, size);
		if (!copy)
			return VACCEL_ENOMEM;
		if (buf)
			memcpy(copy, buf, size);
	}
	*arg = (struct vaccel_arg){ .buf = copy,
				    .size = size,
				    .type = type,
				    .custom_type_id = custom_id,
				    .owned = copy != NULL };
	return VACCEL_OK;
}

int vaccel_arg_init_from_buf(struct vaccel_arg *arg, void *buf, size_t size,
			     vaccel_arg_type_t type, uint32_t custom_id)
{
	if (!arg || (!buf) != (!size))
		return VACCEL_EINVAL;
	*arg = (struct vaccel_arg){ .buf = buf,
				    .size = size,
				    .type = type,
				    .custom_type_id = custom_id,
				    .owned = false };
	return VACCEL_OK;
}

int vaccel_arg_release(struct vaccel_arg *arg)
{
	if (!arg)
		return VACCEL_EINVAL;
	if (arg->owned)
		free(arg->buf);
	*arg = (struct vaccel_arg){ .type = VACCEL_ARG_MAX };
	return VACCEL_OK;
}

int vaccel_arg_new(struct vaccel_arg **arg, const void *buf, size_t size,
		   vaccel_arg_type_t type, uint32_t custom_id)
{
	if (!arg)
		return VACCEL_EINVAL;
	struct vaccel_arg *a = malloc(sizeof(*a));
	if (!a)
		return VACCEL_ENOMEM;
	int ret = vaccel_arg_init(a, buf, size, type, custom_id);
	if (ret) {
		free(a);
		return ret;
	}
	*arg = a;
	return VACCEL_OK;
}

int vaccel_arg_from_buf(struct vaccel_arg **arg, void *buf, size_t size,
			vaccel_arg_type_t type, uint32_t custom_id)
{
	if (!arg)
		return VACCEL_EINVAL;
	struct vaccel_arg *a = malloc(sizeof(*a));
	if (!a)
		return VACCEL_ENOMEM;
	int ret = vaccel_arg_init_from_buf(a, buf, size, type, custom_id);
	if (ret) {
		free(a);
		return ret;
	}
	*arg = a;
	return VACCEL_OK;
}

int vaccel_arg_delete(struct vaccel_arg *arg)
{
	int ret = vaccel_arg_release(arg);
	if (ret)
		return ret;
	free(arg);
	return VACCEL_OK;
}

/* ---- type rules ---- */

/* Element size of a numeric type (scalar or array), 0 for the others. */
static size_t elem_size(vaccel_arg_type_t t)
{
	switch (t) {
	case VACCEL_ARG_INT8:
	case VACCEL_ARG_INT8_ARRAY:
	case VACCEL_ARG_UINT8:
	case VACCEL_ARG_UINT8_ARRAY:
	case VACCEL_ARG_BOOL:
	case VACCEL_ARG_BOOL_ARRAY:
	case VACCEL_ARG_CHAR:
	case VACCEL_ARG_CHAR_ARRAY:
	case VACCEL_ARG_UCHAR:
	case VACCEL_ARG_UCHAR_ARRAY:
		return 1;
	case VACCEL_ARG_INT16:
	case VACCEL_ARG_INT16_ARRAY:
	case VACCEL_ARG_UINT16:
	case VACCEL_ARG_UINT16_ARRAY:
		return 2;
	case VACCEL_ARG_INT32:
	case VACCEL_ARG_INT32_ARRAY:
	case VACCEL_ARG_UINT32:
	case VACCEL_ARG_UINT32_ARRAY:
	case VACCEL_ARG_FLOAT32:
	case VACCEL_ARG_FLOAT32_ARRAY:
		return 4;
	case VACCEL_ARG_INT64:
	case VACCEL_ARG_INT64_ARRAY:
	case VACCEL_ARG_UINT64:
	case VACCEL_ARG_UINT64_ARRAY:
	case VACCEL_ARG_FLOAT64:
	case VACCEL_ARG_FLOAT64_ARRAY:
		return 8;
	default:
		return 0;
	}
}

/* Array types have even numbers from INT8_ARRAY (2) to UCHAR_ARRAY (26). */
static bool is_array(vaccel_arg_type_t t)
{
	return t >= VACCEL_ARG_INT8_ARRAY && t <= VACCEL_ARG_UCHAR_ARRAY &&
	       t % 2 == 0;
}

static bool bools_valid(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] > 1)
			return false;
	return true;
}

bool vaccel__arg_valid(vaccel_arg_type_t t, const void *buf, size_t size)
{
	size_t es = elem_size(t);
	if (!buf)
		return false;
	if (es) {
		if (is_array(t) ? (!size || size % es) : size != es)
			return false;
		if (t == VACCEL_ARG_BOOL || t == VACCEL_ARG_BOOL_ARRAY)
			return bools_valid(buf, size);
		return true;
	}
	switch (t) {
	case VACCEL_ARG_STRING:
		return size && memchr(buf, '\0', size) && ((char *)buf)[0];
	case VACCEL_ARG_BUFFER:
		return size > 0;
	default:
		return false;
	}
}

/* ---- arrays ---- */

int vaccel_arg_array_init(struct vaccel_arg_array *array,
			  size_t initial_capacity)
{
	if (!array)
		return VACCEL_EINVAL;
	size_t cap = initial_capacity ? initial_capacity : DEFAULT_CAPACITY;
	struct vaccel_arg *args = calloc(cap, sizeof(*args));
	if (!args)
		return VACCEL_ENOMEM;
	*array = (struct vaccel_arg_array){ .args = args,
					    .capacity = cap,
					    .owned = true };
	return VACCEL_OK;
}

void vaccel_arg_array_clear(struct vaccel_arg_array *array)
{
	if (!array || !array->args)
		return;
	for (size_t i = 0; i < array->count; i++)
		vaccel_arg_release(&array->args[i]);
	array->count = 0;
	array->position = 0;
}

int vaccel_arg_array_release(struct vaccel_arg_array *array)
{
	if (!array || !array->args)
		return VACCEL_EINVAL;
	if (array->owned) {
		vaccel_arg_array_clear(array);
		free(array->args);
	}
	*array = (struct vaccel_arg_array){ 0 };
	return VACCEL_OK;
}

int vaccel_arg_array_new(struct vaccel_arg_array **array,
			 size_t initial_capacity)
{
	if (!array)
		return VACCEL_EINVAL;
	struct vaccel_arg_array *a = malloc(sizeof(*a));
	if (!a)
		return VACCEL_ENOMEM;
	int ret = vaccel_arg_array_init(a, initial_capacity);
	if (ret) {
		free(a);
		return ret;
	}
	*array = a;
	return VACCEL_OK;
}

int vaccel_arg_array_delete(struct vaccel_arg_array *array)
{
	int ret = vaccel_arg_array_release(array);
	if (ret)
		return ret;
	free(array);
	return VACCEL_OK;
}

int vaccel_arg_array_wrap(struct vaccel_arg_array *array,
			  struct vaccel_arg *args, size_t count)
{
	if (!array || (!args && count))
		return VACCEL_EINVAL;
	*array = (struct vaccel_arg_array){
		.args = args, .count = count, .capacity = count, .owned = false
	};
	return VACCEL_OK;
}

/* Append an arg; owned arrays grow, wrapped ones give VACCEL_ERANGE. */
static int push(struct vaccel_arg_array *a, void *buf, size_t size,
		vaccel_arg_type_t type, uint32_t id, bool owned)
{
	if (a->count == a->capacity) {
		if (!a->owned)
			return VACCEL_ERANGE;
		size_t cap = a->capacity ? a->capacity * 2 : DEFAULT_CAPACITY;
		struct vaccel_arg *p = realloc(a->args, cap * sizeof(*p));
		if (!p)
			return VACCEL_ENOMEM;
		a->args = p;
		a->capacity = cap;
	}
	a->args[a->count++] = (struct vaccel_arg){ .buf = buf,
						   .size = size,
						   .type = type,
						   .custom_type_id = id,
						   .owned = owned };
	return VACCEL_OK;
}

static int add_checked(struct vaccel_arg_array *a, void *buf, size_t size,
		       vaccel_arg_type_t type)
{
	if (!a || !a->args || !vaccel__arg_valid(type, buf, size))
		return VACCEL_EINVAL;
	return push(a, buf, size, type, 0, false);
}

int vaccel_arg_array_add_raw(struct vaccel_arg_array *array, void *buf,
			     size_t size)
{
	if (!array || !array->args)
		return VACCEL_EINVAL;
	return push(array, buf, size, VACCEL_ARG_RAW, 0, false);
}

int vaccel_arg_array_add_string(struct vaccel_arg_array *array, char *str)
{
	return add_checked(array, str, str ? strlen(str) + 1 : 0,
			   VACCEL_ARG_STRING);
}

int vaccel_arg_array_add_buffer(struct vaccel_arg_array *array, void *buf,
				size_t size)
{
	return add_checked(array, buf, size, VACCEL_ARG_BUFFER);
}

int vaccel_arg_array_add_custom(struct vaccel_arg_array *array,
				uint32_t custom_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator)
{
	if (!array || !array->args || !validator ||
	    !validator(buf, size, custom_id))
		return VACCEL_EINVAL;
	return push(array, buf, size, VACCEL_ARG_CUSTOM, custom_id, false);
}

int vaccel_arg_array_add_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t type, uint32_t custom_id,
				    const void *data, size_t data_size,
				    vaccel_arg_serializer_fn serializer)
{
	if (!array || !array->args || !serializer ||
	    (unsigned)type >= VACCEL_ARG_MAX)
		return VACCEL_EINVAL;
	void *buf = NULL;
	size_t size = 0;
	int ret = serializer(data, data_size, custom_id, &buf, &size);
	if (ret)
		return ret;
	if (type != VACCEL_ARG_CUSTOM && type != VACCEL_ARG_RAW &&
	    !vaccel__arg_valid(type, buf, size))
		ret = VACCEL_EINVAL;
	/* on success the array owns the serialized buffer */
	if (!ret)
		ret = push(array, buf, size, type,
			   type == VACCEL_ARG_CUSTOM ? custom_id : 0, true);
	if (ret)
		free(buf);
	return ret;
}

int vaccel_arg_array_add_range(struct vaccel_arg_array *dest,
			       const struct vaccel_arg_array *src,
			       size_t start_idx, size_t count, bool copy)
{
	if (!dest || !dest->args || !src || (!src->args && src->count))
		return VACCEL_EINVAL;
	if (start_idx > src->count || count > src->count - start_idx)
		return VACCEL_ERANGE;
	for (size_t i = start_idx; i < start_idx + count; i++) {
		struct vaccel_arg a = src->args[i];
		if (copy && a.size) {
			int ret = vaccel_arg_init(&a, a.buf, a.size, a.type,
						  a.custom_type_id);
			if (ret)
				return ret;
		} else {
			a.owned = false;
		}
		int ret = push(dest, a.buf, a.size, a.type, a.custom_type_id,
			       a.owned);
		if (ret) {
			if (a.owned)
				free(a.buf);
			return ret;
		}
	}
	return VACCEL_OK;
}

int vaccel_arg_array_add_remaining(struct vaccel_arg_array *dest,
				   const struct vaccel_arg_array *src,
				   bool copy)
{
	if (!src)
		return VACCEL_EINVAL;
	size_t pos = src->position < src->count ? src->position : src->count;
	return vaccel_arg_array_add_range(dest, src, pos, src->count - pos,
					  copy);
}

int vaccel_arg_array_add_all(struct vaccel_arg_array *dest,
			     const struct vaccel_arg_array *src, bool copy)
{
	if (!src)
		return VACCEL_EINVAL;
	return vaccel_arg_array_add_range(dest, src, 0, src->count, copy);
}

/* The typed adds of every numeric type (vaccel/arg.h's X-macro); the
 * typed gets and sets are arg_cursor.c's. */
#define DEFINE_TYPED_ADD(NAME, C_TYPE, SCALAR, ARRAY)                         \
	int vaccel_arg_array_add_##NAME(struct vaccel_arg_array *array,       \
					C_TYPE *value)                        \
	{                                                                     \
		return add_checked(array, value, sizeof(C_TYPE), SCALAR);     \
	}                                                                     \
	int vaccel_arg_array_add_##NAME##_array(                              \
		struct vaccel_arg_array *array, C_TYPE *values, size_t count) \
	{                                                                     \
		if (count > SIZE_MAX / sizeof(C_TYPE))                        \
			return VACCEL_EINVAL;                                 \
		return add_checked(array, values, count * sizeof(C_TYPE),     \
				   ARRAY);                                    \
	}

VACCEL_ARG_NUMERIC_TYPES(DEFINE_TYPED_ADD)
