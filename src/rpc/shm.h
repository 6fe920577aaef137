// SPDX-License-Identifier: Apache-2.0
/* Shared memory between a client and the agent on one host: memfd arenas
 * passed with SCM_RIGHTS (docs/protocol.md §6). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A new sealed memfd of `size` bytes, mapped shared and read-write. The
 * size can never change (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), so
 * the agent's mapping can never fault. The caller owns *fd and *map.
 * Returns 0 or VACCEL_E*. */
int vrpc_shm_create(size_t size, int *fd, void **map);
/* The same, with the memfd's name (shown in /proc/PID/maps). */
int vrpc_shm_create_named(const char *name, size_t size, int *fd, void **map);
/* Map a descriptor received from a peer, after checking it is a memfd
 * that cannot shrink and is at least `size` bytes. The caller owns the
 * mapping (munmap(map, size)); `fd` is not kept. 0 or VACCEL_E*. */
int vrpc_shm_map_peer(int fd, uint64_t size, void **map);
