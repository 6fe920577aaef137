// SPDX-License-Identifier: Apache-2.0
#include "refs.h"
#include "files.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *const ref_real_models[] = { "blazeface_front", "ppocr_cls",
					"movenet", "selfie", "centernet" };
const size_t ref_nr_real_models =
	sizeof(ref_real_models) / sizeof(ref_real_models[0]);

const char *ref_dir(void)
{
	static char dir[PATH_MAX / 2];

	if (dir[0] == '\0') {
		const char *deps = getenv("VACCEL_DEPS");

		snprintf(dir, sizeof(dir), "%s/models/torch-test",
			 deps && *deps ? deps : "/opt/vaccel-deps");
	}
	return dir;
}

const char *ref_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", ref_dir(), name);

	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0'; /* too long: an empty path fails to open */
	return buf;
}

void ref_require_models(void)
{
	char p[PATH_MAX];

	if (access(ref_path(p, sizeof(p), "linear.pt"), R_OK) != 0) {
		printf("SKIP: %s missing: run /usr/bin/python3 "
		       "scripts/make-torch-test-models.py\n",
		       p);
		exit(77);
	}
}

static int parse_shape(char *rest, struct ref_shape *s)
{
	char *end;

	s->nr_dims = (int)strtol(rest, &end, 10);
	if (s->nr_dims < 0 || s->nr_dims > REF_MAX_DIMS)
		return -1;
	s->count = 1;
	for (int i = 0; i < s->nr_dims; i++) {
		s->dims[i] = strtoll(end, &end, 10);
		s->count *= (size_t)s->dims[i];
	}
	return 0;
}

static int parse_line(char *line, struct ref *r)
{
	char *sp = strchr(line, ' ');
	char *val;

	line[strcspn(line, "\n")] = '\0';
	if (sp == NULL)
		return 0;
	*sp = '\0';
	val = sp + 1;
	if (strcmp(line, "model") == 0)
		snprintf(r->model, sizeof(r->model), "%s", val);
	else if (strcmp(line, "onnx") == 0)
		snprintf(r->onnx, sizeof(r->onnx), "%s",
			 strcmp(val, "-") == 0 ? "" : val);
	else if (strcmp(line, "image") == 0)
		snprintf(r->image, sizeof(r->image), "%s", val);
	else if (strcmp(line, "input") == 0)
		return parse_shape(val, &r->in);
	else if (strcmp(line, "ms") == 0)
		r->py_ms = strtod(val, NULL);
	else if (strcmp(line, "output") == 0) {
		char *end;
		long i = strtol(val, &end, 10);

		if (i != r->nr_outputs || i >= REF_MAX_OUTPUTS)
			return -1;
		r->nr_outputs++;
		return parse_shape(end, &r->out[i]);
	}
	return 0;
}

int ref_load(const char *name, struct ref *r)
{
	char p[PATH_MAX], fname[128], line[PATH_MAX + 16];
	FILE *f;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(fname, sizeof(fname), "%s.ref", name);
	f = fopen(ref_path(p, sizeof(p), fname), "r");
	if (f == NULL)
		return -1;
	while (ret == 0 && fgets(line, sizeof(line), f) != NULL)
		ret = parse_line(line, r);
	fclose(f);
	if (ret != 0 || r->model[0] == '\0' || r->nr_outputs == 0 ||
	    access(r->model, R_OK) != 0)
		return -1;
	return 0;
}

static float *read_floats(const char *fname, size_t count)
{
	char p[PATH_MAX];
	size_t size = 0;
	float *buf =
		(float *)tu_read_file(ref_path(p, sizeof(p), fname), &size);

	if (buf != NULL && size != count * sizeof(float)) {
		free(buf);
		return NULL;
	}
	return buf;
}

float *ref_read_input(const struct ref *r)
{
	char fname[128];

	snprintf(fname, sizeof(fname), "%s.input.f32", r->name);
	return read_floats(fname, r->in.count);
}

float *ref_read_output(const struct ref *r, int i)
{
	char fname[128];

	snprintf(fname, sizeof(fname), "%s.out%d.f32", r->name, i);
	return read_floats(fname, r->out[i].count);
}

void ref_diff(const float *got, const float *want, size_t n, double *abs_diff,
	      double *scaled_diff)
{
	double a = 0, s = 0;

	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)got[i] - (double)want[i]);
		double w = fabs((double)want[i]);

		if (isnan(d))
			d = INFINITY;
		if (d > a)
			a = d;
		if (d / (w > 1 ? w : 1) > s)
			s = d / (w > 1 ? w : 1);
	}
	*abs_diff = a;
	*scaled_diff = s;
}

double ref_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
