// SPDX-License-Identifier: Apache-2.0

package vaccel

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The build tree (VACCEL_BUILD_ROOT, set by run-tests.sh) holds the
// plugins, the agent and the examples' test library.
func buildPath(t *testing.T, rel string) string {
	t.Helper()
	root := os.Getenv("VACCEL_BUILD_ROOT")
	if root == "" {
		t.Skip("VACCEL_BUILD_ROOT is not set (run bindings/go/run-tests.sh)")
	}
	p := filepath.Join(root, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s was not built: %v", rel, err)
	}
	return p
}

var pluginFiles = map[string]string{
	"noop":  "plugins/noop/libvaccel-noop.so",
	"exec":  "plugins/exec/libvaccel-exec.so",
	"blas":  "plugins/blas/libvaccel-blas.so",
	"onnx":  "plugins/onnx/libvaccel-onnx.so",
	"torch": "plugins/torch/libvaccel-torch.so",
	"rpc":   "plugins/rpc/libvaccel-rpc.so",
}

func depsDir() string {
	if d := os.Getenv("VACCEL_DEPS"); d != "" {
		return d
	}
	return "/opt/vaccel-deps"
}

// usePlugins bootstraps libvaccel with the named plugins (skipping the test
// when one was not built) and cleans up after the test.
func usePlugins(t *testing.T, names ...string) {
	t.Helper()
	var paths []string
	for _, n := range names {
		paths = append(paths, buildPath(t, pluginFiles[n]))
	}
	if err := Bootstrap(&Config{Plugins: paths, LogLevel: 1}); err != nil {
		t.Fatalf("Bootstrap(%v): %v", names, err)
	}
	t.Cleanup(func() { _ = Cleanup() })
}

func mustSession(t *testing.T, hint PluginType) *Session {
	t.Helper()
	s, err := NewSession(hint)
	if err != nil {
		t.Fatalf("NewSession(%v): %v", hint, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// agent is a vaccel-agent listening on a UNIX socket in a temp directory.
type agent struct {
	cmd  *exec.Cmd
	addr string
}

func startAgent(t *testing.T, plugins ...string) *agent {
	t.Helper()
	bin := buildPath(t, "agent/vaccel-agent")
	var paths []string
	for _, n := range plugins {
		paths = append(paths, buildPath(t, pluginFiles[n]))
	}
	// the agent's sandboxed workers (other uids) must reach --rundir
	dir, err := os.MkdirTemp("", "vaccel-go-agent-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	sock, ready := filepath.Join(dir, "agent.sock"), filepath.Join(dir, "ready")
	log, err := os.Create(filepath.Join(dir, "agent.log"))
	if err != nil {
		t.Fatal(err)
	}
	a := &agent{addr: "unix://" + sock}
	a.cmd = exec.Command(bin, "--listen", a.addr, "--plugins",
		strings.Join(paths, ":"), "--ready-file", ready, "--rundir",
		filepath.Join(dir, "run"))
	a.cmd.Stdout, a.cmd.Stderr = log, log
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.stop(); log.Close() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(ready); err == nil {
			return a
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(log.Name())
			t.Fatalf("vaccel-agent did not start: %s", out)
		}
	}
}

func (a *agent) stop() {
	if a.cmd.ProcessState == nil {
		_ = a.cmd.Process.Signal(syscall.SIGTERM)
		_ = a.cmd.Wait()
	}
}

// useAgent starts an agent with backends and bootstraps the rpc transport
// pointed at it.
func useAgent(t *testing.T, backends ...string) *agent {
	t.Helper()
	a := startAgent(t, backends...)
	t.Setenv("VACCEL_RPC_ADDRESS", a.addr)
	usePlugins(t, "rpc")
	return a
}
