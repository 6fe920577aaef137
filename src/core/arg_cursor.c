// SPDX-License-Identifier: Apache-2.0
/* The read cursor of arg arrays: get functions consume args in order from
 * the array's position; set functions write into the existing arg buffers
 * (of the type and size the arg has). */

#include "internal.h"
#include <stdlib.h>
#include <string.h>

/* The arg at the cursor: VACCEL_ERANGE past the end. */
static int current(struct vaccel_arg_array *a, struct vaccel_arg **arg)
{
	if (!a || !a->args)
		return VACCEL_EINVAL;
	if (a->position >= a->count)
		return VACCEL_ERANGE;
	*arg = &a->args[a->position];
	return VACCEL_OK;
}

/* The arg at the cursor if it is of `type` and its buffer is valid for it. */
static int current_typed(struct vaccel_arg_array *a, vaccel_arg_type_t type,
			 struct vaccel_arg **arg)
{
	int ret = current(a, arg);
	if (ret)
		return ret;
	if ((*arg)->type != type ||
	    !vaccel__arg_valid(type, (*arg)->buf, (*arg)->size))
		return VACCEL_EINVAL;
	return VACCEL_OK;
}

int vaccel_arg_array_get_raw(struct vaccel_arg_array *array, void **buf,
			     size_t *size)
{
	struct vaccel_arg *arg;
	if (!buf)
		return VACCEL_EINVAL;
	int ret = current(array, &arg);
	if (ret)
		return ret;
	*buf = arg->buf;
	if (size)
		*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

static int get_scalar(struct vaccel_arg_array *a, void *out, size_t size,
		      vaccel_arg_type_t type)
{
	struct vaccel_arg *arg;
	if (!out)
		return VACCEL_EINVAL;
	int ret = current_typed(a, type, &arg);
	if (ret)
		return ret;
	memcpy(out, arg->buf, size);
	a->position++;
	return VACCEL_OK;
}

static int get_array(struct vaccel_arg_array *a, void **out, size_t *count,
		     size_t es, vaccel_arg_type_t type)
{
	struct vaccel_arg *arg;
	if (!out)
		return VACCEL_EINVAL;
	int ret = current_typed(a, type, &arg);
	if (ret)
		return ret;
	*out = arg->buf;
	if (count)
		*count = arg->size / es;
	a->position++;
	return VACCEL_OK;
}

static int set_scalar(struct vaccel_arg_array *a, const void *in, size_t size,
		      vaccel_arg_type_t type)
{
	struct vaccel_arg *arg;
	if (!in || !vaccel__arg_valid(type, in, size))
		return VACCEL_EINVAL;
	int ret = current(a, &arg);
	if (ret)
		return ret;
	if (arg->type != type || arg->size != size || !arg->buf)
		return VACCEL_EINVAL;
	memcpy(arg->buf, in, size);
	a->position++;
	return VACCEL_OK;
}

static int set_bytes(struct vaccel_arg_array *a, const void *in, size_t n,
		     vaccel_arg_type_t type)
{
	struct vaccel_arg *arg;
	if (!in || !n)
		return VACCEL_EINVAL;
	int ret = current(a, &arg);
	if (ret)
		return ret;
	if (arg->type != type || arg->size < n || !arg->buf)
		return VACCEL_EINVAL;
	memcpy(arg->buf, in, n);
	a->position++;
	return VACCEL_OK;
}

#define DEFINE_TYPED_ACCESS(NAME, C_TYPE, SCALAR, ARRAY)                      \
	int vaccel_arg_array_get_##NAME(struct vaccel_arg_array *array,       \
					C_TYPE *value)                        \
	{                                                                     \
		return get_scalar(array, value, sizeof(C_TYPE), SCALAR);      \
	}                                                                     \
	int vaccel_arg_array_get_##NAME##_array(                              \
		struct vaccel_arg_array *array, C_TYPE **values,              \
		size_t *count)                                                \
	{                                                                     \
		return get_array(array, (void **)values, count,               \
				 sizeof(C_TYPE), ARRAY);                      \
	}                                                                     \
	int vaccel_arg_array_set_##NAME(struct vaccel_arg_array *array,       \
					C_TYPE *value)                        \
	{                                                                     \
		return set_scalar(array, value, sizeof(C_TYPE), SCALAR);      \
	}                                                                     \
	int vaccel_arg_array_set_##NAME##_array(                              \
		struct vaccel_arg_array *array, C_TYPE *values, size_t count) \
	{                                                                     \
		if (count > SIZE_MAX / sizeof(C_TYPE) ||                      \
		    (values && !vaccel__arg_valid(ARRAY, values,              \
						  count * sizeof(C_TYPE))))   \
			return VACCEL_EINVAL;                                 \
		return set_bytes(array, values, count * sizeof(C_TYPE),       \
				 ARRAY);                                      \
	}

VACCEL_ARG_NUMERIC_TYPES(DEFINE_TYPED_ACCESS)

int vaccel_arg_array_get_string(struct vaccel_arg_array *array, char **str)
{
	struct vaccel_arg *arg;
	if (!str)
		return VACCEL_EINVAL;
	int ret = current_typed(array, VACCEL_ARG_STRING, &arg);
	if (ret)
		return ret;
	*str = arg->buf;
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_get_buffer(struct vaccel_arg_array *array, void **buf,
				size_t *size)
{
	struct vaccel_arg *arg;
	if (!buf)
		return VACCEL_EINVAL;
	int ret = current_typed(array, VACCEL_ARG_BUFFER, &arg);
	if (ret)
		return ret;
	*buf = arg->buf;
	if (size)
		*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

static int current_custom(struct vaccel_arg_array *a, uint32_t id,
			  vaccel_arg_type_validator_fn validator,
			  struct vaccel_arg **arg)
{
	if (!validator)
		return VACCEL_EINVAL;
	int ret = current(a, arg);
	if (ret)
		return ret;
	if ((*arg)->type != VACCEL_ARG_CUSTOM || (*arg)->custom_type_id != id)
		return VACCEL_EINVAL;
	return VACCEL_OK;
}

int vaccel_arg_array_get_custom(struct vaccel_arg_array *array,
				uint32_t expected_id, void **buf, size_t *size,
				vaccel_arg_type_validator_fn validator)
{
	struct vaccel_arg *arg;
	if (!buf)
		return VACCEL_EINVAL;
	int ret = current_custom(array, expected_id, validator, &arg);
	if (ret)
		return ret;
	if (!validator(arg->buf, arg->size, expected_id))
		return VACCEL_EINVAL;
	*buf = arg->buf;
	if (size)
		*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

/* The arg at the cursor for the serialized get/set: of `type`; CUSTOM args
 * also match the id, builtin ones must be valid (and use id 0). */
static int current_serialized(struct vaccel_arg_array *a,
			      vaccel_arg_type_t type, uint32_t *id,
			      struct vaccel_arg **arg)
{
	int ret = current(a, arg);
	if (ret)
		return ret;
	if ((*arg)->type != type)
		return VACCEL_EINVAL;
	if (type == VACCEL_ARG_CUSTOM)
		return (*arg)->custom_type_id == *id ? VACCEL_OK
						     : VACCEL_EINVAL;
	if (type != VACCEL_ARG_RAW &&
	    !vaccel__arg_valid(type, (*arg)->buf, (*arg)->size))
		return VACCEL_EINVAL;
	*id = 0;
	return VACCEL_OK;
}

int vaccel_arg_array_get_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t expected_type,
				    uint32_t expected_custom_id, void *data,
				    size_t expected_size,
				    vaccel_arg_deserializer_fn deserializer)
{
	struct vaccel_arg *arg;
	if (!data || !deserializer)
		return VACCEL_EINVAL;
	uint32_t id = expected_custom_id;
	int ret = current_serialized(array, expected_type, &id, &arg);
	if (ret)
		return ret;
	ret = deserializer(arg->buf, arg->size, id, expected_size, data);
	if (ret)
		return ret;
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_raw(struct vaccel_arg_array *array, void *buf,
			     size_t size)
{
	struct vaccel_arg *arg;
	int ret = current(array, &arg);
	if (ret)
		return ret;
	if ((!buf) != (!size))
		return VACCEL_EINVAL;
	if (!buf) {
		if (arg->size)
			return VACCEL_EINVAL;
	} else {
		if (!arg->buf || arg->size < size)
			return VACCEL_EINVAL;
		memcpy(arg->buf, buf, size);
	}
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_string(struct vaccel_arg_array *array, char *str)
{
	if (!str || !str[0])
		return VACCEL_EINVAL;
	return set_bytes(array, str, strlen(str) + 1, VACCEL_ARG_STRING);
}

int vaccel_arg_array_set_buffer(struct vaccel_arg_array *array, void *buf,
				size_t size)
{
	return set_bytes(array, buf, size, VACCEL_ARG_BUFFER);
}

int vaccel_arg_array_set_custom(struct vaccel_arg_array *array,
				uint32_t expected_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator)
{
	struct vaccel_arg *arg;
	if (!buf || !size)
		return VACCEL_EINVAL;
	int ret = current_custom(array, expected_id, validator, &arg);
	if (ret)
		return ret;
	if (arg->size != size || !arg->buf ||
	    !validator(buf, size, expected_id))
		return VACCEL_EINVAL;
	memcpy(arg->buf, buf, size);
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t expected_type,
				    uint32_t expected_custom_id, void *data,
				    size_t data_size,
				    vaccel_arg_serializer_fn serializer)
{
	struct vaccel_arg *arg;
	if (!data || !serializer)
		return VACCEL_EINVAL;
	uint32_t id = expected_custom_id;
	int ret = current_serialized(array, expected_type, &id, &arg);
	if (ret)
		return ret;
	void *buf = NULL;
	size_t size = 0;
	ret = serializer(data, data_size, id, &buf, &size);
	if (ret)
		return ret;
	if (size != arg->size || !arg->buf)
		ret = VACCEL_EINVAL;
	else
		memcpy(arg->buf, buf, size);
	free(buf);
	if (!ret)
		array->position++;
	return ret;
}

int vaccel_arg_array_get_remaining(struct vaccel_arg_array *array,
				   struct vaccel_arg **args, size_t *count)
{
	if (!array || !args || !count)
		return VACCEL_EINVAL;
	if (array->position >= array->count) {
		*args = NULL;
		*count = 0;
	} else {
		*args = &array->args[array->position];
		*count = array->count - array->position;
	}
	return VACCEL_OK;
}

size_t vaccel_arg_array_remaining_count(const struct vaccel_arg_array *array)
{
	if (!array || array->position >= array->count)
		return 0;
	return array->count - array->position;
}

size_t vaccel_arg_array_position(const struct vaccel_arg_array *array)
{
	return array ? array->position : 0;
}

void vaccel_arg_array_set_position(struct vaccel_arg_array *array,
				   size_t position)
{
	if (array)
		array->position =
			position > array->count ? array->count : position;
}

void vaccel_arg_array_reset_position(struct vaccel_arg_array *array)
{
	if (array)
		array->position = 0;
}

size_t vaccel_arg_array_count(const struct vaccel_arg_array *array)
{
	return array ? array->count : 0;
}

struct vaccel_arg *vaccel_arg_array_raw(struct vaccel_arg_array *array)
{
	return array ? array->args : NULL;
}
