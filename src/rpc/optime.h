// SPDX-License-Identifier: Apache-2.0
/* The running estimate of how long each op takes (µs), kept by both ends:
 * the client spins briefly just before a reply is due instead of paying
 * for waking an idle CPU; the agent serves usually-quick ops on the
 * reading thread instead of handing the stream over. A hint only: threads
 * may update an entry at once (relaxed atomics, the last store wins). */
#pragma once

#include "wire.h"
#include <stdint.h>

struct vrpc_optime {
	/* per op number: a moving average (3/4 the old value, 1/4 the new
	 * sample), 0 = no sample yet */
	uint32_t us[64];
};

/* Add a sample: a call of message `type` took `ns` ns (clamped to
 * 1 µs .. UINT32_MAX µs). Messages that are not ops are ignored. */
static inline void vrpc_optime_note(struct vrpc_optime *t, uint16_t type,
				    int64_t ns)
{
	unsigned op = (unsigned)type - VRPC_T_OP;
	if (type < VRPC_T_OP || op >= 64)
		return;
	uint64_t us = ns > 0 ? (uint64_t)ns / 1000 : 0;
	us = us < 1 ? 1 : us > UINT32_MAX ? UINT32_MAX : us;
	uint64_t old = __atomic_load_n(&t->us[op], __ATOMIC_RELAXED);
	uint32_t v = old ? (uint32_t)((old * 3 + us) / 4) : (uint32_t)us;
	__atomic_store_n(&t->us[op], v, __ATOMIC_RELAXED);
}

/* The estimate for message `type` in µs; 0 if unknown or not an op. */
static inline uint32_t vrpc_optime_get(const struct vrpc_optime *t,
				       uint16_t type)
{
	unsigned op = (unsigned)type - VRPC_T_OP;
	if (type < VRPC_T_OP || op >= 64)
		return 0;
	return __atomic_load_n(&t->us[op], __ATOMIC_RELAXED);
}
