// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the frame decoder (src/rpc) on arbitrary bytes.
 *
 * Input: a 32-byte header and what follows as the fields section. The
 * header is checked as the agent checks it (before and after the
 * handshake), the fields are decoded as a request and as a reply of the
 * header's type (or of every type, for short inputs), under the agent's
 * default limits. Whatever decodes must re-encode to the same bytes (the
 * encoding is canonical), and the INLINE buffers must add up to bulk_len.
 * Each decode runs twice: with a pool of its own (malloc) and with a pool
 * seeded from 1 KiB of storage filled with garbage first, as the agent
 * seeds a request's pools (whatever the decoder takes from the seed must
 * be zeroed, or the re-encoding differs). Crashes, sanitizer reports and
 * broken invariants are findings. */

#include "codec.h"
#include "msg.h"
#include "wire.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(struct vrpc_msg *m, const uint8_t *fields,
			    size_t len)
{
	struct vrpc_io enc;
	vrpc_io_init_enc(&enc);
	if (vrpc_msg_io(&enc, m) || enc.len != len ||
	    memcmp(enc.out, fields, len))
		abort(); /* decoded but does not encode back */
	vrpc_io_release(&enc);
}

static void decode1(uint16_t type, bool reply, const uint8_t *fields,
		    size_t len, uint64_t bulk, const struct vrpc_limits *lim,
		    bool seeded)
{
	static _Alignas(16) uint8_t seed[1024];
	struct vrpc_pool pool = { 0 };
	if (seeded) {
		memset(seed, 0xa5, sizeof(seed));
		vrpc_pool_seed(&pool, seed, sizeof(seed));
	}
	struct vrpc_io io;
	struct vrpc_msg m = { .type = type, .reply = reply };
	vrpc_io_init_dec(&io, fields, len, &pool, lim);
	vrpc_msg_io(&io, &m);
	if (!vrpc_io_finish_dec(&io, bulk)) {
		uint64_t sum = 0;
		for (size_t i = 0; i < io.nbufs; i++)
			if (io.bufs[i]->kind == VRPC_BUF_INLINE)
				sum += io.bufs[i]->len;
		if (sum != bulk || sum > lim->max_bulk)
			abort();
		check_roundtrip(&m, fields, len);
	}
	vrpc_io_release(&io);
	vrpc_pool_release(&pool);
}

static void decode(uint16_t type, bool reply, const uint8_t *fields, size_t len,
		   uint64_t bulk, const struct vrpc_limits *lim)
{
	decode1(type, reply, fields, len, bulk, lim, false);
	decode1(type, reply, fields, len, bulk, lim, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrpc_limits lim;
	struct vrpc_hdr h;
	vrpc_limits_default(&lim);
	lim.max_args = 64; /* keep allocations small */
	if (size < VRPC_HDR_SIZE)
		return 0;
	vrpc_hdr_unpack(data, &h);
	const uint8_t *fields = data + VRPC_HDR_SIZE;
	size_t len = size - VRPC_HDR_SIZE;
	/* the framing checks of both phases */
	vrpc_hdr_check(&h, 0, VRPC_PREAUTH_MAX_FIELDS, 0);
	if (vrpc_hdr_check(&h, VRPC_MAJOR, lim.max_fields, lim.max_bulk))
		return 0;
	if (h.fields_len < len)
		len = h.fields_len;
	uint64_t bulk = h.bulk_len;
	if (h.flags & 0x8000) {
		/* short inputs: every type, both directions */
		for (uint16_t t = 0; t < 300; t++) {
			decode(t, false, fields, len, bulk, &lim);
			decode(t, true, fields, len, bulk, &lim);
		}
	} else {
		decode(h.type, (h.flags & VRPC_F_REPLY) != 0, fields, len, bulk,
		       &lim);
	}
	return 0;
}
