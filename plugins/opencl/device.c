// SPDX-License-Identifier: Apache-2.0
/* Device selection, the kernel cache directory and the plugin's programs
 * (docs/plugins/opencl.md). */
#include "device.h"
#include "kernels.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <vaccel.h>

#define MAX_DEVICES 64

/* cl_khr_icd: the loader's answer when it finds no driver */
#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct vcl_dev dev;
/* VACCEL_EINPROGRESS until the first vcl_device() */
static int dev_ret = VACCEL_EINPROGRESS;
static char dev_why[512];
/* [0]: vcl_src_base, [1]: vcl_src_fp64; built on first use */
static cl_program progs[2];
static int prog_ret[2] = { VACCEL_EINPROGRESS, VACCEL_EINPROGRESS };
static char cache_dir[PATH_MAX];

/* ---- error names ---------------------------------------------------- */

static const struct {
	int code;
	const char *name;
} cl_names[] = {
	{ 0, "CL_SUCCESS" },
	{ -1, "CL_DEVICE_NOT_FOUND" },
	{ -2, "CL_DEVICE_NOT_AVAILABLE" },
	{ -3, "CL_COMPILER_NOT_AVAILABLE" },
	{ -4, "CL_MEM_OBJECT_ALLOCATION_FAILURE" },
	{ -5, "CL_OUT_OF_RESOURCES" },
	{ -6, "CL_OUT_OF_HOST_MEMORY" },
	{ -11, "CL_BUILD_PROGRAM_FAILURE" },
	{ -30, "CL_INVALID_VALUE" },
	{ -33, "CL_INVALID_DEVICE" },
	{ -34, "CL_INVALID_CONTEXT" },
	{ -36, "CL_INVALID_COMMAND_QUEUE" },
	{ -38, "CL_INVALID_MEM_OBJECT" },
	{ -44, "CL_INVALID_PROGRAM" },
	{ -45, "CL_INVALID_PROGRAM_EXECUTABLE" },
	{ -46, "CL_INVALID_KERNEL_NAME" },
	{ -48, "CL_INVALID_KERNEL" },
	{ -52, "CL_INVALID_KERNEL_ARGS" },
	{ -54, "CL_INVALID_WORK_GROUP_SIZE" },
	{ -61, "CL_INVALID_BUFFER_SIZE" },
	{ -63, "CL_INVALID_GLOBAL_WORK_SIZE" },
	{ CL_PLATFORM_NOT_FOUND_KHR, "CL_PLATFORM_NOT_FOUND_KHR" },
	{ -1024, "CLBlastNotImplemented" },
	{ -1017, "CLBlastInvalidDimension" },
	{ -1016, "CLBlastInvalidLeadDimA" },
	{ -1015, "CLBlastInvalidLeadDimB" },
	{ -1014, "CLBlastInvalidLeadDimC" },
	{ -1011, "CLBlastInsufficientMemoryA" },
	{ -1010, "CLBlastInsufficientMemoryB" },
	{ -1009, "CLBlastInsufficientMemoryC" },
	{ -2046, "CLBlastInvalidLocalMemUsage" },
	{ -2041, "CLBlastDatabaseError" },
	{ -2040, "CLBlastUnknownError" },
	{ -2039, "CLBlastUnexpectedError" },
};

const char *vcl_strerror(int err)
{
	for (size_t i = 0; i < sizeof(cl_names) / sizeof(cl_names[0]); i++)
		if (cl_names[i].code == err)
			return cl_names[i].name;
	return "unknown status";
}

int vcl_fail(const char *what, int err)
{
	vaccel_error(VCL_TAG "%s: %s (%d)", what, vcl_strerror(err), err);
	return err == CL_OUT_OF_HOST_MEMORY ||
			       err == CL_MEM_OBJECT_ALLOCATION_FAILURE ||
			       err == CL_OUT_OF_RESOURCES
		       ? VACCEL_ENOMEM
		       : VACCEL_EBACKEND;
}

/* ---- kernel cache directory ------------------------------------------ */

static int mkdirs(const char *path)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0700) && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0700) && errno != EEXIST ? -1 : 0;
}

/* Point a driver's cache variable at <dir>/<sub> unless it is set. */
static void driver_cache(const char *var, const char *sub)
{
	char p[PATH_MAX];

	if (getenv(var))
		return;
	if (snprintf(p, sizeof(p), "%s/%s", cache_dir, sub) >= (int)sizeof(p) ||
	    mkdirs(p)) {
		vaccel_warn(VCL_TAG "cannot create %s/%s; %s left unset",
			    cache_dir, sub, var);
		return;
	}
	setenv(var, p, 0);
}

void vcl_cache_init(void)
{
	const char *s = getenv("VACCEL_OPENCL_CACHE_DIR");
	const char *base = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	cache_dir[0] = 0;
	if (s && !strcmp(s, "off"))
		return;
	if (s && *s)
		n = snprintf(cache_dir, sizeof(cache_dir), "%s", s);
	else if (base && *base == '/')
		n = snprintf(cache_dir, sizeof(cache_dir), "%s/vaccel/opencl",
			     base);
	else if (home && *home == '/')
		n = snprintf(cache_dir, sizeof(cache_dir),
			     "%s/.cache/vaccel/opencl", home);
	else
		return;
	if (n >= (int)sizeof(cache_dir) || mkdirs(cache_dir)) {
		vaccel_warn(VCL_TAG "kernel cache off: cannot create %s",
			    cache_dir);
		cache_dir[0] = 0;
		return;
	}
	driver_cache("POCL_CACHE_DIR", "pocl");
	driver_cache("CUDA_CACHE_PATH", "nvidia");
}

const char *vcl_cache_dir(void)
{
	return cache_dir[0] ? cache_dir : NULL;
}

/* ---- selection ------------------------------------------------------- */

struct cand {
	cl_platform_id p;
	cl_device_id d;
	char pname[128], dname[128];
	cl_device_type type;
};

/* Case-insensitive substring. */
static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return !n;
}

/* A selector: a decimal index (-> *index) or a name part (-> -1). */
static long sel_index(const char *s)
{
	char *end;
	long v;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	return *end || v > INT_MAX ? -1 : v;
}

static bool platform_matches(cl_platform_id p, unsigned i, const char *sel,
			     char *name, size_t len)
{
	long idx = sel_index(sel);

	clGetPlatformInfo(p, CL_PLATFORM_NAME, len, name, NULL);
	name[len - 1] = 0;
	if (!sel || !*sel)
		return true;
	return idx >= 0 ? (unsigned long)idx == i : contains(name, sel);
}

/* Every device of the platforms that match VACCEL_OPENCL_PLATFORM. */
static int candidates(struct cand *c, unsigned *nr)
{
	const char *psel = getenv("VACCEL_OPENCL_PLATFORM");
	cl_platform_id ps[16];
	cl_uint np = 0, nd;
	cl_device_id ds[16];
	char pname[128];
	cl_int err = clGetPlatformIDs(16, ps, &np);

	*nr = 0;
	if (err == CL_PLATFORM_NOT_FOUND_KHR || (!err && !np)) {
		snprintf(dev_why, sizeof(dev_why),
			 "no OpenCL platform: the ICD loader found no driver "
			 "(install one, e.g. pocl-opencl-icd, or check "
			 "OCL_ICD_VENDORS=%s)",
			 getenv("OCL_ICD_VENDORS") ? getenv("OCL_ICD_VENDORS")
						   : "(unset)");
		return VACCEL_ENODEV;
	}
	if (err) {
		snprintf(dev_why, sizeof(dev_why), "clGetPlatformIDs: %s (%d)",
			 vcl_strerror(err), err);
		return VACCEL_ENODEV;
	}
	for (cl_uint i = 0; i < np && i < 16; i++) {
		if (!platform_matches(ps[i], i, psel, pname, sizeof(pname)))
			continue;
		if (clGetDeviceIDs(ps[i], CL_DEVICE_TYPE_ALL, 16, ds, &nd))
			continue;
		for (cl_uint j = 0; j < nd && j < 16 && *nr < MAX_DEVICES;
		     j++) {
			struct cand *x = &c[(*nr)++];

			x->p = ps[i];
			x->d = ds[j];
			snprintf(x->pname, sizeof(x->pname), "%s", pname);
			clGetDeviceInfo(ds[j], CL_DEVICE_NAME, sizeof(x->dname),
					x->dname, NULL);
			x->dname[sizeof(x->dname) - 1] = 0;
			clGetDeviceInfo(ds[j], CL_DEVICE_TYPE, sizeof(x->type),
					&x->type, NULL);
		}
	}
	return VACCEL_OK;
}

/* "0: NAME (PLATFORM), 1: ..." into dev_why after `prefix`. */
static void why_list(const char *prefix, const struct cand *c, unsigned n)
{
	size_t len = (size_t)snprintf(dev_why, sizeof(dev_why), "%s", prefix);

	for (unsigned i = 0; i < n && len < sizeof(dev_why); i++)
		len += (size_t)snprintf(dev_why + len, sizeof(dev_why) - len,
					"%s%u: %s (%s)", i ? ", " : " ", i,
					c[i].dname, c[i].pname);
}

/* VACCEL_OPENCL_DEVICE (index or name part), else the first GPU, else
 * the first device. */
static int choose(const struct cand *c, unsigned n, unsigned *pick)
{
	const char *dsel = getenv("VACCEL_OPENCL_DEVICE");
	long idx = sel_index(dsel);
	char pre[256];

	*pick = 0;
	if (!n) {
		snprintf(pre, sizeof(pre),
			 "no OpenCL device on the platforms that match "
			 "VACCEL_OPENCL_PLATFORM=%s",
			 getenv("VACCEL_OPENCL_PLATFORM")
				 ? getenv("VACCEL_OPENCL_PLATFORM")
				 : "(unset: any)");
		why_list(pre, c, 0);
		return VACCEL_ENODEV;
	}
	for (unsigned i = 0; i < n; i++) {
		bool hit = dsel && *dsel
				   ? (idx >= 0 ? (unsigned long)idx == i
					       : contains(c[i].dname, dsel))
				   : (c[i].type & CL_DEVICE_TYPE_GPU) != 0;
		if (hit) {
			*pick = i;
			return VACCEL_OK;
		}
	}
	if (!dsel || !*dsel)
		return VACCEL_OK;
	snprintf(pre, sizeof(pre),
		 "no OpenCL device matches VACCEL_OPENCL_DEVICE=%s; devices:",
		 dsel);
	why_list(pre, c, n);
	return VACCEL_ENODEV;
}

static int open_device(const struct cand *c)
{
	cl_int err;
	char ext[4096] = "";

	dev.platform = c->p;
	dev.device = c->d;
	snprintf(dev.platform_name, sizeof(dev.platform_name), "%s", c->pname);
	snprintf(dev.device_name, sizeof(dev.device_name), "%s", c->dname);
	clGetDeviceInfo(c->d, CL_DRIVER_VERSION, sizeof(dev.driver), dev.driver,
			NULL);
	dev.driver[sizeof(dev.driver) - 1] = 0;
	clGetDeviceInfo(c->d, CL_DEVICE_EXTENSIONS, sizeof(ext), ext, NULL);
	ext[sizeof(ext) - 1] = 0;
	dev.fp64 = strstr(ext, "cl_khr_fp64") != NULL;
	clGetDeviceInfo(c->d, CL_DEVICE_MAX_MEM_ALLOC_SIZE,
			sizeof(dev.max_alloc), &dev.max_alloc, NULL);
	dev.ctx = clCreateContext(NULL, 1, &c->d, NULL, NULL, &err);
	if (!dev.ctx) {
		snprintf(dev_why, sizeof(dev_why),
			 "clCreateContext on %s: %s (%d)", c->dname,
			 vcl_strerror(err), err);
		return VACCEL_ENODEV;
	}
	return VACCEL_OK;
}

static int select_device(void)
{
	static struct cand c[MAX_DEVICES];
	unsigned n, pick;
	int ret = candidates(c, &n);

	if (!ret)
		ret = choose(c, n, &pick);
	if (!ret)
		ret = open_device(&c[pick]);
	if (!ret)
		vaccel_debug(VCL_TAG "device %u of %u: %s (%s, driver %s), "
				     "fp64 %s, kernel cache %s",
			     pick, n, dev.device_name, dev.platform_name,
			     dev.driver, dev.fp64 ? "yes" : "no",
			     cache_dir[0] ? cache_dir : "off");
	return ret;
}

int vcl_device(const struct vcl_dev **d)
{
	int ret;

	pthread_mutex_lock(&lock);
	if (dev_ret == VACCEL_EINPROGRESS)
		dev_ret = select_device();
	ret = dev_ret;
	pthread_mutex_unlock(&lock);
	if (ret)
		vaccel_error(VCL_TAG "%s", dev_why);
	*d = ret ? NULL : &dev;
	return ret;
}

void vcl_device_release(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < 2; i++) {
		if (progs[i])
			clReleaseProgram(progs[i]);
		progs[i] = NULL;
		prog_ret[i] = VACCEL_EINPROGRESS;
	}
	if (dev.ctx)
		clReleaseContext(dev.ctx);
	memset(&dev, 0, sizeof(dev));
	dev_ret = VACCEL_EINPROGRESS;
	pthread_mutex_unlock(&lock);
}

/* ---- the plugin's programs ------------------------------------------- */

static int build(const struct vcl_dev *d, const char *src, cl_program *out)
{
	cl_int err;
	cl_program p = clCreateProgramWithSource(d->ctx, 1, &src, NULL, &err);
	char log[1024] = "";

	if (!p)
		return vcl_fail("clCreateProgramWithSource", err);
	err = clBuildProgram(p, 1, &d->device, "", NULL, NULL);
	if (err) {
		clGetProgramBuildInfo(p, d->device, CL_PROGRAM_BUILD_LOG,
				      sizeof(log), log, NULL);
		log[sizeof(log) - 1] = 0;
		vaccel_error(VCL_TAG "building the plugin's kernels: %s", log);
		clReleaseProgram(p);
		return vcl_fail("clBuildProgram", err);
	}
	*out = p;
	return VACCEL_OK;
}

int vcl_kernel(const struct vcl_dev *d, const char *name, bool fp64,
	       cl_kernel *out)
{
	int i = fp64 ? 1 : 0, ret;
	cl_int err;

	if (fp64 && !d->fp64) {
		vaccel_error(VCL_TAG "%s has no double precision "
				     "(cl_khr_fp64): %s is not available",
			     d->device_name, name);
		return VACCEL_ENOTSUP;
	}
	pthread_mutex_lock(&lock);
	if (prog_ret[i] == VACCEL_EINPROGRESS)
		prog_ret[i] =
			build(d, fp64 ? vcl_src_fp64 : vcl_src_base, &progs[i]);
	ret = prog_ret[i];
	pthread_mutex_unlock(&lock);
	if (ret)
		return ret;
	*out = clCreateKernel(progs[i], name, &err);
	return *out ? VACCEL_OK : vcl_fail("clCreateKernel", err);
}
