// SPDX-License-Identifier: Apache-2.0
/* Plugin ABI compatibility across versions (docs/plugins.md, "ABI
 * compatibility"): a plugin built against the first released ABI 1 headers
 * loads and runs on this library; a plugin built for a newer library loads
 * if the members this library does not know are zero, and is refused if it
 * sets one. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>
#include <vaccel.h>

static int bootstrap_with(const char *plugin)
{
	struct vaccel_config cfg;
	int ret = vaccel_config_init(&cfg, plugin, VACCEL_LOG_ERROR, NULL,
				     false, false);
	if (ret)
		return ret;
	ret = vaccel_bootstrap_with_config(&cfg);
	vaccel_config_release(&cfg);
	return ret;
}

static void test_old_plugin_loads_and_runs(void **state)
{
	(void)state;
	assert_int_equal(bootstrap_with(ABI_OLD_PLUGIN), VACCEL_OK);
	const char *name = NULL;
	uint64_t mask = 0;
	assert_int_equal(
		vaccel_plugin_get_info(0, &name, NULL, NULL, NULL, &mask),
		VACCEL_OK);
	assert_string_equal(name, "old-abi1");
	assert_true(mask & (UINT64_C(1) << VACCEL_OP_IMAGE_CLASSIFY));

	struct vaccel_session s;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	unsigned char text[64], best[16];
	assert_int_equal(vaccel_image_classification(&s, "12345", text, best, 5,
						     sizeof(text),
						     sizeof(best)),
			 VACCEL_OK);
	assert_string_equal((char *)text, "old plugin: 5 bytes, call 2");
	assert_string_equal((char *)best, "abi1");
	/* ops the old plugin does not have are refused, not called */
	assert_int_equal(vaccel_image_detection(&s, "1", text, 1, sizeof(text)),
			 VACCEL_ENOTSUP);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	assert_int_equal(vaccel_cleanup(), VACCEL_OK);
}

static void test_newer_plugin_unknown_member_zero(void **state)
{
	(void)state;
	assert_int_equal(bootstrap_with(ABI_NEWER_ZERO_PLUGIN), VACCEL_OK);
	struct vaccel_session s;
	assert_int_equal(vaccel_session_init(&s, 0), VACCEL_OK);
	assert_int_equal(vaccel_noop(&s), VACCEL_OK);
	assert_int_equal(vaccel_session_release(&s), VACCEL_OK);
	assert_int_equal(vaccel_cleanup(), VACCEL_OK);
}

static void test_newer_plugin_unknown_member_set(void **state)
{
	(void)state;
	assert_int_equal(bootstrap_with(ABI_NEWER_HOOK_PLUGIN), VACCEL_ELIBBAD);
	vaccel_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_plugin_loads_and_runs),
		cmocka_unit_test(test_newer_plugin_unknown_member_zero),
		cmocka_unit_test(test_newer_plugin_unknown_member_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
