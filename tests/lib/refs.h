// SPDX-License-Identifier: Apache-2.0
/* Reference data of the torch tests, written by
 * scripts/make-torch-test-models.py into $VACCEL_DEPS/models/torch-test/. */
#pragma once

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REF_MAX_DIMS	8
#define REF_MAX_OUTPUTS 8

/* Outputs match python3-torch when |got - want| <= REF_TOL * max(1, |want|)
 * for every element: 1e-4 absolute up to 1, relative above (outputs of the
 * real models reach 513, where one float ulp is 6e-5). */
#define REF_TOL 1e-4

/* The real models, in the order the tests run them. */
extern const char *const ref_real_models[];
extern const size_t ref_nr_real_models;

struct ref_shape {
	int nr_dims;
	int64_t dims[REF_MAX_DIMS];
	size_t count; /* elements */
};

struct ref {
	char name[64];
	char model[PATH_MAX]; /* the .pt */
	char onnx[PATH_MAX];  /* the ONNX twin, "" if none */
	char image[128];
	struct ref_shape in;
	int nr_outputs;
	struct ref_shape out[REF_MAX_OUTPUTS];
	double py_ms; /* python3-torch median forward() time */
};

/* $VACCEL_DEPS/models/torch-test (static storage). */
const char *ref_dir(void);
/* `dir`/`name` into `buf`. */
const char *ref_path(char *buf, size_t len, const char *name);
/* Exit 77 (skip) with a reason if the small test models are missing. */
void ref_require_models(void);
/* Parse NAME.ref: 0, or -1 if it is missing or malformed. */
int ref_load(const char *name, struct ref *r);
/* NAME.input.f32 / NAME.out<i>.f32 as floats (malloc'ed; NULL if missing
 * or not `count` floats). */
float *ref_read_input(const struct ref *r);
float *ref_read_output(const struct ref *r, int i);
/* Largest |got - want| and largest |got - want| / max(1, |want|). */
void ref_diff(const float *got, const float *want, size_t n, double *abs_diff,
	      double *scaled_diff);
double ref_now_ms(void);

#ifdef __cplusplus
}
#endif
