// SPDX-License-Identifier: Apache-2.0
/* Plugin loading failures. Each bad plugin (tests/unit/plugins) is tried
 * twice:
 *  - in this process, with vaccel_bootstrap_with_config() (a re-bootstrap);
 *  - in a child process (this program, re-executed with --child) that gets
 *    it through VACCEL_PLUGINS, so that the library's constructor meets it.
 * Each must give its documented code from the bootstrap and from the next
 * vaccel_session_init(), one clear log line that says what is wrong, and
 * the process must keep running. */

#include "tu.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vaccel.h>

struct bad_case {
	const char *what;
	const char *plugins;
	int code;
	/* the log line that names the problem (exactly once) */
	const char *line;
	/* a second line that must appear (or NULL) */
	const char *also;
};

#define MISSING "/nonexistent/dir/libvaccel-missing.so"

static const struct bad_case cases[] = {
	{ "missing file", MISSING, VACCEL_ENOENT,
	  "Could not load plugin " MISSING ": ", NULL },
	{ "missing soname", "libvaccel-no-such-plugin.so", VACCEL_ENOENT,
	  "Could not load plugin libvaccel-no-such-plugin.so: ", NULL },
	{ "not a shared library", TU_NOT_A_LIBRARY, VACCEL_ELIBBAD,
	  "Could not load plugin " TU_NOT_A_LIBRARY ": ", NULL },
	{ "no descriptor", TU_PLUGIN_NODESC, VACCEL_ELIBBAD,
	  TU_PLUGIN_NODESC " is not a vAccel plugin (no vaccel_plugin_desc "
			   "symbol)",
	  NULL },
	{ "upstream-style plugin", TU_PLUGIN_UPSTREAM, VACCEL_ELIBBAD,
	  "Plugin " TU_PLUGIN_UPSTREAM " uses upstream vAccel's untyped "
	  "plugin ABI",
	  NULL },
	{ "wrong ABI version", TU_PLUGIN_BAD_ABI, VACCEL_ELIBBAD,
	  "Plugin " TU_PLUGIN_BAD_ABI " was built for plugin ABI 2; this "
	  "library speaks ABI 1",
	  NULL },
	{ "wrong desc_size", TU_PLUGIN_BAD_SIZE, VACCEL_ELIBBAD,
	  "Plugin " TU_PLUGIN_BAD_SIZE " has a descriptor of ", NULL },
	{ "op number out of range", TU_PLUGIN_BAD_OPNUM, VACCEL_EINVAL,
	  "Plugin bad: op entry 1 has invalid op number 99", NULL },
	{ "op number in the gap", TU_PLUGIN_BAD_OPGAP, VACCEL_EINVAL,
	  "Plugin bad: op entry 1 has invalid op number 24", NULL },
	{ "negative op number", TU_PLUGIN_BAD_OPNEG, VACCEL_EINVAL,
	  "Plugin bad: op entry 1 has invalid op number -1", NULL },
	{ "duplicate op", TU_PLUGIN_BAD_DUP, VACCEL_EINVAL,
	  "Plugin bad: op VACCEL_OP_EXEC is listed twice", NULL },
	{ "NULL op function", TU_PLUGIN_BAD_NULLFN, VACCEL_EINVAL,
	  "Plugin bad: op VACCEL_OP_EXEC has a NULL function", NULL },
	{ "no name", TU_PLUGIN_BAD_NONAME, VACCEL_ELIBBAD,
	  "descriptor without a name", NULL },
	{ "init() fails", TU_PLUGIN_BAD_INIT, VACCEL_EIO,
	  "Plugin bad-init: init failed (5)", NULL },
	{ "init() fails with a negative code", TU_PLUGIN_BAD_INIT_NEG,
	  VACCEL_EBACKEND, "Plugin bad-init-neg: init failed (-1)", NULL },
	{ "the same plugin twice", TU_NOOP_PLUGIN ":" TU_NOOP_PLUGIN,
	  VACCEL_EEXIST, "Plugin noop (" TU_NOOP_PLUGIN ") is already loaded",
	  "Registered plugin noop" },
	{ "a good plugin after a bad one", TU_PLUGIN_BAD_ABI ":" TU_PLUGIN_GOOD,
	  VACCEL_ELIBBAD, "was built for plugin ABI 2",
	  "Registered plugin test-good 1" },
	{ "a bad plugin after a good one", TU_PLUGIN_GOOD ":" TU_PLUGIN_BAD_DUP,
	  VACCEL_EINVAL, "op VACCEL_OP_EXEC is listed twice",
	  "Registered plugin test-good 1" },
	/* keep this one last (two error lines) */
	{ "two bad plugins: the first error", MISSING ":" TU_PLUGIN_BAD_DUP,
	  VACCEL_ENOENT, "Could not load plugin " MISSING ": ",
	  "op VACCEL_OP_EXEC is listed twice" },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static char *self_exe;

/* Lines of `text` that contain "<error>". */
static size_t error_lines(const char *text)
{
	return tu_count(text, "<error>");
}

static void check_log(const struct bad_case *bc, const char *text)
{
	if (tu_count(text, bc->line) != 1)
		fail_msg("%s: expected the line \"%s\" once in:\n%s", bc->what,
			 bc->line, text);
	if (bc->also && !strstr(text, bc->also))
		fail_msg("%s: expected \"%s\" in:\n%s", bc->what, bc->also,
			 text);
}

/* ---- in this process ---- */

static void test_rebootstrap(void **state)
{
	char *dir = tu_mkdtemp();
	char *log = tu_strf("%s/log", dir);

	for (size_t i = 0; i < NCASES; i++) {
		const struct bad_case *bc = &cases[i];
		struct vaccel_session s;
		struct vaccel_resource r;

		unlink(log);
		int ret =
			tu_bootstrap(bc->plugins, VACCEL_LOG_INFO, log, false);
		if (ret != bc->code)
			fail_msg("%s: bootstrap gave %d, expected %d", bc->what,
				 ret, bc->code);
		assert_false(vaccel_is_initialized());
		assert_int_equal(vaccel_plugin_count(), 0);
		assert_string_equal(vaccel_rundir(), "");
		char *text = tu_read_file(log, NULL);
		check_log(bc, text);
		/* one line per bad plugin, and that bootstrap failed */
		size_t want = (i == NCASES - 1 ? 2 : 1) + 1;
		if (error_lines(text) != want)
			fail_msg("%s: %zu error lines, expected %zu:\n%s",
				 bc->what, error_lines(text), want, text);
		free(text);
		/* the next calls report it; nothing ended the process */
		assert_int_equal(vaccel_session_init(&s, 0), bc->code);
		assert_int_equal(
			vaccel_resource_init_from_buf(
				&r, "x", 1, VACCEL_RESOURCE_DATA, NULL, true),
			VACCEL_EPERM);
	}
	/* and a good configuration works again afterwards */
	struct vaccel_session s;
	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_ERROR, log, false),
		VACCEL_OK);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	vaccel_cleanup();
	tu_rm_rf(dir);
	free(dir);
	free(log);
}

/* A good plugin after a bad one is tried (its init runs and it is
 * registered), then unloaded with the failed bootstrap. */
static void test_good_after_bad_unloaded(void **state)
{
	char *dir = tu_mkdtemp();
	char *log = tu_strf("%s/log", dir);

	assert_int_equal(tu_bootstrap(TU_PLUGIN_BAD_INIT ":" TU_PLUGIN_GOOD,
				      VACCEL_LOG_DEBUG, log, false),
			 VACCEL_EIO);
	char *text = tu_read_file(log, NULL);
	char *reg = strstr(text, "Registered plugin test-good");
	char *unreg = strstr(text, "Unregistered plugin test-good");
	assert_non_null(reg);
	assert_non_null(unreg);
	assert_true(reg < unreg);
	/* a plugin whose init failed is not finalised or listed */
	assert_null(strstr(text, "Registered plugin bad-init"));
	free(text);
	tu_rm_rf(dir);
	free(dir);
	free(log);
}

/* ---- in a child process, through VACCEL_PLUGINS ---- */

static int child_main(int expected)
{
	struct vaccel_session s;
	struct vaccel_resource r;
	int bad = 0;

	if (vaccel_is_initialized()) {
		fprintf(stderr, "child: initialized despite a bad plugin\n");
		bad = 1;
	}
	int ret = vaccel_session_init(&s, 0);
	if (ret != expected) {
		fprintf(stderr, "child: session_init gave %d, expected %d\n",
			ret, expected);
		bad = 1;
	}
	if (vaccel_resource_init_from_buf(&r, "x", 1, VACCEL_RESOURCE_DATA,
					  NULL, true) != VACCEL_EPERM) {
		fprintf(stderr, "child: resource_init was not EPERM\n");
		bad = 1;
	}
	/* prove that we are still running and can recover */
	struct vaccel_config cfg;
	vaccel_config_init(&cfg, TU_NOOP_PLUGIN, VACCEL_LOG_ERROR, NULL, false,
			   false);
	if (vaccel_bootstrap_with_config(&cfg) || vaccel_session_init(&s, 0) ||
	    vaccel_noop(&s) || vaccel_session_release(&s)) {
		fprintf(stderr, "child: could not recover\n");
		bad = 1;
	}
	vaccel_config_release(&cfg);
	printf("child alive\n");
	return bad ? 1 : 42;
}

static int run_child(const struct bad_case *bc, const char *log)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char code[16];
		snprintf(code, sizeof(code), "%d", bc->code);
		setenv("VACCEL_PLUGINS", bc->plugins, 1);
		setenv("VACCEL_LOG_FILE", log, 1);
		setenv("VACCEL_LOG_LEVEL", "3", 1);
		unsetenv("VACCEL_BOOTSTRAP_ENABLED");
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		execl(self_exe, self_exe, "--child", code, (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_child_processes(void **state)
{
	char *dir = tu_mkdtemp();
	char *log = tu_strf("%s/log", dir);

	for (size_t i = 0; i < NCASES; i++) {
		const struct bad_case *bc = &cases[i];
		unlink(log);
		int rc = run_child(bc, log);
		if (rc != 42)
			fail_msg("%s: the child process exited with %d "
				 "(42 = all checks passed)",
				 bc->what, rc);
		char *text = tu_read_file(log, NULL);
		assert_non_null(text);
		check_log(bc, text);
		/* the code is in the bootstrap's line */
		char *why = tu_strf("Could not initialize vAccel: %s (code %d)",
				    vaccel_strerror(bc->code), bc->code);
		if (!strstr(text, why))
			fail_msg("%s: expected \"%s\" in:\n%s", bc->what, why,
				 text);
		free(why);
		free(text);
	}
	tu_rm_rf(dir);
	free(dir);
	free(log);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--child"))
		return child_main(atoi(argv[2]));
	self_exe = realpath("/proc/self/exe", NULL);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rebootstrap),
		cmocka_unit_test(test_good_after_bad_unloaded),
		cmocka_unit_test(test_child_processes),
	};
	int ret = cmocka_run_group_tests(tests, tu_group_setup,
					 tu_group_teardown);
	free(self_exe);
	return ret;
}
