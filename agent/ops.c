// SPDX-License-Identifier: Apache-2.0
/* One handler per op (docs/protocol.md §5.4): rebuild the application's
 * arguments over the request's buffers, call the public API, describe the
 * results. Every size a backend will read is checked against the bytes
 * the agent really has first: a client can make an op fail, never make a
 * plugin read or write outside its buffers. This file: the dispatch; the
 * handlers, one file per op family: ops_int.h. */

#include "op_list.h"
#include "ops_int.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- dispatch: one handler per wire family of the op list ---------------- */

typedef void (*op_handler)(struct req *r, unsigned op);

static void op_noop(struct req *r, unsigned op)
{
	struct vaccel_session *s = hold_sess(r);
	if (s)
		reply_ret(r, vaccel_noop(s));
}

static void op_tsgemm(struct req *r, unsigned op)
{
	op_torch_sgemm(r);
}

static void op_blas_sgemm(struct req *r, unsigned op)
{
	op_sgemm(r);
}

static const op_handler family_handlers[VACCEL__FAMILY_MAX] = {
	[VACCEL__FAMILY_NOOP] = op_noop,
	[VACCEL__FAMILY_EXEC] = op_exec,
	[VACCEL__FAMILY_IMAGE] = op_image,
	[VACCEL__FAMILY_MODEL] = op_model_load,
	[VACCEL__FAMILY_RUN] = op_model_run,
	[VACCEL__FAMILY_TSGEMM] = op_tsgemm,
	[VACCEL__FAMILY_SGEMM] = op_blas_sgemm,
	[VACCEL__FAMILY_ARRAYS] = op_arrays,
};

void handle_op(struct req *r)
{
	unsigned op = r->msg.type - VRPC_T_OP;
	if (!vaccel__op_valid(op) || !(serve_ops & (UINT64_C(1) << op))) {
		reply_err(r, VRPC_E_NOTSUP, "no backend plugin serves %s",
			  vrpc_type_name(r->msg.type));
		return;
	}
	op_handler h = family_handlers[vaccel__op_family(op)];
	if (!h) {
		reply_err(r, VRPC_E_NOTSUP, "the agent cannot serve %s",
			  vrpc_type_name(r->msg.type));
		return;
	}
	h(r, op);
}

uint64_t agent_ops_mask(void)
{
	uint64_t mask = 0;
	for (size_t i = 0; i < vaccel_plugin_count(); i++) {
		uint64_t m = 0;
		if (!vaccel_plugin_get_info(i, NULL, NULL, NULL, NULL, &m))
			mask |= m;
	}
	/* only ops the dispatch above knows are offered to clients */
	return mask & VACCEL__OPS_ALL;
}
