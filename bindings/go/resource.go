// SPDX-License-Identifier: Apache-2.0

package vaccel

/*
#include <stdlib.h>
#include <vaccel.h>
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Resource is a model, library or data set that ops use: files, a
// directory, a URL, or bytes. Its C struct lives in C memory until Close;
// closing unregisters it from every session (libvaccel's rule).
type Resource struct {
	mu sync.RWMutex
	c  *C.struct_vaccel_resource // nil once closed
	// C copies of in-memory data the resource's blobs reference
	keep []unsafe.Pointer
}

// newResource runs init on a fresh C struct and wraps it.
func newResource(fn string, keep []unsafe.Pointer,
	init func(c *C.struct_vaccel_resource) C.int) (*Resource, error) {
	c := (*C.struct_vaccel_resource)(C.calloc(1, C.sizeof_struct_vaccel_resource))
	if c == nil {
		freeAll(keep)
		return nil, newError(ENOMEM, fn, "out of memory")
	}
	if err := call(fn, func() C.int { return init(c) }); err != nil {
		C.free(unsafe.Pointer(c))
		freeAll(keep)
		return nil, err
	}
	r := &Resource{c: c, keep: keep}
	runtime.SetFinalizer(r, (*Resource).Close)
	return r, nil
}

func freeAll(ptrs []unsafe.Pointer) {
	for _, p := range ptrs {
		C.free(p)
	}
}

// NewResource is a resource of one path: a file, a directory (all its
// files), file://PATH or an http(s) URL. Nothing is read before Register.
func NewResource(path string, typ ResourceType) (*Resource, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return newResource("vaccel_resource_init", nil,
		func(c *C.struct_vaccel_resource) C.int {
			return C.vaccel_resource_init(c, cpath, C.vaccel_resource_type_t(typ))
		})
}

// NewResourceMulti is one resource of several paths, in order.
func NewResourceMulti(paths []string, typ ResourceType) (*Resource, error) {
	if len(paths) == 0 {
		return nil, newError(EINVAL, "NewResourceMulti", "no path given")
	}
	arr := (**C.char)(C.calloc(C.size_t(len(paths)), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	items := unsafe.Slice(arr, len(paths))
	defer func() {
		for _, p := range items {
			C.free(unsafe.Pointer(p))
		}
		C.free(unsafe.Pointer(arr))
	}()
	for i, p := range paths {
		items[i] = C.CString(p)
	}
	return newResource("vaccel_resource_init_multi", nil,
		func(c *C.struct_vaccel_resource) C.int {
			return C.vaccel_resource_init_multi(c, arr, C.size_t(len(paths)),
				C.vaccel_resource_type_t(typ))
		})
}

// NewResourceFromBytes is a resource of one file made from data. memOnly
// false: libvaccel writes the bytes to name (random when "") in the
// resource's directory; true: the resource references a C copy that this
// object keeps (no file; plugins read memory).
func NewResourceFromBytes(data []byte, name string, typ ResourceType, memOnly bool) (*Resource, error) {
	if len(data) == 0 {
		return nil, newError(EINVAL, "NewResourceFromBytes", "empty data")
	}
	buf := C.CBytes(data)
	var cname *C.char
	if name != "" {
		cname = C.CString(name)
		defer C.free(unsafe.Pointer(cname))
	}
	var keep []unsafe.Pointer
	if memOnly {
		keep = []unsafe.Pointer{buf}
	} else {
		defer C.free(buf)
	}
	return newResource("vaccel_resource_init_from_buf", keep,
		func(c *C.struct_vaccel_resource) C.int {
			return C.vaccel_resource_init_from_buf(c, buf, C.size_t(len(data)),
				C.vaccel_resource_type_t(typ), cname, C.bool(memOnly))
		})
}

// NamedBuffer is one in-memory file of NewResourceFromBuffers.
type NamedBuffer struct {
	Name string
	Data []byte
}

// NewResourceFromBuffers is a resource of several in-memory files, in
// order. The data is copied once into C memory that the resource's blobs
// reference; no files are written.
func NewResourceFromBuffers(bufs []NamedBuffer, typ ResourceType) (*Resource, error) {
	const fn = "vaccel_resource_init_from_blobs"
	if len(bufs) == 0 {
		return nil, newError(EINVAL, fn, "no buffers")
	}
	blobs := make([]*C.struct_vaccel_blob, 0, len(bufs))
	keep := make([]unsafe.Pointer, 0, len(bufs))
	defer func() { // the resource makes its own blob structs
		for _, b := range blobs {
			C.vaccel_blob_delete(b)
		}
	}()
	for _, b := range bufs {
		if len(b.Data) == 0 {
			freeAll(keep)
			return nil, newError(EINVAL, fn, b.Name+" is empty")
		}
		blob, data, err := memBlob(b)
		if err != nil {
			freeAll(keep)
			return nil, err
		}
		blobs = append(blobs, blob)
		keep = append(keep, data)
	}
	arr := (**C.struct_vaccel_blob)(C.calloc(C.size_t(len(blobs)), C.size_t(unsafe.Sizeof(blobs[0]))))
	defer C.free(unsafe.Pointer(arr))
	copy(unsafe.Slice(arr, len(blobs)), blobs)
	return newResource(fn, keep, func(c *C.struct_vaccel_resource) C.int {
		return C.vaccel_resource_init_from_blobs(c, arr, C.size_t(len(blobs)),
			C.vaccel_resource_type_t(typ))
	})
}

// memBlob is a BUFFER blob referencing a C copy of b's data.
func memBlob(b NamedBuffer) (*C.struct_vaccel_blob, unsafe.Pointer, error) {
	data := C.CBytes(b.Data)
	name := C.CString(b.Name)
	defer C.free(unsafe.Pointer(name))
	var blob *C.struct_vaccel_blob
	if err := call("vaccel_blob_from_buf", func() C.int {
		return C.vaccel_blob_from_buf(&blob, (*C.uint8_t)(data),
			C.size_t(len(b.Data)), false, name, nil, false)
	}); err != nil {
		C.free(data)
		return nil, nil, err
	}
	return blob, data, nil
}

// Close releases the resource (unregistering it everywhere). Idempotent.
func (r *Resource) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.c == nil {
		return nil
	}
	var err error
	if r.c.id > 0 {
		err = call("vaccel_resource_release", func() C.int { return C.vaccel_resource_release(r.c) })
	}
	C.free(unsafe.Pointer(r.c))
	r.c = nil
	freeAll(r.keep)
	r.keep = nil
	runtime.SetFinalizer(r, nil)
	return err
}

// with runs f on the live C resource under the read lock.
func (r *Resource) with(fn string, f func(c *C.struct_vaccel_resource) error) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.c == nil || r.c.id <= 0 {
		return newError(EINVAL, fn, "resource is closed")
	}
	return f(r.c)
}

func resourceField[T any](r *Resource, get func(c *C.struct_vaccel_resource) T) T {
	var v T
	_ = r.with("", func(c *C.struct_vaccel_resource) error {
		v = get(c)
		return nil
	})
	return v
}

// Closed is true after Close or once libvaccel released the resource.
func (r *Resource) Closed() bool {
	return r.with("", func(*C.struct_vaccel_resource) error { return nil }) != nil
}

// ID is the resource id (0 once closed).
func (r *Resource) ID() int64 {
	return resourceField(r, func(c *C.struct_vaccel_resource) int64 { return int64(c.id) })
}

// RemoteID is the id of the agent's twin (registered remotely), else 0.
func (r *Resource) RemoteID() int64 {
	return resourceField(r, func(c *C.struct_vaccel_resource) int64 { return int64(c.remote_id) })
}

// Type is what the resource holds.
func (r *Resource) Type() ResourceType {
	return resourceField(r, func(c *C.struct_vaccel_resource) ResourceType { return ResourceType(c._type) })
}

// Refcount is the number of sessions it is registered with.
func (r *Resource) Refcount() int {
	return resourceField(r, func(c *C.struct_vaccel_resource) int { return int(C.vaccel_resource_refcount(c)) })
}

// Directory is the path of a directory resource (made from a directory);
// an error for other resources.
func (r *Resource) Directory() (string, error) {
	var dir string
	err := r.with("vaccel_resource_directory", func(c *C.struct_vaccel_resource) error {
		var alloc *C.char
		if err := call("vaccel_resource_directory", func() C.int { return C.vaccel_resource_directory(c, nil, 0, &alloc) }); err != nil {
			return err
		}
		dir = C.GoString(alloc)
		C.free(unsafe.Pointer(alloc))
		return nil
	})
	return dir, err
}
