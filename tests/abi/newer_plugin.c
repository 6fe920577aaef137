// SPDX-License-Identifier: Apache-2.0
/* A plugin as a newer library's headers would build it: its descriptor has
 * a member past the current struct vaccel_plugin_desc (a hook this library
 * does not know). Built twice: FUTURE_HOOK=0 leaves it NULL (the loader
 * accepts the plugin), FUTURE_HOOK=1 sets it (the loader refuses it, since it
 * would never call the hook). docs/plugins.md, "ABI compatibility". */

#include <vaccel/error.h>
#include <vaccel/plugin.h>

struct newer_desc {
	struct vaccel_plugin_desc base;
	int (*future_hook)(struct vaccel_session *sess);
};

static int newer_noop(struct vaccel_session *sess)
{
	(void)sess;
	return VACCEL_OK;
}

#if FUTURE_HOOK
static int newer_hook(struct vaccel_session *sess)
{
	(void)sess;
	return VACCEL_OK;
}
#endif

static const struct vaccel_plugin_op newer_ops[] = {
	VACCEL_PLUGIN_OP(NOOP, newer_noop),
};

/* exported as vaccel_plugin_desc, under another C name: the current
 * header declares that name with the current (smaller) struct */
__attribute__((visibility("default"))) extern const struct newer_desc
	newer_desc __asm__("vaccel_plugin_desc");
const struct newer_desc newer_desc = {
	.base = { .abi_version = VACCEL_PLUGIN_ABI_VERSION,
		  .desc_size = sizeof(struct newer_desc),
		  .name = "newer",
		  .version = "2.0",
		  .type = VACCEL_PLUGIN_CPU,
		  .ops = newer_ops,
		  .nr_ops = 1 },
#if FUTURE_HOOK
	.future_hook = newer_hook,
#endif
};
