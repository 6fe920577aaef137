// SPDX-License-Identifier: Apache-2.0
/* The noop plugin: implements every op, logs (at debug level) what it got,
 * and returns the same dummy results as upstream vAccel's noop plugin, so
 * that the upstream examples print the same lines. */

#include "op_list.h"
#include <vaccel.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG(...) vaccel_debug("[noop] " __VA_ARGS__)

static const char dummy_tag[] = "This is a dummy classification tag!";
static const char dummy_imgname[] = "This is a dummy imgname!";
static const char status_msg[] = "Operation handled by noop plugin";

static int noop_noop(struct vaccel_session *sess)
{
	LOG("Calling no-op for session %" PRId64, sess->id);
	return VACCEL_OK;
}

static void dump_args(const char *what, const struct vaccel_arg *args, size_t n)
{
	for (size_t i = 0; i < n; i++)
		LOG("%s[%zu]: size %zu type %s", what, i, args[i].size,
		    vaccel_arg_type_to_str(args[i].type));
}

/* Upstream's convention: one write arg of the size of the first read arg
 * gets a copy of it (so the examples print their input back). */
static void echo_args(struct vaccel_arg *read, size_t nr_read,
		      struct vaccel_arg *write, size_t nr_write)
{
	if (nr_read >= 1 && nr_write == 1 && write[0].buf && read[0].buf &&
	    write[0].size == read[0].size && read[0].size % sizeof(int) == 0)
		memcpy(write[0].buf, read[0].buf, read[0].size);
}

static int noop_exec(struct vaccel_session *sess, const char *library,
		     const char *fn_symbol, struct vaccel_arg *read,
		     size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	LOG("Calling exec for session %" PRId64, sess->id);
	LOG("Library: %s, symbol: %s", library, fn_symbol);
	dump_args("read", read, nr_read);
	dump_args("write", write, nr_write);
	echo_args(read, nr_read, write, nr_write);
	return VACCEL_OK;
}

static int noop_exec_with_resource(struct vaccel_session *sess,
				   struct vaccel_resource *res,
				   const char *fn_symbol,
				   struct vaccel_arg *read, size_t nr_read,
				   struct vaccel_arg *write, size_t nr_write)
{
	LOG("Calling exec_with_resource for session %" PRId64, sess->id);
	for (size_t i = 0; res->nr_blobs && i + 1 < res->nr_blobs; i++)
		LOG("Dependency library: %s", res->blobs[i]->path
						      ? res->blobs[i]->path
						      : res->blobs[i]->name);
	if (res->nr_blobs) {
		struct vaccel_blob *b = res->blobs[res->nr_blobs - 1];
		LOG("Library: %s, symbol: %s", b->path ? b->path : b->name,
		    fn_symbol);
	}
	dump_args("read", read, nr_read);
	dump_args("write", write, nr_write);
	echo_args(read, nr_read, write, nr_write);
	return VACCEL_OK;
}

static void log_model(struct vaccel_session *sess)
{
	struct vaccel_resource *model;
	if (vaccel_session_resource_by_type(
		    sess, &model, VACCEL_RESOURCE_MODEL) == VACCEL_OK &&
	    model->nr_blobs && model->blobs[0]->path)
		LOG("Model: %s", model->blobs[0]->path);
}

static void put_text(unsigned char *out, size_t len, const char *text)
{
	if (out && len)
		snprintf((char *)out, len, "%s", text);
}

static int noop_image_classify(struct vaccel_session *sess, const void *img,
			       unsigned char *out_text,
			       unsigned char *out_imgname, size_t len_img,
			       size_t len_out_text, size_t len_out_imgname)
{
	LOG("Calling Image classification for session %" PRId64, sess->id);
	LOG("Dumping arguments for Image classification:");
	LOG("len_img: %zu", len_img);
	LOG("len_out_text: %zu", len_out_text);
	LOG("len_out_imgname: %zu", len_out_imgname);
	log_model(sess);
	put_text(out_text, len_out_text, dummy_tag);
	put_text(out_imgname, len_out_imgname, dummy_imgname);
	return VACCEL_OK;
}

static int image_common(const char *what, struct vaccel_session *sess,
			unsigned char *out_imgname, size_t len_img,
			size_t len_out_imgname)
{
	LOG("Calling Image %s for session %" PRId64, what, sess->id);
	LOG("Dumping arguments for Image %s:", what);
	LOG("len_img: %zu", len_img);
	LOG("len_out_imgname: %zu", len_out_imgname);
	log_model(sess);
	put_text(out_imgname, len_out_imgname, dummy_imgname);
	return VACCEL_OK;
}

static int noop_image_detect(struct vaccel_session *sess, const void *img,
			     unsigned char *out, size_t len_img, size_t len_out)
{
	return image_common("detection", sess, out, len_img, len_out);
}

static int noop_image_segment(struct vaccel_session *sess, const void *img,
			      unsigned char *out, size_t len_img,
			      size_t len_out)
{
	return image_common("segmentation", sess, out, len_img, len_out);
}

static int noop_image_pose(struct vaccel_session *sess, const void *img,
			   unsigned char *out, size_t len_img, size_t len_out)
{
	return image_common("pose", sess, out, len_img, len_out);
}

static int noop_image_depth(struct vaccel_session *sess, const void *img,
			    unsigned char *out, size_t len_img, size_t len_out)
{
	return image_common("depth", sess, out, len_img, len_out);
}

static int set_status(struct vaccel_tf_status *status)
{
	if (!status)
		return VACCEL_OK;
	return vaccel_tf_status_init(status, 0, status_msg);
}

static int noop_tf_model_load(struct vaccel_session *sess,
			      struct vaccel_resource *model,
			      struct vaccel_tf_status *status)
{
	LOG("Loading TensorFlow model %" PRId64 " for session %" PRId64,
	    model->id, sess->id);
	return set_status(status);
}

static int noop_tf_model_unload(struct vaccel_session *sess,
				struct vaccel_resource *model,
				struct vaccel_tf_status *status)
{
	LOG("Unloading TensorFlow model %" PRId64 " for session %" PRId64,
	    model->id, sess->id);
	return set_status(status);
}

/* Output tensor i: a copy of input i (dims, type, data), so that the
 * examples' output matches their input. Extra outputs copy the last
 * input. Allocated with the library's helpers; the caller deletes them. */
#define COPY_TENSORS(NEWFN, T, in, nr_in, out, nr_out)                        \
	do {                                                                  \
		for (int i_ = 0; i_ < (nr_out); i_++) {                       \
			const struct T *src_ =                                \
				(in)[i_ < (nr_in) ? i_ : (nr_in)-1];          \
			int r_ = NEWFN(&(out)[i_], src_->nr_dims, src_->dims, \
				       src_->data_type, src_->size);          \
			if (r_)                                               \
				return r_;                                    \
			if (src_->size && src_->data)                         \
				memcpy((out)[i_]->data, src_->data,           \
				       src_->size);                           \
		}                                                             \
	} while (0)

static int noop_tf_model_run(struct vaccel_session *sess,
			     const struct vaccel_resource *model,
			     const struct vaccel_tf_buffer *run_options,
			     const struct vaccel_tf_node *in_nodes,
			     struct vaccel_tf_tensor *const *in, int nr_in,
			     const struct vaccel_tf_node *out_nodes,
			     struct vaccel_tf_tensor **out, int nr_out,
			     struct vaccel_tf_status *status)
{
	LOG("Running TensorFlow model %" PRId64 " for session %" PRId64
	    " (%d inputs, %d outputs)",
	    model->id, sess->id, nr_in, nr_out);
	for (int i = 0; i < nr_in; i++)
		LOG("input %d: node %s, %d dims, %zu bytes", i,
		    in_nodes[i].name ? in_nodes[i].name : "", in[i]->nr_dims,
		    in[i]->size);
	if (nr_in > 0)
		COPY_TENSORS(vaccel_tf_tensor_allocate, vaccel_tf_tensor, in,
			     nr_in, out, nr_out);
	return set_status(status);
}

static int noop_tflite_model_load(struct vaccel_session *sess,
				  struct vaccel_resource *model)
{
	LOG("Loading TFLite model %" PRId64 " for session %" PRId64, model->id,
	    sess->id);
	return VACCEL_OK;
}

static int noop_tflite_model_unload(struct vaccel_session *sess,
				    struct vaccel_resource *model)
{
	LOG("Unloading TFLite model %" PRId64 " for session %" PRId64,
	    model->id, sess->id);
	return VACCEL_OK;
}

static int noop_tflite_model_run(struct vaccel_session *sess,
				 const struct vaccel_resource *model,
				 struct vaccel_tflite_tensor *const *in,
				 int nr_in, struct vaccel_tflite_tensor **out,
				 int nr_out, uint8_t *status)
{
	LOG("Running TFLite model %" PRId64 " for session %" PRId64, model->id,
	    sess->id);
	if (nr_in > 0)
		COPY_TENSORS(vaccel_tflite_tensor_allocate,
			     vaccel_tflite_tensor, in, nr_in, out, nr_out);
	if (status)
		*status = 0;
	return VACCEL_OK;
}

static int noop_torch_model_load(struct vaccel_session *sess,
				 struct vaccel_resource *model)
{
	LOG("Loading Torch model %" PRId64 " for session %" PRId64, model->id,
	    sess->id);
	if (model->nr_blobs)
		LOG("Model blob: type %s path %s",
		    vaccel_blob_type_to_str(model->blobs[0]->type),
		    model->blobs[0]->path ? model->blobs[0]->path : "(memory)");
	return VACCEL_OK;
}

static int noop_torch_model_run(struct vaccel_session *sess,
				const struct vaccel_resource *model,
				const struct vaccel_torch_buffer *run_options,
				struct vaccel_torch_tensor *const *in,
				int nr_in, struct vaccel_torch_tensor **out,
				int nr_out)
{
	LOG("Running Torch model %" PRId64 " for session %" PRId64, model->id,
	    sess->id);
	if (nr_in > 0)
		COPY_TENSORS(vaccel_torch_tensor_allocate, vaccel_torch_tensor,
			     in, nr_in, out, nr_out);
	return VACCEL_OK;
}

static int noop_torch_sgemm(struct vaccel_session *sess,
			    struct vaccel_torch_tensor **a,
			    struct vaccel_torch_tensor **b,
			    struct vaccel_torch_tensor **c, int m, int n, int k,
			    struct vaccel_torch_tensor **out)
{
	LOG("Calling torch sgemm for session %" PRId64 " (m %d n %d k %d)",
	    sess->id, m, n, k);
	return VACCEL_OK;
}

static int noop_blas_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
			   int64_t k, float alpha, float *a, int64_t lda,
			   float *b, int64_t ldb, float beta, float *c,
			   int64_t ldc)
{
	LOG("Calling sgemm for session %" PRId64, sess->id);
	LOG("m: %" PRId64 " n: %" PRId64 " k: %" PRId64 " alpha: %f beta: %f",
	    m, n, k, (double)alpha, (double)beta);
	return VACCEL_OK;
}

static int noop_fpga_arraycopy(struct vaccel_session *sess, int a[], int out[],
			       size_t len)
{
	LOG("Calling fpga arraycopy for session %" PRId64, sess->id);
	if (len)
		memcpy(out, a, len * sizeof(int));
	return VACCEL_OK;
}

static int noop_fpga_mmult(struct vaccel_session *sess, float a[], float b[],
			   float c[], size_t len)
{
	LOG("Calling fpga mmult for session %" PRId64, sess->id);
	for (size_t i = 0; i < len; i++)
		c[i] = 9.1f;
	return VACCEL_OK;
}

static int noop_fpga_parallel(struct vaccel_session *sess, float a[], float b[],
			      float add[], float mult[], size_t len)
{
	LOG("Calling fpga parallel for session %" PRId64, sess->id);
	for (size_t i = 0; i < len; i++) {
		add[i] = a[i] + b[i];
		mult[i] = 1;
	}
	return VACCEL_OK;
}

static int noop_fpga_vectoradd(struct vaccel_session *sess, float a[],
			       float b[], float c[], size_t len_a, size_t len_b)
{
	LOG("Calling fpga vector add for session %" PRId64, sess->id);
	size_t n = len_a < len_b ? len_a : len_b;
	for (size_t i = 0; i < n; i++)
		c[i] = a[i] + b[i];
	return VACCEL_OK;
}

static int noop_minmax(struct vaccel_session *sess, const double *in, int n,
		       int low, int high, double *out, double *min, double *max)
{
	LOG("Calling minmax for session %" PRId64 " (%d values, %d..%d)",
	    sess->id, n, low, high);
	if (n > 0)
		memcpy(out, in, (size_t)n * sizeof(double));
	*min = -1.0;
	*max = 10000.0;
	return VACCEL_OK;
}

static int noop_opencv(struct vaccel_session *sess, struct vaccel_arg *read,
		       int nr_read, struct vaccel_arg *write, int nr_write)
{
	LOG("Calling opencv for session %" PRId64, sess->id);
	dump_args("read", read, (size_t)nr_read);
	dump_args("write", write, (size_t)nr_write);
	for (int i = 0; i < nr_write; i++) {
		size_t v = write[i].size / sizeof(float);
		if (write[i].buf && write[i].size >= sizeof(size_t))
			memcpy(write[i].buf, &v, sizeof(v));
	}
	return VACCEL_OK;
}

static int noop_onnx_model_load(struct vaccel_session *sess,
				struct vaccel_resource *model)
{
	LOG("Loading ONNX model %" PRId64 " for session %" PRId64, model->id,
	    sess->id);
	return VACCEL_OK;
}

static int noop_onnx_model_unload(struct vaccel_session *sess,
				  struct vaccel_resource *model)
{
	LOG("Unloading ONNX model %" PRId64 " for session %" PRId64, model->id,
	    sess->id);
	return VACCEL_OK;
}

static int noop_onnx_model_run(struct vaccel_session *sess,
			       const struct vaccel_resource *model,
			       struct vaccel_onnx_tensor *const *in, int nr_in,
			       struct vaccel_onnx_tensor **out, int nr_out)
{
	LOG("Running ONNX model %" PRId64 " for session %" PRId64, model->id,
	    sess->id);
	if (nr_in > 0)
		COPY_TENSORS(vaccel_onnx_tensor_allocate, vaccel_onnx_tensor,
			     in, nr_in, out, nr_out);
	return VACCEL_OK;
}

/* Every op of the list, each served by noop_<name>. */
#define NOOP_OP(number, OP, name, family, shape, api) \
	VACCEL_PLUGIN_OP(OP, noop_##name),
static const struct vaccel_plugin_op ops[] = { VACCEL__OP_LIST(NOOP_OP) };

VACCEL_PLUGIN_DESCRIPTOR(.name = "noop", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_DEBUG, .ops = ops,
			 .nr_ops = sizeof(ops) / sizeof(ops[0]));
