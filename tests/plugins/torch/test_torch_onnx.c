// SPDX-License-Identifier: Apache-2.0
/* The two runtimes agree: for each converted model with an ONNX twin, the
 * torch plugin on the TorchScript file (vaccel_torch_model_run) and the onnx
 * plugin on the ONNX file (vaccel_onnx_model_run) give the same outputs for
 * the same real photo. Both plugins are loaded in one process
 * (VACCEL_PLUGINS=torch:onnx); sessions pick them by hint: TORCH -> torch,
 * GENERIC -> onnx. Skips (77) when the onnx plugin was not built. */
#include "refs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vaccel.h>

#include <cmocka.h>

/* Outputs agree when |torch - onnx| <= AGREE_TOL * max(1, |onnx|): the two
 * runtimes sum in different orders (and ORT fuses ops), so this is looser
 * than the python3-torch comparison (REF_TOL). Measured: 3.7e-5 at most
 * (BlazeFace regressors, 3.7e-4 absolute on values up to 391). */
#define AGREE_TOL 2e-4

struct runtimes {
	struct vaccel_session ts, os; /* torch, onnx */
};

static int setup(void **state)
{
	struct runtimes *rt = calloc(1, sizeof(*rt));

	if (rt == NULL ||
	    vaccel_session_init(&rt->ts, VACCEL_PLUGIN_TORCH) != VACCEL_OK ||
	    vaccel_session_init(&rt->os, VACCEL_PLUGIN_GENERIC) != VACCEL_OK)
		return -1;
	*state = rt;
	return 0;
}

static int teardown(void **state)
{
	struct runtimes *rt = *state;

	vaccel_session_release(&rt->ts);
	vaccel_session_release(&rt->os);
	free(rt);
	return 0;
}

static void test_plugins_selected(void **state)
{
	struct runtimes *rt = *state;

	assert_string_equal(rt->ts.plugin->info->name, "torch");
	assert_string_equal(rt->os.plugin->info->name, "onnx");
}

static double median(double *t, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (t[j] < t[i]) {
				double x = t[i];
				t[i] = t[j];
				t[j] = x;
			}
	return t[n / 2];
}

enum {
	RUNS = 5
};

/* torch: outputs of the last of RUNS runs in tout; median ms in *ms. */
static void run_torch(struct vaccel_session *s, struct vaccel_resource *res,
		      const struct ref *r, float *x,
		      struct vaccel_torch_tensor **tout, double *ms)
{
	struct vaccel_torch_tensor in;
	struct vaccel_torch_tensor *ins[1] = { &in };
	double t[RUNS];
	void *d;
	size_t n;

	assert_int_equal(vaccel_torch_tensor_init(&in, r->in.nr_dims,
						  r->in.dims,
						  VACCEL_TORCH_FLOAT),
			 VACCEL_OK);
	vaccel_torch_tensor_set_data(&in, x, r->in.count * sizeof(float));
	for (int it = 0; it < RUNS; it++) {
		double t0 = ref_now_ms();

		for (int i = 0; it > 0 && i < r->nr_outputs; i++)
			vaccel_torch_tensor_delete(tout[i]);
		assert_int_equal(vaccel_torch_model_run(s, res, NULL, ins, 1,
							tout, r->nr_outputs),
				 VACCEL_OK);
		t[it] = ref_now_ms() - t0;
	}
	*ms = median(t, RUNS);
	vaccel_torch_tensor_take_data(&in, &d, &n);
	vaccel_torch_tensor_release(&in);
}

static void run_onnx(struct vaccel_session *s, struct vaccel_resource *res,
		     const struct ref *r, float *x,
		     struct vaccel_onnx_tensor **oout, double *ms)
{
	struct vaccel_onnx_tensor in;
	struct vaccel_onnx_tensor *ins[1] = { &in };
	double t[RUNS];
	void *d;
	size_t n;

	assert_int_equal(vaccel_onnx_tensor_init(&in, r->in.nr_dims, r->in.dims,
						 VACCEL_ONNX_FLOAT),
			 VACCEL_OK);
	vaccel_onnx_tensor_set_data(&in, x, r->in.count * sizeof(float));
	for (int it = 0; it < RUNS; it++) {
		double t0 = ref_now_ms();

		for (int i = 0; it > 0 && i < r->nr_outputs; i++)
			vaccel_onnx_tensor_delete(oout[i]);
		assert_int_equal(vaccel_onnx_model_run(s, res, ins, 1, oout,
						       r->nr_outputs),
				 VACCEL_OK);
		t[it] = ref_now_ms() - t0;
	}
	*ms = median(t, RUNS);
	vaccel_onnx_tensor_take_data(&in, &d, &n);
	vaccel_onnx_tensor_release(&in);
}

static void compare(struct runtimes *rt, const struct ref *r)
{
	struct vaccel_resource pt, onnx;
	struct vaccel_torch_tensor *tout[REF_MAX_OUTPUTS] = { NULL };
	struct vaccel_onnx_tensor *oout[REF_MAX_OUTPUTS] = { NULL };
	float *x = ref_read_input(r);
	double tms, oms, worst_abs = 0, worst_scaled = 0;

	assert_non_null(x);
	assert_int_equal(
		vaccel_resource_init(&pt, r->model, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&pt, &rt->ts), VACCEL_OK);
	assert_int_equal(
		vaccel_resource_init(&onnx, r->onnx, VACCEL_RESOURCE_MODEL),
		VACCEL_OK);
	assert_int_equal(vaccel_resource_register(&onnx, &rt->os), VACCEL_OK);
	assert_int_equal(vaccel_torch_model_load(&rt->ts, &pt), VACCEL_OK);
	assert_int_equal(vaccel_onnx_model_load(&rt->os, &onnx), VACCEL_OK);

	run_torch(&rt->ts, &pt, r, x, tout, &tms);
	run_onnx(&rt->os, &onnx, r, x, oout, &oms);

	for (int i = 0; i < r->nr_outputs; i++) {
		double a, s;

		assert_int_equal(tout[i]->nr_dims, oout[i]->nr_dims);
		assert_memory_equal(tout[i]->dims, oout[i]->dims,
				    (size_t)oout[i]->nr_dims * sizeof(int64_t));
		assert_int_equal(oout[i]->data_type, VACCEL_ONNX_FLOAT);
		assert_int_equal(tout[i]->size, oout[i]->size);
		ref_diff(tout[i]->data, oout[i]->data,
			 tout[i]->size / sizeof(float), &a, &s);
		worst_abs = a > worst_abs ? a : worst_abs;
		worst_scaled = s > worst_scaled ? s : worst_scaled;
		vaccel_torch_tensor_delete(tout[i]);
		vaccel_onnx_tensor_delete(oout[i]);
	}
	print_message("%-16s %-12s torch %7.1f ms  onnx %7.1f ms  "
		      "max|torch-onnx| %.3g  scaled %.3g\n",
		      r->name, r->image, tms, oms, worst_abs, worst_scaled);
	assert_true(worst_scaled <= AGREE_TOL);

	assert_int_equal(vaccel_onnx_model_unload(&rt->os, &onnx), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&pt), VACCEL_OK);
	assert_int_equal(vaccel_resource_release(&onnx), VACCEL_OK);
	free(x);
}

static void test_runtimes_agree(void **state)
{
	size_t done = 0;

	for (size_t i = 0; i < ref_nr_real_models; i++) {
		struct ref r;

		if (ref_load(ref_real_models[i], &r) != 0 ||
		    r.onnx[0] == '\0' || access(r.onnx, R_OK) != 0) {
			print_message(
				"%-16s skipped: no reference or no ONNX twin\n",
				ref_real_models[i]);
			continue;
		}
		compare(*state, &r);
		done++;
	}
	if (done == 0)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugins_selected),
		cmocka_unit_test(test_runtimes_agree),
	};
	const char *plugins = getenv("VACCEL_PLUGINS");

	ref_require_models();
	if (plugins == NULL || strstr(plugins, "libvaccel-onnx") == NULL ||
	    strstr(plugins, "libvaccel-torch") == NULL) {
		printf("SKIP: needs the torch and onnx plugins "
		       "(VACCEL_PLUGINS=%s); "
		       "the onnx plugin is built when ONNX Runtime is fetched "
		       "(scripts/fetch-assets.sh)\n",
		       plugins ? plugins : "");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
