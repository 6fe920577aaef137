// SPDX-License-Identifier: Apache-2.0
#include "image_example.h"

#include "file.h"
#include "inference_helpers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

enum {
	/* upstream used 512; real results (e.g. 17 pose keypoints, one line
	 * each) need more */
	STR_SIZE_MAX = 4096
};

struct run {
	struct vaccel_session sess;
	const struct image_example *ex;
	void *image;
	size_t image_size;
	unsigned char out_text[STR_SIZE_MAX];
	unsigned char out_imgname[STR_SIZE_MAX];
	char **labels;
	size_t nr_labels;
};

static int typed_op(struct run *r)
{
	struct vaccel_session *s = &r->sess;
	size_t n = STR_SIZE_MAX;

	switch (r->ex->op) {
	case VACCEL_OP_IMAGE_CLASSIFY:
		return vaccel_image_classification(s, r->image, r->out_text,
						   r->out_imgname,
						   r->image_size, n, n);
	case VACCEL_OP_IMAGE_DETECT:
		return vaccel_image_detection(s, r->image, r->out_imgname,
					      r->image_size, n);
	case VACCEL_OP_IMAGE_SEGMENT:
		return vaccel_image_segmentation(s, r->image, r->out_imgname,
						 r->image_size, n);
	case VACCEL_OP_IMAGE_POSE:
		return vaccel_image_pose(s, r->image, r->out_imgname,
					 r->image_size, n);
	case VACCEL_OP_IMAGE_DEPTH:
		return vaccel_image_depth(s, r->image, r->out_imgname,
					  r->image_size, n);
	default:
		return VACCEL_EINVAL;
	}
}

/* The genop layout (docs/genop.md): read = op type, image; write =
 * out_imgname, then out_text for classify. */
static int generic_op(struct run *r)
{
	struct vaccel_arg_array rd, wr;
	uint8_t op = (uint8_t)r->ex->op;

	int ret = vaccel_arg_array_init(&rd, 2);
	if (ret)
		return ret;
	ret = vaccel_arg_array_init(&wr, 2);
	if (ret) {
		vaccel_arg_array_release(&rd);
		return ret;
	}
	ret = vaccel_arg_array_add_uint8(&rd, &op);
	if (!ret)
		ret = vaccel_arg_array_add_buffer(&rd, r->image, r->image_size);
	if (!ret)
		ret = vaccel_arg_array_add_uchar_array(&wr, r->out_imgname,
						       STR_SIZE_MAX);
	if (!ret && r->ex->op == VACCEL_OP_IMAGE_CLASSIFY)
		ret = vaccel_arg_array_add_uchar_array(&wr, r->out_text,
						       STR_SIZE_MAX);
	if (ret)
		fprintf(stderr, "Failed to pack the args\n");
	else
		ret = vaccel_genop(&r->sess, rd.args, (int)rd.count, wr.args,
				   (int)wr.count);
	vaccel_arg_array_release(&wr);
	vaccel_arg_array_release(&rd);
	return ret;
}

static int run_iterations(struct run *r, int iter)
{
	struct vaccel_prof_region stats = VACCEL_PROF_REGION_INIT("image_op");
	int ret = VACCEL_OK;

	for (int i = 0; i < iter; i++) {
		vaccel_prof_region_start(&stats);
		ret = r->ex->generic ? generic_op(r) : typed_op(r);
		vaccel_prof_region_stop(&stats);
		if (ret) {
			fprintf(stderr, "Could not run op: %d\n", ret);
			break;
		}
		if (r->ex->op == VACCEL_OP_IMAGE_CLASSIFY)
			printf("%s tags: %s\n", r->ex->what,
			       inference_resolve_label((char *)r->out_text,
						       r->labels,
						       r->nr_labels));
		printf("%s imagename: %s\n", r->ex->what,
		       (char *)r->out_imgname);
	}
	vaccel_prof_region_print(&stats);
	vaccel_prof_region_release(&stats);
	return ret;
}

static int with_session(struct run *r, int argc, char **argv, int iter)
{
	struct vaccel_resource model = { .id = 0 };
	int ret;

	if (argc > 3) {
		ret = vaccel_resource_init(&model, argv[3],
					   VACCEL_RESOURCE_MODEL);
		if (ret) {
			fprintf(stderr, "Could not create model resource\n");
			return ret;
		}
		ret = vaccel_resource_register(&model, &r->sess);
		if (ret) {
			fprintf(stderr,
				"Could not register model to session\n");
			goto release_model;
		}
	}
	if (argc > 4) {
		ret = inference_load_labels(argv[4], &r->labels, &r->nr_labels);
		if (ret) {
			fprintf(stderr, "Could not load labels from %s\n",
				argv[4]);
			goto unregister_model;
		}
	}
	ret = example_read_file(argv[1], &r->image, &r->image_size);
	if (!ret)
		ret = run_iterations(r, iter);
	free(r->image);
	inference_free_labels(r->labels, r->nr_labels);
unregister_model:
	if (model.id > 0 && vaccel_resource_unregister(&model, &r->sess))
		fprintf(stderr, "Could not unregister model from session\n");
release_model:
	if (model.id > 0 && vaccel_resource_release(&model))
		fprintf(stderr, "Could not release model\n");
	return ret;
}

int image_example_main(int argc, char **argv, const struct image_example *ex)
{
	bool classify = ex->op == VACCEL_OP_IMAGE_CLASSIFY;
	struct run *r;
	int iter = 1;

	if (argc < 2 || argc > (classify ? 5 : 4)) {
		fprintf(stderr,
			"Usage: %s <image_file> [iterations] [model_path]%s\n",
			argv[0], classify ? " [labels_path]" : "");
		return VACCEL_EINVAL;
	}
	if (argc > 2 && !example_parse_iterations(argv[2], &iter))
		return VACCEL_EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return VACCEL_ENOMEM;
	r->ex = ex;

	int ret = vaccel_session_init(&r->sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session\n");
		free(r);
		return ret;
	}
	printf("Initialized session with id: %" PRId64 "\n", r->sess.id);

	ret = with_session(r, argc, argv, iter);
	if (vaccel_session_release(&r->sess)) {
		fprintf(stderr, "Could not release session\n");
		ret = ret ? ret : VACCEL_EINVAL;
	}
	free(r);
	return ret;
}
