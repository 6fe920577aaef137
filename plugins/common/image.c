// SPDX-License-Identifier: Apache-2.0
/* Decoding (stb_image, the implementation lives in libstb; a PNG's
 * inflated size is bounded first, with zlib) and the pre-processing of an
 * image into a model input tensor. */
#include "vpc_image.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stb_image.h>
#include <stb_image_resize.h>
#include <stdlib.h>
#include <string.h>
#include <vaccel/error.h>
#include <vaccel/log.h>
#include <zlib.h>

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The bytes a PNG's pixel data inflates to at most, by its IHDR (rows of
 * packed samples, a filter byte each; Adam7 adds at most 7 passes' worth
 * of filter and rounding bytes); 0 if it makes no sense. Called once the
 * pixel count is known to be within the limit. */
static uint64_t png_raw_max(const uint8_t *ihdr)
{
	static const unsigned channels[7] = { 1, 0, 3, 1, 2, 0, 4 };
	uint64_t w = be32(ihdr), h = be32(ihdr + 4);
	unsigned depth = ihdr[8], color = ihdr[9];
	if (color > 6 || !channels[color] || !depth || depth > 16)
		return 0;
	return h * ((w * channels[color] * depth + 7) / 8 + 1) + 14 * h + 64;
}

/* stb_image inflates a PNG's whole pixel data first, into a buffer it
 * doubles up to 2 GiB whatever the header says: a 1.5 MB file of a 1x1
 * image made a worker take 2.3 GiB. Its implementation is the system's
 * (libstb), so the inflated size is counted here first, with zlib into a
 * small buffer, and a PNG whose data inflates past what its header needs
 * is refused. 0, or VACCEL_EINVAL with the reason logged. Not a PNG, or
 * one zlib has no complaint about within the bound: 0 (stb then decodes
 * it, and reports what is wrong). */
static int png_bounded(const uint8_t *p, size_t len)
{
	static const uint8_t sig[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };
	if (len < 8 || memcmp(p, sig, 8))
		return 0;
	z_stream z = { 0 };
	uint8_t out[16384];
	uint64_t limit = 0, total = 0;
	bool started = false, raw = false;
	int ret = 0, zr = Z_OK;
	for (size_t off = 8; off + 12 <= len && !ret && zr != Z_STREAM_END;) {
		uint32_t clen = be32(p + off);
		if (clen > len - off - 12)
			break;
		const uint8_t *type = p + off + 4, *d = p + off + 8;
		off += 12 + (size_t)clen;
		if (!memcmp(type, "CgBI", 4)) {
			raw = true; /* Apple's: deflate without a zlib header */
		} else if (!memcmp(type, "IHDR", 4) && clen >= 13 && !limit) {
			limit = png_raw_max(d);
		} else if (!memcmp(type, "IDAT", 4) && clen) {
			if (!limit) {
				ret = vaccel_fail(VACCEL_EINVAL,
						  "image: PNG data before a "
						  "valid header");
				break;
			}
			if (!started &&
			    inflateInit2(&z, raw ? -MAX_WBITS : MAX_WBITS) !=
				    Z_OK) {
				ret = vaccel_fail(VACCEL_ENOMEM,
						  "image: no memory");
				break;
			}
			started = true;
			z.next_in = (Bytef *)d;
			z.avail_in = clen;
			while (z.avail_in && zr == Z_OK) {
				z.next_out = out;
				z.avail_out = sizeof(out);
				zr = inflate(&z, Z_NO_FLUSH);
				total += sizeof(out) - z.avail_out;
				if (total > limit) {
					ret = vaccel_fail(
						VACCEL_EINVAL,
						"image: PNG pixel data "
						"inflates "
						"past the %" PRIu64
						" bytes its header needs",
						limit);
					break;
				}
				if (zr == Z_BUF_ERROR && z.avail_in)
					zr = Z_OK; /* more output room */
			}
			if (!ret && zr != Z_OK && zr != Z_STREAM_END &&
			    zr != Z_BUF_ERROR)
				ret = vaccel_fail(VACCEL_EINVAL,
						  "image: PNG pixel data is "
						  "corrupt (%s)",
						  z.msg ? z.msg : "zlib");
			if (zr == Z_BUF_ERROR)
				zr = Z_OK; /* wants the next IDAT */
		} else if (!memcmp(type, "IEND", 4)) {
			break;
		}
	}
	if (started)
		inflateEnd(&z);
	return ret;
}

int vpc_image_decode(const void *data, size_t len, struct vpc_image *img)
{
	int w, h, n;

	if (!data || !len || !img || len > INT_MAX) {
		return vaccel_fail(VACCEL_EINVAL,
				   "image: no data or too large (%zu bytes)",
				   len);
	}
	img->px = NULL;
	if (!stbi_info_from_memory(data, (int)len, &w, &h, &n)) {
		return vaccel_fail(VACCEL_EINVAL,
				   "image: cannot decode %zu bytes: %s", len,
				   stbi_failure_reason());
	}
	if (w <= 0 || h <= 0 ||
	    (uint64_t)w * (uint64_t)h > VPC_IMAGE_MAX_PIXELS) {
		return vaccel_fail(
			VACCEL_EINVAL,
			"image: %dx%d is empty or above the limit of %u pixels",
			w, h, VPC_IMAGE_MAX_PIXELS);
	}
	int ret = png_bounded(data, len);
	if (ret)
		return ret;
	img->px =
		stbi_load_from_memory(data, (int)len, &img->w, &img->h, &n, 3);
	if (!img->px) {
		return vaccel_fail(VACCEL_EINVAL,
				   "image: cannot decode %zu bytes: %s", len,
				   stbi_failure_reason());
	}
	return VACCEL_OK;
}

void vpc_image_release(struct vpc_image *img)
{
	if (!img)
		return;
	/* stb_image allocates with malloc (STBI_MALLOC default) */
	stbi_image_free(img->px);
	img->px = NULL;
	img->w = img->h = 0;
}

static size_t dtype_size(enum vpc_dtype t)
{
	switch (t) {
	case VPC_DTYPE_F32:
	case VPC_DTYPE_I32:
		return 4;
	case VPC_DTYPE_U8:
		return 1;
	}
	return 0;
}

/* Resize an interleaved 8-bit image (stb_image_resize: Mitchell filter when
 * shrinking, Catmull-Rom when enlarging; edges clamped). `src_stride` is in
 * bytes. VACCEL_EINVAL for empty sizes, VACCEL_ENOMEM. */
static int resize_u8(const uint8_t *src, int sw, int sh, int src_stride,
		     uint8_t *dst, int dw, int dh, int channels)
{
	if (sw <= 0 || sh <= 0 || dw <= 0 || dh <= 0)
		return VACCEL_EINVAL;
	if (sw == dw && sh == dh) {
		for (int y = 0; y < sh; y++)
			memcpy(dst + (size_t)y * dw * channels,
			       src + (size_t)y * src_stride,
			       (size_t)dw * channels);
		return VACCEL_OK;
	}
	if (!stbir_resize_uint8_generic(src, sw, sh, src_stride, dst, dw, dh, 0,
					channels, STBIR_ALPHA_CHANNEL_NONE, 0,
					STBIR_EDGE_CLAMP, STBIR_FILTER_DEFAULT,
					STBIR_COLORSPACE_LINEAR, NULL))
		return VACCEL_ENOMEM;
	return VACCEL_OK;
}

void vpc_geom_to_src(const struct vpc_geom *g, float tx, float ty, float *x,
		     float *y)
{
	*x = (tx - g->ox) / g->sx;
	*y = (ty - g->oy) / g->sy;
}

static int round_multiple(double v, int m)
{
	long r = lround(v / m) * m;

	return r < m ? m : (int)r;
}

/* The source rectangle (crop) and its place in the tensor for `spec`. */
static void plan_geometry(int w, int h, const struct vpc_input_spec *spec,
			  struct vpc_geom *g, int *crop_x, int *crop_y,
			  int *crop_w, int *crop_h)
{
	double s;

	*crop_x = *crop_y = 0;
	*crop_w = w;
	*crop_h = h;
	g->src_w = w;
	g->src_h = h;
	g->cx = g->cy = 0;
	if (spec->width <= 0 || spec->height <= 0) {
		int m = spec->multiple > 0 ? spec->multiple : 1;
		int big = w > h ? w : h;
		int lim = spec->max_side > 0 &&
					  spec->max_side < VPC_MAX_TENSOR_SIDE
				  ? spec->max_side
				  : VPC_MAX_TENSOR_SIDE;

		s = big > lim ? (double)lim / big : 1.0;
		g->in_w = g->cw = round_multiple(w * s, m);
		g->in_h = g->ch = round_multiple(h * s, m);
		goto out;
	}
	g->in_w = spec->width;
	g->in_h = spec->height;
	switch (spec->resize) {
	case VPC_RESIZE_STRETCH:
		g->cw = g->in_w;
		g->ch = g->in_h;
		break;
	case VPC_RESIZE_LETTERBOX:
	case VPC_RESIZE_PAD:
		s = fmin((double)g->in_w / w, (double)g->in_h / h);
		g->cw = (int)fmax(1, fmin(g->in_w, lround(w * s)));
		g->ch = (int)fmax(1, fmin(g->in_h, lround(h * s)));
		if (spec->resize == VPC_RESIZE_LETTERBOX) {
			g->cx = (g->in_w - g->cw) / 2;
			g->cy = (g->in_h - g->ch) / 2;
		}
		break;
	case VPC_RESIZE_CROP:
		s = fmax((double)g->in_w / w, (double)g->in_h / h);
		*crop_w = (int)fmax(1, fmin(w, lround(g->in_w / s)));
		*crop_h = (int)fmax(1, fmin(h, lround(g->in_h / s)));
		*crop_x = (w - *crop_w) / 2;
		*crop_y = (h - *crop_h) / 2;
		g->cw = g->in_w;
		g->ch = g->in_h;
		break;
	case VPC_RESIZE_FIT_HEIGHT:
		g->ch = g->in_h;
		g->cw = (int)fmin(g->in_w, ceil((double)g->in_h * w / h));
		if (g->cw < 1)
			g->cw = 1;
		break;
	}
out:
	g->sx = (float)g->cw / *crop_w;
	g->sy = (float)g->ch / *crop_h;
	g->ox = g->cx - *crop_x * g->sx;
	g->oy = g->cy - *crop_y * g->sy;
}

static inline void store(void *data, enum vpc_dtype t, size_t i, float v)
{
	switch (t) {
	case VPC_DTYPE_F32:
		((float *)data)[i] = v;
		break;
	case VPC_DTYPE_U8:
		v = roundf(v);
		((uint8_t *)data)[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		break;
	case VPC_DTYPE_I32:
		((int32_t *)data)[i] = (int32_t)lroundf(v);
		break;
	}
}

/* Write the resized content (cw x ch RGB) into the tensor, normalised. */
static void fill_tensor(const uint8_t *rgb, const struct vpc_geom *g,
			const struct vpc_input_spec *spec, void *data)
{
	size_t plane = (size_t)g->in_w * g->in_h;

	for (size_t i = 0; i < plane * 3; i++)
		store(data, spec->dtype, i, spec->pad);
	for (int y = 0; y < g->ch; y++) {
		for (int x = 0; x < g->cw; x++) {
			const uint8_t *p = rgb + ((size_t)y * g->cw + x) * 3;
			size_t pos =
				(size_t)(y + g->cy) * g->in_w + (x + g->cx);

			for (int c = 0; c < 3; c++) {
				int sc = spec->bgr ? 2 - c : c;
				float v = p[sc] * spec->scale[c] +
					  spec->offset[c];
				size_t i = spec->layout == VPC_LAYOUT_NCHW
						   ? c * plane + pos
						   : pos * 3 + c;

				store(data, spec->dtype, i, v);
			}
		}
	}
}

int vpc_preprocess(const struct vpc_image *img,
		   const struct vpc_input_spec *spec, struct vpc_tensor *out,
		   struct vpc_geom *geom)
{
	int crop_x, crop_y, crop_w, crop_h, ret;
	uint8_t *rgb;

	if (!img || !img->px || !spec || !out || !geom)
		return VACCEL_EINVAL;
	memset(out, 0, sizeof(*out));
	plan_geometry(img->w, img->h, spec, geom, &crop_x, &crop_y, &crop_w,
		      &crop_h);
	rgb = malloc((size_t)geom->cw * geom->ch * 3);
	out->size =
		(size_t)geom->in_w * geom->in_h * 3 * dtype_size(spec->dtype);
	out->data = malloc(out->size);
	if (!rgb || !out->data) {
		free(rgb);
		vpc_tensor_release(out);
		return VACCEL_ENOMEM;
	}
	ret = resize_u8(img->px + ((size_t)crop_y * img->w + crop_x) * 3,
			crop_w, crop_h, img->w * 3, rgb, geom->cw, geom->ch, 3);
	if (ret) {
		free(rgb);
		vpc_tensor_release(out);
		return ret;
	}
	fill_tensor(rgb, geom, spec, out->data);
	free(rgb);
	out->nr_dims = 4;
	out->dtype = spec->dtype;
	out->dims[0] = 1;
	if (spec->layout == VPC_LAYOUT_NCHW) {
		out->dims[1] = 3;
		out->dims[2] = geom->in_h;
		out->dims[3] = geom->in_w;
	} else {
		out->dims[1] = geom->in_h;
		out->dims[2] = geom->in_w;
		out->dims[3] = 3;
	}
	return VACCEL_OK;
}

void vpc_tensor_release(struct vpc_tensor *t)
{
	if (!t)
		return;
	free(t->data);
	memset(t, 0, sizeof(*t));
}
