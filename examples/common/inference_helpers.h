// SPDX-License-Identifier: Apache-2.0
/* Input and output handling of the tf/tflite/torch inference examples:
 * decode an image (stb_image, when the examples are built with it), resize
 * it to 224x224 (nearest neighbour), normalise with the ImageNet mean and
 * standard deviation, lay it out as CHW (torch) or HWC (tf), and print the
 * top class of a result. Without stb_image the input is random. */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	INFERENCE_IMAGE_WIDTH = 224,
	INFERENCE_IMAGE_HEIGHT = 224,
	INFERENCE_IMAGE_CHANNELS = 3,
	/* the classes of an ImageNet classifier's output */
	INFERENCE_NR_CLASSES = 1000,
};

typedef enum {
	/* [C, H, W] */
	INFERENCE_IMAGE_FORMAT_TORCH,
	/* [H, W, C] */
	INFERENCE_IMAGE_FORMAT_TF,
} inference_image_format_t;

/* One label per line of a local file. Free with inference_free_labels(). */
int inference_load_labels(const char *path, char ***labels, size_t *nr_labels);
void inference_free_labels(char **labels, size_t nr_labels);
/* `token` if it is not a class number in range, else its label. */
const char *inference_resolve_label(const char *token, char **labels,
				    size_t nr_labels);
/* RGB pixels (width x height x channels, channels >= 3) to 224x224x3
 * normalised floats in `format` (out: 224*224*3 floats). */
int inference_preprocess_image(const unsigned char *pixels, int width,
			       int height, int channels,
			       inference_image_format_t format, float *out);
/* size/sizeof(float) random values in 1..100 (malloc'ed). */
int inference_generate_random_data(size_t size, float **data);
/* The model input for the image at `path` (malloc'ed; the caller owns it,
 * e.g. by giving it to a tensor with owned = true). */
int inference_load_and_preprocess_image(const char *path,
					inference_image_format_t format,
					float **data, size_t *size);
/* Print "Prediction: <label>" for the largest of the first 1000 values of
 * `data` (size in bytes). Does nothing without stb_image, as the input
 * was random. */
int inference_process_result(const float *data, size_t size,
			     const char *labels_path);

#ifdef __cplusplus
}
#endif
