// SPDX-License-Identifier: Apache-2.0
/* The answer to a HELLO (hello.h). */

#include "hello.h"
#include "agent.h"
#include <vaccel.h>

void hello_answer(struct vrpc_hello_r *o, const struct vrpc_hello *h,
		  bool shm_ok, uint64_t conn, uint64_t ops, struct vrpc_kv *kv)
{
	*o = (struct vrpc_hello_r){
		.major = VRPC_MAJOR,
		.minor = h->minor < VRPC_MINOR ? h->minor : VRPC_MINOR,
		.flags = (shm_ok ? VRPC_AGENT_SHM : 0) |
			 (cfg.nr_exec_dirs ? VRPC_AGENT_EXEC : 0) |
			 (cfg.exec_allow_uploads ? VRPC_AGENT_EXEC_UPLOADS : 0),
		.nonce = h->nonce,
		.conn = conn,
		.version = VACCEL_VERSION,
		.ops = ops,
		.limits = kv,
		.nr_limits = (uint32_t)vrpc_limits_to_kv(&cfg.lim, kv),
	};
}
