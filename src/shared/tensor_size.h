// SPDX-License-Identifier: Apache-2.0
/* What a tensor's dims and element type say its data holds, for the
 * agent (it checks every tensor a client sends and a backend returns)
 * and the rpc plugin (it checks every tensor the agent returns). Internal:
 * linked into libvaccel, the agent and plugins, never exported. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of one element of data type `type` in op family `family` (a
 * model-run op number: TF, TFLite, Torch (or its sgemm), else ONNX); 0
 * if the type has no fixed size. */
size_t vaccel__tensor_elem_size(unsigned family, uint32_t type);
/* The bytes `nr_dims` dims of such a type describe: false if a dim is
 * negative, the product overflows, or the type has no fixed size. */
bool vaccel__tensor_bytes(unsigned family, uint32_t type, uint32_t nr_dims,
			  const int64_t *dims, uint64_t *bytes);
