// SPDX-License-Identifier: Apache-2.0
/* The public headers from C++17: vaccel.h compiles (the build uses
 * -Wall -Wextra -Werror), the structs have the C layout, and the C API links
 * and runs (extern "C"). Plugins are passed as in the C tests. */

#include <vaccel.h>

#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(std::is_standard_layout<vaccel_session>::value, "layout");
static_assert(std::is_standard_layout<vaccel_resource>::value, "layout");
/* Sizes measured on x86_64 (upstream's reference): other LP64 targets differ
 * (aarch64's pthread_mutex_t is 48 bytes, so struct vaccel_session is too). */
#if defined(__x86_64__)
static_assert(sizeof(vaccel_session) == 4264, "struct vaccel_session");
static_assert(sizeof(vaccel_resource) == 152, "struct vaccel_resource");
static_assert(offsetof(vaccel_resource, refcount) == 136,
	      "vaccel_resource.refcount");
static_assert(sizeof(vaccel_arg) == 32, "vaccel_arg");
static_assert(sizeof(struct vaccel_config) == 32, "vaccel_config");
static_assert(sizeof(vaccel_plugin) == 224, "vaccel_plugin");
#endif
static_assert(VACCEL_OP_OPENCV == 23 && VACCEL_ARG_CUSTOM == 29 &&
		      VACCEL_PLUGIN_REMOTE == 0x4000 && VACCEL_ESESS == 104,
	      "enums");

static int failures;

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			std::fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, \
				     __LINE__, #cond);                        \
			failures++;                                           \
		}                                                             \
	} while (0)

int main()
{
	/* "struct": vaccel_config() is also a function */
	struct vaccel_config cfg;
	CHECK(vaccel_config_init(&cfg, TU_NOOP_PLUGIN, VACCEL_LOG_ERROR,
				 nullptr, false, false) == VACCEL_OK);
	CHECK(vaccel_bootstrap_with_config(&cfg) == VACCEL_OK);
	vaccel_config_release(&cfg);

	static vaccel_session sess;
	if (vaccel_session_init(&sess, VACCEL_PLUGIN_DEBUG) != VACCEL_OK) {
		std::fprintf(stderr, "no session (is %s built?)\n",
			     TU_NOOP_PLUGIN);
		return 1;
	}
	CHECK(std::strcmp(sess.plugin->info->name, "noop") == 0);
	CHECK(vaccel_noop(&sess) == VACCEL_OK);

	static const char bytes[] = "library";
	static vaccel_resource res;
	CHECK(vaccel_resource_init_from_buf(&res, bytes, sizeof(bytes),
					    VACCEL_RESOURCE_LIB, "lib.so",
					    true) == VACCEL_OK);
	CHECK(vaccel_resource_register(&res, &sess) == VACCEL_OK);
	CHECK(vaccel_resource_refcount(&res) == 1);

	vaccel_arg_array read, write;
	int32_t in = 21, out = 0;
	CHECK(vaccel_arg_array_init(&read, 0) == VACCEL_OK);
	CHECK(vaccel_arg_array_init(&write, 0) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_int32(&read, &in) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_int32(&write, &out) == VACCEL_OK);
	CHECK(vaccel_exec_with_resource(&sess, &res, "fn", read.args,
					read.count, write.args,
					write.count) == VACCEL_OK);
	CHECK(out == 21);
	vaccel_arg_array_release(&read);
	vaccel_arg_array_release(&write);

	char lower[32];
	CHECK(std::strcmp(vaccel_op_type_to_lower(VACCEL_OP_IMAGE_DEPTH, lower,
						  sizeof(lower)),
			  "image_depth") == 0);
	vaccel_info("from C++ %d", 17);

	CHECK(vaccel_resource_release(&res) == VACCEL_OK);
	CHECK(vaccel_session_release(&sess) == VACCEL_OK);
	CHECK(vaccel_cleanup() == VACCEL_OK);
	return failures ? 1 : 0;
}
