// SPDX-License-Identifier: Apache-2.0
#include "image_example.h"

#include "file.h"
#include "inference_helpers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	/* upstream used 512; real results (e.g. 17 pose keypoints, one line
	 * each) need more */
	STR_SIZE_MAX = 4096,
	/* segment and depth: their records and the PNG of the map */
	MAP_SIZE_MAX = 16 << 20,
};

struct run {
	struct vaccel_session sess;
	const struct image_example *ex;
	void *image;
	size_t image_size;
	unsigned char out_text[STR_SIZE_MAX];
	unsigned char *out_imgname;
	size_t len_imgname;
	/* segment, depth: where to save the PNG (NULL: not saved) */
	const char *png_path;
	char **labels;
	size_t nr_labels;
};

static bool makes_map(vaccel_op_type_t op)
{
	return op == VACCEL_OP_IMAGE_SEGMENT || op == VACCEL_OP_IMAGE_DEPTH;
}

static int typed_op(struct run *r)
{
	struct vaccel_session *s = &r->sess;
	size_t n = r->len_imgname;

	switch (r->ex->op) {
	case VACCEL_OP_IMAGE_CLASSIFY:
		return vaccel_image_classification(
			s, r->image, r->out_text, r->out_imgname, r->image_size,
			sizeof(r->out_text), n);
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
						       r->len_imgname);
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

/* segment, depth: the PNG after the records, to the file asked for. */
static int save_png(struct run *r)
{
	size_t len;
	const unsigned char *png;

	if (!r->png_path)
		return VACCEL_OK;
	png = example_image_png(r->out_imgname, r->len_imgname, &len);
	if (!png) {
		fprintf(stderr, "No PNG in the output to save to %s\n",
			r->png_path);
		return VACCEL_EINVAL;
	}
	int ret = example_write_file(r->png_path, png, len);
	if (!ret)
		printf("%s PNG: %s (%zu bytes)\n", r->ex->what, r->png_path,
		       len);
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
			fprintf(stderr, "Could not run op: %d (%s)\n", ret,
				vaccel_last_error());
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
	return ret ? ret : save_png(r);
}

static int with_session(struct run *r, int argc, char **argv, int iter)
{
	struct vaccel_resource model = { .id = 0 };
	int ret;

	if (argc > 3 && strcmp(argv[3], "-")) {
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
	if (argc > 4 && makes_map(r->ex->op)) {
		r->png_path = argv[4];
	} else if (argc > 4) {
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
	bool map = makes_map(ex->op);
	struct run *r;
	int iter = 1;

	if (argc < 2 || argc > (classify || map ? 5 : 4)) {
		fprintf(stderr,
			"Usage: %s <image_file> [iterations] [model_path]%s\n",
			argv[0],
			classify ? " [labels_path]"
			: map	 ? " [png_out]\n(model_path - : the default "
				   "model; png_out: save the map as PNG)"
				 : "");
		return VACCEL_EINVAL;
	}
	if (argc > 2 && !example_parse_iterations(argv[2], &iter))
		return VACCEL_EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return VACCEL_ENOMEM;
	r->ex = ex;
	r->len_imgname = map ? MAP_SIZE_MAX : STR_SIZE_MAX;
	r->out_imgname = calloc(1, r->len_imgname);
	if (!r->out_imgname) {
		free(r);
		return VACCEL_ENOMEM;
	}

	int ret = vaccel_session_init(&r->sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session: %s\n",
			vaccel_last_error());
		free(r->out_imgname);
		free(r);
		return ret;
	}
	printf("Initialized session with id: %" PRId64 "\n", r->sess.id);

	ret = with_session(r, argc, argv, iter);
	if (vaccel_session_release(&r->sess)) {
		fprintf(stderr, "Could not release session\n");
		ret = ret ? ret : VACCEL_EINVAL;
	}
	free(r->out_imgname);
	free(r);
	return ret;
}
