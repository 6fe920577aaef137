// SPDX-License-Identifier: Apache-2.0

package vaccel

/*
#include <vaccel.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"syscall"
)

// ErrorCode is a VACCEL_E* code (a Linux errno number, as in C). It is an
// error itself, so errors.Is(err, vaccel.ENOTSUP) tests an *Error's code.
type ErrorCode int

// The codes of <vaccel/error.h>.
const (
	OK           ErrorCode = C.VACCEL_OK
	EINVAL       ErrorCode = C.VACCEL_EINVAL
	ENOMEM       ErrorCode = C.VACCEL_ENOMEM
	ENOTSUP      ErrorCode = C.VACCEL_ENOTSUP
	EINPROGRESS  ErrorCode = C.VACCEL_EINPROGRESS
	EBUSY        ErrorCode = C.VACCEL_EBUSY
	EEXIST       ErrorCode = C.VACCEL_EEXIST
	ENOENT       ErrorCode = C.VACCEL_ENOENT
	ELIBBAD      ErrorCode = C.VACCEL_ELIBBAD
	ENODEV       ErrorCode = C.VACCEL_ENODEV
	EIO          ErrorCode = C.VACCEL_EIO
	ESESS        ErrorCode = C.VACCEL_ESESS
	EBACKEND     ErrorCode = C.VACCEL_EBACKEND
	ENOEXEC      ErrorCode = C.VACCEL_ENOEXEC
	ENAMETOOLONG ErrorCode = C.VACCEL_ENAMETOOLONG
	EUSERS       ErrorCode = C.VACCEL_EUSERS
	EPERM        ErrorCode = C.VACCEL_EPERM
	ELOOP        ErrorCode = C.VACCEL_ELOOP
	EMLINK       ErrorCode = C.VACCEL_EMLINK
	ENOSPC       ErrorCode = C.VACCEL_ENOSPC
	ENOTDIR      ErrorCode = C.VACCEL_ENOTDIR
	EROFS        ErrorCode = C.VACCEL_EROFS
	EACCES       ErrorCode = C.VACCEL_EACCES
	EBADF        ErrorCode = C.VACCEL_EBADF
	EREMOTEIO    ErrorCode = C.VACCEL_EREMOTEIO
	EFAULT       ErrorCode = C.VACCEL_EFAULT
	ERANGE       ErrorCode = C.VACCEL_ERANGE
	EAGAIN       ErrorCode = C.VACCEL_EAGAIN
	ENOSYS       ErrorCode = C.VACCEL_ENOSYS
	ETIMEDOUT    ErrorCode = C.VACCEL_ETIMEDOUT
)

var codeNames = map[ErrorCode]string{
	OK: "OK", EINVAL: "EINVAL", ENOMEM: "ENOMEM", ENOTSUP: "ENOTSUP",
	EINPROGRESS: "EINPROGRESS", EBUSY: "EBUSY", EEXIST: "EEXIST",
	ENOENT: "ENOENT", ELIBBAD: "ELIBBAD", ENODEV: "ENODEV", EIO: "EIO",
	ESESS: "ESESS", EBACKEND: "EBACKEND", ENOEXEC: "ENOEXEC",
	ENAMETOOLONG: "ENAMETOOLONG", EUSERS: "EUSERS", EPERM: "EPERM",
	ELOOP: "ELOOP", EMLINK: "EMLINK", ENOSPC: "ENOSPC", ENOTDIR: "ENOTDIR",
	EROFS: "EROFS", EACCES: "EACCES", EBADF: "EBADF",
	EREMOTEIO: "EREMOTEIO", EFAULT: "EFAULT", ERANGE: "ERANGE",
	EAGAIN: "EAGAIN", ENOSYS: "ENOSYS", ETIMEDOUT: "ETIMEDOUT",
}

// ParseErrorCode maps "EINVAL" or "VACCEL_EINVAL" to its code.
func ParseErrorCode(name string) (ErrorCode, bool) {
	for c, n := range codeNames {
		if n == name || "VACCEL_"+n == name {
			return c, true
		}
	}
	return 0, false
}

// Name is "VACCEL_EINVAL" (or "errno N" for a number with no VACCEL_ name).
func (c ErrorCode) Name() string {
	if n, ok := codeNames[c]; ok {
		return "VACCEL_" + n
	}
	return fmt.Sprintf("errno %d", int(c))
}

// Error is libvaccel's description of the code (vaccel_strerror).
func (c ErrorCode) Error() string { return C.GoString(C.vaccel_strerror(C.int(c))) }

// Error is a failed call: the code libvaccel returned, the C function (or
// binding method) that failed, and why.
type Error struct {
	Code ErrorCode
	Func string
	// Reason says why; vaccel_strerror's text when libvaccel gave none.
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (%s)", e.Func, e.Reason, e.Code.Name())
}

// Is matches an ErrorCode target by code.
func (e *Error) Is(target error) bool {
	c, ok := target.(ErrorCode)
	return ok && c == e.Code
}

// Unwrap gives the code as a syscall.Errno (so fs.ErrNotExist and friends
// match).
func (e *Error) Unwrap() error { return syscall.Errno(e.Code) }

func newError(code ErrorCode, fn, reason string) *Error {
	return &Error{Code: code, Func: fn, Reason: reason}
}

// call runs one libvaccel call and turns its result into an error whose
// Reason is the call's own (vaccel_last_error). The reason is per OS thread
// and a goroutine may move between threads from one cgo call to the next, so
// the call and the read of its reason run with the goroutine locked to its
// thread.
func call(fn string, f func() C.int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	C.vaccel_last_error_clear()
	ret := f()
	if ret == 0 {
		return nil
	}
	code := ErrorCode(ret)
	if code < 0 {
		code = -code
	}
	why := C.GoString(C.vaccel_last_error())
	if why == "" {
		why = code.Error()
	}
	return newError(code, fn, why)
}
