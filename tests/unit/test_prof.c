// SPDX-License-Identifier: Apache-2.0
/* Profiling (api-reference.md §6.2): every function is a no-op while
 * profiling is disabled; enabled: regions (init/start/stop/print/release,
 * the INIT macro, growth), the batch functions, print_all_to_buf, the
 * "[prof] <name>: total_time: <n> nsec nr_entries: <n>" line, and the
 * library's per-op regions printed at cleanup. */

#include "tu.h"
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vaccel.h>

static void spin_us(long us)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000L +
		       (b.tv_nsec - a.tv_nsec) / 1000 <
	       us);
}

static bool has_line(const char *text, const char *pattern)
{
	regex_t re;
	assert_int_equal(
		regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB),
		0);
	bool found = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return found;
}

static void test_disabled(void **state)
{
	struct tu_dir *c = *state;
	struct vaccel_prof_region r = VACCEL_PROF_REGION_INIT("off");
	struct vaccel_prof_region rs[2] = { VACCEL_PROF_REGION_INIT("a"),
					    VACCEL_PROF_REGION_INIT("b") };
	char *buf = NULL;

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_DEBUG, c->log, false),
			 VACCEL_OK);
	assert_false(vaccel_prof_enabled());
	assert_int_equal(vaccel_prof_region_init(&r, "changed"), VACCEL_OK);
	assert_string_equal(r.name, "off"); /* untouched */
	assert_int_equal(vaccel_prof_region_start(&r), VACCEL_OK);
	assert_int_equal(vaccel_prof_region_stop(&r), VACCEL_OK);
	assert_int_equal(r.nr_entries, 0);
	assert_null(r.samples);
	assert_int_equal(vaccel_prof_region_print(&r), VACCEL_OK);
	assert_int_equal(vaccel_prof_region_release(&r), VACCEL_OK);
	assert_string_equal(r.name, "off");
	/* NULL arguments are not even looked at */
	assert_int_equal(vaccel_prof_region_start(NULL), VACCEL_OK);
	assert_int_equal(vaccel_prof_region_stop(NULL), VACCEL_OK);
	assert_int_equal(vaccel_prof_region_print(NULL), VACCEL_OK);
	assert_int_equal(vaccel_prof_region_init(NULL, "x"), VACCEL_OK);
	assert_int_equal(vaccel_prof_region_release(NULL), VACCEL_OK);
	assert_int_equal(vaccel_prof_regions_init(rs, 2), VACCEL_OK);
	assert_string_equal(rs[0].name, "a");
	assert_int_equal(vaccel_prof_regions_start_by_name(rs, 2, "a"),
			 VACCEL_OK);
	assert_int_equal(vaccel_prof_regions_stop_by_name(rs, 2, "zz"),
			 VACCEL_OK);
	assert_int_equal(rs[0].nr_entries, 0);
	assert_int_equal(vaccel_prof_regions_print_all(rs, 2), VACCEL_OK);
	assert_int_equal(vaccel_prof_regions_release(NULL, -1), VACCEL_OK);
	assert_int_equal(vaccel_prof_regions_print_all_to_buf(NULL, 0, rs, 2),
			 0);
	assert_int_equal(vaccel_prof_regions_print_all_to_buf(&buf, 100, rs, 2),
			 0);
	assert_null(buf);
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_null(strstr(text, "[prof]"));
	assert_null(strstr(text, "Start profiling region"));
	free(text);
}

static void test_region(void **state)
{
	struct tu_dir *c = *state;
	struct vaccel_prof_region r = VACCEL_PROF_REGION_INIT(NULL);

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_INFO, c->log, true),
			 VACCEL_OK);
	assert_true(vaccel_prof_enabled());
	assert_int_equal(vaccel_prof_region_init(&r, "my_region"), VACCEL_OK);
	assert_string_equal(r.name, "my_region");
	assert_true(r.name_owned);
	assert_int_equal(r.nr_entries, 0);
	assert_non_null(r.samples);
	assert_int_equal(r.size, 1024);

	/* stop before any start */
	assert_int_equal(vaccel_prof_region_stop(&r), VACCEL_ENOENT);
	/* printing a region without samples prints nothing */
	assert_int_equal(vaccel_prof_region_print(&r), VACCEL_OK);

	for (int i = 0; i < 3; i++) {
		assert_int_equal(vaccel_prof_region_start(&r), VACCEL_OK);
		assert_int_equal(r.samples[i].time, 0);
		assert_true(r.samples[i].start > 0);
		spin_us(200);
		assert_int_equal(vaccel_prof_region_stop(&r), VACCEL_OK);
		assert_true(r.samples[i].time >= 200000);
	}
	assert_int_equal(r.nr_entries, 3);
	uint64_t total = 0;
	for (int i = 0; i < 3; i++)
		total += r.samples[i].time;
	assert_int_equal(vaccel_prof_region_print(&r), VACCEL_OK);
	assert_int_equal(vaccel_prof_region_release(&r), VACCEL_OK);
	assert_null(r.name);
	assert_false(r.name_owned);
	assert_null(r.samples);
	assert_int_equal(r.nr_entries, 0);
	assert_int_equal(r.size, 0);

	/* init without a name: a zeroed 256-byte buffer */
	struct vaccel_prof_region u = VACCEL_PROF_REGION_INIT(NULL);
	assert_int_equal(vaccel_prof_region_init(&u, NULL), VACCEL_OK);
	assert_non_null(u.name);
	assert_string_equal(u.name, "");
	assert_true(u.name_owned);
	vaccel_prof_region_release(&u);

	/* NULL regions: EINVAL when enabled */
	assert_int_equal(vaccel_prof_region_init(NULL, "x"), VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_region_start(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_region_stop(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_region_print(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_region_release(NULL), VACCEL_EINVAL);
	vaccel_cleanup();

	char *text = tu_read_file(c->log, NULL);
	char *line = tu_strf("<info> [prof] my_region: total_time: %llu nsec "
			     "nr_entries: 3\n",
			     (unsigned long long)total);
	assert_int_equal(tu_count(text, line), 1);
	assert_int_equal(tu_count(text, "[prof] my_region:"), 1);
	free(line);
	free(text);
}

/* A static region (the macro) works without init, and grows past the
 * initial 1024 samples. */
static void test_static_region_grows(void **state)
{
	struct tu_dir *c = *state;
	struct vaccel_prof_region r = VACCEL_PROF_REGION_INIT("static_region");

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_INFO, c->log, true),
			 VACCEL_OK);
	for (int i = 0; i < 2500; i++) {
		assert_int_equal(vaccel_prof_region_start(&r), VACCEL_OK);
		assert_int_equal(vaccel_prof_region_stop(&r), VACCEL_OK);
	}
	assert_int_equal(r.nr_entries, 2500);
	assert_true(r.size >= 2500);
	assert_false(r.name_owned);
	assert_int_equal(vaccel_prof_region_print(&r), VACCEL_OK);
	assert_int_equal(vaccel_prof_region_release(&r), VACCEL_OK);
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_true(has_line(text, "<info> \\[prof\\] static_region: "
				   "total_time: [0-9]+ nsec nr_entries: "
				   "2500$"));
	free(text);
}

static void test_batch(void **state)
{
	struct tu_dir *c = *state;
	struct vaccel_prof_region rs[3] = {
		VACCEL_PROF_REGION_INIT("alpha"),
		VACCEL_PROF_REGION_INIT("beta"),
		VACCEL_PROF_REGION_INIT("alpha"), /* the last match is used */
	};

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_INFO, c->log, true),
			 VACCEL_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
			vaccel_prof_regions_start_by_name(rs, 3, "alpha"),
			VACCEL_OK);
		assert_int_equal(
			vaccel_prof_regions_stop_by_name(rs, 3, "alpha"),
			VACCEL_OK);
	}
	assert_int_equal(vaccel_prof_regions_start_by_name(rs, 3, "beta"),
			 VACCEL_OK);
	assert_int_equal(vaccel_prof_regions_stop_by_name(rs, 3, "beta"),
			 VACCEL_OK);
	assert_int_equal(rs[0].nr_entries, 0);
	assert_int_equal(rs[1].nr_entries, 1);
	assert_int_equal(rs[2].nr_entries, 2);

	/* errors */
	assert_int_equal(vaccel_prof_regions_start_by_name(rs, 3, "gamma"),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_stop_by_name(rs, 3, "gamma"),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_start_by_name(NULL, 3, "beta"),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_start_by_name(rs, 0, "beta"),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_start_by_name(rs, 3, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_stop_by_name(NULL, 3, "beta"),
			 VACCEL_EINVAL);
	/* only the first region has been started: "beta" (index 1) is
	 * found only when it is in range */
	assert_int_equal(vaccel_prof_regions_stop_by_name(rs, 1, "beta"),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_print_all(NULL, 3), VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_print_all(rs, -1), VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_init(NULL, 3), VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_init(rs, 0), VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_release(NULL, 3), VACCEL_EINVAL);

	assert_int_equal(vaccel_prof_regions_print_all(rs, 3), VACCEL_OK);

	/* to a buffer: NUL-separated lines */
	char *buf = NULL;
	int need = vaccel_prof_regions_print_all_to_buf(NULL, 0, rs, 3);
	assert_true(need > 0);
	assert_int_equal(
		vaccel_prof_regions_print_all_to_buf(&buf, need - 1, rs, 3),
		-VACCEL_ERANGE);
	assert_null(buf);
	assert_int_equal(
		vaccel_prof_regions_print_all_to_buf(&buf, need, rs, 3), 3);
	assert_non_null(buf);
	const char *p = buf;
	size_t sum = 0;
	static const char *const names[] = { "alpha", "beta", "alpha" };
	static const int entries[] = { 0, 1, 2 };
	for (int i = 0; i < 3; i++) {
		char *prefix = tu_strf("[prof] %s: total_time: ", names[i]);
		char *suffix = tu_strf(" nsec nr_entries: %d", entries[i]);
		assert_int_equal(strncmp(p, prefix, strlen(prefix)), 0);
		assert_non_null(strstr(p, suffix));
		assert_string_equal(p + strlen(p) - strlen(suffix), suffix);
		sum += strlen(p) + 1;
		p += strlen(p) + 1;
		free(prefix);
		free(suffix);
	}
	assert_int_equal(sum, (size_t)need);
	free(buf);
	assert_int_equal(
		vaccel_prof_regions_print_all_to_buf(&buf, 10, NULL, 3),
		-VACCEL_EINVAL);
	assert_int_equal(vaccel_prof_regions_print_all_to_buf(&buf, 10, rs, 0),
			 -VACCEL_EINVAL);

	assert_int_equal(vaccel_prof_regions_release(rs, 3), VACCEL_OK);
	assert_null(rs[2].samples);
	assert_int_equal(rs[2].nr_entries, 0);
	vaccel_cleanup();

	char *text = tu_read_file(c->log, NULL);
	/* print_all prints regions that have samples */
	assert_true(has_line(text, "<info> \\[prof\\] alpha: total_time: "
				   "[0-9]+ nsec nr_entries: 2$"));
	assert_true(has_line(text, "<info> \\[prof\\] beta: total_time: "
				   "[0-9]+ nsec nr_entries: 1$"));
	assert_false(has_line(text, "nr_entries: 0$"));
	free(text);
}

/* regions_init: named-less regions (zeroed names), owned, releasable. */
static void test_regions_init(void **state)
{
	struct tu_dir *c = *state;
	struct vaccel_prof_region rs[4];

	memset(rs, 0xaa, sizeof(rs)); /* garbage: init must not trust it */
	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_INFO, c->log, true),
			 VACCEL_OK);
	assert_int_equal(vaccel_prof_regions_init(rs, 4), VACCEL_OK);
	for (int i = 0; i < 4; i++) {
		assert_non_null(rs[i].name);
		assert_string_equal(rs[i].name, "");
		assert_true(rs[i].name_owned);
		assert_int_equal(rs[i].nr_entries, 0);
		assert_non_null(rs[i].samples);
	}
	assert_int_equal(vaccel_prof_region_start(&rs[1]), VACCEL_OK);
	assert_int_equal(vaccel_prof_region_stop(&rs[1]), VACCEL_OK);
	/* frees samples and names (ASan: no leak) */
	assert_int_equal(vaccel_prof_regions_release(rs, 4), VACCEL_OK);
	for (int i = 0; i < 4; i++)
		assert_null(rs[i].samples);
}

static void run_some_ops(int noops)
{
	struct vaccel_session s;
	unsigned char img[4] = { 1, 2, 3, 4 }, out[64], text[64];
	struct vaccel_arg a[1];
	int32_t v = 0;

	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	for (int i = 0; i < noops; i++)
		assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	assert_int_equal(vaccel_image_classification(&s, img, text, out,
						     sizeof(img), sizeof(text),
						     sizeof(out)),
			 VACCEL_OK);
	assert_int_equal(
		vaccel_image_detection(&s, img, out, sizeof(img), sizeof(out)),
		VACCEL_OK);
	assert_int_equal(
		vaccel_image_depth(&s, img, out, sizeof(img), sizeof(out)),
		VACCEL_OK);
	vaccel_arg_init_from_buf(&a[0], &v, sizeof(v), VACCEL_ARG_INT32, 0);
	assert_int_equal(vaccel_exec(&s, "lib.so", "fn", a, 1, NULL, 0),
			 VACCEL_OK);
	/* errors before the plugin call are not timed */
	assert_int_equal(vaccel_exec(&s, NULL, "fn", a, 1, NULL, 0),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
}

static void test_op_regions_at_cleanup(void **state)
{
	struct tu_dir *c = *state;

	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_INFO, c->log, true),
		VACCEL_OK);
	run_some_ops(3);
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_true(has_line(text, "<info> \\[prof\\] vaccel_noop_op: "
				   "total_time: [0-9]+ nsec nr_entries: 3$"));
	/* one region for all image ops, as upstream */
	assert_true(has_line(text, "<info> \\[prof\\] vaccel_image_op: "
				   "total_time: [0-9]+ nsec nr_entries: 3$"));
	assert_true(has_line(text, "<info> \\[prof\\] vaccel_exec_op: "
				   "total_time: [0-9]+ nsec nr_entries: 1$"));
	/* ops not called are not printed */
	assert_null(strstr(text, "vaccel_blas_op"));
	assert_int_equal(tu_count(text, "[prof]"), 3);
	free(text);

	/* the regions start empty after a re-bootstrap */
	unlink(c->log);
	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_INFO, c->log, true),
		VACCEL_OK);
	run_some_ops(1);
	vaccel_cleanup();
	text = tu_read_file(c->log, NULL);
	assert_true(has_line(text, "\\[prof\\] vaccel_noop_op: total_time: "
				   "[0-9]+ nsec nr_entries: 1$"));
	free(text);
}

static void test_op_regions_disabled(void **state)
{
	struct tu_dir *c = *state;

	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_DEBUG, c->log, false),
		VACCEL_OK);
	run_some_ops(2);
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_null(strstr(text, "[prof]"));
	free(text);
}

/* Profiling is part of the config: it ends with cleanup. */
static void test_cleanup_disables(void **state)
{
	struct tu_dir *c = *state;

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_INFO, c->log, true),
			 VACCEL_OK);
	assert_true(vaccel_prof_enabled());
	vaccel_cleanup();
	assert_false(vaccel_prof_enabled());
}

#define T(f) cmocka_unit_test_setup_teardown(f, tu_dir_setup, tu_dir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_disabled),
		T(test_region),
		T(test_static_region_grows),
		T(test_batch),
		T(test_regions_init),
		T(test_op_regions_at_cleanup),
		T(test_op_regions_disabled),
		T(test_cleanup_disables),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
