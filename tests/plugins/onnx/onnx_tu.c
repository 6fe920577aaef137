// SPDX-License-Identifier: Apache-2.0
#include "onnx_tu.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb_image.h>

#include <cmocka.h>

bool otu_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

void *otu_read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

struct vaccel_session *otu_new_sess(void)
{
	struct vaccel_session *s = NULL;

	assert_int_equal(vaccel_session_new(&s, 0), VACCEL_OK);
	assert_string_equal(s->plugin->info->name, "onnx");
	return s;
}

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
