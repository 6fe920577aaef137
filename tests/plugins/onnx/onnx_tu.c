// SPDX-License-Identifier: Apache-2.0
#include "onnx_tu.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

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
