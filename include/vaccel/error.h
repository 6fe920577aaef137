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

/* Ours (not in upstream 0.7): why the last failed call of this thread
 * failed, as one line of text ("image: cannot decode 17 bytes: unknown
 * image type"; for a remote session the agent's reason). Every op, session,
 * resource and plugin-loading function starts with an empty reason; the
 * first reason a plugin gives with vaccel_fail(), else the first error
 * line logged during the call (by the library, a plugin, or the agent for a
 * remote call), becomes the reason, whatever the log level.
 * Meaningful right after a call returned an error (as errno): "" when the
 * call gave no reason. The string belongs to the thread and is valid until
 * its next vAccel call. */
const char *vaccel_last_error(void);
/* Empty this thread's reason. */
void vaccel_last_error_clear(void);
/* For plugins (and applications): log `fmt` at error level once, make it
 * the reason of the call in progress on this thread (replacing a reason
 * taken from an earlier error line, not one an earlier vaccel_fail() gave;
 * `fmt` may quote vaccel_last_error()), and return `err`:
 *   return vaccel_fail(VACCEL_EINVAL, "cannot decode %zu bytes", len); */
int vaccel_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
