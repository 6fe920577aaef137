// SPDX-License-Identifier: Apache-2.0
/* Zero-copy buffers for applications of the rpc transport (an extension of
 * this implementation, optional). Memory from vaccel_rpc_shm_alloc() is
 * shared with a co-located agent (UNIX socket endpoints): a buffer given
 * to an op (image, tensor data, sgemm matrices, arg buffers) that lies in
 * such memory is not copied at all; the agent reads and writes it in
 * place. Over other endpoints it is ordinary memory.
 *
 * The functions live in libvaccel-rpc.so, which libvaccel loads at run
 * time: look them up with vaccel_rpc_shm_api() (no link-time dependency),
 *
 *   struct vaccel_rpc_shm_api api;
 *   if (vaccel_rpc_shm_api(&api) == 0) { buf = api.alloc(n); ... }
 */
#pragma once

#include <dlfcn.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* `size` bytes (rounded up to pages), zeroed, page-aligned; NULL on
 * error. One memfd each: allocate few, large buffers and reuse them. */
void *vaccel_rpc_shm_alloc(size_t size);
/* Free a buffer of vaccel_rpc_shm_alloc() (no call may be using it). */
void vaccel_rpc_shm_free(void *ptr);

struct vaccel_rpc_shm_api {
	void *(*alloc)(size_t size);
	void (*free)(void *ptr);
};

/* Find the functions in the loaded transport plugin: 0, or -1 if
 * libvaccel-rpc.so is not loaded. */
static inline int vaccel_rpc_shm_api(struct vaccel_rpc_shm_api *api)
{
	void *h = dlopen("libvaccel-rpc.so", RTLD_NOW | RTLD_NOLOAD);
	if (!h)
		return -1;
	api->alloc = (void *(*)(size_t))dlsym(h, "vaccel_rpc_shm_alloc");
	api->free = (void (*)(void *))dlsym(h, "vaccel_rpc_shm_free");
	dlclose(h);
	return api->alloc && api->free ? 0 : -1;
}

#ifdef __cplusplus
}
#endif
