// SPDX-License-Identifier: Apache-2.0
/* The torch plugin's ops: torch_model_load, torch_model_run (on the
 * session's model cache, models.c) and torch_sgemm. */
#include "torch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vaccel.h>

int torch_op_model_load(struct vaccel_session *sess,
			struct vaccel_resource *model)
{
	struct torch_session *ts = torch_session_of(sess);
	struct torch_entry *e;
	int ret;

	if (ts == NULL)
		return VACCEL_EINVAL;
	ret = torch_entry_get(ts, model, &e);
	if (ret != VACCEL_OK)
		return ret;
	torch_entry_put(ts, e);
	return VACCEL_OK;
}

static int check_run_args(struct vaccel_torch_tensor *const *inputs,
			  int nr_inputs, struct vaccel_torch_tensor **outputs,
			  int nr_outputs)
{
	char err[ERR_LEN];

	if (nr_inputs < 0 || (nr_inputs > 0 && inputs == NULL)) {
		return vaccel_fail(VACCEL_EINVAL,
				   "[torch] model run: %d inputs at %p",
				   nr_inputs, (const void *)inputs);
	}
	if (nr_outputs < 0 || (nr_outputs > 0 && outputs == NULL)) {
		return vaccel_fail(VACCEL_EINVAL,
				   "[torch] model run: %d outputs at %p",
				   nr_outputs, (void *)outputs);
	}
	for (int i = 0; i < nr_inputs; i++) {
		if (torch_backend_check_tensor(inputs[i], err, sizeof(err)) !=
		    VACCEL_OK) {
			return vaccel_fail(VACCEL_EINVAL,
					   "[torch] model run: input %d: %s", i,
					   err);
		}
	}
	return VACCEL_OK;
}

/* Allocates the plugin's outputs for the backend. */
static void *alloc_output(void *ctx, int index, int64_t nr_dims,
			  const int64_t *dims, enum vaccel_torch_data_type type,
			  size_t size)
{
	struct vaccel_torch_tensor **outputs = ctx;

	/* outputs[index] belongs to the caller (vaccel_torch_tensor_delete) */
	if (vaccel_torch_tensor_allocate(&outputs[index], nr_dims, dims, type,
					 size) != VACCEL_OK) {
		outputs[index] = NULL;
		return NULL;
	}
	return outputs[index]->data;
}

static void delete_outputs(struct vaccel_torch_tensor **outputs, int n)
{
	for (int i = 0; i < n; i++) {
		if (outputs[i] != NULL)
			vaccel_torch_tensor_delete(outputs[i]);
		outputs[i] = NULL;
	}
}

int torch_op_model_run(struct vaccel_session *sess,
		       const struct vaccel_resource *model,
		       const struct vaccel_torch_buffer *run_options,
		       struct vaccel_torch_tensor *const *inputs, int nr_inputs,
		       struct vaccel_torch_tensor **outputs, int nr_outputs)
{
	struct torch_session *ts = torch_session_of(sess);
	struct torch_entry *e;
	char err[ERR_LEN] = "";
	int ret;

	if (ts == NULL)
		return VACCEL_EINVAL;
	ret = check_run_args(inputs, nr_inputs, outputs, nr_outputs);
	if (ret != VACCEL_OK)
		return ret;
	if (run_options != NULL && run_options->size > 0)
		vaccel_debug("[torch] run options (%zu bytes) ignored",
			     run_options->size);
	for (int i = 0; i < nr_outputs; i++)
		outputs[i] = NULL;

	ret = torch_entry_get(ts, model, &e);
	if (ret != VACCEL_OK)
		return ret;
	ret = torch_backend_model_run(e->model, inputs, nr_inputs, nr_outputs,
				      alloc_output, outputs, err, sizeof(err));
	torch_entry_put(ts, e);

	for (int i = 0; ret == VACCEL_OK && i < nr_outputs; i++)
		if (outputs[i] == NULL) {
			snprintf(err, sizeof(err), "cannot allocate output %d",
				 i);
			ret = VACCEL_ENOMEM;
		}
	if (ret != VACCEL_OK) {
		vaccel_error("[torch] resource %lld: %s", (long long)model->id,
			     err);
		delete_outputs(outputs, nr_outputs);
	}
	return ret;
}

/* A float matrix of rows x cols: 2-d {rows, cols} or flat 1-d. */
static int check_matrix(const char *name, struct vaccel_torch_tensor **pt,
			int64_t rows, int64_t cols)
{
	const struct vaccel_torch_tensor *t = pt != NULL ? *pt : NULL;
	char err[ERR_LEN];

	if (torch_backend_check_tensor(t, err, sizeof(err)) != VACCEL_OK) {
		return vaccel_fail(VACCEL_EINVAL, "[torch] sgemm: %s: %s", name,
				   err);
	}
	if (t->data_type != VACCEL_TORCH_FLOAT) {
		return vaccel_fail(
			VACCEL_EINVAL,
			"[torch] sgemm: %s has type %d, not FLOAT (7)", name,
			(int)t->data_type);
	}
	if (!((t->nr_dims == 2 && t->dims[0] == rows && t->dims[1] == cols) ||
	      (t->nr_dims == 1 && t->dims[0] == rows * cols))) {
		return vaccel_fail(VACCEL_EINVAL,
				   "[torch] sgemm: %s is not %lld x %lld", name,
				   (long long)rows, (long long)cols);
	}
	return VACCEL_OK;
}

int torch_op_sgemm(struct vaccel_session *sess,
		   struct vaccel_torch_tensor **in_A,
		   struct vaccel_torch_tensor **in_B,
		   struct vaccel_torch_tensor **in_C, int M, int N, int K,
		   struct vaccel_torch_tensor **out)
{
	const int64_t dims[2] = { M, N };
	const bool with_c = in_C != NULL && *in_C != NULL;
	char err[ERR_LEN] = "";
	int ret;

	if (M < 1 || N < 1 || K < 1 || out == NULL) {
		return vaccel_fail(
			VACCEL_EINVAL,
			"[torch] sgemm: M=%d N=%d K=%d must be >= 1, out %p", M,
			N, K, (void *)out);
	}
	if (check_matrix("A", in_A, M, K) != VACCEL_OK ||
	    check_matrix("B", in_B, K, N) != VACCEL_OK ||
	    (with_c && check_matrix("C", in_C, M, N) != VACCEL_OK))
		return VACCEL_EINVAL;

	/* *out belongs to the caller (vaccel_torch_tensor_delete) */
	ret = vaccel_torch_tensor_allocate(out, 2, dims, VACCEL_TORCH_FLOAT,
					   (size_t)M * (size_t)N *
						   sizeof(float));
	if (ret != VACCEL_OK) {
		vaccel_error("[torch] sgemm: cannot allocate %d x %d output", M,
			     N);
		*out = NULL;
		return VACCEL_ENOMEM;
	}
	ret = torch_backend_sgemm((*in_A)->data, (*in_B)->data,
				  with_c ? (*in_C)->data : NULL, (*out)->data,
				  M, N, K, err, sizeof(err));
	if (ret != VACCEL_OK) {
		vaccel_error("[torch] %s", err);
		vaccel_torch_tensor_delete(*out);
		*out = NULL;
	}
	return ret;
}
