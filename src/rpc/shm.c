// SPDX-License-Identifier: Apache-2.0

#include "shm.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vaccel/error.h>

#ifndef F_SEAL_SHRINK
#define F_ADD_SEALS   1033
#define F_GET_SEALS   1034
#define F_SEAL_SEAL   0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW   0x0004
#endif

int vrpc_shm_create(size_t size, int *fd, void **map)
{
	return vrpc_shm_create_named("vaccel-rpc", size, fd, map);
}

int vrpc_shm_create_named(const char *name, size_t size, int *fd, void **map)
{
	int f = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (f < 0)
		return errno == ENOMEM ? VACCEL_ENOMEM : VACCEL_ENOTSUP;
	if (ftruncate(f, (off_t)size) < 0 ||
	    fcntl(f, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) <
		    0) {
		close(f);
		return VACCEL_ENOMEM;
	}
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	if (m == MAP_FAILED) {
		close(f);
		return VACCEL_ENOMEM;
	}
	*fd = f;
	*map = m;
	return 0;
}

int vrpc_shm_map_peer(int fd, uint64_t size, void **map)
{
	struct stat st;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return VACCEL_EPERM;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !size ||
	    (uint64_t)st.st_size < size || size > SIZE_MAX)
		return VACCEL_EINVAL;
	void *m = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (m == MAP_FAILED)
		return errno == ENOMEM ? VACCEL_ENOMEM : VACCEL_EINVAL;
	*map = m;
	return 0;
}
