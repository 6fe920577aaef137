// SPDX-License-Identifier: Apache-2.0
/* Args and arg arrays. Add functions reference the caller's buffers; get
 * functions consume args in order from the array's position; set functions
 * write into the existing arg buffers. */

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

/* The validation of every typed add (RAW and CUSTOM are not checked). */
static bool builtin_valid(vaccel_arg_type_t t, const void *buf, size_t size)
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
	if (!a || !a->args || !builtin_valid(type, buf, size))
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
	    !builtin_valid(type, buf, size))
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

/* ---- the read cursor ---- */

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
	    !builtin_valid(type, (*arg)->buf, (*arg)->size))
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
	if (!in || !builtin_valid(type, in, size))
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

#define DEFINE_TYPED_FUNCS(NAME, C_TYPE, SCALAR, ARRAY)                       \
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
	}                                                                     \
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
		    (values &&                                                \
		     !builtin_valid(ARRAY, values, count * sizeof(C_TYPE))))  \
			return VACCEL_EINVAL;                                 \
		return set_bytes(array, values, count * sizeof(C_TYPE),       \
				 ARRAY);                                      \
	}

VACCEL_ARG_NUMERIC_TYPES(DEFINE_TYPED_FUNCS)

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
	    !builtin_valid(type, (*arg)->buf, (*arg)->size))
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
