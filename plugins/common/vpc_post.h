// SPDX-License-Identifier: Apache-2.0
/* Output decoding: model outputs -> records (classes, boxes, keypoints,
 * maps) -> text lines and PNG images. The text formats are documented in
 * docs/plugins/onnx.md ("Output formats"); tests parse them. */
#pragma once

#include "vpc_desc.h"
#include "vpc_image.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- text lines ---- */

struct vpc_lines {
	char **v;
	size_t n, cap;
};

int vpc_lines_addf(struct vpc_lines *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vpc_lines_release(struct vpc_lines *l);

/* Write the lines, each ended by '\n', into `buf` (`cap` bytes, always
 * NUL-terminated when cap > 0). Only whole lines are written. If not all
 * fit, as many as fit are followed by the line "# truncated K of N" (K
 * written, N produced) when that marker fits too. Returns the number of
 * lines written; *truncated (may be NULL) tells whether some were left
 * out. */
size_t vpc_lines_emit(const struct vpc_lines *l, char *buf, size_t cap,
		      bool *truncated);

/* ---- decoders ---- */

/* A float output of a model (batch 1), as the runtime returned it. */
struct vpc_fmap {
	const float *data;
	const int64_t *dims;
	int nr_dims;
	size_t count; /* elements */
};

struct vpc_class {
	int index;
	float score;
};

struct vpc_det {
	float x1, y1, x2, y2; /* source-image pixels */
	float score;
	int cls;
};

struct vpc_keypoint {
	float x, y; /* source-image pixels */
	float score;
};

/* The k best of n scores after `act`, best first. `out` holds k entries;
 * *nr_out = min(k, n). */
int vpc_top_k(const float *scores, size_t n, enum vpc_activation act, int k,
	      struct vpc_class *out, int *nr_out);

/* Detections from SSD-style anchors (d->decoder == VPC_DEC_ANCHORS):
 * scores[i], boxes[i] belong to d->grids[i]. *dets is malloc'ed (the caller
 * frees it), best first. */
int vpc_decode_anchors(const struct vpc_desc *d, const struct vpc_fmap *scores,
		       const struct vpc_fmap *boxes, const struct vpc_geom *g,
		       struct vpc_det **dets, size_t *nr_dets);
/* Detections from rows [x1, y1, x2, y2, score, class] (VPC_DEC_BOXES). */
int vpc_decode_boxes(const struct vpc_desc *d, const struct vpc_fmap *rows,
		     const struct vpc_geom *g, struct vpc_det **dets,
		     size_t *nr_dets);
/* Keypoints from rows of 3 (VPC_DEC_KEYPOINTS), clamped to the image;
 * *kps is malloc'ed. */
int vpc_decode_keypoints(const struct vpc_desc *d, const struct vpc_fmap *rows,
			 const struct vpc_geom *g, struct vpc_keypoint **kps,
			 size_t *nr_kps);

/* One channel of a map output (layout from d->in.layout for 4-d maps),
 * sampled back onto the source image (bilinear; 0 outside what the model
 * saw). *out is malloc'ed: g->src_w * g->src_h floats. The statistics of
 * the map itself (the part that holds image content) go to the optional
 * min/max/mean. */
int vpc_map_to_source(const struct vpc_desc *d, const struct vpc_fmap *m,
		      const struct vpc_geom *g, float **out, float *min,
		      float *max, float *mean);

/* Weighted (MediaPipe) or plain non-maximum suppression, in place. */
void vpc_nms(struct vpc_det *dets, size_t *n, float iou, bool weighted,
	     bool per_class);
float vpc_iou(const struct vpc_det *a, const struct vpc_det *b);

/* An 8-bit grey PNG in memory: *png is malloc'ed (the caller frees it). */
int vpc_png_encode_gray(const uint8_t *px, int w, int h, unsigned char **png,
			size_t *len);

/* ---- whole post-processing of one image op ---- */

struct vpc_result {
	/* classify: top-k `label score` lines (for out_text) */
	struct vpc_lines text;
	/* every op: what goes to out_imgname (see docs/plugins/onnx.md) */
	struct vpc_lines name;
	/* segment, depth: the map as an 8-bit grey PNG (malloc'ed), when
	 * asked for */
	unsigned char *png;
	size_t png_len;
};

/* Decode `outs` (in role order: the decoder's output, or for anchors the
 * score outputs of each grid then the box outputs) into `r`. `want_png`:
 * segment/depth also encode their map as a PNG (r->png). `labels` may be
 * the description's or loaded from its labels file. */
int vpc_postprocess(const struct vpc_desc *d, char *const *labels,
		    size_t nr_labels, const struct vpc_fmap *outs,
		    size_t nr_outs, const struct vpc_geom *g, bool want_png,
		    struct vpc_result *r);
void vpc_result_release(struct vpc_result *r);

#ifdef __cplusplus
}
#endif
