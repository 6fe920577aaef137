// SPDX-License-Identifier: Apache-2.0
/* The C face of libtorch (torch_backend.cpp), for the torch plugin.
 *
 * Only C types cross this interface, and no C++ exception crosses it: every
 * function catches everything and returns VACCEL_OK or a VACCEL_E* code,
 * with a one-line reason written to `err` (NUL-terminated, truncated to
 * `err_len`; may be NULL). The caller logs it. The backend never logs and
 * never links libvaccel, so it can be tested on its own.
 *
 * Tensors are described with struct vaccel_torch_tensor (data, size,
 * nr_dims, dims, data_type). The backend trusts that inputs were validated
 * (torch_backend_check_tensor() below): dims positive or zero, size equal
 * to the product of dims times the element size, data non-NULL when size
 * is not zero. */
#pragma once

#include "vaccel/error.h"
#include "vaccel/ops/torch.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How TorchScript graphs are executed (libtorch's graph executor). */
enum torch_backend_jit {
	/* graph optimisation off: a graph runs as loaded; no profiling runs,
	 * so the first call costs about what later calls cost (default) */
	TORCH_BACKEND_JIT_OFF = 0,
	/* the legacy executor: it optimises a graph at its first call */
	TORCH_BACKEND_JIT_LEGACY = 1,
	/* libtorch's default profiling executor: the first two calls of a
	 * graph profile and optimise it (several times slower) */
	TORCH_BACKEND_JIT_PROFILE = 2,
};

/* Process-wide set-up, once, before any other call: intra-op and inter-op
 * thread counts (>= 1) and the executor mode. Inter-op threads can only be
 * set before libtorch started its pool; if it already did, that part is
 * skipped and reported in `err` with VACCEL_OK returned. */
int torch_backend_init(int nr_threads, enum torch_backend_jit jit, char *err,
		       size_t err_len);

/* Bytes of one element of `type` (a vaccel_torch_data_type value), 0 if
 * `type` is not one. */
size_t torch_backend_dtype_size(int type);

/* VACCEL_OK if `t` describes a valid tensor (see above); otherwise
 * VACCEL_EINVAL and the reason in `err`. At most TORCH_BACKEND_MAX_DIMS. */
#define TORCH_BACKEND_MAX_DIMS 16
int torch_backend_check_tensor(const struct vaccel_torch_tensor *t, char *err,
			       size_t err_len);

/* A loaded TorchScript module. Several threads may run one model at the
 * same time; free it only when no run is in progress. */
struct torch_backend_model;

/* Load a TorchScript file. *model belongs to the caller
 * (torch_backend_model_free()). */
int torch_backend_model_load_file(const char *path,
				  struct torch_backend_model **model, char *err,
				  size_t err_len);
/* Load a TorchScript archive from memory; `data` is read during the call
 * only (the caller keeps it). *model belongs to the caller. */
int torch_backend_model_load_buffer(const void *data, size_t size,
				    struct torch_backend_model **model,
				    char *err, size_t err_len);
void torch_backend_model_free(struct torch_backend_model *model);

/* Where output `index` goes: return a buffer of `size` bytes that the
 * backend fills (the allocator keeps ownership), or NULL (-> VACCEL_ENOMEM).
 * `dims` is valid during the call only. */
typedef void *(*torch_backend_alloc_fn)(void *ctx, int index, int64_t nr_dims,
					const int64_t *dims,
					enum vaccel_torch_data_type type,
					size_t size);

/* Run forward(inputs...). The inputs' data is used in place (not copied)
 * and not written. forward() may return a tensor, or a tuple or list of
 * tensors; the first `nr_outputs` of them are converted (bool -> BYTE,
 * float64 and bfloat16 -> FLOAT; a 0-d tensor becomes 1-d of size 1) and
 * copied into buffers from `alloc`, called in output order only once every
 * output is known to be convertible. More outputs asked than returned ->
 * VACCEL_EINVAL; an output of another kind -> VACCEL_ENOTSUP; an error
 * inside forward() (for example an input of the wrong shape) ->
 * VACCEL_EINVAL. If `alloc` fails for output i, outputs 0..i-1 were already
 * allocated: the allocator's owner frees them. */
int torch_backend_model_run(struct torch_backend_model *model,
			    struct vaccel_torch_tensor *const *inputs,
			    int nr_inputs, int nr_outputs,
			    torch_backend_alloc_fn alloc, void *ctx, char *err,
			    size_t err_len);

/* out = a (m x k) x b (k x n) [+ c (m x n)], float32, row-major, dense.
 * `c` may be NULL. `out` (m x n floats) is written, never read, and may not
 * alias a, b or c. */
int torch_backend_sgemm(const float *a, const float *b, const float *c,
			float *out, int64_t m, int64_t n, int64_t k, char *err,
			size_t err_len);

#ifdef __cplusplus
}
#endif
