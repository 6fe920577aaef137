// SPDX-License-Identifier: Apache-2.0
#include "onnx_png.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <stb_image.h>

const unsigned char *otu_png(const unsigned char *out, size_t cap,
			     size_t *png_len)
{
	const char *text = (const char *)out;
	size_t tlen = strnlen(text, cap);
	const char *rec = strstr(text, "png ");
	unsigned long long n;

	assert_true(tlen < cap);
	/* `png N` is the last record, at the start of a line */
	while (rec && rec != text && rec[-1] != '\n')
		rec = strstr(rec + 1, "png ");
	if (!rec || sscanf(rec, "png %llu", &n) != 1)
		fail_msg("no png record in:\n%s", text);
	assert_true(tlen + 1 + n + 1 <= cap);
	/* the output ends with a NUL after the PNG */
	assert_int_equal(out[tlen + 1 + n], 0);
	*png_len = (size_t)n;
	return out + tlen + 1;
}

uint8_t *otu_png_gray(const unsigned char *out, size_t cap, int *w, int *h)
{
	size_t n;
	const unsigned char *png = otu_png(out, cap, &n);
	int c;
	uint8_t *px = stbi_load_from_memory(png, (int)n, w, h, &c, 1);

	assert_non_null(px);
	return px;
}
