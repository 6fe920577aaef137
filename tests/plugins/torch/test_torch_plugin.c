// SPDX-License-Identifier: Apache-2.0
/* The torch plugin through the public API (VACCEL_PLUGINS = the build tree's
 * libvaccel-torch.so): TorchScript models from MODEL resources (file and
 * memory), exact results of the fixed-weight models, the real image models
 * against python3-torch, model lifetime, errors, torch_sgemm and threads. */
#include "files.h"
#include "refs.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vaccel.h>

#include <cmocka.h>

/* linear.pt: y = x W^T + b (W, b of scripts/make-torch-test-models.py) */
static float x24[8] = { 1, 2, 3, 4, -1, 0, 1, 2 };
static const int64_t d24[2] = { 2, 4 };
static const float y23[6] = { 1.5f, 4, 13, -2.5f, 4, 3 };

struct fixture {
	struct vaccel_session sess;
	struct vaccel_resource res; /* linear.pt, registered */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char p[PATH_MAX];

	if (f == NULL ||
	    vaccel_session_init(&f->sess, VACCEL_PLUGIN_TORCH) != VACCEL_OK ||
	    vaccel_resource_init(&f->res, ref_path(p, sizeof(p), "linear.pt"),
				 VACCEL_RESOURCE_MODEL) != VACCEL_OK ||
	    vaccel_resource_register(&f->res, &f->sess) != VACCEL_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (vaccel_resource_release(&f->res) != VACCEL_OK ||
	    vaccel_session_release(&f->sess) != VACCEL_OK)
		return -1;
	free(f);
	return 0;
}

/* A caller-owned input tensor referencing `data` (release it after). */
static void input(struct vaccel_torch_tensor *t, int64_t nr_dims,
		  const int64_t *dims, enum vaccel_torch_data_type type,
		  void *data, size_t size)
{
	assert_int_equal(vaccel_torch_tensor_init(t, nr_dims, dims, type),
			 VACCEL_OK);
	assert_int_equal(vaccel_torch_tensor_set_data(t, data, size),
			 VACCEL_OK);
}

static void release_input(struct vaccel_torch_tensor *t)
{
	void *data;
	size_t size;

	/* detach the borrowed data so that release does not free it */
	vaccel_torch_tensor_take_data(t, &data, &size);
	assert_int_equal(vaccel_torch_tensor_release(t), VACCEL_OK);
}

static void delete_outputs(struct vaccel_torch_tensor **out, int n)
{
	for (int i = 0; i < n; i++) {
		if (out[i] != NULL)
			assert_int_equal(vaccel_torch_tensor_delete(out[i]),
					 VACCEL_OK);
		out[i] = NULL;
	}
}

/* Run linear.pt of `res` in `sess` and check the exact result. */
static int run_linear(struct vaccel_session *sess, struct vaccel_resource *res)
{
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };
	struct vaccel_torch_tensor *out[1] = { NULL };
	int ret;

	input(&in, 2, d24, VACCEL_TORCH_FLOAT, x24, sizeof(x24));
	ret = vaccel_torch_model_run(sess, res, NULL, ins, 1, out, 1);
	release_input(&in);
	if (ret != VACCEL_OK)
		return ret;
	assert_non_null(out[0]);
	assert_int_equal(out[0]->data_type, VACCEL_TORCH_FLOAT);
	assert_int_equal(out[0]->nr_dims, 2);
	assert_int_equal(out[0]->dims[0], 2);
	assert_int_equal(out[0]->dims[1], 3);
	assert_int_equal(out[0]->size, sizeof(y23));
	assert_true(out[0]->owned);
	assert_memory_equal(out[0]->data, y23, sizeof(y23));
	delete_outputs(out, 1);
	return VACCEL_OK;
}

static void test_load_and_run(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vaccel_torch_model_load(&f->sess, &f->res), VACCEL_OK);
	/* a second load keeps the loaded model */
	assert_int_equal(vaccel_torch_model_load(&f->sess, &f->res), VACCEL_OK);
	assert_int_equal(run_linear(&f->sess, &f->res), VACCEL_OK);
	assert_int_equal(run_linear(&f->sess, &f->res), VACCEL_OK);
}

static void test_run_loads_on_demand(void **state)
{
	struct fixture *f = *state;
	const struct vaccel_torch_buffer opts = { .data = (char *)"x",
						  .size = 1 };
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };
	struct vaccel_torch_tensor *out[1] = { NULL };

	assert_int_equal(run_linear(&f->sess, &f->res), VACCEL_OK);
	/* run options are accepted (and ignored) */
	input(&in, 2, d24, VACCEL_TORCH_FLOAT, x24, sizeof(x24));
	assert_int_equal(vaccel_torch_model_run(&f->sess, &f->res, &opts, ins,
						1, out, 1),
			 VACCEL_OK);
	release_input(&in);
	delete_outputs(out, 1);
}

/* Models given as buffers: in memory only (BUFFER blob, loaded through
 * libtorch's reader interface) and persisted (a file in the rundir). */
static void test_model_from_buffer(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];
	size_t size = 0;
	void *buf = tu_read_file(ref_path(p, sizeof(p), "linear.pt"), &size);

	assert_non_null(buf);
	for (int mem_only = 0; mem_only <= 1; mem_only++) {
		struct vaccel_resource res;

		assert_int_equal(vaccel_resource_init_from_buf(
					 &res, buf, size, VACCEL_RESOURCE_MODEL,
					 "linear.pt", mem_only),
				 VACCEL_OK);
		assert_int_equal(vaccel_resource_register(&res, &f->sess),
				 VACCEL_OK);
		assert_int_equal(vaccel_torch_model_load(&f->sess, &res),
				 VACCEL_OK);
		assert_int_equal(run_linear(&f->sess, &res), VACCEL_OK);
		assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
	}
	free(buf);
}

/* A directory resource: the .pt among its files is the model. */
static void test_model_directory(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/vaccel-torch-dir-XXXXXX", p[PATH_MAX + 32];
	struct vaccel_resource res;
	size_t size = 0;
	void *buf;
	FILE *fp;

	buf = tu_read_file(ref_path(p, sizeof(p), "linear.pt"), &size);
	assert_non_null(buf);
	assert_non_null(mkdtemp(dir));
	const char *names[] = { "a-readme.txt", "model.pt", "z-labels.txt" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		fp = fopen(p, "wb");
		assert_non_null(fp);
		if (i == 1)
			assert_int_equal(fwrite(buf, 1, size, fp), size);
		else
			fputs("not a model\n", fp);
		fclose(fp);
	}
	assert_int_equal(vaccel_resource_init(&res, dir, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, &f->sess), VACCEL_OK);
	assert_int_equal(run_linear(&f->sess, &res), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
	free(buf);
}

static void test_multi_outputs(void **state)
{
	struct fixture *f = *state;
	struct vaccel_resource res;
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };
	struct vaccel_torch_tensor *out[4] = { NULL };
	const float relu2[8] = { 2, 4, 6, 8, 0, 0, 2, 4 };
	const float sums[2] = { 10, 2 };
	char p[PATH_MAX];

	assert_int_equal(
		vaccel_resource_init(&res, ref_path(p, sizeof(p), "multi.pt"),
				     VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, &f->sess), VACCEL_OK);
	input(&in, 2, d24, VACCEL_TORCH_FLOAT, x24, sizeof(x24));

	assert_int_equal(
		vaccel_torch_model_run(&f->sess, &res, NULL, ins, 1, out, 3),
		VACCEL_OK);
	assert_memory_equal(out[0]->data, y23, sizeof(y23));
	assert_memory_equal(out[1]->data, relu2, sizeof(relu2));
	assert_int_equal(out[2]->nr_dims, 2);
	assert_memory_equal(out[2]->data, sums, sizeof(sums));
	delete_outputs(out, 3);

	/* fewer asked: the first ones */
	assert_int_equal(
		vaccel_torch_model_run(&f->sess, &res, NULL, ins, 1, out, 1),
		VACCEL_OK);
	assert_memory_equal(out[0]->data, y23, sizeof(y23));
	delete_outputs(out, 1);

	/* more asked than returned */
	out[3] = (struct vaccel_torch_tensor *)&in; /* overwritten with NULL */
	assert_int_equal(
		vaccel_torch_model_run(&f->sess, &res, NULL, ins, 1, out, 4),
		VACCEL_EINVAL);
	for (int i = 0; i < 4; i++)
		assert_null(out[i]);

	release_input(&in);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	struct vaccel_resource data, other, corrupt;
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };
	struct vaccel_torch_tensor *out[1] = { NULL };
	int32_t xi[8] = { 0 };
	const int64_t d25[2] = { 2, 5 }, d3[3] = { 1, 2, 4 };
	char p[PATH_MAX], tmp[] = "/tmp/vaccel-torch-corrupt-XXXXXX";
	int fd;

	/* a DATA resource: the core refuses it (EINVAL) */
	assert_int_equal(
		vaccel_resource_init(&data, ref_path(p, sizeof(p), "linear.pt"),
				     VACCEL_RESOURCE_DATA),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&data, &f->sess), VACCEL_OK);
	assert_int_equal(vaccel_torch_model_load(&f->sess, &data),
			 VACCEL_EINVAL);
	assert_int_equal(vaccel_resource_release(&data), VACCEL_OK);

	/* a MODEL resource not registered with the session: EPERM */
	assert_int_equal(vaccel_resource_init(&other, p, VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_torch_model_load(&f->sess, &other),
			 VACCEL_EPERM);
	input(&in, 2, d24, VACCEL_TORCH_FLOAT, x24, sizeof(x24));
	assert_int_equal(
		vaccel_torch_model_run(&f->sess, &other, NULL, ins, 1, out, 1),
		VACCEL_EPERM);
	release_input(&in);
	assert_int_equal(vaccel_resource_release(&other), VACCEL_OK);

	/* a corrupt .pt: load and run fail, the session still works */
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "PK\3\4 not really a zip", 21), 21);
	close(fd);
	assert_int_equal(
		vaccel_resource_init(&corrupt, tmp, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&corrupt, &f->sess),
			 VACCEL_OK);
	assert_int_equal(vaccel_torch_model_load(&f->sess, &corrupt),
			 VACCEL_EINVAL);
	input(&in, 2, d24, VACCEL_TORCH_FLOAT, x24, sizeof(x24));
	assert_int_equal(vaccel_torch_model_run(&f->sess, &corrupt, NULL, ins,
						1, out, 1),
			 VACCEL_EINVAL);
	release_input(&in);
	assert_int_equal(vaccel_resource_release(&corrupt), VACCEL_OK);
	unlink(tmp);

	/* inputs: size that does not match dims (checked by the plugin),
	 * dims the model refuses, a dtype the model refuses, NULLs */
	input(&in, 2, d24, VACCEL_TORCH_FLOAT, x24, sizeof(x24) - 4);
	assert_int_equal(
		vaccel_torch_model_run(&f->sess, &f->res, NULL, ins, 1, out, 1),
		VACCEL_EINVAL);
	release_input(&in);
	/* 1x2x4 is fine: Linear works on the last dimension */
	input(&in, 3, d3, VACCEL_TORCH_FLOAT, x24, sizeof(x24));
	assert_int_equal(
		vaccel_torch_model_run(&f->sess, &f->res, NULL, ins, 1, out, 1),
		VACCEL_OK);
	assert_int_equal(out[0]->nr_dims, 3);
	assert_memory_equal(out[0]->data, y23, sizeof(y23));
	delete_outputs(out, 1);
	release_input(&in);
	float x10[10] = { 0 };
	input(&in, 2, d25, VACCEL_TORCH_FLOAT, x10, sizeof(x10));
	assert_int_equal(
		vaccel_torch_model_run(&f->sess, &f->res, NULL, ins, 1, out, 1),
		VACCEL_EINVAL);
	assert_null(out[0]);
	release_input(&in);
	input(&in, 2, d24, VACCEL_TORCH_INT, xi, sizeof(xi));
	assert_int_equal(
		vaccel_torch_model_run(&f->sess, &f->res, NULL, ins, 1, out, 1),
		VACCEL_EINVAL);
	release_input(&in);
	input(&in, 2, d24, VACCEL_TORCH_FLOAT, x24, sizeof(x24));
	in.data_type = 42;
	assert_int_equal(
		vaccel_torch_model_run(&f->sess, &f->res, NULL, ins, 1, out, 1),
		VACCEL_EINVAL);
	in.data_type = VACCEL_TORCH_FLOAT;
	release_input(&in);
	assert_int_equal(vaccel_torch_model_run(&f->sess, &f->res, NULL, NULL,
						1, out, 1),
			 VACCEL_EINVAL);
	input(&in, 2, d24, VACCEL_TORCH_FLOAT, x24, sizeof(x24));
	assert_int_equal(vaccel_torch_model_run(&f->sess, &f->res, NULL, ins, 1,
						NULL, 1),
			 VACCEL_EINVAL);
	release_input(&in);
	/* after all that, the model still runs */
	assert_int_equal(run_linear(&f->sess, &f->res), VACCEL_OK);
}

/* A model lives per (session, resource): unregistering drops it from that
 * session only; registering again reloads it. */
/* bad_storage.pt returns a tensor whose size claims 100000 floats over a
 * storage of 4 (libtorch loads such a constant unchecked): the plugin
 * refuses the output instead of copying past the storage, and the session
 * goes on. */
static void test_output_beyond_storage(void **state)
{
	struct fixture *f = *state;
	struct vaccel_resource bad;
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };
	struct vaccel_torch_tensor *out[1] = { NULL };
	char p[PATH_MAX];

	assert_int_equal(vaccel_resource_init(
				 &bad, ref_path(p, sizeof(p), "bad_storage.pt"),
				 VACCEL_RESOURCE_MODEL),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&bad, &f->sess), VACCEL_OK);
	input(&in, 2, d24, VACCEL_TORCH_FLOAT, x24, sizeof(x24));
	assert_int_equal(
		vaccel_torch_model_run(&f->sess, &bad, NULL, ins, 1, out, 1),
		VACCEL_EBACKEND);
	release_input(&in);
	assert_null(out[0]);
	assert_int_equal(vaccel_resource_release(&bad), VACCEL_OK);
	assert_int_equal(run_linear(&f->sess, &f->res), VACCEL_OK);
}

static void test_lifetime(void **state)
{
	struct fixture *f = *state;
	struct vaccel_session s2;

	assert_int_equal(vaccel_session_init(&s2, VACCEL_PLUGIN_TORCH),
			 VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&f->res, &s2), VACCEL_OK);
	assert_int_equal(vaccel_torch_model_load(&f->sess, &f->res), VACCEL_OK);
	assert_int_equal(vaccel_torch_model_load(&s2, &f->res), VACCEL_OK);
	assert_int_equal(vaccel_resource_unregister(&f->res, &f->sess),
			 VACCEL_OK);
	assert_int_equal(run_linear(&f->sess, &f->res), VACCEL_EPERM);
	assert_int_equal(run_linear(&s2, &f->res), VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&f->res, &f->sess),
			 VACCEL_OK);
	assert_int_equal(run_linear(&f->sess, &f->res), VACCEL_OK);
	/* releasing s2 frees its model (LeakSanitizer checks) */
	assert_int_equal(vaccel_session_release(&s2), VACCEL_OK);
	assert_int_equal(run_linear(&f->sess, &f->res), VACCEL_OK);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void test_sgemm(void **state)
{
	struct fixture *f = *state;
	/* A (2x3) x B (3x2) + C */
	float a[6] = { 1, 2, 3, 4, 5, 6 }, b[6] = { 7, 8, 9, 10, 11, 12 };
	float c[4] = { 1, -1, 0.5f, 0 };
	const float ab[4] = { 58, 64, 139, 154 };
	const float abc[4] = { 59, 63, 139.5f, 154 };
	const int64_t da[2] = { 2, 3 }, dc[2] = { 2, 2 };
	const int64_t flat[1] = { 6 };
	struct vaccel_torch_tensor ta, tb, tc, *pa = &ta, *pb = &tb, *pc = &tc;
	struct vaccel_torch_tensor *out = NULL, *none = NULL;

	input(&ta, 2, da, VACCEL_TORCH_FLOAT, a, sizeof(a));
	input(&tb, 1, flat, VACCEL_TORCH_FLOAT, b, sizeof(b));
	input(&tc, 2, dc, VACCEL_TORCH_FLOAT, c, sizeof(c));

	assert_int_equal(
		vaccel_torch_sgemm(&f->sess, &pa, &pb, NULL, 2, 2, 3, &out),
		VACCEL_OK);
	assert_int_equal(out->nr_dims, 2);
	assert_int_equal(out->size, sizeof(ab));
	assert_memory_equal(out->data, ab, sizeof(ab));
	vaccel_torch_tensor_delete(out);
	assert_int_equal(
		vaccel_torch_sgemm(&f->sess, &pa, &pb, &none, 2, 2, 3, &out),
		VACCEL_OK);
	vaccel_torch_tensor_delete(out);
	assert_int_equal(
		vaccel_torch_sgemm(&f->sess, &pa, &pb, &pc, 2, 2, 3, &out),
		VACCEL_OK);
	assert_memory_equal(out->data, abc, sizeof(abc));
	vaccel_torch_tensor_delete(out);

	/* shapes that do not match M, N, K; a non-float tensor */
	out = NULL;
	assert_int_equal(
		vaccel_torch_sgemm(&f->sess, &pa, &pb, NULL, 3, 2, 2, &out),
		VACCEL_EINVAL);
	assert_null(out);
	assert_int_equal(
		vaccel_torch_sgemm(&f->sess, &pa, &pb, &pc, 2, 3, 3, &out),
		VACCEL_EINVAL);
	tb.data_type = VACCEL_TORCH_INT;
	assert_int_equal(
		vaccel_torch_sgemm(&f->sess, &pa, &pb, NULL, 2, 2, 3, &out),
		VACCEL_EINVAL);
	tb.data_type = VACCEL_TORCH_FLOAT;

	release_input(&ta);
	release_input(&tb);
	release_input(&tc);
}
#pragma GCC diagnostic pop

/* The real image models: the output for a real photo equals what
 * python3-torch computed (within REF_TOL), on the first call and later. */
static void run_real(struct vaccel_session *sess, const struct ref *r)
{
	struct vaccel_resource res;
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };
	struct vaccel_torch_tensor *out[REF_MAX_OUTPUTS] = { NULL };
	float *x = ref_read_input(r);
	double t_load, t_first = 0, t[9], worst_abs = 0, worst_scaled = 0;

	assert_non_null(x);
	assert_int_equal(
		vaccel_resource_init(&res, r->model, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, sess), VACCEL_OK);
	t_load = ref_now_ms();
	assert_int_equal(vaccel_torch_model_load(sess, &res), VACCEL_OK);
	t_load = ref_now_ms() - t_load;
	input(&in, r->in.nr_dims, r->in.dims, VACCEL_TORCH_FLOAT, x,
	      r->in.count * sizeof(float));

	for (int it = -1; it < 9; it++) {
		double t0 = ref_now_ms();

		assert_int_equal(vaccel_torch_model_run(sess, &res, NULL, ins,
							1, out, r->nr_outputs),
				 VACCEL_OK);
		if (it < 0)
			t_first = ref_now_ms() - t0;
		else
			t[it] = ref_now_ms() - t0;
		for (int i = 0; (it < 0 || it == 8) && i < r->nr_outputs; i++) {
			float *want = ref_read_output(r, i);
			double a, s;

			assert_non_null(want);
			assert_int_equal(out[i]->data_type, VACCEL_TORCH_FLOAT);
			assert_int_equal(out[i]->nr_dims, r->out[i].nr_dims);
			assert_memory_equal(out[i]->dims, r->out[i].dims,
					    r->out[i].nr_dims *
						    sizeof(int64_t));
			assert_int_equal(out[i]->size,
					 r->out[i].count * sizeof(float));
			ref_diff(out[i]->data, want, r->out[i].count, &a, &s);
			worst_abs = a > worst_abs ? a : worst_abs;
			worst_scaled = s > worst_scaled ? s : worst_scaled;
			free(want);
		}
		delete_outputs(out, r->nr_outputs);
	}
	/* median of 9 */
	for (int i = 0; i < 9; i++)
		for (int j = i + 1; j < 9; j++)
			if (t[j] < t[i]) {
				double tmp = t[i];
				t[i] = t[j];
				t[j] = tmp;
			}
	print_message(
		"%-16s %-12s load %6.1f ms  first %7.1f ms  median %7.1f ms"
		" (python3-torch %6.1f)  max|diff| %.3g  scaled %.3g\n",
		r->name, r->image, t_load, t_first, t[4], r->py_ms, worst_abs,
		worst_scaled);
	assert_true(worst_scaled <= REF_TOL);
	release_input(&in);
	free(x);
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
}

static void test_real_models(void **state)
{
	struct fixture *f = *state;
	size_t done = 0;

	for (size_t i = 0; i < ref_nr_real_models; i++) {
		struct ref r;

		if (ref_load(ref_real_models[i], &r) != 0) {
			print_message("%-16s skipped: no reference (converted "
				      "model missing?)\n",
				      ref_real_models[i]);
			continue;
		}
		run_real(&f->sess, &r);
		done++;
	}
	if (done == 0)
		skip();
}

/* Threads share one session and one model, loaded on demand by whichever
 * thread comes first. */
struct thread_arg {
	struct vaccel_session *sess;
	struct vaccel_resource *res;
	const struct ref *r;
	const float *x, *want;
	int failures;
};

static void *run_many(void *p)
{
	struct thread_arg *ta = p;
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };

	for (int it = 0; it < 5; it++) {
		struct vaccel_torch_tensor *out[1] = { NULL };
		double a, s;

		/* no cmocka asserts in threads */
		if (vaccel_torch_tensor_init(&in, ta->r->in.nr_dims,
					     ta->r->in.dims,
					     VACCEL_TORCH_FLOAT) != VACCEL_OK ||
		    vaccel_torch_tensor_set_data(
			    &in, (void *)ta->x,
			    ta->r->in.count * sizeof(float)) != VACCEL_OK) {
			ta->failures++;
			continue;
		}
		if (vaccel_torch_model_run(ta->sess, ta->res, NULL, ins, 1, out,
					   1) != VACCEL_OK) {
			ta->failures++;
		} else {
			ref_diff(out[0]->data, ta->want, ta->r->out[0].count,
				 &a, &s);
			if (s > REF_TOL)
				ta->failures++;
			vaccel_torch_tensor_delete(out[0]);
		}
		void *d;
		size_t n;
		vaccel_torch_tensor_take_data(&in, &d, &n);
		vaccel_torch_tensor_release(&in);
	}
	return NULL;
}

static void test_threads(void **state)
{
	enum {
		T = 3
	};
	struct fixture *f = *state;
	struct vaccel_resource res;
	struct ref r;
	pthread_t th[T];
	struct thread_arg ta[T];
	float *x, *want;

	if (ref_load("movenet", &r) != 0)
		skip();
	x = ref_read_input(&r);
	want = ref_read_output(&r, 0);
	assert_non_null(x);
	assert_non_null(want);
	assert_int_equal(
		vaccel_resource_init(&res, r.model, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&res, &f->sess), VACCEL_OK);
	for (int i = 0; i < T; i++) {
		ta[i] = (struct thread_arg){ .sess = &f->sess,
					     .res = &res,
					     .r = &r,
					     .x = x,
					     .want = want };
		assert_int_equal(pthread_create(&th[i], NULL, run_many, &ta[i]),
				 0);
	}
	for (int i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(ta[i].failures, 0);
	}
	assert_int_equal(vaccel_resource_release(&res), VACCEL_OK);
	free(x);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_and_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_loads_on_demand, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_model_from_buffer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_model_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_multi_outputs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_beyond_storage,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sgemm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_models, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	ref_require_models();
	if (getenv("VACCEL_PLUGINS") == NULL ||
	    strstr(getenv("VACCEL_PLUGINS"), "libvaccel-torch") == NULL) {
		printf("SKIP: VACCEL_PLUGINS does not name "
		       "libvaccel-torch.so\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
