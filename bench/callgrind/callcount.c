// SPDX-License-Identifier: Apache-2.0
/* callcount: N calls of one op through the public API, nothing else, for
 * bench/callgrind/run.sh. Run with N and 2N calls under callgrind (or
 * strace -c), the difference of the two counts is the cost of N calls
 * without the setup (session, first connection, warm-up call).
 *
 *   callcount noop N
 *   callcount sgemm N              a 16x16x16 SGEMM (1 KiB per matrix)
 *   callcount classify N IMAGE     vaccel_image_classification
 *   callcount detect N IMAGE       vaccel_image_detection
 *
 * Exit: 0, 1 when a call fails, 2 usage. */
#define _POSIX_C_SOURCE 200809L
#include <vaccel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define DIM 16

static int read_file(const char *path, void **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	long n = -1;
	if (!fseek(f, 0, SEEK_END))
		n = ftell(f);
	*data = n > 0 && !fseek(f, 0, SEEK_SET) ? malloc((size_t)n) : NULL;
	int ok = *data && fread(*data, 1, (size_t)n, f) == (size_t)n;
	fclose(f);
	*len = ok ? (size_t)n : 0;
	return ok ? 0 : -1;
}

struct op {
	struct vaccel_session *s;
	void *img;
	size_t len;
	float a[DIM * DIM], b[DIM * DIM], c[DIM * DIM];
	unsigned char text[1024], name[1024];
};

static int call(struct op *o, const char *what)
{
	if (!strcmp(what, "noop"))
		return vaccel_noop(o->s);
	if (!strcmp(what, "sgemm"))
		return vaccel_sgemm(o->s, DIM, DIM, DIM, 1.0f, o->a, DIM, o->b,
				    DIM, 0.0f, o->c, DIM);
	if (!strcmp(what, "classify"))
		return vaccel_image_classification(
			o->s, o->img, o->text, o->name, o->len, sizeof(o->text),
			sizeof(o->name));
	return vaccel_image_detection(o->s, o->img, o->name, o->len,
				      sizeof(o->name));
}

int main(int argc, char **argv)
{
	static struct op o;
	const char *what = argc > 1 ? argv[1] : "";
	bool image = !strcmp(what, "classify") || !strcmp(what, "detect");
	if (argc != (image ? 4 : 3) ||
	    (!image && strcmp(what, "noop") && strcmp(what, "sgemm"))) {
		fprintf(stderr, "usage: callcount noop|sgemm N\n"
				"       callcount classify|detect N IMAGE\n");
		return 2;
	}
	long n = atol(argv[2]);
	if (n < 1)
		return fprintf(stderr, "bad N %s\n", argv[2]), 2;
	if (image && read_file(argv[3], &o.img, &o.len))
		return fprintf(stderr, "cannot read %s\n", argv[3]), 1;
	for (int i = 0; i < DIM * DIM; i++) {
		o.a[i] = (float)(i % 7);
		o.b[i] = (float)(i % 5);
	}
	struct vaccel_session s;
	int r = vaccel_session_init(&s, 0);
	if (r)
		return fprintf(stderr, "session: %d\n", r), 1;
	o.s = &s;
	r = call(&o, what); /* the warm-up: connection, caches */
	for (long i = 0; !r && i < n; i++)
		r = call(&o, what);
	if (r)
		fprintf(stderr, "%s: call failed: %d\n", what, r);
	vaccel_session_release(&s);
	free(o.img);
	return r ? 1 : 0;
}
