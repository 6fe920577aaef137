// SPDX-License-Identifier: Apache-2.0
/* The torch plugin's cost: the same TorchScript model and input run with
 * libtorch called directly (as an application would: from_blob, forward,
 * read the output tensors in place) and through libvaccel
 * (vaccel_torch_model_run with the torch plugin, outputs copied into new
 * vaccel tensors, then deleted), in one process, interleaved, medians.
 *
 * usage: bench-torch compare [ROUNDS]   table: direct vs libvaccel
 *        bench-torch first NAME         NAME JIT load 1st 2nd median (ms),
 *                                       through libvaccel, this process
 * Needs VACCEL_PLUGINS=<path of libvaccel-torch.so> and the models of
 * scripts/make-torch-test-models.py. The direct path uses the plugin's
 * settings (one thread, graph optimisation as VACCEL_TORCH_JIT says). */
#include "refs.h"

#include <ATen/Parallel.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <string>
#include <vaccel.h>
#include <vector>

namespace
{

struct model {
	std::string name, path;
	std::vector<int64_t> dims;
	std::vector<float> input;
	int nr_outputs;
};

/* linear.pt (tiny: shows the fixed cost per call) and the real models. */
std::vector<model> models()
{
	std::vector<model> ms;
	char p[PATH_MAX];

	ms.push_back({ "linear",
		       ref_path(p, sizeof(p), "linear.pt"),
		       { 2, 4 },
		       { 1, 2, 3, 4, -1, 0, 1, 2 },
		       1 });
	for (size_t i = 0; i < ref_nr_real_models; i++) {
		struct ref r;
		if (ref_load(ref_real_models[i], &r) != 0)
			continue;
		float *x = ref_read_input(&r);
		if (x == nullptr)
			continue;
		ms.push_back({ r.name, r.model,
			       std::vector<int64_t>(r.in.dims,
						    r.in.dims + r.in.nr_dims),
			       std::vector<float>(x, x + r.in.count),
			       r.nr_outputs });
		free(x);
	}
	return ms;
}

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

/* ---- direct libtorch ---------------------------------------------------- */

void direct_setup()
{
	const char *jit = getenv("VACCEL_TORCH_JIT");
	std::string mode = jit && *jit ? jit : "off";

	at::set_num_threads(1);
	torch::jit::getProfilingMode() = mode == "profile";
	torch::jit::setGraphExecutorOptimize(mode != "off");
}

double direct_call(torch::jit::Module &m, model &md)
{
	double t0 = ref_now_ms();
	c10::InferenceMode guard;
	at::Tensor x = torch::from_blob(md.input.data(), md.dims);
	c10::IValue y = m.forward({ x });
	/* what an application reads: contiguous output buffers */
	if (y.isTensor()) {
		y.toTensor().contiguous().data_ptr();
	} else {
		for (auto &e : y.toTupleRef().elements())
			e.toTensor().contiguous().data_ptr();
	}
	return ref_now_ms() - t0;
}

/* ---- through libvaccel -------------------------------------------------- */

struct vsession {
	struct vaccel_session sess;
	struct vaccel_resource res;
	struct vaccel_torch_tensor in;
};

double vaccel_call(vsession &v, model &md)
{
	struct vaccel_torch_tensor *ins[1] = { &v.in };
	struct vaccel_torch_tensor *out[8] = { nullptr };
	double t0 = ref_now_ms();

	if (vaccel_torch_model_run(&v.sess, &v.res, nullptr, ins, 1, out,
				   md.nr_outputs) != VACCEL_OK) {
		fprintf(stderr, "bench-torch: %s: run failed\n",
			md.name.c_str());
		exit(1);
	}
	for (int i = 0; i < md.nr_outputs; i++)
		vaccel_torch_tensor_delete(out[i]);
	return ref_now_ms() - t0;
}

int vaccel_open(vsession &v, model &md, double *load_ms)
{
	if (vaccel_session_init(&v.sess, VACCEL_PLUGIN_TORCH) != VACCEL_OK ||
	    vaccel_resource_init(&v.res, md.path.c_str(),
				 VACCEL_RESOURCE_MODEL) != VACCEL_OK ||
	    vaccel_resource_register(&v.res, &v.sess) != VACCEL_OK)
		return -1;
	double t0 = ref_now_ms();
	if (vaccel_torch_model_load(&v.sess, &v.res) != VACCEL_OK)
		return -1;
	*load_ms = ref_now_ms() - t0;
	if (vaccel_torch_tensor_init(&v.in, (int64_t)md.dims.size(),
				     md.dims.data(),
				     VACCEL_TORCH_FLOAT) != VACCEL_OK)
		return -1;
	return vaccel_torch_tensor_set_data(&v.in, md.input.data(),
					    md.input.size() * sizeof(float));
}

void vaccel_close(vsession &v)
{
	void *d;
	size_t n;

	vaccel_torch_tensor_take_data(&v.in, &d, &n);
	vaccel_torch_tensor_release(&v.in);
	vaccel_resource_release(&v.res);
	vaccel_session_release(&v.sess);
}

/* ---- modes -------------------------------------------------------------- */

int compare(int rounds)
{
	direct_setup();
	printf("| model | libtorch direct | through libvaccel | ratio | "
	       "extra per call (median of pairs) |\n|---|---|---|---|---|\n");
	for (model &md : models()) {
		torch::jit::Module m = torch::jit::load(md.path);
		vsession v;
		double load_ms;

		m.eval();
		if (vaccel_open(v, md, &load_ms) != 0) {
			fprintf(stderr, "bench-torch: %s: load failed\n",
				md.name.c_str());
			return 1;
		}
		/* warm up both, and size a round to ~0.2 s */
		double est = 0;
		for (int i = 0; i < 3; i++) {
			direct_call(m, md);
			est = vaccel_call(v, md);
		}
		int calls = std::max(3, std::min(20000, (int)(200 / est)));
		/* Pairs of calls, one of each path, in alternating order: load
		 * from other processes hits both alike, and the median of the
		 * paired differences is the plugin's cost. */
		std::vector<double> d, w, diff;
		for (int r = 0; r < rounds; r++) {
			for (int i = 0; i < calls; i++) {
				double td, tw;
				if ((r + i) % 2 == 0) {
					td = direct_call(m, md);
					tw = vaccel_call(v, md);
				} else {
					tw = vaccel_call(v, md);
					td = direct_call(m, md);
				}
				d.push_back(td);
				w.push_back(tw);
				diff.push_back(tw - td);
			}
		}
		double dm = median(d), wm = median(w);
		printf("| %s | %.3f ms | %.3f ms | %.3f | %+.1f µs |\n",
		       md.name.c_str(), dm, wm, wm / dm, median(diff) * 1e3);
		fflush(stdout);
		vaccel_close(v);
	}
	return 0;
}

int first(const char *name)
{
	for (model &md : models()) {
		if (md.name != name)
			continue;
		vsession v;
		double load_ms;
		if (vaccel_open(v, md, &load_ms) != 0)
			return 1;
		double c1 = vaccel_call(v, md), c2 = vaccel_call(v, md);
		std::vector<double> rest;
		for (int i = 0; i < 9; i++)
			rest.push_back(vaccel_call(v, md));
		const char *jit = getenv("VACCEL_TORCH_JIT");
		/* raw numbers: run.sh takes medians over fresh processes */
		printf("%s %s %.2f %.2f %.2f %.2f\n", md.name.c_str(),
		       jit && *jit ? jit : "off", load_ms, c1, c2,
		       median(rest));
		vaccel_close(v);
		return 0;
	}
	fprintf(stderr, "bench-torch: no model %s\n", name);
	return 1;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		printf("usage: %s compare [ROUNDS] | first NAME\n"
		       "libtorch direct vs through libvaccel (torch plugin); "
		       "first: the first calls of NAME in this process.\n"
		       "Needs VACCEL_PLUGINS=<path of libvaccel-torch.so>.\n",
		       argv[0]);
		return argc < 2 ? 2 : 0;
	}
	char p[PATH_MAX];
	if (access(ref_path(p, sizeof(p), "linear.pt"), R_OK) != 0) {
		printf("(no models: run /usr/bin/python3 "
		       "scripts/make-torch-test-models.py)\n");
		return 0;
	}
	try {
		if (!strcmp(argv[1], "compare"))
			return compare(argc > 2 ? atoi(argv[2]) : 7);
		if (!strcmp(argv[1], "first") && argc > 2)
			return first(argv[2]);
	} catch (const std::exception &e) {
		fprintf(stderr, "bench-torch: %s\n", e.what());
		return 1;
	}
	fprintf(stderr, "bench-torch: unknown mode %s\n", argv[1]);
	return 2;
}
