// SPDX-License-Identifier: Apache-2.0
/* The mbench plugin through the public API (VACCEL_PLUGINS = the mbench
 * plugin): the argument contract and the timing contract (a spin of N ms
 * takes at least N ms, busy on the CPU). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <vaccel.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

static struct vaccel_session sess;
static char payload[4096];

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

static double now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* read[0] = `ms` (size bytes of it), read[1] = the payload. */
static int bench(const char *lib, const char *fn, const char *ms, size_t size)
{
	struct vaccel_arg args[2] = {
		{ .buf = (void *)ms, .size = size },
		{ .buf = payload, .size = sizeof(payload) },
	};
	return vaccel_exec(&sess, lib, fn, args, 2, NULL, 0);
}

static int bench_ms(const char *ms)
{
	return bench("mbench", "mbench", ms, strlen(ms) + 1);
}

static void test_selected(void **state)
{
	(void)state;
	assert_string_equal(sess.plugin->info->name, "mbench");
	/* it serves EXEC only */
	assert_int_equal(vaccel_noop(&sess), VACCEL_ENOTSUP);
}

static void test_spin_time(void **state)
{
	(void)state;
	double t0 = now_ms(CLOCK_MONOTONIC_RAW);
	double c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
	assert_int_equal(bench_ms("50"), VACCEL_OK);
	double wall = now_ms(CLOCK_MONOTONIC_RAW) - t0;
	double cpu = now_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
	print_message("50 ms spin: %.3f ms wall, %.3f ms CPU\n", wall, cpu);
	assert_true(wall >= 50.0);
	assert_true(wall < 5000.0);
	/* busy, not asleep (loose: the machine may be loaded) */
	assert_true(cpu >= 5.0);

	t0 = now_ms(CLOCK_MONOTONIC_RAW);
	assert_int_equal(bench_ms("1"), VACCEL_OK);
	assert_true(now_ms(CLOCK_MONOTONIC_RAW) - t0 >= 1.0);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(bench("mbench", "anything", "1", 2), VACCEL_OK);
	assert_int_equal(bench("anything", "mbench", "1", 2), VACCEL_OK);
	assert_int_equal(bench("anything", "else", "1", 2), VACCEL_EINVAL);
	assert_int_equal(bench("mbench2", "mbenc", "1", 2), VACCEL_EINVAL);
}

static void test_times(void **state)
{
	static const char *bad[] = { "0",      "-5",
				     "300001", "abc",
				     "12x",    "",
				     "1.5",    "99999999999999999999999" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bench_ms(bad[i]), VACCEL_EINVAL);
	assert_int_equal(bench_ms(" 2 "), VACCEL_OK);
	/* not NUL-terminated: only `size` bytes are read */
	assert_int_equal(bench("mbench", "mbench", "3XYZ", 1), VACCEL_OK);
	assert_int_equal(bench("mbench", "mbench", "30000000", 2), VACCEL_OK);
	assert_int_equal(bench("mbench", "mbench", NULL, 4), VACCEL_EINVAL);
}

static void test_arg_count(void **state)
{
	struct vaccel_arg one = { .buf = "1", .size = 2 };

	(void)state;
	assert_int_equal(
		vaccel_exec(&sess, "mbench", "mbench", &one, 1, NULL, 0),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_exec(&sess, "mbench", "mbench", NULL, 0, NULL, 0),
		VACCEL_EINVAL);
}

static int thread_failed;

static void *spin_thread(void *p)
{
	(void)p;
	for (int i = 0; i < 5; i++)
		if (bench_ms("2"))
			thread_failed = 1;
	return NULL;
}

/* Calls from several threads (with profiling on, the plugin's region is
 * shared). */
static void test_threads(void **state)
{
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, spin_thread, NULL),
				 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(thread_failed, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, session_up, session_down)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_selected), T(test_spin_time), T(test_names),
		T(test_times),	  T(test_arg_count), T(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
