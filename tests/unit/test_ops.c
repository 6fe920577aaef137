// SPDX-License-Identifier: Apache-2.0
/* The typed op front-ends (api-reference.md §7): for every op, a NULL or
 * uninitialized session (EINVAL), argument checks (EINVAL), for resource
 * ops a NULL resource (EINVAL), a wrong resource type (EINVAL) and an
 * unregistered resource (EPERM), an op the plugin a session is pinned to
 * (by a hint only it matches) does not implement (ENOTSUP, never routed to
 * another plugin; test_route.c has the routed sessions), the plugin's return
 * value passed back unchanged, and the results of the noop plugin. */

#include "op_list.h"
#include "tu.h"
#include <stdlib.h>
#include <string.h>
#include <vaccel.h>

struct ctx {
	char *dir;
	char *log;
	struct vaccel_session noop, few, masked;
	struct vaccel_resource model, lib, data;
	struct vaccel_resource few_model, few_lib;
};

static int setup(void **state)
{
	static struct ctx c;
	if (tu_group_setup(state))
		return -1;
	memset(&c, 0, sizeof(c));
	c.dir = tu_mkdtemp();
	c.log = tu_strf("%s/vaccel.log", c.dir);
	if (tu_bootstrap(TU_NOOP_PLUGIN ":" TU_PLUGIN_CPU ":" TU_PLUGIN_GPU,
			 VACCEL_LOG_ERROR, c.log, false))
		goto fail;
	if (vaccel_session_init(&c.noop, 0) ||
	    vaccel_session_init(&c.few, VACCEL_PLUGIN_CPU) ||
	    vaccel_session_init(&c.masked, VACCEL_PLUGIN_GPU))
		goto fail;
	if (strcmp(c.noop.plugin->info->name, "noop") ||
	    strcmp(c.few.plugin->info->name, "test-cpu") ||
	    strcmp(c.masked.plugin->info->name, "test-gpu"))
		goto fail;
	static const char bytes[] = "model";
	if (vaccel_resource_init_from_buf(&c.model, bytes, sizeof(bytes),
					  VACCEL_RESOURCE_MODEL, "m.onnx",
					  true) ||
	    vaccel_resource_init_from_buf(&c.lib, bytes, sizeof(bytes),
					  VACCEL_RESOURCE_LIB, "l.so", true) ||
	    vaccel_resource_init_from_buf(&c.data, bytes, sizeof(bytes),
					  VACCEL_RESOURCE_DATA, "d", true) ||
	    vaccel_resource_init_from_buf(&c.few_model, bytes, sizeof(bytes),
					  VACCEL_RESOURCE_MODEL, "m", true) ||
	    vaccel_resource_init_from_buf(&c.few_lib, bytes, sizeof(bytes),
					  VACCEL_RESOURCE_LIB, "l", true))
		goto fail;
	if (vaccel_resource_register(&c.model, &c.noop) ||
	    vaccel_resource_register(&c.lib, &c.noop) ||
	    vaccel_resource_register(&c.data, &c.noop) ||
	    vaccel_resource_register(&c.few_model, &c.few) ||
	    vaccel_resource_register(&c.few_lib, &c.few))
		goto fail;
	*state = &c;
	return 0;
fail:
	/* cmocka does not call the teardown of a failed setup */
	print_message("setup failed (is the noop plugin built?)\n");
	vaccel_cleanup();
	tu_rm_rf(c.dir);
	tu_group_teardown(state);
	return -1;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	vaccel_cleanup();
	tu_rm_rf(c->dir);
	free(c->dir);
	free(c->log);
	return tu_group_teardown(state);
}

static struct vaccel_session dead; /* id 0: not initialized */

/* ---- the op list ---- */

/* The API column of the op list: each public function has its op's plugin
 * signature (this table compiles only then). */
#define API_FN(number, OP, name, family, shape, api) [number] = { .OP = api },
static const union vaccel_op_fn api[VACCEL_OP_EXT_MAX] = { VACCEL__OP_LIST(
	API_FN) };

/* The noop plugin serves exactly the ops of the list; a call through the
 * list's NOOP entry is vaccel_noop(). */
static void test_op_list(void **state)
{
	struct ctx *c = *state;
	uint64_t mask = 0;
	const char *name = NULL;
	assert_int_equal(
		vaccel_plugin_get_info(0, &name, NULL, NULL, NULL, &mask),
		VACCEL_OK);
	assert_string_equal(name, "noop");
	assert_true(mask == VACCEL__OPS_ALL);
	for (int op = 0; op < VACCEL_OP_EXT_MAX; op++)
		assert_int_equal(api[op].NOOP != NULL, vaccel__op_valid(op));
	assert_int_equal(api[VACCEL_OP_NOOP].NOOP(&c->noop), VACCEL_OK);
	assert_int_equal(api[VACCEL_OP_NOOP].NOOP(&dead), VACCEL_EINVAL);
}

/* ---- noop, exec ---- */

static void test_noop(void **state)
{
	struct ctx *c = *state;
	assert_int_equal(vaccel_noop(&c->noop), VACCEL_OK);
	assert_int_equal(vaccel_noop(&c->few), VACCEL_OK);
	assert_int_equal(vaccel_noop(NULL), VACCEL_EINVAL);
	assert_int_equal(vaccel_noop(&dead), VACCEL_EINVAL);
}

static void test_exec(void **state)
{
	struct ctx *c = *state;
	int32_t in = 10, out = 0;
	struct vaccel_arg r[1], w[1];
	vaccel_arg_init_from_buf(&r[0], &in, sizeof(in), VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&w[0], &out, sizeof(out), VACCEL_ARG_INT32, 0);

	/* noop echoes the input (the upstream examples print "output: 10") */
	assert_int_equal(vaccel_exec(&c->noop, "libmytestlib.so", "mytestfunc",
				     r, 1, w, 1),
			 VACCEL_OK);
	assert_int_equal(out, 10);
	/* no args at all */
	assert_int_equal(
		vaccel_exec(&c->noop, "lib.so", "fn", NULL, 0, NULL, 0),
		VACCEL_OK);

	assert_int_equal(vaccel_exec(NULL, "lib", "fn", r, 1, w, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_exec(&dead, "lib", "fn", r, 1, w, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_exec(&c->noop, NULL, "fn", r, 1, w, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_exec(&c->noop, "", "fn", r, 1, w, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_exec(&c->noop, "lib", NULL, r, 1, w, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_exec(&c->noop, "lib", "", r, 1, w, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_exec(&c->noop, "lib", "fn", NULL, 1, w, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_exec(&c->noop, "lib", "fn", r, 1, NULL, 1),
			 VACCEL_EINVAL);
}

/* The plugin's return value is passed back unchanged (test-cpu returns the
 * int of read[0]). */
static void test_plugin_return_value(void **state)
{
	struct ctx *c = *state;
	static const int codes[] = { VACCEL_OK, VACCEL_EBACKEND, VACCEL_ENOEXEC,
				     1234, -7 };
	struct vaccel_arg r[1];

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		int v = codes[i];
		vaccel_arg_init_from_buf(&r[0], &v, sizeof(v), VACCEL_ARG_INT32,
					 0);
		assert_int_equal(
			vaccel_exec(&c->few, "lib", "fn", r, 1, NULL, 0),
			codes[i]);
	}
}

static void test_exec_with_resource(void **state)
{
	struct ctx *c = *state;
	int32_t in = 7, out = 0;
	struct vaccel_arg r[1], w[1];
	vaccel_arg_init_from_buf(&r[0], &in, sizeof(in), VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&w[0], &out, sizeof(out), VACCEL_ARG_INT32, 0);
	static struct vaccel_resource unreg;
	assert_int_equal(vaccel_resource_init_from_buf(&unreg, "x", 1,
						       VACCEL_RESOURCE_LIB,
						       NULL, true),
			 VACCEL_OK);

	assert_int_equal(
		vaccel_exec_with_resource(&c->noop, &c->lib, "fn", r, 1, w, 1),
		VACCEL_OK);
	assert_int_equal(out, 7);
	assert_int_equal(vaccel_exec_with_resource(&c->few, &c->few_lib, "fn",
						   r, 1, w, 1),
			 VACCEL_OK);

	assert_int_equal(
		vaccel_exec_with_resource(NULL, &c->lib, "fn", r, 1, w, 1),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_exec_with_resource(&dead, &c->lib, "fn", r, 1, w, 1),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_exec_with_resource(&c->noop, NULL, "fn", r, 1, w, 1),
		VACCEL_EINVAL);
	/* a LIB resource is needed */
	assert_int_equal(vaccel_exec_with_resource(&c->noop, &c->model, "fn", r,
						   1, w, 1),
			 VACCEL_EINVAL);
	/* registered with another session only */
	assert_int_equal(vaccel_exec_with_resource(&c->noop, &c->few_lib, "fn",
						   r, 1, w, 1),
			 VACCEL_EPERM);
	assert_int_equal(
		vaccel_exec_with_resource(&c->noop, &unreg, "fn", r, 1, w, 1),
		VACCEL_EPERM);
	assert_int_equal(
		vaccel_exec_with_resource(&c->noop, &c->lib, NULL, r, 1, w, 1),
		VACCEL_EINVAL);
	assert_int_equal(vaccel_exec_with_resource(&c->noop, &c->lib, "fn",
						   NULL, 1, w, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_exec_with_resource(&c->noop, &c->lib, "fn", r,
						   1, NULL, 1),
			 VACCEL_EINVAL);
	vaccel_resource_release(&unreg);
}

/* ---- image ---- */

static void test_image(void **state)
{
	struct ctx *c = *state;
	unsigned char img[16] = { 0xff, 0xd8 };
	unsigned char text[64], name[64];

	memset(text, 0, sizeof(text));
	memset(name, 0, sizeof(name));
	assert_int_equal(vaccel_image_classification(&c->noop, img, text, name,
						     sizeof(img), sizeof(text),
						     sizeof(name)),
			 VACCEL_OK);
	assert_string_equal((char *)text,
			    "This is a dummy classification tag!");
	assert_string_equal((char *)name, "This is a dummy imgname!");
	/* no text wanted */
	memset(name, 0, sizeof(name));
	assert_int_equal(vaccel_image_classification(&c->noop, img, NULL, name,
						     sizeof(img), 0,
						     sizeof(name)),
			 VACCEL_OK);
	assert_string_equal((char *)name, "This is a dummy imgname!");
	/* outputs are truncated to their lengths */
	memset(name, 'z', sizeof(name));
	assert_int_equal(vaccel_image_classification(&c->noop, img, NULL, name,
						     sizeof(img), 0, 5),
			 VACCEL_OK);
	assert_string_equal((char *)name, "This");
	assert_int_equal(name[5], 'z');

	int (*const fns[])(
		struct vaccel_session *, const void *, unsigned char *, size_t,
		size_t) = { vaccel_image_detection, vaccel_image_segmentation,
			    vaccel_image_pose, vaccel_image_depth };
	for (size_t i = 0; i < 4; i++) {
		memset(name, 0, sizeof(name));
		assert_int_equal(
			fns[i](&c->noop, img, name, sizeof(img), sizeof(name)),
			VACCEL_OK);
		assert_string_equal((char *)name, "This is a dummy imgname!");
		assert_int_equal(
			fns[i](NULL, img, name, sizeof(img), sizeof(name)),
			VACCEL_EINVAL);
		assert_int_equal(
			fns[i](&dead, img, name, sizeof(img), sizeof(name)),
			VACCEL_EINVAL);
		assert_int_equal(
			fns[i](&c->noop, NULL, name, sizeof(img), sizeof(name)),
			VACCEL_EINVAL);
		assert_int_equal(fns[i](&c->noop, img, name, 0, sizeof(name)),
				 VACCEL_EINVAL);
		assert_int_equal(
			fns[i](&c->noop, img, NULL, sizeof(img), sizeof(name)),
			VACCEL_EINVAL);
		/* not implemented by the session's plugin */
		assert_int_equal(
			fns[i](&c->few, img, name, sizeof(img), sizeof(name)),
			VACCEL_ENOTSUP);
	}
	assert_int_equal(vaccel_image_classification(NULL, img, text, name,
						     sizeof(img), sizeof(text),
						     sizeof(name)),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_image_classification(&c->noop, NULL, text, name,
						     sizeof(img), sizeof(text),
						     sizeof(name)),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_image_classification(&c->noop, img, text, NULL,
						     sizeof(img), sizeof(text),
						     sizeof(name)),
			 VACCEL_EINVAL);
	/* pinned by its CPU hint: never routed to another plugin that has
	 * it (noop is loaded) */
	assert_int_equal(vaccel_image_classification(&c->few, img, text, name,
						     sizeof(img), sizeof(text),
						     sizeof(name)),
			 VACCEL_ENOTSUP);
	/* in the plugin's table but not in its ops_mask() */
	assert_int_equal(vaccel_image_classification(
				 &c->masked, img, text, name, sizeof(img),
				 sizeof(text), sizeof(name)),
			 VACCEL_ENOTSUP);
}

/* ---- model ops: the resource checks, shared by all ---- */

struct model_op {
	const char *name;
	int (*call)(struct vaccel_session *s, struct vaccel_resource *r);
};

static int call_tf_load(struct vaccel_session *s, struct vaccel_resource *r)
{
	struct vaccel_tf_status st = { 0 };
	int ret = vaccel_tf_model_load(s, r, &st);
	vaccel_tf_status_release(&st);
	return ret;
}

static int call_tf_unload(struct vaccel_session *s, struct vaccel_resource *r)
{
	struct vaccel_tf_status st = { 0 };
	int ret = vaccel_tf_model_unload(s, r, &st);
	vaccel_tf_status_release(&st);
	return ret;
}

static int call_tf_run(struct vaccel_session *s, struct vaccel_resource *r)
{
	struct vaccel_tf_status st = { 0 };
	int ret = vaccel_tf_model_run(s, r, NULL, NULL, NULL, 0, NULL, NULL, 0,
				      &st);
	vaccel_tf_status_release(&st);
	return ret;
}

static int call_tflite_load(struct vaccel_session *s, struct vaccel_resource *r)
{
	return vaccel_tflite_model_load(s, r);
}

static int call_tflite_unload(struct vaccel_session *s,
			      struct vaccel_resource *r)
{
	return vaccel_tflite_model_unload(s, r);
}

static int call_tflite_run(struct vaccel_session *s, struct vaccel_resource *r)
{
	uint8_t st;
	return vaccel_tflite_model_run(s, r, NULL, 0, NULL, 0, &st);
}

static int call_torch_load(struct vaccel_session *s, struct vaccel_resource *r)
{
	return vaccel_torch_model_load(s, r);
}

static int call_torch_run(struct vaccel_session *s, struct vaccel_resource *r)
{
	return vaccel_torch_model_run(s, r, NULL, NULL, 0, NULL, 0);
}

static int call_onnx_load(struct vaccel_session *s, struct vaccel_resource *r)
{
	return vaccel_onnx_model_load(s, r);
}

static int call_onnx_unload(struct vaccel_session *s, struct vaccel_resource *r)
{
	return vaccel_onnx_model_unload(s, r);
}

static int call_onnx_run(struct vaccel_session *s, struct vaccel_resource *r)
{
	return vaccel_onnx_model_run(s, r, NULL, 0, NULL, 0);
}

static const struct model_op model_ops[] = {
	{ "tf_model_load", call_tf_load },
	{ "tf_model_unload", call_tf_unload },
	{ "tf_model_run", call_tf_run },
	{ "tflite_model_load", call_tflite_load },
	{ "tflite_model_unload", call_tflite_unload },
	{ "tflite_model_run", call_tflite_run },
	{ "torch_model_load", call_torch_load },
	{ "torch_model_run", call_torch_run },
	{ "onnx_model_load", call_onnx_load },
	{ "onnx_model_unload", call_onnx_unload },
	{ "onnx_model_run", call_onnx_run },
};

static void test_model_op_checks(void **state)
{
	struct ctx *c = *state;
	static struct vaccel_resource unreg;
	assert_int_equal(vaccel_resource_init_from_buf(&unreg, "x", 1,
						       VACCEL_RESOURCE_MODEL,
						       NULL, true),
			 VACCEL_OK);

	for (size_t i = 0; i < sizeof(model_ops) / sizeof(model_ops[0]); i++) {
		const struct model_op *op = &model_ops[i];
#define EXPECT(call, code)                                                \
	do {                                                              \
		int r_ = (call);                                          \
		if (r_ != (code))                                         \
			fail_msg("%s: %s gave %d, expected %d", op->name, \
				 #call, r_, (code));                      \
	} while (0)
		EXPECT(op->call(&c->noop, &c->model), VACCEL_OK);
		EXPECT(op->call(NULL, &c->model), VACCEL_EINVAL);
		EXPECT(op->call(&dead, &c->model), VACCEL_EINVAL);
		EXPECT(op->call(&c->noop, NULL), VACCEL_EINVAL);
		/* a MODEL resource is needed */
		EXPECT(op->call(&c->noop, &c->lib), VACCEL_EINVAL);
		EXPECT(op->call(&c->noop, &c->data), VACCEL_EINVAL);
		/* not registered with this session */
		EXPECT(op->call(&c->noop, &unreg), VACCEL_EPERM);
		EXPECT(op->call(&c->noop, &c->few_model), VACCEL_EPERM);
		/* registered, but the plugin lacks the op */
		EXPECT(op->call(&c->few, &c->few_model), VACCEL_ENOTSUP);
#undef EXPECT
	}
	vaccel_resource_release(&unreg);
}

/* ---- model ops: noop's results ---- */

static void test_tf(void **state)
{
	struct ctx *c = *state;
	struct vaccel_tf_status st = { 0 };
	struct vaccel_tf_node in_node, out_node;
	struct vaccel_tf_tensor *in, *out = NULL;
	int64_t dims[4] = { 1, 2, 2, 3 };
	float data[12];
	for (int i = 0; i < 12; i++)
		data[i] = (float)i;

	assert_int_equal(vaccel_tf_model_load(&c->noop, &c->model, &st),
			 VACCEL_OK);
	assert_int_equal(st.code, 0);
	assert_string_equal(st.message, "Operation handled by noop plugin");
	vaccel_tf_status_release(&st);

	assert_int_equal(
		vaccel_tf_node_init(&in_node, "serving_default_data", 0),
		VACCEL_OK);
	assert_int_equal(vaccel_tf_node_init(&out_node, "PartitionedCall", 0),
			 VACCEL_OK);
	assert_int_equal(vaccel_tf_tensor_new(&in, 4, dims, VACCEL_TF_FLOAT),
			 VACCEL_OK);
	assert_int_equal(vaccel_tf_tensor_set_data(in, data, sizeof(data)),
			 VACCEL_OK);
	assert_int_equal(vaccel_tf_model_run(&c->noop, &c->model, NULL,
					     &in_node, &in, 1, &out_node, &out,
					     1, &st),
			 VACCEL_OK);
	assert_string_equal(st.message, "Operation handled by noop plugin");
	vaccel_tf_status_release(&st);
	assert_non_null(out);
	assert_int_equal(out->data_type, VACCEL_TF_FLOAT);
	assert_int_equal(out->nr_dims, 4);
	assert_memory_equal(out->dims, dims, sizeof(dims));
	assert_int_equal(out->size, sizeof(data));
	assert_memory_equal(out->data, data, sizeof(data));
	assert_true(out->owned);
	assert_int_equal(vaccel_tf_tensor_delete(out), VACCEL_OK);

	/* argument checks */
	assert_int_equal(vaccel_tf_model_run(&c->noop, &c->model, NULL, NULL,
					     &in, 1, &out_node, &out, 1, &st),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_model_run(&c->noop, &c->model, NULL,
					     &in_node, NULL, 1, &out_node, &out,
					     1, &st),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_model_run(&c->noop, &c->model, NULL,
					     &in_node, &in, 1, NULL, &out, 1,
					     &st),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_model_run(&c->noop, &c->model, NULL,
					     &in_node, &in, -1, &out_node, &out,
					     1, &st),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_tf_model_run(&c->noop, &c->model, NULL,
					     &in_node, &in, 1, &out_node, &out,
					     -1, &st),
			 VACCEL_EINVAL);

	assert_int_equal(vaccel_tf_model_unload(&c->noop, &c->model, &st),
			 VACCEL_OK);
	assert_string_equal(st.message, "Operation handled by noop plugin");
	vaccel_tf_status_release(&st);
	vaccel_tf_tensor_delete(in);
	vaccel_tf_node_release(&in_node);
	vaccel_tf_node_release(&out_node);
}

static void test_tflite(void **state)
{
	struct ctx *c = *state;
	struct vaccel_tflite_tensor *in, *out = NULL;
	int32_t dims[2] = { 2, 3 };
	int32_t data[6] = { 1, 2, 3, 4, 5, 6 };
	uint8_t st = 99;

	assert_int_equal(vaccel_tflite_model_load(&c->noop, &c->model),
			 VACCEL_OK);
	assert_int_equal(
		vaccel_tflite_tensor_new(&in, 2, dims, VACCEL_TFLITE_INT32),
		VACCEL_OK);
	vaccel_tflite_tensor_set_data(in, data, sizeof(data));
	assert_int_equal(vaccel_tflite_model_run(&c->noop, &c->model, &in, 1,
						 &out, 1, &st),
			 VACCEL_OK);
	assert_int_equal(st, 0);
	assert_int_equal(out->data_type, VACCEL_TFLITE_INT32);
	assert_int_equal(out->nr_dims, 2);
	assert_memory_equal(out->dims, dims, sizeof(dims));
	assert_memory_equal(out->data, data, sizeof(data));
	vaccel_tflite_tensor_delete(out);
	assert_int_equal(vaccel_tflite_model_run(&c->noop, &c->model, NULL, 1,
						 &out, 1, &st),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_tflite_model_run(&c->noop, &c->model, &in, 1,
						 NULL, 1, &st),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_tflite_model_run(&c->noop, &c->model, &in, -2,
						 &out, 1, &st),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_tflite_model_unload(&c->noop, &c->model),
			 VACCEL_OK);
	vaccel_tflite_tensor_delete(in);
}

static void test_torch(void **state)
{
	struct ctx *c = *state;
	struct vaccel_torch_tensor *in, *out = NULL;
	int64_t dims[3] = { 1, 2, 2 };
	float data[4] = { 1, 2, 3, 4 };

	assert_int_equal(vaccel_torch_model_load(&c->noop, &c->model),
			 VACCEL_OK);
	assert_int_equal(
		vaccel_torch_tensor_new(&in, 3, dims, VACCEL_TORCH_FLOAT),
		VACCEL_OK);
	vaccel_torch_tensor_set_data(in, data, sizeof(data));
	assert_int_equal(vaccel_torch_model_run(&c->noop, &c->model, NULL, &in,
						1, &out, 1),
			 VACCEL_OK);
	assert_int_equal(out->data_type, VACCEL_TORCH_FLOAT);
	assert_int_equal(out->nr_dims, 3);
	assert_memory_equal(out->data, data, sizeof(data));
	vaccel_torch_tensor_delete(out);
	assert_int_equal(vaccel_torch_model_run(&c->noop, &c->model, NULL, NULL,
						1, &out, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_torch_model_run(&c->noop, &c->model, NULL, &in,
						1, NULL, 1),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_torch_model_run(&c->noop, &c->model, NULL, &in,
						-1, &out, 1),
			 VACCEL_EINVAL);

	/* torch_sgemm: no resource */
	struct vaccel_torch_tensor *a = in, *b = in, *r = NULL;
	assert_int_equal(
		vaccel_torch_sgemm(&c->noop, &a, &b, NULL, 2, 2, 2, &r),
		VACCEL_OK);
	assert_int_equal(
		vaccel_torch_sgemm(&c->noop, NULL, &b, NULL, 2, 2, 2, &r),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_torch_sgemm(&c->noop, &a, &b, NULL, 2, 2, 2, NULL),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_torch_sgemm(&c->noop, &a, &b, NULL, -1, 2, 2, &r),
		VACCEL_EINVAL);
	assert_int_equal(vaccel_torch_sgemm(NULL, &a, &b, NULL, 2, 2, 2, &r),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_torch_sgemm(&c->few, &a, &b, NULL, 2, 2, 2, &r),
			 VACCEL_ENOTSUP);
	vaccel_torch_tensor_delete(in);
}

static void test_onnx(void **state)
{
	struct ctx *c = *state;
	struct vaccel_onnx_tensor *in, *out[2] = { NULL, NULL };
	int64_t dims[2] = { 2, 2 };
	double data[4] = { 1.5, 2.5, 3.5, 4.5 };

	assert_int_equal(vaccel_onnx_model_load(&c->noop, &c->model),
			 VACCEL_OK);
	assert_int_equal(
		vaccel_onnx_tensor_new(&in, 2, dims, VACCEL_ONNX_DOUBLE),
		VACCEL_OK);
	vaccel_onnx_tensor_set_data(in, data, sizeof(data));
	/* two outputs: noop copies the (last) input into each */
	assert_int_equal(
		vaccel_onnx_model_run(&c->noop, &c->model, &in, 1, out, 2),
		VACCEL_OK);
	for (int i = 0; i < 2; i++) {
		assert_non_null(out[i]);
		assert_int_equal(out[i]->data_type, VACCEL_ONNX_DOUBLE);
		assert_memory_equal(out[i]->data, data, sizeof(data));
		vaccel_onnx_tensor_delete(out[i]);
	}
	struct vaccel_onnx_tensor *nulls[1] = { NULL };
	assert_int_equal(
		vaccel_onnx_model_run(&c->noop, &c->model, nulls, 1, out, 1),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_onnx_model_run(&c->noop, &c->model, NULL, 1, out, 1),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_onnx_model_run(&c->noop, &c->model, &in, 1, NULL, 1),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_onnx_model_run(&c->noop, &c->model, &in, -1, out, 1),
		VACCEL_EINVAL);
	assert_int_equal(vaccel_onnx_model_unload(&c->noop, &c->model),
			 VACCEL_OK);
	vaccel_onnx_tensor_delete(in);
}

/* ---- blas, fpga, minmax, opencv ---- */

static void test_sgemm(void **state)
{
	struct ctx *c = *state;
	float a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 }, r[4] = { 0 };

	assert_int_equal(
		vaccel_sgemm(&c->noop, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, r, 2),
		VACCEL_OK);
	assert_int_equal(
		vaccel_sgemm(&c->noop, -1, 2, 2, 1.0f, a, 2, b, 2, 0.0f, r, 2),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_sgemm(&c->noop, 2, 2, -2, 1.0f, a, 2, b, 2, 0.0f, r, 2),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_sgemm(NULL, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, r, 2),
		VACCEL_EINVAL);
	assert_int_equal(
		vaccel_sgemm(&c->few, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, r, 2),
		VACCEL_ENOTSUP);
}

static void test_fpga(void **state)
{
	struct ctx *c = *state;
	int ia[4] = { 1, 2, 3, 4 }, io[4] = { 0 };
	float a[4] = { 1, 2, 3, 4 }, b[4] = { 10, 20, 30, 40 };
	float o1[4] = { 0 }, o2[4] = { 0 };

	assert_int_equal(vaccel_fpga_arraycopy(&c->noop, ia, io, 4), VACCEL_OK);
	assert_memory_equal(io, ia, sizeof(ia));
	assert_int_equal(vaccel_fpga_vadd(&c->noop, a, b, o1, 4, 4), VACCEL_OK);
	for (int i = 0; i < 4; i++)
		assert_true(o1[i] == a[i] + b[i]);
	assert_int_equal(vaccel_fpga_parallel(&c->noop, a, b, o1, o2, 4),
			 VACCEL_OK);
	for (int i = 0; i < 4; i++) {
		assert_true(o1[i] == a[i] + b[i]);
		assert_true(o2[i] == 1.0f);
	}
	assert_int_equal(vaccel_fpga_mmult(&c->noop, a, b, o1, 4), VACCEL_OK);
	for (int i = 0; i < 4; i++)
		assert_true(o1[i] == 9.1f);
	/* empty is fine */
	assert_int_equal(vaccel_fpga_arraycopy(&c->noop, NULL, NULL, 0),
			 VACCEL_OK);

	assert_int_equal(vaccel_fpga_arraycopy(&c->noop, NULL, io, 4),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_arraycopy(&c->noop, ia, NULL, 4),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_mmult(&c->noop, a, NULL, o1, 4),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_parallel(&c->noop, a, b, o1, NULL, 4),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_vadd(&c->noop, a, b, NULL, 4, 4),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_arraycopy(NULL, ia, io, 4), VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_mmult(NULL, a, b, o1, 4), VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_parallel(NULL, a, b, o1, o2, 4),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_vadd(NULL, a, b, o1, 4, 4), VACCEL_EINVAL);
	assert_int_equal(vaccel_fpga_arraycopy(&c->few, ia, io, 4),
			 VACCEL_ENOTSUP);
	assert_int_equal(vaccel_fpga_mmult(&c->few, a, b, o1, 4),
			 VACCEL_ENOTSUP);
	assert_int_equal(vaccel_fpga_parallel(&c->few, a, b, o1, o2, 4),
			 VACCEL_ENOTSUP);
	assert_int_equal(vaccel_fpga_vadd(&c->few, a, b, o1, 4, 4),
			 VACCEL_ENOTSUP);
}

static void test_minmax(void **state)
{
	struct ctx *c = *state;
	double in[3] = { 3, 1, 2 }, out[3] = { 0 }, mn = 0, mx = 0;

	assert_int_equal(vaccel_minmax(&c->noop, in, 3, 0, 10, out, &mn, &mx),
			 VACCEL_OK);
	assert_memory_equal(out, in, sizeof(in));
	assert_true(mn == -1.0);
	assert_true(mx == 10000.0);
	assert_int_equal(vaccel_minmax(&c->noop, in, -1, 0, 10, out, &mn, &mx),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(&c->noop, NULL, 3, 0, 10, out, &mn, &mx),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(&c->noop, in, 3, 0, 10, out, NULL, &mx),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(&c->noop, in, 3, 0, 10, out, &mn, NULL),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(NULL, in, 3, 0, 10, out, &mn, &mx),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_minmax(&c->few, in, 3, 0, 10, out, &mn, &mx),
			 VACCEL_ENOTSUP);
}

static void test_opencv(void **state)
{
	struct ctx *c = *state;
	size_t w0 = 0, w1[4] = { 0 };
	struct vaccel_arg r[1], w[2];
	int in = 1;
	vaccel_arg_init_from_buf(&r[0], &in, sizeof(in), VACCEL_ARG_RAW, 0);
	vaccel_arg_init_from_buf(&w[0], &w0, sizeof(w0), VACCEL_ARG_RAW, 0);
	vaccel_arg_init_from_buf(&w[1], w1, sizeof(w1), VACCEL_ARG_RAW, 0);

	/* noop writes size/sizeof(float) into each write buffer */
	assert_int_equal(vaccel_opencv(&c->noop, r, 1, w, 2), VACCEL_OK);
	assert_int_equal(w0, sizeof(w0) / sizeof(float));
	assert_int_equal(w1[0], 4 * sizeof(size_t) / sizeof(float));
	w0 = 0;
	assert_int_equal(vaccel_opencv_unpack(&c->noop, r, 1, w, 1), VACCEL_OK);
	assert_int_equal(w0, sizeof(w0) / sizeof(float));
	assert_int_equal(vaccel_opencv(&c->noop, NULL, 1, w, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_opencv(&c->noop, r, -1, w, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_opencv(&c->noop, r, 1, w, -1), VACCEL_EINVAL);
	assert_int_equal(vaccel_opencv(NULL, r, 1, w, 1), VACCEL_EINVAL);
	assert_int_equal(vaccel_opencv(&c->few, r, 1, w, 1), VACCEL_ENOTSUP);
}

/* The message of an unimplemented op names the plugin and the op. */
static void test_enotsup_message(void **state)
{
	struct ctx *c = *state;
	double in[1] = { 0 }, out[1], mn, mx;

	assert_int_equal(vaccel_minmax(&c->few, in, 1, 0, 1, out, &mn, &mx),
			 VACCEL_ENOTSUP);
	char *text = tu_read_file(c->log, NULL);
	assert_non_null(strstr(text, "<error> Could not return func, plugin "
				     "test-cpu does not implement MINMAX\n"));
	free(text);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_op_list),
		T(test_noop),
		T(test_exec),
		T(test_plugin_return_value),
		T(test_exec_with_resource),
		T(test_image),
		T(test_model_op_checks),
		T(test_tf),
		T(test_tflite),
		T(test_torch),
		T(test_onnx),
		T(test_sgemm),
		T(test_fpga),
		T(test_minmax),
		T(test_opencv),
		T(test_enotsup_message),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
