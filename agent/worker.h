// SPDX-License-Identifier: Apache-2.0
/* A worker (worker.c). */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* A worker process (cfg.worker_fd set): confine, load the backends, serve.
 * `front` is the front's pid (the worker ends with it). Exit status. */
int worker_main(pid_t front);
/* Serve the connections handed over `fd` until CTL_EXIT or the front
 * closes it (then every connection is drained). */
int worker_loop(int fd);
/* --isolation none: the backends in the front's own process. The ops they
 * serve. */
uint64_t worker_load_inprocess(void);
