// SPDX-License-Identifier: Apache-2.0
/* Operations on the intrusive list of vaccel/list.h (library-internal). */
#pragma once

#include "vaccel/list.h"
#include <stdbool.h>
#include <stddef.h>

#define vaccel__container_of(ptr, type, member) \
	((type *)((char *)(ptr)-offsetof(type, member)))

static inline void vaccel__list_init(vaccel_list_t *l)
{
	l->next = l;
	l->prev = l;
}

static inline bool vaccel__list_empty(const vaccel_list_t *l)
{
	return l->next == l;
}

static inline void vaccel__list_add_tail(vaccel_list_t *l,
					 vaccel_list_entry_t *e)
{
	e->prev = l->prev;
	e->next = l;
	l->prev->next = e;
	l->prev = e;
}

/* Unlink `e` and leave it pointing to itself (unlinked). */
static inline void vaccel__list_del(vaccel_list_entry_t *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e;
	e->prev = e;
}

#define vaccel__list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* Safe against removal of `pos` inside the loop. */
#define vaccel__list_for_each_safe(pos, tmp, head)                       \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)
