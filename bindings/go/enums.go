// SPDX-License-Identifier: Apache-2.0

package vaccel

/*
#include <vaccel.h>
*/
import "C"

import (
	"fmt"
	"strings"
)

// PluginType bits (VACCEL_PLUGIN_*): the kinds of plugin, also used as
// session hints.
type PluginType uint32

// The bits of <vaccel/plugin.h>.
const (
	PluginNone       PluginType = 0
	PluginCPU        PluginType = C.VACCEL_PLUGIN_CPU
	PluginGPU        PluginType = C.VACCEL_PLUGIN_GPU
	PluginFPGA       PluginType = C.VACCEL_PLUGIN_FPGA
	PluginSoftware   PluginType = C.VACCEL_PLUGIN_SOFTWARE
	PluginTensorflow PluginType = C.VACCEL_PLUGIN_TENSORFLOW
	PluginTorch      PluginType = C.VACCEL_PLUGIN_TORCH
	PluginJetson     PluginType = C.VACCEL_PLUGIN_JETSON
	PluginGeneric    PluginType = C.VACCEL_PLUGIN_GENERIC
	PluginDebug      PluginType = C.VACCEL_PLUGIN_DEBUG
	// PluginRemote asks for the transport plugin (a session on an agent).
	PluginRemote PluginType = C.VACCEL_PLUGIN_REMOTE
)

var pluginBits = []struct {
	bit  PluginType
	name string
}{
	{PluginCPU, "CPU"}, {PluginGPU, "GPU"}, {PluginFPGA, "FPGA"},
	{PluginSoftware, "SOFTWARE"}, {PluginTensorflow, "TENSORFLOW"},
	{PluginTorch, "TORCH"}, {PluginJetson, "JETSON"},
	{PluginGeneric, "GENERIC"}, {PluginDebug, "DEBUG"},
	{PluginRemote, "REMOTE"},
}

// String is "DEBUG|REMOTE" style ("NONE" for 0).
func (t PluginType) String() string {
	var names []string
	for _, b := range pluginBits {
		if t&b.bit != 0 {
			names = append(names, b.name)
			t &^= b.bit
		}
	}
	if t != 0 {
		names = append(names, fmt.Sprintf("0x%x", uint32(t)))
	}
	if names == nil {
		return "NONE"
	}
	return strings.Join(names, "|")
}

// ResourceType is what a resource holds (VACCEL_RESOURCE_*).
type ResourceType int

// Resource types.
const (
	ResourceLib   ResourceType = C.VACCEL_RESOURCE_LIB
	ResourceData  ResourceType = C.VACCEL_RESOURCE_DATA
	ResourceModel ResourceType = C.VACCEL_RESOURCE_MODEL
)

func (t ResourceType) String() string {
	return tableName("ResourceType", int(t), C.VACCEL_RESOURCE_MAX, "VACCEL_RESOURCE_",
		func() *C.char { return C.vaccel_resource_type_name(C.vaccel_resource_type_t(t)) })
}

// tableName is the name libvaccel's table gives v, without prefix, or
// "kind(v)" out of range.
func tableName(kind string, v, max int, prefix string, name func() *C.char) string {
	if v < 0 || v >= max {
		return fmt.Sprintf("%s(%d)", kind, v)
	}
	return strings.TrimPrefix(C.GoString(name()), prefix)
}

// Op is an op number (VACCEL_OP_*), as genop takes it.
type Op int

// The ops the bindings name; any number works in Genop.
const (
	OpNoop             Op = C.VACCEL_OP_NOOP
	OpExec             Op = C.VACCEL_OP_EXEC
	OpExecWithResource Op = C.VACCEL_OP_EXEC_WITH_RESOURCE
	OpImageClassify    Op = C.VACCEL_OP_IMAGE_CLASSIFY
	OpImageDetect      Op = C.VACCEL_OP_IMAGE_DETECT
	OpImageSegment     Op = C.VACCEL_OP_IMAGE_SEGMENT
	OpImagePose        Op = C.VACCEL_OP_IMAGE_POSE
	OpImageDepth       Op = C.VACCEL_OP_IMAGE_DEPTH
	OpTorchModelLoad   Op = C.VACCEL_OP_TORCH_MODEL_LOAD
	OpTorchModelRun    Op = C.VACCEL_OP_TORCH_MODEL_RUN
	OpBlasSgemm        Op = C.VACCEL_OP_BLAS_SGEMM
	OpOnnxModelLoad    Op = C.VACCEL_OP_ONNX_MODEL_LOAD
	OpOnnxModelRun     Op = C.VACCEL_OP_ONNX_MODEL_RUN
	OpOnnxModelUnload  Op = C.VACCEL_OP_ONNX_MODEL_UNLOAD
	opExtMax           Op = C.VACCEL_OP_EXT_MAX
)

// String is the op's name without the prefix ("IMAGE_CLASSIFY"), from
// libvaccel's table.
func (op Op) String() string {
	return tableName("Op", int(op), int(opExtMax), "VACCEL_OP_",
		func() *C.char { return C.vaccel_op_type_name(C.vaccel_op_type_t(op)) })
}

// ParseOp maps a name ("image_classify", "IMAGE_CLASSIFY",
// "VACCEL_OP_IMAGE_CLASSIFY") to its number.
func ParseOp(name string) (Op, error) {
	want := strings.TrimPrefix(strings.ToUpper(name), "VACCEL_OP_")
	for op := Op(0); op < opExtMax; op++ {
		if s := op.String(); s == want && s != "MAX" {
			return op, nil
		}
	}
	return 0, newError(EINVAL, "ParseOp", fmt.Sprintf("unknown op %q", name))
}
