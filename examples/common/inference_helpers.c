// SPDX-License-Identifier: Apache-2.0
#include "inference_helpers.h"

#include <vaccel.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef USE_STB_IMAGE
#include <stb_image.h>
#endif

enum {
	RND_MIN = 1,
	RND_MAX = 100
};

void inference_free_labels(char **labels, size_t nr_labels)
{
	for (size_t i = 0; labels && i < nr_labels; i++)
		free(labels[i]);
	free(labels);
}

static int add_label(char ***labels, size_t *n, size_t *cap, char *line)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		char **p = realloc(*labels, c * sizeof(*p));
		if (!p)
			return VACCEL_ENOMEM;
		*labels = p;
		*cap = c;
	}
	line[strcspn(line, "\r\n")] = '\0';
	(*labels)[*n] = strdup(line);
	if (!(*labels)[*n])
		return VACCEL_ENOMEM;
	(*n)++;
	return VACCEL_OK;
}

int inference_load_labels(const char *path, char ***labels, size_t *nr_labels)
{
	if (!path || !labels || !nr_labels)
		return VACCEL_EINVAL;
	if (strstr(path, "://")) {
		fprintf(stderr, "Labels must be a local file: %s\n", path);
		return VACCEL_ENOTSUP;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		int err = errno;
		fprintf(stderr, "Failed to open %s: %s\n", path, strerror(err));
		return err;
	}
	char *line = NULL, **out = NULL;
	size_t len = 0, n = 0, cap = 0;
	int ret = VACCEL_OK;
	while (!ret && getline(&line, &len, f) >= 0)
		ret = add_label(&out, &n, &cap, line);
	free(line);
	fclose(f);
	if (!ret && !n) {
		fprintf(stderr, "No labels in %s\n", path);
		ret = VACCEL_EINVAL;
	}
	if (ret) {
		inference_free_labels(out, n);
		return ret;
	}
	*labels = out; /* the caller frees them */
	*nr_labels = n;
	return VACCEL_OK;
}

const char *inference_resolve_label(const char *token, char **labels,
				    size_t nr_labels)
{
	char *end;

	if (!token || !labels || !nr_labels || !*token)
		return token;
	errno = 0;
	long id = strtol(token, &end, 10);
	if (errno || *end || id < 0 || (size_t)id >= nr_labels)
		return token;
	return labels[id];
}

static float normalise(unsigned char v, int c)
{
	static const float mean[] = { 0.485F, 0.456F, 0.406F };
	static const float std[] = { 0.229F, 0.224F, 0.225F };

	return ((float)v / 255.0F - mean[c]) / std[c];
}

int inference_preprocess_image(const unsigned char *pixels, int width,
			       int height, int channels,
			       inference_image_format_t format, float *out)
{
	enum {
		W = INFERENCE_IMAGE_WIDTH,
		H = INFERENCE_IMAGE_HEIGHT
	};
	enum {
		C = INFERENCE_IMAGE_CHANNELS
	};

	if (!pixels || !out || width <= 0 || height <= 0 || channels < C ||
	    (format != INFERENCE_IMAGE_FORMAT_TORCH &&
	     format != INFERENCE_IMAGE_FORMAT_TF)) {
		fprintf(stderr, "Cannot preprocess this image\n");
		return VACCEL_EINVAL;
	}
	for (int y = 0; y < H; y++) {
		size_t sy = (size_t)y * (size_t)height / H;
		for (int x = 0; x < W; x++) {
			size_t sx = (size_t)x * (size_t)width / W;
			const unsigned char *px =
				pixels +
				(sy * (size_t)width + sx) * (size_t)channels;
			for (int c = 0; c < C; c++) {
				size_t i =
					format == INFERENCE_IMAGE_FORMAT_TORCH
						? ((size_t)c * H + y) * W + x
						: ((size_t)y * W + x) * C + c;
				out[i] = normalise(px[c], c);
			}
		}
	}
	return VACCEL_OK;
}

int inference_generate_random_data(size_t size, float **data)
{
	if (!data || !size || size % sizeof(float)) {
		fprintf(stderr, "Expected the size of a float array\n");
		return VACCEL_EINVAL;
	}
	float *d = malloc(size);
	if (!d)
		return VACCEL_ENOMEM;
	srand((unsigned int)time(NULL));
	for (size_t i = 0; i < size / sizeof(float); i++)
		d[i] = (float)(rand() % (RND_MAX - RND_MIN + 1) + RND_MIN);
	*data = d; /* the caller owns it */
	return VACCEL_OK;
}

int inference_load_and_preprocess_image(const char *path,
					inference_image_format_t format,
					float **data, size_t *size)
{
	const size_t n = (size_t)INFERENCE_IMAGE_WIDTH *
			 INFERENCE_IMAGE_HEIGHT * INFERENCE_IMAGE_CHANNELS *
			 sizeof(float);

	if (!path || !data || !size)
		return VACCEL_EINVAL;
#ifdef USE_STB_IMAGE
	int w, h, c;
	unsigned char *px =
		stbi_load(path, &w, &h, &c, INFERENCE_IMAGE_CHANNELS);
	if (!px) {
		fprintf(stderr, "Failed to load image %s: %s\n", path,
			stbi_failure_reason());
		return VACCEL_EINVAL;
	}
	float *out = malloc(n);
	int ret = out ? inference_preprocess_image(
				px, w, h, INFERENCE_IMAGE_CHANNELS, format, out)
		      : VACCEL_ENOMEM;
	stbi_image_free(px);
	if (ret) {
		free(out);
		return ret;
	}
	*data = out; /* the caller owns it */
	*size = n;
	return VACCEL_OK;
#else
	(void)format;
	fprintf(stderr, "Warning: STB not found; will generate random input\n");
	int ret = inference_generate_random_data(n, data);
	if (ret) {
		fprintf(stderr, "Could not generate random input\n");
		return ret;
	}
	*size = n;
	return VACCEL_OK;
#endif
}

int inference_process_result(const float *data, size_t size,
			     const char *labels_path)
{
	if (!data || !labels_path)
		return VACCEL_EINVAL;
#ifdef USE_STB_IMAGE
	size_t n = size / sizeof(float);
	if (!n) {
		fprintf(stderr, "Empty result\n");
		return VACCEL_EINVAL;
	}
	if (n > INFERENCE_NR_CLASSES)
		n = INFERENCE_NR_CLASSES;
	size_t best = 0;
	for (size_t i = 1; i < n; i++)
		if (data[i] > data[best])
			best = i;

	char **labels;
	size_t nr_labels;
	int ret = inference_load_labels(labels_path, &labels, &nr_labels);
	if (ret) {
		fprintf(stderr, "Could not load labels from %s\n", labels_path);
		return ret;
	}
	if (best < nr_labels)
		printf("Prediction: %s\n", labels[best]);
	else
		printf("Prediction: class %zu (not in the %zu labels)\n", best,
		       nr_labels);
	inference_free_labels(labels, nr_labels);
#else
	(void)size;
#endif
	return VACCEL_OK;
}
