// SPDX-License-Identifier: Apache-2.0
/* Configuration (api-reference.md §5.1 and our deliberate differences):
 * init/release/new/delete/init_from/from, every environment variable and
 * deprecated alias (with its stderr warning), booleans 1/0/true/false/
 * yes/no/on/off, malformed values (VACCEL_EINVAL), print_debug. */

#include "tu.h"
#include <stdlib.h>
#include <string.h>
#include <vaccel.h>

static const char *const env_vars[] = {
	"VACCEL_PLUGINS",	 "VACCEL_BACKENDS",
	"VACCEL_LOG_LEVEL",	 "VACCEL_DEBUG_LEVEL",
	"VACCEL_LOG_FILE",	 "VACCEL_PROFILING_ENABLED",
	"VACCEL_VERSION_IGNORE", "VACCEL_IGNORE_VERSION",
};

static int clear_env(void **state)
{
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	return 0;
}

static int group_teardown(void **state)
{
	clear_env(state);
	return tu_group_teardown(state);
}

static void assert_defaults(const struct vaccel_config *c)
{
	assert_null(c->plugins);
	assert_int_equal(c->log_level, VACCEL_LOG_ERROR);
	assert_null(c->log_file);
	assert_false(c->profiling_enabled);
	assert_false(c->version_ignore);
}

static void test_init_release(void **state)
{
	struct vaccel_config c;
	char plugins[] = "a.so:b.so", file[] = "/tmp/x.log";

	assert_int_equal(vaccel_config_init(&c, plugins, VACCEL_LOG_DEBUG, file,
					    true, true),
			 VACCEL_OK);
	assert_ptr_not_equal(c.plugins, plugins); /* copied */
	assert_string_equal(c.plugins, "a.so:b.so");
	assert_int_equal(c.log_level, VACCEL_LOG_DEBUG);
	assert_string_equal(c.log_file, "/tmp/x.log");
	assert_true(c.profiling_enabled);
	assert_true(c.version_ignore);
	plugins[0] = 'z';
	assert_string_equal(c.plugins, "a.so:b.so");
	assert_int_equal(vaccel_config_release(&c), VACCEL_OK);
	assert_defaults(&c);

	assert_int_equal(vaccel_config_init(&c, NULL, VACCEL_LOG_WARN, NULL,
					    false, false),
			 VACCEL_OK);
	assert_null(c.plugins);
	assert_null(c.log_file);
	assert_int_equal(vaccel_config_release(&c), VACCEL_OK);

	assert_int_equal(vaccel_config_init(NULL, NULL, 1, NULL, false, false),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_config_release(NULL), VACCEL_EINVAL);
}

static void test_init_from(void **state)
{
	struct vaccel_config src, dst;

	assert_int_equal(vaccel_config_init(&src, "p.so", VACCEL_LOG_INFO,
					    "f.log", true, false),
			 VACCEL_OK);
	assert_int_equal(vaccel_config_init_from(&dst, &src), VACCEL_OK);
	assert_ptr_not_equal(dst.plugins, src.plugins); /* deep copy */
	assert_string_equal(dst.plugins, "p.so");
	assert_string_equal(dst.log_file, "f.log");
	assert_int_equal(dst.log_level, VACCEL_LOG_INFO);
	assert_true(dst.profiling_enabled);
	assert_false(dst.version_ignore);
	vaccel_config_release(&src);
	assert_string_equal(dst.plugins, "p.so");
	vaccel_config_release(&dst);

	assert_int_equal(vaccel_config_init_from(NULL, &src), VACCEL_EINVAL);
	assert_int_equal(vaccel_config_init_from(&dst, NULL), VACCEL_EINVAL);
}

static void test_new_from_delete(void **state)
{
	struct vaccel_config *c = NULL, *d = NULL;

	assert_int_equal(vaccel_config_new(&c, "x.so", VACCEL_LOG_WARN, NULL,
					   false, true),
			 VACCEL_OK);
	assert_string_equal(c->plugins, "x.so");
	assert_true(c->version_ignore);
	assert_int_equal(vaccel_config_from(&d, c), VACCEL_OK);
	assert_string_equal(d->plugins, "x.so");
	assert_int_equal(vaccel_config_delete(c), VACCEL_OK);
	assert_int_equal(vaccel_config_delete(d), VACCEL_OK);

	setenv("VACCEL_PLUGINS", "env.so", 1);
	assert_int_equal(vaccel_config_from_env(&c), VACCEL_OK);
	assert_string_equal(c->plugins, "env.so");
	assert_int_equal(vaccel_config_delete(c), VACCEL_OK);

	/* a failed from_env allocates nothing (ASan: no leak) */
	setenv("VACCEL_LOG_LEVEL", "bogus", 1);
	struct tu_capture cap;
	tu_capture_start(&cap, 2);
	c = NULL;
	assert_int_equal(vaccel_config_from_env(&c), VACCEL_EINVAL);
	free(tu_capture_stop(&cap));
	assert_null(c);

	assert_int_equal(vaccel_config_new(NULL, NULL, 1, NULL, false, false),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_config_from(NULL, d), VACCEL_EINVAL);
	assert_int_equal(vaccel_config_from(&c, NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_config_from_env(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_config_delete(NULL), VACCEL_EINVAL);
}

/* init_from_env with stderr captured; returns the code, *err gets stderr */
static int from_env(struct vaccel_config *c, char **err)
{
	struct tu_capture cap;
	tu_capture_start(&cap, 2);
	int ret = vaccel_config_init_from_env(c);
	char *text = tu_capture_stop(&cap);
	if (err)
		*err = text;
	else
		free(text);
	return ret;
}

static void test_env_defaults(void **state)
{
	struct vaccel_config c;
	char *err;

	assert_int_equal(from_env(&c, &err), VACCEL_OK);
	assert_defaults(&c);
	assert_string_equal(err, ""); /* nothing on stderr */
	free(err);
	vaccel_config_release(&c);
	assert_int_equal(vaccel_config_init_from_env(NULL), VACCEL_EINVAL);
}

static void test_env_all(void **state)
{
	struct vaccel_config c;
	char *err;

	setenv("VACCEL_PLUGINS", "/a/libx.so:liby.so", 1);
	setenv("VACCEL_LOG_LEVEL", "4", 1);
	setenv("VACCEL_LOG_FILE", "/dev/stderr", 1);
	setenv("VACCEL_PROFILING_ENABLED", "1", 1);
	setenv("VACCEL_VERSION_IGNORE", "1", 1);
	assert_int_equal(from_env(&c, &err), VACCEL_OK);
	assert_string_equal(c.plugins, "/a/libx.so:liby.so");
	assert_int_equal(c.log_level, VACCEL_LOG_DEBUG);
	assert_string_equal(c.log_file, "/dev/stderr");
	assert_true(c.profiling_enabled);
	assert_true(c.version_ignore);
	assert_string_equal(err, "");
	free(err);
	vaccel_config_release(&c);
}

static void test_env_deprecated(void **state)
{
	struct vaccel_config c;
	char *err;

	setenv("VACCEL_BACKENDS", "old.so", 1);
	setenv("VACCEL_DEBUG_LEVEL", "3", 1);
	setenv("VACCEL_IGNORE_VERSION", "1", 1);
	assert_int_equal(from_env(&c, &err), VACCEL_OK);
	assert_string_equal(c.plugins, "old.so");
	assert_int_equal(c.log_level, VACCEL_LOG_INFO);
	assert_true(c.version_ignore);
	assert_int_equal(tu_count(err, "Warning: VACCEL_BACKENDS is deprecated."
				       " Use VACCEL_PLUGINS instead.\n"),
			 1);
	assert_int_equal(tu_count(err, "Warning: VACCEL_DEBUG_LEVEL is "
				       "deprecated. Use VACCEL_LOG_LEVEL "
				       "instead.\n"),
			 1);
	assert_int_equal(tu_count(err, "Warning: VACCEL_IGNORE_VERSION is "
				       "deprecated. Use VACCEL_VERSION_IGNORE "
				       "instead.\n"),
			 1);
	assert_int_equal(tu_count(err, "\n"), 3);
	free(err);
	vaccel_config_release(&c);

	/* the new name wins, and then the old one is not mentioned */
	setenv("VACCEL_PLUGINS", "new.so", 1);
	setenv("VACCEL_LOG_LEVEL", "2", 1);
	setenv("VACCEL_VERSION_IGNORE", "0", 1);
	assert_int_equal(from_env(&c, &err), VACCEL_OK);
	assert_string_equal(c.plugins, "new.so");
	assert_int_equal(c.log_level, VACCEL_LOG_WARN);
	assert_false(c.version_ignore);
	assert_string_equal(err, "");
	free(err);
	vaccel_config_release(&c);
}

static void test_env_booleans(void **state)
{
	static const char *const yes[] = { "1",	  "true", "TRUE", "yes",
					   "Yes", "on",	  "ON" };
	static const char *const no[] = { "0",	"false", "False", "no",
					  "NO", "off",	 "" };
	static const char *const vars[] = { "VACCEL_PROFILING_ENABLED",
					    "VACCEL_VERSION_IGNORE" };
	struct vaccel_config c;

	for (size_t v = 0; v < 2; v++) {
		for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			setenv(vars[v], yes[i], 1);
			assert_int_equal(from_env(&c, NULL), VACCEL_OK);
			assert_true(v ? c.version_ignore : c.profiling_enabled);
			vaccel_config_release(&c);
		}
		for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
			setenv(vars[v], no[i], 1);
			assert_int_equal(from_env(&c, NULL), VACCEL_OK);
			assert_false(v ? c.version_ignore
				       : c.profiling_enabled);
			vaccel_config_release(&c);
		}
		unsetenv(vars[v]);
	}
}

/* Malformed numbers and booleans: VACCEL_EINVAL, a message on stderr that
 * names the variable, and a config left at its defaults. */
static void check_malformed(const char *var, const char *value)
{
	struct vaccel_config c;
	char *err;

	setenv("VACCEL_PLUGINS", "p.so", 1);
	setenv(var, value, 1);
	assert_int_equal(from_env(&c, &err), VACCEL_EINVAL);
	assert_non_null(strstr(err, var));
	free(err);
	assert_defaults(&c);
	unsetenv(var);
	unsetenv("VACCEL_PLUGINS");
}

static void test_env_malformed(void **state)
{
	check_malformed("VACCEL_LOG_LEVEL", "abc");
	check_malformed("VACCEL_LOG_LEVEL", "3x");
	check_malformed("VACCEL_LOG_LEVEL", "-1");
	check_malformed("VACCEL_LOG_LEVEL", "99999999999999999999999");
	check_malformed("VACCEL_DEBUG_LEVEL", "four");
	check_malformed("VACCEL_PROFILING_ENABLED", "maybe");
	check_malformed("VACCEL_PROFILING_ENABLED", "2");
	check_malformed("VACCEL_VERSION_IGNORE", "yess");
	check_malformed("VACCEL_IGNORE_VERSION", "nope");
}

/* Levels outside 1..4 are accepted as numbers (they silence the log, see
 * test_log.c). */
static void test_env_level_range(void **state)
{
	struct vaccel_config c;

	setenv("VACCEL_LOG_LEVEL", "0", 1);
	assert_int_equal(from_env(&c, NULL), VACCEL_OK);
	assert_int_equal(c.log_level, 0);
	vaccel_config_release(&c);
	setenv("VACCEL_LOG_LEVEL", "7", 1);
	assert_int_equal(from_env(&c, NULL), VACCEL_OK);
	assert_int_equal(c.log_level, 7);
	vaccel_config_release(&c);
}

static void test_env_empty_strings(void **state)
{
	struct vaccel_config c;

	setenv("VACCEL_PLUGINS", "", 1);
	setenv("VACCEL_LOG_FILE", "", 1);
	assert_int_equal(from_env(&c, NULL), VACCEL_OK);
	assert_string_equal(c.plugins, "");
	assert_string_equal(c.log_file, "");
	vaccel_config_release(&c);
}

static void test_print_debug(void **state)
{
	char *dir = tu_mkdtemp();
	char *log = tu_strf("%s/log", dir);
	struct vaccel_config c;

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_DEBUG, log, false),
			 VACCEL_OK);
	assert_int_equal(vaccel_config_init(&c, "one.so:two.so",
					    VACCEL_LOG_INFO, NULL, true, false),
			 VACCEL_OK);
	vaccel_config_print_debug(&c);
	vaccel_config_print_debug(NULL); /* nothing, no crash */
	vaccel_config_release(&c);
	vaccel_cleanup();

	char *text = tu_read_file(log, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "<debug> Config:\n"));
	assert_non_null(strstr(text, "<debug>   plugins = one.so:two.so\n"));
	assert_non_null(strstr(text, "<debug>   log_level = info\n"));
	assert_non_null(strstr(text, "<debug>   log_file = (null)\n"));
	assert_non_null(strstr(text, "<debug>   profiling_enabled = true\n"));
	assert_non_null(strstr(text, "<debug>   version_ignore = false\n"));
	/* bootstrap dumps the live config too */
	assert_non_null(strstr(text, "<debug>   log_level = debug\n"));
	free(text);
	tu_rm_rf(dir);
	free(dir);
	free(log);
}

/* Not at debug level: print_debug prints nothing. */
static void test_print_debug_quiet(void **state)
{
	char *dir = tu_mkdtemp();
	char *log = tu_strf("%s/log", dir);
	struct vaccel_config c;

	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_INFO, log, false),
			 VACCEL_OK);
	vaccel_config_init(&c, "x.so", VACCEL_LOG_INFO, NULL, false, false);
	vaccel_config_print_debug(&c);
	vaccel_config_release(&c);
	vaccel_cleanup();
	char *text = tu_read_file(log, NULL);
	assert_null(strstr(text, "Config:"));
	free(text);
	tu_rm_rf(dir);
	free(dir);
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_release, clear_env),
		cmocka_unit_test_setup(test_init_from, clear_env),
		cmocka_unit_test_setup(test_new_from_delete, clear_env),
		cmocka_unit_test_setup(test_env_defaults, clear_env),
		cmocka_unit_test_setup(test_env_all, clear_env),
		cmocka_unit_test_setup(test_env_deprecated, clear_env),
		cmocka_unit_test_setup(test_env_booleans, clear_env),
		cmocka_unit_test_setup(test_env_malformed, clear_env),
		cmocka_unit_test_setup(test_env_level_range, clear_env),
		cmocka_unit_test_setup(test_env_empty_strings, clear_env),
		cmocka_unit_test_setup(test_print_debug, clear_env),
		cmocka_unit_test_setup(test_print_debug_quiet, clear_env),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, group_teardown);
}
