// SPDX-License-Identifier: Apache-2.0
/* The C face of Arm NN's TFLite parser and runtime (armnn_backend.cpp), for
 * the tflite plugin.
 *
 * Only C types cross this interface, and no C++ exception crosses it: every
 * function catches everything and returns VACCEL_OK or a VACCEL_E* code with
 * a one-line reason in `err` (NUL-terminated, `err_len` bytes). The backend
 * never logs and never links libvaccel. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TFL_MAX_DIMS 8

/* An input or output of a network: its TFLite type (enum
 * vaccel_tflite_data_type), shape and size in bytes. */
struct tfl_io {
	char name[128];
	int type;
	int nr_dims;
	int32_t dims[TFL_MAX_DIMS];
	size_t bytes;
};

/* Process-wide, once before any load: the Arm NN runtime, and the backends
 * to try in order (comma-separated Arm NN ids, e.g. "CpuAcc,CpuRef"; those
 * this build lacks are left out, and none left is VACCEL_ENOTSUP). The
 * backends in use go to `used` (`used_len` bytes). */
int tfl_init(const char *backends, char *used, size_t used_len, char *err,
	     size_t err_len);
/* Release the runtime (after every network was freed). */
void tfl_fini(void);

/* A network parsed, optimised for the backends and loaded into the
 * runtime. Runs of one network take turns (Arm NN 20.08 cannot run one
 * network from two threads at once); different networks run at the same
 * time. Free it only when no run is in progress. */
struct tfl_net;

/* From a .tflite file, or from memory (read during the call only). The
 * model must have one subgraph. *net belongs to the caller. */
int tfl_net_load_file(const char *path, struct tfl_net **net, char *err,
		      size_t err_len);
int tfl_net_load_buffer(const void *data, size_t size, struct tfl_net **net,
			char *err, size_t err_len);
void tfl_net_free(struct tfl_net *net);

size_t tfl_net_nr_inputs(const struct tfl_net *net);
size_t tfl_net_nr_outputs(const struct tfl_net *net);
/* Input / output i (i below the count). */
const struct tfl_io *tfl_net_input(const struct tfl_net *net, size_t i);
const struct tfl_io *tfl_net_output(const struct tfl_net *net, size_t i);

/* One inference: in[i] holds tfl_net_input(i)->bytes (read only), out[i]
 * receives tfl_net_output(i)->bytes, for every input and output. */
int tfl_net_run(struct tfl_net *net, const void *const *in, void *const *out,
		char *err, size_t err_len);

#ifdef __cplusplus
}
#endif
