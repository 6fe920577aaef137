// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the onnx plugin's tests (onnx-plugin, onnx-real). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vaccel.h>

bool otu_exists(const char *path);
/* The whole file, NUL-terminated (the NUL is not counted in *len); a test
 * failure when it cannot be read. */
void *otu_read_all(const char *path, size_t *len);
/* A session on the heap: a failing test (cmocka jumps out of it) then
 * leaks one rather than leaving a dead stack object in the library's list
 * of sessions. Asserts that the onnx plugin serves it. */
struct vaccel_session *otu_new_sess(void);
/* Output buffers of segment and depth: room for the records and a PNG. */
#define OTU_OUT_LEN (16u << 20)
/* The PNG that segment/depth put after their records (the record `png N`,
 * then the text's NUL, then N bytes: docs/plugins/onnx.md); *png_len = N.
 * A test failure when there is none or it overruns `cap`. */
const unsigned char *otu_png(const unsigned char *out, size_t cap,
			     size_t *png_len);
/* That PNG decoded to 8-bit grey (free with stbi_image_free). */
uint8_t *otu_png_gray(const unsigned char *out, size_t cap, int *w, int *h);
