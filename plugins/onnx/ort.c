// SPDX-License-Identifier: Apache-2.0
/* ONNX Runtime through its C API, loaded at run time (see ort.h). */
#include "ort.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <vaccel.h>

#define TAG "[onnx] "

static struct {
	void *dl;
	const OrtApi *api;
	uint32_t api_version;
	const char *version;
	OrtEnv *env;
	OrtMemoryInfo *cpu;
	int threads;
	pthread_mutex_t lock; /* the cache */
	struct ort_net *cache;
} rt = { .lock = PTHREAD_MUTEX_INITIALIZER };

const OrtApi *ort_api(void)
{
	return rt.api;
}

/* Map an OrtStatus to a VACCEL_E* code, log it with `what`, release it. */
static int ort_status(OrtStatus *st, const char *what)
{
	int ret;

	if (!st)
		return VACCEL_OK;
	switch (rt.api->GetErrorCode(st)) {
	case ORT_INVALID_ARGUMENT:
	case ORT_INVALID_GRAPH:
	case ORT_INVALID_PROTOBUF:
	case ORT_NO_SUCHFILE:
		ret = VACCEL_EINVAL;
		break;
	case ORT_NOT_IMPLEMENTED:
		ret = VACCEL_ENOTSUP;
		break;
	default:
		ret = VACCEL_EBACKEND;
		break;
	}
	vaccel_error(TAG "%s: %s", what, rt.api->GetErrorMessage(st));
	rt.api->ReleaseStatus(st);
	return ret;
}

/* ORT's own log lines go to the vAccel log. */
static void ort_logger(void *param, OrtLoggingLevel severity,
		       const char *category, const char *logid,
		       const char *code_location, const char *message)
{
	/* ORT's warnings are about graph clean-ups (unused initialisers and
	 * the like): debug material, not the user's business. */
	if (severity >= ORT_LOGGING_LEVEL_ERROR)
		vaccel_error(TAG "onnxruntime: %s", message);
	else
		vaccel_debug(TAG "onnxruntime: %s", message);
}

static int load_api(const char *lib)
{
	const OrtApiBase *(*get_base)(void);
	const OrtApiBase *base;

	/* Microsoft's builds of ONNX Runtime carry its telemetry (1DS): at
	 * start it writes a device id under ~/.cache/Microsoft and posts
	 * events over HTTPS. A backend must not phone home, nor write into
	 * the home of whoever runs it: off, unless the user set it. (Set here,
	 * before the library's constructors run, at plugin init.) */
	setenv("ORT_DISABLE_TELEMETRY", "1", 0);
	rt.dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!rt.dl) {
		return vaccel_fail(VACCEL_ELIBBAD,
				   TAG
				   "cannot load ONNX Runtime from %s: %s (set "
				   "VACCEL_ONNX_LIBRARY, or run "
				   "scripts/fetch-assets.sh)",
				   lib, dlerror());
	}
	*(void **)&get_base = dlsym(rt.dl, "OrtGetApiBase");
	base = get_base ? get_base() : NULL;
	if (!base) {
		return vaccel_fail(
			VACCEL_ELIBBAD,
			TAG "%s is not ONNX Runtime (no OrtGetApiBase)", lib);
	}
	rt.version = base->GetVersionString();
	/* the newest API both sides know; the table only grows */
	for (uint32_t v = ORT_API_VERSION; v >= ORT_MIN_API && !rt.api; v--) {
		rt.api = base->GetApi(v);
		rt.api_version = v;
	}
	if (!rt.api) {
		return vaccel_fail(
			VACCEL_ELIBBAD,
			TAG "ONNX Runtime %s at %s offers no C API between "
			    "versions %d and %d",
			rt.version, lib, ORT_MIN_API, ORT_API_VERSION);
	}
	return VACCEL_OK;
}

int ort_runtime_init(const struct ort_config *cfg)
{
	int ret = load_api(cfg->library);

	if (ret)
		goto fail;
	rt.threads = cfg->threads;
	ret = ort_status(rt.api->CreateEnvWithCustomLogger(
				 ort_logger, NULL, ORT_LOGGING_LEVEL_WARNING,
				 "vaccel-onnx", &rt.env),
			 "CreateEnv");
	if (!ret)
		ret = ort_status(rt.api->CreateCpuMemoryInfo(OrtArenaAllocator,
							     OrtMemTypeDefault,
							     &rt.cpu),
				 "CreateCpuMemoryInfo");
	if (ret)
		goto fail;
	vaccel_debug(TAG "ONNX Runtime %s (C API %u) from %s, %d intra-op "
			 "thread(s)",
		     rt.version, rt.api_version, cfg->library, rt.threads);
	return VACCEL_OK;
fail:
	ort_runtime_fini();
	return ret;
}

void ort_runtime_fini(void)
{
	if (rt.cache)
		vaccel_warn(TAG "networks still loaded at unload");
	if (rt.api && rt.cpu)
		rt.api->ReleaseMemoryInfo(rt.cpu);
	if (rt.api && rt.env)
		rt.api->ReleaseEnv(rt.env);
	/* ORT keeps process-wide state (thread pools, registries) that does
	 * not expect the library to go away: leave it mapped. */
	rt.cpu = NULL;
	rt.env = NULL;
	rt.api = NULL;
}

size_t ort_type_size(ONNXTensorElementDataType t)
{
	switch (t) {
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8:
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL:
		return 1;
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16:
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16:
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
		return 2;
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32:
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32:
		return 4;
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
	case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64:
		return 8;
	default:
		return 0;
	}
}

const char *ort_type_name(ONNXTensorElementDataType t)
{
	static const char *const names[] = {
		"undefined", "float",  "uint8",	 "int8",   "uint16",
		"int16",     "int32",  "int64",	 "string", "bool",
		"float16",   "double", "uint32", "uint64",
	};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t]
							      : "unsupported";
}

/* Name, type and shape of input or output i. */
static int describe_io(OrtSession *s, bool input, size_t i, struct ort_io *io,
		       OrtAllocator *alloc)
{
	const OrtApi *a = rt.api;
	const OrtTensorTypeAndShapeInfo *ti = NULL;
	OrtTypeInfo *info = NULL;
	enum ONNXType kind;
	size_t nd = 0;
	char *name = NULL;
	int ret;

	ret = ort_status(input ? a->SessionGetInputName(s, i, alloc, &name)
			       : a->SessionGetOutputName(s, i, alloc, &name),
			 "get name");
	if (ret)
		return ret;
	io->name = strdup(name);
	ort_status(a->AllocatorFree(alloc, name), "free name");
	if (!io->name)
		return VACCEL_ENOMEM;
	ret = ort_status(input ? a->SessionGetInputTypeInfo(s, i, &info)
			       : a->SessionGetOutputTypeInfo(s, i, &info),
			 "get type");
	if (!ret)
		ret = ort_status(a->GetOnnxTypeFromTypeInfo(info, &kind),
				 "get type");
	io->is_tensor = !ret && kind == ONNX_TYPE_TENSOR;
	if (!ret && io->is_tensor) {
		ret = ort_status(a->CastTypeInfoToTensorInfo(info, &ti),
				 "type");
		if (!ret)
			ret = ort_status(a->GetTensorElementType(ti, &io->type),
					 "element type");
		if (!ret)
			ret = ort_status(a->GetDimensionsCount(ti, &nd),
					 "rank");
		if (!ret && nd > ORT_MAX_DIMS)
			ret = VACCEL_ENOTSUP;
		if (!ret)
			ret = ort_status(a->GetDimensions(ti, io->dims, nd),
					 "dims");
		io->nr_dims = (int)nd;
	}
	if (info)
		a->ReleaseTypeInfo(info);
	return ret;
}

static void free_ios(struct ort_io *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].name);
	free(v);
}

static int describe(struct ort_net *net)
{
	const OrtApi *a = rt.api;
	OrtAllocator *alloc;
	int ret;

	ret = ort_status(a->GetAllocatorWithDefaultOptions(&alloc),
			 "allocator");
	if (!ret)
		ret = ort_status(
			a->SessionGetInputCount(net->session, &net->nr_inputs),
			"input count");
	if (!ret)
		ret = ort_status(a->SessionGetOutputCount(net->session,
							  &net->nr_outputs),
				 "output count");
	if (ret)
		return ret;
	net->inputs = calloc(net->nr_inputs + 1, sizeof(struct ort_io));
	net->outputs = calloc(net->nr_outputs + 1, sizeof(struct ort_io));
	if (!net->inputs || !net->outputs)
		return VACCEL_ENOMEM;
	for (size_t i = 0; i < net->nr_inputs && !ret; i++)
		ret = describe_io(net->session, true, i, &net->inputs[i],
				  alloc);
	for (size_t i = 0; i < net->nr_outputs && !ret; i++)
		ret = describe_io(net->session, false, i, &net->outputs[i],
				  alloc);
	return ret;
}

static int session_options(OrtSessionOptions **so)
{
	const OrtApi *a = rt.api;
	int ret;

	ret = ort_status(a->CreateSessionOptions(so), "session options");
	if (ret)
		return ret;
	ret = ort_status(a->SetIntraOpNumThreads(*so, rt.threads),
			 "intra-op threads");
	if (!ret)
		ret = ort_status(a->SetInterOpNumThreads(*so, 1),
				 "inter-op threads");
	if (!ret)
		ret = ort_status(
			a->SetSessionExecutionMode(*so, ORT_SEQUENTIAL),
			"execution mode");
	if (!ret)
		ret = ort_status(a->SetSessionGraphOptimizationLevel(
					 *so, ORT_ENABLE_ALL),
				 "optimisation level");
	if (ret) {
		a->ReleaseSessionOptions(*so);
		*so = NULL;
	}
	return ret;
}

static void net_free(struct ort_net *net)
{
	if (!net)
		return;
	if (net->session)
		rt.api->ReleaseSession(net->session);
	free_ios(net->inputs, net->nr_inputs);
	free_ios(net->outputs, net->nr_outputs);
	free(net->key);
	free(net->what);
	free(net);
}

/* Create a net from a path or a buffer; not cached. */
static int net_create(const char *path, const void *buf, size_t len,
		      const char *what, struct ort_net **out)
{
	OrtSessionOptions *so = NULL;
	struct ort_net *net;
	const char *base = strrchr(what, '/');
	char msg[320];
	int ret;

	if (!rt.api)
		return VACCEL_ENOTSUP;
	net = calloc(1, sizeof(*net));
	if (!net || !(net->what = strdup(what))) {
		free(net);
		return VACCEL_ENOMEM;
	}
	atomic_init(&net->refs, 1);
	ret = session_options(&so);
	snprintf(msg, sizeof(msg), "cannot load the network %.256s",
		 base ? base + 1 : what);
	if (!ret && path)
		ret = ort_status(
			rt.api->CreateSession(rt.env, path, so, &net->session),
			msg);
	else if (!ret)
		ret = ort_status(rt.api->CreateSessionFromArray(
					 rt.env, buf, len, so, &net->session),
				 msg);
	if (so)
		rt.api->ReleaseSessionOptions(so);
	if (!ret)
		ret = describe(net);
	if (ret) {
		net_free(net);
		return ret;
	}
	*out = net;
	return VACCEL_OK;
}

int ort_net_load_file(const char *path, struct ort_net **out)
{
	struct ort_net *net;
	struct stat st;
	char *key;
	int ret;

	if (stat(path, &st)) {
		return vaccel_fail(VACCEL_ENOENT, TAG "model file %s: %s", path,
				   strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		return vaccel_fail(VACCEL_EINVAL,
				   TAG "model file %s: not a regular file",
				   path);
	}
	if (asprintf(&key, "%ju:%ju:%jd:%ld.%09ld", (uintmax_t)st.st_dev,
		     (uintmax_t)st.st_ino, (intmax_t)st.st_size,
		     (long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec) < 0)
		return VACCEL_ENOMEM;
	/* Loading under the lock serialises first loads, which is what we
	 * want: two sessions asking for one model load it once. */
	pthread_mutex_lock(&rt.lock);
	for (net = rt.cache; net; net = net->next) {
		if (!strcmp(net->key, key)) {
			atomic_fetch_add(&net->refs, 1);
			break;
		}
	}
	ret = VACCEL_OK;
	if (!net) {
		ret = net_create(path, NULL, 0, path, &net);
		if (!ret) {
			net->key = key;
			key = NULL;
			net->next = rt.cache;
			rt.cache = net;
			vaccel_debug(TAG "loaded %s (%zu inputs, %zu outputs)",
				     path, net->nr_inputs, net->nr_outputs);
		}
	}
	pthread_mutex_unlock(&rt.lock);
	free(key);
	if (!ret)
		*out = net;
	return ret;
}

int ort_net_load_buffer(const void *buf, size_t len, const char *name,
			struct ort_net **out)
{
	return net_create(NULL, buf, len, name, out);
}

void ort_net_get(struct ort_net *net)
{
	atomic_fetch_add(&net->refs, 1);
}

void ort_net_put(struct ort_net *net)
{
	struct ort_net **p;

	if (!net)
		return;
	if (!net->key) {
		if (atomic_fetch_sub(&net->refs, 1) == 1)
			net_free(net);
		return;
	}
	/* cached: unlink under the lock so no lookup revives it */
	pthread_mutex_lock(&rt.lock);
	if (atomic_fetch_sub(&net->refs, 1) == 1) {
		for (p = &rt.cache; *p; p = &(*p)->next) {
			if (*p == net) {
				*p = net->next;
				break;
			}
		}
	} else {
		net = NULL;
	}
	pthread_mutex_unlock(&rt.lock);
	net_free(net);
}

static int find_io(const struct ort_io *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return (int)i;
	return -1;
}

int ort_net_input(const struct ort_net *net, const char *name)
{
	return find_io(net->inputs, net->nr_inputs, name);
}

int ort_net_output(const struct ort_net *net, const char *name)
{
	return find_io(net->outputs, net->nr_outputs, name);
}

int ort_run(struct ort_net *net, const size_t *in_idx, OrtValue *const *inputs,
	    size_t nr_inputs, const size_t *out_idx, OrtValue **outputs,
	    size_t nr_outputs)
{
	const char *in_names[64], *out_names[64];
	char msg[64];

	if (nr_inputs > 64 || nr_outputs > 64)
		return VACCEL_EINVAL;
	for (size_t i = 0; i < nr_inputs; i++)
		in_names[i] = net->inputs[in_idx[i]].name;
	for (size_t i = 0; i < nr_outputs; i++) {
		out_names[i] = net->outputs[out_idx[i]].name;
		outputs[i] = NULL;
	}
	snprintf(msg, sizeof(msg), "run %.50s", net->what);
	return ort_status(rt.api->Run(net->session, NULL, in_names,
				      (const OrtValue *const *)inputs,
				      nr_inputs, out_names, nr_outputs,
				      outputs),
			  msg);
}

int ort_tensor_wrap(void *data, size_t size, const int64_t *dims, int nr_dims,
		    ONNXTensorElementDataType type, OrtValue **value)
{
	return ort_status(
		rt.api->CreateTensorWithDataAsOrtValue(
			rt.cpu, data, size, dims, (size_t)nr_dims, type, value),
		"input tensor");
}

int ort_tensor_info(OrtValue *value, ONNXTensorElementDataType *type,
		    int64_t *dims, int *nr_dims, size_t *count, void **data)
{
	const OrtApi *a = rt.api;
	OrtTensorTypeAndShapeInfo *ti = NULL;
	enum ONNXType kind;
	size_t nd = 0;
	int ret;

	ret = ort_status(a->GetValueType(value, &kind), "output type");
	if (!ret && kind != ONNX_TYPE_TENSOR) {
		return vaccel_fail(VACCEL_ENOTSUP,
				   TAG "output is not a tensor (ONNX type %d)",
				   kind);
	}
	if (!ret)
		ret = ort_status(a->GetTensorTypeAndShape(value, &ti), "shape");
	if (!ret)
		ret = ort_status(a->GetTensorElementType(ti, type), "type");
	if (!ret)
		ret = ort_status(a->GetDimensionsCount(ti, &nd), "rank");
	if (!ret && nd > ORT_MAX_DIMS)
		ret = VACCEL_ENOTSUP;
	if (!ret)
		ret = ort_status(a->GetDimensions(ti, dims, nd), "dims");
	if (!ret)
		ret = ort_status(a->GetTensorShapeElementCount(ti, count),
				 "size");
	if (ti)
		a->ReleaseTensorTypeAndShapeInfo(ti);
	*nr_dims = (int)nd;
	if (!ret)
		ret = ort_status(a->GetTensorMutableData(value, data), "data");
	return ret;
}
