// SPDX-License-Identifier: Apache-2.0
/* The exec plugin through the public API (VACCEL_PLUGINS = the exec
 * plugin): real libraries (libmytestlib.so of the examples and the small
 * libraries of libs/), error codes, dependency chains, the handle cache and
 * its dlclose settings, dlopen modes, and calls from several threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mydata.h"

#include <vaccel.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char path_buf[8][4096];
static int path_next;

/* The path of test library lib<name>.so (a few at a time). */
static const char *lib(const char *name)
{
	char *p = path_buf[path_next++ % 8];
	snprintf(p, sizeof(path_buf[0]), "%s/lib%s.so", TESTLIB_DIR, name);
	return p;
}

static struct vaccel_session sess;

static int session_up(void **state)
{
	(void)state;
	return vaccel_session_init(&sess, 0);
}

static int session_down(void **state)
{
	(void)state;
	return vaccel_session_release(&sess);
}

/* Load the plugin again with these settings (NULL: unset). */
static void reload(const char *mode, const char *dlclose)
{
	if (mode)
		setenv("VACCEL_EXEC_DLOPEN_MODE", mode, 1);
	else
		unsetenv("VACCEL_EXEC_DLOPEN_MODE");
	if (dlclose)
		setenv("VACCEL_EXEC_DLCLOSE_ENABLED", dlclose, 1);
	else
		unsetenv("VACCEL_EXEC_DLCLOSE_ENABLED");
	assert_int_equal(vaccel_bootstrap(), VACCEL_OK);
	assert_int_equal(vaccel_session_init(&sess, 0), VACCEL_OK);
}

static void reload_defaults(void)
{
	assert_int_equal(vaccel_session_release(&sess), VACCEL_OK);
	reload(NULL, NULL);
	assert_int_equal(vaccel_session_release(&sess), VACCEL_OK);
}

/* vaccel_exec of `fn` in `library` with one INT32 in, one INT32 out. */
static int exec1(const char *library, const char *fn, int32_t in, int32_t *out)
{
	struct vaccel_arg r = { .buf = &in,
				.size = sizeof(in),
				.type = VACCEL_ARG_INT32 };
	struct vaccel_arg w = { .buf = out,
				.size = sizeof(*out),
				.type = VACCEL_ARG_INT32 };
	return vaccel_exec(&sess, library, fn, &r, 1, &w, 1);
}

static int exec_res1(struct vaccel_resource *res, const char *fn, int32_t in,
		     int32_t *out)
{
	struct vaccel_arg r = { .buf = &in,
				.size = sizeof(in),
				.type = VACCEL_ARG_INT32 };
	struct vaccel_arg w = { .buf = out,
				.size = sizeof(*out),
				.type = VACCEL_ARG_INT32 };
	return vaccel_exec_with_resource(&sess, res, fn, &r, 1, &w, 1);
}

static void res_up(struct vaccel_resource *res, const char **paths, size_t n)
{
	assert_int_equal(
		vaccel_resource_init_multi(res, paths, n, VACCEL_RESOURCE_LIB),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_register(res, &sess), VACCEL_OK);
}

static void res_down(struct vaccel_resource *res)
{
	assert_int_equal(vaccel_resource_unregister(res, &sess), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(res), VACCEL_OK);
}

/* ---- plain exec ---------------------------------------------------------- */

static void test_plugin_selected(void **state)
{
	(void)state;
	assert_string_equal(sess.plugin->info->name, "exec");
	assert_int_equal(vaccel_noop(&sess), VACCEL_OK);
}

static void test_exec_mytestlib(void **state)
{
	int32_t out = 0;

	(void)state;
	assert_int_equal(exec1(MYTESTLIB, "mytestfunc", 10, &out), VACCEL_OK);
	assert_int_equal(out, 20);
	assert_int_equal(exec1(MYTESTLIB, "mytestfunc", -21, &out), VACCEL_OK);
	assert_int_equal(out, -42);
	/* mytestfunc wants INT32 args: anything else fails in the library */
	struct vaccel_arg r = { .buf = &out,
				.size = 2,
				.type = VACCEL_ARG_INT16 };
	struct vaccel_arg w = { .buf = &out,
				.size = sizeof(out),
				.type = VACCEL_ARG_INT32 };
	assert_int_equal(
		vaccel_exec(&sess, MYTESTLIB, "mytestfunc", &r, 1, &w, 1),
		VACCEL_EBACKEND);
	assert_int_equal(
		vaccel_exec(&sess, MYTESTLIB, "mytestfunc", NULL, 0, &w, 1),
		VACCEL_EBACKEND);
}

static void test_exec_errors(void **state)
{
	int32_t out = 0;

	(void)state;
	assert_int_equal(exec1(lib("exectest"), "double_it", 4, &out),
			 VACCEL_OK);
	assert_int_equal(out, 8);
	assert_int_equal(
		exec1(TESTLIB_DIR "/libnothere.so", "double_it", 4, &out),
		VACCEL_EINVAL);
	assert_int_equal(exec1(TESTLIB_DIR, "double_it", 4, &out),
			 VACCEL_EINVAL);
	assert_int_equal(exec1(lib("exectest"), "no_such_function", 4, &out),
			 VACCEL_ENOSYS);
	assert_int_equal(exec1(lib("exectest"), "fail_always", 4, &out),
			 VACCEL_EBACKEND);
	/* only functions the library itself defines run: not its
	 * dependencies' (libc's abort and exit would end the process), not
	 * its data */
	const char *foreign[] = { "abort",  "exit",  "_exit",
				  "system", "raise", "not_a_function" };
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++)
		assert_int_equal(exec1(lib("exectest"), foreign[i], 4, &out),
				 VACCEL_ENOSYS);
	assert_int_equal(exec1(NULL, "double_it", 4, &out), VACCEL_EINVAL);
	assert_int_equal(exec1("", "double_it", 4, &out), VACCEL_EINVAL);
	assert_int_equal(exec1(lib("exectest"), NULL, 4, &out), VACCEL_EINVAL);
	assert_int_equal(exec1(lib("exectest"), "", 4, &out), VACCEL_EINVAL);
	assert_int_equal(
		vaccel_exec(NULL, lib("exectest"), "sum", NULL, 0, NULL, 0),
		VACCEL_EINVAL);
}

static void *hold_session(void *arg)
{
	int32_t out = 0;
	intptr_t ret = exec1(lib("exectest"), "hold_ms", *(int32_t *)arg, &out);
	return (void *)ret;
}

/* While an op runs, its session cannot be updated or released (the
 * plugin's state of the session would be freed under the op): EBUSY, and
 * both work again once the op is over. */
static void test_busy_session(void **state)
{
	(void)state;
	int32_t ms = 400;
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, hold_session, &ms), 0);
	usleep(100000);
	assert_int_equal(vaccel_session_update(&sess, 0), VACCEL_EBUSY);
	assert_int_equal(vaccel_session_release(&sess), VACCEL_EBUSY);
	void *ret;
	pthread_join(t, &ret);
	assert_int_equal((intptr_t)ret, VACCEL_OK);
	assert_int_equal(vaccel_session_update(&sess, 0), VACCEL_OK);
	assert_int_equal(vaccel_noop(&sess), VACCEL_OK);
}

/* Buffers that are not there never reach the library. */
static void test_exec_bad_args(void **state)
{
	int32_t v = 1, out = 0;
	struct vaccel_arg ok = { .buf = &v, .size = sizeof(v) };
	struct vaccel_arg nobuf = { .buf = NULL, .size = 4 };
	struct vaccel_arg w = { .buf = &out, .size = sizeof(out) };
	struct vaccel_arg args[2] = { ok, nobuf };

	(void)state;
	assert_int_equal(
		vaccel_exec(&sess, lib("exectest"), "sum", args, 2, &w, 1),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_exec(&sess, lib("exectest"), "sum", &ok, 1, &nobuf, 1),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_exec(&sess, lib("exectest"), "sum", NULL, 1, &w, 1),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_exec(&sess, lib("exectest"), "sum", &ok, 1, NULL, 1),
		VACCEL_EINVAL);
	/* empty args are fine: the function decides */
	struct vaccel_arg empty = { .buf = NULL, .size = 0 };
	assert_int_equal(
		vaccel_exec(&sess, lib("exectest"), "sum", &empty, 1, &w, 1),
		VACCEL_EBACKEND);
	assert_int_equal(
		vaccel_exec(&sess, lib("exectest"), "sum", NULL, 0, &w, 1),
		VACCEL_OK);
	assert_int_equal(out, 0);
}

static void test_exec_genop(void **state)
{
	struct vaccel_arg_array rd, wr;
	uint8_t op = VACCEL_OP_EXEC;
	char library[4096], fn[] = "sum";
	int32_t a = 3, b = 4, out = 0;

	(void)state;
	snprintf(library, sizeof(library), "%s", lib("exectest"));
	assert_int_equal(vaccel_arg_array_init(&rd, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_init(&wr, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_uint8(&rd, &op), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_string(&rd, library), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_string(&rd, fn), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int32(&rd, &a), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int32(&rd, &b), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int32(&wr, &out), VACCEL_OK);
	assert_int_equal(vaccel_genop(&sess, rd.args, (int)rd.count, wr.args,
				      (int)wr.count),
			 VACCEL_OK);
	assert_int_equal(out, 7);
	vaccel_arg_array_release(&wr);
	vaccel_arg_array_release(&rd);
}

/* Plain exec keeps the library loaded unless VACCEL_EXEC_DLCLOSE_ENABLED:
 * a static counter in it shows which. */
static void test_exec_dlclose(void **state)
{
	int32_t n = 0;

	(void)state;
	assert_int_equal(vaccel_session_release(&sess), VACCEL_OK);
	reload(NULL, "1");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(exec1(lib("counter_exec"), "count", 0, &n),
				 VACCEL_OK);
		assert_int_equal(n, 1); /* unloaded after each call */
	}
	assert_int_equal(vaccel_session_release(&sess), VACCEL_OK);
	reload(NULL, NULL);
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(exec1(lib("counter_exec"), "count", 0, &n),
				 VACCEL_OK);
		assert_int_equal(n, i); /* kept loaded */
	}
}

/* An undefined function loads only with RTLD_LAZY. */
static void test_exec_dlopen_mode(void **state)
{
	static const struct {
		const char *mode;
		int want;
	} cases[] = {
		{ NULL, VACCEL_EINVAL },  { "now", VACCEL_EINVAL },
		{ "NoW", VACCEL_EINVAL }, { "sometimes", VACCEL_EINVAL },
		{ "lazy", VACCEL_OK },	  { "LAZY", VACCEL_OK },
	};
	int32_t out = 0;

	(void)state;
	assert_int_equal(vaccel_session_release(&sess), VACCEL_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* dlclose so that each case loads the library afresh */
		reload(cases[i].mode, "true");
		out = 0;
		assert_int_equal(exec1(lib("undef"), "safe", 0, &out),
				 cases[i].want);
		assert_int_equal(out, cases[i].want ? 0 : 5);
		assert_int_equal(vaccel_session_release(&sess), VACCEL_OK);
	}
	reload(NULL, NULL);
}

/* ---- exec_with_resource -------------------------------------------------- */

static void test_res_mytestlib(void **state)
{
	struct vaccel_resource res;
	const char *paths[] = { MYTESTLIB };
	int32_t out = 0;

	(void)state;
	res_up(&res, paths, 1);
	assert_int_equal(exec_res1(&res, "mytestfunc", 10, &out), VACCEL_OK);
	assert_int_equal(out, 20);

	/* mytestfunc_nonser: a serialized struct mydata, reversed */
	uint32_t vals[] = { 1, 2, 3, 4, 5 };
	struct mydata in = { 5, vals }, got = { 0 };
	struct vaccel_arg_array rd, wr;
	assert_int_equal(vaccel_arg_array_init(&rd, 1), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_init(&wr, 1), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_serialized(
				 &rd, VACCEL_ARG_CUSTOM, MYDATA_TYPE_ID, &in,
				 sizeof(in), mydata_serialize),
			 VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_serialized(
				 &wr, VACCEL_ARG_CUSTOM, MYDATA_TYPE_ID, &in,
				 sizeof(in), mydata_serialize),
			 VACCEL_OK);
	assert_int_equal(vaccel_exec_with_resource(&sess, &res,
						   "mytestfunc_nonser", rd.args,
						   rd.count, wr.args, wr.count),
			 VACCEL_OK);
	assert_int_equal(vaccel_arg_array_get_serialized(
				 &wr, VACCEL_ARG_CUSTOM, MYDATA_TYPE_ID, &got,
				 sizeof(got), mydata_deserialize),
			 VACCEL_OK);
	assert_int_equal(got.count, 5);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(got.array[i], 5 - i);
	mydata_release(&got);
	vaccel_arg_array_release(&wr);
	vaccel_arg_array_release(&rd);
	res_down(&res);
}

static void test_res_errors(void **state)
{
	struct vaccel_resource res, text;
	const char *paths[] = { lib("exectest") };
	const char *not_lib[] = { TEXT_FILE };
	int32_t out = 0;

	(void)state;
	res_up(&res, paths, 1);
	assert_int_equal(exec_res1(&res, "double_it", 21, &out), VACCEL_OK);
	assert_int_equal(out, 42);
	assert_int_equal(exec_res1(&res, "nope", 21, &out), VACCEL_ENOSYS);
	assert_int_equal(exec_res1(&res, "fail_always", 21, &out),
			 VACCEL_EBACKEND);
	assert_int_equal(exec_res1(&res, NULL, 21, &out), VACCEL_EINVAL);
	struct vaccel_arg nobuf = { .buf = NULL, .size = 8 };
	assert_int_equal(vaccel_exec_with_resource(&sess, &res, "sum", &nobuf,
						   1, NULL, 0),
			 VACCEL_EINVAL);
	/* still usable after the errors */
	assert_int_equal(exec_res1(&res, "double_it", -1, &out), VACCEL_OK);
	assert_int_equal(out, -2);
	res_down(&res);

	/* a file that is not a library */
	res_up(&text, not_lib, 1);
	assert_int_equal(exec_res1(&text, "double_it", 1, &out), VACCEL_EINVAL);
	res_down(&text);
}

/* The handles are cached: the library stays loaded between calls, and is
 * closed when the resource leaves the session. */
static void test_res_cache_and_dlclose(void **state)
{
	struct vaccel_resource res;
	const char *paths[] = { lib("counter_res") };
	int32_t n = 0;

	(void)state;
	res_up(&res, paths, 1);
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(exec_res1(&res, "count", 0, &n), VACCEL_OK);
		assert_int_equal(n, i);
	}
	assert_int_equal(vaccel_resource_unregister(&res, &sess), VACCEL_OK);
	assert_null(res.plugin_priv);
	assert_int_equal(vaccel_resource_register(&res, &sess), VACCEL_OK);
	assert_int_equal(exec_res1(&res, "count", 0, &n), VACCEL_OK);
	assert_int_equal(n, 1); /* a fresh load */
	res_down(&res);
}

/* VACCEL_EXEC_DLCLOSE_ENABLED=0: the handles are dropped, not closed. */
static void test_res_no_dlclose(void **state)
{
	struct vaccel_resource res;
	const char *paths[] = { lib("counter_keep") };
	int32_t n = 0;

	(void)state;
	assert_int_equal(vaccel_session_release(&sess), VACCEL_OK);
	reload(NULL, "false");
	res_up(&res, paths, 1);
	assert_int_equal(exec_res1(&res, "count", 0, &n), VACCEL_OK);
	assert_int_equal(exec_res1(&res, "count", 0, &n), VACCEL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(vaccel_resource_unregister(&res, &sess), VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, &sess), VACCEL_OK);
	assert_int_equal(exec_res1(&res, "count", 0, &n), VACCEL_OK);
	assert_int_equal(n, 3); /* still the same loaded copy */
	res_down(&res);
	reload_defaults();
	assert_int_equal(vaccel_session_init(&sess, 0), VACCEL_OK);
}

/* Dependencies come before the main library and are loaded global: a
 * function dependency may come in any order (the plugin retries lazily),
 * a data dependency must come first. */
static void test_res_dependencies(void **state)
{
	struct vaccel_resource res;
	int32_t out = 0;

	(void)state;
	const char *wrong_data[] = { lib("dep_data"), lib("dep_c"),
				     lib("dep_main") };
	res_up(&res, wrong_data, 3);
	assert_int_equal(exec_res1(&res, "chain_data", 0, &out), VACCEL_EINVAL);
	res_down(&res);

	const char *chain[] = { lib("dep_c"), lib("dep_b"), lib("dep_main") };
	res_up(&res, chain, 3);
	assert_int_equal(exec_res1(&res, "chain", 0, &out), VACCEL_OK);
	assert_int_equal(out, 22);
	res_down(&res);

	const char *reversed[] = { lib("dep_b"), lib("dep_c"),
				   lib("dep_main") };
	res_up(&res, reversed, 3);
	assert_int_equal(exec_res1(&res, "chain", 0, &out), VACCEL_OK);
	assert_int_equal(out, 22);
	res_down(&res);

	const char *data[] = { lib("dep_c"), lib("dep_data"), lib("dep_b"),
			       lib("dep_main") };
	res_up(&res, data, 4);
	assert_int_equal(exec_res1(&res, "chain_data", 0, &out), VACCEL_OK);
	assert_int_equal(out, 101);
	assert_int_equal(exec_res1(&res, "chain", 0, &out), VACCEL_OK);
	assert_int_equal(out, 22);
	res_down(&res);

	/* the main library alone cannot resolve its dependencies */
	const char *alone[] = { lib("dep_main") };
	res_up(&res, alone, 1);
	assert_int_equal(exec_res1(&res, "chain", 0, &out), VACCEL_EINVAL);
	res_down(&res);
}

static void *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* Libraries given as bytes: persisted by the core (a file), or kept in
 * memory only (the plugin loads those from a memfd). */
static void test_res_from_buffer(void **state)
{
	size_t size;
	void *bytes = read_all(lib("exectest"), &size);
	int32_t out = 0;

	(void)state;
	for (int mem_only = 0; mem_only <= 1; mem_only++) {
		struct vaccel_resource res;
		assert_int_equal(vaccel_resource_init_from_buf(
					 &res, bytes, size, VACCEL_RESOURCE_LIB,
					 "exectest.so", mem_only),
				 VACCEL_OK);
		assert_int_equal(vaccel_resource_register(&res, &sess),
				 VACCEL_OK);
		assert_int_equal(exec_res1(&res, "double_it", 50, &out),
				 VACCEL_OK);
		assert_int_equal(out, 100);
		assert_int_equal(exec_res1(&res, "double_it", 7, &out),
				 VACCEL_OK);
		assert_int_equal(out, 14);
		res_down(&res);
	}
	free(bytes);
}

static void test_res_genop(void **state)
{
	struct vaccel_resource res;
	const char *paths[] = { lib("exectest") };
	struct vaccel_arg_array rd, wr;
	uint8_t op = VACCEL_OP_EXEC_WITH_RESOURCE;
	char fn[] = "sum";
	int32_t a = 30, b = 12, out = 0;

	(void)state;
	res_up(&res, paths, 1);
	int64_t id = res.id;
	assert_int_equal(vaccel_arg_array_init(&rd, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_init(&wr, 0), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_uint8(&rd, &op), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int64(&rd, &id), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_string(&rd, fn), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int32(&rd, &a), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int32(&rd, &b), VACCEL_OK);
	assert_int_equal(vaccel_arg_array_add_int32(&wr, &out), VACCEL_OK);
	assert_int_equal(vaccel_genop(&sess, rd.args, (int)rd.count, wr.args,
				      (int)wr.count),
			 VACCEL_OK);
	assert_int_equal(out, 42);
	vaccel_arg_array_release(&wr);
	vaccel_arg_array_release(&rd);
	res_down(&res);
}

/* ---- threads ---------------------------------------------------------------
 */

enum {
	NR_THREADS = 8,
	NR_CALLS = 300,
	NR_CHURN = 100
};

struct worker {
	pthread_t t;
	struct vaccel_session *sess;
	struct vaccel_resource *res;
	int32_t id;
	int ok, eperm, ebusy, bad;
};

static void *work(void *p)
{
	struct worker *w = p;

	for (int32_t i = 0; i < NR_CALLS; i++) {
		int32_t in[2] = { i, w->id }, out = -1;
		struct vaccel_arg r[2] = {
			{ .buf = &in[0], .size = 4, .type = VACCEL_ARG_INT32 },
			{ .buf = &in[1], .size = 4, .type = VACCEL_ARG_INT32 },
		};
		struct vaccel_arg o = { .buf = &out,
					.size = 4,
					.type = VACCEL_ARG_INT32 };
		int ret = vaccel_exec_with_resource(w->sess, w->res, "sum", r,
						    2, &o, 1);
		if (ret == VACCEL_OK && out == i + w->id)
			w->ok++;
		else if (ret == VACCEL_EPERM)
			w->eperm++; /* between an unregister and a register */
		else if (ret == VACCEL_EBUSY)
			w->ebusy++; /* during an unregister or a register */
		else
			w->bad++;
	}
	return NULL;
}

static int churn_retry(int (*f)(struct vaccel_resource *,
				struct vaccel_session *),
		       struct vaccel_resource *res)
{
	int ret = VACCEL_EBUSY;
	for (long n = 0; n < 1000000 && ret == VACCEL_EBUSY; n++) {
		ret = f(res, &sess);
		if (ret == VACCEL_EBUSY)
			sched_yield();
	}
	return ret;
}

/* Many threads call one resource of one session while another thread
 * unregisters and registers it (each unregister drops the cached handles
 * under the running calls). */
static void test_threads_one_session(void **state)
{
	struct vaccel_resource res;
	const char *paths[] = { lib("dep_c"), lib("exectest") };
	struct worker w[NR_THREADS];

	(void)state;
	res_up(&res, paths, 2);
	for (int i = 0; i < NR_THREADS; i++) {
		w[i] = (struct worker){ .sess = &sess, .res = &res, .id = i };
		assert_int_equal(pthread_create(&w[i].t, NULL, work, &w[i]), 0);
	}
	/* a register or unregister is refused with EBUSY while calls of
	 * the session are in flight (and a call during one of them): retry */
	for (int i = 0; i < NR_CHURN; i++) {
		assert_int_equal(churn_retry(vaccel_resource_unregister, &res),
				 VACCEL_OK);
		assert_int_equal(churn_retry(vaccel_resource_register, &res),
				 VACCEL_OK);
	}
	int ok = 0;
	for (int i = 0; i < NR_THREADS; i++) {
		pthread_join(w[i].t, NULL);
		assert_int_equal(w[i].bad, 0);
		ok += w[i].ok;
		assert_int_equal(w[i].ok + w[i].eperm + w[i].ebusy, NR_CALLS);
	}
	assert_true(ok > 0);
	res_down(&res);
}

/* One session per thread, one resource registered with all of them. */
static void test_threads_many_sessions(void **state)
{
	struct vaccel_resource res;
	const char *paths[] = { lib("exectest") };
	struct vaccel_session s[NR_THREADS];
	struct worker w[NR_THREADS];

	(void)state;
	assert_int_equal(
		vaccel_resource_init_multi(&res, paths, 1, VACCEL_RESOURCE_LIB),
		VACCEL_OK);
	for (int i = 0; i < NR_THREADS; i++) {
		assert_int_equal(vaccel_session_init(&s[i], 0), VACCEL_OK);
		assert_int_equal(vaccel_resource_register(&res, &s[i]),
				 VACCEL_OK);
	}
	for (int i = 0; i < NR_THREADS; i++) {
		w[i] = (struct worker){ .sess = &s[i], .res = &res, .id = i };
		assert_int_equal(pthread_create(&w[i].t, NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < NR_THREADS; i++) {
		pthread_join(w[i].t, NULL);
		assert_int_equal(w[i].ok, NR_CALLS);
	}
	for (int i = 0; i < NR_THREADS; i++) {
		assert_int_equal(vaccel_resource_unregister(&res, &s[i]),
				 VACCEL_OK);
		assert_int_equal(vaccel_session_release(&s[i]), VACCEL_OK);
	}
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, session_up, session_down)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plugin_selected),
		T(test_exec_mytestlib),
		T(test_exec_errors),
		T(test_busy_session),
		T(test_exec_bad_args),
		T(test_exec_genop),
		T(test_exec_dlclose),
		T(test_exec_dlopen_mode),
		T(test_res_mytestlib),
		T(test_res_errors),
		T(test_res_cache_and_dlclose),
		T(test_res_no_dlclose),
		T(test_res_dependencies),
		T(test_res_from_buffer),
		T(test_res_genop),
		T(test_threads_one_session),
		T(test_threads_many_sessions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
