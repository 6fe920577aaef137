// SPDX-License-Identifier: Apache-2.0

// Package vaccel is the Go binding of libvaccel (docs/go.md): sessions,
// resources, the image ops, genop with typed args, exec, sgemm, ONNX and
// TorchScript model runs, and what the library has loaded.
//
// Objects that hold C memory (Session, Resource) are released with Close;
// use defer. A finalizer releases what was forgotten, as a safety net only:
// it runs at an unknown time, if at all.
//
// Errors are *Error values carrying the VACCEL_E* code (an ErrorCode), the C
// function that failed and a reason. errors.Is(err, vaccel.EINVAL) tests the
// code; errors.Is(err, fs.ErrNotExist) works too (codes are errno numbers).
//
// The package links libvaccel through pkg-config (package "vaccel"). Ops of
// one session may run in several goroutines at once; Close waits for them.
package vaccel

/*
#cgo pkg-config: vaccel
#include <stdlib.h>
#include <vaccel.h>
*/
import "C"

import (
	"strings"
	"unsafe"
)

// Config selects what Bootstrap loads. Zero fields take the environment's
// values (VACCEL_PLUGINS, VACCEL_LOG_LEVEL, VACCEL_LOG_FILE,
// VACCEL_PROFILING_ENABLED), as vaccel_bootstrap() reads them.
type Config struct {
	// Plugins are paths or file names, loaded in order (nil: environment).
	Plugins []string
	// LogLevel 1 (error) .. 4 (debug); 0: environment.
	LogLevel int
	// LogFile: "" for the environment's (else stdout).
	LogFile string
	// Profiling turns sample collection on (false: environment).
	Profiling bool
}

// Bootstrap (re)initializes libvaccel. A nil cfg is vaccel_bootstrap():
// everything from the environment. Sessions and resources made before are
// released by libvaccel; their Go objects then report Closed. A plugin that
// fails to load is an error (the others are loaded, as libvaccel does).
func Bootstrap(cfg *Config) error {
	if cfg == nil {
		return call("vaccel_bootstrap", func() C.int { return C.vaccel_bootstrap() })
	}
	env := (*C.struct_vaccel_config)(C.calloc(1, C.sizeof_struct_vaccel_config))
	c := (*C.struct_vaccel_config)(C.calloc(1, C.sizeof_struct_vaccel_config))
	defer func() {
		C.vaccel_config_release(env)
		C.vaccel_config_release(c)
		C.free(unsafe.Pointer(env))
		C.free(unsafe.Pointer(c))
	}()
	if err := call("vaccel_config_init_from_env", func() C.int { return C.vaccel_config_init_from_env(env) }); err != nil {
		return err
	}
	plugins, level, logFile := env.plugins, env.log_level, env.log_file
	if cfg.Plugins != nil {
		plugins = C.CString(strings.Join(cfg.Plugins, ":"))
		defer C.free(unsafe.Pointer(plugins))
	}
	if cfg.LogLevel != 0 {
		if cfg.LogLevel < 1 || cfg.LogLevel > 4 {
			return newError(EINVAL, "Bootstrap", "log level must be 1..4")
		}
		level = C.vaccel_log_level_t(cfg.LogLevel)
	}
	if cfg.LogFile != "" {
		logFile = C.CString(cfg.LogFile)
		defer C.free(unsafe.Pointer(logFile))
	}
	if err := call("vaccel_config_init", func() C.int {
		return C.vaccel_config_init(c, plugins, level, logFile,
			C.bool(cfg.Profiling || bool(env.profiling_enabled)),
			env.version_ignore)
	}); err != nil {
		return err
	}
	return call("vaccel_bootstrap_with_config", func() C.int { return C.vaccel_bootstrap_with_config(c) })
}

// Cleanup releases every session, resource and plugin (vaccel_cleanup).
// Sessions need a Bootstrap afterwards.
func Cleanup() error {
	return call("vaccel_cleanup", func() C.int { return C.vaccel_cleanup() })
}

// Version is libvaccel's version string.
func Version() string { return C.GoString(C.vaccel_version()) }

// Initialized reports whether libvaccel is bootstrapped.
func Initialized() bool { return bool(C.vaccel_is_initialized()) }

// PluginInfo describes one loaded plugin.
type PluginInfo struct {
	Name    string
	Version string
	Type    PluginType
	// Remote is true for a transport plugin (calls go to an agent).
	Remote bool
	// Ops are the lower-case names of the ops it serves ("noop",
	// "image_classify", ...).
	Ops []string
}

// LibraryInfo is what Info reports.
type LibraryInfo struct {
	Version     string
	Initialized bool
	Rundir      string
	Plugins     []PluginInfo
}

// Info lists the library's state and loaded plugins, in load order.
func Info() LibraryInfo {
	info := LibraryInfo{Version: Version(), Initialized: Initialized()}
	if r := C.vaccel_rundir(); r != nil {
		info.Rundir = C.GoString(r)
	}
	n := int(C.vaccel_plugin_count())
	for i := 0; i < n; i++ {
		var name, ver *C.char
		var typ C.uint32_t
		var remote C.bool
		var mask C.uint64_t
		if C.vaccel_plugin_get_info(C.size_t(i), &name, &ver, &typ, &remote,
			&mask) != 0 {
			break // unloaded meanwhile
		}
		info.Plugins = append(info.Plugins, PluginInfo{
			Name: C.GoString(name), Version: C.GoString(ver),
			Type: PluginType(typ), Remote: bool(remote),
			Ops: opsOfMask(uint64(mask)),
		})
	}
	return info
}

func opsOfMask(mask uint64) []string {
	var ops []string
	for op := Op(0); op < opExtMax; op++ {
		if mask&(uint64(1)<<uint(op)) != 0 {
			ops = append(ops, strings.ToLower(op.String()))
		}
	}
	return ops
}
