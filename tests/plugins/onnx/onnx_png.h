// SPDX-License-Identifier: Apache-2.0
/* The PNG maps of segment and depth in the onnx plugin's tests (onnx-plugin,
 * onnx-real). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Output buffers of segment and depth: room for the records and a PNG. */
#define OTU_OUT_LEN (16u << 20)
/* The PNG that segment/depth put after their records (the record `png N`,
 * then the text's NUL, then N bytes and a NUL: docs/plugins/onnx.md);
 * *png_len = N. A test failure when there is none or it overruns `cap`. */
const unsigned char *otu_png(const unsigned char *out, size_t cap,
			     size_t *png_len);
/* That PNG decoded to 8-bit grey (free with stbi_image_free). */
uint8_t *otu_png_gray(const unsigned char *out, size_t cap, int *w, int *h);
