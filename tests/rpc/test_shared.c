// SPDX-License-Identifier: Apache-2.0
/* What both ends of the wire share (src/rpc): reading a token file,
 * hashing a file, the op-duration estimate. No agent, no libvaccel. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "optime.h"
#include "sha256.h"
#include "token.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vaccel/error.h>
#include <vaccel/op.h>

static char dir[] = "/tmp/vaccel-rpc-shared-XXXXXX";

static char *path_of(const char *name)
{
	static char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void put_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(path_of(name), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_token_file(void **state)
{
	(void)state;
	uint8_t tok[VRPC_MAX_TOKEN];
	size_t n = 99;
	put_file("t", "s3cret \r\n", 9);
	assert_int_equal(vrpc_token_read(path_of("t"), tok, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(tok, "s3cret", 6);
	/* inner spaces are the token's */
	put_file("t", " a b\n", 5);
	assert_int_equal(vrpc_token_read(path_of("t"), tok, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(tok, " a b", 4);
	put_file("t", "", 0);
	assert_int_equal(vrpc_token_read(path_of("t"), tok, &n), 0);
	assert_int_equal(n, 0);
	/* the longest token, with its newline; one byte more is refused */
	char big[VRPC_MAX_TOKEN + 2];
	memset(big, 'x', sizeof(big));
	big[VRPC_MAX_TOKEN] = '\n';
	put_file("t", big, VRPC_MAX_TOKEN + 1);
	assert_int_equal(vrpc_token_read(path_of("t"), tok, &n), 0);
	assert_int_equal(n, VRPC_MAX_TOKEN);
	memset(big, 'y', sizeof(big));
	put_file("t", big, sizeof(big));
	assert_int_equal(vrpc_token_read(path_of("t"), tok, &n), VACCEL_EINVAL);
	assert_int_equal(vrpc_token_read(path_of("missing"), tok, &n),
			 VACCEL_EIO);
	assert_int_equal(vrpc_token_read(dir, tok, &n), VACCEL_EIO);
}

static void test_sha256_file(void **state)
{
	(void)state;
	uint8_t d[VRPC_SHA256_LEN], want[VRPC_SHA256_LEN];
	char hex[65];
	put_file("abc", "abc", 3);
	assert_int_equal(vrpc_sha256_file(path_of("abc"), d), 0);
	vrpc_sha256_hex(d, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177"
				 "a9cb410ff61f20015ad");
	/* larger than the read buffer: the same as the one-shot digest */
	size_t n = 200000;
	uint8_t *m = malloc(n);
	for (size_t i = 0; i < n; i++)
		m[i] = (uint8_t)(i * 31 + 7);
	put_file("big", m, n);
	vrpc_sha256(m, n, want);
	int fd = open(path_of("big"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(vrpc_sha256_fd(fd, d), 0);
	close(fd);
	assert_memory_equal(d, want, sizeof(d));
	free(m);
	assert_int_equal(vrpc_sha256_file(path_of("missing"), d), VACCEL_EIO);
	assert_int_equal(vrpc_sha256_file(dir, d), VACCEL_EIO);
}

static void test_optime(void **state)
{
	(void)state;
	struct vrpc_optime t = { 0 };
	uint16_t noop = VRPC_T_OP + VACCEL_OP_NOOP;
	uint16_t minmax = VRPC_T_OP + VACCEL_OP_MINMAX;
	assert_int_equal(vrpc_optime_get(&t, noop), 0);
	vrpc_optime_note(&t, noop, 100000); /* first sample: as is */
	assert_int_equal(vrpc_optime_get(&t, noop), 100);
	vrpc_optime_note(&t, noop, 20000); /* the lower median */
	assert_int_equal(vrpc_optime_get(&t, noop), 20);
	vrpc_optime_note(&t, noop, 60000);
	assert_int_equal(vrpc_optime_get(&t, noop), 60);
	/* one call in four delayed 3x does not pull it up (a moving average
	 * would sit 50% high); eight samples later a change shows */
	uint16_t cls = VRPC_T_OP + VACCEL_OP_IMAGE_CLASSIFY;
	for (int i = 0; i < 1000; i++) {
		vrpc_optime_note(&t, cls,
				 i % 4 == 3 ? 28500000
					    : 9500000 + i % 3 * 1000);
		if (i > 8)
			assert_true(vrpc_optime_get(&t, cls) >= 9500 &&
				    vrpc_optime_get(&t, cls) <= 9502);
	}
	for (int i = 0; i < 5; i++)
		vrpc_optime_note(&t, cls, 50000);
	assert_int_equal(vrpc_optime_get(&t, cls), 50);
	vrpc_optime_note(&t, minmax, 10); /* under 1 µs counts as 1 */
	assert_int_equal(vrpc_optime_get(&t, minmax), 1);
	uint16_t det = VRPC_T_OP + VACCEL_OP_IMAGE_DETECT;
	vrpc_optime_note(&t, det, INT64_MAX); /* clamped */
	assert_int_equal(vrpc_optime_get(&t, det), UINT32_MAX);
	/* control messages and numbers past the 64 ops: no estimate */
	vrpc_optime_note(&t, VRPC_T_HELLO, 5000);
	vrpc_optime_note(&t, VRPC_T_OP + 64, 5000);
	assert_int_equal(vrpc_optime_get(&t, VRPC_T_HELLO), 0);
	assert_int_equal(vrpc_optime_get(&t, VRPC_T_OP + 64), 0);
	assert_int_equal(vrpc_optime_get(&t, VRPC_T_OP + 1), 0);
}

/* Let every window miss until one does not open: how many opened. */
static int miss_until_closed(struct vrpc_spinwin *w)
{
	int opened = 0;
	while (vrpc_spinwin_open(w)) {
		vrpc_spinwin_note(w, false);
		opened++;
	}
	return opened;
}

/* The length of a pause that just began (the call that found the
 * windows closed included). */
static int pause_length(struct vrpc_spinwin *w)
{
	int closed = 1;
	while (!vrpc_spinwin_open(w))
		closed++;
	return closed;
}

/* The spin windows pause when they keep missing, longer each time, and
 * resume at once when they catch again. */
static void test_spinwin(void **state)
{
	(void)state;
	struct vrpc_spinwin w = { 0 };
	/* windows that catch stay open */
	for (int i = 0; i < 100; i++) {
		assert_true(vrpc_spinwin_open(&w));
		vrpc_spinwin_note(&w, i % 3 == 0);
	}
	/* misses in a row: once fewer than two of the last eight caught
	 * (after five of them here: 96 and 99 were the last hits), a pause
	 * of 16 calls */
	assert_int_equal(miss_until_closed(&w), 5);
	assert_int_equal(pause_length(&w), VRPC_SPIN_SKIP_MIN);
	/* eight fresh windows (the one that ended the pause included) that
	 * miss: 32 */
	vrpc_spinwin_note(&w, false);
	assert_int_equal(miss_until_closed(&w), 7);
	assert_int_equal(pause_length(&w), 2 * VRPC_SPIN_SKIP_MIN);
	/* the pause is capped */
	int closed = 0;
	for (int round = 0; round < 12; round++) {
		vrpc_spinwin_note(&w, false);
		assert_int_equal(miss_until_closed(&w), 7);
		closed = pause_length(&w);
		assert_true(closed <= VRPC_SPIN_SKIP_MAX);
	}
	assert_int_equal(closed, VRPC_SPIN_SKIP_MAX);
	/* windows that catch again (two of eight) reset the pause */
	vrpc_spinwin_note(&w, true);
	for (int i = 0; i < 7; i++) {
		assert_true(vrpc_spinwin_open(&w));
		vrpc_spinwin_note(&w, i == 3);
	}
	for (int i = 0; i < 20; i++) {
		assert_true(vrpc_spinwin_open(&w));
		vrpc_spinwin_note(&w, i % 4 == 0);
	}
	int opened = miss_until_closed(&w);
	assert_true(opened >= 1 && opened <= 8);
	assert_int_equal(pause_length(&w), VRPC_SPIN_SKIP_MIN);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	const char *names[] = { "t", "abc", "big" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path_of(names[i]));
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_sha256_file),
		cmocka_unit_test(test_optime),
		cmocka_unit_test(test_spinwin),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
