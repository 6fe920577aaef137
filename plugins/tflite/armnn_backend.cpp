// SPDX-License-Identifier: Apache-2.0
/* Arm NN (20.08 in Debian) behind the C face of armnn_backend.h: the only
 * C++ file of the tflite plugin. One runtime per process; each network is
 * parsed with the TFLite parser, optimised for the chosen backends and
 * loaded into it. */
#include "armnn_backend.h"

#include "vaccel/error.h"
#include "vaccel/ops/tflite.h"
#include "vpc_guard.hpp"

#include <armnn/ArmNN.hpp>
#include <armnnTfLiteParser/ITfLiteParser.hpp>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

struct tfl_net {
	armnn::NetworkId id;
	/* Arm NN 20.08's EnqueueWorkload is not safe on one network from two
	 * threads (its input and output workloads are shared): runs of one
	 * network take turns; different networks run at the same time */
	std::mutex run;
	std::vector<armnnTfLiteParser::BindingPointInfo> in_bind, out_bind;
	std::vector<tfl_io> in, out;
};

namespace
{

/* Not a static object with a destructor: libvaccel's own destructor may
 * release sessions after the C++ destructors of this library and of Arm NN
 * ran (at exit). `exiting` is set before those run (the handler is
 * registered after them); then nothing of Arm NN is touched any more, the
 * process is ending. */
armnn::IRuntime *runtime;
std::vector<armnn::BackendId> *backends;
bool exiting;

void mark_exiting()
{
	exiting = true;
}

/* Arm NN's parser and loader throw armnn::Exception (and subclasses) for
 * models they cannot take: VACCEL_EINVAL. */
template <typename F> int guard(const char *what, char *err, size_t len, F f)
{
	return vpc_guard<armnn::Exception>(what, err, len, f);
}

/* Arm NN's type as a TFLite one (0: none). */
int tflite_type(armnn::DataType t)
{
	switch (t) {
	case armnn::DataType::Float32:
		return VACCEL_TFLITE_FLOAT32;
	case armnn::DataType::Float16:
		return VACCEL_TFLITE_FLOAT16;
	case armnn::DataType::QAsymmU8:
		return VACCEL_TFLITE_UINT8;
	case armnn::DataType::QAsymmS8:
	case armnn::DataType::QSymmS8:
		return VACCEL_TFLITE_INT8;
	case armnn::DataType::QSymmS16:
		return VACCEL_TFLITE_INT16;
	case armnn::DataType::Signed32:
		return VACCEL_TFLITE_INT32;
	case armnn::DataType::Boolean:
		return VACCEL_TFLITE_BOOL;
	default:
		return 0;
	}
}

tfl_io describe(const std::string &name, const armnn::TensorInfo &ti)
{
	tfl_io io = {};
	const armnn::TensorShape &s = ti.GetShape();

	snprintf(io.name, sizeof(io.name), "%s", name.c_str());
	io.type = tflite_type(ti.GetDataType());
	if (!io.type || s.GetNumDimensions() > TFL_MAX_DIMS)
		throw armnn::Exception("tensor " + name +
				       ": unsupported type or rank");
	io.nr_dims = (int)s.GetNumDimensions();
	for (int d = 0; d < io.nr_dims; d++)
		io.dims[d] = (int32_t)s[d];
	io.bytes = ti.GetNumBytes();
	return io;
}

int load(armnnTfLiteParser::ITfLiteParser &p, armnn::INetworkPtr net,
	 tfl_net **out, char *err, size_t len)
{
	std::vector<std::string> msgs;
	armnn::IOptimizedNetworkPtr opt = armnn::Optimize(
		*net, *backends, runtime->GetDeviceSpec(),
		armnn::OptimizerOptions(),
		armnn::Optional<std::vector<std::string> &>(msgs));
	std::string why;

	if (!opt) {
		for (const std::string &m : msgs)
			why += (why.empty() ? "" : "; ") + m;
		vpc_say(err, len, "Optimize: %s", why.c_str());
		return VACCEL_EINVAL;
	}
	auto *n = new tfl_net();
	if (runtime->LoadNetwork(n->id, std::move(opt), why,
				 armnn::INetworkProperties()) !=
	    armnn::Status::Success) {
		delete n;
		vpc_say(err, len, "LoadNetwork: %s", why.c_str());
		return VACCEL_EINVAL;
	}
	for (const std::string &name : p.GetSubgraphInputTensorNames(0)) {
		n->in_bind.push_back(p.GetNetworkInputBindingInfo(0, name));
		n->in.push_back(describe(name, n->in_bind.back().second));
	}
	for (const std::string &name : p.GetSubgraphOutputTensorNames(0)) {
		n->out_bind.push_back(p.GetNetworkOutputBindingInfo(0, name));
		n->out.push_back(describe(name, n->out_bind.back().second));
	}
	*out = n;
	return VACCEL_OK;
}

int ready(char *err, size_t len)
{
	if (runtime)
		return VACCEL_OK;
	vpc_say(err, len, "the Arm NN runtime is not initialised");
	return VACCEL_EINVAL;
}

} // namespace

extern "C" {

int tfl_init(const char *list, char *used, size_t used_len, char *err,
	     size_t err_len)
{
	static bool hooked;

	if (!hooked)
		hooked = !std::atexit(mark_exiting);
	tfl_fini();
	return guard("init", err, err_len, [&] {
		armnn::IRuntime::CreationOptions o;
		std::stringstream in(list), names;
		std::string id;

		runtime = armnn::IRuntime::CreateRaw(o);
		backends = new std::vector<armnn::BackendId>();
		const armnn::BackendIdSet &have =
			runtime->GetDeviceSpec().GetSupportedBackends();
		while (std::getline(in, id, ','))
			if (have.count(armnn::BackendId(id)))
				backends->emplace_back(id);
		for (const armnn::BackendId &b : *backends)
			names << (names.tellp() > 0 ? "," : "") << b.Get();
		snprintf(used, used_len, "%s", names.str().c_str());
		if (!backends->empty())
			return VACCEL_OK;
		vpc_say(err, err_len,
			"none of the backends %s is in this Arm NN", list);
		tfl_fini();
		return VACCEL_ENOTSUP;
	});
}

void tfl_fini(void)
{
	if (exiting)
		return;
	if (runtime)
		armnn::IRuntime::Destroy(runtime);
	runtime = nullptr;
	delete backends;
	backends = nullptr;
}

int tfl_net_load_file(const char *path, tfl_net **net, char *err,
		      size_t err_len)
{
	int ret = ready(err, err_len);

	return ret ? ret : guard("parse", err, err_len, [&] {
		auto p = armnnTfLiteParser::ITfLiteParser::Create();

		return load(*p, p->CreateNetworkFromBinaryFile(path), net, err,
			    err_len);
	});
}

int tfl_net_load_buffer(const void *data, size_t size, tfl_net **net, char *err,
			size_t err_len)
{
	int ret = ready(err, err_len);

	return ret ? ret : guard("parse", err, err_len, [&] {
		auto p = armnnTfLiteParser::ITfLiteParser::Create();
		const uint8_t *b = static_cast<const uint8_t *>(data);

		return load(*p,
			    p->CreateNetworkFromBinary(
				    std::vector<uint8_t>(b, b + size)),
			    net, err, err_len);
	});
}

void tfl_net_free(tfl_net *net)
{
	if (!net || exiting)
		return;
	if (runtime)
		runtime->UnloadNetwork(net->id);
	delete net;
}

size_t tfl_net_nr_inputs(const tfl_net *net)
{
	return net->in.size();
}

size_t tfl_net_nr_outputs(const tfl_net *net)
{
	return net->out.size();
}

const tfl_io *tfl_net_input(const tfl_net *net, size_t i)
{
	return &net->in[i];
}

const tfl_io *tfl_net_output(const tfl_net *net, size_t i)
{
	return &net->out[i];
}

int tfl_net_run(tfl_net *net, const void *const *in, void *const *out,
		char *err, size_t err_len)
{
	return guard("run", err, err_len, [&] {
		armnn::InputTensors it;
		armnn::OutputTensors ot;

		for (size_t i = 0; i < net->in.size(); i++)
			it.push_back(
				{ net->in_bind[i].first,
				  armnn::ConstTensor(net->in_bind[i].second,
						     in[i]) });
		for (size_t i = 0; i < net->out.size(); i++)
			ot.push_back({ net->out_bind[i].first,
				       armnn::Tensor(net->out_bind[i].second,
						     out[i]) });
		std::lock_guard<std::mutex> turn(net->run);
		if (runtime->EnqueueWorkload(net->id, it, ot) ==
		    armnn::Status::Success)
			return VACCEL_OK;
		vpc_say(err, err_len, "run: EnqueueWorkload failed");
		return VACCEL_EBACKEND;
	});
}

} // extern "C"
