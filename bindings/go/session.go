// SPDX-License-Identifier: Apache-2.0

package vaccel

/*
#include <stdlib.h>
#include <vaccel.h>

static const char *go_plugin_name(struct vaccel_session *s)
{
	return s->plugin && s->plugin->info ? s->plugin->info->name : NULL;
}

// The calls taking a session and a resource, by number (cgo cannot take a C
// function's address as a Go value).
enum { GO_REGISTER, GO_UNREGISTER, GO_HAS, GO_ONNX_LOAD, GO_ONNX_UNLOAD,
       GO_TORCH_LOAD };

static int go_resource_op(int which, struct vaccel_session *s,
			  struct vaccel_resource *r)
{
	switch (which) {
	case GO_REGISTER:
		return vaccel_resource_register(r, s);
	case GO_UNREGISTER:
		return vaccel_resource_unregister(r, s);
	case GO_HAS:
		return vaccel_session_has_resource(s, r) ? 0 : VACCEL_ENOENT;
	case GO_ONNX_LOAD:
		return vaccel_onnx_model_load(s, r);
	case GO_ONNX_UNLOAD:
		return vaccel_onnx_model_unload(s, r);
	case GO_TORCH_LOAD:
		return vaccel_torch_model_load(s, r);
	}
	return VACCEL_EINVAL;
}
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Session is a vAccel session bound to one plugin. Its C struct lives in C
// memory until Close. Ops may run in several goroutines at once; Close waits
// for them and refuses new ones.
type Session struct {
	mu sync.RWMutex
	c  *C.struct_vaccel_session // nil once closed
}

// NewSession opens a session. hint: PluginType bits choosing the plugin
// (PluginNone: the first backend loaded; PluginRemote: the transport), as
// vaccel_session_init.
func NewSession(hint PluginType) (*Session, error) {
	c := (*C.struct_vaccel_session)(C.calloc(1, C.sizeof_struct_vaccel_session))
	if c == nil {
		return nil, newError(ENOMEM, "NewSession", "out of memory")
	}
	if err := call("vaccel_session_init", func() C.int { return C.vaccel_session_init(c, C.uint32_t(hint)) }); err != nil {
		C.free(unsafe.Pointer(c))
		return nil, err
	}
	s := &Session{c: c}
	runtime.SetFinalizer(s, (*Session).Close)
	return s, nil
}

// Close releases the session (its resources are unregistered, not
// released). Idempotent. A session libvaccel already released (at a new
// Bootstrap) is just freed.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		return nil
	}
	var err error
	if s.c.id > 0 {
		err = call("vaccel_session_release", func() C.int { return C.vaccel_session_release(s.c) })
	}
	C.free(unsafe.Pointer(s.c))
	s.c = nil
	runtime.SetFinalizer(s, nil)
	return err
}

// with runs f on the live C session under the read lock; EINVAL once
// closed (or released by a re-bootstrap).
func (s *Session) with(fn string, f func(c *C.struct_vaccel_session) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.c == nil || s.c.id <= 0 {
		return newError(EINVAL, fn, "session is closed")
	}
	return f(s.c)
}

// call runs one C call on the session and checks its result.
func (s *Session) call(fn string, f func(c *C.struct_vaccel_session) C.int) error {
	return s.with(fn, func(c *C.struct_vaccel_session) error {
		return call(fn, func() C.int { return f(c) })
	})
}

// Closed is true after Close or once libvaccel released the session.
func (s *Session) Closed() bool {
	return s.with("", func(*C.struct_vaccel_session) error { return nil }) != nil
}

// field reads one value of the live session (zero once closed).
func sessionField[T any](s *Session, get func(c *C.struct_vaccel_session) T) T {
	var v T
	_ = s.with("", func(c *C.struct_vaccel_session) error {
		v = get(c)
		return nil
	})
	return v
}

// ID is the session id (0 once closed).
func (s *Session) ID() int64 {
	return sessionField(s, func(c *C.struct_vaccel_session) int64 { return int64(c.id) })
}

// RemoteID is the id of the agent's twin session (remote sessions), else 0.
func (s *Session) RemoteID() int64 {
	return sessionField(s, func(c *C.struct_vaccel_session) int64 { return int64(c.remote_id) })
}

// Hint is the hint given at init.
func (s *Session) Hint() PluginType {
	return sessionField(s, func(c *C.struct_vaccel_session) PluginType { return PluginType(c.hint) })
}

// Remote is true if calls go to a transport plugin (an agent).
func (s *Session) Remote() bool {
	return sessionField(s, func(c *C.struct_vaccel_session) bool { return bool(c.is_virtio) })
}

// Rundir is the session's run directory.
func (s *Session) Rundir() string {
	return sessionField(s, func(c *C.struct_vaccel_session) string { return C.GoString(&c.rundir[0]) })
}

// PluginName is the name of the plugin serving the session.
func (s *Session) PluginName() string {
	return sessionField(s, func(c *C.struct_vaccel_session) string {
		if n := C.go_plugin_name(c); n != nil {
			return C.GoString(n)
		}
		return ""
	})
}

// Update rebinds the session with new hint bits (vaccel_session_update).
func (s *Session) Update(hint PluginType) error {
	return s.call("vaccel_session_update", func(c *C.struct_vaccel_session) C.int {
		return C.vaccel_session_update(c, C.uint32_t(hint))
	})
}

// withResource runs f on the live session and resource.
func (s *Session) withResource(fn string, r *Resource,
	f func(c *C.struct_vaccel_session, rc *C.struct_vaccel_resource) C.int) error {
	if r == nil {
		return newError(EINVAL, fn, "nil resource")
	}
	return s.with(fn, func(c *C.struct_vaccel_session) error {
		return r.with(fn, func(rc *C.struct_vaccel_resource) error {
			return call(fn, func() C.int { return f(c, rc) })
		})
	})
}

// The resource calls of model.go (its cgo preamble cannot see this one's).
const (
	resOnnxLoad   = C.GO_ONNX_LOAD
	resOnnxUnload = C.GO_ONNX_UNLOAD
	resTorchLoad  = C.GO_TORCH_LOAD
)

// resourceOp runs one of the C calls that take a session and a resource.
func (s *Session) resourceOp(which C.int, fn string, r *Resource) error {
	return s.withResource(fn, r, func(c *C.struct_vaccel_session, rc *C.struct_vaccel_resource) C.int {
		return C.go_resource_op(which, c, rc)
	})
}

// Register makes r usable by the session's ops.
func (s *Session) Register(r *Resource) error {
	return s.resourceOp(C.GO_REGISTER, "vaccel_resource_register", r)
}

// Unregister undoes Register.
func (s *Session) Unregister(r *Resource) error {
	return s.resourceOp(C.GO_UNREGISTER, "vaccel_resource_unregister", r)
}

// HasResource tells whether r is registered with the session.
func (s *Session) HasResource(r *Resource) bool {
	return s.resourceOp(C.GO_HAS, "vaccel_session_has_resource", r) == nil
}
