// SPDX-License-Identifier: Apache-2.0
/* Image decoding and the pre-processing of an image into a model's input
 * tensor (resize, colour order, normalisation, layout), for the image ops
 * of the onnx plugin; no inference-runtime dependency.
 *
 * Coordinates: the tensor is `in_w` x `in_h` pixels; the image content lies
 * in it at scale (sx, sy) and offset (ox, oy), i.e. a source pixel (x, y)
 * lands at tensor (x * sx + ox, y * sy + oy). vpc_geom_to_src() inverts
 * that so decoders can report positions in source-image pixels. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A decoded image: RGB, 8 bits per channel, rows without padding. */
struct vpc_image {
	int w, h;
	uint8_t *px; /* owned: w * h * 3 bytes */
};

/* Decode JPEG/PNG/BMP/GIF... bytes (stb_image) into RGB. VACCEL_EINVAL if
 * the bytes are not an image, or are bigger than VPC_IMAGE_MAX_PIXELS.
 * `img` is the caller's; release it with vpc_image_release(). */
int vpc_image_decode(const void *data, size_t len, struct vpc_image *img);
void vpc_image_release(struct vpc_image *img);

/* The largest tensor side pre-processing makes (an auto-sized input is
 * scaled down to it): a float tensor of 4096 x 4096 x 3 is 192 MiB. */
#define VPC_MAX_TENSOR_SIDE 4096

/* Refuse images above this many pixels (a guard against decompression
 * bombs arriving from a remote client). */
#define VPC_IMAGE_MAX_PIXELS (64u * 1024u * 1024u)

enum vpc_layout {
	VPC_LAYOUT_NCHW = 0,
	VPC_LAYOUT_NHWC = 1
};

enum vpc_dtype {
	VPC_DTYPE_F32 = 0,
	VPC_DTYPE_U8 = 1,
	VPC_DTYPE_I32 = 2
};

/* How the image becomes in_w x in_h. */
enum vpc_resize {
	/* whole image to in_w x in_h (aspect ratio not kept) */
	VPC_RESIZE_STRETCH = 0,
	/* keep the aspect ratio, fit inside, centre, pad the rest */
	VPC_RESIZE_LETTERBOX,
	/* keep the aspect ratio, fit inside, top-left, pad right/bottom */
	VPC_RESIZE_PAD,
	/* keep the aspect ratio, cover, centre crop (BlazeFace) */
	VPC_RESIZE_CROP,
	/* to height in_h; width in_h * aspect capped at in_w; pad the right
	 * (PaddleOCR's text-line resize) */
	VPC_RESIZE_FIT_HEIGHT,
};

struct vpc_input_spec {
	/* tensor size; 0 x 0: taken from the image ("auto"), see below */
	int width, height;
	/* auto size only: longest side at most this (0: at most
	 * VPC_MAX_TENSOR_SIDE), then each side rounded to a multiple of
	 * `multiple` (at least one multiple) */
	int max_side;
	int multiple;
	enum vpc_layout layout;
	enum vpc_dtype dtype;
	/* model channel 0 is blue */
	bool bgr;
	enum vpc_resize resize;
	/* value = pixel (0..255) * scale[c] + offset[c], c in the model's
	 * channel order */
	float scale[3];
	float offset[3];
	/* tensor value of padding */
	float pad;
};

struct vpc_geom {
	int src_w, src_h;
	int in_w, in_h;
	float sx, sy;
	float ox, oy;
	/* the tensor rectangle that holds image content */
	int cx, cy, cw, ch;
};

void vpc_geom_to_src(const struct vpc_geom *g, float tx, float ty, float *x,
		     float *y);

/* A 4-d input tensor (batch 1). */
struct vpc_tensor {
	void *data; /* owned */
	size_t size;
	int64_t dims[4];
	int nr_dims;
	enum vpc_dtype dtype;
};

/* Build the input tensor for `img` as `spec` says. `out` and `geom` are the
 * caller's; release `out` with vpc_tensor_release(). */
int vpc_preprocess(const struct vpc_image *img,
		   const struct vpc_input_spec *spec, struct vpc_tensor *out,
		   struct vpc_geom *geom);
void vpc_tensor_release(struct vpc_tensor *t);

#ifdef __cplusplus
}
#endif
