// SPDX-License-Identifier: Apache-2.0
/* genop: any op as an array of typed args (layout: docs/genop.md). Each
 * unpacker checks the count, type and size of every arg before calling the
 * typed op, because genop args may come from another process or machine. */
#include "op_common.h"
#include "op_list.h"
#include <stdlib.h>
#include <string.h>

typedef int (*unpack_fn)(struct vaccel_session *sess, struct vaccel_arg *read,
			 int nr_read, struct vaccel_arg *write, int nr_write);

#define UNPACK_FAIL(what)                                         \
	do {                                                      \
		vaccel_error("genop: failed to unpack %s", what); \
		return VACCEL_EINVAL;                             \
	} while (0)

static int want_counts(const char *op, int nr_read, int want_read, int nr_write,
		       int want_write)
{
	if (nr_read != want_read || nr_write != want_write) {
		vaccel_error("genop %s: wrong number of read/write arguments "
			     "(%d/%d, expected %d/%d)",
			     op, nr_read, nr_write, want_read, want_write);
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

/* Copy a scalar arg of `type` and exactly `size` bytes into `out`. */
static bool scalar(const struct vaccel_arg *a, vaccel_arg_type_t type,
		   void *out, size_t size)
{
	if (a->type != type || a->size != size || !a->buf)
		return false;
	memcpy(out, a->buf, size);
	return true;
}

/* An array arg of `type` holding at least `min` bytes. */
static bool array(const struct vaccel_arg *a, vaccel_arg_type_t type,
		  size_t min)
{
	return a->type == type && a->buf && a->size >= min;
}

/* A NUL-terminated non-empty STRING arg. */
static const char *string(const struct vaccel_arg *a)
{
	if (a->type != VACCEL_ARG_STRING || !a->buf || !a->size ||
	    !memchr(a->buf, '\0', a->size) || !((char *)a->buf)[0])
		return NULL;
	return a->buf;
}

/* The resource named by an INT64 id arg (global lookup, as upstream; the
 * typed op then checks that it is registered with the session). */
static int resource_arg(const struct vaccel_arg *a,
			struct vaccel_resource **res)
{
	int64_t id;
	if (!scalar(a, VACCEL_ARG_INT64, &id, sizeof(id)))
		UNPACK_FAIL("resource id");
	int ret = vaccel_resource_get_by_id(res, id);
	if (ret)
		vaccel_error("genop: no resource %" PRId64, id);
	return ret;
}

static int unpack_exec(struct vaccel_session *sess, struct vaccel_arg *read,
		       int nr_read, struct vaccel_arg *write, int nr_write)
{
	if (nr_read < 2) {
		vaccel_error("genop exec: wrong number of read arguments (%d, "
			     "expected >= 2)",
			     nr_read);
		return VACCEL_EINVAL;
	}
	const char *lib = string(&read[0]);
	const char *sym = string(&read[1]);
	if (!lib || !sym)
		UNPACK_FAIL("exec library/symbol");
	return vaccel_exec(sess, lib, sym, read + 2, (size_t)(nr_read - 2),
			   write, (size_t)nr_write);
}

static int unpack_exec_res(struct vaccel_session *sess, struct vaccel_arg *read,
			   int nr_read, struct vaccel_arg *write, int nr_write)
{
	struct vaccel_resource *res;
	if (nr_read < 2) {
		vaccel_error("genop exec_with_resource: wrong number of read "
			     "arguments (%d, expected >= 2)",
			     nr_read);
		return VACCEL_EINVAL;
	}
	int ret = resource_arg(&read[0], &res);
	if (ret)
		return ret;
	const char *sym = string(&read[1]);
	if (!sym)
		UNPACK_FAIL("exec_with_resource symbol");
	return vaccel_exec_with_resource(sess, res, sym, read + 2,
					 (size_t)(nr_read - 2), write,
					 (size_t)nr_write);
}

static int unpack_classify(struct vaccel_session *sess, struct vaccel_arg *read,
			   int nr_read, struct vaccel_arg *write, int nr_write)
{
	int ret = want_counts("image_classify", nr_read, 1, nr_write, 2);
	if (ret)
		return ret;
	if (!array(&read[0], VACCEL_ARG_BUFFER, 1) ||
	    !array(&write[0], VACCEL_ARG_UCHAR_ARRAY, 1) ||
	    !array(&write[1], VACCEL_ARG_UCHAR_ARRAY, 1))
		UNPACK_FAIL("image_classify args");
	/* write order (upstream's): image name first, then the text */
	return vaccel_image_classification(sess, read[0].buf, write[1].buf,
					   write[0].buf, read[0].size,
					   write[1].size, write[0].size);
}

static int unpack_image(vaccel_op_type_t op, struct vaccel_session *sess,
			struct vaccel_arg *read, int nr_read,
			struct vaccel_arg *write, int nr_write)
{
	static int (*const fns[])(struct vaccel_session *, const void *,
				  unsigned char *, size_t, size_t) = {
		[VACCEL_OP_IMAGE_DETECT] = vaccel_image_detection,
		[VACCEL_OP_IMAGE_SEGMENT] = vaccel_image_segmentation,
		[VACCEL_OP_IMAGE_POSE] = vaccel_image_pose,
		[VACCEL_OP_IMAGE_DEPTH] = vaccel_image_depth,
	};
	int ret = want_counts(vaccel_op_type_to_base_str(op), nr_read, 1,
			      nr_write, 1);
	if (ret)
		return ret;
	if (!array(&read[0], VACCEL_ARG_BUFFER, 1) ||
	    !array(&write[0], VACCEL_ARG_UCHAR_ARRAY, 1))
		UNPACK_FAIL("image op args");
	return fns[op](sess, read[0].buf, write[0].buf, read[0].size,
		       write[0].size);
}

#define IMAGE_UNPACKER(name, OP)                                               \
	static int name(struct vaccel_session *sess, struct vaccel_arg *read,  \
			int nr_read, struct vaccel_arg *write, int nr_write)   \
	{                                                                      \
		return unpack_image(OP, sess, read, nr_read, write, nr_write); \
	}
IMAGE_UNPACKER(unpack_detect, VACCEL_OP_IMAGE_DETECT)
IMAGE_UNPACKER(unpack_segment, VACCEL_OP_IMAGE_SEGMENT)
IMAGE_UNPACKER(unpack_pose, VACCEL_OP_IMAGE_POSE)
IMAGE_UNPACKER(unpack_depth, VACCEL_OP_IMAGE_DEPTH)

/* rows x ld floats, with overflow checks; false if it does not fit. */
static bool matrix_bytes(int64_t rows, int64_t ld, size_t *bytes)
{
	if (rows < 0 || ld < 0)
		return false;
	if (rows == 0 || ld == 0) {
		*bytes = 0;
		return true;
	}
	if ((uint64_t)rows > SIZE_MAX / sizeof(float) / (uint64_t)ld)
		return false;
	*bytes = (size_t)rows * (size_t)ld * sizeof(float);
	return true;
}

static int unpack_sgemm(struct vaccel_session *sess, struct vaccel_arg *read,
			int nr_read, struct vaccel_arg *write, int nr_write)
{
	int64_t m, n, k, lda, ldb, ldc;
	float alpha, beta;
	size_t sa, sb, sc;
	int ret = want_counts("sgemm", nr_read, 10, nr_write, 1);
	if (ret)
		return ret;
	if (!scalar(&read[0], VACCEL_ARG_INT64, &m, 8) ||
	    !scalar(&read[1], VACCEL_ARG_INT64, &n, 8) ||
	    !scalar(&read[2], VACCEL_ARG_INT64, &k, 8) ||
	    !scalar(&read[3], VACCEL_ARG_FLOAT32, &alpha, 4) ||
	    !scalar(&read[5], VACCEL_ARG_INT64, &lda, 8) ||
	    !scalar(&read[7], VACCEL_ARG_INT64, &ldb, 8) ||
	    !scalar(&read[8], VACCEL_ARG_FLOAT32, &beta, 4) ||
	    !scalar(&read[9], VACCEL_ARG_INT64, &ldc, 8))
		UNPACK_FAIL("sgemm scalars");
	if (!matrix_bytes(m, lda, &sa) || !matrix_bytes(k, ldb, &sb) ||
	    !matrix_bytes(m, ldc, &sc) ||
	    !array(&read[4], VACCEL_ARG_FLOAT32_ARRAY, sa ? sa : 1) ||
	    !array(&read[6], VACCEL_ARG_FLOAT32_ARRAY, sb ? sb : 1) ||
	    !array(&write[0], VACCEL_ARG_FLOAT32_ARRAY, sc ? sc : 1))
		UNPACK_FAIL("sgemm matrices (types or sizes)");
	return vaccel_sgemm(sess, m, n, k, alpha, read[4].buf, lda, read[6].buf,
			    ldb, beta, write[0].buf, ldc);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static int unpack_minmax(struct vaccel_session *sess, struct vaccel_arg *read,
			 int nr_read, struct vaccel_arg *write, int nr_write)
{
	int ndata, low, high;
	int ret = want_counts("minmax", nr_read, 4, nr_write, 3);
	if (ret)
		return ret;
	/* upstream passes these untyped: check sizes, not types */
	if (read[1].size != sizeof(int) || !read[1].buf ||
	    read[2].size != sizeof(int) || !read[2].buf ||
	    read[3].size != sizeof(int) || !read[3].buf)
		UNPACK_FAIL("minmax ints");
	memcpy(&ndata, read[1].buf, sizeof(int));
	memcpy(&low, read[2].buf, sizeof(int));
	memcpy(&high, read[3].buf, sizeof(int));
	size_t need = ndata > 0 ? (size_t)ndata * sizeof(double) : 0;
	if (ndata < 0 || !read[0].buf || read[0].size < need || !write[0].buf ||
	    write[0].size < need || !write[1].buf ||
	    write[1].size < sizeof(double) || !write[2].buf ||
	    write[2].size < sizeof(double))
		UNPACK_FAIL("minmax buffers");
	return vaccel_minmax(sess, read[0].buf, ndata, low, high, write[0].buf,
			     write[1].buf, write[2].buf);
}

static int unpack_arraycopy(struct vaccel_session *sess,
			    struct vaccel_arg *read, int nr_read,
			    struct vaccel_arg *write, int nr_write)
{
	int ret = want_counts("fpga_arraycopy", nr_read, 1, nr_write, 1);
	if (ret)
		return ret;
	size_t len = read[0].size / sizeof(int);
	if (!read[0].buf || !write[0].buf || write[0].size < len * sizeof(int))
		UNPACK_FAIL("fpga_arraycopy arrays");
	return vaccel_fpga_arraycopy(sess, read[0].buf, write[0].buf, len);
}

/* float arrays a and b of equal length (from a), outputs of that length */
static bool float_io(struct vaccel_arg *read, struct vaccel_arg *write,
		     int nr_out, size_t *len)
{
	*len = read[0].size / sizeof(float);
	size_t bytes = *len * sizeof(float);
	if (!read[0].buf || !read[1].buf || read[1].size < bytes)
		return false;
	for (int i = 0; i < nr_out; i++)
		if (!write[i].buf || write[i].size < bytes)
			return false;
	return true;
}

static int unpack_mmult(struct vaccel_session *sess, struct vaccel_arg *read,
			int nr_read, struct vaccel_arg *write, int nr_write)
{
	size_t len;
	int ret = want_counts("fpga_mmult", nr_read, 2, nr_write, 1);
	if (ret)
		return ret;
	if (!float_io(read, write, 1, &len))
		UNPACK_FAIL("fpga_mmult arrays");
	return vaccel_fpga_mmult(sess, read[0].buf, read[1].buf, write[0].buf,
				 len);
}

static int unpack_parallel(struct vaccel_session *sess, struct vaccel_arg *read,
			   int nr_read, struct vaccel_arg *write, int nr_write)
{
	size_t len;
	int ret = want_counts("fpga_parallel", nr_read, 2, nr_write, 2);
	if (ret)
		return ret;
	if (!float_io(read, write, 2, &len))
		UNPACK_FAIL("fpga_parallel arrays");
	return vaccel_fpga_parallel(sess, read[0].buf, read[1].buf,
				    write[0].buf, write[1].buf, len);
}

static int unpack_vadd(struct vaccel_session *sess, struct vaccel_arg *read,
		       int nr_read, struct vaccel_arg *write, int nr_write)
{
	int ret = want_counts("fpga_vadd", nr_read, 2, nr_write, 1);
	if (ret)
		return ret;
	size_t la = read[0].size / sizeof(float);
	size_t lb = read[1].size / sizeof(float);
	size_t lc = la > lb ? la : lb;
	if (!read[0].buf || !read[1].buf || !write[0].buf ||
	    write[0].size < lc * sizeof(float))
		UNPACK_FAIL("fpga_vadd arrays");
	return vaccel_fpga_vadd(sess, read[0].buf, read[1].buf, write[0].buf,
				la, lb);
}

#pragma GCC diagnostic pop

static int unpack_opencv(struct vaccel_session *sess, struct vaccel_arg *read,
			 int nr_read, struct vaccel_arg *write, int nr_write)
{
	return vaccel_opencv(sess, read, nr_read, write, nr_write);
}

static int unpack_onnx_load(struct vaccel_session *sess,
			    struct vaccel_arg *read, int nr_read,
			    struct vaccel_arg *write, int nr_write)
{
	struct vaccel_resource *res;
	int ret = want_counts("onnx_model_load", nr_read, 1, nr_write, 0);
	if (!ret)
		ret = resource_arg(&read[0], &res);
	return ret ? ret : vaccel_onnx_model_load(sess, res);
}

static int unpack_onnx_unload(struct vaccel_session *sess,
			      struct vaccel_arg *read, int nr_read,
			      struct vaccel_arg *write, int nr_write)
{
	struct vaccel_resource *res;
	int ret = want_counts("onnx_model_unload", nr_read, 1, nr_write, 0);
	if (!ret)
		ret = resource_arg(&read[0], &res);
	return ret ? ret : vaccel_onnx_model_unload(sess, res);
}

static int unpack_onnx_run(struct vaccel_session *sess, struct vaccel_arg *read,
			   int nr_read, struct vaccel_arg *write, int nr_write)
{
	struct vaccel_resource *res;
	if (nr_read < 1 || (nr_read - 1) % 3 || nr_write % 2) {
		vaccel_error("genop onnx_model_run: expected 1 + 3 x inputs "
			     "read and 2 x outputs write arguments, got %d/%d",
			     nr_read, nr_write);
		return VACCEL_EINVAL;
	}
	int ret = resource_arg(&read[0], &res);
	if (ret)
		return ret;
	return vaccel__genop_onnx_run(sess, res, read + 1, nr_read - 1, write,
				      nr_write);
}

static const unpack_fn unpackers[VACCEL_OP_EXT_MAX] = {
	[VACCEL_OP_EXEC] = unpack_exec,
	[VACCEL_OP_EXEC_WITH_RESOURCE] = unpack_exec_res,
	[VACCEL_OP_IMAGE_CLASSIFY] = unpack_classify,
	[VACCEL_OP_IMAGE_DETECT] = unpack_detect,
	[VACCEL_OP_IMAGE_SEGMENT] = unpack_segment,
	[VACCEL_OP_IMAGE_POSE] = unpack_pose,
	[VACCEL_OP_IMAGE_DEPTH] = unpack_depth,
	[VACCEL_OP_BLAS_SGEMM] = unpack_sgemm,
	[VACCEL_OP_FPGA_ARRAYCOPY] = unpack_arraycopy,
	[VACCEL_OP_FPGA_MMULT] = unpack_mmult,
	[VACCEL_OP_FPGA_PARALLEL] = unpack_parallel,
	[VACCEL_OP_FPGA_VECTORADD] = unpack_vadd,
	[VACCEL_OP_MINMAX] = unpack_minmax,
	[VACCEL_OP_OPENCV] = unpack_opencv,
	[VACCEL_OP_ONNX_MODEL_LOAD] = unpack_onnx_load,
	[VACCEL_OP_ONNX_MODEL_RUN] = unpack_onnx_run,
	[VACCEL_OP_ONNX_MODEL_UNLOAD] = unpack_onnx_unload,
};

int vaccel_genop(struct vaccel_session *sess, struct vaccel_arg *read,
		 int nr_read, struct vaccel_arg *write, int nr_write)
{
	vaccel__reason_begin();
	uint8_t op;
	if (!read || nr_read < 1) {
		vaccel_error("genop: missing operation type");
		return VACCEL_EINVAL;
	}
	if (!scalar(&read[0], VACCEL_ARG_UINT8, &op, 1)) {
		vaccel_error("genop: the first read argument must be a UINT8 "
			     "op type");
		return VACCEL_EINVAL;
	}
	if (op == VACCEL_OP_NOOP || !vaccel__op_valid(op)) {
		vaccel_error("genop: invalid operation type %u", op);
		return VACCEL_EINVAL;
	}
	if (nr_write < 0 || (nr_write && !write)) {
		vaccel_error("genop: invalid write arguments");
		return VACCEL_EINVAL;
	}
	if (!unpackers[op]) {
		vaccel_error("genop: operation not implemented for %s",
			     vaccel_op_type_name(op));
		return VACCEL_ENOTSUP;
	}
	return unpackers[op](sess, read + 1, nr_read - 1, write, nr_write);
}
