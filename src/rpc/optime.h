// SPDX-License-Identifier: Apache-2.0
/* The running estimate of how long each op takes (µs), kept by both ends:
 * the client spins briefly just before a reply is due instead of paying
 * for waking an idle CPU; the agent serves usually-quick ops on the
 * reading thread instead of handing the stream over. A hint only: threads
 * may update an entry at once (relaxed atomics, the last store wins). */
#pragma once

#include "wire.h"
#include <stdbool.h>
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

/* Whether the client's spin windows around expected replies pay off:
 * VRPC_SPIN_MIN_HITS of the last eight must have caught the reply (it came
 * by the window's end), else the windows pause for 16 calls, doubling up
 * to 1024 while they keep missing. A window that keeps missing costs its
 * CPU for nothing (the op's time varies more than the window is long),
 * or delays the very reply it waits for (the worker was woken on the
 * client's CPU and waits for it to run the op). */
#define VRPC_SPIN_MIN_HITS 2
#define VRPC_SPIN_SKIP_MIN 16
#define VRPC_SPIN_SKIP_MAX 1024

struct vrpc_spinwin {
	/* outcomes as bits (1: caught), how many recorded (up to 8),
	 * windows still to skip, the length of the next pause */
	uint8_t hist, n;
	uint32_t skip, backoff;
};

/* Whether to open a window now (a skipped one counts as used). */
static inline bool vrpc_spinwin_open(struct vrpc_spinwin *w)
{
	if (w->skip) {
		w->skip--;
		return false;
	}
	if (w->n < 8 || __builtin_popcount(w->hist) >= VRPC_SPIN_MIN_HITS)
		return true;
	w->backoff = w->backoff ? 2 * w->backoff : VRPC_SPIN_SKIP_MIN;
	if (w->backoff > VRPC_SPIN_SKIP_MAX)
		w->backoff = VRPC_SPIN_SKIP_MAX;
	w->skip = w->backoff - 1;
	w->n = 0; /* eight fresh windows after the pause */
	return false;
}

/* The outcome of a window vrpc_spinwin_open opened. */
static inline void vrpc_spinwin_note(struct vrpc_spinwin *w, bool caught)
{
	w->hist = (uint8_t)(w->hist << 1 | caught);
	if (w->n < 8)
		w->n++;
	if (w->n == 8 && __builtin_popcount(w->hist) >= VRPC_SPIN_MIN_HITS)
		w->backoff = 0;
}
