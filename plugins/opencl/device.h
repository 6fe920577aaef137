// SPDX-License-Identifier: Apache-2.0
/* The OpenCL device of the opencl plugin: chosen once per process from the
 * environment (docs/plugins/opencl.md), with its context and the plugin's
 * own kernels. Every function returns VACCEL_OK or a VACCEL_E* code after
 * one log line saying why. */
#pragma once

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdbool.h>
#include <stddef.h>

#define VCL_TAG "[opencl] "

struct vcl_dev {
	cl_platform_id platform;
	cl_device_id device;
	cl_context ctx;
	char platform_name[128];
	char device_name[128];
	char driver[64];
	/* cl_khr_fp64: double-precision kernels (minmax) can run */
	bool fp64;
	/* the largest single buffer the device allows */
	cl_ulong max_alloc;
};

/* Where the kernel cache lives (VACCEL_OPENCL_CACHE_DIR, else
 * $XDG_CACHE_HOME/vaccel/opencl or ~/.cache/vaccel/opencl; "off": none).
 * Points the drivers' own caches there (POCL_CACHE_DIR, CUDA_CACHE_PATH)
 * unless the environment already sets them. Call before any OpenCL call. */
void vcl_cache_init(void);
/* The cache directory in use, or NULL. */
const char *vcl_cache_dir(void);

/* The selected device, opened on first use (thread-safe). A failure (no
 * platform, no device, no match for the selection) is remembered: every
 * later call returns the same code at once and logs the reason again. */
int vcl_device(const struct vcl_dev **dev);
/* Release the context and programs (plugin unload). */
void vcl_device_release(void);

/* The plugin's kernel `name` (a new cl_kernel: kernels are not shared
 * between threads). `fp64` kernels need cl_khr_fp64 (else VACCEL_ENOTSUP).
 * The program is built on first use and kept. */
int vcl_kernel(const struct vcl_dev *d, const char *name, bool fp64,
	       cl_kernel *out);

/* A readable name for an OpenCL or CLBlast status code. */
const char *vcl_strerror(int err);
/* VACCEL_ENOMEM for allocation failures, VACCEL_EBACKEND otherwise, after
 * logging "<what>: <status name> (<status>)". */
int vcl_fail(const char *what, int err);
