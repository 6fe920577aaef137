// SPDX-License-Identifier: Apache-2.0
/* ONNX Runtime, loaded with dlopen() + OrtGetApiBase(): any library whose C
 * API is at least ORT_MIN_API works, whatever its version symbols. Networks
 * are cached per process by file identity (or never, for in-memory ones),
 * so every session and resource naming one file shares one OrtSession
 * (OrtApi::Run is thread-safe on one session). */
#pragma once

#include <onnxruntime_c_api.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The oldest C API version this plugin's calls need. */
#define ORT_MIN_API 10

#define ORT_MAX_DIMS 16

struct ort_io {
	char *name;
	bool is_tensor;
	ONNXTensorElementDataType type;
	int nr_dims;
	int64_t dims[ORT_MAX_DIMS]; /* -1: free */
};

struct ort_net {
	char *key;  /* cache key, NULL if not cached */
	char *what; /* for messages: the file or buffer name */
	OrtSession *session;
	size_t nr_inputs, nr_outputs;
	struct ort_io *inputs, *outputs;
	atomic_int refs;
	struct ort_net *next;
};

struct ort_config {
	const char *library; /* path or soname */
	int threads;	     /* intra-op threads */
};

/* Load the library and create the process' OrtEnv (once). */
int ort_runtime_init(const struct ort_config *cfg);
/* Free the env and close the library (every net must be released). */
void ort_runtime_fini(void);
const OrtApi *ort_api(void);

/* Load a network from a file (shared: cached by device, inode, size and
 * mtime) or from memory (`buf` is read during the call only). The caller
 * owns a reference: drop it with ort_net_put(). */
int ort_net_load_file(const char *path, struct ort_net **net);
int ort_net_load_buffer(const void *buf, size_t len, const char *name,
			struct ort_net **net);
void ort_net_get(struct ort_net *net);
void ort_net_put(struct ort_net *net);

/* Index of an input/output by name; -1 if absent. */
int ort_net_input(const struct ort_net *net, const char *name);
int ort_net_output(const struct ort_net *net, const char *name);

/* Run: inputs[i] feeds input in_idx[i]; outputs[j] receives output
 * out_idx[j] (new OrtValues the caller releases with
 * ort_api()->ReleaseValue). */
int ort_run(struct ort_net *net, const size_t *in_idx, OrtValue *const *inputs,
	    size_t nr_inputs, const size_t *out_idx, OrtValue **outputs,
	    size_t nr_outputs);

/* A tensor over caller memory (not copied; it must outlive the value). */
int ort_tensor_wrap(void *data, size_t size, const int64_t *dims, int nr_dims,
		    ONNXTensorElementDataType type, OrtValue **value);
/* Element type, dims (up to ORT_MAX_DIMS), element count and data of an
 * output tensor. */
int ort_tensor_info(OrtValue *value, ONNXTensorElementDataType *type,
		    int64_t *dims, int *nr_dims, size_t *count, void **data);

size_t ort_type_size(ONNXTensorElementDataType t);
const char *ort_type_name(ONNXTensorElementDataType t);
