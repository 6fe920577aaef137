// SPDX-License-Identifier: Apache-2.0

package vaccel

/*
#include <stdlib.h>
#include <vaccel.h>
*/
import "C"

import (
	"bytes"
	"fmt"
	"regexp"
	"unsafe"
)

// Text outputs start at textSize bytes and grow (x4) while the plugin
// reports "# truncated K of N", up to maxText.
const (
	textSize = 16 << 10
	maxText  = 16 << 20
)

var truncated = regexp.MustCompile(`(?m)^# truncated \d+ of \d+\s*$`)

// cText is the text of a NUL-terminated output buffer.
func cText(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func shouldGrow(out []byte) bool {
	return len(out) < maxText && truncated.Match([]byte(cText(out)))
}

// bytesPtr is a C view of a Go byte slice for the duration of a call (cgo
// lets C read Go memory that holds no Go pointers).
func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// Noop runs the op that does nothing (vaccel_noop).
func (s *Session) Noop() error {
	return s.call("vaccel_noop", func(c *C.struct_vaccel_session) C.int {
		return C.vaccel_noop(c)
	})
}

// Classify classifies an encoded image (JPEG, PNG...). With the onnx plugin
// text holds "LABEL SCORE" records and name the best one.
func (s *Session) Classify(img []byte) (text, name string, err error) {
	return s.ClassifySized(img, textSize, textSize)
}

// ClassifySized is Classify with the output buffers' initial sizes; the
// text buffer grows while the plugin reports truncation.
func (s *Session) ClassifySized(img []byte, textLen, nameLen int) (string, string, error) {
	if textLen < 1 || nameLen < 1 {
		return "", "", newError(EINVAL, "Classify", "output sizes must be >= 1")
	}
	for {
		out, best := make([]byte, textLen), make([]byte, nameLen)
		err := s.call("vaccel_image_classification", func(c *C.struct_vaccel_session) C.int {
			return C.vaccel_image_classification(c, bytesPtr(img),
				(*C.uchar)(bytesPtr(out)), (*C.uchar)(bytesPtr(best)),
				C.size_t(len(img)), C.size_t(len(out)), C.size_t(len(best)))
		})
		if err != nil || !shouldGrow(out) {
			return cText(out), cText(best), err
		}
		textLen *= 4
	}
}

type imageFn func(c *C.struct_vaccel_session, img unsafe.Pointer, out *C.uchar,
	lenImg, lenOut C.size_t) C.int

func (s *Session) imageOp(fn string, f imageFn, img []byte, size int) (string, error) {
	if size < 1 {
		return "", newError(EINVAL, fn, "output size must be >= 1")
	}
	for {
		out := make([]byte, size)
		err := s.call(fn, func(c *C.struct_vaccel_session) C.int {
			return f(c, bytesPtr(img), (*C.uchar)(bytesPtr(out)),
				C.size_t(len(img)), C.size_t(len(out)))
		})
		if err != nil || !shouldGrow(out) {
			return cText(out), err
		}
		size *= 4
	}
}

// Detect finds objects ("LABEL SCORE X1 Y1 X2 Y2" per object with the onnx
// plugin).
func (s *Session) Detect(img []byte) (string, error) {
	return s.imageOp("vaccel_image_detection", func(c *C.struct_vaccel_session,
		i unsafe.Pointer, o *C.uchar, li, lo C.size_t) C.int {
		return C.vaccel_image_detection(c, i, o, li, lo)
	}, img, textSize)
}

// Segment segments an image (png/mask/bbox records with the onnx plugin).
func (s *Session) Segment(img []byte) (string, error) {
	return s.imageOp("vaccel_image_segmentation", func(c *C.struct_vaccel_session,
		i unsafe.Pointer, o *C.uchar, li, lo C.size_t) C.int {
		return C.vaccel_image_segmentation(c, i, o, li, lo)
	}, img, textSize)
}

// Pose estimates keypoints.
func (s *Session) Pose(img []byte) (string, error) {
	return s.imageOp("vaccel_image_pose", func(c *C.struct_vaccel_session,
		i unsafe.Pointer, o *C.uchar, li, lo C.size_t) C.int {
		return C.vaccel_image_pose(c, i, o, li, lo)
	}, img, textSize)
}

// Depth estimates depth.
func (s *Session) Depth(img []byte) (string, error) {
	return s.imageOp("vaccel_image_depth", func(c *C.struct_vaccel_session,
		i unsafe.Pointer, o *C.uchar, li, lo C.size_t) C.int {
		return C.vaccel_image_depth(c, i, o, li, lo)
	}, img, textSize)
}

// withArgs runs f with C copies of read and write; the write args get the
// bytes the call wrote.
func withArgs(read, write []*Arg, f func(r, w *cArgs) error) error {
	r, err := newCArgs(read)
	if err != nil {
		return err
	}
	defer r.free()
	w, err := newCArgs(write)
	if err != nil {
		return err
	}
	defer w.free()
	if err = f(r, w); err == nil {
		w.copyBack()
	}
	return err
}

// Exec calls symbol of the shared library library (exec plugin) with the
// read args; the function fills the write args.
func (s *Session) Exec(library, symbol string, read, write []*Arg) error {
	lib, sym := C.CString(library), C.CString(symbol)
	defer C.free(unsafe.Pointer(lib))
	defer C.free(unsafe.Pointer(sym))
	return withArgs(read, write, func(r, w *cArgs) error {
		return s.call("vaccel_exec", func(c *C.struct_vaccel_session) C.int {
			return C.vaccel_exec(c, lib, sym, r.ptr, r.count(), w.ptr, w.count())
		})
	})
}

// ExecWithResource is Exec with the library of a registered LIB resource.
func (s *Session) ExecWithResource(res *Resource, symbol string, read, write []*Arg) error {
	sym := C.CString(symbol)
	defer C.free(unsafe.Pointer(sym))
	return withArgs(read, write, func(r, w *cArgs) error {
		return s.withResource("vaccel_exec_with_resource", res,
			func(c *C.struct_vaccel_session, rc *C.struct_vaccel_resource) C.int {
				return C.vaccel_exec_with_resource(c, rc, sym, r.ptr, r.count(),
					w.ptr, w.count())
			})
	})
}

// Genop runs op with the arg layouts of docs/genop.md; the UINT8 op-number
// arg is put in front of read.
func (s *Session) Genop(op Op, read, write []*Arg) error {
	if op < 0 || op > 255 {
		return newError(EINVAL, "vaccel_genop", fmt.Sprintf("op number %d", int(op)))
	}
	all := append([]*Arg{Scalar(uint8(op))}, read...)
	return withArgs(all, write, func(r, w *cArgs) error {
		return s.call("vaccel_genop", func(c *C.struct_vaccel_session) C.int {
			return C.vaccel_genop(c, r.ptr, C.int(len(all)), w.ptr, C.int(len(write)))
		})
	})
}

// Sgemm computes alpha * A * B + beta * C in float32, row-major: A is m x
// k, B is k x n, C (nil: zeroes) m x n. It returns the new C (c itself is
// not changed).
func (s *Session) Sgemm(m, n, k int, alpha float32, a, b []float32, beta float32, c []float32) ([]float32, error) {
	const fn = "vaccel_sgemm"
	if m <= 0 || n <= 0 || k <= 0 {
		return nil, newError(EINVAL, fn, "m, n, k must be >= 1")
	}
	if len(a) != m*k || len(b) != k*n || (c != nil && len(c) != m*n) {
		return nil, newError(EINVAL, fn, fmt.Sprintf(
			"sizes: A %d (want %d), B %d (want %d), C %d (want %d)",
			len(a), m*k, len(b), k*n, len(c), m*n))
	}
	out := make([]float32, m*n)
	copy(out, c)
	err := s.call(fn, func(cs *C.struct_vaccel_session) C.int {
		return C.vaccel_sgemm(cs, C.int64_t(m), C.int64_t(n), C.int64_t(k),
			C.float(alpha), (*C.float)(&a[0]), C.int64_t(k), (*C.float)(&b[0]),
			C.int64_t(n), C.float(beta), (*C.float)(&out[0]), C.int64_t(n))
	})
	return out, err
}
