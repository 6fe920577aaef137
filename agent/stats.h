// SPDX-License-Identifier: Apache-2.0
/* Counters of a worker (stats.c): per tenant (connections, objects,
 * requests, bytes, its cache) and per op (calls, errors, a latency
 * histogram). A worker sends them to the front every second; the front
 * keeps those of ended workers' and exposes the sums (metrics.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum tenant_stat {
	TS_CONNS,
	TS_CONNS_TOTAL,
	TS_SESSIONS,
	TS_RESOURCES,
	TS_SHM_BYTES,
	TS_REQUESTS,
	TS_BYTES_IN,
	TS_BYTES_OUT,
	TS_CACHE_ENTRIES,
	TS_CACHE_BYTES,
	TS_CACHE_HITS,
	TS_UPLOADS,
	TS_UPLOAD_BYTES,
	TS_MAX
};

/* Counters that only grow (kept when a worker ends). */
#define TS_MONOTONIC                                                          \
	((1u << TS_CONNS_TOTAL) | (1u << TS_REQUESTS) | (1u << TS_BYTES_IN) | \
	 (1u << TS_BYTES_OUT) | (1u << TS_CACHE_HITS) | (1u << TS_UPLOADS) |  \
	 (1u << TS_UPLOAD_BYTES))

#define OP_SLOTS   64
#define OP_BUCKETS 8
#define OP_CODES   128

/* Upper bounds (seconds) of the latency buckets; the last is +Inf. */
extern const double op_bucket_le[OP_BUCKETS - 1];

struct op_stats {
	uint64_t calls[OP_SLOTS];
	uint64_t errors[OP_SLOTS];
	uint64_t ns[OP_SLOTS];
	/* calls per latency bucket (not cumulative) */
	uint64_t hist[OP_SLOTS][OP_BUCKETS];
	/* failed replies of any message, by wire code */
	uint64_t codes[OP_CODES];
};

/* Whether slot `op` is an op (upstream's, or an extension): only those
 * are counted and exposed (a worker's report of other slots, which only a
 * compromised worker sends, would make series named "max"). */
bool op_stats_known(unsigned op);

/* This worker's op counters. */
extern struct op_stats worker_ops;
/* A request of message `type` answered `status` after `ns` (atomic: any
 * thread). */
void op_stats_note(uint16_t type, uint32_t status, int64_t ns);
/* A consistent-enough copy (each counter read atomically). */
void op_stats_copy(struct op_stats *to, const struct op_stats *from);
void op_stats_add(struct op_stats *to, const struct op_stats *from);
/* *to += v, staying at UINT64_MAX (a compromised worker's counters near it
 * made the front's sums wrap: a counter reset in the metrics). */
static inline void op_stats_sat_add(uint64_t *to, uint64_t v)
{
	*to = *to > UINT64_MAX - v ? UINT64_MAX : *to + v;
}
