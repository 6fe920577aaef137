// SPDX-License-Identifier: Apache-2.0
/* OpenCL C sources of the plugin's own kernels (the element-wise ops and
 * minmax); sgemm and mmult run on CLBlast's kernels. */
#include "kernels.h"

/* Float results must equal the host's: no contraction into fma. */
const char vcl_src_base[] =
	"#pragma OPENCL FP_CONTRACT OFF\n"
	"__kernel void vcl_copy_int(__global const int *a, __global int *out)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	out[i] = a[i];\n"
	"}\n"
	"__kernel void vcl_vadd(__global const float *a,\n"
	"		       __global const float *b, __global float *c)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	c[i] = a[i] + b[i];\n"
	"}\n"
	"__kernel void vcl_parallel(__global const float *a,\n"
	"			   __global const float *b,\n"
	"			   __global float *add, __global float *mult)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	float x = a[i], y = b[i];\n"
	"	add[i] = x + y;\n"
	"	mult[i] = x * y;\n"
	"}\n";

/* Clamp every element, and reduce min and max per work-group (the host
 * reduces the groups' results). The local size is a power of two. */
const char vcl_src_fp64[] =
	"#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"
	"__kernel void vcl_minmax(__global const double *in,\n"
	"			 __global double *out, const double lo,\n"
	"			 const double hi, const uint n,\n"
	"			 __global double *gmin, __global double "
	"*gmax,\n"
	"			 __local double *lmin, __local double *lmax)\n"
	"{\n"
	"	size_t lid = get_local_id(0);\n"
	"	double mn = INFINITY, mx = -INFINITY;\n"
	"	for (size_t i = get_global_id(0); i < n;\n"
	"	     i += get_global_size(0)) {\n"
	"		double v = in[i] < lo ? lo : in[i] > hi ? hi : in[i];\n"
	"		out[i] = v;\n"
	"		mn = v < mn ? v : mn;\n"
	"		mx = v > mx ? v : mx;\n"
	"	}\n"
	"	lmin[lid] = mn;\n"
	"	lmax[lid] = mx;\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	for (size_t s = get_local_size(0) / 2; s > 0; s >>= 1) {\n"
	"		if (lid < s) {\n"
	"			lmin[lid] = fmin(lmin[lid], lmin[lid + s]);\n"
	"			lmax[lid] = fmax(lmax[lid], lmax[lid + s]);\n"
	"		}\n"
	"		barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	}\n"
	"	if (lid == 0) {\n"
	"		gmin[get_group_id(0)] = lmin[0];\n"
	"		gmax[get_group_id(0)] = lmax[0];\n"
	"	}\n"
	"}\n";
