// SPDX-License-Identifier: Apache-2.0
/* Sessions served by several plugins (docs/plugins.md, "Which plugins serve
 * a session"): each op runs on the first of the session's plugins that has
 * it; a hint that matches one plugin pins the session to it (upstream's
 * behaviour); each plugin finds its own session state
 * (vaccel_session_plugin_priv); resources reach every plugin's hooks; a
 * plugin that keeps its state in sess->priv serves only sessions it comes
 * first in. And the thread's error reason (vaccel_last_error): set by the
 * first error line of a call at any log level, by vaccel_fail() in a
 * plugin, or for a plugin that gave none, empty after a success, per
 * thread. Test plugins: tests/unit/plugins/route_plugin.c. */

#include "tu.h"
#include "plugins/rp_state.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <vaccel.h>

#define PA TU_PLUGIN_ROUTE_A
#define PB TU_PLUGIN_ROUTE_B
#define PL TU_PLUGIN_ROUTE_LEGACY

static struct rp_state *rp(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	struct rp_state *st = h ? dlsym(h, "rp_state") : NULL;
	if (h)
		dlclose(h);
	assert_non_null(st);
	return st;
}

static void boot(struct tu_dir *c, const char *plugins, int level)
{
	assert_int_equal(tu_bootstrap(plugins, level, c->log, false),
			 VACCEL_OK);
}

static int minmax(struct vaccel_session *s)
{
	double in[2] = { 1, 2 }, out[2], mn = 0, mx = 0;
	int ret = vaccel_minmax(s, in, 2, 0, 10, out, &mn, &mx);
	return ret ? ret : (mn == 1 && mx == 2 ? 0 : -1);
}

static int sgemm(struct vaccel_session *s, int64_t m)
{
	float a[1] = { 1 }, b[1] = { 1 }, cc[1] = { 0 };
	return vaccel_sgemm(s, m, 1, 1, 1, a, 1, b, 1, 0, cc, 1);
}

static int arraycopy(struct vaccel_session *s)
{
	int a[3] = { 1, 2, 3 }, out[3] = { 0 };
	int ret = vaccel_fpga_arraycopy(s, a, out, 3);
	return ret ? ret : (out[2] == 3 ? 0 : -1);
}

/* Hint 0: every op on the plugin that has it, each with its own state;
 * the legacy plugin (not first) is left out; resources reach a and b. */
static void test_routed(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;
	struct vaccel_resource res;
	char data[4] = "abc";

	boot(c, PA ":" PB ":" PL, VACCEL_LOG_ERROR);
	struct rp_state *a = rp(PA), *b = rp(PB), *l = rp(PL);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_string_equal(s.plugin->info->name, "route-a");
	assert_int_equal(a->session_init, 1);
	assert_int_equal(b->session_init, 1);
	/* the legacy plugin was asked, wrote sess->priv, and was released */
	assert_int_equal(l->session_init, 1);
	assert_int_equal(l->session_release, 1);

	assert_int_equal(minmax(&s), 0);
	assert_int_equal(sgemm(&s, 1), 0);
	assert_int_equal(a->ops, 1);
	assert_int_equal(b->ops, 1);
	assert_int_equal(arraycopy(&s), VACCEL_ENOTSUP);
	assert_int_equal(l->ops, 0);
	assert_string_equal(vaccel_last_error(),
			    "Could not return func, no plugin of session 1 "
			    "(route-a, route-b) implements FPGA_ARRAYCOPY");

	assert_int_equal(vaccel_resource_init_from_buf(&res, data, 4,
						       VACCEL_RESOURCE_DATA,
						       "d", true),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, &s), VACCEL_OK);
	assert_int_equal(a->resource_register, 1);
	assert_int_equal(b->resource_register, 1);
	assert_int_equal(vaccel_resource_unregister(&res, &s), VACCEL_OK);
	assert_int_equal(a->resource_unregister, 1);
	assert_int_equal(b->resource_unregister, 1);
	/* b refuses: a forgets the resource again, nothing is registered */
	b->fail_register = VACCEL_EIO;
	assert_int_equal(vaccel_resource_register(&res, &s), VACCEL_EIO);
	assert_int_equal(a->resource_register, 2);
	assert_int_equal(a->resource_unregister, 2);
	assert_false(vaccel_session_has_resource(&s, &res));
	b->fail_register = 0;
	assert_int_equal(vaccel_resource_register(&res, &s), VACCEL_OK);

	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	assert_int_equal(a->resource_unregister, 3);
	assert_int_equal(b->resource_unregister, 2); /* b never had the 2nd */
	assert_int_equal(a->session_release, 1);
	assert_int_equal(b->session_release, 1);
	assert_int_equal(a->wrong_priv + b->wrong_priv + l->wrong_priv, 0);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
}

/* A hint that one plugin matches pins the session (upstream: ENOTSUP for
 * the others' ops, with upstream's message); an update re-routes. */
static void test_pinned_and_update(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;

	boot(c, PA ":" PB, VACCEL_LOG_ERROR);
	struct rp_state *a = rp(PA), *b = rp(PB);
	assert_int_equal(vaccel_session_init(&s, VACCEL_PLUGIN_GPU), VACCEL_OK);
	assert_string_equal(s.plugin->info->name, "route-b");
	assert_int_equal(a->session_init, 0);
	assert_int_equal(sgemm(&s, 1), 0);
	assert_int_equal(minmax(&s), VACCEL_ENOTSUP);
	assert_string_equal(vaccel_last_error(),
			    "Could not return func, plugin route-b does not "
			    "implement MINMAX");
	/* CPU matches both: routed again */
	assert_int_equal(vaccel_session_update(&s, VACCEL_PLUGIN_CPU),
			 VACCEL_OK);
	assert_string_equal(s.plugin->info->name, "route-a");
	assert_int_equal(minmax(&s), 0);
	assert_int_equal(sgemm(&s, 1), 0);
	assert_int_equal(a->session_init, 1);
	assert_int_equal(b->session_init, 2);
	assert_int_equal(b->session_release, 1);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	assert_int_equal(a->session_release, 1);
	assert_int_equal(b->session_release, 2);
	assert_int_equal(a->wrong_priv + b->wrong_priv, 0);
}

/* A plugin keeping its state in sess->priv works as the first plugin,
 * with the others routed beside it. */
static void test_legacy_first(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;

	boot(c, PL ":" PA, VACCEL_LOG_ERROR);
	struct rp_state *a = rp(PA), *l = rp(PL);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_string_equal(s.plugin->info->name, "route-legacy");
	assert_int_equal(arraycopy(&s), 0);
	assert_int_equal(minmax(&s), 0);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	assert_int_equal(l->session_release, 1);
	assert_int_equal(a->session_release, 1);
	assert_int_equal(a->wrong_priv + l->wrong_priv, 0);
}

/* Reasons: at log level 0 too; vaccel_fail() in a plugin; a plugin that
 * gives none; empty after a success; none leaks between threads. */
static void *other_thread(void *arg)
{
	struct vaccel_session *s = arg;
	char *seen = strdup(vaccel_last_error());
	if (sgemm(s, 7) != VACCEL_EINVAL)
		seen[0] = '!';
	return seen;
}

static void test_reasons(void **state)
{
	struct tu_dir *c = *state;
	static struct vaccel_session s;
	pthread_t t;
	void *seen;

	boot(c, PA ":" PB, 0);
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(sgemm(&s, -1), VACCEL_EINVAL);
	assert_string_equal(vaccel_last_error(),
			    "sgemm: invalid argument: dimensions");
	assert_int_equal(sgemm(&s, 7), VACCEL_EINVAL);
	assert_string_equal(vaccel_last_error(), "[route-b] m = 7 is unlucky");
	assert_int_equal(sgemm(&s, 8), VACCEL_EIO);
	assert_string_equal(
		vaccel_last_error(),
		"BLAS_SGEMM: plugin route-b failed: Input/output error");
	assert_int_equal(pthread_create(&t, NULL, other_thread, &s), 0);
	assert_int_equal(pthread_join(t, &seen), 0);
	assert_string_equal(seen, ""); /* nothing inherited */
	free(seen);
	/* the other thread's failure is not this thread's reason */
	assert_string_equal(
		vaccel_last_error(),
		"BLAS_SGEMM: plugin route-b failed: Input/output error");
	assert_int_equal(sgemm(&s, 1), VACCEL_OK);
	assert_string_equal(vaccel_last_error(), "");
	assert_int_equal(sgemm(&s, 7), VACCEL_EINVAL);
	vaccel_last_error_clear();
	assert_string_equal(vaccel_last_error(), "");
	/* level 0 printed nothing */
	char *log = tu_read_file(c->log, NULL);
	assert_true(!log || !*log);
	free(log);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	assert_int_equal(vaccel_fail(VACCEL_ENOENT, "from the app %d", 3),
			 VACCEL_ENOENT);
	assert_string_equal(vaccel_last_error(), "from the app 3");
}

#define T(f) cmocka_unit_test_setup_teardown(f, tu_dir_setup, tu_dir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_routed),
		T(test_pinned_and_update),
		T(test_legacy_first),
		T(test_reasons),
	};
	return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
