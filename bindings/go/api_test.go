// SPDX-License-Identifier: Apache-2.0

package vaccel

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	dummyTag  = "This is a dummy classification tag!"
	dummyName = "This is a dummy imgname!"
)

var img = []byte("\x89PNG not really an image")

func TestInfoListsThePlugin(t *testing.T) {
	usePlugins(t, "noop")
	info := Info()
	if !info.Initialized || info.Version == "" || info.Rundir == "" {
		t.Fatalf("info: %+v", info)
	}
	if len(info.Plugins) != 1 || info.Plugins[0].Name != "noop" ||
		info.Plugins[0].Type != PluginDebug || info.Plugins[0].Remote {
		t.Fatalf("plugins: %+v", info.Plugins)
	}
	for _, op := range []string{"noop", "image_classify", "blas_sgemm", "exec", "onnx_model_run"} {
		if !strings.Contains(" "+strings.Join(info.Plugins[0].Ops, " ")+" ", " "+op+" ") {
			t.Errorf("op %s missing from %v", op, info.Plugins[0].Ops)
		}
	}
}

func TestSessionLifetime(t *testing.T) {
	usePlugins(t, "noop")
	s, err := NewSession(PluginNone)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID() <= 0 || s.PluginName() != "noop" || s.Remote() || s.RemoteID() != 0 {
		t.Fatalf("session: id %d plugin %q remote %v", s.ID(), s.PluginName(), s.Remote())
	}
	rundir := s.Rundir()
	if st, err := os.Stat(rundir); err != nil || !st.IsDir() {
		t.Fatalf("rundir %q: %v", rundir, err)
	}
	if err := s.Update(PluginDebug); err != nil || s.Hint() != PluginDebug {
		t.Fatalf("update: %v, hint %v", err, s.Hint())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(rundir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("rundir left behind: %v", err)
	}
	if err := s.Close(); err != nil || !s.Closed() || s.ID() != 0 {
		t.Fatalf("second close: %v", err)
	}
	err = s.Noop()
	var ve *Error
	if !errors.As(err, &ve) || ve.Code != EINVAL || !strings.Contains(ve.Reason, "closed") {
		t.Fatalf("op after close: %v", err)
	}
}

func TestErrorsCarryCodeAndReason(t *testing.T) {
	usePlugins(t, "noop")
	_, err := NewSession(PluginRemote) // no transport loaded
	var ve *Error
	if !errors.As(err, &ve) {
		t.Fatalf("want *Error, got %T %v", err, err)
	}
	if ve.Code != ENOTSUP || ve.Func != "vaccel_session_init" || ve.Reason == "" {
		t.Fatalf("error: %+v", ve)
	}
	if !errors.Is(err, ENOTSUP) || errors.Is(err, EINVAL) {
		t.Fatal("errors.Is by code")
	}
	want := "vaccel_session_init: " + ve.Reason + " (VACCEL_ENOTSUP)"
	if err.Error() != want {
		t.Fatalf("message %q, want %q", err.Error(), want)
	}
	_, err = NewResource(filepath.Join(t.TempDir(), "missing"), ResourceModel)
	if !errors.Is(err, ENOENT) && !errors.Is(err, EINVAL) {
		t.Fatalf("missing file: %v", err)
	}
	if EBACKEND.Error() != "the backend failed" || ESESS.Name() != "VACCEL_ESESS" {
		t.Fatalf("strerror %q name %q", EBACKEND.Error(), ESESS.Name())
	}
	if c, ok := ParseErrorCode("VACCEL_EPERM"); !ok || c != EPERM {
		t.Fatal("ParseErrorCode")
	}
	if errors.Is(newError(ENOENT, "f", "x"), fs.ErrNotExist) != true {
		t.Fatal("ENOENT should match fs.ErrNotExist")
	}
}

func TestResourceKinds(t *testing.T) {
	usePlugins(t, "noop")
	dir := t.TempDir()
	file := filepath.Join(dir, "model.bin")
	other := filepath.Join(dir, "labels.txt")
	_ = os.WriteFile(file, []byte("model bytes"), 0o644)
	_ = os.WriteFile(other, []byte("a\nb\n"), 0o644)
	s := mustSession(t, PluginNone)
	made := []func() (*Resource, error){
		func() (*Resource, error) { return NewResource(file, ResourceData) },
		func() (*Resource, error) { return NewResourceMulti([]string{file, other}, ResourceModel) },
		func() (*Resource, error) { return NewResource(dir, ResourceModel) },
		func() (*Resource, error) { return NewResourceFromBytes([]byte("abc"), "x.bin", ResourceModel, false) },
		func() (*Resource, error) { return NewResourceFromBytes([]byte("abc"), "", ResourceModel, true) },
		func() (*Resource, error) {
			return NewResourceFromBuffers([]NamedBuffer{{"a.model", []byte("x")}, {"a.onnx", []byte("y")}}, ResourceModel)
		},
	}
	for i, mk := range made {
		r, err := mk()
		if err != nil {
			t.Fatalf("resource %d: %v", i, err)
		}
		if r.ID() <= 0 || r.Refcount() != 0 {
			t.Fatalf("resource %d: id %d refcount %d", i, r.ID(), r.Refcount())
		}
		if err := s.Register(r); err != nil || r.Refcount() != 1 || !s.HasResource(r) {
			t.Fatalf("register %d: %v", i, err)
		}
		if err := s.Unregister(r); err != nil || s.HasResource(r) {
			t.Fatalf("unregister %d: %v", i, err)
		}
		if err := s.Unregister(r); !errors.Is(err, EINVAL) {
			t.Fatalf("second unregister %d: %v", i, err)
		}
		if err := r.Close(); err != nil || !r.Closed() {
			t.Fatalf("close %d: %v", i, err)
		}
	}
}

func TestResourceDirectory(t *testing.T) {
	usePlugins(t, "noop")
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644)
	r, err := NewResource(dir, ResourceData)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.Directory()
	if err != nil || filepath.Clean(got) != dir {
		t.Fatalf("Directory() = %q, %v; want %q", got, err, dir)
	}
	f, _ := NewResourceFromBytes([]byte("x"), "x.bin", ResourceData, false)
	defer f.Close()
	if _, err := f.Directory(); err == nil {
		t.Fatal("Directory() of a file resource should fail")
	}
}

func TestResourceClosedWhileRegistered(t *testing.T) {
	usePlugins(t, "noop")
	s := mustSession(t, PluginNone)
	r, err := NewResourceFromBytes([]byte("m"), "m.bin", ResourceModel, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Register(r); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil || s.HasResource(r) {
		t.Fatalf("close: %v", err)
	}
	if err := s.Register(r); !errors.Is(err, EINVAL) {
		t.Fatalf("register closed: %v", err)
	}
}

func TestBootstrapReleasesObjects(t *testing.T) {
	usePlugins(t, "noop")
	s, _ := NewSession(PluginNone)
	r, _ := NewResourceFromBytes([]byte("abc"), "a.bin", ResourceModel, false)
	if err := s.Register(r); err != nil {
		t.Fatal(err)
	}
	usePlugins(t, "noop")
	if !s.Closed() || !r.Closed() {
		t.Fatal("objects made before a bootstrap must be released")
	}
	if err := s.Noop(); !errors.Is(err, EINVAL) {
		t.Fatalf("op on a released session: %v", err)
	}
	if s.Close() != nil || r.Close() != nil {
		t.Fatal("closing released objects must succeed")
	}
	if _, err := NewSession(PluginNone); err != nil {
		t.Fatal(err)
	}
}

func TestBootstrapBadPlugin(t *testing.T) {
	err := Bootstrap(&Config{Plugins: []string{filepath.Join(t.TempDir(), "no-such.so")}, LogLevel: 1})
	t.Cleanup(func() { _ = Cleanup() })
	var ve *Error
	if !errors.As(err, &ve) || ve.Func != "vaccel_bootstrap_with_config" {
		t.Fatalf("bad plugin: %v", err)
	}
	if err := Bootstrap(&Config{LogLevel: 9}); !errors.Is(err, EINVAL) {
		t.Fatalf("bad log level: %v", err)
	}
}

func TestArgs(t *testing.T) {
	if v, _ := Value[int32](Scalar(int32(-5))); v != -5 {
		t.Fatal("int32")
	}
	if v, _ := Value[uint64](Scalar(^uint64(0))); v != ^uint64(0) {
		t.Fatal("uint64")
	}
	a := Array([]int16{1, -2, 3})
	if a.Type != ArgInt16Array || a.Size() != 6 {
		t.Fatalf("int16 array: %v", a)
	}
	if _, err := Values[int32](a); !errors.Is(err, EINVAL) {
		t.Fatal("reading int16 as int32 must fail")
	}
	if b, _ := Bool(true).Bools(); !b[0] {
		t.Fatal("bool")
	}
	sa, err := String("héllo")
	if err != nil || string(sa.Bytes()) != "héllo\x00" || sa.Text() != "héllo" {
		t.Fatalf("string: %v %q", err, sa.Bytes())
	}
	if _, err := String("a\x00b"); err == nil {
		t.Fatal("NUL in a STRING arg")
	}
	if _, err := Output(ArgInt32, 2); err == nil {
		t.Fatal("a scalar output takes count 1")
	}
	if o := MustOutput(ArgFloat64Array, 3); o.Size() != 24 {
		t.Fatal("float64 output size")
	}
	if c := Custom(7, []byte("xyz")); c.CustomID != 7 || c.Type != ArgCustom {
		t.Fatal("custom")
	}
	if ArgCustom.String() != "CUSTOM" || OpImageClassify.String() != "IMAGE_CLASSIFY" {
		t.Fatal("names")
	}
	if op, err := ParseOp("blas_sgemm"); err != nil || op != OpBlasSgemm {
		t.Fatal("ParseOp")
	}
	if _, err := ParseOp("no_such_op"); err == nil {
		t.Fatal("ParseOp unknown")
	}
}

func TestSgemmShapeErrors(t *testing.T) {
	usePlugins(t, "noop")
	s := mustSession(t, PluginNone)
	if _, err := s.Sgemm(2, 2, 3, 1, make([]float32, 5), make([]float32, 6), 0, nil); !errors.Is(err, EINVAL) {
		t.Fatalf("A size: %v", err)
	}
	if _, err := s.Sgemm(0, 1, 1, 1, nil, nil, 0, nil); !errors.Is(err, EINVAL) {
		t.Fatalf("m=0: %v", err)
	}
}

func TestTensorHelpers(t *testing.T) {
	x := TensorOf([]int64{2}, []float32{1.5, -2})
	if x.DType != Float32 || len(x.Data) != 8 {
		t.Fatalf("tensor: %+v", x)
	}
	v, err := TensorValues[float32](x)
	if err != nil || v[0] != 1.5 || v[1] != -2 {
		t.Fatalf("values %v %v", v, err)
	}
	if _, err := TensorValues[int32](x); err == nil {
		t.Fatal("wrong type")
	}
	usePlugins(t, "noop")
	s := mustSession(t, PluginNone)
	r, _ := NewResourceFromBytes([]byte("m"), "m.onnx", ResourceModel, false)
	defer r.Close()
	_ = s.Register(r)
	if _, err := s.TorchRun(r, []Tensor{{DType: Uint16, Shape: []int64{1}, Data: []byte{0, 0}}}, 1); !errors.Is(err, EINVAL) {
		t.Fatalf("uint16 torch tensor: %v", err)
	}
	if _, err := s.OnnxRun(r, []Tensor{{DType: Int8, Shape: []int64{2}, Data: []byte{1}}}, 1); !errors.Is(err, EINVAL) {
		t.Fatalf("short data: %v", err)
	}
}

// Many goroutines share one session (run with -race).
func TestOpsFromManyGoroutines(t *testing.T) {
	usePlugins(t, "noop")
	s := mustSession(t, PluginNone)
	var wg sync.WaitGroup
	errs := make(chan error, 8*100)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				text, name, err := s.Classify(img)
				if err == nil && (text != dummyTag || name != dummyName) {
					err = errors.New("wrong result " + text)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Close waits for the ops in flight and refuses new ones.
func TestCloseWhileOpsRun(t *testing.T) {
	usePlugins(t, "noop")
	s, err := NewSession(PluginNone)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	started := make(chan struct{}, 4)
	seen := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				if _, err := s.Detect(img); err != nil {
					seen <- err
					return
				}
				if n == 0 {
					started <- struct{}{}
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-started
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(seen)
	for err := range seen {
		var ve *Error
		if !errors.As(err, &ve) || !strings.Contains(ve.Reason, "closed") {
			t.Errorf("after close: %v", err)
		}
	}
}

// A forgotten session is released by its finalizer (the safety net).
func TestFinalizerReleasesSession(t *testing.T) {
	usePlugins(t, "noop")
	var rundir string
	func() {
		s, err := NewSession(PluginNone)
		if err != nil {
			t.Fatal(err)
		}
		rundir = s.Rundir()
	}()
	for i := 0; i < 20; i++ {
		runtime.GC()
		if _, err := os.Stat(rundir); errors.Is(err, fs.ErrNotExist) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("rundir %s still there after GC", rundir)
}

// A failed call's Reason is libvaccel's reason for that call
// (vaccel_last_error), locally and from an agent, even when many goroutines
// fail at once on different OS threads.
func TestReasonIsTheCallsOwn(t *testing.T) {
	check := func(t *testing.T, s *Session, lib, want string) {
		var wg sync.WaitGroup
		errs := make(chan error, 8*20)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					// goroutines with different libraries: a reason read
					// on the wrong thread would name another's
					l := fmt.Sprintf("%s-%d.so", lib, g)
					err := s.Exec(l, "f", nil, nil)
					var ve *Error
					if !errors.As(err, &ve) || ve.Reason == ve.Code.Error() ||
						!strings.Contains(ve.Reason, want) ||
						(want != "disabled" && !strings.Contains(ve.Reason, l)) {
						errs <- fmt.Errorf("goroutine %d: %v", g, err)
						return
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	t.Run("local", func(t *testing.T) {
		usePlugins(t, "exec")
		s := mustSession(t, PluginNone)
		check(t, s, filepath.Join(t.TempDir(), "missing"), "missing")
	})
	t.Run("remote", func(t *testing.T) {
		useAgent(t, "exec") // no --exec-allow: the agent refuses exec
		s := mustSession(t, PluginRemote)
		check(t, s, "/usr/lib/missing", "disabled")
	})
}
