// SPDX-License-Identifier: Apache-2.0
/* A plugin built against the frozen ABI 1 headers (tests/abi/v1/include, as
 * first released): its descriptor is the size those headers give, however
 * the current struct vaccel_plugin_desc grows. test_plugin_abi.c loads it
 * into the current library and runs its ops. */

#include <stdio.h>
#include <string.h>
#include <vaccel/error.h>
#include <vaccel/plugin.h>

static int calls;

static int old_init(void)
{
	calls = 0;
	return VACCEL_OK;
}

static int old_noop(struct vaccel_session *sess)
{
	(void)sess;
	calls++;
	return VACCEL_OK;
}

static int old_classify(struct vaccel_session *sess, const void *img,
			unsigned char *out_text, unsigned char *out_imgname,
			size_t len_img, size_t len_out_text,
			size_t len_out_imgname)
{
	(void)sess;
	(void)img;
	calls++;
	if (out_text && len_out_text)
		snprintf((char *)out_text, len_out_text,
			 "old plugin: %zu bytes, call %d", len_img, calls);
	if (out_imgname && len_out_imgname)
		snprintf((char *)out_imgname, len_out_imgname, "abi1");
	return VACCEL_OK;
}

static const struct vaccel_plugin_op old_ops[] = {
	VACCEL_PLUGIN_OP(NOOP, old_noop),
	VACCEL_PLUGIN_OP(IMAGE_CLASSIFY, old_classify),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "old-abi1", .version = "1.0",
			 .type = VACCEL_PLUGIN_CPU, .init = old_init,
			 .ops = old_ops,
			 .nr_ops = sizeof(old_ops) / sizeof(old_ops[0]));
