// SPDX-License-Identifier: Apache-2.0
/* Error codes of the public API. The values are Linux errno numbers, as in
 * upstream vAccel; they are part of the ABI (applications compare them). */
#pragma once

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	VACCEL_OK = 0,
	VACCEL_EINVAL = EINVAL,
	VACCEL_ENOMEM = ENOMEM,
	VACCEL_ENOTSUP = ENOTSUP,
	VACCEL_EINPROGRESS = EINPROGRESS,
	VACCEL_EBUSY = EBUSY,
	VACCEL_EEXIST = EEXIST,
	VACCEL_ENOENT = ENOENT,
	VACCEL_ELIBBAD = ELIBBAD,
	VACCEL_ENODEV = ENODEV,
	VACCEL_EIO = EIO,
	VACCEL_ESESS = ECONNRESET,
	VACCEL_EBACKEND = EPROTO,
	VACCEL_ENOEXEC = ENOEXEC,
	VACCEL_ENAMETOOLONG = ENAMETOOLONG,
	VACCEL_EUSERS = EUSERS,
	VACCEL_EPERM = EPERM,
	VACCEL_ELOOP = ELOOP,
	VACCEL_EMLINK = EMLINK,
	VACCEL_ENOSPC = ENOSPC,
	VACCEL_ENOTDIR = ENOTDIR,
	VACCEL_EROFS = EROFS,
	VACCEL_EACCES = EACCES,
	VACCEL_EBADF = EBADF,
	VACCEL_EREMOTEIO = EREMOTEIO,
	VACCEL_EFAULT = EFAULT,
	VACCEL_ERANGE = ERANGE,
	VACCEL_EAGAIN = EAGAIN,
	VACCEL_ENOSYS = ENOSYS,
	/* Ours (not in upstream 0.7): a remote call missed its deadline. */
	VACCEL_ETIMEDOUT = ETIMEDOUT,
};

/* A short, static description of a VACCEL_E* code (or of any errno). */
const char *vaccel_strerror(int err);

#ifdef __cplusplus
}
#endif
