// SPDX-License-Identifier: Apache-2.0
/* Model descriptions: what a network file needs around it to serve an image
 * op (input size, layout, normalisation, labels, how its outputs decode).
 * The text format is documented in docs/plugins/onnx.md ("Model
 * descriptions"): `key = value` lines, `#` comments. */
#pragma once

#include "vpc_image.h"
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vpc_task {
	VPC_TASK_CLASSIFY = 0,
	VPC_TASK_DETECT,
	VPC_TASK_SEGMENT,
	VPC_TASK_POSE,
	VPC_TASK_DEPTH,
	VPC_TASK_MAX,
};

/* "classify", "detect", ...; NULL if out of range */
const char *vpc_task_name(enum vpc_task t);

enum vpc_decoder {
	/* per-class scores -> top-k `label score` */
	VPC_DEC_CLASSES = 0,
	/* SSD-style anchors (BlazeFace): per-grid score and box outputs,
	 * boxes [dx, dy, w, h, ...] in input pixels around anchor centres,
	 * weighted non-maximum suppression */
	VPC_DEC_ANCHORS,
	/* rows [x1, y1, x2, y2, score, class] (CenterNet) */
	VPC_DEC_BOXES,
	/* rows of one keypoint each: [y, x, score] or [x, y, score] */
	VPC_DEC_KEYPOINTS,
	/* a probability map (one channel) -> PNG + coverage */
	VPC_DEC_MASK,
	/* a depth map (one channel) -> PNG + statistics */
	VPC_DEC_DEPTH,
};

enum vpc_activation {
	VPC_ACT_NONE = 0,
	VPC_ACT_SOFTMAX,
	VPC_ACT_SIGMOID,
};

#define VPC_DESC_MAX_OUTPUTS 4
/* Largest input side a description may ask for (descriptions may come
 * from remote clients) */
#define VPC_DESC_MAX_SIDE  VPC_MAX_TENSOR_SIDE
#define VPC_DESC_MAX_GRIDS 4

struct vpc_anchor_grid {
	int w, h, per_cell;
};

struct vpc_desc {
	char *name;
	enum vpc_task task;
	/* the network file as written (resolved by the plugin) */
	char *file;
	/* input name; NULL: the model's first input */
	char *input;
	struct vpc_input_spec in;
	/* labels: inline, or a file to load (then nr_labels == 0) */
	char **labels;
	size_t nr_labels;
	char *labels_file;
	enum vpc_decoder decoder;
	/* output names per role; NULL entries: the model's outputs in order.
	 * classes/boxes/keypoints/mask/depth: outputs[0];
	 * anchors: scores[i] and boxes[i] for grid i */
	char *outputs[VPC_DESC_MAX_OUTPUTS];
	size_t nr_outputs;
	char *scores[VPC_DESC_MAX_GRIDS];
	char *boxes[VPC_DESC_MAX_GRIDS];
	size_t nr_scores, nr_boxes;
	/* decoder parameters */
	enum vpc_activation activation;
	int top_k;
	float threshold;
	float nms_iou;
	int max_detections;
	struct vpc_anchor_grid grids[VPC_DESC_MAX_GRIDS];
	size_t nr_grids;
	/* boxes/keypoints: coordinates in input pixels (false: 0..1) */
	bool pixels;
	/* keypoints: rows are [x, y, score] (false: [y, x, score]) */
	bool xy;
	/* mask/depth: channel of the map to use */
	int channel;
	/* depth PNG range: fixed [lo, hi] or (auto) the map's min..max */
	bool png_auto;
	float png_lo, png_hi;
};

/* Parse a description. `origin` names it in error messages. On error the
 * line and reason are logged and `d` is left released. */
int vpc_desc_parse(const char *text, size_t len, const char *origin,
		   struct vpc_desc *d);
void vpc_desc_release(struct vpc_desc *d);

/* Parse a labels file: one label per line, blank lines skipped, spaces in
 * a label become '_' (so output records stay space-separated). */
int vpc_labels_parse(const char *text, size_t len, char ***labels,
		     size_t *nr_labels);
void vpc_labels_free(char **labels, size_t nr_labels);

#ifdef __cplusplus
}
#endif
