// SPDX-License-Identifier: Apache-2.0
/* The onnx plugin: the five image ops on described models (image_ops.c),
 * and generic ONNX model load/run/unload (model_ops.c); per-session state in
 * session.c (docs/plugins/onnx.md). This file: its load and descriptor. */
#include "onnx.h"

static int onnx_init(void)
{
	struct ort_config oc;
	int ret = onnx_config_load();

	onnx_sess_owner(&vaccel_plugin_desc);
	if (ret)
		return ret;
	oc.library = onnx_cfg.library;
	oc.threads = onnx_cfg.threads;
	ret = ort_runtime_init(&oc);
	if (ret)
		onnx_config_release();
	return ret;
}

static int onnx_fini(void)
{
	onnx_defaults_release();
	ort_runtime_fini();
	onnx_config_release();
	return VACCEL_OK;
}

static const struct vaccel_plugin_op onnx_ops[] = {
	VACCEL_PLUGIN_OP(IMAGE_CLASSIFY, onnx_op_classify),
	VACCEL_PLUGIN_OP(IMAGE_DETECT, onnx_op_detect),
	VACCEL_PLUGIN_OP(IMAGE_SEGMENT, onnx_op_segment),
	VACCEL_PLUGIN_OP(IMAGE_POSE, onnx_op_pose),
	VACCEL_PLUGIN_OP(IMAGE_DEPTH, onnx_op_depth),
	VACCEL_PLUGIN_OP(ONNX_MODEL_LOAD, onnx_op_load),
	VACCEL_PLUGIN_OP(ONNX_MODEL_RUN, onnx_op_run),
	VACCEL_PLUGIN_OP(ONNX_MODEL_UNLOAD, onnx_op_unload),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "onnx", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_CPU | VACCEL_PLUGIN_GENERIC,
			 .init = onnx_init, .fini = onnx_fini,
			 .session_init = onnx_sess_init,
			 .session_release = onnx_sess_release,
			 .resource_unregister = onnx_res_unregister,
			 .ops = onnx_ops,
			 .nr_ops = sizeof(onnx_ops) / sizeof(onnx_ops[0]));
