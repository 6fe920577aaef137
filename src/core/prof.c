// SPDX-License-Identifier: Apache-2.0
/* Profiling regions. Everything is a no-op unless profiling is enabled. */

#include "internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Atomic bool vaccel__prof_on;

#define SAMPLES_INITIAL 1024
#define NAME_BUF	256

bool vaccel_prof_enabled(void)
{
	return atomic_load_explicit(&vaccel__prof_on, memory_order_relaxed);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int grow(struct vaccel_prof_region *r)
{
	if (r->nr_entries < r->size)
		return VACCEL_OK;
	size_t size = r->size ? r->size * 2 : SAMPLES_INITIAL;
	void *p = realloc(r->samples, size * sizeof(*r->samples));
	if (!p)
		return VACCEL_ENOMEM;
	r->samples = p;
	r->size = size;
	return VACCEL_OK;
}

int vaccel_prof_region_init(struct vaccel_prof_region *region, const char *name)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!region)
		return VACCEL_EINVAL;
	char *n = name ? strdup(name) : calloc(1, NAME_BUF);
	if (!n)
		return VACCEL_ENOMEM;
	region->name = n;
	region->name_owned = true;
	region->nr_entries = 0;
	int ret = grow(region);
	if (ret) {
		free(n);
		region->name = NULL;
		region->name_owned = false;
	}
	return ret;
}

int vaccel_prof_region_start(struct vaccel_prof_region *region)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!region)
		return VACCEL_EINVAL;
	int ret = grow(region);
	if (ret)
		return ret;
	vaccel_debug("Start profiling region %s",
		     region->name ? region->name : "");
	region->samples[region->nr_entries++] =
		(struct vaccel_prof_sample){ .start = now_ns(), .time = 0 };
	return VACCEL_OK;
}

int vaccel_prof_region_stop(const struct vaccel_prof_region *region)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!region)
		return VACCEL_EINVAL;
	if (!region->nr_entries)
		return VACCEL_ENOENT;
	struct vaccel_prof_sample *s = &region->samples[region->nr_entries - 1];
	s->time = now_ns() - s->start;
	return VACCEL_OK;
}

static uint64_t total_time(const struct vaccel_prof_region *r)
{
	uint64_t t = 0;
	for (size_t i = 0; i < r->nr_entries; i++)
		t += r->samples[i].time;
	return t;
}

/* "[prof] <name>: total_time: <ns> nsec nr_entries: <n>" into buf. */
static int format_line(char *buf, size_t len,
		       const struct vaccel_prof_region *r)
{
	return snprintf(buf, len,
			"[prof] %s: total_time: %" PRIu64
			" nsec nr_entries: %zu",
			r->name ? r->name : "", total_time(r), r->nr_entries);
}

int vaccel_prof_region_print(const struct vaccel_prof_region *region)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!region)
		return VACCEL_EINVAL;
	if (region->nr_entries) {
		char line[512];
		format_line(line, sizeof(line), region);
		vaccel_info("%s", line);
	}
	return VACCEL_OK;
}

int vaccel_prof_region_release(struct vaccel_prof_region *region)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!region)
		return VACCEL_EINVAL;
	free(region->samples);
	if (region->name_owned)
		free((char *)region->name);
	region->samples = NULL;
	region->name = NULL;
	region->name_owned = false;
	region->nr_entries = 0;
	region->size = 0;
	return VACCEL_OK;
}

/* The last region of the array named `name`, or NULL. */
static struct vaccel_prof_region *find(struct vaccel_prof_region *regions,
				       int n, const char *name)
{
	for (int i = n - 1; i >= 0; i--)
		if (regions[i].name && !strcmp(regions[i].name, name))
			return &regions[i];
	return NULL;
}

int vaccel_prof_regions_start_by_name(struct vaccel_prof_region *regions,
				      int nregions, const char *name)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!regions || !name || nregions <= 0)
		return VACCEL_EINVAL;
	struct vaccel_prof_region *r = find(regions, nregions, name);
	return r ? vaccel_prof_region_start(r) : VACCEL_EINVAL;
}

int vaccel_prof_regions_stop_by_name(struct vaccel_prof_region *regions,
				     int nregions, const char *name)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!regions || !name || nregions <= 0)
		return VACCEL_EINVAL;
	struct vaccel_prof_region *r = find(regions, nregions, name);
	return r ? vaccel_prof_region_stop(r) : VACCEL_EINVAL;
}

int vaccel_prof_regions_init(struct vaccel_prof_region *regions, int nregions)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!regions || nregions <= 0)
		return VACCEL_EINVAL;
	for (int i = 0; i < nregions; i++) {
		regions[i].size = 0;
		regions[i].samples = NULL;
		int ret = vaccel_prof_region_init(&regions[i], NULL);
		if (ret)
			return ret;
	}
	return VACCEL_OK;
}

int vaccel_prof_regions_release(struct vaccel_prof_region *regions,
				int nregions)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!regions || nregions <= 0)
		return VACCEL_EINVAL;
	for (int i = 0; i < nregions; i++)
		vaccel_prof_region_release(&regions[i]);
	return VACCEL_OK;
}

int vaccel_prof_regions_print_all(struct vaccel_prof_region *regions,
				  int nregions)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!regions || nregions <= 0)
		return VACCEL_EINVAL;
	for (int i = 0; i < nregions; i++)
		vaccel_prof_region_print(&regions[i]);
	return VACCEL_OK;
}

int vaccel_prof_regions_print_all_to_buf(char **buf, size_t buf_len,
					 struct vaccel_prof_region *regions,
					 int nregions)
{
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (!regions || nregions <= 0)
		return -VACCEL_EINVAL;

	size_t need = 0;
	for (int i = 0; i < nregions; i++)
		need += (size_t)format_line(NULL, 0, &regions[i]) + 1;
	if (!buf)
		return need > INT32_MAX ? -VACCEL_ERANGE : (int)need;
	if (buf_len < need)
		return -VACCEL_ERANGE;

	char *out = malloc(buf_len);
	if (!out)
		return -VACCEL_ENOMEM;
	size_t off = 0;
	for (int i = 0; i < nregions; i++)
		off += (size_t)format_line(out + off, buf_len - off,
					   &regions[i]) +
		       1;
	*buf = out;
	return nregions;
}

/* ---- the library's own per-op regions ---- */

static pthread_mutex_t tracked_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vaccel__prof_op *tracked;

uint64_t vaccel__prof_clock(void)
{
	return now_ns();
}

void vaccel__prof_op_record(struct vaccel__prof_op *op, uint64_t start)
{
	uint64_t end = now_ns();
	pthread_mutex_lock(&op->lock);
	if (grow(&op->region) == VACCEL_OK)
		op->region.samples[op->region.nr_entries++] =
			(struct vaccel_prof_sample){ start, end - start };
	bool first = !op->tracked;
	op->tracked = true;
	pthread_mutex_unlock(&op->lock);

	if (first) {
		pthread_mutex_lock(&tracked_lock);
		op->next = tracked;
		tracked = op;
		pthread_mutex_unlock(&tracked_lock);
	}
}

void vaccel__prof_ops_print_release(void)
{
	pthread_mutex_lock(&tracked_lock);
	struct vaccel__prof_op *op = tracked;
	tracked = NULL;
	pthread_mutex_unlock(&tracked_lock);

	for (; op; op = op->next) {
		pthread_mutex_lock(&op->lock);
		vaccel_prof_region_print(&op->region);
		free(op->region.samples);
		op->region.samples = NULL;
		op->region.nr_entries = 0;
		op->region.size = 0;
		op->tracked = false;
		pthread_mutex_unlock(&op->lock);
	}
}
