// SPDX-License-Identifier: Apache-2.0
/* tf_inference <image_file> <model_dir> <labels_file> [iterations]
 * TensorFlow-style inference with vaccel_tf_model_load/run/unload: the
 * image as a 1x224x224x3 float tensor (HWC) into node
 * "serving_default_data", the result from node "PartitionedCall", then
 * "Prediction: <label>" for its top class. */
#include "common/file.h"
#include "common/inference_helpers.h"

#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>

struct run {
	struct vaccel_session sess;
	struct vaccel_resource model;
	struct vaccel_tf_status status;
	struct vaccel_prof_region load, exec, unload;
	const char *image, *labels;
	int iter;
};

static void print_status(const char *what, const struct vaccel_tf_status *s)
{
	printf("Session %s status => code:%" PRIu8 " message:%s\n", what,
	       s->code, s->message ? s->message : "");
}

static int run_once(struct run *r, struct vaccel_tf_tensor *in)
{
	char in_name[] = "serving_default_data", out_name[] = "PartitionedCall";
	struct vaccel_tf_node in_node = { in_name, 0 };
	struct vaccel_tf_node out_node = { out_name, 0 };
	struct vaccel_tf_tensor *out = NULL;

	vaccel_tf_status_release(&r->status);
	vaccel_prof_region_start(&r->exec);
	int ret = vaccel_tf_model_run(&r->sess, &r->model, NULL, &in_node, &in,
				      1, &out_node, &out, 1, &r->status);
	vaccel_prof_region_stop(&r->exec);
	print_status("run", &r->status);
	if (ret || !out) {
		fprintf(stderr, "Could not run op: %d\n", ret);
		return ret ? ret : VACCEL_EBACKEND;
	}
	printf("Success!\n");
	printf("Output tensor => type:%u nr_dims:%d size:%zuB\n",
	       (unsigned int)out->data_type, out->nr_dims, out->size);
	ret = inference_process_result(out->data, out->size, r->labels);
	if (ret)
		fprintf(stderr, "Could not process result\n");
	if (vaccel_tf_tensor_delete(out))
		fprintf(stderr, "Could not delete output tensor\n");
	return ret;
}

static int run_model(struct run *r)
{
	int64_t dims[] = { 1, INFERENCE_IMAGE_HEIGHT, INFERENCE_IMAGE_WIDTH,
			   INFERENCE_IMAGE_CHANNELS };
	struct vaccel_tf_tensor *in;
	float *data;
	size_t size;

	int ret = vaccel_tf_tensor_new(&in, 4, dims, VACCEL_TF_FLOAT);
	if (ret) {
		fprintf(stderr, "Could not create input tensor\n");
		return ret;
	}
	ret = inference_load_and_preprocess_image(
		r->image, INFERENCE_IMAGE_FORMAT_TF, &data, &size);
	if (ret) {
		fprintf(stderr, "Could not load and preprocess image\n");
	} else {
		in->data = data; /* the tensor owns it now */
		in->size = size;
		in->owned = true;
	}
	for (int i = 0; !ret && i < r->iter; i++)
		ret = run_once(r, in);
	if (vaccel_tf_tensor_delete(in))
		fprintf(stderr, "Could not delete input tensor\n");
	return ret;
}

static int with_model(struct run *r)
{
	vaccel_prof_region_start(&r->load);
	int ret = vaccel_tf_model_load(&r->sess, &r->model, &r->status);
	vaccel_prof_region_stop(&r->load);
	print_status("load", &r->status);
	if (ret) {
		fprintf(stderr, "Could not load graph from model\n");
		return ret;
	}
	ret = run_model(r);

	vaccel_tf_status_release(&r->status);
	vaccel_prof_region_start(&r->unload);
	int ret2 = vaccel_tf_model_unload(&r->sess, &r->model, &r->status);
	vaccel_prof_region_stop(&r->unload);
	if (ret2)
		fprintf(stderr, "Could not delete tf session\n");
	print_status("delete", &r->status);
	vaccel_tf_status_release(&r->status);
	return ret ? ret : ret2;
}

static int with_session(struct run *r)
{
	int ret = vaccel_session_init(&r->sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize vAccel session\n");
		return ret;
	}
	printf("Initialized vAccel session %" PRId64 "\n", r->sess.id);

	ret = vaccel_resource_register(&r->model, &r->sess);
	if (ret) {
		fprintf(stderr, "Could not register model with session\n");
	} else {
		ret = with_model(r);
		if (vaccel_resource_unregister(&r->model, &r->sess))
			fprintf(stderr,
				"Could not unregister model from session\n");
	}
	if (vaccel_session_release(&r->sess))
		fprintf(stderr, "Could not release session\n");
	return ret;
}

int main(int argc, char *argv[])
{
	struct run r = {
		.load = VACCEL_PROF_REGION_INIT("tf_model_load"),
		.exec = VACCEL_PROF_REGION_INIT("tf_model_run"),
		.unload = VACCEL_PROF_REGION_INIT("tf_model_unload"),
		.iter = 1,
	};

	if (argc < 4 || argc > 5) {
		fprintf(stderr,
			"Usage: %s <image_file> <model_dir> <labels_file> "
			"[iterations]\n",
			argv[0]);
		return VACCEL_EINVAL;
	}
	if (argc > 4 && !example_parse_iterations(argv[4], &r.iter))
		return VACCEL_EINVAL;
	r.image = argv[1];
	r.labels = argv[3];

	int ret =
		vaccel_resource_init(&r.model, argv[2], VACCEL_RESOURCE_MODEL);
	if (ret) {
		fprintf(stderr, "Could not initialize model resource\n");
		return ret;
	}
	printf("Initialized model resource %" PRId64 "\n", r.model.id);

	ret = with_session(&r);
	if (vaccel_resource_release(&r.model))
		fprintf(stderr, "Could not release model resource\n");
	vaccel_prof_region_print(&r.load);
	vaccel_prof_region_print(&r.exec);
	vaccel_prof_region_print(&r.unload);
	vaccel_prof_region_release(&r.load);
	vaccel_prof_region_release(&r.exec);
	vaccel_prof_region_release(&r.unload);
	return ret;
}
