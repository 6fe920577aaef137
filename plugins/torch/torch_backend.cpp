// SPDX-License-Identifier: Apache-2.0
/* libtorch behind the C interface of torch_backend.h: the plugin's only C++
 * file (libtorch headers take ~15 s per translation unit to compile).
 *
 * Every extern "C" function runs its body through guarded(), which turns
 * any exception into a VACCEL_E* code and a message; nothing is thrown
 * across the interface. */
#include "torch_backend.h"

#include <ATen/Parallel.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cinttypes>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

struct torch_backend_model {
	torch::jit::Module module;
};

namespace
{

/* Set by torch_backend_init(); applied to each thread that runs a model
 * (libtorch keeps the optimiser switch and OpenMP's thread count per
 * thread). */
enum torch_backend_jit g_jit = TORCH_BACKEND_JIT_OFF;
std::atomic<unsigned> g_config_gen{ 0 };
thread_local unsigned t_config_gen = 0;

void set_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	if (err == nullptr || err_len == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

/* libtorch messages of TorchScript errors carry a traceback; the reason is
 * their last non-empty line. */
std::string last_line(const std::string &msg)
{
	size_t end = msg.find_last_not_of(" \t\r\n");
	if (end == std::string::npos)
		return msg;
	size_t start = msg.rfind('\n', end);
	start = start == std::string::npos ? 0 : start + 1;
	return msg.substr(start, end - start + 1);
}

/* Run `body` (returning a VACCEL_E* code); an exception becomes
 * `what` + its reason. libtorch reports a bad model or a bad input with
 * c10::Error or std::runtime_error (argument checks of forward()): those
 * give `code`; only out-of-memory and non-standard exceptions differ. */
template <typename F>
int guarded(const char *what, int code, char *err, size_t err_len,
	    F body) noexcept
{
	try {
		return body();
	} catch (const c10::Error &e) {
		set_err(err, err_len, "%s: %s", what,
			last_line(e.what_without_backtrace()).c_str());
		return code;
	} catch (const std::bad_alloc &) {
		set_err(err, err_len, "%s: out of memory", what);
		return VACCEL_ENOMEM;
	} catch (const std::exception &e) {
		set_err(err, err_len, "%s: %s", what,
			last_line(e.what()).c_str());
		return code;
	} catch (...) {
		set_err(err, err_len, "%s: unknown C++ exception", what);
		return VACCEL_EBACKEND;
	}
}

void apply_thread_config()
{
	unsigned gen = g_config_gen.load(std::memory_order_acquire);
	if (t_config_gen == gen)
		return;
	at::init_num_threads();
	torch::jit::setGraphExecutorOptimize(g_jit != TORCH_BACKEND_JIT_OFF);
	t_config_gen = gen;
}

/* A tensor's data_type as an int. Applications may store any number in
 * that C enum; in C++ merely reading an enum outside its values is
 * undefined, so the bytes are copied instead. */
int raw_dtype(const struct vaccel_torch_tensor *t)
{
	static_assert(sizeof(t->data_type) == sizeof(int),
		      "enum vaccel_torch_data_type is not int-sized");
	int v;
	std::memcpy(&v, &t->data_type, sizeof(v));
	return v;
}

bool to_scalar_type(int t, c10::ScalarType *st)
{
	switch (t) {
	case VACCEL_TORCH_BYTE:
		*st = c10::kByte;
		return true;
	case VACCEL_TORCH_CHAR:
		*st = c10::kChar;
		return true;
	case VACCEL_TORCH_SHORT:
		*st = c10::kShort;
		return true;
	case VACCEL_TORCH_INT:
		*st = c10::kInt;
		return true;
	case VACCEL_TORCH_LONG:
		*st = c10::kLong;
		return true;
	case VACCEL_TORCH_HALF:
		*st = c10::kHalf;
		return true;
	case VACCEL_TORCH_FLOAT:
		*st = c10::kFloat;
		return true;
	}
	return false;
}

/* The vAccel type an output of type `st` is returned as, and the type it
 * is converted to first (bool, float64, bfloat16 have no vAccel type). */
bool from_scalar_type(c10::ScalarType st, enum vaccel_torch_data_type *t,
		      c10::ScalarType *as)
{
	*as = st;
	switch (st) {
	case c10::kByte:
		*t = VACCEL_TORCH_BYTE;
		return true;
	case c10::kBool:
		*t = VACCEL_TORCH_BYTE;
		*as = c10::kByte;
		return true;
	case c10::kChar:
		*t = VACCEL_TORCH_CHAR;
		return true;
	case c10::kShort:
		*t = VACCEL_TORCH_SHORT;
		return true;
	case c10::kInt:
		*t = VACCEL_TORCH_INT;
		return true;
	case c10::kLong:
		*t = VACCEL_TORCH_LONG;
		return true;
	case c10::kHalf:
		*t = VACCEL_TORCH_HALF;
		return true;
	case c10::kFloat:
		*t = VACCEL_TORCH_FLOAT;
		return true;
	case c10::kDouble:
	case c10::kBFloat16:
		*t = VACCEL_TORCH_FLOAT;
		*as = c10::kFloat;
		return true;
	default:
		return false;
	}
}

/* A read-only view of a TorchScript archive in memory, so that loading
 * from a buffer copies nothing. */
class MemoryReader : public caffe2::serialize::ReadAdapterInterface
{
      public:
	MemoryReader(const void *data, size_t size)
	    : data_(static_cast<const char *>(data)), size_(size)
	{
	}
	size_t size() const override
	{
		return size_;
	}
	size_t read(uint64_t pos, void *buf, size_t n,
		    const char *what) const override
	{
		(void)what;
		if (pos >= size_)
			return 0;
		n = std::min<size_t>(n, size_ - pos);
		std::memcpy(buf, data_ + pos, n);
		return n;
	}

      private:
	const char *data_;
	size_t size_;
};

int finish_load(torch::jit::Module &&module, struct torch_backend_model **out)
{
	module.eval();
	*out = new torch_backend_model{ std::move(module) };
	return VACCEL_OK;
}

/* The tensors forward() returned, flattened one level (tuple or list). */
int collect_outputs(const c10::IValue &v, std::vector<at::Tensor> *out,
		    char *err, size_t err_len)
{
	if (v.isTensor()) {
		out->push_back(v.toTensor());
		return VACCEL_OK;
	}
	std::vector<c10::IValue> items;
	if (v.isTuple())
		items = v.toTupleRef().elements().vec();
	else if (v.isList())
		items = v.toListRef().vec();
	else {
		set_err(err, err_len,
			"forward() returned a %s; supported: a tensor, or a "
			"tuple or list of tensors",
			v.tagKind().c_str());
		return VACCEL_ENOTSUP;
	}
	for (size_t i = 0; i < items.size(); i++) {
		if (!items[i].isTensor()) {
			set_err(err, err_len,
				"output %zu of forward() is a %s, not a tensor",
				i, items[i].tagKind().c_str());
			return VACCEL_ENOTSUP;
		}
		out->push_back(items[i].toTensor());
	}
	return VACCEL_OK;
}

/* A model can return a tensor whose sizes and strides reach past its
 * storage (a constant in a crafted archive: libtorch 1.13 does not check
 * what it unpickles). Reading it, even to make it contiguous, would read
 * past the storage: only strided tensors whose every element lies inside
 * their storage are used. */
static bool within_storage(const at::Tensor &t)
{
	if (t.layout() != c10::kStrided || !t.has_storage())
		return false;
	if (t.numel() == 0)
		return true;
	int64_t last = t.storage_offset();
	if (last < 0)
		return false;
	for (int64_t d = 0; d < t.dim(); d++) {
		int64_t size = t.size(d), stride = t.stride(d);
		if (stride < 0 || (size > 1 && stride > INT64_MAX / (size - 1)))
			return false;
		if (size > 1 && last > INT64_MAX - stride * (size - 1))
			return false;
		last += size > 1 ? stride * (size - 1) : 0;
	}
	uint64_t esize = (uint64_t)t.element_size();
	uint64_t need = ((uint64_t)last + 1) * esize;
	return (uint64_t)last < UINT64_MAX / esize &&
	       need <= (uint64_t)t.storage().nbytes();
}

/* Convert each output to its vAccel type, contiguous, before anything is
 * allocated: a failure leaves the caller's outputs untouched. */
int convert_outputs(std::vector<at::Tensor> *ts,
		    std::vector<enum vaccel_torch_data_type> *types, char *err,
		    size_t err_len)
{
	for (size_t i = 0; i < ts->size(); i++) {
		at::Tensor &t = (*ts)[i];
		enum vaccel_torch_data_type vt;
		c10::ScalarType as;
		if (!within_storage(t)) {
			set_err(err, err_len,
				"output %zu claims %" PRId64
				" elements beyond its storage (%zu bytes): "
				"refused",
				i, (int64_t)t.numel(),
				t.has_storage() ? t.storage().nbytes() : 0);
			return VACCEL_EBACKEND;
		}
		if (!from_scalar_type(t.scalar_type(), &vt, &as)) {
			set_err(err, err_len,
				"output %zu has type %s, which vAccel cannot "
				"represent",
				i, c10::toString(t.scalar_type()));
			return VACCEL_ENOTSUP;
		}
		if (t.device().type() != c10::kCPU)
			t = t.cpu();
		if (as != t.scalar_type())
			t = t.to(as);
		t = t.contiguous();
		types->push_back(vt);
	}
	return VACCEL_OK;
}

int copy_outputs(const std::vector<at::Tensor> &ts,
		 const std::vector<enum vaccel_torch_data_type> &types,
		 torch_backend_alloc_fn alloc, void *ctx, char *err,
		 size_t err_len)
{
	for (size_t i = 0; i < ts.size(); i++) {
		const at::Tensor &t = ts[i];
		std::vector<int64_t> dims = t.sizes().vec();
		if (dims.empty())
			dims.push_back(1); /* a 0-d tensor: one element */
		size_t bytes = t.numel() * t.element_size();
		void *dst = alloc(ctx, (int)i, (int64_t)dims.size(),
				  dims.data(), types[i], bytes);
		if (dst == nullptr && bytes != 0) {
			set_err(err, err_len,
				"cannot allocate output %zu (%zu bytes)", i,
				bytes);
			return VACCEL_ENOMEM;
		}
		if (bytes != 0)
			std::memcpy(dst, t.data_ptr(), bytes);
	}
	return VACCEL_OK;
}

int run_model(struct torch_backend_model *model,
	      struct vaccel_torch_tensor *const *inputs, int nr_inputs,
	      int nr_outputs, torch_backend_alloc_fn alloc, void *ctx,
	      char *err, size_t err_len)
{
	apply_thread_config();
	c10::InferenceMode guard;

	std::vector<c10::IValue> args;
	args.reserve(nr_inputs);
	for (int i = 0; i < nr_inputs; i++) {
		const struct vaccel_torch_tensor *in = inputs[i];
		c10::ScalarType st;
		if (!to_scalar_type(raw_dtype(in), &st)) {
			set_err(err, err_len, "input %d: bad data type %d", i,
				raw_dtype(in));
			return VACCEL_EINVAL;
		}
		/* No copy: libtorch reads the caller's buffer in place. */
		args.emplace_back(torch::from_blob(
			in->data, c10::IntArrayRef(in->dims, in->nr_dims),
			torch::TensorOptions().dtype(st)));
	}

	c10::IValue result = model->module.forward(std::move(args));

	std::vector<at::Tensor> ts;
	int ret = collect_outputs(result, &ts, err, err_len);
	if (ret != VACCEL_OK)
		return ret;
	if ((size_t)nr_outputs > ts.size()) {
		set_err(err, err_len,
			"%d outputs asked but forward() returned %zu",
			nr_outputs, ts.size());
		return VACCEL_EINVAL;
	}
	ts.resize(nr_outputs);

	std::vector<enum vaccel_torch_data_type> types;
	ret = convert_outputs(&ts, &types, err, err_len);
	if (ret != VACCEL_OK)
		return ret;
	return copy_outputs(ts, types, alloc, ctx, err, err_len);
}

} // namespace

extern "C" {

int torch_backend_init(int nr_threads, enum torch_backend_jit jit, char *err,
		       size_t err_len)
{
	if (nr_threads < 1) {
		set_err(err, err_len, "thread count must be >= 1, not %d",
			nr_threads);
		return VACCEL_EINVAL;
	}
	if (err != nullptr && err_len > 0)
		err[0] = '\0';
	int ret =
		guarded("setting threads", VACCEL_EBACKEND, err, err_len, [&] {
			at::set_num_threads(nr_threads);
			g_jit = jit;
			torch::jit::getProfilingMode() =
				jit == TORCH_BACKEND_JIT_PROFILE;
			torch::jit::getExecutorMode() = true;
			g_config_gen.fetch_add(1, std::memory_order_release);
			return VACCEL_OK;
		});
	if (ret != VACCEL_OK)
		return ret;
	/* Throws if the inter-op pool already started (libtorch was used
	 * before in this process): not an error for us. */
	guarded("inter-op threads already started, not set", VACCEL_OK, err,
		err_len, [&] {
			at::set_num_interop_threads(nr_threads);
			return VACCEL_OK;
		});
	return VACCEL_OK;
}

size_t torch_backend_dtype_size(int type)
{
	switch (type) {
	case VACCEL_TORCH_BYTE:
	case VACCEL_TORCH_CHAR:
		return 1;
	case VACCEL_TORCH_SHORT:
	case VACCEL_TORCH_HALF:
		return 2;
	case VACCEL_TORCH_INT:
	case VACCEL_TORCH_FLOAT:
		return 4;
	case VACCEL_TORCH_LONG:
		return 8;
	}
	return 0;
}

int torch_backend_check_tensor(const struct vaccel_torch_tensor *t, char *err,
			       size_t err_len)
{
	if (t == nullptr) {
		set_err(err, err_len, "tensor is NULL");
		return VACCEL_EINVAL;
	}
	size_t esize = torch_backend_dtype_size(raw_dtype(t));
	if (esize == 0) {
		set_err(err, err_len, "unknown data type %d", raw_dtype(t));
		return VACCEL_EINVAL;
	}
	if (t->nr_dims < 0 || t->nr_dims > TORCH_BACKEND_MAX_DIMS ||
	    (t->nr_dims > 0 && t->dims == nullptr)) {
		set_err(err, err_len, "bad nr_dims %lld (0..%d, with dims)",
			(long long)t->nr_dims, TORCH_BACKEND_MAX_DIMS);
		return VACCEL_EINVAL;
	}
	size_t count = 1;
	for (int64_t i = 0; i < t->nr_dims; i++) {
		int64_t d = t->dims[i];
		if (d < 0 || (d > 0 && count > SIZE_MAX / esize / (size_t)d)) {
			set_err(err, err_len, "bad dimension %lld: %lld",
				(long long)i, (long long)d);
			return VACCEL_EINVAL;
		}
		count *= (size_t)d;
	}
	if (t->size != count * esize) {
		set_err(err, err_len,
			"size is %zu bytes but dims and type make %zu (%zu x "
			"%zu)",
			t->size, count * esize, count, esize);
		return VACCEL_EINVAL;
	}
	if (t->size != 0 && t->data == nullptr) {
		set_err(err, err_len, "data is NULL");
		return VACCEL_EINVAL;
	}
	return VACCEL_OK;
}

int torch_backend_model_load_file(const char *path,
				  struct torch_backend_model **model, char *err,
				  size_t err_len)
{
	return guarded(
		"not a TorchScript model", VACCEL_EINVAL, err, err_len,
		[&] { return finish_load(torch::jit::load(path), model); });
}

int torch_backend_model_load_buffer(const void *data, size_t size,
				    struct torch_backend_model **model,
				    char *err, size_t err_len)
{
	return guarded(
		"not a TorchScript model", VACCEL_EINVAL, err, err_len, [&] {
			auto rd = std::make_shared<MemoryReader>(data, size);
			return finish_load(torch::jit::load(rd), model);
		});
}

void torch_backend_model_free(struct torch_backend_model *model)
{
	delete model; /* destructors do not throw */
}

int torch_backend_model_run(struct torch_backend_model *model,
			    struct vaccel_torch_tensor *const *inputs,
			    int nr_inputs, int nr_outputs,
			    torch_backend_alloc_fn alloc, void *ctx, char *err,
			    size_t err_len)
{
	return guarded("forward() failed", VACCEL_EINVAL, err, err_len, [&] {
		return run_model(model, inputs, nr_inputs, nr_outputs, alloc,
				 ctx, err, err_len);
	});
}

int torch_backend_sgemm(const float *a, const float *b, const float *c,
			float *out, int64_t m, int64_t n, int64_t k, char *err,
			size_t err_len)
{
	return guarded("sgemm failed", VACCEL_EINVAL, err, err_len, [&] {
		apply_thread_config();
		c10::InferenceMode guard;
		auto opts = torch::TensorOptions().dtype(c10::kFloat);
		/* libtorch only reads a, b and c: the casts drop const for
		 * from_blob's signature. */
		at::Tensor ta = torch::from_blob(const_cast<float *>(a),
						 { m, k }, opts);
		at::Tensor tb = torch::from_blob(const_cast<float *>(b),
						 { k, n }, opts);
		at::Tensor tout = torch::from_blob(out, { m, n }, opts);
		if (c != nullptr) {
			at::Tensor tc = torch::from_blob(const_cast<float *>(c),
							 { m, n }, opts);
			at::addmm_out(tout, tc, ta, tb);
		} else {
			at::mm_out(tout, ta, tb);
		}
		return VACCEL_OK;
	});
}

} // extern "C"
