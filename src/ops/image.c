// SPDX-License-Identifier: Apache-2.0
/* The five image ops. One profiling region for all, as upstream. */
#include "op_common.h"

static struct vaccel__prof_op prof = VACCEL__PROF_OP_INIT("vaccel_image_op");

static int check_image(const char *op, const void *img, size_t len_img,
		       const unsigned char *out, size_t len_out)
{
	VACCEL__CHECK_ARG(img && len_img, op, "image (NULL or empty)");
	VACCEL__CHECK_ARG(out || !len_out, op, "output buffer");
	return VACCEL_OK;
}

int vaccel_image_classification(struct vaccel_session *sess, const void *img,
				unsigned char *out_text,
				unsigned char *out_imgname, size_t len_img,
				size_t len_out_text, size_t len_out_imgname)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, VACCEL_OP_IMAGE_CLASSIFY, &fn);
	if (!ret)
		ret = check_image("image_classify", img, len_img, out_imgname,
				  len_out_imgname);
	if (ret)
		return ret;
	/* No text wanted: the plugin gets NULL/0 (one typed signature
	 * instead of upstream's two). */
	if (!out_text || !len_out_text) {
		out_text = NULL;
		len_out_text = 0;
	}
	VACCEL__OP_CALL(ret, prof, sess,
			fn->IMAGE_CLASSIFY(sess, img, out_text, out_imgname,
					   len_img, len_out_text,
					   len_out_imgname));
	return ret;
}

static int image_op(vaccel_op_type_t op, struct vaccel_session *sess,
		    const void *img, unsigned char *out_imgname, size_t len_img,
		    size_t len_out_imgname)
{
	const union vaccel_op_fn *fn;
	int ret = vaccel__op_begin(sess, op, &fn);
	if (!ret)
		ret = check_image(vaccel_op_type_to_base_str(op), img, len_img,
				  out_imgname, len_out_imgname);
	if (ret)
		return ret;
	/* IMAGE_DETECT/SEGMENT/POSE/DEPTH share one signature. */
	VACCEL__OP_CALL(ret, prof, sess,
			fn->IMAGE_DETECT(sess, img, out_imgname, len_img,
					 len_out_imgname));
	return ret;
}

int vaccel_image_detection(struct vaccel_session *sess, const void *img,
			   unsigned char *out_imgname, size_t len_img,
			   size_t len_out_imgname)
{
	return image_op(VACCEL_OP_IMAGE_DETECT, sess, img, out_imgname, len_img,
			len_out_imgname);
}

int vaccel_image_segmentation(struct vaccel_session *sess, const void *img,
			      unsigned char *out_imgname, size_t len_img,
			      size_t len_out_imgname)
{
	return image_op(VACCEL_OP_IMAGE_SEGMENT, sess, img, out_imgname,
			len_img, len_out_imgname);
}

int vaccel_image_pose(struct vaccel_session *sess, const void *img,
		      unsigned char *out_imgname, size_t len_img,
		      size_t len_out_imgname)
{
	return image_op(VACCEL_OP_IMAGE_POSE, sess, img, out_imgname, len_img,
			len_out_imgname);
}

int vaccel_image_depth(struct vaccel_session *sess, const void *img,
		       unsigned char *out_imgname, size_t len_img,
		       size_t len_out_imgname)
{
	return image_op(VACCEL_OP_IMAGE_DEPTH, sess, img, out_imgname, len_img,
			len_out_imgname);
}
