// SPDX-License-Identifier: Apache-2.0
/* An application written the way upstream vAccel's examples and docs write
 * them: only <vaccel.h>, built with `pkg-config --cflags --libs vaccel`.
 * compat.py compiles it against the installed headers and runs it with the
 * installed noop plugin.
 *
 * usage: upstream_app <libmytestlib.so> <image> */

#include <vaccel.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *read_image(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *buf = n > 0 ? malloc((size_t)n) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int classify(struct vaccel_session *sess, const char *image)
{
	unsigned char out_text[512], out_imgname[512];
	struct vaccel_prof_region classify_stats =
		VACCEL_PROF_REGION_INIT("app_classify");
	size_t len;

	unsigned char *img = read_image(image, &len);
	if (!img)
		return VACCEL_EIO;
	vaccel_prof_region_start(&classify_stats);
	int ret = vaccel_image_classification(sess, img, out_text, out_imgname,
					      len, sizeof(out_text),
					      sizeof(out_imgname));
	vaccel_prof_region_stop(&classify_stats);
	if (!ret)
		printf("classification tags: %s\n", out_text);

	/* the same through genop, with an arg array */
	struct vaccel_arg_array read_args, write_args;
	uint8_t op_type = VACCEL_OP_IMAGE_CLASSIFY;
	vaccel_arg_array_init(&read_args, 2);
	vaccel_arg_array_init(&write_args, 2);
	vaccel_arg_array_add_uint8(&read_args, &op_type);
	vaccel_arg_array_add_buffer(&read_args, img, len);
	vaccel_arg_array_add_uchar_array(&write_args, out_imgname,
					 sizeof(out_imgname));
	vaccel_arg_array_add_uchar_array(&write_args, out_text,
					 sizeof(out_text));
	memset(out_imgname, 0, sizeof(out_imgname));
	if (!ret)
		ret = vaccel_genop(sess, read_args.args, read_args.count,
				   write_args.args, write_args.count);
	if (!ret)
		printf("genop imagename: %s\n", out_imgname);
	vaccel_arg_array_release(&write_args);
	vaccel_arg_array_release(&read_args);

	vaccel_prof_region_print(&classify_stats);
	vaccel_prof_region_release(&classify_stats);
	free(img);
	return ret;
}

static int exec(struct vaccel_session *sess, struct vaccel_resource *lib,
		const char *lib_path)
{
	int input = 10, output = 0;

	/* upstream's older style: vaccel_arg literals */
	struct vaccel_arg read[1] = {
		{ .size = sizeof(input), .buf = &input },
	};
	struct vaccel_arg write[1] = {
		{ .size = sizeof(output), .buf = &output },
	};
	int ret = vaccel_exec(sess, lib_path, "mytestfunc", read, 1, write, 1);
	if (ret)
		return ret;
	printf("exec output: %d\n", output);

	output = 0;
	ret = vaccel_exec_with_resource(sess, lib, "mytestfunc", read, 1, write,
					1);
	if (!ret)
		printf("exec_with_resource output: %d\n", output);
	return ret;
}

static int tf(struct vaccel_session *sess, struct vaccel_resource *model)
{
	struct vaccel_tf_status status = { 0 };
	int64_t dims[] = { 1, 2, 2, 1 };
	float data[] = { 1.0F, 2.0F, 3.0F, 4.0F };
	struct vaccel_tf_tensor *in, *out = NULL;
	struct vaccel_tf_node in_node = { "serving_default_data", 0 };
	struct vaccel_tf_node out_node = { "PartitionedCall", 0 };

	int ret = vaccel_tf_model_load(sess, model, &status);
	if (ret)
		return ret;
	printf("tf load => code:%" PRIu8 " message:%s\n", status.code,
	       status.message);
	vaccel_tf_status_release(&status);

	ret = vaccel_tf_tensor_new(&in, 4, dims, VACCEL_TF_FLOAT);
	if (ret)
		return ret;
	vaccel_tf_tensor_set_data(in, data, sizeof(data));
	ret = vaccel_tf_model_run(sess, model, NULL, &in_node, &in, 1,
				  &out_node, &out, 1, &status);
	if (!ret)
		printf("tf run => type:%u nr_dims:%d size:%zuB last:%.1f\n",
		       out->data_type, out->nr_dims, out->size,
		       (double)((float *)out->data)[3]);
	vaccel_tf_status_release(&status);
	if (out)
		vaccel_tf_tensor_delete(out);
	vaccel_tf_tensor_delete(in);
	vaccel_tf_model_unload(sess, model, &status);
	vaccel_tf_status_release(&status);
	return ret;
}

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	struct vaccel_resource lib, model;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "Usage: %s <lib_file> <image>\n", argv[0]);
		return VACCEL_EINVAL;
	}
	vaccel_info("upstream_app: built with vAccel %s", VACCEL_VERSION);

	sess.hint = VACCEL_PLUGIN_DEBUG;
	ret = vaccel_session_init(&sess, sess.hint);
	if (ret != VACCEL_OK) {
		fprintf(stderr, "Could not initialize session\n");
		return ret;
	}
	printf("Initialized session with id: %" PRId64 "\n", sess.id);
	printf("plugin: %s\n", sess.plugin->info->name);

	ret = vaccel_resource_init(&lib, argv[1], VACCEL_RESOURCE_LIB);
	if (!ret)
		ret = vaccel_resource_init(&model, argv[2],
					   VACCEL_RESOURCE_MODEL);
	if (ret) {
		fprintf(stderr, "Could not create resources: %s\n",
			strerror(ret));
		return ret;
	}
	vaccel_resource_register(&lib, &sess);
	vaccel_resource_register(&model, &sess);
	printf("model: id %" PRId64 " refcount %ld blobs %zu type %s\n",
	       model.id, vaccel_resource_refcount(&model), model.nr_blobs,
	       vaccel_resource_type_to_str(model.type));

	ret = classify(&sess, argv[2]);
	if (!ret)
		ret = exec(&sess, &lib, argv[1]);
	if (!ret)
		ret = tf(&sess, &model);
	if (ret)
		vaccel_error("upstream_app: failed: %d", ret);
	vaccel_debug("upstream_app: releasing");

	vaccel_resource_unregister(&model, &sess);
	vaccel_resource_unregister(&lib, &sess);
	vaccel_resource_release(&model);
	vaccel_resource_release(&lib);
	vaccel_session_release(&sess);
	printf("done: %d (%s)\n", ret, vaccel_op_type_to_str(VACCEL_OP_EXEC));
	return ret;
}
