// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the onnx plugin's tests (onnx-plugin, onnx-real). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <vaccel.h>

bool otu_exists(const char *path);
/* The whole file, NUL-terminated (the NUL is not counted in *len); a test
 * failure when it cannot be read. */
void *otu_read_all(const char *path, size_t *len);
/* A session on the heap: a failing test (cmocka jumps out of it) then
 * leaks one rather than leaving a dead stack object in the library's list
 * of sessions. Asserts that the onnx plugin serves it. */
struct vaccel_session *otu_new_sess(void);
