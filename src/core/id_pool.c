// SPDX-License-Identifier: Apache-2.0
/* Id pools: ids 1..max, handed out in increasing order and not reused
 * until the pool wraps (as upstream), so a stale id rarely names a new
 * object. */

#include "internal.h"
#include <stdlib.h>

int vaccel__id_pool_init(struct vaccel__id_pool *pool, vaccel_id_t max)
{
	if (!pool || max <= 0)
		return VACCEL_EINVAL;
	pool->used = calloc((size_t)max, 1);
	if (!pool->used)
		return VACCEL_ENOMEM;
	pthread_mutex_init(&pool->lock, NULL);
	pool->max = max;
	pool->last = 0;
	return VACCEL_OK;
}

void vaccel__id_pool_release(struct vaccel__id_pool *pool)
{
	if (!pool || !pool->used)
		return;
	pthread_mutex_destroy(&pool->lock);
	free(pool->used);
	pool->used = NULL;
	pool->max = 0;
	pool->last = 0;
}

vaccel_id_t vaccel__id_pool_get(struct vaccel__id_pool *pool)
{
	if (!pool || !pool->used)
		return -VACCEL_EINVAL;

	vaccel_id_t found = -VACCEL_EUSERS;
	pthread_mutex_lock(&pool->lock);
	for (vaccel_id_t i = 0; i < pool->max; i++) {
		/* scan forward from the last id handed out, wrapping */
		vaccel_id_t id = (pool->last + i) % pool->max + 1;
		if (!pool->used[id - 1]) {
			pool->used[id - 1] = 1;
			pool->last = id;
			found = id;
			break;
		}
	}
	pthread_mutex_unlock(&pool->lock);
	return found;
}

void vaccel__id_pool_put(struct vaccel__id_pool *pool, vaccel_id_t id)
{
	if (!pool || !pool->used || id <= 0 || id > pool->max)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->used[id - 1] = 0;
	pthread_mutex_unlock(&pool->lock);
}
