// SPDX-License-Identifier: Apache-2.0
/* Profiling regions: named lists of (start, duration) samples. Every
 * function does nothing (and returns VACCEL_OK) unless profiling is enabled
 * (VACCEL_PROFILING_ENABLED=1). The library times each op in built-in
 * regions and prints them at cleanup. */
#pragma once

#include "op.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_prof_sample {
	/* CLOCK_MONOTONIC_RAW timestamp (ns) of entering the region */
	uint64_t start;
	/* time spent inside (ns) */
	uint64_t time;
};

/* Field order and sizes are ABI. Samples of one region must not be added
 * from two threads at once (the library's own regions are protected). */
struct vaccel_prof_region {
	const char *name;
	bool name_owned;
	size_t nr_entries;
	struct vaccel_prof_sample *samples;
	/* allocated samples */
	size_t size;
};

#define VACCEL_PROF_REGION_INIT(name)     \
	{                                 \
		(name), false, 0, NULL, 0 \
	}

bool vaccel_prof_enabled(void);
int vaccel_prof_region_start(struct vaccel_prof_region *region);
int vaccel_prof_region_stop(const struct vaccel_prof_region *region);
/* Logs "[prof] <name>: total_time: <ns> nsec nr_entries: <n>" at info. */
int vaccel_prof_region_print(const struct vaccel_prof_region *region);
int vaccel_prof_region_init(struct vaccel_prof_region *region,
			    const char *name);
int vaccel_prof_region_release(struct vaccel_prof_region *region);
int vaccel_prof_regions_start_by_name(struct vaccel_prof_region *regions,
				      int nregions, const char *name);
int vaccel_prof_regions_stop_by_name(struct vaccel_prof_region *regions,
				     int nregions, const char *name);
int vaccel_prof_regions_init(struct vaccel_prof_region *regions, int nregions);
int vaccel_prof_regions_release(struct vaccel_prof_region *regions,
				int nregions);
int vaccel_prof_regions_print_all(struct vaccel_prof_region *regions,
				  int nregions);
/* buf == NULL: return the bytes needed. Otherwise allocate `*buf` of
 * `buf_len` bytes (the caller frees it), write one NUL-terminated line per
 * region and return `nregions`. Negative VACCEL_E* codes on error. */
int vaccel_prof_regions_print_all_to_buf(char **buf, size_t buf_len,
					 struct vaccel_prof_region *regions,
					 int nregions);

#ifdef __cplusplus
}
#endif
