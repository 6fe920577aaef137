// SPDX-License-Identifier: Apache-2.0
/* Bootstrap and cleanup (api-reference.md §5.2 and our deliberate
 * differences): the automatic bootstrap, bootstrap/bootstrap_with_config,
 * re-bootstrap with live objects, cleanup (twice), the run directory
 * (created, layout, VACCEL_RUNDIR, removed), the config after cleanup, and
 * in child processes (this program re-executed with an environment):
 * VACCEL_BOOTSTRAP_ENABLED=0 (session init ESESS, resource calls EPERM),
 * VACCEL_PLUGINS at load, a malformed variable, and what happens at exit
 * with and without VACCEL_CLEANUP_ENABLED=0 (rundir, profiling lines). */

#include "tu.h"
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vaccel.h>

static char *self_exe;

static int teardown(void **state)
{
	vaccel_cleanup();
	unsetenv("VACCEL_RUNDIR");
	unsetenv("VACCEL_PLUGINS");
	unsetenv("VACCEL_LOG_LEVEL");
	unsetenv("VACCEL_LOG_FILE");
	return tu_dir_teardown(state);
}

/* The library bootstrapped itself when the program was loaded (test_env
 * sets no VACCEL_* variable). Must run first. */
static void test_automatic_bootstrap(void **state)
{
	assert_true(vaccel_is_initialized());
	assert_true(vaccel_rundir()[0] != '\0');
	assert_true(tu_is_dir(vaccel_rundir()));
	assert_non_null(vaccel_config());
	assert_null(vaccel_config()->plugins);
	assert_int_equal(vaccel_plugin_count(), 0);
}

static void test_cleanup(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;
	static struct vaccel_resource r;

	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_WARN, c->log, true),
		VACCEL_OK);
	char *rundir = strdup(vaccel_rundir());
	assert_true(tu_is_dir(rundir));
	assert_int_equal(vaccel_cleanup(), VACCEL_OK);
	assert_false(vaccel_is_initialized());
	assert_false(tu_exists(rundir));
	assert_string_equal(vaccel_rundir(), "");
	/* the config is released: defaults */
	const struct vaccel_config *cfg = vaccel_config();
	assert_non_null(cfg);
	assert_null(cfg->plugins);
	assert_null(cfg->log_file);
	assert_false(cfg->profiling_enabled);
	assert_false(vaccel_prof_enabled());
	assert_int_equal(vaccel_plugin_count(), 0);
	/* twice: fine */
	assert_int_equal(vaccel_cleanup(), VACCEL_OK);
	/* not initialized */
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_ESESS);
	assert_int_equal(vaccel_resource_init_from_buf(
				 &r, "x", 1, VACCEL_RESOURCE_DATA, NULL, true),
			 VACCEL_EPERM);
	free(rundir);
}

static void test_with_config(void **state)
{
	struct tu_dir *c = *state;
	struct vaccel_config cfg;

	assert_int_equal(vaccel_bootstrap_with_config(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_config_init(&cfg, TU_NOOP_PLUGIN,
					    VACCEL_LOG_INFO, c->log, true,
					    true),
			 VACCEL_OK);
	assert_int_equal(vaccel_bootstrap_with_config(&cfg), VACCEL_OK);
	/* a copy: the caller's config can go */
	vaccel_config_release(&cfg);
	const struct vaccel_config *live = vaccel_config();
	assert_string_equal(live->plugins, TU_NOOP_PLUGIN);
	assert_string_equal(live->log_file, c->log);
	assert_int_equal(live->log_level, VACCEL_LOG_INFO);
	assert_true(live->profiling_enabled);
	assert_true(live->version_ignore);
	assert_true(vaccel_prof_enabled());
	assert_true(vaccel_is_initialized());
	assert_int_equal(vaccel_plugin_count(), 1);
	/* the live config itself, changed in place (upstream's tests flip
	 * fields through vaccel_config()) */
	struct vaccel_config *mut = (struct vaccel_config *)vaccel_config();
	mut->version_ignore = false;
	assert_int_equal(vaccel_bootstrap_with_config(mut), VACCEL_OK);
	assert_string_equal(vaccel_config()->plugins, TU_NOOP_PLUGIN);
	assert_false(vaccel_config()->version_ignore);
	assert_int_equal(vaccel_plugin_count(), 1);
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_int_equal(tu_count(text, "<info> vAccel " VACCEL_VERSION), 2);
	free(text);
}

/* vaccel_bootstrap() reads the environment. */
static void test_bootstrap_from_env(void **state)
{
	struct tu_dir *c = *state;

	vaccel_cleanup();
	setenv("VACCEL_PLUGINS", TU_NOOP_PLUGIN, 1);
	setenv("VACCEL_LOG_FILE", c->log, 1);
	setenv("VACCEL_LOG_LEVEL", "4", 1);
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	assert_int_equal(vaccel_plugin_count(), 1);
	assert_int_equal(vaccel_config()->log_level, VACCEL_LOG_DEBUG);
	vaccel_cleanup();
	char *text = tu_read_file(c->log, NULL);
	assert_non_null(strstr(text, "<debug> Initializing vAccel"));
	free(text);

	/* malformed: the error, and session_init reports it */
	unsetenv("VACCEL_LOG_FILE");
	setenv("VACCEL_LOG_LEVEL", "verbose", 1);
	struct tu_capture cap;
	static struct vaccel_session s;
	tu_capture_start(&cap, 2);
	int ret = vaccel_bootstrap();
	char *err = tu_capture_stop(&cap);
	assert_int_equal(ret, VACCEL_EINVAL);
	assert_non_null(strstr(err, "VACCEL_LOG_LEVEL"));
	free(err);
	assert_false(vaccel_is_initialized());
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_EINVAL);
	unsetenv("VACCEL_LOG_LEVEL");
	unsetenv("VACCEL_PLUGINS");
	/* cleanup forgets the error: back to "not bootstrapped" */
	vaccel_cleanup();
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_ESESS);
}

/* A re-bootstrap that fails on a malformed variable, while the library is
 * initialized, leaves it as any failed bootstrap does: torn down, and
 * vaccel_session_init() reports the error. (Regression test: the core used
 * to keep the previous configuration and plugins running, so session_init
 * succeeded, while a failure on a bad plugin tore down; fixed in
 * 73aa089.) */
static void test_rebootstrap_bad_env(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;
	struct tu_capture cap;

	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_ERROR, c->log, false),
		VACCEL_OK);
	setenv("VACCEL_PROFILING_ENABLED", "sometimes", 1);
	tu_capture_start(&cap, 2);
	int ret = vaccel_bootstrap();
	free(tu_capture_stop(&cap));
	unsetenv("VACCEL_PROFILING_ENABLED");
	assert_int_equal(ret, VACCEL_EINVAL);
	ret = vaccel_session_init(&s, 0);
	if (ret == VACCEL_OK)
		vaccel_session_release(&s);
	if (ret != VACCEL_EINVAL)
		fail_msg("after a failed re-bootstrap "
			 "(malformed variable) vaccel_session_init() gave %d, "
			 "expected the bootstrap's error %d (initialized: %d)",
			 ret, VACCEL_EINVAL, vaccel_is_initialized());
}

/* Bootstrapping again while live: everything of the first run is
 * released first (a new run directory, ids from 1 again). */
static void test_rebootstrap_live(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s, s2;
	static struct vaccel_resource r;

	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_ERROR, c->log, false),
		VACCEL_OK);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_resource_init_from_buf(
				 &r, "x", 1, VACCEL_RESOURCE_DATA, "x", false),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&r, &s), VACCEL_OK);
	assert_int_equal(vaccel_session_init(&s2, 0), VACCEL_OK);
	char *first = strdup(vaccel_rundir());

	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_ERROR, c->log, false),
		VACCEL_OK);
	assert_int_equal(s.id, 0);
	assert_int_equal(s2.id, 0);
	assert_int_equal(r.id, 0);
	assert_false(tu_exists(first));
	assert_string_not_equal(vaccel_rundir(), first);
	assert_int_equal(vaccel_plugin_count(), 1);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(s.id, 1);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	free(first);
}

static void test_rundir_layout(void **state)
{
	struct tu_dir *c = *state;
	char *base = tu_strf("%s/run-base", c->dir);

	setenv("VACCEL_RUNDIR", base, 1);
	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_ERROR, c->log, false),
			 VACCEL_OK);
	const char *rd = vaccel_rundir();
	/* <base>/XXXXXX */
	assert_int_equal(strncmp(rd, base, strlen(base)), 0);
	assert_int_equal(rd[strlen(base)], '/');
	assert_int_equal(strlen(rd + strlen(base) + 1), 6);
	assert_true(tu_is_dir(rd));
	static struct vaccel_session s;
	assert_int_equal(vaccel_plugin_load(TU_NOOP_PLUGIN), VACCEL_OK);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	char *sd = tu_strf("%s/session.%lld", rd, (long long)s.id);
	assert_true(tu_is_dir(sd));
	/* a file the application left in the session's directory */
	char *junk = tu_strf("%s/junk", sd);
	tu_write_file(junk, "j", 1);
	char *copy = strdup(rd);
	vaccel_cleanup();
	assert_false(tu_exists(copy));
	assert_true(tu_is_dir(base)); /* the base is left */
	free(copy);
	free(sd);
	free(junk);

	/* an unusable base: a fallback is used */
	setenv("VACCEL_RUNDIR", "/dev/null/sub", 1);
	assert_int_equal(tu_bootstrap(NULL, VACCEL_LOG_ERROR, c->log, false),
			 VACCEL_OK);
	assert_true(tu_is_dir(vaccel_rundir()));
	assert_null(strstr(vaccel_rundir(), "/dev/null"));
	vaccel_cleanup();
	unsetenv("VACCEL_RUNDIR");
	free(base);
}

/* ---- child processes ---- */

static int child_disabled(void)
{
	static struct vaccel_session s;
	static struct vaccel_resource r, *rp;
	static struct vaccel_session *sp;
	int bad = 0;
#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			fprintf(stderr, "child: failed: %s\n", #cond); \
			bad = 1;                                       \
		}                                                      \
	} while (0)
	CHECK(!vaccel_is_initialized());
	CHECK(vaccel_rundir()[0] == '\0');
	CHECK(vaccel_config() != NULL);
	CHECK(vaccel_config()->plugins == NULL);
	CHECK(vaccel_session_init(&s, 0) == VACCEL_ESESS);
	CHECK(vaccel_resource_init_from_buf(&r, "x", 1, VACCEL_RESOURCE_DATA,
					    NULL, true) == VACCEL_EPERM);
	CHECK(vaccel_resource_init(&r, "/", VACCEL_RESOURCE_DATA) ==
	      VACCEL_EPERM);
	CHECK(vaccel_resource_get_by_id(&rp, 1) == VACCEL_EPERM);
	CHECK(vaccel_session_get_by_id(&sp, 1) == VACCEL_EPERM);
	CHECK(vaccel_plugin_load(TU_NOOP_PLUGIN) == VACCEL_EBACKEND);
	CHECK(vaccel_plugin_count() == 0);
	CHECK(vaccel_cleanup() == VACCEL_OK);
	/* the application bootstraps by itself */
	CHECK(vaccel_bootstrap() == VACCEL_OK);
	CHECK(vaccel_is_initialized());
	CHECK(vaccel_plugin_load(TU_NOOP_PLUGIN) == VACCEL_OK);
	CHECK(vaccel_session_init(&s, 0) == VACCEL_OK);
	CHECK(vaccel_noop(&s) == VACCEL_OK);
	CHECK(vaccel_session_release(&s) == VACCEL_OK);
	return bad ? 1 : 42;
}

static int child_env_plugins(void)
{
	static struct vaccel_session s;
	int bad = 0;
	CHECK(vaccel_is_initialized());
	CHECK(vaccel_plugin_count() == 1);
	CHECK(vaccel_session_init(&s, 0) == VACCEL_OK);
	CHECK(vaccel_noop(&s) == VACCEL_OK);
	CHECK(vaccel_session_release(&s) == VACCEL_OK);
	return bad ? 1 : 42;
}

static int child_bad_env(int expected)
{
	static struct vaccel_session s;
	int bad = 0;
	CHECK(!vaccel_is_initialized());
	CHECK(vaccel_session_init(&s, 0) == expected);
	return bad ? 1 : 42;
}

/* Print the rundir, run 3 noops, leave without cleaning up: the library's
 * destructor does (unless VACCEL_CLEANUP_ENABLED=0). */
static int child_exit(void)
{
	/* static: the destructor releases it after main returned */
	static struct vaccel_session s;
	int bad = 0;
	printf("%s\n", vaccel_rundir());
	fflush(stdout);
	CHECK(vaccel_session_init(&s, 0) == VACCEL_OK);
	for (int i = 0; i < 3; i++)
		CHECK(vaccel_noop(&s) == VACCEL_OK);
	return bad ? 1 : 42;
#undef CHECK
}

static int child_main(const char *mode, const char *arg)
{
	if (!strcmp(mode, "disabled"))
		return child_disabled();
	if (!strcmp(mode, "env-plugins"))
		return child_env_plugins();
	if (!strcmp(mode, "bad-env"))
		return child_bad_env(atoi(arg));
	if (!strcmp(mode, "exit"))
		return child_exit();
	return 2;
}

/* Run this program with --child <mode> <arg> and env "K=V" pairs (NULL
 * ended); stdout and stderr go to files in `dir`. */
static int run_child(const char *dir, const char *mode, const char *arg,
		     const char *const *env)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		for (; env && *env; env++) {
			char *kv = strdup(*env);
			char *eq = strchr(kv, '=');
			*eq = '\0';
			setenv(kv, eq + 1, 1);
		}
		char *out = tu_strf("%s/stdout", dir);
		char *err = tu_strf("%s/stderr", dir);
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fo, 1);
		dup2(fe, 2);
		execl(self_exe, self_exe, "--child", mode, arg ? arg : "",
		      (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *child_output(const char *dir, const char *which)
{
	char *p = tu_strf("%s/%s", dir, which);
	char *text = tu_read_file(p, NULL);
	free(p);
	return text;
}

static void test_child_disabled(void **state)
{
	struct tu_dir *c = *state;
	static const char *const env[] = { "VACCEL_BOOTSTRAP_ENABLED=0", NULL };
	int rc = run_child(c->dir, "disabled", NULL, env);
	if (rc != 42) {
		char *err = child_output(c->dir, "stderr");
		fail_msg("child exited with %d:\n%s", rc, err);
	}
}

/* Every false boolean disables the automatic bootstrap. (Regression test:
 * the core used to recognise only "0", unlike every other boolean
 * variable; fixed in 676cf88.) */
static void test_child_disabled_bool(void **state)
{
	struct tu_dir *c = *state;
	static const char *const values[] = { "false", "no", "off", "FALSE" };
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char *kv = tu_strf("VACCEL_BOOTSTRAP_ENABLED=%s", values[i]);
		const char *env[] = { kv, NULL };
		int rc = run_child(c->dir, "disabled", NULL, env);
		free(kv);
		if (rc != 42)
			fail_msg("VACCEL_BOOTSTRAP_ENABLED=%s did not disable "
				 "the bootstrap (child exit %d)",
				 values[i], rc);
	}
}

static void test_child_env_plugins(void **state)
{
	struct tu_dir *c = *state;
	static const char *const env[] = { "VACCEL_PLUGINS=" TU_NOOP_PLUGIN,
					   "VACCEL_BOOTSTRAP_ENABLED=1", NULL };
	int rc = run_child(c->dir, "env-plugins", NULL, env);
	if (rc != 42) {
		char *err = child_output(c->dir, "stderr");
		fail_msg("child exited with %d:\n%s", rc, err);
	}
	/* the deprecated name works too, with its warning */
	static const char *const old[] = { "VACCEL_BACKENDS=" TU_NOOP_PLUGIN,
					   NULL };
	assert_int_equal(run_child(c->dir, "env-plugins", NULL, old), 42);
	char *err = child_output(c->dir, "stderr");
	assert_non_null(strstr(err, "Warning: VACCEL_BACKENDS is deprecated. "
				    "Use VACCEL_PLUGINS instead."));
	free(err);
}

static void test_child_bad_env(void **state)
{
	struct tu_dir *c = *state;
	static const char *const cases[][2] = {
		{ "VACCEL_LOG_LEVEL=loud", "VACCEL_LOG_LEVEL" },
		{ "VACCEL_PROFILING_ENABLED=perhaps",
		  "VACCEL_PROFILING_ENABLED" },
		{ "VACCEL_VERSION_IGNORE=2", "VACCEL_VERSION_IGNORE" },
	};
	char code[8];
	snprintf(code, sizeof(code), "%d", VACCEL_EINVAL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[] = { cases[i][0], NULL };
		int rc = run_child(c->dir, "bad-env", code, env);
		char *err = child_output(c->dir, "stderr");
		if (rc != 42)
			fail_msg("%s: child exited with %d:\n%s", cases[i][0],
				 rc, err);
		assert_non_null(strstr(err, cases[i][1]));
		free(err);
	}
	/* a bad plugin at load: the code of the plugin's error */
	static const char *const env[] = {
		"VACCEL_PLUGINS=/nonexistent/libx.so", NULL
	};
	snprintf(code, sizeof(code), "%d", VACCEL_ENOENT);
	assert_int_equal(run_child(c->dir, "bad-env", code, env), 42);
}

static void test_child_exit(void **state)
{
	struct tu_dir *c = *state;
	char *log = tu_strf("LOG=%s", c->log);
	char *logenv = tu_strf("VACCEL_LOG_FILE=%s", c->log);
	const char *env[] = { "VACCEL_PLUGINS=" TU_NOOP_PLUGIN,
			      "VACCEL_PROFILING_ENABLED=1",
			      "VACCEL_LOG_LEVEL=3",
			      logenv,
			      NULL,
			      NULL };

	/* the destructor cleans up: rundir removed, op regions printed */
	assert_int_equal(run_child(c->dir, "exit", NULL, env), 42);
	char *out = child_output(c->dir, "stdout");
	*strchr(out, '\n') = '\0';
	assert_true(out[0] == '/');
	assert_false(tu_exists(out));
	free(out);
	char *text = tu_read_file(c->log, NULL);
	assert_non_null(strstr(text, "<info> [prof] vaccel_noop_op: "
				     "total_time: "));
	assert_non_null(strstr(text, " nsec nr_entries: 3\n"));
	free(text);

	/* VACCEL_CLEANUP_ENABLED=0 (or another false boolean): nothing is
	 * done at exit */
	static const char *const off[] = { "VACCEL_CLEANUP_ENABLED=0",
					   "VACCEL_CLEANUP_ENABLED=off" };
	for (size_t i = 0; i < 2; i++) {
		unlink(c->log);
		env[4] = off[i];
		assert_int_equal(run_child(c->dir, "exit", NULL, env), 42);
		out = child_output(c->dir, "stdout");
		*strchr(out, '\n') = '\0';
		assert_true(tu_is_dir(out));
		tu_rm_rf(out); /* what the child left */
		free(out);
		text = tu_read_file(c->log, NULL);
		assert_null(strstr(text, "[prof]"));
		free(text);
	}
	free(log);
	free(logenv);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tu_dir_setup, teardown)

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--child"))
		return child_main(argv[2], argc > 3 ? argv[3] : NULL);
	self_exe = realpath("/proc/self/exe", NULL);

	const struct CMUnitTest tests[] = {
		T(test_automatic_bootstrap), T(test_cleanup),
		T(test_with_config),	     T(test_bootstrap_from_env),
		T(test_rebootstrap_live),    T(test_rebootstrap_bad_env),
		T(test_rundir_layout),	     T(test_child_disabled),
		T(test_child_disabled_bool), T(test_child_env_plugins),
		T(test_child_bad_env),	     T(test_child_exit),
	};
	int ret = cmocka_run_group_tests(tests, tu_group_setup,
					 tu_group_teardown);
	free(self_exe);
	return ret;
}
