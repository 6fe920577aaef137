// SPDX-License-Identifier: Apache-2.0
/* OpenCL C sources of the plugin's own kernels. */
#pragma once

/* vcl_copy_int, vcl_vadd, vcl_parallel (any device) */
extern const char vcl_src_base[];
/* vcl_minmax (needs cl_khr_fp64) */
extern const char vcl_src_fp64[];
