// SPDX-License-Identifier: Apache-2.0
/* Inside the agent's op handlers (ops.c, the dispatch): what the files of
 * one op family each share. Only ops*.c include it.
 *   ops.c         the dispatch: one handler per wire family of the op list
 *   ops_common.c  a request's session and resource, reply buffers, memory
 *   ops_exec.c    exec, exec_with_resource, opencv
 *   ops_image.c   the image ops
 *   ops_model.c   model load/unload/run, torch sgemm
 *   ops_tensor.c  tensors: checks, the application's view, descriptions
 *   ops_arrays.c  blas sgemm, fpga, minmax */
#pragma once

#include "serve.h"

/* The application's view of a tensor: every family's struct starts with
 * data, size, owned, then the dims, which differ in type. */
union any_tensor {
	struct vaccel_tf_tensor tf;
	struct vaccel_tflite_tensor tfl;
	struct vaccel_torch_tensor torch;
	struct vaccel_onnx_tensor onnx;
};

/* Outputs of a run, deleted after the reply was sent. */
struct outputs {
	unsigned family;
	void **t;
	uint32_t n;
};

/* ops_common.c */
/* The request's session (or resource), held for the call; NULL: the
 * reply says why. */
struct vaccel_session *hold_sess(struct req *r);
struct obj *hold_res(struct req *r);
struct vrpc_buf out_buf(const struct vrpc_buf *in, void *data, uint64_t len);
/* Request memory (freed with the request); NULL: the reply says why. */
void *pool(struct req *r, size_t size);

/* ops_tensor.c (`family`: the op number of the run) */
bool tensor_ok(struct req *r, unsigned family, const struct vrpc_tensor *t);
bool fill_tensor(struct req *r, unsigned family, const struct vrpc_tensor *t,
		 union any_tensor *v);
/* r->after of a run: deletes its outputs (r->after_ctx: struct outputs). */
void delete_outputs(struct req *r);
bool describe(struct req *r, unsigned family, void *p, struct vrpc_tensor *d);
void **make_inputs(struct req *r, unsigned family);

/* the handlers */
void op_exec(struct req *r, unsigned op);
void op_image(struct req *r, unsigned op);
void op_model_load(struct req *r, unsigned op);
void op_model_run(struct req *r, unsigned family);
void op_torch_sgemm(struct req *r);
void op_sgemm(struct req *r);
void op_arrays(struct req *r, unsigned op);
