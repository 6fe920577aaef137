// SPDX-License-Identifier: Apache-2.0
/* exec, exec_with_resource and opencv: a function of a shared library
 * (policy.c says which may run) over the request's arguments. */
#include "ops_int.h"
#include "policy.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static struct vaccel_arg *make_args(struct req *r, struct vrpc_arg *a,
				    uint32_t n)
{
	struct vaccel_arg *v = pool(r, n * sizeof(*v));
	for (uint32_t i = 0; v && i < n; i++)
		v[i] = (struct vaccel_arg){
			.buf = a[i].data.data,
			.size = (size_t)a[i].data.len,
			.type = (vaccel_arg_type_t)a[i].type,
			.custom_type_id = a[i].custom_id
		};
	return v;
}

/* Whether the session may run the library of this request. */
static bool exec_allowed(struct req *r, unsigned op, struct obj *res, char *lib,
			 size_t size)
{
	if (!cfg.nr_exec_dirs) {
		reply_err(r, VRPC_E_PERM, "exec is disabled on this agent");
		return false;
	}
	if (op == VACCEL_OP_EXEC &&
	    policy_exec_library(r->msg.u.exec.library, lib, size)) {
		reply_err(r, VRPC_E_PERM,
			  "library %s is not under an --exec-allow directory",
			  r->msg.u.exec.library);
		return false;
	}
	if (op == VACCEL_OP_EXEC_WITH_RESOURCE && !res->u.r.exec_ok) {
		reply_err(r, VRPC_E_PERM,
			  "resource %" PRIu64 " is not an allowlisted library",
			  res->id);
		return false;
	}
	return true;
}

void op_exec(struct req *r, unsigned op)
{
	struct vrpc_exec *e = &r->msg.u.exec;
	struct vaccel_session *s = hold_sess(r);
	struct obj *res = NULL;
	char lib[PATH_MAX];
	if (!s || (op == VACCEL_OP_EXEC_WITH_RESOURCE && !(res = hold_res(r))))
		return;
	if (op != VACCEL_OP_OPENCV &&
	    !exec_allowed(r, op, res, lib, sizeof(lib)))
		return;
	struct vaccel_arg *rd = make_args(r, e->read, e->nr_read);
	struct vaccel_arg *wr = make_args(r, e->write, e->nr_write);
	if (!rd || !wr)
		return;
	int ret;
	if (op == VACCEL_OP_EXEC)
		ret = vaccel_exec(s, lib, e->symbol, rd, e->nr_read, wr,
				  e->nr_write);
	else if (op == VACCEL_OP_EXEC_WITH_RESOURCE)
		ret = vaccel_exec_with_resource(s, res->u.r.res, e->symbol, rd,
						e->nr_read, wr, e->nr_write);
	else
		ret = vaccel_opencv(s, rd, (int)e->nr_read, wr,
				    (int)e->nr_write);
	if (ret) {
		reply_ret(r, ret);
		return;
	}
	struct vrpc_bufs *b = &r->rep.u.bufs;
	if (!(b->bufs = pool(r, e->nr_write * sizeof(*b->bufs))))
		return;
	b->nr = e->nr_write;
	for (uint32_t i = 0; i < e->nr_write; i++)
		b->bufs[i] = out_buf(&e->write[i].data, e->write[i].data.data,
				     e->write[i].data.len);
}
