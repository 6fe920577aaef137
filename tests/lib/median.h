// SPDX-License-Identifier: Apache-2.0
/* Medians of timings, for the benchmarks (both sort `v` in place; n > 0). */
#pragma once

#include <stdint.h>

int64_t tu_median_i64(int64_t *v, int n);
double tu_median_d(double *v, int n);
