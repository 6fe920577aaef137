// SPDX-License-Identifier: Apache-2.0
/* A worker's op counters (stats.h). */

#include "stats.h"
#include <vaccel/op.h>
#include "wire.h"
#include <string.h>

const double op_bucket_le[OP_BUCKETS - 1] = { 0.0001, 0.001, 0.01, 0.1,
					      1,      10,    60 };
struct op_stats worker_ops;

static void add(uint64_t *c, uint64_t v)
{
	__atomic_fetch_add(c, v, __ATOMIC_RELAXED);
}

_Static_assert(VACCEL_OP_EXT_MAX <= OP_SLOTS, "an op without its slot");

bool op_stats_known(unsigned op)
{
	return op < VACCEL_OP_MAX ||
	       (op >= VACCEL_OP_ONNX_MODEL_LOAD && op < VACCEL_OP_EXT_MAX);
}

void op_stats_note(uint16_t type, uint32_t status, int64_t ns)
{
	struct op_stats *s = &worker_ops;
	if (status)
		add(&s->codes[status < OP_CODES ? status : OP_CODES - 1], 1);
	unsigned op = (unsigned)type - VRPC_T_OP;
	/* ops there are only: a type past them (answered PROTO) would add a
	 * series named "max" per type to the metrics (the extensions, from
	 * 32, were left out with them) */
	if (type < VRPC_T_OP || !op_stats_known(op))
		return;
	double secs = (double)ns / 1e9;
	int b = 0;
	while (b < OP_BUCKETS - 1 && secs > op_bucket_le[b])
		b++;
	add(&s->calls[op], 1);
	add(&s->ns[op], ns > 0 ? (uint64_t)ns : 0);
	add(&s->hist[op][b], 1);
	if (status)
		add(&s->errors[op], 1);
}

void op_stats_copy(struct op_stats *to, const struct op_stats *from)
{
	const uint64_t *f = (const uint64_t *)from;
	uint64_t *t = (uint64_t *)to;
	for (size_t i = 0; i < sizeof(*from) / sizeof(uint64_t); i++)
		t[i] = __atomic_load_n(&f[i], __ATOMIC_RELAXED);
}

void op_stats_add(struct op_stats *to, const struct op_stats *from)
{
	const uint64_t *f = (const uint64_t *)from;
	uint64_t *t = (uint64_t *)to;
	for (size_t i = 0; i < sizeof(*from) / sizeof(uint64_t); i++)
		op_stats_sat_add(&t[i], f[i]);
}
