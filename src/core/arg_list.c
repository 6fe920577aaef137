// SPDX-License-Identifier: Apache-2.0
/* Upstream's deprecated arg-list API, kept for old applications. */

#include "internal.h"
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

struct vaccel_arg_list *vaccel_args_init(uint32_t size)
{
	if (!size)
		return NULL;
	struct vaccel_arg_list *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->list = calloc(size, sizeof(*l->list));
	l->idcs_allocated_space = calloc(size, sizeof(int));
	if (!l->list || !l->idcs_allocated_space) {
		free(l->list);
		free(l->idcs_allocated_space);
		free(l);
		return NULL;
	}
	l->size = size;
	return l;
}

/* The next free slot, or NULL when the list is full or invalid. */
static struct vaccel_arg *next_slot(struct vaccel_arg_list *l)
{
	if (!l || !l->list || l->curr_idx < 0 ||
	    (uint32_t)l->curr_idx >= l->size)
		return NULL;
	return &l->list[l->curr_idx];
}

/* Store (buf, size) at the next slot; `allocated` = the list frees buf. */
static int list_add(struct vaccel_arg_list *l, void *buf, uint32_t size,
		    vaccel_arg_type_t type, uint32_t id, bool allocated)
{
	struct vaccel_arg *a = next_slot(l);
	if (!a)
		return VACCEL_EINVAL;
	*a = (struct vaccel_arg){ .buf = buf,
				  .size = size,
				  .type = type,
				  .custom_type_id = id,
				  .owned = false };
	l->idcs_allocated_space[l->curr_idx++] = allocated;
	return VACCEL_OK;
}

int vaccel_add_serial_arg(struct vaccel_arg_list *args, void *buf,
			  uint32_t size)
{
	return list_add(args, buf, size, VACCEL_ARG_RAW, 0, false);
}

int vaccel_add_nonserial_arg(struct vaccel_arg_list *args, void *buf,
			     uint32_t type,
			     void *(*serializer)(void *, uint32_t *))
{
	if (!serializer || !next_slot(args))
		return VACCEL_EINVAL;
	uint32_t bytes = 0;
	void *ser = serializer(buf, &bytes);
	if (!ser)
		return VACCEL_EINVAL;
	return list_add(args, ser, bytes, VACCEL_ARG_CUSTOM, type, true);
}

int vaccel_expect_serial_arg(struct vaccel_arg_list *args, void *buf,
			     uint32_t size)
{
	return list_add(args, buf, size, VACCEL_ARG_RAW, 0, false);
}

int vaccel_expect_nonserial_arg(struct vaccel_arg_list *args,
				uint32_t expected_size)
{
	if (!next_slot(args) || !expected_size)
		return VACCEL_EINVAL;
	void *buf = calloc(1, expected_size);
	if (!buf)
		return VACCEL_ENOMEM;
	return list_add(args, buf, expected_size, VACCEL_ARG_RAW, 0, true);
}

void *vaccel_extract_serial_arg(struct vaccel_arg *args, int idx)
{
	return args && idx >= 0 ? args[idx].buf : NULL;
}

void *vaccel_extract_nonserial_arg(struct vaccel_arg *args, int idx,
				   void *(*deserializer)(void *, uint32_t))
{
	if (!args || idx < 0 || !deserializer)
		return NULL;
	return deserializer(args[idx].buf, (uint32_t)args[idx].size);
}

int vaccel_write_serial_arg(struct vaccel_arg *args, int idx, void *buf)
{
	if (!args || idx < 0 || !buf || !args[idx].buf)
		return VACCEL_EINVAL;
	memcpy(args[idx].buf, buf, args[idx].size);
	return VACCEL_OK;
}

int vaccel_write_nonserial_arg(struct vaccel_arg *args, int idx, void *buf,
			       void *(*serializer)(void *, uint32_t *))
{
	if (!args || idx < 0 || !serializer || !args[idx].buf)
		return VACCEL_EINVAL;
	uint32_t bytes = 0;
	void *ser = serializer(buf, &bytes);
	if (!ser)
		return VACCEL_EINVAL;
	int ret = VACCEL_OK;
	if (bytes > args[idx].size)
		ret = VACCEL_EINVAL;
	else
		memcpy(args[idx].buf, ser, bytes);
	free(ser);
	return ret;
}

int vaccel_delete_args(struct vaccel_arg_list *args)
{
	if (!args)
		return VACCEL_EINVAL;
	for (uint32_t i = 0; i < args->size && args->list; i++)
		if (args->idcs_allocated_space[i])
			free(args->list[i].buf);
	free(args->list);
	free(args->idcs_allocated_space);
	free(args);
	return VACCEL_OK;
}
