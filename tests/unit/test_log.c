// SPDX-License-Identifier: Apache-2.0
/* Logging (api-reference.md §6.1 and our deliberate differences): levels
 * 1..4 and out-of-range levels, the line format, stdout by default,
 * VACCEL_LOG_FILE (a path, appended to; /dev/stderr works), an unopenable
 * file, trace/fatal with file:line (never aborting), the slog_* macros,
 * log_init/shutdown, truncation, and whole lines from concurrent threads. */

#include "tu.h"
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vaccel.h>

static void emit_all(const char *tag)
{
	vaccel_error("msg-error %s", tag);
	vaccel_warn("msg-warn %s", tag);
	vaccel_info("msg-info %s", tag);
	vaccel_debug("msg-debug %s", tag);
}

/* Bootstrap at `level` logging to a fresh file; emit one message per level;
 * return the file's text. */
static char *log_at(struct tu_dir *c, int level)
{
	unlink(c->log);
	assert_int_equal(tu_bootstrap(NULL, level, c->log, false), VACCEL_OK);
	emit_all("x");
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	return text ? text : calloc(1, 1);
}

static void test_levels(void **state)
{
	struct tu_dir *c = *state;
	static const char *const msgs[] = { NULL, "msg-error x", "msg-warn x",
					    "msg-info x", "msg-debug x" };

	for (int level = 1; level <= 4; level++) {
		char *text = log_at(c, level);
		for (int m = 1; m <= 4; m++)
			assert_int_equal(tu_count(text, msgs[m]),
					 m <= level ? 1 : 0);
		free(text);
	}
}

static void test_levels_out_of_range(void **state)
{
	struct tu_dir *c = *state;
	static const int levels[] = { 0, 5, 7, 1000 };

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		char *text = log_at(c, levels[i]);
		assert_int_equal(tu_count(text, "msg-"), 0);
		free(text);
	}
}

static void test_enabled(void **state)
{
	struct tu_dir *c = *state;

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_WARN, c->log, false),
			 VACCEL_OK);
	assert_true(vaccel_log_enabled(VACCEL_LOG_ERROR));
	assert_true(vaccel_log_enabled(VACCEL_LOG_WARN));
	assert_false(vaccel_log_enabled(VACCEL_LOG_INFO));
	assert_false(vaccel_log_enabled(VACCEL_LOG_DEBUG));
	assert_false(vaccel_log_enabled((vaccel_log_level_t)0));
	assert_false(vaccel_log_enabled(VACCEL_LOG_MAX));
	/* printing an invalid level does nothing */
	vaccel_log_print((vaccel_log_level_t)0, NULL, "lvl0");
	vaccel_log_print(VACCEL_LOG_MAX, NULL, "lvl5");
	vaccel_log_print((vaccel_log_level_t)-3, NULL, "lvl-3");
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_null(strstr(text, "lvl"));
	free(text);
}

/* YYYY.MM.DD-HH:MM:SS.cc - <level> msg */
static void test_format(void **state)
{
	struct tu_dir *c = *state;
	regex_t re;
	assert_int_equal(
		regcomp(&re,
			"^[0-9]{4}\\.[01][0-9]\\.[0-3][0-9]-[0-2][0-9]:"
			"[0-5][0-9]:[0-6][0-9]\\.[0-9]{2} - "
			"<(error|warn|info|debug)> msg-[a-z]+ x$",
			REG_EXTENDED | REG_NOSUB),
		0);
	char *text = log_at(c, VACCEL_LOG_DEBUG);
	int lines = 0;
	for (char *save, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!strstr(l, "msg-"))
			continue;
		lines++;
		if (regexec(&re, l, 0, NULL, 0))
			fail_msg("bad log line: \"%s\"", l);
		/* a file is not a terminal: no colours */
		assert_null(strchr(l, '\033'));
	}
	assert_int_equal(lines, 4);
	free(text);
	regfree(&re);
	/* the level tags of the reference */
	text = log_at(c, VACCEL_LOG_DEBUG);
	assert_non_null(strstr(text, " - <error> msg-error x\n"));
	assert_non_null(strstr(text, " - <warn> msg-warn x\n"));
	assert_non_null(strstr(text, " - <info> msg-info x\n"));
	assert_non_null(strstr(text, " - <debug> msg-debug x\n"));
	free(text);
}

static void test_startup_lines(void **state)
{
	struct tu_dir *c = *state;

	unlink(c->log);
	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_INFO, c->log, false),
		VACCEL_OK);
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_int_equal(tu_count(text, "<info> vAccel " VACCEL_VERSION "\n"),
			 1);
	char *reg =
		tu_strf("<info> Registered plugin noop %s\n", VACCEL_VERSION);
	assert_int_equal(tu_count(text, reg), 1);
	free(reg);
	free(text);
}

static void test_file_appends(void **state)
{
	struct tu_dir *c = *state;

	assert_int_equal(tu_write_file(c->log, "existing line\n", 14), 0);
	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_ERROR, c->log, false),
			 VACCEL_OK);
	vaccel_error("first");
	vaccel_cleanup();
	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_ERROR, c->log, false),
			 VACCEL_OK);
	vaccel_error("second");
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_int_equal(strncmp(text, "existing line\n", 14), 0);
	char *first = strstr(text, "<error> first\n");
	char *second = strstr(text, "<error> second\n");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	free(text);
}

static void test_stdout_default(void **state)
{
	struct tu_capture cap;

	tu_capture_start(&cap, 1);
	int ret = tu_bootstrap(NULL, VACCEL_LOG_WARN, NULL, false);
	vaccel_warn("to stdout");
	vaccel_info("not shown");
	vaccel_cleanup();
	char *out = tu_capture_stop(&cap);
	assert_int_equal(ret, VACCEL_OK);
	assert_int_equal(tu_count(out, "<warn> to stdout\n"), 1);
	assert_null(strstr(out, "not shown"));
	free(out);

	/* "/dev/stdout" is the same */
	tu_capture_start(&cap, 1);
	ret = tu_bootstrap(NULL, VACCEL_LOG_WARN, "/dev/stdout", false);
	vaccel_warn("explicit stdout");
	vaccel_cleanup();
	out = tu_capture_stop(&cap);
	assert_int_equal(ret, VACCEL_OK);
	assert_int_equal(tu_count(out, "<warn> explicit stdout\n"), 1);
	free(out);
}

static void test_dev_stderr(void **state)
{
	struct tu_capture err, out;

	tu_capture_start(&err, 2);
	tu_capture_start(&out, 1);
	int ret = tu_bootstrap(NULL, VACCEL_LOG_ERROR, "/dev/stderr", false);
	vaccel_error("to stderr");
	vaccel_cleanup();
	char *o = tu_capture_stop(&out);
	char *e = tu_capture_stop(&err);
	assert_int_equal(ret, VACCEL_OK);
	assert_int_equal(tu_count(e, "<error> to stderr\n"), 1);
	assert_null(strstr(o, "to stderr"));
	free(o);
	free(e);
}

static void test_unopenable_file(void **state)
{
	struct tu_dir *c = *state;
	struct tu_capture err, out;
	char *bad = tu_strf("%s/no/such/dir/log", c->dir);

	tu_capture_start(&err, 2);
	tu_capture_start(&out, 1);
	int ret = tu_bootstrap(NULL, VACCEL_LOG_ERROR, bad, false);
	vaccel_error("fell back");
	vaccel_cleanup();
	char *o = tu_capture_stop(&out);
	char *e = tu_capture_stop(&err);
	assert_int_equal(ret, VACCEL_OK);
	/* a message names the file, and the log goes to stdout */
	assert_non_null(strstr(e, bad));
	assert_int_equal(tu_count(o, "<error> fell back\n"), 1);
	free(o);
	free(e);
	free(bad);
}

static void test_trace_fatal(void **state)
{
	struct tu_dir *c = *state;

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_DEBUG, c->log, false),
			 VACCEL_OK);
	int line = __LINE__ + 1;
	vaccel_fatal("fatal %d", 1);
	vaccel_trace("trace %d", 2);
	slog_fatal("slog fatal");
	slog_error("slog error");
	slog_warn("slog warn");
	slog_info("slog info");
	slog_debug("slog debug");
	slog_trace("slog trace");
	vaccel_cleanup();
	/* still running: fatal does not abort or exit */
	char *text = tu_read_file(c->log, NULL);
	char *f = tu_strf("<error> [%s:%d] fatal 1\n", __FILE__, line);
	char *t = tu_strf("<debug> [%s:%d] trace 2\n", __FILE__, line + 1);
	assert_int_equal(tu_count(text, f), 1);
	assert_int_equal(tu_count(text, t), 1);
	assert_int_equal(tu_count(text, "<error> [" __FILE__), 2);
	assert_int_equal(tu_count(text, "<error> slog error\n"), 1);
	assert_int_equal(tu_count(text, "<warn> slog warn\n"), 1);
	assert_int_equal(tu_count(text, "<info> slog info\n"), 1);
	assert_int_equal(tu_count(text, "<debug> slog debug\n"), 1);
	assert_int_equal(tu_count(text, "] slog trace\n"), 1);
	free(f);
	free(t);
	free(text);

	/* at error level, trace (a debug message) is not printed */
	unlink(c->log);
	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_ERROR, c->log, false),
			 VACCEL_OK);
	vaccel_trace("hidden trace");
	vaccel_fatal("shown fatal");
	vaccel_cleanup();
	text = tu_read_file(c->log, NULL);
	assert_null(strstr(text, "hidden trace"));
	assert_int_equal(tu_count(text, "] shown fatal\n"), 1);
	free(text);
}

static void test_init_shutdown(void **state)
{
	struct tu_dir *c = *state;
	struct tu_capture out;

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_ERROR, c->log, false),
			 VACCEL_OK);
	vaccel_error("before");
	tu_capture_start(&out, 1);
	assert_int_equal(vaccel_log_shutdown(), VACCEL_OK);
	vaccel_error("between"); /* the file is closed: stdout */
	char *o = tu_capture_stop(&out);
	assert_int_equal(vaccel_log_init(), VACCEL_OK); /* reopened */
	vaccel_error("after");
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_non_null(strstr(text, "<error> before\n"));
	assert_non_null(strstr(text, "<error> after\n"));
	assert_null(strstr(text, "between"));
	assert_non_null(strstr(o, "<error> between\n"));
	free(text);
	free(o);
}

static void test_long_message(void **state)
{
	struct tu_dir *c = *state;
	size_t n = 10000;
	char *big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_ERROR, c->log, false),
			 VACCEL_OK);
	vaccel_error("%s", big);
	vaccel_error("next");
	vaccel_log_print(VACCEL_LOG_ERROR, NULL, NULL); /* ignored */
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	/* truncated to one line that ends with a newline */
	assert_int_equal(tu_count(text, "\n"), 2);
	char *nl = strchr(text, '\n');
	assert_true(nl - text < 4096);
	assert_int_equal(tu_count(nl, "<error> next\n"), 1);
	free(text);
	free(big);
}

#define NTHREADS 4
#define NLINES	 300

static void *log_thread(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < NLINES; i++)
		vaccel_error("thread %ld line %d %s", id, i,
			     "padding-padding-padding-padding-padding");
	return NULL;
}

static void test_threads_whole_lines(void **state)
{
	struct tu_dir *c = *state;
	pthread_t t[NTHREADS];

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_ERROR, c->log, false),
			 VACCEL_OK);
	for (long i = 0; i < NTHREADS; i++)
		assert_int_equal(
			pthread_create(&t[i], NULL, log_thread, (void *)i), 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	vaccel_cleanup();

	char *text = tu_read_file(c->log, NULL);
	int lines = 0;
	for (char *save, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!strstr(l, "thread "))
			continue;
		lines++;
		assert_int_equal(tu_count(l, "<error>"), 1);
		assert_non_null(strstr(l, " padding-padding-padding-padding-"
					  "padding"));
	}
	assert_int_equal(lines, NTHREADS * NLINES);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_levels, tu_dir_setup,
						tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_levels_out_of_range,
						tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_enabled, tu_dir_setup,
						tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_format, tu_dir_setup,
						tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_startup_lines,
						tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_appends, tu_dir_setup,
						tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_stdout_default,
						tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_dev_stderr, tu_dir_setup,
						tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_unopenable_file,
						tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_trace_fatal, tu_dir_setup,
						tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_init_shutdown,
						tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_long_message, tu_dir_setup,
						tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_threads_whole_lines,
						tu_dir_setup, tu_dir_teardown),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
