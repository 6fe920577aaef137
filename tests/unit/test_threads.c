// SPDX-License-Identifier: Apache-2.0
/* Thread safety (issue 2, item 6): sessions and resources are created,
 * used and released from several threads at once. Run it under
 * ThreadSanitizer too (docs/testing.md).
 *
 *  - test_stress: THREADS threads, ROUNDS rounds; per round the main thread
 *    creates shared resources (a LIB from a buffer, a MODEL from a file, a
 *    DATA buffer), then every thread, ITERS times: creates a session,
 *    creates private resources (in memory and persisted), registers the
 *    private and the shared ones, runs ops and genop (noop plugin) and
 *    checks their results, queries, unregisters and releases; then each
 *    thread registers the shared resources with one more session and
 *    releases it while the main thread releases the shared resources.
 *    Profiling is on, so the library's op regions are hit by every
 *    thread. ITERS can be raised with VACCEL_TEST_ITERS.
 *  - test_first_register_race: threads register one fresh path resource at
 *    the same moment: its blobs are built once.
 *  - two races between releasing a session and releasing a resource
 *    registered with it, made deterministic with a plugin hook that sleeps
 *    (see their comments). */

#include "tu.h"
#include "plugins/tp_state.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vaccel.h>

#define THREADS 8
#define ROUNDS	3

static int iters = 60;
static char *dir, *log_path, *model_file;

/* the shared resources of a round */
static struct vaccel_resource *shared_lib, *shared_model, *shared_data;
static const char lib_bytes[] = "\177ELF not really a library";
static const char data_bytes[] = "shared data";
static pthread_barrier_t round_start, round_iters, round_checked, round_mid,
	round_end;
static int failures;

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "thread check failed at %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);                   \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);   \
			return -1;                                            \
		}                                                             \
	} while (0)

static int run_ops(struct vaccel_session *s, struct vaccel_resource *priv)
{
	/* noop */
	CHECK(vaccel_noop(s) == VACCEL_OK);

	/* exec_with_resource on the shared LIB: noop echoes the input */
	int32_t in = (int32_t)s->id, out = -1;
	struct vaccel_arg r[1], w[1];
	vaccel_arg_init_from_buf(&r[0], &in, sizeof(in), VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&w[0], &out, sizeof(out), VACCEL_ARG_INT32, 0);
	CHECK(vaccel_exec_with_resource(s, shared_lib, "fn", r, 1, w, 1) ==
	      VACCEL_OK);
	CHECK(out == in);

	/* an image op (noop looks up the session's first MODEL) */
	unsigned char img[16] = { 1 }, text[64] = { 0 }, name[64] = { 0 };
	CHECK(vaccel_image_classification(s, img, text, name, sizeof(img),
					  sizeof(text),
					  sizeof(name)) == VACCEL_OK);
	CHECK(!strcmp((char *)text, "This is a dummy classification tag!"));

	/* a model op on the shared MODEL */
	struct vaccel_tf_status st = { 0 };
	CHECK(vaccel_tf_model_load(s, shared_model, &st) == VACCEL_OK);
	CHECK(st.message &&
	      !strcmp(st.message, "Operation handled by noop plugin"));
	vaccel_tf_status_release(&st);

	/* genop: classify, and exec_with_resource by (global) id */
	struct vaccel_arg_array ra, wa;
	uint8_t op = VACCEL_OP_IMAGE_CLASSIFY;
	memset(text, 0, sizeof(text));
	memset(name, 0, sizeof(name));
	CHECK(vaccel_arg_array_init(&ra, 0) == VACCEL_OK);
	CHECK(vaccel_arg_array_init(&wa, 0) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_uint8(&ra, &op) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_buffer(&ra, img, sizeof(img)) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_uchar_array(&wa, name, sizeof(name)) ==
	      VACCEL_OK);
	CHECK(vaccel_arg_array_add_uchar_array(&wa, text, sizeof(text)) ==
	      VACCEL_OK);
	CHECK(vaccel_genop(s, ra.args, (int)ra.count, wa.args, (int)wa.count) ==
	      VACCEL_OK);
	CHECK(!strcmp((char *)name, "This is a dummy imgname!"));
	vaccel_arg_array_clear(&ra);
	vaccel_arg_array_clear(&wa);
	uint8_t op2 = VACCEL_OP_EXEC_WITH_RESOURCE;
	int64_t id = shared_lib->id;
	char fn[] = "fn";
	out = -1;
	CHECK(vaccel_arg_array_add_uint8(&ra, &op2) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_int64(&ra, &id) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_string(&ra, fn) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_int32(&ra, &in) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_int32(&wa, &out) == VACCEL_OK);
	CHECK(vaccel_genop(s, ra.args, (int)ra.count, wa.args, (int)wa.count) ==
	      VACCEL_OK);
	CHECK(out == in);
	vaccel_arg_array_release(&ra);
	vaccel_arg_array_release(&wa);

	/* the private resource is of this session only */
	CHECK(vaccel_exec_with_resource(s, priv, "fn", r, 1, w, 1) ==
	      (priv->type == VACCEL_RESOURCE_LIB ? VACCEL_OK : VACCEL_EINVAL));
	return 0;
}

static int one_iteration(long tid, int i)
{
	struct vaccel_session *s = NULL;
	struct vaccel_resource *priv = NULL, *found, **list;
	size_t n;
	char buf[32];
	snprintf(buf, sizeof(buf), "t%ld-i%d", tid, i);

	CHECK(vaccel_session_new(&s, 0) == VACCEL_OK);
	/* private: alternately persisted to a file and in memory */
	CHECK(vaccel_resource_from_buf(
		      &priv, buf, strlen(buf) + 1,
		      i % 2 ? VACCEL_RESOURCE_DATA : VACCEL_RESOURCE_LIB,
		      i % 3 ? NULL : "lib.so", i % 2 == 0) == VACCEL_OK);
	CHECK(vaccel_resource_register(priv, s) == VACCEL_OK);
	CHECK(vaccel_resource_register(shared_lib, s) == VACCEL_OK);
	CHECK(vaccel_resource_register(shared_model, s) == VACCEL_OK);
	CHECK(vaccel_resource_register(shared_data, s) == VACCEL_OK);
	CHECK(vaccel_resource_refcount(priv) == 1);
	CHECK(vaccel_resource_refcount(shared_lib) >= 1);

	if (run_ops(s, priv))
		return -1;

	/* queries */
	CHECK(vaccel_session_has_resource(s, shared_data));
	CHECK(vaccel_session_resource_by_id(s, &found, priv->id) == VACCEL_OK);
	CHECK(found == priv);
	CHECK(vaccel_session_resources_by_type(
		      s, &list, &n, VACCEL_RESOURCE_MODEL) == VACCEL_OK);
	CHECK(n == 1 && list[0] == shared_model);
	free(list);
	CHECK(vaccel_resource_get_by_id(&found, shared_data->id) == VACCEL_OK);
	CHECK(found == shared_data);
	CHECK(vaccel_resource_get_all_by_type(
		      &list, &n, VACCEL_RESOURCE_MODEL) == VACCEL_OK);
	free(list);

	/* unregister explicitly on some iterations; session release does
	 * the rest */
	if (i % 2) {
		CHECK(vaccel_resource_unregister(shared_lib, s) == VACCEL_OK);
		CHECK(vaccel_resource_unregister(shared_lib, s) ==
		      VACCEL_EINVAL);
		CHECK(vaccel_resource_unregister(priv, s) == VACCEL_OK);
		CHECK(vaccel_resource_refcount(priv) == 0);
	}
	if (i % 3 == 0) {
		/* release a private resource that is still registered */
		CHECK(vaccel_resource_delete(priv) == VACCEL_OK);
		priv = NULL;
	}
	CHECK(vaccel_session_delete(s) == VACCEL_OK);
	if (priv) {
		CHECK(vaccel_resource_refcount(priv) == 0);
		CHECK(vaccel_resource_delete(priv) == VACCEL_OK);
	}
	return 0;
}

/* The last step of a round: a session with the shared resources, released
 * while the main thread releases those resources. */
static struct vaccel_session *final_session(void)
{
	struct vaccel_session *s = NULL;
	if (vaccel_session_new(&s, 0) != VACCEL_OK)
		return NULL;
	if (vaccel_resource_register(shared_lib, s) ||
	    vaccel_resource_register(shared_model, s) ||
	    vaccel_resource_register(shared_data, s) || vaccel_noop(s))
		__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
	return s;
}

static void *worker(void *arg)
{
	long tid = (long)arg;
	for (int round = 0; round < ROUNDS; round++) {
		pthread_barrier_wait(&round_start);
		for (int i = 0; i < iters; i++)
			if (one_iteration(tid, i))
				break;
		pthread_barrier_wait(&round_iters);
		pthread_barrier_wait(&round_checked); /* main looked */
		struct vaccel_session *s = final_session();
		pthread_barrier_wait(&round_mid);
		if (!s || vaccel_session_delete(s) != VACCEL_OK)
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
		pthread_barrier_wait(&round_end);
	}
	return NULL;
}

/* A check of the main thread while workers wait at a barrier (an assert
 * would leave them there). */
#define MCHECK(cond)                                                        \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "main check failed at %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);                 \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED); \
		}                                                           \
	} while (0)

static void test_stress(void **state)
{
	pthread_t t[THREADS];
	const char *env = getenv("VACCEL_TEST_ITERS");
	if (env && atoi(env) > 0)
		iters = atoi(env);

	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_ERROR, log_path, true),
		VACCEL_OK);
	pthread_barrier_init(&round_start, NULL, THREADS + 1);
	pthread_barrier_init(&round_iters, NULL, THREADS + 1);
	pthread_barrier_init(&round_checked, NULL, THREADS + 1);
	pthread_barrier_init(&round_mid, NULL, THREADS + 1);
	pthread_barrier_init(&round_end, NULL, THREADS + 1);
	for (long i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)i),
				 0);
	for (int round = 0; round < ROUNDS; round++) {
		MCHECK(vaccel_resource_from_buf(
			       &shared_lib, lib_bytes, sizeof(lib_bytes),
			       VACCEL_RESOURCE_LIB, "shared.so",
			       false) == VACCEL_OK);
		MCHECK(vaccel_resource_new(&shared_model, model_file,
					   VACCEL_RESOURCE_MODEL) == VACCEL_OK);
		MCHECK(vaccel_resource_from_buf(
			       &shared_data, data_bytes, sizeof(data_bytes),
			       VACCEL_RESOURCE_DATA, NULL, true) == VACCEL_OK);
		pthread_barrier_wait(&round_start);
		pthread_barrier_wait(&round_iters);
		/* every thread released its sessions: nothing refers to the
		 * shared resources */
		MCHECK(vaccel_resource_refcount(shared_lib) == 0);
		MCHECK(vaccel_resource_refcount(shared_model) == 0);
		MCHECK(shared_model->nr_blobs == 1);
		pthread_barrier_wait(&round_checked);
		pthread_barrier_wait(&round_mid);
		/* now every thread has a session with them, and releases it
		 * while they are released here */
		MCHECK(vaccel_resource_delete(shared_lib) == VACCEL_OK);
		MCHECK(vaccel_resource_delete(shared_model) == VACCEL_OK);
		MCHECK(vaccel_resource_delete(shared_data) == VACCEL_OK);
		pthread_barrier_wait(&round_end);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&round_start);
	pthread_barrier_destroy(&round_iters);
	pthread_barrier_destroy(&round_checked);
	pthread_barrier_destroy(&round_mid);
	pthread_barrier_destroy(&round_end);
	assert_int_equal(failures, 0);

	/* nothing left behind: no session or resource directories */
	char *rd = strdup(vaccel_rundir());
	assert_int_equal(tu_count_entries(rd), 0);
	struct vaccel_session *s;
	assert_int_equal(vaccel_session_get_by_id(&s, 1), VACCEL_ENOENT);
	vaccel_cleanup();
	assert_false(tu_exists(rd));
	free(rd);

	/* the only errors logged are those the threads provoked */
	char *text = tu_read_file(log_path, NULL);
	for (char *save, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "<error>") &&
		    !strstr(l, "is not registered to session") &&
		    !strstr(l, "Invalid resource type"))
			fail_msg("unexpected error: %s", l);
	}
	free(text);
}

/* Threads register one fresh path resource at the same moment. */
static struct vaccel_resource first_res;
static pthread_barrier_t go;

static void *first_register(void *arg)
{
	struct vaccel_session *s = arg;
	pthread_barrier_wait(&go);
	if (vaccel_resource_register(&first_res, s) != VACCEL_OK)
		__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void test_first_register_race(void **state)
{
	static struct vaccel_session s[THREADS];
	pthread_t t[THREADS];

	failures = 0;
	assert_int_equal(
		tu_bootstrap(TU_NOOP_PLUGIN, VACCEL_LOG_ERROR, log_path, false),
		VACCEL_OK);
	for (int round = 0; round < 20; round++) {
		assert_int_equal(vaccel_resource_init(&first_res, dir,
						      VACCEL_RESOURCE_MODEL),
				 VACCEL_OK);
		pthread_barrier_init(&go, NULL, THREADS);
		for (int i = 0; i < THREADS; i++) {
			assert_int_equal(vaccel_session_init(&s[i], 0),
					 VACCEL_OK);
			pthread_create(&t[i], NULL, first_register, &s[i]);
		}
		for (int i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&go);
		assert_int_equal(failures, 0);
		assert_int_equal(vaccel_resource_refcount(&first_res), THREADS);
		/* dir holds the log and the model file */
		assert_int_equal(first_res.nr_blobs, 2);
		for (int i = 0; i < THREADS; i++)
			assert_int_equal(vaccel_session_release(&s[i]),
					 VACCEL_OK);
		assert_int_equal(vaccel_resource_release(&first_res),
				 VACCEL_OK);
	}
	vaccel_cleanup();
}

/* ---- release of a session vs release of a resource registered with it */

static struct vaccel_session race_sess;
static struct vaccel_resource race_res;

static void *release_session(void *arg)
{
	vaccel_session_release(&race_sess);
	return NULL;
}

static void *release_resource(void *arg)
{
	vaccel_resource_release(&race_res);
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Thread A releases a session: the library unlinks resource R from it and
 * calls the plugin's resource_unregister(R, session) hook (here it takes
 * 400 ms). Meanwhile thread B releases R. R must stay valid until the hook
 * is done. (Regression test: vaccel_resource_release(R) used not to wait:
 * it saw R unregistered everywhere and released it (a heap resource would
 * have been freed by vaccel_resource_delete()) under the running hook, a
 * use-after-free for any plugin that touches the resource there; fixed in
 * 73aa089: the hook runs under the registration locks.) */
static void test_race_resource_released_during_hook(void **state)
{
	pthread_t a;

	assert_int_equal(
		tu_bootstrap(TU_PLUGIN_CPU, VACCEL_LOG_ERROR, log_path, false),
		VACCEL_OK);
	struct tp_state *st = tu_plugin_state(TU_PLUGIN_CPU);
	assert_non_null(st);
	assert_int_equal(vaccel_session_init(&race_sess, 0), VACCEL_OK);
	assert_int_equal(vaccel_resource_init_from_buf(&race_res, "x", 1,
						       VACCEL_RESOURCE_DATA,
						       NULL, true),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&race_res, &race_sess),
			 VACCEL_OK);
	st->unregister_delay_ms = 400;
	pthread_create(&a, NULL, release_session, NULL);
	sleep_ms(100); /* A is in the hook */
	vaccel_resource_release(&race_res);
	pthread_join(a, NULL);
	st->unregister_delay_ms = 0;
	int bad = st->res_released_during_hook;
	vaccel_cleanup();
	if (bad)
		fail_msg("a resource was released while the "
			 "plugin's resource_unregister hook was using it "
			 "(session release in another thread)");
}

/* The other way round: thread B releases R, whose registration with
 * session S is unlinked and then the plugin's resource_unregister(R, S)
 * hook runs (400 ms); meanwhile thread A releases S, which must wait for
 * the hook. (Regression test: vaccel_session_release(S) used to complete
 * under the hook (plugin session_release, which frees the onnx and torch
 * plugins' sess->priv that their hooks use; id = 0, plugin = NULL), and
 * the core read S->plugin after the hook; fixed in 73aa089.) */
static void test_race_session_released_during_hook(void **state)
{
	pthread_t b;

	assert_int_equal(
		tu_bootstrap(TU_PLUGIN_CPU, VACCEL_LOG_ERROR, log_path, false),
		VACCEL_OK);
	struct tp_state *st = tu_plugin_state(TU_PLUGIN_CPU);
	assert_non_null(st);
	assert_int_equal(vaccel_session_init(&race_sess, 0), VACCEL_OK);
	assert_int_equal(vaccel_resource_init_from_buf(&race_res, "x", 1,
						       VACCEL_RESOURCE_DATA,
						       NULL, true),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&race_res, &race_sess),
			 VACCEL_OK);
	st->unregister_delay_ms = 400;
	pthread_create(&b, NULL, release_resource, NULL);
	sleep_ms(100); /* B is in the hook */
	vaccel_session_release(&race_sess);
	pthread_join(b, NULL);
	st->unregister_delay_ms = 0;
	int bad = st->sess_released_during_hook;
	vaccel_cleanup();
	if (bad)
		fail_msg("a session was released while the "
			 "plugin's resource_unregister hook was using it "
			 "(resource release in another thread)");
}

/* The same, with a hook that fails: the core's warning about it must not
 * read a released session (it used to dereference its NULL plugin and
 * crash). In a child, so that a crash is reported. */
static int child_session_released_hook_fails(void *arg)
{
	pthread_t b;

	/* a crash leaves the run directory: put it where teardown looks */
	setenv("VACCEL_RUNDIR", dir, 1);
	if (tu_bootstrap(TU_PLUGIN_CPU, VACCEL_LOG_ERROR, log_path, false))
		return 10;
	struct tp_state *st = tu_plugin_state(TU_PLUGIN_CPU);
	if (!st || vaccel_session_init(&race_sess, 0) ||
	    vaccel_resource_init_from_buf(&race_res, "x", 1,
					  VACCEL_RESOURCE_DATA, NULL, true) ||
	    vaccel_resource_register(&race_res, &race_sess))
		return 11;
	st->unregister_delay_ms = 300;
	st->fail_unregister = VACCEL_EIO;
	pthread_create(&b, NULL, release_resource, NULL);
	sleep_ms(100);
	vaccel_session_release(&race_sess);
	pthread_join(b, NULL);
	vaccel_cleanup();
	return 0;
}

static void test_race_session_released_hook_fails(void **state)
{
	int rc = tu_run_in_child(child_session_released_hook_fails, NULL, 5);
	if (rc == TU_CHILD_SIGNAL)
		fail_msg("the process crashed: after a failing "
			 "resource_unregister hook the core reads the "
			 "released session's plugin");
	assert_int_equal(rc, 0);
}

static int group_setup(void **state)
{
	if (tu_group_setup(state))
		return -1;
	dir = tu_mkdtemp();
	log_path = tu_strf("%s/vaccel.log", dir);
	model_file = tu_strf("%s/model.bin", dir);
	tu_write_file(model_file, "model", 5);
	return dir ? 0 : -1;
}

static int group_teardown(void **state)
{
	vaccel_cleanup();
	tu_rm_rf(dir);
	free(dir);
	free(log_path);
	free(model_file);
	return tu_group_teardown(state);
}

int main(void)
{
	/* e.g. VACCEL_TEST_FILTER=test_stress: one test only */
	const char *filter = getenv("VACCEL_TEST_FILTER");
	if (filter && *filter)
		cmocka_set_test_filter(filter);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress),
		cmocka_unit_test(test_first_register_race),
		cmocka_unit_test(test_race_resource_released_during_hook),
		cmocka_unit_test(test_race_session_released_during_hook),
		cmocka_unit_test(test_race_session_released_hook_fails),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
