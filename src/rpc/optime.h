// SPDX-License-Identifier: Apache-2.0
/* The running estimate of how long each op takes (µs), kept by both ends:
 * the client spins briefly just before a reply is due instead of paying
 * for waking an idle CPU; the agent serves usually-quick ops on the
 * reading thread instead of handing the stream over. A hint only: threads
 * may update an entry at once (relaxed atomics, the last store wins). */
#pragma once

#include "wire.h"
#include <stdint.h>

#define VRPC_OPTIME_SAMPLES 8

struct vrpc_optime {
	/* per op number: its last 8 durations (0 = none yet), and where the
	 * next goes. The estimate is their median: one delayed call does not
	 * pull it up (a moving average stayed high for several calls, and a
	 * client spinning around that time then started after the reply
	 * came), and a real change shows within five calls */
	uint32_t us[64][VRPC_OPTIME_SAMPLES];
	uint8_t next[64];
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
	unsigned i = __atomic_fetch_add(&t->next[op], 1, __ATOMIC_RELAXED) %
		     VRPC_OPTIME_SAMPLES;
	__atomic_store_n(&t->us[op][i], (uint32_t)us, __ATOMIC_RELAXED);
}

/* The estimate for message `type` in µs (the lower median of its recent
 * samples); 0 if unknown or not an op. */
static inline uint32_t vrpc_optime_get(const struct vrpc_optime *t,
				       uint16_t type)
{
	unsigned op = (unsigned)type - VRPC_T_OP;
	if (type < VRPC_T_OP || op >= 64)
		return 0;
	uint32_t v[VRPC_OPTIME_SAMPLES];
	int n = 0;
	for (int i = 0; i < VRPC_OPTIME_SAMPLES; i++) {
		uint32_t x = __atomic_load_n(&t->us[op][i], __ATOMIC_RELAXED);
		if (!x)
			continue;
		int k = n++; /* insertion sort */
		for (; k > 0 && v[k - 1] > x; k--)
			v[k] = v[k - 1];
		v[k] = x;
	}
	return n ? v[(n - 1) / 2] : 0;
}
